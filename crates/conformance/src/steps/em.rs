//! Enterprise Manager steps (EM-01 to EM-13).

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use cucumber::gherkin;

use cucumber::{given, then, when};

use super::{StepResult, list};
use crate::answer::{Answer, Element};
use crate::facts::Product;
use crate::target::{Credential, password_of};
use crate::world::{ConformWorld, EmSession};

/// The XML namespace of EM documents.
pub(crate) const NAMESPACE: &str = "http://www.veeam.com/ent/v1.0";
const TOKEN_HEADER: &str = "X-RestSvcSessionId";
const MADE_UP_TOKEN: &str = "cmVzdHBvaW50LW1hZGUtdXAtdG9rZW4tbm90LWlzc3VlZA==";

enum Auth<'a> {
    Basic(&'a Credential),
    Token(String),
    None,
}

// Logon.

#[when(expr = "I log on to Enterprise Manager with version {string}")]
async fn log_on_with_version(w: &mut ConformWorld, version: String) -> StepResult {
    Ok(logon_step(w, &version, None).await?)
}

#[when(expr = "I log on to Enterprise Manager with version {string} asking for JSON")]
async fn log_on_with_version_json(w: &mut ConformWorld, version: String) -> StepResult {
    Ok(logon_step(w, &version, Some("application/json")).await?)
}

#[given(regex = "^I am logged on to Enterprise Manager(?: a second time)?$")]
async fn am_logged_on(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on(w).await?)
}

#[given("another user is logged on to Enterprise Manager")]
async fn another_user_logged_on(w: &mut ConformWorld) -> StepResult {
    Ok(other_user_logged_on(w).await?)
}

#[when("I log on to Enterprise Manager with an unknown user name")]
async fn log_on_unknown_user(w: &mut ConformWorld) -> StepResult {
    let c = crate::target::unknown_user();
    logon(w, "latest", Auth::Basic(&c), None).await?;
    Ok(())
}

#[when("I log on to Enterprise Manager with a wrong password for my account")]
async fn log_on_wrong_password(w: &mut ConformWorld) -> StepResult {
    let c = super::wrong_password_for(w, Product::Em)?;
    logon(w, "latest", Auth::Basic(&c), None).await?;
    Ok(())
}

#[given("I logged on to Enterprise Manager and logged off again")]
async fn logged_on_and_off_again(w: &mut ConformWorld) -> StepResult {
    Ok(logged_on_and_off(w).await?)
}

#[when("I log on to Enterprise Manager without an Authorization header")]
async fn log_on_without_authorization(w: &mut ConformWorld) -> StepResult {
    logon(w, "latest", Auth::None, None).await?;
    Ok(())
}

#[when("I log on to Enterprise Manager as a user without a portal role")]
async fn log_on_without_role(w: &mut ConformWorld) -> StepResult {
    let cred = w
        .ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("needs the emulator's account without a role"))?
        .em_no_role
        .clone();
    logon(w, "latest", Auth::Basic(&cred), None).await?;
    Ok(())
}

#[when(expr = "I log on to Enterprise Manager as the emulator's {string} account")]
async fn log_on_with_role(w: &mut ConformWorld, role: String) -> StepResult {
    let cred = w.ctx.emulator_accounts.as_ref().and_then(|acc| {
        acc.em_by_role
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, c)| c.clone())
    });
    let c = cred.ok_or_else(|| anyhow!("the emulator has no {role} account"))?;
    logon(w, "latest", Auth::Basic(&c), None).await?;
    Ok(())
}

#[when("I log on to Enterprise Manager as the emulator's tenant with a LoginSpec body")]
async fn log_on_as_tenant(w: &mut ConformWorld) -> StepResult {
    Ok(tenant_logon(w).await?)
}

#[when("I log on again sending only my session token")]
async fn log_on_with_token(w: &mut ConformWorld) -> StepResult {
    let token = my_session(w)?.token.clone();
    let opened = logon(w, "latest", Auth::Token(token), None).await?;
    if let Some(s) = opened {
        w.em.push(s);
    }
    Ok(())
}

#[then("if a session was opened it names the same user")]
fn opened_session_same_user(w: &mut ConformWorld) -> StepResult {
    Ok(same_user(w)?)
}

#[when("I ask for the Enterprise Manager entry point without credentials")]
async fn ask_entry_point(w: &mut ConformWorld) -> StepResult {
    Ok(entry_point(w, None).await?)
}

#[when("I ask for the Enterprise Manager entry point asking for JSON")]
async fn ask_entry_point_json(w: &mut ConformWorld) -> StepResult {
    Ok(entry_point(w, Some("application/json")).await?)
}

// Sessions list and token transport.

#[when(regex = "^I list the logon sessions(?: sending my token in the header only)?$")]
async fn list_the_sessions(w: &mut ConformWorld) -> StepResult {
    Ok(list_sessions(w, TokenIn::Header, None).await?)
}

#[when("I list the logon sessions sending my token in the cookie only")]
async fn list_token_in_cookie(w: &mut ConformWorld) -> StepResult {
    Ok(list_sessions(w, TokenIn::Cookie, None).await?)
}

#[when(
    "I list the logon sessions sending my token in the cookie and a made-up token in the header"
)]
async fn list_cookie_good_header_bad(w: &mut ConformWorld) -> StepResult {
    Ok(list_sessions(w, TokenIn::CookieGoodHeaderBad, None).await?)
}

#[when(
    "I list the logon sessions sending a made-up token in the cookie and my token in the header"
)]
async fn list_cookie_bad_header_good(w: &mut ConformWorld) -> StepResult {
    Ok(list_sessions(w, TokenIn::CookieBadHeaderGood, None).await?)
}

#[when(expr = "I list the logon sessions asking for {string}")]
async fn list_asking_for(w: &mut ConformWorld, accept: String) -> StepResult {
    Ok(list_sessions(w, TokenIn::Header, Some(&accept)).await?)
}

#[when("I list the logon sessions with a made-up token")]
async fn list_made_up_token(w: &mut ConformWorld) -> StepResult {
    Ok(list_with_token(w, Some(MADE_UP_TOKEN.to_owned())).await?)
}

#[when("I list the logon sessions without a token")]
async fn list_without_token(w: &mut ConformWorld) -> StepResult {
    Ok(list_with_token(w, None).await?)
}

#[when("I list the logon sessions sending the Backup & Replication access token as my token")]
async fn list_with_vbr_token(w: &mut ConformWorld) -> StepResult {
    let t = super::spent_token(w, Product::Vbr)?;
    Ok(list_with_token(w, Some(t)).await?)
}

#[when("I list the logon sessions sending the Zerto session id as my token")]
async fn list_with_zvm_session(w: &mut ConformWorld) -> StepResult {
    let t = super::spent_token(w, Product::Zvm)?;
    Ok(list_with_token(w, Some(t)).await?)
}

#[when("I list the logon sessions with a made-up token asking for JSON")]
async fn list_made_up_token_json(w: &mut ConformWorld) -> StepResult {
    let url = w.ctx.url(Product::Em, "/api/logonSessions")?;
    let rb = w
        .ctx
        .client
        .get(url)
        .header(TOKEN_HEADER, MADE_UP_TOKEN)
        .header("Accept", "application/json");
    w.send("GET /api/logonSessions".into(), rb).await?;
    Ok(())
}

#[then("the list holds my session")]
fn list_holds_mine(w: &mut ConformWorld) -> StepResult {
    Ok(list_holds(w, false)?)
}

#[then("the list holds my session first")]
fn list_holds_mine_first(w: &mut ConformWorld) -> StepResult {
    Ok(list_holds(w, true)?)
}

#[then("the list does not hold the other user's session")]
fn list_lacks_others(w: &mut ConformWorld) -> StepResult {
    Ok(list_lacks_other(w)?)
}

#[then(expr = "the answer sets the cookie {string} with path {string} holding the session token")]
fn sets_cookie(w: &mut ConformWorld, name: String, path: String) -> StepResult {
    Ok(cookie_check(w, &name, &path)?)
}

// Logoff.

#[when(regex = "^I log off (?:through the session's Delete link|again through the same link)$")]
async fn log_off(w: &mut ConformWorld) -> StepResult {
    Ok(logoff(w).await?)
}

// Tasks.

#[when("I look at the task from the new session")]
async fn look_at_the_task(w: &mut ConformWorld) -> StepResult {
    Ok(look_at_task(w).await?)
}

#[then("the task has a Result")]
fn task_has_result(w: &mut ConformWorld) -> StepResult {
    let ok = !w.last()?.xml()?.find_all("Result").is_empty();
    Ok(w.check(ok, || "a Task with a Result element".into())?)
}

#[then(expr = "the task's State is {string} or {string}")]
fn task_state_is(w: &mut ConformWorld, one: String, other: String) -> StepResult {
    let state = w.last()?.xml()?.text_of("State").map(str::to_owned);
    let ok = state.as_deref().is_some_and(|s| s == one || s == other);
    Ok(w.check(ok, || format!("a Task whose State is {one} or {other}"))?)
}

#[when(expr = "I follow the task until its State is {string}")]
async fn follow_the_task(w: &mut ConformWorld, state: String) -> StepResult {
    Ok(follow_task(w, &state).await?)
}

// Revision 2.

#[then("its Delete link has no Type")]
fn delete_link_has_no_type(w: &mut ConformWorld) -> StepResult {
    Ok(delete_link_untyped(w)?)
}

#[then("the session token follows one of the readings:")]
fn session_token_readings(w: &mut ConformWorld, step: &gherkin::Step) -> StepResult {
    Ok(token_form(w, step)?)
}

#[then("the answer's byte-order mark follows one of the readings:")]
fn byte_order_mark_readings(w: &mut ConformWorld, step: &gherkin::Step) -> StepResult {
    Ok(bom_reading(w, step)?)
}

#[then(expr = "the answer is an EM Error with StatusCode {int}")]
fn em_error(w: &mut ConformWorld, status: String) -> StepResult {
    Ok(error_element(w, &status, false)?)
}

#[then(expr = "the answer is a JSON EM Error with StatusCode {int}")]
fn em_json_error(w: &mut ConformWorld, status: String) -> StepResult {
    Ok(error_element(w, &status, true)?)
}

// Documents.

#[then("it names the user and the session")]
fn names_the_user_and_session(w: &mut ConformWorld) -> StepResult {
    Ok(names_user_and_session(w)?)
}

#[then("each supported version has its own logon link")]
fn each_version_has_link(w: &mut ConformWorld) -> StepResult {
    Ok(version_links(w)?)
}

#[then(expr = "the answer is an XML {string} document")]
fn xml_document(w: &mut ConformWorld, root: String) -> StepResult {
    Ok(xml_root(w, &[root.as_str()])?)
}

#[then(expr = "it has a link of type {string} with Rel {string}")]
fn has_typed_link(w: &mut ConformWorld, ty: String, rel: String) -> StepResult {
    let ok = links(&w.last()?.xml()?)
        .iter()
        .any(|l| l.attr("Type") == Some(&ty) && l.attr("Rel") == Some(&rel));
    Ok(w.check(ok, || format!("a Link Type=\"{ty}\" Rel=\"{rel}\""))?)
}

#[then(expr = "it has Down links to {string}")]
fn has_down_links_to(w: &mut ConformWorld, targets: String) -> StepResult {
    Ok(down_links(w, &list(&targets))?)
}

#[then(expr = "it has Down links with {string}")]
fn has_down_links_with(w: &mut ConformWorld, part: String) -> StepResult {
    let ok = links(&w.last()?.xml()?).iter().any(|l| {
        l.attr("Rel") == Some("Down") && l.attr("Href").is_some_and(|h| h.contains(&part))
    });
    Ok(w.check(ok, || format!("a Down link whose Href holds {part}"))?)
}

#[then(expr = "it has a Delete link to {string}")]
fn has_delete_link(w: &mut ConformWorld, path: String) -> StepResult {
    let ok = links(&w.last()?.xml()?).iter().any(|l| {
        l.attr("Rel") == Some("Delete") && l.attr("Href").is_some_and(|h| h.contains(&path))
    });
    Ok(w.check(ok, || format!("a Rel=\"Delete\" link to {path}<id>"))?)
}

#[then(expr = "it lists the supported versions {string}")]
fn lists_versions(w: &mut ConformWorld, versions: String) -> StepResult {
    let want = list(&versions);
    let names: Vec<String> = w
        .last()?
        .xml()?
        .find_all("SupportedVersion")
        .iter()
        .filter_map(|v| v.attr("Name").map(str::to_owned))
        .collect();
    let ok = want.iter().all(|v| names.contains(v));
    Ok(w.check(ok, || {
        format!(
            "SupportedVersion elements {versions} (found: {})",
            names.join(", ")
        )
    })?)
}

#[then(expr = "the entry point holds its links in {string} and its versions in {string}")]
fn entry_point_wrappers(w: &mut ConformWorld, links: String, versions: String) -> StepResult {
    Ok(root_wrappers(w, &links, &versions)?)
}

#[when(expr = "I follow the link of type {string}")]
async fn follow_typed_link(w: &mut ConformWorld, ty: String) -> StepResult {
    Ok(follow_link(w, &ty).await?)
}

#[when(expr = "I ask for the Enterprise Manager resource {string}")]
async fn ask_resource(w: &mut ConformWorld, path: String) -> StepResult {
    Ok(get_resource(w, &path).await?)
}

/// Logs on, logs off through the session's Delete link, and keeps the closed session's token
/// for a cross-product check ([`ConformWorld::spent`]).
async fn logged_on_and_off(w: &mut ConformWorld) -> anyhow::Result<()> {
    logged_on(w).await?;
    logoff(w).await?;
    let status = w.last()?.status;
    if status / 100 != 2 {
        bail!(
            "could not log off from Enterprise Manager: {}",
            w.last()?.summary()
        );
    }
    let session =
        w.em.pop()
            .ok_or_else(|| anyhow!("no Enterprise Manager session"))?;
    w.spent.insert(Product::Em, session.token);
    Ok(())
}

fn my_session(w: &ConformWorld) -> anyhow::Result<&EmSession> {
    w.em.last()
        .ok_or_else(|| anyhow!("no Enterprise Manager session: log on first"))
}

async fn logon_step(
    w: &mut ConformWorld,
    version: &str,
    accept: Option<&str>,
) -> anyhow::Result<()> {
    let cred = w.ctx.credential(Product::Em)?;
    if let Some(s) = logon(w, version, Auth::Basic(&cred), accept).await? {
        w.em.push(s);
    }
    Ok(())
}

/// Logs on with the run's account and keeps the session as "my session".
pub(crate) async fn logged_on(w: &mut ConformWorld) -> anyhow::Result<()> {
    let cred = w.ctx.credential(Product::Em)?;
    let session = logon(w, "latest", Auth::Basic(&cred), None)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "could not log on to Enterprise Manager: {}",
                w.last.as_ref().map(Answer::summary).unwrap_or_default()
            )
        })?;
    w.em.push(session);
    Ok(())
}

async fn other_user_logged_on(w: &mut ConformWorld) -> anyhow::Result<()> {
    let cred = w
        .ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("needs the emulator's second account"))?
        .em_other
        .clone();
    let session = logon(w, "latest", Auth::Basic(&cred), None)
        .await?
        .ok_or_else(|| anyhow!("the other user could not log on"))?;
    w.em_other = Some(session);
    Ok(())
}

/// Posts a logon; returns the session when it was created (201 with a token).
async fn logon(
    w: &mut ConformWorld,
    version: &str,
    auth: Auth<'_>,
    accept: Option<&str>,
) -> anyhow::Result<Option<EmSession>> {
    let path = format!("/api/sessionMngr/?v={version}");
    let url = w.ctx.url(Product::Em, &path)?;
    let mut rb = w.ctx.client.post(url).body(Vec::<u8>::new());
    match auth {
        Auth::Basic(c) => rb = rb.basic_auth(c.username(), Some(password_of(c))),
        Auth::Token(t) => rb = rb.header(TOKEN_HEADER, t),
        Auth::None => {}
    }
    if let Some(a) = accept {
        rb = rb.header("Accept", a);
    }
    let answer = w.send(format!("POST {path}"), rb).await?.clone();
    if answer.status != 201 {
        return Ok(None);
    }
    let Some(token) = answer.header(TOKEN_HEADER).map(str::to_owned) else {
        return Ok(None);
    };
    let mut session = EmSession {
        token,
        ..EmSession::default()
    };
    if let Ok(x) = answer.xml() {
        session.delete_href = links(&x)
            .iter()
            .find(|l| l.attr("Rel") == Some("Delete"))
            .and_then(|l| l.attr("Href"))
            .map(str::to_owned);
        session.session_id = x.text_of("SessionId").map(str::to_owned);
        session.user_name = x.text_of("UserName").map(str::to_owned);
    } else if let Ok(j) = answer.json() {
        session.delete_href = j
            .get("Links")
            .and_then(|l| l.as_array())
            .and_then(|l| {
                l.iter()
                    .find(|x| x.get("Rel").and_then(|r| r.as_str()) == Some("Delete"))
            })
            .and_then(|l| l.get("Href"))
            .and_then(|h| h.as_str())
            .map(str::to_owned);
        session.session_id = j
            .get("SessionId")
            .and_then(|s| s.as_str())
            .map(str::to_owned);
        session.user_name = j
            .get("UserName")
            .and_then(|s| s.as_str())
            .map(str::to_owned);
    }
    Ok(Some(session))
}

async fn entry_point(w: &mut ConformWorld, accept: Option<&str>) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Em, "/api/")?;
    let mut rb = w.ctx.client.get(url);
    if let Some(a) = accept {
        rb = rb.header("Accept", a);
    }
    w.send("GET /api/".into(), rb).await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum TokenIn {
    Header,
    Cookie,
    CookieGoodHeaderBad,
    CookieBadHeaderGood,
}

async fn list_sessions(
    w: &mut ConformWorld,
    how: TokenIn,
    accept: Option<&str>,
) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    let url = w.ctx.url(Product::Em, "/api/logonSessions")?;
    let mut rb = w.ctx.client.get(url);
    let cookie = |t: &str| format!("{TOKEN_HEADER}={t}");
    rb = match how {
        TokenIn::Header => rb.header(TOKEN_HEADER, &token),
        TokenIn::Cookie => rb.header("Cookie", cookie(&token)),
        TokenIn::CookieGoodHeaderBad => rb
            .header("Cookie", cookie(&token))
            .header(TOKEN_HEADER, MADE_UP_TOKEN),
        TokenIn::CookieBadHeaderGood => rb
            .header("Cookie", cookie(MADE_UP_TOKEN))
            .header(TOKEN_HEADER, &token),
    };
    if let Some(a) = accept {
        rb = rb.header("Accept", a);
    }
    w.send("GET /api/logonSessions".into(), rb).await?;
    Ok(())
}

async fn list_with_token(w: &mut ConformWorld, token: Option<String>) -> anyhow::Result<()> {
    let url = w.ctx.url(Product::Em, "/api/logonSessions")?;
    let mut rb = w.ctx.client.get(url);
    if let Some(t) = token {
        rb = rb.header(TOKEN_HEADER, t);
    }
    w.send("GET /api/logonSessions".into(), rb).await?;
    Ok(())
}

/// The ids of the `LogonSession` entries of a `LogonSessions` list.
fn listed_ids(x: &Element) -> Vec<String> {
    x.find_all("LogonSession")
        .iter()
        .filter_map(|s| {
            s.text_of("SessionId")
                .map(str::to_owned)
                .or_else(|| s.attr("Href").map(str::to_owned))
        })
        .collect()
}

fn same_session(listed: &str, s: &EmSession) -> bool {
    s.session_id.as_deref() == Some(listed)
        || s.delete_href.as_deref() == Some(listed)
        || s.session_id
            .as_deref()
            .is_some_and(|id| listed.ends_with(&format!("/{id}")))
}

fn list_holds(w: &mut ConformWorld, first: bool) -> anyhow::Result<()> {
    let mine = my_session(w)?.clone();
    let x = w.last()?.xml()?;
    let ids = listed_ids(&x);
    let ok = if first {
        ids.first().is_some_and(|id| same_session(id, &mine))
    } else {
        ids.iter().any(|id| same_session(id, &mine))
    };
    let n = ids.len();
    w.check(ok, || {
        if first {
            format!("my session first in the list ({n} sessions listed)")
        } else {
            format!("my session in the list ({n} sessions listed)")
        }
    })
}

fn list_lacks_other(w: &mut ConformWorld) -> anyhow::Result<()> {
    let other = w
        .em_other
        .clone()
        .ok_or_else(|| anyhow!("no other user's session"))?;
    let x = w.last()?.xml()?;
    let leaked = listed_ids(&x).iter().any(|id| same_session(id, &other))
        || String::from_utf8_lossy(&w.last()?.body).contains(&other.token);
    w.check(!leaked, || {
        "no session of the other user in the list".into()
    })
}

fn same_user(w: &mut ConformWorld) -> anyhow::Result<()> {
    if w.last()?.status != 201 {
        return Ok(());
    }
    let first = w.em.first().and_then(|s| s.user_name.clone());
    let new = w.em.last().and_then(|s| s.user_name.clone());
    w.check(first.is_some() && first == new, || {
        format!("the new session to name the same user ({first:?} vs {new:?})")
    })
}

async fn logoff(w: &mut ConformWorld) -> anyhow::Result<()> {
    let session = my_session(w)?.clone();
    let href = session
        .delete_href
        .clone()
        .ok_or_else(|| anyhow!("the logon answer had no Rel=\"Delete\" link"))?;
    let url = absolute(w, &href)?;
    let rb = w
        .ctx
        .client
        .delete(url)
        .header(TOKEN_HEADER, &session.token);
    w.send(format!("DELETE {}", path_of(&href)), rb).await?;
    Ok(())
}

pub(super) async fn token_state(w: &mut ConformWorld, alive: bool) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    list_with_token(w, Some(token)).await?;
    let status = w.last()?.status;
    if alive {
        w.check(status == 200, || "200 OK: the token still works".into())
    } else {
        w.check(status == 401, || {
            "401 Unauthorized: the token is refused".into()
        })
    }
}

fn absolute(w: &ConformWorld, href: &str) -> anyhow::Result<String> {
    w.ctx.em_link(href)
}

fn path_of(href: &str) -> String {
    url::Url::parse(href)
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .unwrap_or_else(|_| href.to_owned())
}

fn links(x: &Element) -> Vec<&Element> {
    x.find_all("Link")
}

fn xml_root(w: &mut ConformWorld, names: &[&str]) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let x = answer.xml();
    let ok = x.as_ref().is_ok_and(|x| {
        names.contains(&x.name.as_str()) && x.namespace.as_deref() == Some(NAMESPACE)
    });
    let found = x
        .map(|x| format!("{} in {:?}", x.name, x.namespace))
        .unwrap_or_else(|e| format!("{e:#}"));
    w.check(ok, || {
        format!(
            "an XML {} document in namespace {NAMESPACE} (found {found})",
            names.join(" or ")
        )
    })
}

fn cookie_check(w: &mut ConformWorld, name: &str, path: &str) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let header_token = answer.header(TOKEN_HEADER).map(str::to_owned);
    let cookie = answer.cookie(name);
    let ok = match &cookie {
        Some((value, p)) => {
            p.as_deref() == Some(path) && header_token.as_deref() == Some(value.as_str())
        }
        None => false,
    };
    let found = match &cookie {
        Some((_, p)) => format!(
            "cookie with Path {p:?}, value {} the header",
            if ok || header_token.as_deref() == cookie.as_ref().map(|c| c.0.as_str()) {
                "equal to"
            } else {
                "different from"
            }
        ),
        None => "no such cookie".to_owned(),
    };
    w.check(ok, || {
        format!("Set-Cookie: {name}=<the token>; Path={path} (found {found})")
    })
}

fn down_links(w: &mut ConformWorld, targets: &[String]) -> anyhow::Result<()> {
    let x = w.last()?.xml()?;
    let hrefs: Vec<String> = links(&x)
        .iter()
        .filter(|l| l.attr("Rel") == Some("Down"))
        .filter_map(|l| l.attr("Href").map(path_of))
        .collect();
    let missing: Vec<&str> = targets
        .iter()
        .filter(|t| {
            !hrefs.iter().any(|h| {
                h.trim_end_matches('/').ends_with(&format!("/api/{t}"))
                    || h.contains(&format!("/api/{t}?"))
            })
        })
        .map(String::as_str)
        .collect();
    w.check(missing.is_empty(), || {
        format!(
            "Down links to /api/{{{}}} (missing: {})",
            targets.join(", "),
            missing.join(", ")
        )
    })
}

fn names_user_and_session(w: &mut ConformWorld) -> anyhow::Result<()> {
    let x = w.last()?.xml()?;
    let user = x.text_of("UserName").unwrap_or("").to_owned();
    let id = x.text_of("SessionId").unwrap_or("").to_owned();
    let want = w
        .ctx
        .credential(Product::Em)?
        .username()
        .to_ascii_lowercase();
    let ok = !id.is_empty() && user.to_ascii_lowercase().ends_with(&want);
    w.check(ok, || {
        format!("UserName naming {want} and a non-empty SessionId (found UserName {user:?})")
    })
}

fn version_links(w: &mut ConformWorld) -> anyhow::Result<()> {
    let x = w.last()?.xml()?;
    let mut problems = Vec::new();
    let versions = x.find_all("SupportedVersion");
    if versions.is_empty() {
        problems.push("no SupportedVersion".to_owned());
    }
    for v in versions {
        let name = v.attr("Name").unwrap_or("?");
        let ok = v.find_all("Link").iter().any(|l| {
            l.attr("Type") == Some("LogonSession")
                && l.attr("Rel") == Some("Create")
                && l.attr("Href")
                    .is_some_and(|h| path_of(h) == format!("/api/sessionMngr/?v={name}"))
        });
        if !ok {
            problems.push(format!(
                "{name} has no Create link to /api/sessionMngr/?v={name}"
            ));
        }
    }
    w.check(problems.is_empty(), || {
        format!("a logon link per version ({})", problems.join("; "))
    })
}

pub(super) async fn start_first_job(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    let url = w.ctx.url(Product::Em, "/api/jobs")?;
    let rb = w.ctx.client.get(url).header(TOKEN_HEADER, &token);
    let answer = w.send("GET /api/jobs".into(), rb).await?.clone();
    if answer.status != 200 {
        bail!("could not list the jobs: {}", answer.summary());
    }
    let x = answer.xml()?;
    let href = x
        .descendants()
        .into_iter()
        .filter(|e| e.name == "Ref" || e.name == "Job" || e.name == "JobReference")
        .find_map(|e| e.attr("Href").map(str::to_owned))
        .ok_or_else(|| anyhow!("the job list holds no job reference"))?;
    let href = href.split('?').next().unwrap_or(&href).to_owned();
    let url = format!("{}?action=start", absolute(w, &href)?);
    let rb = w
        .ctx
        .client
        .post(url)
        .header(TOKEN_HEADER, &token)
        .body(Vec::<u8>::new());
    let answer = w
        .send(format!("POST {}?action=start", path_of(&href)), rb)
        .await?
        .clone();
    if let Ok(x) = answer.xml() {
        w.em_task = x.attr("Href").map(str::to_owned).or_else(|| {
            x.find_all("TaskId")
                .first()
                .map(|t| format!("/api/tasks/{}", t.text))
        });
    }
    Ok(())
}

async fn follow_task(w: &mut ConformWorld, state: &str) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    let href = w
        .em_task
        .clone()
        .ok_or_else(|| anyhow!("no task was started"))?;
    let url = absolute(w, &href)?;
    for _ in 0..120 {
        let rb = w.ctx.client.get(&url).header(TOKEN_HEADER, &token);
        let answer = w.send(format!("GET {}", path_of(&href)), rb).await?.clone();
        if answer.status != 200 {
            bail!("the task could not be read: {}", answer.summary());
        }
        let x = answer.xml().context("the task is not XML")?;
        if x.text_of("State") == Some(state) {
            return Ok(());
        }
        w.ctx.clone().let_time_pass(Duration::from_secs(5)).await?;
    }
    bail!("the task did not reach State {state} within 10 minutes")
}

async fn look_at_task(w: &mut ConformWorld) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    let href = w
        .em_task
        .clone()
        .ok_or_else(|| anyhow!("no task was started"))?;
    let url = absolute(w, &href)?;
    let rb = w.ctx.client.get(url).header(TOKEN_HEADER, &token);
    w.send(format!("GET {}", path_of(&href)), rb).await?;
    Ok(())
}

/// EM-01: `Link` elements inside `links`, `SupportedVersion` elements inside `versions`, both
/// children of the root.
fn root_wrappers(w: &mut ConformWorld, links: &str, versions: &str) -> anyhow::Result<()> {
    let x = w.last()?.xml()?;
    let child = |name: &str| x.children.iter().find(|c| c.name == name);
    let links_ok = child(links).is_some_and(|l| l.children.iter().any(|c| c.name == "Link"))
        && !x.children.iter().any(|c| c.name == "Link");
    let versions_ok = child(versions)
        .is_some_and(|v| v.children.iter().any(|c| c.name == "SupportedVersion"))
        && !x.children.iter().any(|c| c.name == "SupportedVersion");
    w.check(links_ok && versions_ok, || {
        format!("Link elements inside {links} and SupportedVersion elements inside {versions}")
    })
}

/// EM-04: the samples' `Rel="Delete"` link has no `Type`.
fn delete_link_untyped(w: &mut ConformWorld) -> anyhow::Result<()> {
    let x = w.last()?.xml()?;
    let deletes: Vec<Option<String>> = links(&x)
        .iter()
        .filter(|l| l.attr("Rel") == Some("Delete"))
        .map(|l| l.attr("Type").map(str::to_owned))
        .collect();
    let ok = !deletes.is_empty() && deletes.iter().all(Option::is_none);
    w.check(ok, || {
        format!("a Rel=\"Delete\" link without a Type (found types {deletes:?})")
    })
}

/// Reads the own logon session (`GET` on its link) and follows its link of type `ty`.
async fn follow_link(w: &mut ConformWorld, ty: &str) -> anyhow::Result<()> {
    let session = my_session(w)?.clone();
    let own = session
        .delete_href
        .clone()
        .ok_or_else(|| anyhow!("the logon answer had no Rel=\"Delete\" link"))?;
    let url = absolute(w, &own)?;
    let rb = w.ctx.client.get(url).header(TOKEN_HEADER, &session.token);
    // The session's own path is a secret (EM-14): the label leaves it out.
    let answer = w
        .send("GET /api/logonSessions/<own>".into(), rb)
        .await?
        .clone();
    let x = answer.xml()?;
    let href = links(&x)
        .iter()
        .find(|l| l.attr("Type") == Some(ty))
        .and_then(|l| l.attr("Href"))
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the logon session has no link of type {ty}"))?;
    let url = absolute(w, &href)?;
    let rb = w.ctx.client.get(url).header(TOKEN_HEADER, &session.token);
    w.send(format!("GET {}", path_of(&href)), rb).await?;
    Ok(())
}

async fn get_resource(w: &mut ConformWorld, path: &str) -> anyhow::Result<()> {
    let token = my_session(w)?.token.clone();
    let url = w.ctx.url(Product::Em, path)?;
    let rb = w.ctx.client.get(url).header(TOKEN_HEADER, &token);
    w.send(format!("GET {path}"), rb).await?;
    Ok(())
}

/// EM-02: a tenant's logon with a `LoginSpec` body and no `Authorization` header.
async fn tenant_logon(w: &mut ConformWorld) -> anyhow::Result<()> {
    let cred = w
        .ctx
        .emulator_accounts
        .as_ref()
        .ok_or_else(|| anyhow!("needs the emulator's tenant account"))?
        .em_tenant
        .clone();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        "<LoginSpec xmlns=\"{NAMESPACE}\"><TenantCredentials><Username>{}</Username><Password>{}</Password></TenantCredentials></LoginSpec>",
        esc(cred.username()),
        esc(password_of(&cred))
    );
    let path = "/api/sessionMngr/?v=latest";
    let url = w.ctx.url(Product::Em, path)?;
    let rb = w
        .ctx
        .client
        .post(url)
        .header("Content-Type", "application/xml")
        .body(body);
    w.send(format!("POST {path}"), rb).await?;
    Ok(())
}

/// A `@undocumented` reading table without answer forms: `found` is the index of the reading
/// the server follows (`None`: none of them). Against the emulator it must be the row marked
/// `yes`; against a real server the reading is recorded.
fn record_reading(
    w: &mut ConformWorld,
    step: &gherkin::Step,
    found: Option<usize>,
    what: &str,
) -> anyhow::Result<()> {
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| anyhow!("the readings step needs a table"))?;
    let mut rows = table.rows.iter();
    let header = rows.next().ok_or_else(|| anyhow!("empty readings table"))?;
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let c_reading = col("reading").ok_or_else(|| anyhow!("no reading column"))?;
    let c_emulator = col("emulator");
    let rows: Vec<&Vec<String>> = rows.collect();
    let Some(i) = found.filter(|i| *i < rows.len()) else {
        bail!("{what} follows none of the documented readings");
    };
    let reading = rows[i][c_reading].trim().to_owned();
    w.notes
        .push(format!("undocumented: {what} follows \"{reading}\""));
    if w.is_emulator()
        && let Some(c) = c_emulator
        && rows[i][c].trim() != "yes"
    {
        bail!("the emulator should follow its default reading, not \"{reading}\"");
    }
    Ok(())
}

/// EM-14: row 0 when the token is base64 of the SessionId text, row 1 when it is 16 bytes
/// unrelated to it. Neither the token nor the SessionId is ever printed.
fn token_form(w: &mut ConformWorld, step: &gherkin::Step) -> anyhow::Result<()> {
    use base64::Engine as _;
    let session = my_session(w)?.clone();
    let id = session.session_id.clone().unwrap_or_default();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(session.token.trim())
        .unwrap_or_default();
    let found = if !id.is_empty() && raw.eq_ignore_ascii_case(id.as_bytes()) {
        Some(0)
    } else if raw.len() == 16 {
        Some(1)
    } else {
        None
    };
    record_reading(w, step, found, "the session token")
}

/// EM-15: row 0 without a byte-order mark, row 1 with one.
fn bom_reading(w: &mut ConformWorld, step: &gherkin::Step) -> anyhow::Result<()> {
    let bom = w.last()?.body.starts_with(b"\xEF\xBB\xBF");
    record_reading(w, step, Some(usize::from(bom)), "the JSON answer")
}

/// EM-16: the `Error` element (XML) or object (JSON) with `StatusCode`, `Message` and `Status`.
fn error_element(w: &mut ConformWorld, status: &str, json: bool) -> anyhow::Result<()> {
    let answer = w.last()?.clone();
    let fields = if json {
        answer.json().ok().map(|j| {
            let code = j.get("StatusCode").map(|c| match c {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            (
                code,
                j.get("Message").is_some_and(serde_json::Value::is_string),
                j.get("Status").is_some_and(serde_json::Value::is_string),
            )
        })
    } else {
        answer.xml().ok().filter(|x| x.name == "Error").map(|x| {
            (
                x.attr("StatusCode").map(str::to_owned),
                x.attr("Message").is_some(),
                x.attr("Status").is_some(),
            )
        })
    };
    let ok = fields
        .as_ref()
        .is_some_and(|(code, message, st)| code.as_deref() == Some(status) && *message && *st);
    let form = if json {
        "a JSON object"
    } else {
        "an XML Error element"
    };
    w.check(ok, || {
        format!("{form} with StatusCode {status}, Message and Status")
    })
}
