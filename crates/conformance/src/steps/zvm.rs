//! Zerto Virtual Manager steps (ZVM-01 to ZVM-09; the kinds and the Appliance's realm, ZVM-10 to
//! ZVM-13, in [`realm`]).

mod realm;

use anyhow::{anyhow, bail};
use cucumber::gherkin;

use super::pat;
use crate::answer::Answer;
use crate::facts::Product;
use crate::target::{Credential, password_of};
use crate::world::{ConformWorld, TokenSet};

const SESSION_HEADER: &str = "x-zerto-session";
const MADE_UP_SESSION: &str = "5d1a4c3e-made-up0-0000-restpoint000";
const OIDC_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/token";

/// How a request proves who sends it.
enum Auth {
    Session(String),
    Bearer(String),
    None,
}

pub(crate) async fn step(
    w: &mut ConformWorld,
    text: &str,
    _step: &gherkin::Step,
) -> Option<anyhow::Result<()>> {
    let r = match text {
        "I start a Zerto session with Basic credentials" => match w.ctx.credential(Product::Zvm) {
            Ok(c) => session_add(w, "/v1/session/add", Some(&c), None).await,
            Err(e) => Err(e),
        },
        "I start a Zerto session with an unknown user name" => {
            let c = crate::target::unknown_user();
            session_add(w, "/v1/session/add", Some(&c), None).await
        }
        "I start a Zerto session with a wrong password for my account" => {
            match super::wrong_password_for(w, Product::Zvm) {
                Ok(c) => session_add(w, "/v1/session/add", Some(&c), None).await,
                Err(e) => Err(e),
            }
        }
        "I logged on to Zerto Virtual Manager and logged off again" => logged_on_and_off(w).await,
        "I start a Zerto session without credentials" => {
            session_add(w, "/v1/session/add", None, None).await
        }
        "I am logged on to Zerto Virtual Manager" => logged_on(w).await,
        "I get the local site" => match current_auth(w) {
            Ok(auth) => get(w, "/v1/localsite", auth, None).await,
            Err(e) => Err(e),
        },
        "I get the local site without a session" => get(w, "/v1/localsite", Auth::None, None).await,
        "I get the local site with a made-up session id" => {
            get(
                w,
                "/v1/localsite",
                Auth::Session(MADE_UP_SESSION.into()),
                None,
            )
            .await
        }
        "I get the local site sending the Enterprise Manager token as my session id" => {
            match super::spent_token(w, Product::Em) {
                Ok(t) => get(w, "/v1/localsite", Auth::Session(t), None).await,
                Err(e) => Err(e),
            }
        }
        "I get the local site with the bearer token" => match oidc_access(w, false) {
            Ok(t) => get(w, "/v1/localsite", Auth::Bearer(t), None).await,
            Err(e) => Err(e),
        },
        "the new bearer token works" => match oidc_access(w, true) {
            Ok(t) => {
                let r = get(w, "/v1/localsite", Auth::Bearer(t), None).await;
                match r.and_then(|()| w.last().map(|a| a.status)) {
                    Ok(status) => {
                        w.check(status == 200, || "200 OK with the new bearer token".into())
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        },
        "I end the Zerto session" => end_session(w).await,
        "my session token is refused" => session_state(w, false).await,
        "my session token still works" => session_state(w, true).await,
        "I ask the appliance for a token with my user name and password" => {
            match w.ctx.credential(Product::Zvm) {
                Ok(c) => oidc_password(w, &c).await,
                Err(e) => Err(e),
            }
        }
        "I ask the appliance for a token with an unknown user name" => {
            let c = crate::target::unknown_user();
            oidc_password(w, &c).await
        }
        "I ask the appliance for a token with a wrong password for my account" => {
            match super::wrong_password_for(w, Product::Zvm) {
                Ok(c) => oidc_password(w, &c).await,
                Err(e) => Err(e),
            }
        }
        "I ask the appliance for a token with the emulator's client id and secret" => {
            match w.ctx.emulator_accounts.as_ref() {
                Some(acc) => {
                    let (id, secret) = acc.zvm_client_credentials.clone();
                    oidc_form(
                        w,
                        &[
                            ("grant_type", "client_credentials"),
                            ("client_id", &id),
                            ("client_secret", &secret),
                        ],
                    )
                    .await
                }
                None => Err(anyhow!("needs the emulator's client id and secret")),
            }
        }
        "I am logged on to the ZVM Appliance" => oidc_logged_on(w).await,
        "I refresh the appliance token" => oidc_refresh(w).await,
        "the answer is an OpenID Connect token set" => oidc_token_set(w),
        _ => match realm::step(w, text).await {
            Some(r) => r,
            None => return parameterised(w, text).await,
        },
    };
    Some(r)
}

async fn parameterised(w: &mut ConformWorld, text: &str) -> Option<anyhow::Result<()>> {
    if let Some(a) = pat(
        text,
        "I start a Zerto session with Basic credentials and the body {string}",
    ) {
        let c = match w.ctx.credential(Product::Zvm) {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        return Some(session_add(w, "/v1/session/add", Some(&c), Some(&a[0])).await);
    }
    if let Some(a) = pat(
        text,
        "I start a Zerto session with Basic credentials at {string}",
    ) {
        let c = match w.ctx.credential(Product::Zvm) {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        return Some(session_add(w, &a[0], Some(&c), None).await);
    }
    if let Some(a) = pat(text, "I get the local site asking for {string}") {
        return Some(match current_auth(w) {
            Ok(auth) => get(w, "/v1/localsite", auth, Some(&a[0])).await,
            Err(e) => Err(e),
        });
    }
    if let Some(a) = pat(text, "I get {string}") {
        return Some(match current_auth(w) {
            Ok(auth) => get(w, &a[0], auth, None).await,
            Err(e) => Err(e),
        });
    }
    None
}

/// How this scenario's requests are authorised: the Windows session id, or on a ZVM Appliance
/// the bearer token (ZVM-09: the `/v1` resources are the same).
fn current_auth(w: &ConformWorld) -> anyhow::Result<Auth> {
    if let Some(id) = &w.zvm {
        return Ok(Auth::Session(id.clone()));
    }
    if let Some(t) = &w.oidc {
        return Ok(Auth::Bearer(t.access.clone()));
    }
    Err(anyhow!(
        "not logged on to Zerto Virtual Manager: log on first"
    ))
}

fn session(w: &ConformWorld) -> anyhow::Result<String> {
    w.zvm
        .clone()
        .ok_or_else(|| anyhow!("no Zerto session: log on first"))
}

async fn session_add(
    w: &mut ConformWorld,
    path: &str,
    credential: Option<&Credential>,
    body: Option<&str>,
) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Zvm, path)?;
    let mut rb = w.ctx.client.post(url);
    if let Some(c) = credential {
        rb = rb.basic_auth(c.username(), Some(password_of(c)));
    }
    rb = match body {
        Some(b) => rb
            .header("Content-Type", "application/json")
            .body(b.to_owned()),
        None => rb.body(Vec::<u8>::new()),
    };
    let answer = w.send(format!("POST {path}"), rb).await?;
    if answer.status / 100 == 2
        && let Some(id) = answer.header(SESSION_HEADER)
    {
        w.zvm = Some(id.to_owned());
    }
    Ok(())
}

/// Logs on with the run's account: a Zerto session, or on an Appliance a token set (ZVM-09).
pub(crate) async fn logged_on(w: &mut ConformWorld) -> anyhow::Result<()> {
    if w.ctx.zvm_kind == crate::args::ZvmKind::Appliance {
        // The Appliance has no /v1/session/add; its logon is OpenID Connect (ZVM-09).
        return oidc_logged_on(w).await;
    }
    let c = w.ctx.credential(Product::Zvm)?;
    session_add(w, "/v1/session/add", Some(&c), None).await?;
    if w.zvm.is_none() {
        bail!(
            "could not start a Zerto session: {}",
            w.last.as_ref().map(Answer::summary).unwrap_or_default()
        );
    }
    Ok(())
}

async fn get(
    w: &mut ConformWorld,
    path: &str,
    auth: Auth,
    accept: Option<&str>,
) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Zvm, path)?;
    let mut rb = w
        .ctx
        .client
        .get(url)
        .header("Accept", accept.unwrap_or("application/json"));
    rb = match auth {
        Auth::Session(s) => rb.header(SESSION_HEADER, s),
        Auth::Bearer(t) => rb.bearer_auth(t),
        Auth::None => rb,
    };
    w.send(format!("GET {path}"), rb).await?;
    Ok(())
}

/// Starts a Zerto session, ends it, and keeps the ended session id for a cross-product check.
async fn logged_on_and_off(w: &mut ConformWorld) -> anyhow::Result<()> {
    if w.ctx.zvm_kind == crate::args::ZvmKind::Appliance {
        bail!("a ZVM Appliance has no Zerto session (ZVM-09)");
    }
    logged_on(w).await?;
    end_session(w).await?;
    if w.last()?.status / 100 != 2 {
        bail!("could not end the Zerto session: {}", w.last()?.summary());
    }
    let id = w.zvm.take().ok_or_else(|| anyhow!("no Zerto session"))?;
    w.spent.insert(Product::Zvm, id);
    Ok(())
}

async fn end_session(w: &mut ConformWorld) -> anyhow::Result<()> {
    let s = session(w)?;
    let url = w.ctx.url(Product::Zvm, "/v1/session")?;
    let rb = w.ctx.client.delete(url).header(SESSION_HEADER, s);
    w.send("DELETE /v1/session".into(), rb).await?;
    Ok(())
}

async fn session_state(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
    let s = session(w)?;
    get(w, "/v1/localsite", Auth::Session(s), None).await?;
    let status = w.last()?.status;
    if alive {
        w.check(status == 200, || "200 OK: the session still works".into())
    } else {
        w.check(status == 401, || {
            "401 Unauthorized: the session is refused".into()
        })
    }
}

async fn oidc_form(w: &mut ConformWorld, fields: &[(&str, &str)]) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Zvm, OIDC_PATH)?;
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
    let grant = fields
        .iter()
        .find(|(k, _)| *k == "grant_type")
        .map(|(_, v)| *v)
        .unwrap_or("none");
    w.send(format!("POST {OIDC_PATH} (grant_type={grant})"), rb)
        .await?;
    Ok(())
}

async fn oidc_password(w: &mut ConformWorld, c: &Credential) -> anyhow::Result<()> {
    let client_id = w.ctx.zvm_client_id.clone();
    oidc_form(
        w,
        &[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("username", c.username()),
            ("password", password_of(c)),
        ],
    )
    .await
}

fn tokens_of(answer: &Answer) -> Option<TokenSet> {
    let j = answer.json().ok()?;
    Some(TokenSet {
        access: j.get("access_token")?.as_str()?.to_owned(),
        refresh: j
            .get("refresh_token")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_owned(),
    })
}

async fn oidc_logged_on(w: &mut ConformWorld) -> anyhow::Result<()> {
    oidc_logged_on_with(w, None).await
}

/// A password grant, with `scope` when given (ZVM-11); keeps the token set.
async fn oidc_logged_on_with(w: &mut ConformWorld, scope: Option<&str>) -> anyhow::Result<()> {
    let c = w.ctx.credential(Product::Zvm)?;
    let client_id = w.ctx.zvm_client_id.clone();
    let mut fields = vec![
        ("grant_type", "password"),
        ("client_id", client_id.as_str()),
        ("username", c.username()),
        ("password", password_of(&c)),
    ];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    oidc_form(w, &fields).await?;
    let answer = w.last()?;
    match (answer.status, tokens_of(answer)) {
        (200, Some(t)) => {
            w.oidc = Some(t);
            Ok(())
        }
        _ => bail!(
            "could not log on to the ZVM Appliance: {}",
            answer.summary()
        ),
    }
}

fn oidc_access(w: &ConformWorld, new: bool) -> anyhow::Result<String> {
    let set = if new { &w.oidc_new } else { &w.oidc };
    set.as_ref()
        .map(|t| t.access.clone())
        .ok_or_else(|| anyhow!("no ZVM Appliance token"))
}

async fn oidc_refresh(w: &mut ConformWorld) -> anyhow::Result<()> {
    let refresh = w
        .oidc
        .as_ref()
        .map(|t| t.refresh.clone())
        .ok_or_else(|| anyhow!("no ZVM Appliance token: log on first"))?;
    let client_id = w.ctx.zvm_client_id.clone();
    oidc_form(
        w,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", &refresh),
        ],
    )
    .await?;
    let answer = w.last()?;
    if answer.status == 200 {
        w.oidc_new = tokens_of(answer);
    }
    Ok(())
}

fn oidc_token_set(w: &mut ConformWorld) -> anyhow::Result<()> {
    let j = w.last()?.json()?;
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
    for f in ["expires_in", "refresh_expires_in"] {
        let positive = j.get(f).and_then(|v| v.as_i64()).is_some_and(|n| n > 0);
        if !positive {
            problems.push(format!("no positive {f}"));
        }
    }
    if !j
        .get("token_type")
        .and_then(|v| v.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        problems.push("token_type is not Bearer".to_owned());
    }
    w.check(problems.is_empty(), || {
        format!("an OpenID Connect token set ({})", problems.join("; "))
    })
}
