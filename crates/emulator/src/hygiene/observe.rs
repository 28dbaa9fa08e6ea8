//! The observing layer: the outermost layer of each product's router. It classifies a request
//! (logon, refresh, logoff, call), hashes the credential it presents, reads the small form of a
//! token request and the token answer, and records arrival and answer in the [`Recorder`]. It
//! never changes an answer: a body it cannot read whole is passed on as it came.
//!
//! [`Recorder`]: super::Recorder

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State as AxState};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use http::{HeaderMap, Method, header};
use serde_json::Value;

use super::ledger::{Action, Arrival, Learned};
use crate::common::{basic_credentials, bearer};
use crate::state::{Product, State, decode_em_token};

/// A token answer is read up to this size; a larger one is passed on unread.
const ANSWER_LIMIT: usize = 256 * 1024;
/// A request body is hashed or parsed only when its declared length is at most this.
const BODY_LIMIT: u64 = 1024 * 1024;

const EM_TOKEN: &str = "x-restsvcsessionid";
const ZVM_TOKEN: &str = "x-zerto-session";

/// What a request is, by product, method and (normalised, lower-case) path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    EmLogon,
    EmLogout,
    EmJobAction,
    VbrToken,
    VbrLogout,
    VbrSpec,
    ZvmLogon,
    ZvmLogout,
    OidcToken,
    OidcLogout,
    Other,
}

fn classify(product: Product, method: &Method, path: &str) -> Route {
    let post = method == Method::POST;
    let delete = method == Method::DELETE;
    match product {
        Product::Em if post && path == "/api/sessionmngr" => Route::EmLogon,
        Product::Em if delete && path.starts_with("/api/logonsessions/") => Route::EmLogout,
        Product::Em if post && path.starts_with("/api/jobs/") => Route::EmJobAction,
        Product::Vbr if post && path == "/api/oauth2/token" => Route::VbrToken,
        Product::Vbr if post && path == "/api/oauth2/logout" => Route::VbrLogout,
        Product::Vbr if path.starts_with("/swagger/") => Route::VbrSpec,
        Product::Zvm if post && path == "/v1/session/add" => Route::ZvmLogon,
        Product::Zvm if delete && path == "/v1/session" => Route::ZvmLogout,
        Product::Zvm if post && path == crate::zvm::oidc::TOKEN_PATH => Route::OidcToken,
        Product::Zvm if post && path == crate::zvm::oidc::LOGOUT_PATH => Route::OidcLogout,
        _ => Route::Other,
    }
}

/// The path as shown in the report: an EM session id replaced by `{id}`, the query reduced to
/// `v` and `action`.
fn shown_path(route: Route, path: &str, query: Option<&str>) -> String {
    let mut shown = if route == Route::EmLogout || path.starts_with("/api/logonsessions/") {
        "/api/logonsessions/{id}".to_owned()
    } else {
        path.to_owned()
    };
    let kept: Vec<String> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k.eq_ignore_ascii_case("v") || k.eq_ignore_ascii_case("action"))
                .map(|(k, v)| {
                    let v: String = v.chars().take(16).collect();
                    format!("{k}={v}")
                })
                .collect()
        })
        .unwrap_or_default();
    if !kept.is_empty() {
        shown.push('?');
        shown.push_str(&kept.join("&"));
    }
    shown
}

/// A user name as the report shows it: at most 64 characters, control characters dropped.
fn shown_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// EM tokens: cookie values, then header values (EM-06).
fn em_tokens(headers: &HeaderMap) -> (Vec<String>, Vec<String>) {
    let mut cookies = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.split_once('=')
                && k.trim().eq_ignore_ascii_case(EM_TOKEN)
            {
                cookies.push(v.trim().trim_matches('"').to_owned());
            }
        }
    }
    let from_header = headers
        .get_all(EM_TOKEN)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    (cookies, from_header)
}

fn form(body: Option<&Bytes>) -> Vec<(String, String)> {
    body.map(|b| url::form_urlencoded::parse(b).into_owned().collect())
        .unwrap_or_default()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The `unique_name` and `exp` (seconds) of a JWT-shaped token's payload.
fn jwt_claims(token: &str) -> (Option<String>, Option<u64>) {
    let Some(payload) = token.split('.').nth(1) else {
        return (None, None);
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return (None, None);
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return (None, None);
    };
    (
        value["unique_name"].as_str().map(str::to_owned),
        value["exp"].as_u64(),
    )
}

/// A body whose stream fails at once, for an answer that could not be read whole.
fn broken_body() -> Body {
    Body::from_stream(futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "answer broken off",
        ))
    }))
}

/// The layer: records the request and its answer; the answer is returned unchanged.
pub(crate) async fn observe(
    AxState((st, product)): AxState<(Arc<State>, Product)>,
    req: Request,
    next: Next,
) -> Response {
    if !st.hygiene.enabled() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let route = classify(product, &parts.method, parts.uri.path());
    if route == Route::VbrSpec {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let non_idempotent = parts.method == Method::POST || parts.method == Method::PATCH;
    let wants_body = matches!(
        route,
        Route::VbrToken | Route::OidcToken | Route::OidcLogout | Route::EmJobAction | Route::Other
    ) && non_idempotent;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (body_bytes, body) = match declared {
        Some(n) if wants_body && n <= BODY_LIMIT => {
            match axum::body::to_bytes(body, usize::try_from(n).unwrap_or(0)).await {
                Ok(b) => (Some(b.clone()), Body::from(b)),
                Err(_) => (None, Body::empty()),
            }
        }
        _ => (None, body),
    };
    let rec = &st.hygiene;
    let headers = &parts.headers;
    let basic_user = match basic_credentials(headers) {
        Some(Ok((user, _password))) => Some(shown_name(&user)),
        _ => None,
    };
    let fields = form(body_bytes.as_ref());
    let mut cookie_mismatch = false;
    let credential: Option<String> = match product {
        Product::Em => {
            let (cookies, from_header) = em_tokens(headers);
            cookie_mismatch = !cookies.is_empty()
                && !from_header.is_empty()
                && cookies.iter().any(|c| !from_header.contains(c));
            cookies.into_iter().chain(from_header).next()
        }
        Product::Vbr => bearer(headers).map(str::to_owned),
        Product::Zvm => headers
            .get(ZVM_TOKEN)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| bearer(headers).map(str::to_owned)),
    };
    let grant = field(&fields, "grant_type").map(str::to_ascii_lowercase);
    let action = match route {
        Route::EmLogon | Route::ZvmLogon => Action::Logon {
            password: basic_user.is_some(),
            user: basic_user.clone(),
        },
        Route::VbrToken | Route::OidcToken => match grant.as_deref() {
            Some("password") => Action::Logon {
                user: field(&fields, "username").map(shown_name),
                password: true,
            },
            Some("refresh_token") => match field(&fields, "refresh_token") {
                Some(token) => Action::Refresh {
                    presented: rec.hash(token.trim()),
                    reuse_allowed: route == Route::OidcToken,
                },
                None => Action::Call,
            },
            Some("client_credentials") => Action::Logon {
                user: field(&fields, "client_id").map(shown_name),
                password: false,
            },
            _ => Action::Logon {
                user: None,
                password: false,
            },
        },
        Route::EmLogout => Action::Logout {
            refresh: None,
            em_target: parts
                .uri
                .path()
                .rsplit('/')
                .next()
                .and_then(|id| uuid::Uuid::parse_str(id.rsplit(':').next().unwrap_or(id)).ok())
                .map(|u| u.as_u128()),
        },
        Route::VbrLogout | Route::ZvmLogout => Action::Logout {
            refresh: None,
            em_target: None,
        },
        Route::OidcLogout => Action::Logout {
            refresh: field(&fields, "refresh_token").map(|t| rec.hash(t.trim())),
            em_target: None,
        },
        Route::EmJobAction | Route::Other | Route::VbrSpec => Action::Call,
    };
    let token_request = matches!(route, Route::VbrToken | Route::OidcToken);
    let request_key =
        (non_idempotent && matches!(route, Route::EmJobAction | Route::Other)).then(|| {
            rec.hash((
                parts.method.as_str(),
                parts.uri.path(),
                parts.uri.query().unwrap_or(""),
                body_bytes.as_deref().unwrap_or(&[]),
            ))
        });
    let arrival = Arrival {
        product,
        peer: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0),
        method: parts.method.to_string(),
        path: shown_path(route, parts.uri.path(), parts.uri.query()),
        credential: if token_request {
            None
        } else {
            credential.as_deref().map(|c| rec.hash(c))
        },
        missing_version: product == Product::Vbr && !headers.contains_key("x-api-version"),
        cookie_mismatch,
        request_key,
        starts_task: route == Route::EmJobAction,
        action,
    };
    let pending = rec.begin(arrival, st.now_ms(), st.lifetimes());

    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    let now = st.now_ms();
    let mut learned = Learned::default();
    let response = if status.is_success() {
        match route {
            Route::EmLogon | Route::ZvmLogon => {
                let name = if route == Route::EmLogon {
                    EM_TOKEN
                } else {
                    ZVM_TOKEN
                };
                if let Some(token) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
                    learned.credentials.push(rec.hash(token.trim()));
                    if route == Route::EmLogon
                        && let Some((key, _)) = decode_em_token(token)
                    {
                        learned.em_id = st.em.lock().by_token.get(&key).map(|s| s.id);
                    }
                }
                response
            }
            Route::VbrToken | Route::OidcToken => {
                let (head, body) = response.into_parts();
                match axum::body::to_bytes(body, ANSWER_LIMIT).await {
                    Ok(bytes) => {
                        learn_token_answer(
                            rec,
                            &bytes,
                            route == Route::OidcToken,
                            now,
                            &mut learned,
                        );
                        Response::from_parts(head, Body::from(bytes))
                    }
                    Err(_) => Response::from_parts(head, broken_body()),
                }
            }
            _ => response,
        }
    } else {
        response
    };
    rec.finish(pending, status.as_u16(), learned, now);
    response
}

/// What a token answer (VBR-02, ZVM-09) teaches: the tokens' hashes and expiries and the user.
fn learn_token_answer(
    rec: &super::Recorder,
    bytes: &[u8],
    oidc: bool,
    now: u64,
    learned: &mut Learned,
) {
    let Ok(answer) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    learned.oidc = oidc;
    if let Some(access) = answer["access_token"].as_str() {
        learned.credentials.push(rec.hash(access.trim()));
        if !oidc {
            learned.user = jwt_claims(access).0.as_deref().map(shown_name);
        }
    }
    learned.access_expires_ms = answer["expires_in"]
        .as_u64()
        .map(|s| now.saturating_add(s.saturating_mul(1000)));
    if let Some(refresh) = answer["refresh_token"].as_str() {
        let expires_ms = if oidc {
            answer["refresh_expires_in"]
                .as_u64()
                .map(|s| now.saturating_add(s.saturating_mul(1000)))
        } else {
            jwt_claims(refresh).1.map(|s| s.saturating_mul(1000))
        };
        learned.refresh = Some((rec.hash(refresh.trim()), expires_ms.unwrap_or(u64::MAX)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_hide_em_session_ids_and_most_of_the_query() {
        assert_eq!(
            shown_path(
                Route::EmLogout,
                "/api/logonsessions/3f2a0c8e-0000-4000-8000-000000000001",
                None
            ),
            "/api/logonsessions/{id}"
        );
        assert_eq!(
            shown_path(Route::Other, "/api/jobs/x", Some("action=start&secret=zz")),
            "/api/jobs/x?action=start"
        );
        assert_eq!(
            shown_path(Route::EmLogon, "/api/sessionmngr", Some("v=latest")),
            "/api/sessionmngr?v=latest"
        );
    }

    #[test]
    fn shown_names_are_short_and_printable() {
        assert_eq!(shown_name("admin"), "admin");
        assert_eq!(shown_name("a\nb\u{1b}c"), "abc");
        assert_eq!(shown_name(&"x".repeat(1000)).len(), 64);
    }

    #[test]
    fn routes_are_classified_by_product() {
        assert_eq!(
            classify(Product::Vbr, &Method::POST, "/api/oauth2/token"),
            Route::VbrToken
        );
        assert_eq!(
            classify(Product::Em, &Method::POST, "/api/oauth2/token"),
            Route::Other
        );
        assert_eq!(
            classify(Product::Zvm, &Method::DELETE, "/v1/session"),
            Route::ZvmLogout
        );
    }
}
