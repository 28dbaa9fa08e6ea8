//! Step definitions, registered with cucumber's own `#[given]`/`#[when]`/`#[then]` attributes
//! (collected by [`ConformWorld::collection`](cucumber::World::collection)), so that cucumber
//! reports a step text that no definition or more than one definition matches. The steps every
//! product uses are here; each product's own steps are in its module. A step text that two
//! products share is one definition here that acts for the product of the scenario's feature
//! file ([`ConformWorld::product`]).

use std::fmt;
use std::time::Duration;

use anyhow::{anyhow, bail};
use cucumber::{gherkin, then, when};

use crate::facts::Product;
use crate::world::ConformWorld;

mod em;
mod vbr;
mod zvm;

/// Why a step failed: its error with the chain of causes. A step function returning it makes
/// cucumber fail the step with this message.
pub(crate) struct Failure(anyhow::Error);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure(e)
    }
}

/// What a step function returns.
pub(crate) type StepResult = Result<(), Failure>;

/// The product of the scenario's feature file, for a step whose text two products share.
fn product_of(w: &ConformWorld) -> anyhow::Result<Product> {
    w.product
        .ok_or_else(|| anyhow!("this step acts for the product of its feature file, and this feature file is in no product's folder"))
}

/// The ZVM Appliance realm's logout endpoint (ZVM-13).
pub(crate) const OIDC_LOGOUT_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/logout";

/// Logs on to `product` with the run's account, as "I am logged on to ..." does: one request.
pub(crate) async fn log_on(w: &mut ConformWorld, product: Product) -> anyhow::Result<()> {
    match product {
        Product::Em => em::logged_on(w).await,
        Product::Vbr => vbr::logged_on(w, false).await,
        Product::Zvm => zvm::logged_on(w).await,
    }
}

/// The token of `product`'s session that this scenario logged off, for sending to another
/// product. A live token is never sent to another product: a server that logs or forwards what
/// it refuses must not get a working credential.
pub(crate) fn spent_token(w: &ConformWorld, product: Product) -> anyhow::Result<String> {
    w.spent.get(&product).cloned().ok_or_else(|| {
        anyhow!(
            "no logged-off {} token: a cross-product check sends only a token that was logged off first (\"Given I logged on to ... and logged off again\")",
            product.title()
        )
    })
}

/// The run's account for `product` with a wrong password: only where wrong passwords for a
/// real account are allowed (the embedded emulator, or `--allow-wrong-password-checks`).
pub(crate) fn wrong_password_for(
    w: &ConformWorld,
    product: Product,
) -> anyhow::Result<crate::target::Credential> {
    if !w.ctx.allow_wrong_password {
        bail!(
            "a wrong password for the real account is sent only with --allow-wrong-password-checks"
        );
    }
    let c = w.ctx.credential(product)?;
    let wrong = format!("restpoint-wrong-{}", uuid::Uuid::new_v4().simple());
    Ok(crate::target::Credential::new(c.username(), wrong))
}

/// Splits a comma-separated list from a feature file.
pub(crate) fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Parses "16 minutes", "14 days and 1 minute" into a duration.
fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    for part in s.split(" and ") {
        let mut words = part.split_whitespace();
        let n: u64 = words.next()?.parse().ok()?;
        let unit = words.next()?;
        if words.next().is_some() {
            return None;
        }
        let secs = match unit.trim_end_matches('s') {
            "second" => 1,
            "minute" => 60,
            "hour" => 3600,
            "day" => 86_400,
            _ => return None,
        };
        total += n * secs;
    }
    Some(Duration::from_secs(total))
}

/// Whether the last answer's body is the VBR JSON error model (VBR-07).
pub(crate) fn is_vbr_error_model(answer: &crate::answer::Answer) -> Result<(), String> {
    const CODES: &[&str] = &[
        "AccessDenied",
        "ExpiredToken",
        "InvalidToken",
        "InvalidURI",
        "MethodNotAllowed",
        "NotFound",
        "NotImplemented",
        "ServiceUnavailable",
        "UnexpectedContent",
        "UnknownError",
    ];
    let json = answer.json().map_err(|_| "a JSON error body".to_owned())?;
    let code = json
        .get("errorCode")
        .and_then(|c| c.as_str())
        .ok_or("an error body with a string errorCode")?;
    if !CODES.contains(&code) {
        return Err(format!("a documented errorCode (got {code})"));
    }
    if !json.get("message").is_some_and(|m| m.is_string()) {
        return Err("an error body with a string message".to_owned());
    }
    Ok(())
}

/// Whether `answer` has the form named in a readings table ("201", "4xx",
/// "401 with the error model", "401 with an empty body").
fn matches_form(answer: &crate::answer::Answer, form: &str) -> anyhow::Result<bool> {
    let mut words = form.splitn(2, ' ');
    let status = words.next().unwrap_or_default();
    let rest = words.next().unwrap_or_default().trim();
    let status_ok = if let Some(class) = status.strip_suffix("xx") {
        let c: u16 = class
            .parse()
            .map_err(|_| anyhow!("bad answer form {form:?}"))?;
        answer.status / 100 == c
    } else {
        let s: u16 = status
            .parse()
            .map_err(|_| anyhow!("bad answer form {form:?}"))?;
        answer.status == s
    };
    if !status_ok {
        return Ok(false);
    }
    Ok(match rest {
        "" => true,
        "with the error model" => is_vbr_error_model(answer).is_ok(),
        "with an empty body" => answer.body_is_empty(),
        other => bail!("unknown answer form {other:?}"),
    })
}

// Steps whose text two products share: one definition, acting for the feature's product.

#[when("I start the first job")]
async fn start_first_job(w: &mut ConformWorld) -> StepResult {
    match product_of(w)? {
        Product::Em => em::start_first_job(w).await?,
        Product::Vbr => vbr::start_first_job(w).await?,
        Product::Zvm => return Err(anyhow!("Zerto Virtual Manager has no job to start").into()),
    }
    Ok(())
}

#[then("my session token is refused")]
async fn session_token_refused(w: &mut ConformWorld) -> StepResult {
    Ok(session_token_state(w, false).await?)
}

#[then("my session token still works")]
async fn session_token_works(w: &mut ConformWorld) -> StepResult {
    Ok(session_token_state(w, true).await?)
}

/// Whether the token of the scenario's session still works in the feature's product.
async fn session_token_state(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
    match product_of(w)? {
        Product::Em => em::token_state(w, alive).await,
        Product::Vbr => vbr::token_works(w, alive).await,
        Product::Zvm => zvm::session_state(w, alive).await,
    }
}

// Time.

#[when(
    regex = r"^(\d+ (?:second|minute|hour|day)s?(?: and \d+ (?:second|minute|hour|day)s?)*) pass without requests$"
)]
async fn time_passes(w: &mut ConformWorld, span: String) -> StepResult {
    let d = parse_duration(&span).ok_or_else(|| anyhow!("not a duration: {span:?}"))?;
    Ok(w.ctx.clone().let_time_pass(d).await?)
}

// Status.

#[then(regex = r"^the answer is (\d{3})(?: .*)?$")]
fn answer_is(w: &mut ConformWorld, want: u16) -> StepResult {
    Ok(status_is(w, want)?)
}

#[then(regex = r"^every answer is (\d{3})(?: .*)?$")]
fn every_answer_is(w: &mut ConformWorld, want: u16) -> StepResult {
    let bad: Vec<String> = w
        .answers
        .iter()
        .filter(|a| a.status != want)
        .map(|a| a.summary())
        .collect();
    if w.answers.is_empty() {
        return Err(anyhow!("no answers were collected").into());
    }
    if !bad.is_empty() {
        return Err(anyhow!("expected every answer to be {want}; got {}", bad.join(", ")).into());
    }
    Ok(())
}

#[then("the answer is a client error")]
fn client_error(w: &mut ConformWorld) -> StepResult {
    let ok = w.last()?.status / 100 == 4;
    Ok(w.check(ok, || "a client error (4xx)".into())?)
}

#[then("the answer is a success")]
fn success(w: &mut ConformWorld) -> StepResult {
    let ok = w.last()?.status / 100 == 2;
    Ok(w.check(ok, || "a success (2xx)".into())?)
}

#[then("the answer body is empty")]
fn body_empty(w: &mut ConformWorld) -> StepResult {
    let ok = w.last()?.body_is_empty();
    Ok(w.check(ok, || "an empty body".into())?)
}

#[then("the answer is JSON")]
fn answer_json(w: &mut ConformWorld) -> StepResult {
    let a = w.last()?;
    let ok = a.content_type().contains("json") && a.json().is_ok();
    Ok(w.check(ok, || "a JSON body (Content-Type application/json)".into())?)
}

#[then("the answer is XML")]
fn answer_xml(w: &mut ConformWorld) -> StepResult {
    let a = w.last()?;
    let ok = a.content_type().contains("xml") && a.xml().is_ok();
    Ok(w.check(ok, || "an XML body (Content-Type application/xml)".into())?)
}

#[then("the answer follows one of the documented readings:")]
fn follows_readings(w: &mut ConformWorld, step: &gherkin::Step) -> StepResult {
    Ok(readings(w, step)?)
}

#[then(expr = "the answer has the header {string}")]
fn has_header(w: &mut ConformWorld, name: String) -> StepResult {
    let ok = w.last()?.header(&name).is_some();
    Ok(w.check(ok, || format!("a {name} header"))?)
}

#[then(expr = "the answer has the header {string} with the value {string}")]
fn has_header_value(w: &mut ConformWorld, name: String, value: String) -> StepResult {
    // Compared without regard to case, spacing or quotes (`realm="RestSvc"`); any of several
    // headers of that name may match (e.g. `Negotiate` and `Basic` challenges).
    let norm = |s: &str| {
        s.replace('"', "")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
    };
    let ok = w
        .last()?
        .headers
        .get_all(name.as_str())
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| norm(v) == norm(&value));
    Ok(w.check(ok, || format!("the header {name}: {value}"))?)
}

// JSON.

#[then(expr = "the JSON has the fields {string}")]
fn json_has_fields(w: &mut ConformWorld, fields: String) -> StepResult {
    Ok(json_fields(w, &list(&fields))?)
}

#[then(expr = "the JSON field {string} is {string}")]
fn json_field_is(w: &mut ConformWorld, field: String, want: String) -> StepResult {
    let ok = w.last()?.json()?.get(&field).and_then(|v| v.as_str()) == Some(want.as_str());
    Ok(w.check(ok, || format!("the JSON field {field} to be {want:?}"))?)
}

#[then(expr = "the JSON field {string} is a list of objects with {string}")]
fn json_field_objects(w: &mut ConformWorld, field: String, with: String) -> StepResult {
    let fields = list(&with);
    let ok = w
        .last()?
        .json()?
        .get(&field)
        .and_then(|v| v.as_array())
        .is_some_and(|items| {
            !items.is_empty()
                && items
                    .iter()
                    .all(|i| fields.iter().all(|f| i.get(f).is_some()))
        });
    Ok(w.check(ok, || {
        format!("the JSON field {field} to be a non-empty list of objects with {with}")
    })?)
}

fn status_is(w: &mut ConformWorld, want: u16) -> anyhow::Result<()> {
    let got = w.last()?.status;
    let line = crate::answer::Answer {
        request: String::new(),
        status: want,
        headers: Default::default(),
        body: Vec::new(),
    }
    .status_line();
    w.check(got == want, || line)
}

fn json_fields(w: &mut ConformWorld, fields: &[String]) -> anyhow::Result<()> {
    let json = w.last()?.json()?;
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| json.get(f.as_str()).is_none())
        .map(String::as_str)
        .collect();
    w.check(missing.is_empty(), || {
        format!(
            "the JSON fields {} (missing: {})",
            fields.join(", "),
            missing.join(", ")
        )
    })
}

/// A `@doc-conflict` check: the answer must match one of the documented readings. Against the
/// emulator it must match the one marked `yes`; against a real server the reading it follows is
/// recorded.
fn readings(w: &mut ConformWorld, step: &gherkin::Step) -> anyhow::Result<()> {
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| anyhow!("the readings step needs a table"))?;
    let answer = w.last()?.clone();
    let mut rows = table.rows.iter();
    let header = rows.next().ok_or_else(|| anyhow!("empty readings table"))?;
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(c_answer), Some(c_reading)) = (col("answer"), col("reading")) else {
        bail!("the readings table needs the columns answer and reading");
    };
    let c_emulator = col("emulator");
    let mut matched = None;
    let mut expected_emulator = None;
    for row in rows {
        let form = row[c_answer].trim();
        let reading = row[c_reading].trim();
        let is_emulator = c_emulator.is_some_and(|c| row[c].trim() == "yes");
        if is_emulator {
            expected_emulator = Some((form.to_owned(), reading.to_owned()));
        }
        if matched.is_none() && matches_form(&answer, form)? {
            matched = Some((form.to_owned(), reading.to_owned()));
        }
    }
    match matched {
        Some((form, reading)) => {
            let kind = if w.tags.iter().any(|t| t == "undocumented") {
                "undocumented"
            } else {
                "doc-conflict"
            };
            w.notes.push(format!(
                "{kind}: follows \"{reading}\" (answered {})",
                answer.summary()
            ));
            if w.is_emulator()
                && let Some((e_form, e_reading)) = expected_emulator
                && e_form != form
            {
                bail!(
                    "the emulator should follow \"{e_reading}\" ({e_form}) but answered {}",
                    answer.summary()
                );
            }
            Ok(())
        }
        None => bail!(
            "the answer {} to {} matches none of the documented readings",
            answer.summary(),
            answer.request
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The steps of a scenario, once per row of its examples (a scenario outline).
    fn expanded(scenario: &gherkin::Scenario) -> Vec<Vec<gherkin::Step>> {
        let rows: Vec<Vec<(String, String)>> = scenario
            .examples
            .iter()
            .filter_map(|e| e.table.as_ref())
            .flat_map(|t| {
                let header = t.rows[0].clone();
                t.rows[1..].iter().map(move |row| {
                    header
                        .iter()
                        .map(|h| format!("<{}>", h.trim()))
                        .zip(row.iter().map(|v| v.trim().to_owned()))
                        .collect()
                })
            })
            .collect();
        if rows.is_empty() {
            return vec![scenario.steps.clone()];
        }
        rows.iter()
            .map(|row| {
                let mut steps = scenario.steps.clone();
                for step in &mut steps {
                    for (name, value) in row {
                        step.value = step.value.replace(name, value);
                    }
                }
                steps
            })
            .collect()
    }

    /// Every step of every scenario of the embedded conformance features (also those a run
    /// against the emulator skips) has exactly one step definition.
    #[test]
    fn every_step_has_exactly_one_definition() {
        let collection = <ConformWorld as cucumber::World>::collection();
        let features = crate::features::FeatureSet::embedded()
            .parse()
            .expect("the embedded features parse");
        let mut problems = Vec::new();
        let mut checked = 0;
        for feature in &features {
            let path = feature.path.as_deref().expect("a feature path");
            if crate::features::parent_name(path) == Some("clients") {
                continue; // the clients' features have their own steps (tests/clients.rs)
            }
            let background: Vec<gherkin::Step> = feature
                .background
                .iter()
                .flat_map(|b| b.steps.clone())
                .collect();
            let scenarios = feature
                .scenarios
                .iter()
                .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()));
            for scenario in scenarios {
                for steps in expanded(scenario) {
                    for step in background.iter().chain(&steps) {
                        checked += 1;
                        match collection.find(step) {
                            Ok(Some(_)) => {}
                            Ok(None) => problems.push(format!(
                                "{}: no definition for {:?} {:?}",
                                path.display(),
                                step.ty,
                                step.value
                            )),
                            Err(e) => problems.push(format!(
                                "{}: {} definitions match {:?} {:?}",
                                path.display(),
                                e.possible_matches.len(),
                                step.ty,
                                step.value
                            )),
                        }
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(checked > 500, "only {checked} steps were checked");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("16 minutes"), Some(Duration::from_secs(960)));
        assert_eq!(
            parse_duration("14 days and 1 minute"),
            Some(Duration::from_secs(14 * 86_400 + 60))
        );
        assert_eq!(parse_duration("soon"), None);
    }
}
