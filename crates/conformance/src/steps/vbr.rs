//! Backup & Replication steps (VBR-01 to VBR-12).

use anyhow::{anyhow, bail};
use cucumber::gherkin;

use super::{is_vbr_error_model, pat};
use crate::answer::Answer;
use crate::facts::Product;
use crate::target::{Credential, EmulatorAccounts};
use crate::world::{ConformWorld, TokenSet};

const MADE_UP_TOKEN: &str = "eyJhbGciOiJub25lIn0.cmVzdHBvaW50LW1hZGUtdXA.bm90LWlzc3VlZA";

/// Which `x-api-version` header to send.
#[derive(Clone, Copy)]
enum Version<'a> {
    Configured,
    Omitted,
    This(&'a str),
}

pub(crate) async fn step(
    w: &mut ConformWorld,
    text: &str,
    _step: &gherkin::Step,
) -> Option<anyhow::Result<()>> {
    let r = match text {
        "I am logged on to Backup & Replication" => logged_on(w, false).await,
        "I am logged on to Backup & Replication with a short-term refresh token" => {
            logged_on(w, true).await
        }
        "I am logged on to Backup & Replication as a user without privileges" => {
            match accounts(w).map(|a| a.vbr_viewer.clone()) {
                Ok(c) => {
                    w.vbr_account = Some(c);
                    logged_on(w, false).await
                }
                Err(e) => Err(e),
            }
        }
        "my account requires multi-factor authentication" => {
            accounts(w).map(|a| a.vbr_mfa.clone()).map(|c| {
                w.vbr_account = Some(c);
            })
        }
        "I ask for a token with my user name and password" => {
            let c = account(w);
            password_grant(w, "password", &c, false, Version::Configured).await
        }
        "I ask for a token with a wrong password" => {
            let c = Credential::new(&account(w).user, "restpoint-wrong-password-1");
            password_grant(w, "password", &c, false, Version::Configured).await
        }
        "I ask for a token without the x-api-version header" => {
            let c = account(w);
            password_grant(w, "password", &c, false, Version::Omitted).await
        }
        "I ask for a token with my user name but no password" => {
            let user = account(w).user;
            token_form(
                w,
                &[("grant_type", "password"), ("username", &user)],
                Version::Configured,
            )
            .await
        }
        "I ask for a token without a grant type" => {
            let c = account(w);
            token_form(
                w,
                &[("username", &c.user), ("password", c.password())],
                Version::Configured,
            )
            .await
        }
        "I ask for a token with a JSON body" => json_token_request(w).await,
        "I ask for a token with the emulator's vbr_token" => {
            match accounts(w).map(|a| a.vbr_token.clone()) {
                Ok(t) => {
                    token_form(
                        w,
                        &[("grant_type", "vbr_token"), ("vbr_token", &t)],
                        Version::Configured,
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        }
        "the answer carries an mfa_token and no access token" => mfa_answer(w),
        "I complete the logon with the mfa_token and the right code" => {
            match accounts(w).map(|a| a.mfa_code.clone()) {
                Ok(code) => complete_mfa(w, &code).await,
                Err(e) => Err(e),
            }
        }
        "I complete the logon with the mfa_token and a wrong code" => {
            complete_mfa(w, "000000").await
        }
        "the answer is a token set whose access token lives 900 seconds" => token_set(w, 900),

        "I get the server information" => match access(w) {
            Ok(t) => server_info(w, Some(t), Version::Configured).await,
            Err(e) => Err(e),
        },
        "I get the server information without the x-api-version header" => match access(w) {
            Ok(t) => server_info(w, Some(t), Version::Omitted).await,
            Err(e) => Err(e),
        },
        "I get the server information without authorization" => {
            server_info(w, None, Version::Configured).await
        }
        "I get the server information with a made-up token" => {
            server_info(w, Some(MADE_UP_TOKEN.to_owned()), Version::Configured).await
        }
        "I get the server information sending the Enterprise Manager token as a bearer token" => {
            match w.em.last().map(|s| s.token.clone()) {
                Some(t) => server_info(w, Some(t), Version::Configured).await,
                None => Err(anyhow!("no Enterprise Manager session: log on first")),
            }
        }
        "my access token is refused" | "my session token is refused" => token_works(w, false).await,
        "my access token still works" | "my session token still works" => {
            token_works(w, true).await
        }
        "the new access token works" => new_token_works(w).await,

        "I refresh the tokens" => refresh(w, "refresh_token").await,
        "I refresh again with the same refresh token" => refresh(w, "refresh_token").await,
        "the new tokens differ from the old ones" => tokens_differ(w),
        "I ask for an authorization code" => authorization_code(w).await,
        "another client exchanges the code for tokens" => exchange_code(w).await,
        "I log out of Backup & Replication" => logout(w).await,
        "the answer is an empty JSON object" => empty_object(w),
        "the answer carries the error model" => error_model(w, None),

        "the emulator answers refused tokens with an empty body" => {
            match w.require_emulator().and_then(|e| e.set_vbr_empty_401(true)) {
                Ok(()) => {
                    w.settings_changed = true;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        "the emulator fails the next request with a server error" => {
            match w
                .require_emulator()
                .and_then(|e| e.fail_next(Product::Vbr, 500))
            {
                Ok(()) => {
                    w.settings_changed = true;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        "I start the first job" => start_first_job(w).await,
        _ => return parameterised(w, text).await,
    };
    Some(r)
}

async fn parameterised(w: &mut ConformWorld, text: &str) -> Option<anyhow::Result<()>> {
    if let Some(a) = pat(text, "I get the server information {int} times") {
        let n: usize = a[0].parse().unwrap_or(1);
        return Some(repeat_server_info(w, n).await);
    }
    if let Some(a) = pat(
        text,
        "I get the server information with x-api-version {string}",
    ) {
        return Some(match access(w) {
            Ok(t) => server_info(w, Some(t), Version::This(&a[0])).await,
            Err(e) => Err(e),
        });
    }
    if let Some(a) = pat(
        text,
        "I ask for a token with grant type {string} and my user name and password",
    ) {
        let c = account(w);
        return Some(password_grant(w, &a[0], &c, false, Version::Configured).await);
    }
    if let Some(a) = pat(text, "I refresh the tokens with grant type {string}") {
        return Some(refresh(w, &a[0]).await);
    }
    if let Some(a) = pat(
        text,
        "the answer carries the error model with the code {string}",
    ) {
        return Some(error_model(w, Some(&a[0])));
    }
    None
}

fn accounts(w: &ConformWorld) -> anyhow::Result<&EmulatorAccounts> {
    w.ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("this step needs an account that only the emulator has"))
}

fn account(w: &ConformWorld) -> Credential {
    w.vbr_account
        .clone()
        .unwrap_or_else(|| w.ctx.credential.clone())
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
        ("username", c.user.as_str()),
        ("password", c.password()),
    ];
    if short_term {
        fields.push(("use_short_term_refresh", "true"));
    }
    token_form(w, &fields, version).await
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

async fn logged_on(w: &mut ConformWorld, short_term: bool) -> anyhow::Result<()> {
    let c = account(w);
    password_grant(w, "password", &c, short_term, Version::Configured).await?;
    let answer = w.last()?;
    match (answer.status, tokens_of(answer)) {
        (200, Some(t)) => {
            w.vbr = Some(t);
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
        "username": c.user,
        "password": c.password(),
    });
    let rb = w.ctx.client.post(url).json(&body);
    let rb = with_version(w, rb, Version::Configured);
    w.send("POST /api/oauth2/token (JSON body)".into(), rb)
        .await?;
    Ok(())
}

fn token_set(w: &mut ConformWorld, lifetime: i64) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let j = answer.json()?;
    let mut problems = Vec::new();
    for f in ["access_token", "refresh_token"] {
        let present = j
            .get(f)
            .and_then(|v| v.as_str())
            .is_some_and(|s| !s.is_empty());
        if !present {
            problems.push(format!("no {f}"));
        }
    }
    if !j
        .get("token_type")
        .and_then(|v| v.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        problems.push("token_type is not bearer".to_owned());
    }
    match j.get("expires_in").and_then(|v| v.as_i64()) {
        Some(n) if n == lifetime => {}
        other => problems.push(format!("expires_in is {other:?}, not {lifetime}")),
    }
    let time = |f: &str| {
        j.get(f)
            .and_then(|v| v.as_str())
            // The reference types them date-time (RFC 3339); OAuth servers of this lineage
            // often write RFC 1123 ("Thu, 13 Jul 2023 09:47:43 GMT"): either is a time.
            .and_then(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .or_else(|_| chrono::DateTime::parse_from_rfc2822(s))
                    .ok()
            })
    };
    match (time(".issued"), time(".expires")) {
        (Some(issued), Some(expires)) => {
            let span = (expires - issued).num_seconds();
            if (span - lifetime).abs() > 5 {
                problems.push(format!(
                    ".expires is {span} s after .issued, not {lifetime}"
                ));
            }
        }
        _ => problems.push("no .issued and .expires times (RFC 3339 or RFC 1123)".to_owned()),
    }
    w.check(problems.is_empty(), || {
        format!("a token set ({})", problems.join("; "))
    })
}

fn mfa_answer(w: &mut ConformWorld) -> anyhow::Result<()> {
    let j = w.last()?.json()?;
    let mfa = j
        .get("mfa_token")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let has_access = j
        .get("access_token")
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.is_empty());
    let ok = mfa.is_some() && !has_access;
    w.vbr_mfa_token = mfa;
    w.check(ok, || "an mfa_token and no access_token".into())
}

async fn complete_mfa(w: &mut ConformWorld, code: &str) -> anyhow::Result<()> {
    let token = w
        .vbr_mfa_token
        .clone()
        .or_else(|| {
            w.last
                .as_ref()
                .and_then(|a| a.json().ok())
                .and_then(|j| j.get("mfa_token")?.as_str().map(str::to_owned))
        })
        .ok_or_else(|| anyhow!("no mfa_token from the first step"))?;
    token_form(
        w,
        &[
            ("grant_type", "Mfa"),
            ("mfa_token", &token),
            ("mfa_code", code),
        ],
        Version::Configured,
    )
    .await
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

async fn token_works(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
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

async fn authorization_code(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = access(w)?;
    let url = w.ctx.url(Product::Vbr, "/api/oauth2/authorization_code")?;
    let rb = w
        .ctx
        .client
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .body(Vec::<u8>::new());
    let rb = with_version(w, rb, Version::Configured);
    w.send("POST /api/oauth2/authorization_code".into(), rb)
        .await?;
    w.vbr_code = w
        .last()?
        .json()
        .ok()
        .and_then(|j| j.get("code")?.as_str().map(str::to_owned));
    Ok(())
}

async fn exchange_code(w: &mut ConformWorld) -> anyhow::Result<()> {
    let code = w
        .vbr_code
        .clone()
        .ok_or_else(|| anyhow!("no authorization code was issued"))?;
    token_form(
        w,
        &[("grant_type", "authorization_code"), ("code", &code)],
        Version::Configured,
    )
    .await?;
    let answer = w.last()?;
    if answer.status == 200 {
        w.vbr_new = tokens_of(answer);
    }
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

async fn start_first_job(w: &mut ConformWorld) -> anyhow::Result<()> {
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
