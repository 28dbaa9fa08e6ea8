//! Steps of the ZVM kinds and the Appliance's Keycloak realm: which kind the emulator plays
//! (ZVM-10), the `openid` scope (ZVM-11), token lifetimes and refresh reuse (ZVM-12), the
//! Keycloak logout (ZVM-13), and property-name case (ZVM-14).

use anyhow::anyhow;

use super::{Auth, get, oidc_form, oidc_logged_on_with, tokens_of};
use crate::steps::pat;
use crate::world::ConformWorld;

use crate::steps::OIDC_LOGOUT_PATH as LOGOUT_PATH;
const MADE_UP_BEARER: &str = "restpoint-made-up-bearer-token";

/// The steps of this module; `None` when `text` is not one of them.
pub(super) async fn step(w: &mut ConformWorld, text: &str) -> Option<anyhow::Result<()>> {
    let r = match text {
        "the emulator plays a ZVM Appliance" => {
            set(w, |e| e.set_zvm_kind(crate::args::ZvmKind::Appliance))
        }
        "the emulator plays a Windows ZVM" => {
            set(w, |e| e.set_zvm_kind(crate::args::ZvmKind::Windows))
        }
        "the emulator refuses tokens issued without the openid scope" => {
            set(w, |e| e.set_zvm_require_openid_scope(true))
        }
        "I am logged on to the ZVM Appliance with the openid scope" => {
            oidc_logged_on_with(w, Some("openid")).await
        }
        "I get the local site with a made-up bearer token" => {
            get(
                w,
                "/v1/localsite",
                Auth::Bearer(MADE_UP_BEARER.into()),
                None,
            )
            .await
        }
        "I log out of the ZVM Appliance" => logout(w, true).await,
        "I log out of the ZVM Appliance without the refresh token" => logout(w, false).await,
        "the bearer token is refused" => bearer_state(w, false).await,
        "the bearer token still works" => bearer_state(w, true).await,
        "the refresh token is refused" => refresh_state(w, false).await,
        "the refresh token still works" => refresh_state(w, true).await,
        _ => return parameterised(w, text),
    };
    Some(r)
}

fn parameterised(w: &mut ConformWorld, text: &str) -> Option<anyhow::Result<()>> {
    if let Some(a) = pat(text, "the JSON number {string} is {int}") {
        let want: i64 = a[1].parse().ok()?;
        let r = w
            .last()
            .and_then(|ans| ans.json())
            .map(|j| j.get(&a[0]).and_then(serde_json::Value::as_i64));
        return Some(r.and_then(|got| {
            w.check(got == Some(want), || {
                format!("the JSON number {} to be {want}", a[0])
            })
        }));
    }
    if let Some(a) = pat(
        text,
        "the JSON has the field {string} in either case of its first letter",
    ) {
        // ZVM-14: PascalCase (Windows ZVM) or camelCase (the Appliance's OpenAPI file).
        let name = a[0].clone();
        let mut chars = name.chars();
        let other = match chars.next() {
            Some(c) if c.is_ascii_uppercase() => {
                format!("{}{}", c.to_ascii_lowercase(), chars.as_str())
            }
            Some(c) => format!("{}{}", c.to_ascii_uppercase(), chars.as_str()),
            None => return Some(Err(anyhow!("an empty field name"))),
        };
        let r = w.last().and_then(|ans| ans.json()).map(|j| {
            let found = [&name, &other]
                .into_iter()
                .find(|k| j.get(k.as_str()).is_some());
            found.cloned()
        });
        return Some(r.and_then(|found| {
            if let Some(found) = &found {
                let reading = if found.starts_with(|c: char| c.is_ascii_uppercase()) {
                    "PascalCase (Windows ZVM)"
                } else {
                    "camelCase (the Appliance's OpenAPI file)"
                };
                w.notes
                    .push(format!("doc-conflict: property names in {reading}"));
            }
            w.check(found.is_some(), || format!("a field {name} or {other}"))
        }));
    }
    None
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
