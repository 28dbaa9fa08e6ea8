//! The form of VBR's OAuth2 answers (VBR-02): JWT-shaped access and refresh tokens, and the
//! token answer with its fields in the reference's order and its times in ISO 8601 with a UTC
//! offset.
//!
//! A token is `header.payload.signature`, each part base64url without padding, like the
//! reference's sample. The emulator signs nothing: the third part is the 32 random bytes that key
//! the token in the store, so a token is found again by its last part only and a changed header
//! or payload grants nothing the key does not.
//!
//! The OAuth 2.0 endpoints live here too: `POST /api/oauth2/token` (the password,
//! refresh_token, authorization_code and vbr_token grants), `/api/oauth2/authorization_code`
//! and `/api/oauth2/logout` (VBR-01, VBR-02, VBR-04..VBR-06, VBR-09..VBR-11, VBR-14).

use axum::body::Bytes;
use axum::extract::{Request, State as AxState};
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::breaks::Break;
use crate::common::body_response;
use crate::defaults;
use crate::state::{
    Count, Product, State, Token32, VbrAccess, VbrRefresh, b64url, decode_b64url, dur_ms,
    random_bytes,
};

use super::auth::authenticate;
use super::revision::ApiRevision;
use super::{St, error, error_with, json_response, not_found};

/// Which of the two tokens a JWT-shaped string is (`aud` of the payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// An access token (`Authorization: Bearer`).
    Access,
    /// A refresh token (`grant_type=refresh_token`).
    Refresh,
}

/// The fixed header of every token: an RS512-style header, like the reference's sample.
const HEADER: &str = r#"{"alg":"RS512","typ":"JWT"}"#;

#[derive(Serialize)]
struct Payload<'a> {
    unique_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_term_expiration: Option<&'static str>,
    nbf: u64,
    exp: u64,
    iat: u64,
    aud: &'static str,
}

/// A JWT-shaped token for `key`: `user` and the times (milliseconds since the epoch) go into the
/// payload as a real server's do.
pub(crate) fn encode(
    key: &Token32,
    audience: Audience,
    user: &str,
    issued_ms: u64,
    expires_ms: u64,
    short: bool,
) -> String {
    let payload = Payload {
        unique_name: user,
        short_term_expiration: match audience {
            Audience::Access => None,
            Audience::Refresh => Some(if short { "True" } else { "False" }),
        },
        nbf: issued_ms / 1000,
        exp: expires_ms / 1000,
        iat: issued_ms / 1000,
        aud: match audience {
            Audience::Access => "access",
            Audience::Refresh => "refresh",
        },
    };
    let payload = serde_json::to_vec(&payload).unwrap_or_default();
    format!(
        "{}.{}.{}",
        b64url(HEADER.as_bytes()),
        b64url(&payload),
        b64url(key)
    )
}

/// The store key of a JWT-shaped token: its third part, when the token has exactly three
/// non-empty base64url parts and the third is 32 bytes. Anything else is no token.
pub(crate) fn key_of(token: &str) -> Option<Token32> {
    let token = token.trim();
    // A real token is a few kilobytes at most; refuse anything far larger without parsing it.
    if token.len() > 16 * 1024 {
        return None;
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let base64url = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !base64url(header) || !base64url(payload) {
        return None;
    }
    decode_b64url::<32>(signature)
}

/// A time as the reference's sample writes `.issued` / `.expires`: ISO 8601 to the second with
/// a UTC offset (`2022-04-24T14:24:18+00:00`).
pub(crate) fn iso8601(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// The token answer, its fields in the reference's order (VBR-02).
#[derive(Serialize)]
pub(crate) struct TokenAnswer<'a> {
    pub access_token: &'a str,
    pub token_type: &'static str,
    pub refresh_token: &'a str,
    pub expires_in: u64,
    #[serde(rename = ".issued")]
    pub issued: String,
    #[serde(rename = ".expires")]
    pub expires: String,
}

fn form_fields(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    if is_json {
        let value: Value = serde_json::from_slice(body).map_err(|_| {
            error_with(
                StatusCode::BAD_REQUEST,
                "UnexpectedContent",
                "the body is not valid JSON; send application/x-www-form-urlencoded",
            )
        })?;
        let Value::Object(map) = value else {
            return Err(error_with(
                StatusCode::BAD_REQUEST,
                "UnexpectedContent",
                "the body must be a form or a JSON object",
            ));
        };
        return Ok(map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect());
    }
    if std::str::from_utf8(body).is_err() {
        return Err(error_with(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "the body is not valid UTF-8",
        ));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// The value of form field `name`; an empty value counts as absent (VBR-14: the vendor's
/// Swagger UI sends every optional field, empty).
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// A malformed or incomplete token request: `400` with the error model (VBR-07).
fn bad_request(st: &State, message: &str) -> Response {
    if st.breaks.has(Break::VbrBadRequestWithoutErrorCode) {
        return json_response(StatusCode::BAD_REQUEST, &json!({"message": message}));
    }
    error_with(StatusCode::BAD_REQUEST, "UnexpectedContent", message)
}

fn missing(st: &State, name: &str) -> Response {
    bad_request(st, &format!("the {name} field is required"))
}

/// Issues an access and a refresh token for `user` (VBR-02, VBR-04).
fn issue(st: &State, user: u32, short: bool) -> Response {
    let short = short && !st.breaks.has(Break::VbrShortTermRefreshIgnored);
    let now = st.now_ms();
    let lt = st.lifetimes();
    let access_ms = dur_ms(lt.vbr_access);
    let refresh_ms = if short {
        access_ms.saturating_add(dur_ms(lt.vbr_short_refresh_extra))
    } else {
        dur_ms(lt.vbr_refresh)
    };
    let access_key: Token32 = random_bytes();
    let refresh_key: Token32 = random_bytes();
    let access_expires = now.saturating_add(access_ms);
    let refresh_expires = now.saturating_add(refresh_ms);
    let Some(name) = st.user(user).map(|u| u.name) else {
        return error_with(
            StatusCode::UNAUTHORIZED,
            "InvalidToken",
            "the account no longer exists",
        );
    };
    {
        let mut store = st.vbr.lock();
        if store.access.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.vbr.lock();
            if store.access.len() >= st.limits.session_cap {
                return error_with(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "too many sessions: the token table is full",
                );
            }
        }
        store.access.insert(
            access_key,
            VbrAccess {
                user,
                expires_ms: access_expires,
                refresh: refresh_key,
            },
        );
        store.refresh.insert(
            refresh_key,
            VbrRefresh {
                user,
                expires_ms: refresh_expires,
                short,
            },
        );
    }
    let access = encode(
        &access_key,
        Audience::Access,
        &name,
        now,
        access_expires,
        short,
    );
    let refresh = encode(
        &refresh_key,
        Audience::Refresh,
        &name,
        now,
        refresh_expires,
        short,
    );
    let answer = TokenAnswer {
        access_token: &access,
        token_type: "bearer",
        refresh_token: &refresh,
        expires_in: lt.vbr_access.as_secs(),
        issued: iso8601(now),
        expires: iso8601(access_expires),
    };
    let body = if st.breaks.has(Break::VbrTokenAnswerWithoutTimes) {
        json!({
            "access_token": answer.access_token,
            "token_type": answer.token_type,
            "refresh_token": answer.refresh_token,
            "expires_in": answer.expires_in,
        })
        .to_string()
    } else {
        match serde_json::to_string(&answer) {
            Ok(body) => body,
            Err(_) => return error(st, StatusCode::INTERNAL_SERVER_ERROR, "cannot serialise"),
        }
    };
    body_response(StatusCode::OK, "application/json; charset=utf-8", body)
}

fn is_true(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.trim().eq_ignore_ascii_case("true") || v.trim() == "1")
}

/// `POST /api/oauth2/token` (VBR-01, 02, 04, 05, 09, 10, 11, 14).
///
/// An `Authorization` header sent with the grant is ignored (VBR-14), and so are empty optional
/// fields.
pub(super) async fn token(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match form_fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if st.breaks.has(Break::VbrEmptyFieldsRefused)
        && let Some((name, _)) = fields.iter().find(|(_, v)| v.is_empty())
    {
        let name: String = name.chars().take(32).collect();
        return bad_request(
            &st,
            &format!("the {} field is empty", name.escape_default()),
        );
    }
    let Some(grant) = field(&fields, "grant_type") else {
        return missing(&st, "grant_type");
    };
    let short = is_true(field(&fields, "use_short_term_refresh"));
    let now = st.now_ms();
    // VBR-11: grant types without regard to case.
    let grant = grant.trim();
    let lower = grant.to_ascii_lowercase();
    let lower = if st.breaks.has(Break::VbrGrantTypeCaseSensitive) && lower != grant {
        String::new()
    } else {
        lower
    };
    match lower.as_str() {
        "password" => {
            let Some(name) = field(&fields, "username") else {
                return missing(&st, "username");
            };
            let Some(password) = field(&fields, "password") else {
                return missing(&st, "password");
            };
            let Some((index, user)) = st
                .authenticate(name, password)
                .filter(|(_, u)| u.vbr_role.is_some())
            else {
                st.count(Product::Vbr, Count::FailedLogon);
                tracing::info!("VBR logon refused: wrong credentials");
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "AccessDenied",
                    "wrong user name or password",
                );
            };
            if user.mfa && !st.breaks.has(Break::VbrMfaAccountAccepted) {
                // VBR-09: the REST API has no second factor; such accounts cannot log on.
                st.count(Product::Vbr, Count::FailedLogon);
                tracing::info!(user = %user.name, "VBR logon refused: MFA is enabled");
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "AccessDenied",
                    "multi-factor authentication (MFA) is enabled for this account; the REST API \
                     does not support MFA: use an account with MFA turned off",
                );
            }
            let resp = issue(&st, index, short);
            if resp.status() == StatusCode::OK {
                st.count(Product::Vbr, Count::Logon);
                tracing::info!(user = %user.name, "VBR logon");
            }
            resp
        }
        "refresh_token" => {
            let Some(token) = field(&fields, "refresh_token") else {
                return missing(&st, "refresh_token");
            };
            // VBR-10: single use; removed whether or not it is still valid.
            let reusable = st.breaks.has(Break::VbrReusableRefreshToken);
            let entry = key_of(token).and_then(|k| {
                let mut store = st.vbr.lock();
                if reusable {
                    store.refresh.get(&k).copied()
                } else {
                    store.refresh.remove(&k)
                }
            });
            let Some(entry) = entry else {
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "InvalidToken",
                    "the refresh token is not valid or was already used",
                );
            };
            if now >= entry.expires_ms {
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "ExpiredToken",
                    "the refresh token has expired",
                );
            }
            if st.user(entry.user).is_none_or(|u| u.vbr_role.is_none()) {
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "InvalidToken",
                    "the account no longer exists",
                );
            }
            let resp = issue(&st, entry.user, short || entry.short);
            if resp.status() == StatusCode::OK {
                st.count(Product::Vbr, Count::Refresh);
            }
            resp
        }
        // Still accepted in the 1.3 revisions: only the path that makes codes is gone (VBR-05).
        "authorization_code" => {
            let Some(code) = field(&fields, "code") else {
                return missing(&st, "code");
            };
            let entry = decode_b64url::<32>(code).and_then(|k| st.vbr.lock().codes.remove(&k));
            match entry {
                Some((user, expires)) if now < expires => {
                    let resp = issue(&st, user, short);
                    if resp.status() == StatusCode::OK {
                        st.count(Product::Vbr, Count::Logon);
                    }
                    resp
                }
                Some(_) => {
                    st.count(Product::Vbr, Count::FailedLogon);
                    error_with(
                        StatusCode::UNAUTHORIZED,
                        "ExpiredToken",
                        "the authorization code has expired",
                    )
                }
                None => {
                    st.count(Product::Vbr, Count::FailedLogon);
                    error_with(
                        StatusCode::UNAUTHORIZED,
                        "InvalidToken",
                        "the authorization code is not valid or was already used",
                    )
                }
            }
        }
        // Deprecated from 1.3-rev0 (the field is marked deprecated; the grant type stays in the
        // 1.3 enumerations), so still accepted (VBR-05).
        "vbr_token" => {
            let Some(token) = field(&fields, "vbr_token") else {
                return missing(&st, "vbr_token");
            };
            let ok: bool = token
                .as_bytes()
                .ct_eq(defaults::VBR_TOKEN.as_bytes())
                .into();
            let ok = ok && !st.breaks.has(Break::VbrTokenGrantRefused);
            let admin = st.users.read().iter().position(|u| {
                u.as_ref().is_some_and(|u| {
                    u.name.eq_ignore_ascii_case(defaults::ADMIN_USER) && u.vbr_role.is_some()
                })
            });
            match (ok, admin.and_then(|i| u32::try_from(i).ok())) {
                (true, Some(index)) => {
                    let resp = issue(&st, index, short);
                    if resp.status() == StatusCode::OK {
                        st.count(Product::Vbr, Count::Logon);
                    }
                    resp
                }
                _ => {
                    st.count(Product::Vbr, Count::FailedLogon);
                    error_with(
                        StatusCode::UNAUTHORIZED,
                        "AccessDenied",
                        "the vbr_token is not valid",
                    )
                }
            }
        }
        _ => bad_request(
            &st,
            "unsupported grant_type (password, refresh_token, authorization_code, vbr_token)",
        ),
    }
}

/// `POST /api/oauth2/authorization_code` (VBR-05): up to revision 1.2-rev1; the 1.3 revisions
/// have no such path (404).
pub(super) async fn authorization_code(AxState(st): St, req: Request) -> Response {
    let revision = req.extensions().get::<ApiRevision>().copied();
    if revision.is_some_and(|r| r.at_least(1, 3)) && !st.breaks.has(Break::VbrAuthorizationCodeOn13)
    {
        return not_found().await;
    }
    let (_, access, _) = match authenticate(&st, req.headers()) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let key: Token32 = random_bytes();
    let expires = st.now_ms().saturating_add(dur_ms(st.lifetimes().vbr_code));
    {
        let mut store = st.vbr.lock();
        if store.codes.len() >= st.limits.session_cap {
            return error_with(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "too many authorization codes",
            );
        }
        store.codes.insert(key, (access.user, expires));
    }
    json_response(StatusCode::OK, &json!({"code": b64url(&key)}))
}

/// `POST /api/oauth2/logout` → `{ }`, both tokens revoked (VBR-06).
pub(super) async fn logout(AxState(st): St, headers: HeaderMap) -> Response {
    let (key, access, _) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    {
        let mut store = st.vbr.lock();
        store.access.remove(&key);
        if !st.breaks.has(Break::VbrLogoutKeepsRefreshToken) {
            store.refresh.remove(&access.refresh);
        }
    }
    st.count(Product::Vbr, Count::Logout);
    tracing::info!("VBR logout");
    body_response(
        StatusCode::OK,
        "application/json; charset=utf-8",
        "{ }".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::random_bytes;

    #[test]
    fn tokens_are_jwt_shaped_and_keyed_by_their_last_part() {
        let key: Token32 = random_bytes();
        let t = encode(
            &key,
            Audience::Access,
            "admin",
            1_650_810_258_000,
            1_650_811_158_000,
            false,
        );
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
                .unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(payload["aud"], "access");
        assert_eq!(payload["exp"], 1_650_811_158_u64);
        assert_eq!(key_of(&t), Some(key));
        let r = encode(&key, Audience::Refresh, "admin", 0, 1, true);
        assert!(r.contains('.'));
        assert_eq!(key_of(&r), Some(key));
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            ".b.c",
            "a..c",
            "a.b.",
            "a+b.c.d",
            &b64url(&key),
            "eyJhbGciOiJub25lIn0.cmVzdHBvaW50LW1hZGUtdXA.bm90LWlzc3VlZA",
        ] {
            assert_eq!(key_of(bad), None, "{bad:?}");
        }
        assert_eq!(key_of(&format!("a.b.{}", "A".repeat(20_000))), None);
    }

    #[test]
    fn times_have_seconds_and_an_offset_like_the_sample() {
        assert_eq!(iso8601(1_650_810_258_999), "2022-04-24T14:24:18+00:00");
        assert!(chrono::DateTime::parse_from_rfc3339(&iso8601(0)).is_ok());
    }

    #[test]
    fn the_answer_keeps_the_reference_order() {
        let a = TokenAnswer {
            access_token: "a.b.c",
            token_type: "bearer",
            refresh_token: "d.e.f",
            expires_in: 900,
            issued: iso8601(0),
            expires: iso8601(900_000),
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"access_token":"a.b.c","token_type":"bearer","refresh_token":"d.e.f","expires_in":900,".issued":"1970-01-01T00:00:00+00:00",".expires":"1970-01-01T00:15:00+00:00"}"#
        );
    }
}
