//! Backup & Replication steps (VBR-01 to VBR-14).

use anyhow::{anyhow, bail};
use cucumber::gherkin;

use cucumber::{given, then, when};

use super::{StepResult, is_vbr_error_model};
use crate::answer::Answer;
use crate::facts::Product;
use crate::target::{Credential, EmulatorAccounts, password_of};
use crate::world::{ConformWorld, TokenSet};

const MADE_UP_TOKEN: &str = "eyJhbGciOiJub25lIn0.cmVzdHBvaW50LW1hZGUtdXA.bm90LWlzc3VlZA";

/// Which `x-api-version` header to send.
#[derive(Clone, Copy)]
enum Version<'a> {
    Configured,
    Omitted,
    This(&'a str),
}

// Logon.

#[given("I am logged on to Backup & Replication")]
async fn am_logged_on(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on(w, false).await?)
}

#[given("I am logged on to Backup & Replication with a short-term refresh token")]
async fn am_logged_on_short_term(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on(w, true).await?)
}

#[given("I am logged on to Backup & Replication as a user without privileges")]
async fn am_logged_on_without_privileges(w: &mut ConformWorld) -> StepResult {
    let c = accounts(w)?.vbr_viewer.clone();
    w.vbr_account = Some(c);
    Ok(logged_on(w, false).await?)
}

#[given("my account requires multi-factor authentication")]
fn account_requires_mfa(w: &mut ConformWorld) -> StepResult {
    let c = accounts(w)?.vbr_mfa.clone();
    w.vbr_account = Some(c);
    Ok(())
}

#[given("I logged on to Backup & Replication and logged off again")]
async fn logged_on_and_off_again(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on_and_off(w).await?)
}

#[when("I ask for a token with my user name and password")]
async fn ask_token(w: &mut ConformWorld) -> StepResult {
    let c = account(w);
    Ok(password_grant(w, "password", &c, false, Version::Configured).await?)
}

#[when(expr = "I ask for a token with grant type {string} and my user name and password")]
async fn ask_token_with_grant(w: &mut ConformWorld, grant: String) -> StepResult {
    let c = account(w);
    Ok(password_grant(w, &grant, &c, false, Version::Configured).await?)
}

#[when("I ask for a token with an unknown user name")]
async fn ask_token_unknown_user(w: &mut ConformWorld) -> StepResult {
    let c = crate::target::unknown_user();
    Ok(password_grant(w, "password", &c, false, Version::Configured).await?)
}

#[when("I ask for a token with a wrong password for my account")]
async fn ask_token_wrong_password(w: &mut ConformWorld) -> StepResult {
    let c = super::wrong_password_for(w, Product::Vbr)?;
    Ok(password_grant(w, "password", &c, false, Version::Configured).await?)
}

#[when("I ask for a token without the x-api-version header")]
async fn ask_token_without_version(w: &mut ConformWorld) -> StepResult {
    let c = account(w);
    Ok(password_grant(w, "password", &c, false, Version::Omitted).await?)
}

#[when("I ask for a token with a user name but no password")]
async fn ask_token_without_password(w: &mut ConformWorld) -> StepResult {
    // A made-up name: an empty password may count as a wrong one for a real account.
    let user = crate::target::unknown_user().username().to_owned();
    Ok(token_form(
        w,
        &[("grant_type", "password"), ("username", &user)],
        Version::Configured,
    )
    .await?)
}

#[when("I ask for a token without a grant type")]
async fn ask_token_without_grant(w: &mut ConformWorld) -> StepResult {
    let c = account(w);
    Ok(token_form(
        w,
        &[("username", c.username()), ("password", password_of(&c))],
        Version::Configured,
    )
    .await?)
}

#[when("I ask for a token with a JSON body")]
async fn ask_token_json(w: &mut ConformWorld) -> StepResult {
    Ok(json_token_request(w).await?)
}

#[when("I ask for a token with the emulator's vbr_token")]
async fn ask_token_vbr_token(w: &mut ConformWorld) -> StepResult {
    let t = accounts(w)?.vbr_token.clone();
    Ok(token_form(
        w,
        &[("grant_type", "vbr_token"), ("vbr_token", &t)],
        Version::Configured,
    )
    .await?)
}

#[when(expr = "I ask for a token with the emulator's vbr_token and x-api-version {string}")]
async fn ask_token_vbr_token_at(w: &mut ConformWorld, version: String) -> StepResult {
    let t = accounts(w)?.vbr_token.clone();
    Ok(token_form(
        w,
        &[("grant_type", "vbr_token"), ("vbr_token", &t)],
        Version::This(&version),
    )
    .await?)
}

#[when("I ask for a token with my user name and password and empty optional fields")]
async fn ask_token_empty_optional(w: &mut ConformWorld) -> StepResult {
    let c = account(w);
    Ok(token_form(
        w,
        &[
            ("grant_type", "password"),
            ("username", c.username()),
            ("password", password_of(&c)),
            ("refresh_token", ""),
            ("code", ""),
            ("use_short_term_refresh", ""),
            ("vbr_token", ""),
        ],
        Version::Configured,
    )
    .await?)
}

#[when("I ask for a token with my user name and password and a stale bearer token")]
async fn ask_token_stale_bearer(w: &mut ConformWorld) -> StepResult {
    Ok(stale_bearer_grant(w).await?)
}

#[when("I ask for a token with an unknown user name and an unsupported x-api-version")]
async fn ask_token_unknown_user_bad_version(w: &mut ConformWorld) -> StepResult {
    let c = crate::target::unknown_user();
    Ok(password_grant(w, "password", &c, false, Version::This("0.1-rev0")).await?)
}

// Token answers.

#[then("the answer is a token set as the reference shows it")]
fn answer_is_token_set(w: &mut ConformWorld) -> StepResult {
    Ok(token_set(w)?)
}

#[then("the answer carries new tokens")]
fn answer_carries_new_tokens(w: &mut ConformWorld) -> StepResult {
    Ok(new_tokens(w)?)
}

#[then("the access token lifetime follows one of the documented readings:")]
fn access_token_lifetime(w: &mut ConformWorld, step: &gherkin::Step) -> StepResult {
    Ok(lifetime_readings(w, step)?)
}

#[then("the error message mentions multi-factor authentication")]
fn message_mentions_mfa(w: &mut ConformWorld) -> StepResult {
    Ok(mentions_mfa(w)?)
}

#[then("the error message names the supported revisions")]
fn message_names_revisions(w: &mut ConformWorld) -> StepResult {
    Ok(names_revisions(w)?)
}

// Emulator settings.

#[given("the emulator answers requests without x-api-version in the newest revision")]
fn emulator_missing_version_newest(w: &mut ConformWorld) -> StepResult {
    w.require_emulator()?.set_vbr_missing_version_newest(true)?;
    w.settings_changed = true;
    Ok(())
}

#[given("the emulator answers refused tokens with an empty body")]
fn emulator_empty_401(w: &mut ConformWorld) -> StepResult {
    w.require_emulator()?.set_vbr_empty_401(true)?;
    w.settings_changed = true;
    Ok(())
}

#[given("the emulator fails the next request with a server error")]
fn emulator_fails_next(w: &mut ConformWorld) -> StepResult {
    w.require_emulator()?.fail_next(Product::Vbr, 500)?;
    w.settings_changed = true;
    Ok(())
}

// Time.

#[when(regex = r"^the access token's lifetime and (\d+) minutes? pass without requests$")]
async fn lifetime_and_minutes_pass(w: &mut ConformWorld, minutes: u64) -> StepResult {
    Ok(pass_lifetime(w, minutes * 60, true).await?)
}

#[when("all but 1 minute of the access token's lifetime pass without requests")]
async fn all_but_a_minute_passes(w: &mut ConformWorld) -> StepResult {
    Ok(pass_lifetime(w, 60, false).await?)
}

// Server information.

#[when("I get the server information")]
async fn get_server_info(w: &mut ConformWorld) -> StepResult {
    let t = access(w)?;
    Ok(server_info(w, Some(t), Version::Configured).await?)
}

#[when("I get the server information without the x-api-version header")]
async fn get_server_info_without_version(w: &mut ConformWorld) -> StepResult {
    let t = access(w)?;
    Ok(server_info(w, Some(t), Version::Omitted).await?)
}

#[when(expr = "I get the server information with x-api-version {string}")]
async fn get_server_info_at(w: &mut ConformWorld, version: String) -> StepResult {
    let t = access(w)?;
    Ok(server_info(w, Some(t), Version::This(&version)).await?)
}

#[when("I get the server information without authorization")]
async fn get_server_info_anonymous(w: &mut ConformWorld) -> StepResult {
    Ok(server_info(w, None, Version::Configured).await?)
}

#[when("I get the server information with a made-up token")]
async fn get_server_info_made_up(w: &mut ConformWorld) -> StepResult {
    Ok(server_info(w, Some(MADE_UP_TOKEN.to_owned()), Version::Configured).await?)
}

#[when("I get the server information sending the Enterprise Manager token as a bearer token")]
async fn get_server_info_em_token(w: &mut ConformWorld) -> StepResult {
    let t = super::spent_token(w, Product::Em)?;
    Ok(server_info(w, Some(t), Version::Configured).await?)
}

#[when(expr = "I get the server information {int} times")]
async fn get_server_info_times(w: &mut ConformWorld, n: usize) -> StepResult {
    Ok(repeat_server_info(w, n).await?)
}

#[then("my access token is refused")]
async fn access_token_refused(w: &mut ConformWorld) -> StepResult {
    Ok(token_works(w, false).await?)
}

#[then("my access token still works")]
async fn access_token_works(w: &mut ConformWorld) -> StepResult {
    Ok(token_works(w, true).await?)
}

#[then("the new access token works")]
async fn the_new_token_works(w: &mut ConformWorld) -> StepResult {
    Ok(new_token_works(w).await?)
}

// Refresh, codes and logout.

#[when(regex = "^I refresh (?:the tokens|again with the same refresh token)$")]
async fn refresh_tokens(w: &mut ConformWorld) -> StepResult {
    Ok(refresh(w, "refresh_token").await?)
}

#[when(expr = "I refresh the tokens with grant type {string}")]
async fn refresh_with_grant(w: &mut ConformWorld, grant: String) -> StepResult {
    Ok(refresh(w, &grant).await?)
}

#[then("the new tokens differ from the old ones")]
fn new_tokens_differ(w: &mut ConformWorld) -> StepResult {
    Ok(tokens_differ(w)?)
}

#[when("I ask for an authorization code")]
async fn ask_code(w: &mut ConformWorld) -> StepResult {
    Ok(authorization_code_at(w, Version::Configured).await?)
}

#[when(expr = "I ask for an authorization code with x-api-version {string}")]
async fn ask_code_at(w: &mut ConformWorld, version: String) -> StepResult {
    Ok(authorization_code_at(w, Version::This(&version)).await?)
}

#[when("another client exchanges the code for tokens")]
async fn exchange_code(w: &mut ConformWorld) -> StepResult {
    Ok(exchange_code_at(w, Version::Configured).await?)
}

#[when(expr = "another client exchanges the code for tokens with x-api-version {string}")]
async fn exchange_code_with_version(w: &mut ConformWorld, version: String) -> StepResult {
    Ok(exchange_code_at(w, Version::This(&version)).await?)
}

#[when("I log out of Backup & Replication")]
async fn log_out(w: &mut ConformWorld) -> StepResult {
    Ok(logout(w).await?)
}

#[then("the answer is an empty JSON object")]
fn answer_is_empty_object(w: &mut ConformWorld) -> StepResult {
    Ok(empty_object(w)?)
}

#[then("the answer carries the error model")]
fn answer_carries_error_model(w: &mut ConformWorld) -> StepResult {
    Ok(error_model(w, None)?)
}

#[then(expr = "the answer carries the error model with the code {string}")]
fn answer_carries_error_code(w: &mut ConformWorld, code: String) -> StepResult {
    Ok(error_model(w, Some(&code))?)
}

fn accounts(w: &ConformWorld) -> anyhow::Result<&EmulatorAccounts> {
    w.ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("this step needs an account that only the emulator has"))
}

/// The account this scenario logs on with: one set by the scenario (an emulator account), or
/// the run's VBR account. A run without a VBR account gives a name no server knows, which the
/// scenario's checks then reject.
fn account(w: &ConformWorld) -> Credential {
    w.vbr_account
        .clone()
        .or_else(|| w.ctx.credential(Product::Vbr).ok())
        .unwrap_or_else(crate::target::unknown_user)
}

fn access(w: &ConformWorld) -> anyhow::Result<String> {
    w.vbr
        .as_ref()
        .map(|t| t.access.clone())
        .ok_or_else(|| anyhow!("no Backup & Replication token: log on first"))
}

fn with_version(
    w: &ConformWorld,
    rb: reqwest::RequestBuilder,
    version: Version<'_>,
) -> reqwest::RequestBuilder {
    match version {
        Version::Configured => rb.header("x-api-version", &w.ctx.vbr_api_version),
        Version::Omitted => rb,
        Version::This(v) => rb.header("x-api-version", v),
    }
}

async fn token_form(
    w: &mut ConformWorld,
    fields: &[(&str, &str)],
    version: Version<'_>,
) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/token")?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let rb = w
        .ctx
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body);
    let rb = with_version(w, rb, version);
    let grant = fields
        .iter()
        .find(|(k, _)| *k == "grant_type")
        .map(|(_, v)| *v)
        .unwrap_or("none");
    w.send(format!("POST /api/oauth2/token (grant_type={grant})"), rb)
        .await?;
    keep_for_logout(w);
    Ok(())
}

async fn password_grant(
    w: &mut ConformWorld,
    grant: &str,
    c: &Credential,
    short_term: bool,
    version: Version<'_>,
) -> anyhow::Result<()> {
    let mut fields = vec![
        ("grant_type", grant),
        ("username", c.username()),
        ("password", password_of(c)),
    ];
    if short_term {
        fields.push(("use_short_term_refresh", "true"));
    }
    token_form(w, &fields, version).await
}

/// Remembers the access token of a token answer, so that the scenario's clean-up logs it out
/// even when the scenario does not keep it.
fn keep_for_logout(w: &mut ConformWorld) {
    if let Some(t) = w
        .last
        .as_ref()
        .filter(|a| a.status == 200)
        .and_then(tokens_of)
    {
        w.vbr_opened.push(t.access);
    }
}

fn tokens_of(answer: &Answer) -> Option<TokenSet> {
    let j = answer.json().ok()?;
    let access = j.get("access_token")?.as_str()?.to_owned();
    let refresh = j
        .get("refresh_token")
        .and_then(|r| r.as_str())
        .unwrap_or_default()
        .to_owned();
    (!access.is_empty()).then_some(TokenSet { access, refresh })
}

/// Logs on with the scenario's account (password grant) and keeps the tokens.
pub(crate) async fn logged_on(w: &mut ConformWorld, short_term: bool) -> anyhow::Result<()> {
    let c = account(w);
    password_grant(w, "password", &c, short_term, Version::Configured).await?;
    let answer = w.last()?;
    let lifetime = lifetime_of(answer);
    match (answer.status, tokens_of(answer)) {
        (200, Some(t)) => {
            w.vbr = Some(t);
            w.vbr_lifetime = lifetime;
            Ok(())
        }
        _ => bail!(
            "could not log on to Backup & Replication: {}",
            answer.summary()
        ),
    }
}

async fn json_token_request(w: &mut ConformWorld) -> anyhow::Result<()> {
    let c = account(w);
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/token")?;
    let body = serde_json::json!({
        "grant_type": "password",
        "username": c.username(),
        "password": password_of(&c),
    });
    let rb = w.ctx.client.post(url).json(&body);
    let rb = with_version(w, rb, Version::Configured);
    w.send("POST /api/oauth2/token (JSON body)".into(), rb)
        .await?;
    keep_for_logout(w);
    Ok(())
}

/// An ISO 8601 time of a token answer, with or without a UTC offset (VBR-02).
fn iso_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// The lifetime a token answer announces: `expires_in`, else `.expires` minus `.issued`.
fn lifetime_of(answer: &Answer) -> Option<std::time::Duration> {
    let j = answer.json().ok()?;
    if let Some(n) = j.get("expires_in").and_then(|v| v.as_u64()) {
        return Some(std::time::Duration::from_secs(n));
    }
    let time = |f: &str| j.get(f).and_then(|v| v.as_str()).and_then(iso_time);
    let span = (time(".expires")? - time(".issued")?).to_std().ok()?;
    Some(span)
}

/// Whether a token is JWT-shaped: three non-empty base64url parts (VBR-02).
fn jwt_shaped(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// VBR-02: exactly the reference's fields, `token_type` bearer, JWT-shaped tokens, ISO 8601
/// times whose span is `expires_in`. The lifetime itself is not checked here (disputed: see
/// the lifetime readings).
fn token_set(w: &mut ConformWorld) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let j = answer.json()?;
    let mut problems = Vec::new();
    const FIELDS: [&str; 6] = [
        "access_token",
        "token_type",
        "refresh_token",
        "expires_in",
        ".issued",
        ".expires",
    ];
    match j.as_object() {
        Some(o) => {
            let extra: Vec<&String> = o.keys().filter(|k| !FIELDS.contains(&k.as_str())).collect();
            if !extra.is_empty() {
                problems.push(format!("fields beyond the reference's: {extra:?}"));
            }
        }
        None => problems.push("not a JSON object".to_owned()),
    }
    for f in ["access_token", "refresh_token"] {
        match j.get(f).and_then(|v| v.as_str()) {
            Some(t) if jwt_shaped(t) => {}
            Some(_) => problems.push(format!("{f} is not JWT-shaped (three base64url parts)")),
            None => problems.push(format!("no {f}")),
        }
    }
    if !j
        .get("token_type")
        .and_then(|v| v.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        problems.push("token_type is not bearer".to_owned());
    }
    let expires_in = j.get("expires_in").and_then(|v| v.as_i64());
    if expires_in.is_none_or(|n| n <= 0) {
        problems.push(format!(
            "expires_in is {expires_in:?}, not a positive integer"
        ));
    }
    let time = |f: &str| j.get(f).and_then(|v| v.as_str()).and_then(iso_time);
    match (time(".issued"), time(".expires"), expires_in) {
        (Some(issued), Some(expires), Some(n)) => {
            let span = (expires - issued).num_seconds();
            if (span - n).abs() > 5 {
                problems.push(format!(
                    ".expires is {span} s after .issued, not expires_in {n}"
                ));
            }
        }
        (Some(_), Some(_), None) => {}
        _ => problems.push("no ISO 8601 .issued and .expires".to_owned()),
    }
    w.check(problems.is_empty(), || {
        format!(
            "a token set as the reference shows it ({})",
            problems.join("; ")
        )
    })
}

/// A `200` whose body carries an access and a refresh token (what other rules need of it).
fn new_tokens(w: &mut ConformWorld) -> anyhow::Result<()> {
    let answer = w.last()?;
    let ok = answer.status == 200 && tokens_of(answer).is_some_and(|t| !t.refresh.is_empty());
    w.check(ok, || {
        "200 OK with an access token and a refresh token".into()
    })
}

/// VBR-02 `@doc-conflict`: which documented lifetime `expires_in` has. Table columns
/// `expires_in`, `reading`, `emulator` (the row the emulator must follow is marked `yes`).
fn lifetime_readings(w: &mut ConformWorld, step: &gherkin::Step) -> anyhow::Result<()> {
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| anyhow!("the readings step needs a table"))?;
    let answer = w.last()?.clone();
    let got = answer
        .json()
        .ok()
        .and_then(|j| j.get("expires_in")?.as_i64());
    let mut rows = table.rows.iter();
    let header = rows.next().ok_or_else(|| anyhow!("empty readings table"))?;
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(c_value), Some(c_reading)) = (col("expires_in"), col("reading")) else {
        bail!("the lifetime readings table needs the columns expires_in and reading");
    };
    let c_emulator = col("emulator");
    let mut matched = None;
    let mut expected = None;
    for row in rows {
        let value: i64 = row[c_value]
            .trim()
            .parse()
            .map_err(|_| anyhow!("bad expires_in {:?}", row[c_value]))?;
        let reading = row[c_reading].trim().to_owned();
        if c_emulator.is_some_and(|c| row[c].trim() == "yes") {
            expected = Some((value, reading.clone()));
        }
        if got == Some(value) && matched.is_none() {
            matched = Some((value, reading));
        }
    }
    match matched {
        Some((value, reading)) => {
            w.notes.push(format!(
                "doc-conflict: follows \"{reading}\" (expires_in {value})"
            ));
            if w.is_emulator()
                && let Some((e_value, e_reading)) = expected
                && e_value != value
            {
                bail!(
                    "the emulator should follow \"{e_reading}\" (expires_in {e_value}) but answered {value}"
                );
            }
            Ok(())
        }
        None => bail!(
            "expires_in {got:?} ({}) matches none of the documented lifetimes",
            answer.summary()
        ),
    }
}

fn error_message(w: &ConformWorld) -> anyhow::Result<String> {
    Ok(w.last()?
        .json()
        .ok()
        .and_then(|j| j.get("message")?.as_str().map(str::to_owned))
        .unwrap_or_default())
}

/// VBR-09: the refusal says that MFA is the reason.
fn mentions_mfa(w: &mut ConformWorld) -> anyhow::Result<()> {
    let m = error_message(w)?.to_ascii_lowercase();
    let ok = m.contains("mfa") || m.contains("multi-factor") || m.contains("multifactor");
    w.check(ok, || "an error message that mentions MFA".into())
}

/// VBR-08: the refusal names the revisions served, the one this run speaks among them.
fn names_revisions(w: &mut ConformWorld) -> anyhow::Result<()> {
    let m = error_message(w)?;
    let ours = w.ctx.vbr_api_version.to_ascii_lowercase();
    let ok = m.to_ascii_lowercase().contains("supported")
        && m.split([' ', ',', ';', ':'])
            .map(|t| t.trim_end_matches('.').trim_start_matches(['v', 'V']))
            .any(|t| t.eq_ignore_ascii_case(&ours));
    w.check(ok, || {
        format!("a message naming the supported revisions, {ours} among them")
    })
}

/// VBR-14: a password grant that also carries `Authorization: Bearer` with a token that is no
/// longer valid.
async fn stale_bearer_grant(w: &mut ConformWorld) -> anyhow::Result<()> {
    let c = account(w);
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/token")?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "password"),
            ("username", c.username()),
            ("password", password_of(&c)),
        ])
        .finish();
    let rb = w
        .ctx
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .bearer_auth(MADE_UP_TOKEN)
        .body(body);
    let rb = with_version(w, rb, Version::Configured);
    w.send(
        "POST /api/oauth2/token (grant_type=password, with a bearer token)".into(),
        rb,
    )
    .await?;
    keep_for_logout(w);
    Ok(())
}

/// Lets the logon's announced access token lifetime pass, plus `extra` seconds (`more`) or
/// less them. Precise about the lifetime the server said, whatever it is (VBR-02).
async fn pass_lifetime(w: &mut ConformWorld, extra: u64, more: bool) -> anyhow::Result<()> {
    let lifetime = w
        .vbr_lifetime
        .ok_or_else(|| anyhow!("the logon announced no access token lifetime"))?;
    let extra = std::time::Duration::from_secs(extra);
    let d = if more {
        lifetime + extra
    } else {
        lifetime.saturating_sub(extra)
    };
    w.ctx.clone().let_time_pass(d).await
}

async fn server_info(
    w: &mut ConformWorld,
    bearer: Option<String>,
    version: Version<'_>,
) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Vbr, "/api/v1/serverInfo")?;
    let mut rb = w.ctx.client.get(url).header("Accept", "application/json");
    if let Some(t) = bearer {
        rb = rb.bearer_auth(t);
    }
    let rb = with_version(w, rb, version);
    w.send("GET /api/v1/serverInfo".into(), rb).await?;
    Ok(())
}

async fn repeat_server_info(w: &mut ConformWorld, n: usize) -> anyhow::Result<()> {
    let token = access(w)?;
    w.answers.clear();
    for _ in 0..n {
        server_info(w, Some(token.clone()), Version::Configured).await?;
        let a = w.last()?.clone();
        w.answers.push(a);
    }
    Ok(())
}

pub(super) async fn token_works(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
    let token = access(w)?;
    server_info(w, Some(token), Version::Configured).await?;
    let status = w.last()?.status;
    if alive {
        w.check(status == 200, || {
            "200 OK: the access token still works".into()
        })
    } else {
        w.check(status == 401, || {
            "401 Unauthorized: the access token is refused".into()
        })
    }
}

async fn new_token_works(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = w
        .vbr_new
        .as_ref()
        .map(|t| t.access.clone())
        .ok_or_else(|| anyhow!("no new token set was issued"))?;
    server_info(w, Some(token), Version::Configured).await?;
    let status = w.last()?.status;
    w.check(status == 200, || "200 OK with the new access token".into())
}

async fn refresh(w: &mut ConformWorld, grant: &str) -> anyhow::Result<()> {
    let refresh = w
        .vbr
        .as_ref()
        .map(|t| t.refresh.clone())
        .ok_or_else(|| anyhow!("no refresh token: log on first"))?;
    token_form(
        w,
        &[("grant_type", grant), ("refresh_token", &refresh)],
        Version::Configured,
    )
    .await?;
    let answer = w.last()?;
    if answer.status == 200
        && let Some(t) = tokens_of(answer)
    {
        w.vbr_new = Some(t);
    }
    Ok(())
}

fn tokens_differ(w: &mut ConformWorld) -> anyhow::Result<()> {
    let old = w.vbr.clone().ok_or_else(|| anyhow!("no first token set"))?;
    let new = w
        .vbr_new
        .clone()
        .ok_or_else(|| anyhow!("no new token set"))?;
    w.check(
        old.access != new.access && old.refresh != new.refresh,
        || "a new access token and a new refresh token".into(),
    )
}

async fn authorization_code_at(w: &mut ConformWorld, version: Version<'_>) -> anyhow::Result<()> {
    let token = access(w)?;
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/authorization_code")?;
    let rb = w
        .ctx
        .client
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .body(Vec::<u8>::new());
    let rb = with_version(w, rb, version);
    w.send("POST /api/oauth2/authorization_code".into(), rb)
        .await?;
    w.vbr_code = w
        .last()?
        .json()
        .ok()
        .and_then(|j| j.get("code")?.as_str().map(str::to_owned));
    Ok(())
}

async fn exchange_code_at(w: &mut ConformWorld, version: Version<'_>) -> anyhow::Result<()> {
    let code = w
        .vbr_code
        .clone()
        .ok_or_else(|| anyhow!("no authorization code was issued"))?;
    token_form(
        w,
        &[("grant_type", "authorization_code"), ("code", &code)],
        version,
    )
    .await?;
    let answer = w.last()?;
    if answer.status == 200 {
        w.vbr_new = tokens_of(answer);
    }
    Ok(())
}

/// Logs on, logs out, and keeps the revoked access token for a cross-product check.
async fn logged_on_and_off(w: &mut ConformWorld) -> anyhow::Result<()> {
    logged_on(w, false).await?;
    logout(w).await?;
    if w.last()?.status / 100 != 2 {
        bail!(
            "could not log out of Backup & Replication: {}",
            w.last()?.summary()
        );
    }
    let tokens = w
        .vbr
        .take()
        .ok_or_else(|| anyhow!("no Backup & Replication token"))?;
    w.spent.insert(Product::Vbr, tokens.access);
    Ok(())
}

async fn logout(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = access(w)?;
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/logout")?;
    let rb = w
        .ctx
        .client
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .body(Vec::<u8>::new());
    let rb = with_version(w, rb, Version::Configured);
    w.send("POST /api/oauth2/logout".into(), rb).await?;
    Ok(())
}

fn empty_object(w: &mut ConformWorld) -> anyhow::Result<()> {
    let ok = w
        .last()?
        .json()
        .ok()
        .is_some_and(|j| j.as_object().is_some_and(|o| o.is_empty()));
    w.check(ok, || "an empty JSON object {}".into())
}

fn error_model(w: &mut ConformWorld, code: Option<&str>) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let shape = is_vbr_error_model(&answer);
    let code_ok = match code {
        None => true,
        Some(c) => answer
            .json()
            .ok()
            .and_then(|j| j.get("errorCode")?.as_str().map(str::to_owned))
            .is_some_and(|got| got == c),
    };
    let ok = shape.is_ok() && code_ok;
    w.check(ok, || match (shape, code) {
        (Err(e), _) => e,
        (Ok(()), Some(c)) => format!("the error model with errorCode {c}"),
        (Ok(()), None) => "the error model".to_owned(),
    })
}

pub(super) async fn start_first_job(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = access(w)?;
    let url = w.ctx.url(Product::Vbr, "/api/v1/jobs?limit=1")?;
    let rb = w
        .ctx
        .client
        .get(url)
        .bearer_auth(&token)
        .header("Accept", "application/json");
    let rb = with_version(w, rb, Version::Configured);
    let list = w.send("GET /api/v1/jobs".into(), rb).await?.clone();
    let id = list
        .json()
        .ok()
        .and_then(|j| {
            j.get("data")?
                .get(0)?
                .get("id")?
                .as_str()
                .map(str::to_owned)
        })
        .ok_or_else(|| anyhow!("could not list the jobs: {}", list.summary()))?;
    let path = format!("/api/v1/jobs/{id}/start");
    let url = w.ctx.url(Product::Vbr, &path)?;
    let rb = w
        .ctx
        .client
        .post(url)
        .bearer_auth(&token)
        .header("Accept", "application/json")
        .body(Vec::<u8>::new());
    let rb = with_version(w, rb, Version::Configured);
    w.send(format!("POST {path}"), rb).await?;
    Ok(())
}
