//! The ZVM Appliance's Keycloak realm `zerto`: the OpenID Connect token endpoint (ZVM-09, ZVM-11,
//! ZVM-12) and the logout endpoint (ZVM-13).
//!
//! Tokens are grouped in realm sessions: a password or client-credentials grant starts one, a
//! refresh grant stays in it, and a logout with a refresh token ends every token of it. A refresh
//! token stays usable until it expires or its session ends (Keycloak's default, ZVM-12).
//!
//! Choices where Keycloak's documents leave room:
//! - A logout without `refresh_token` ends nothing and answers `400 invalid_request` (what a
//!   Keycloak answers to a back-channel logout that names no session).
//! - A refresh grant keeps the scope of the grant that started the session; a `scope` sent with
//!   the refresh is ignored.
//! - On a Windows ZVM ([`ZvmKind::Windows`]) both endpoints answer `404`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::behaviour::ZvmKind;
use crate::breaks::Break;
use crate::common::{basic_credentials, body_response};
use crate::defaults;
use crate::state::{
    Count, OIDC_CLIENT, OidcToken, Product, State, Token32, ZvmStore, b64url, decode_b64url,
    dur_ms, random_bytes, random_uuid,
};

/// The realm's token endpoint (ZVM-09).
pub(crate) const TOKEN_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/token";
/// The realm's logout endpoint (ZVM-13).
pub(crate) const LOGOUT_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/logout";

type St = AxState<Arc<State>>;

fn oidc_error(status: StatusCode, error: &str, description: &str) -> Response {
    body_response(
        status,
        "application/json",
        json!({"error": error, "error_description": description}).to_string(),
    )
}

/// A Windows ZVM has no Keycloak realm: its `404` (ZVM-10's counterpart).
fn windows_has_no_realm(st: &State, headers: &HeaderMap) -> Option<Response> {
    (st.behaviour().zvm_kind == ZvmKind::Windows).then(|| {
        super::error(
            StatusCode::NOT_FOUND,
            "No HTTP resource was found that matches the request URI",
            !headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("xml")),
        )
    })
}

/// The form fields of a request body; `None` when it is not UTF-8.
fn form_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    std::str::from_utf8(body).ok()?;
    Some(url::form_urlencoded::parse(body).into_owned().collect())
}

/// The first non-empty value of a form field.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Whether a `scope` value asks for `openid` (ZVM-11).
fn asks_openid(scope: Option<&str>) -> bool {
    scope.is_some_and(|s| s.split_ascii_whitespace().any(|w| w == "openid"))
}

/// Issues an access token (and a refresh token) in realm session `sid`, or in a new session.
fn issue(st: &State, subject: u32, with_refresh: bool, openid: bool, sid: Option<u32>) -> Response {
    let now = st.now_ms();
    let lt = st.lifetimes();
    let access: Token32 = random_bytes();
    let refresh: Token32 = random_bytes();
    {
        let mut store = st.zvm.lock();
        if store.access.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.zvm.lock();
            if store.access.len() >= st.limits.session_cap {
                return oidc_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "too many sessions",
                );
            }
        }
        let sid = sid.unwrap_or_else(|| {
            store.next_sid = store.next_sid.wrapping_add(1);
            store.next_sid
        });
        store.access.insert(
            access,
            OidcToken {
                subject,
                sid,
                expires_ms: now.saturating_add(dur_ms(lt.oidc_access)),
                openid,
            },
        );
        if with_refresh {
            store.refresh.insert(
                refresh,
                OidcToken {
                    subject,
                    sid,
                    expires_ms: now.saturating_add(dur_ms(lt.oidc_refresh)),
                    openid,
                },
            );
        }
    }
    let mut body = json!({
        "access_token": b64url(&access),
        "expires_in": lt.oidc_access.as_secs(),
        "refresh_expires_in": if with_refresh { lt.oidc_refresh.as_secs() } else { 0 },
        "token_type": "Bearer",
        "not-before-policy": 0,
        "session_state": random_uuid().to_string(),
        "scope": if openid { "openid profile email" } else { "profile email" },
    });
    if with_refresh {
        body["refresh_token"] = json!(b64url(&refresh));
    }
    body_response(StatusCode::OK, "application/json", body.to_string())
}

/// ZVM-09, ZVM-11, ZVM-12: `POST /auth/realms/zerto/protocol/openid-connect/token`.
pub(crate) async fn token(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match realm_form(&st, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let field = |name: &str| field(&fields, name);
    let Some(grant) = field("grant_type") else {
        return oidc_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing form parameter: grant_type",
        );
    };
    let openid = asks_openid(field("scope"));
    // Client credentials from the form, or from HTTP Basic.
    let basic = basic_credentials(&headers).and_then(Result::ok);
    let client_id = field("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|(u, _)| u.clone()));
    let client_secret = field("client_secret")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|(_, p)| p.clone()));
    match grant.to_ascii_lowercase().as_str() {
        "password" => {
            if client_id.as_deref() != Some(defaults::ZVM_OIDC_PASSWORD_CLIENT) {
                st.count(Product::Zvm, Count::FailedLogon);
                return oidc_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Invalid client or Invalid client credentials",
                );
            }
            let (Some(name), Some(password)) = (field("username"), field("password")) else {
                return oidc_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter: username or password",
                );
            };
            match st.authenticate(name, password).filter(|(_, u)| u.zvm) {
                Some((index, user)) => {
                    let resp = issue(&st, index, true, openid, None);
                    if resp.status() == StatusCode::OK {
                        st.count(Product::Zvm, Count::Logon);
                        tracing::info!(user = %user.name, "ZVM OIDC logon");
                    }
                    resp
                }
                None => {
                    st.count(Product::Zvm, Count::FailedLogon);
                    oidc_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_grant",
                        "Invalid user credentials",
                    )
                }
            }
        }
        "client_credentials" => {
            if !client_ok(client_id.as_deref(), client_secret.as_deref()) {
                st.count(Product::Zvm, Count::FailedLogon);
                return oidc_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Invalid client or Invalid client credentials",
                );
            }
            let resp = issue(&st, OIDC_CLIENT, false, openid, None);
            if resp.status() == StatusCode::OK {
                st.count(Product::Zvm, Count::Logon);
            }
            resp
        }
        "refresh_token" => {
            let Some(token) = field("refresh_token") else {
                return missing_refresh_token();
            };
            let now = st.now_ms();
            let entry = {
                let mut store = st.zvm.lock();
                live_refresh(&mut store, token, now).map(|(k, t)| {
                    if st.breaks.has(Break::ZvmRefreshSingleUse) {
                        store.refresh.remove(&k);
                    }
                    t
                })
            };
            match entry {
                Some(t) if t.subject == OIDC_CLIENT || st.user(t.subject).is_some() => {
                    let resp = issue(&st, t.subject, true, t.openid, Some(t.sid));
                    if resp.status() == StatusCode::OK {
                        st.count(Product::Zvm, Count::Refresh);
                    }
                    resp
                }
                _ => invalid_refresh_token(),
            }
        }
        _ => oidc_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    }
}

/// The client-credentials client's id and secret (the secret compared in constant time).
fn client_ok(id: Option<&str>, secret: Option<&str>) -> bool {
    let id_ok = id == Some(defaults::ZVM_OIDC_CLIENT_ID);
    let secret_ok: bool = secret
        .unwrap_or_default()
        .as_bytes()
        .ct_eq(defaults::ZVM_OIDC_CLIENT_SECRET.as_bytes())
        .into();
    id_ok && secret_ok
}

/// ZVM-13: `POST /auth/realms/zerto/protocol/openid-connect/logout` with `client_id` and
/// `refresh_token`: `204`, and every access and refresh token of the realm session is refused
/// afterwards. Without `refresh_token` nothing is ended (`400`).
pub(crate) async fn logout(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match realm_form(&st, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let basic = basic_credentials(&headers).and_then(Result::ok);
    let client_id = field(&fields, "client_id").or(basic.as_ref().map(|(u, _)| u.as_str()));
    let client_known = match client_id {
        Some(defaults::ZVM_OIDC_PASSWORD_CLIENT) => true,
        Some(_) => client_ok(
            client_id,
            field(&fields, "client_secret").or(basic.as_ref().map(|(_, p)| p.as_str())),
        ),
        None => false,
    };
    if !client_known {
        return oidc_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        );
    }
    let Some(token) = field(&fields, "refresh_token") else {
        return missing_refresh_token();
    };
    let now = st.now_ms();
    {
        let mut store = st.zvm.lock();
        let Some((_, t)) = live_refresh(&mut store, token, now) else {
            return invalid_refresh_token();
        };
        // One pass over the tables: a logout is rare (most Appliance clients never log out).
        store.access.retain(|_, a| a.sid != t.sid);
        if !st.breaks.has(Break::ZvmKeycloakLogoutKeepsRefresh) {
            store.refresh.retain(|_, r| r.sid != t.sid);
        }
    }
    st.count(Product::Zvm, Count::Logout);
    tracing::info!("ZVM OIDC logout");
    StatusCode::NO_CONTENT.into_response()
}

/// The live refresh token that `token` names, and its key; an expired one is removed.
fn live_refresh(store: &mut ZvmStore, token: &str, now: u64) -> Option<(Token32, OidcToken)> {
    let key = decode_b64url::<32>(token)?;
    let t = store.refresh.get(&key).copied()?;
    if now >= t.expires_ms {
        store.refresh.remove(&key);
        return None;
    }
    Some((key, t))
}

/// A refresh or logout request without `refresh_token`.
fn missing_refresh_token() -> Response {
    oidc_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "Missing parameter: refresh_token",
    )
}

/// A refresh token that is unknown, expired or ended.
fn invalid_refresh_token() -> Response {
    oidc_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Invalid refresh token",
    )
}

/// The form of a request to the realm: `404` on a Windows ZVM, `400` when it is not UTF-8.
fn realm_form(
    st: &State,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, Response> {
    if let Some(resp) = windows_has_no_realm(st, headers) {
        return Err(resp);
    }
    form_fields(body).ok_or_else(|| {
        oidc_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openid_is_one_word_of_the_scope() {
        assert!(asks_openid(Some("openid")));
        assert!(asks_openid(Some("profile  openid email")));
        assert!(!asks_openid(Some("openidx profile")));
        assert!(!asks_openid(Some("")));
        assert!(!asks_openid(None));
    }
}
