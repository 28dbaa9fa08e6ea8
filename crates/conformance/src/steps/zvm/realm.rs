//! Steps of the ZVM kinds and the Appliance's Keycloak realm: which kind the emulator plays
//! (ZVM-10), the `openid` scope (ZVM-11), token lifetimes and refresh reuse (ZVM-12), the
//! Keycloak logout (ZVM-13), and property-name case (ZVM-14).

use anyhow::anyhow;
use cucumber::{given, then, when};

use super::{Auth, get, oidc_form, oidc_logged_on_with, tokens_of};
use crate::steps::StepResult;
use crate::world::ConformWorld;

use crate::steps::OIDC_LOGOUT_PATH as LOGOUT_PATH;
const MADE_UP_BEARER: &str = "restpoint-made-up-bearer-token";

#[given("the emulator plays a ZVM Appliance")]
fn plays_appliance(w: &mut ConformWorld) -> StepResult {
    Ok(set(w, |e| e.set_zvm_kind(crate::args::ZvmKind::Appliance))?)
}

#[given("the emulator plays a Windows ZVM")]
fn plays_windows(w: &mut ConformWorld) -> StepResult {
    Ok(set(w, |e| e.set_zvm_kind(crate::args::ZvmKind::Windows))?)
}

#[given("the emulator refuses tokens issued without the openid scope")]
fn requires_openid_scope(w: &mut ConformWorld) -> StepResult {
    Ok(set(w, |e| e.set_zvm_require_openid_scope(true))?)
}

#[given("I am logged on to the ZVM Appliance with the openid scope")]
async fn logged_on_with_openid(w: &mut ConformWorld) -> StepResult {
    Ok(oidc_logged_on_with(w, Some("openid")).await?)
}

#[when("I get the local site with a made-up bearer token")]
async fn get_local_site_made_up_bearer(w: &mut ConformWorld) -> StepResult {
    let auth = Auth::Bearer(MADE_UP_BEARER.into());
    Ok(get(w, "/v1/localsite", auth, None).await?)
}

#[when("I log out of the ZVM Appliance")]
async fn log_out(w: &mut ConformWorld) -> StepResult {
    Ok(logout(w, true).await?)
}

#[when("I log out of the ZVM Appliance without the refresh token")]
async fn log_out_without_refresh(w: &mut ConformWorld) -> StepResult {
    Ok(logout(w, false).await?)
}

#[then("the bearer token is refused")]
async fn bearer_refused(w: &mut ConformWorld) -> StepResult {
    Ok(bearer_state(w, false).await?)
}

#[then("the bearer token still works")]
async fn bearer_works(w: &mut ConformWorld) -> StepResult {
    Ok(bearer_state(w, true).await?)
}

#[then("the refresh token is refused")]
async fn refresh_refused(w: &mut ConformWorld) -> StepResult {
    Ok(refresh_state(w, false).await?)
}

#[then("the refresh token still works")]
async fn refresh_works(w: &mut ConformWorld) -> StepResult {
    Ok(refresh_state(w, true).await?)
}

#[then(expr = "the JSON number {string} is {int}")]
fn json_number_is(w: &mut ConformWorld, field: String, want: i64) -> StepResult {
    let got = w
        .last()?
        .json()?
        .get(&field)
        .and_then(serde_json::Value::as_i64);
    Ok(w.check(got == Some(want), || {
        format!("the JSON number {field} to be {want}")
    })?)
}

#[then(expr = "the JSON has the field {string} in either case of its first letter")]
fn json_field_either_case(w: &mut ConformWorld, name: String) -> StepResult {
    // ZVM-14: PascalCase (Windows ZVM) or camelCase (the Appliance's OpenAPI file).
    let mut chars = name.chars();
    let other = match chars.next() {
        Some(c) if c.is_ascii_uppercase() => {
            format!("{}{}", c.to_ascii_lowercase(), chars.as_str())
        }
        Some(c) => format!("{}{}", c.to_ascii_uppercase(), chars.as_str()),
        None => return Err(anyhow!("an empty field name").into()),
    };
    let j = w.last()?.json()?;
    let found = [&name, &other]
        .into_iter()
        .find(|k| j.get(k.as_str()).is_some())
        .cloned();
    if let Some(found) = &found {
        let reading = if found.starts_with(|c: char| c.is_ascii_uppercase()) {
            "PascalCase (Windows ZVM)"
        } else {
            "camelCase (the Appliance's OpenAPI file)"
        };
        w.notes
            .push(format!("doc-conflict: property names in {reading}"));
    }
    Ok(w.check(found.is_some(), || format!("a field {name} or {other}"))?)
}

/// Changes an emulator setting for this scenario (reset after it).
fn set(
    w: &mut ConformWorld,
    change: impl FnOnce(&crate::emulator::EmbeddedEmulator) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    change(w.require_emulator()?)?;
    w.settings_changed = true;
    Ok(())
}

fn tokens(w: &ConformWorld) -> anyhow::Result<crate::world::TokenSet> {
    w.oidc
        .clone()
        .ok_or_else(|| anyhow!("no ZVM Appliance token: log on first"))
}

/// ZVM-13: the realm's logout with `client_id` and (or without) the `refresh_token`.
async fn logout(w: &mut ConformWorld, with_refresh: bool) -> anyhow::Result<()> {
    let t = tokens(w)?;
    let client_id = w.ctx.zvm_client_id.clone();
    let mut fields = vec![("client_id", client_id.as_str())];
    if with_refresh {
        fields.push(("refresh_token", t.refresh.as_str()));
    }
    let url = w.ctx.url(crate::facts::Product::Zvm, LOGOUT_PATH)?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let rb = w
        .ctx
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    let label = if with_refresh {
        format!("POST {LOGOUT_PATH} (client_id, refresh_token)")
    } else {
        format!("POST {LOGOUT_PATH} (client_id only)")
    };
    w.send(label, rb).await?;
    Ok(())
}

async fn bearer_state(w: &mut ConformWorld, works: bool) -> anyhow::Result<()> {
    let t = tokens(w)?;
    get(w, "/v1/localsite", Auth::Bearer(t.access), None).await?;
    let status = w.last()?.status;
    if works {
        w.check(status == 200, || {
            "200 OK: the bearer token still works".into()
        })
    } else {
        w.check(status == 401, || {
            "401 Unauthorized: the bearer token is refused".into()
        })
    }
}

/// A refresh grant with the logon's refresh token; a working answer replaces nothing.
async fn refresh_state(w: &mut ConformWorld, works: bool) -> anyhow::Result<()> {
    let t = tokens(w)?;
    let client_id = w.ctx.zvm_client_id.clone();
    oidc_form(
        w,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", &t.refresh),
        ],
    )
    .await?;
    let answer = w.last()?;
    let (status, fresh) = (answer.status, tokens_of(answer).is_some());
    if works {
        w.check(status == 200 && fresh, || {
            "200 OK with a token set: the refresh token still works".into()
        })
    } else {
        w.check(status / 100 == 4, || {
            "a client error (Keycloak: 400 invalid_grant): the refresh token is refused".into()
        })
    }
}
