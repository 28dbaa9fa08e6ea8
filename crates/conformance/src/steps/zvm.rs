//! Zerto Virtual Manager steps (ZVM-01 to ZVM-09; the kinds and the Appliance's realm, ZVM-10 to
//! ZVM-13, in [`realm`]).

mod realm;

use anyhow::{anyhow, bail};

use cucumber::{given, then, when};

use super::StepResult;
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

// Windows ZVM sessions.

#[when("I start a Zerto session with Basic credentials")]
async fn start_session(w: &mut ConformWorld) -> StepResult {
    let c = w.ctx.credential(Product::Zvm)?;
    Ok(session_add(w, "/v1/session/add", Some(&c), None).await?)
}

#[when(expr = "I start a Zerto session with Basic credentials and the body {string}")]
async fn start_session_with_body(w: &mut ConformWorld, body: String) -> StepResult {
    let c = w.ctx.credential(Product::Zvm)?;
    Ok(session_add(w, "/v1/session/add", Some(&c), Some(&body)).await?)
}

#[when(expr = "I start a Zerto session with Basic credentials at {string}")]
async fn start_session_at(w: &mut ConformWorld, path: String) -> StepResult {
    let c = w.ctx.credential(Product::Zvm)?;
    Ok(session_add(w, &path, Some(&c), None).await?)
}

#[when("I start a Zerto session with an unknown user name")]
async fn start_session_unknown_user(w: &mut ConformWorld) -> StepResult {
    let c = crate::target::unknown_user();
    Ok(session_add(w, "/v1/session/add", Some(&c), None).await?)
}

#[when("I start a Zerto session with a wrong password for my account")]
async fn start_session_wrong_password(w: &mut ConformWorld) -> StepResult {
    let c = super::wrong_password_for(w, Product::Zvm)?;
    Ok(session_add(w, "/v1/session/add", Some(&c), None).await?)
}

#[when("I start a Zerto session without credentials")]
async fn start_session_anonymous(w: &mut ConformWorld) -> StepResult {
    Ok(session_add(w, "/v1/session/add", None, None).await?)
}

#[given("I logged on to Zerto Virtual Manager and logged off again")]
async fn logged_on_and_off_again(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on_and_off(w).await?)
}

#[given("I am logged on to Zerto Virtual Manager")]
async fn am_logged_on(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on(w).await?)
}

#[when("I end the Zerto session")]
async fn end_the_session(w: &mut ConformWorld) -> StepResult {
    Ok(end_session(w).await?)
}

// Resources.

#[when("I get the local site")]
async fn get_local_site(w: &mut ConformWorld) -> StepResult {
    let auth = current_auth(w)?;
    Ok(get(w, "/v1/localsite", auth, None).await?)
}

#[when(expr = "I get the local site asking for {string}")]
async fn get_local_site_as(w: &mut ConformWorld, accept: String) -> StepResult {
    let auth = current_auth(w)?;
    Ok(get(w, "/v1/localsite", auth, Some(&accept)).await?)
}

#[when(expr = "I get {string}")]
async fn get_path(w: &mut ConformWorld, path: String) -> StepResult {
    let auth = current_auth(w)?;
    Ok(get(w, &path, auth, None).await?)
}

#[when("I get the local site without a session")]
async fn get_local_site_anonymous(w: &mut ConformWorld) -> StepResult {
    Ok(get(w, "/v1/localsite", Auth::None, None).await?)
}

#[when("I get the local site with a made-up session id")]
async fn get_local_site_made_up(w: &mut ConformWorld) -> StepResult {
    let auth = Auth::Session(MADE_UP_SESSION.into());
    Ok(get(w, "/v1/localsite", auth, None).await?)
}

#[when("I get the local site sending the Enterprise Manager token as my session id")]
async fn get_local_site_em_token(w: &mut ConformWorld) -> StepResult {
    let t = super::spent_token(w, Product::Em)?;
    Ok(get(w, "/v1/localsite", Auth::Session(t), None).await?)
}

#[when("I get the local site with the bearer token")]
async fn get_local_site_bearer(w: &mut ConformWorld) -> StepResult {
    let t = oidc_access(w, false)?;
    Ok(get(w, "/v1/localsite", Auth::Bearer(t), None).await?)
}

#[then("the new bearer token works")]
async fn new_bearer_works(w: &mut ConformWorld) -> StepResult {
    let t = oidc_access(w, true)?;
    get(w, "/v1/localsite", Auth::Bearer(t), None).await?;
    let status = w.last()?.status;
    Ok(w.check(status == 200, || "200 OK with the new bearer token".into())?)
}

// The ZVM Appliance's OpenID Connect logon.

#[when("I ask the appliance for a token with my user name and password")]
async fn ask_appliance_token(w: &mut ConformWorld) -> StepResult {
    let c = w.ctx.credential(Product::Zvm)?;
    Ok(oidc_password(w, &c).await?)
}

#[when("I ask the appliance for a token with an unknown user name")]
async fn ask_appliance_token_unknown_user(w: &mut ConformWorld) -> StepResult {
    let c = crate::target::unknown_user();
    Ok(oidc_password(w, &c).await?)
}

#[when("I ask the appliance for a token with a wrong password for my account")]
async fn ask_appliance_token_wrong_password(w: &mut ConformWorld) -> StepResult {
    let c = super::wrong_password_for(w, Product::Zvm)?;
    Ok(oidc_password(w, &c).await?)
}

#[when("I ask the appliance for a token with the emulator's client id and secret")]
async fn ask_appliance_token_client(w: &mut ConformWorld) -> StepResult {
    let (id, secret) = w
        .ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("needs the emulator's client id and secret"))?
        .zvm_client_credentials
        .clone();
    Ok(oidc_form(
        w,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await?)
}

#[given("I am logged on to the ZVM Appliance")]
async fn am_logged_on_appliance(w: &mut ConformWorld) -> StepResult {
    Ok(oidc_logged_on(w).await?)
}

#[when("I refresh the appliance token")]
async fn refresh_appliance_token(w: &mut ConformWorld) -> StepResult {
    Ok(oidc_refresh(w).await?)
}

#[then("the answer is an OpenID Connect token set")]
fn answer_is_oidc_token_set(w: &mut ConformWorld) -> StepResult {
    Ok(oidc_token_set(w)?)
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

pub(super) async fn session_state(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
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
