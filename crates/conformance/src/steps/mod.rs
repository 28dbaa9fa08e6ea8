//! Step definitions. Every step of every feature file goes through [`run_step`], which tries the
//! steps of the scenario's product first, then the shared ones, then the other products' (for
//! scenarios that need a second product, e.g. a token of the wrong product).

use std::time::Duration;

use anyhow::{anyhow, bail};
use cucumber::gherkin;
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;

use crate::facts::Product;
use crate::world::ConformWorld;

mod em;
mod vbr;
mod zvm;

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

/// The one cucumber step function: dispatches the step's text to our step definitions and
/// turns an error into a step failure.
pub(crate) fn dispatch(
    world: &mut ConformWorld,
    ctx: cucumber::step::Context,
) -> LocalBoxFuture<'_, ()> {
    async move {
        if let Err(e) = run_step(world, &ctx.step).await {
            // cucumber reports a panicking step as failed, with this message.
            std::panic::panic_any(format!("{e:#}"));
        }
    }
    .boxed_local()
}

/// Runs one step.
pub(crate) async fn run_step(w: &mut ConformWorld, step: &gherkin::Step) -> anyhow::Result<()> {
    let text = step.value.trim();
    let own = w.product;
    if let Some(p) = own
        && let Some(r) = product_step(p, w, text, step).await
    {
        return r;
    }
    if let Some(r) = common(w, text, step).await {
        return r;
    }
    for p in Product::ALL {
        if Some(p) != own
            && let Some(r) = product_step(p, w, text, step).await
        {
            return r;
        }
    }
    bail!("no step definition matches \"{text}\"")
}

async fn product_step(
    p: Product,
    w: &mut ConformWorld,
    text: &str,
    step: &gherkin::Step,
) -> Option<anyhow::Result<()>> {
    match p {
        Product::Em => em::step(w, text, step).await,
        Product::Vbr => vbr::step(w, text, step).await,
        Product::Zvm => zvm::step(w, text, step).await,
    }
}

/// Matches `text` against `pattern`, where `{string}` is a quoted string (double or single
/// quotes) and `{int}` a whole number; returns the captured values.
pub(crate) fn pat(text: &str, pattern: &str) -> Option<Vec<String>> {
    let mut captures = Vec::new();
    let mut rest = text;
    let mut pattern = pattern;
    loop {
        if pattern.is_empty() {
            return rest.is_empty().then_some(captures);
        }
        if let Some(p) = pattern.strip_prefix("{string}") {
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let body = &rest[1..];
            let end = body.find(quote)?;
            captures.push(body[..end].to_owned());
            rest = &body[end + 1..];
            pattern = p;
        } else if let Some(p) = pattern.strip_prefix("{int}") {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            captures.push(rest[..n].to_owned());
            rest = &rest[n..];
            pattern = p;
        } else {
            let next = pattern.find('{').unwrap_or(pattern.len());
            let literal = &pattern[..next];
            rest = rest.strip_prefix(literal)?;
            pattern = &pattern[next..];
        }
    }
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

async fn common(
    w: &mut ConformWorld,
    text: &str,
    step: &gherkin::Step,
) -> Option<anyhow::Result<()>> {
    // Time.
    if let Some(d) = text
        .strip_suffix(" pass without requests")
        .and_then(parse_duration)
    {
        return Some(w.ctx.clone().let_time_pass(d).await);
    }

    // Status.
    if let Some(rest) = text.strip_prefix("the answer is ")
        && rest.len() >= 3
        && rest.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && (rest.len() == 3 || rest.as_bytes()[3] == b' ')
    {
        let want: u16 = rest[..3].parse().ok()?;
        return Some(status_is(w, want));
    }
    if let Some(rest) = text.strip_prefix("every answer is ")
        && rest.len() >= 3
    {
        let want: u16 = rest[..3].parse().ok()?;
        let bad: Vec<String> = w
            .answers
            .iter()
            .filter(|a| a.status != want)
            .map(|a| a.summary())
            .collect();
        return Some(if w.answers.is_empty() {
            Err(anyhow!("no answers were collected"))
        } else if bad.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(
                "expected every answer to be {want}; got {}",
                bad.join(", ")
            ))
        });
    }
    match text {
        "the answer is a client error" => {
            let r = w.last().map(|a| a.status / 100 == 4);
            return Some(r.and_then(|ok| w.check(ok, || "a client error (4xx)".into())));
        }
        "the answer is a success" => {
            let r = w.last().map(|a| a.status / 100 == 2);
            return Some(r.and_then(|ok| w.check(ok, || "a success (2xx)".into())));
        }
        "the answer body is empty" => {
            let r = w.last().map(|a| a.body_is_empty());
            return Some(r.and_then(|ok| w.check(ok, || "an empty body".into())));
        }
        "the answer is JSON" => {
            let r = w
                .last()
                .map(|a| a.content_type().contains("json") && a.json().is_ok());
            return Some(r.and_then(|ok| {
                w.check(ok, || "a JSON body (Content-Type application/json)".into())
            }));
        }
        "the answer is XML" => {
            let r = w
                .last()
                .map(|a| a.content_type().contains("xml") && a.xml().is_ok());
            return Some(r.and_then(|ok| {
                w.check(ok, || "an XML body (Content-Type application/xml)".into())
            }));
        }
        "the answer follows one of the documented readings:" => {
            return Some(readings(w, step));
        }
        _ => {}
    }
    if let Some(a) = pat(text, "the answer has the header {string}") {
        let r = w.last().map(|ans| ans.header(&a[0]).is_some());
        return Some(r.and_then(|ok| w.check(ok, || format!("a {} header", a[0]))));
    }
    if let Some(a) = pat(
        text,
        "the answer has the header {string} with the value {string}",
    ) {
        // Compared without regard to case, spacing or quotes (`realm="RestSvc"`); any of several
        // headers of that name may match (e.g. `Negotiate` and `Basic` challenges).
        let norm = |s: &str| {
            s.replace('"', "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        };
        let r = w.last().map(|ans| {
            ans.headers
                .get_all(a[0].as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| norm(v) == norm(&a[1]))
        });
        return Some(r.and_then(|ok| w.check(ok, || format!("the header {}: {}", a[0], a[1]))));
    }

    // JSON.
    if let Some(a) = pat(text, "the JSON has the fields {string}") {
        return Some(json_fields(w, &list(&a[0])));
    }
    if let Some(a) = pat(text, "the JSON field {string} is {string}") {
        let r = w
            .last()
            .and_then(|ans| ans.json())
            .map(|j| j.get(&a[0]).and_then(|v| v.as_str()) == Some(a[1].as_str()));
        return Some(
            r.and_then(|ok| w.check(ok, || format!("the JSON field {} to be {:?}", a[0], a[1]))),
        );
    }
    if let Some(a) = pat(
        text,
        "the JSON field {string} is a list of objects with {string}",
    ) {
        let fields = list(&a[1]);
        let r = w.last().and_then(|ans| ans.json()).map(|j| {
            j.get(&a[0])
                .and_then(|v| v.as_array())
                .is_some_and(|items| {
                    !items.is_empty()
                        && items
                            .iter()
                            .all(|i| fields.iter().all(|f| i.get(f).is_some()))
                })
        });
        return Some(r.and_then(|ok| {
            w.check(ok, || {
                format!(
                    "the JSON field {} to be a non-empty list of objects with {}",
                    a[0], a[1]
                )
            })
        }));
    }
    None
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

    #[test]
    fn patterns() {
        assert_eq!(
            pat(
                r#"I log on with version "v1_7""#,
                "I log on with version {string}"
            ),
            Some(vec!["v1_7".to_owned()])
        );
        assert_eq!(
            pat("I get it 5 times", "I get it {int} times"),
            Some(vec!["5".to_owned()])
        );
        assert_eq!(
            pat(r#"body '{"A": 0}'"#, "body {string}"),
            Some(vec![r#"{"A": 0}"#.to_owned()])
        );
        assert_eq!(pat("I get it 5 times!", "I get it {int} times"), None);
        assert_eq!(pat("abc", "abd"), None);
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
