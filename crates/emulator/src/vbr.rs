//! Veeam Backup & Replication REST API: OAuth 2.0 tokens and `/api/v1` resources (VBR-01..VBR-12).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, Request, State as AxState};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::behaviour::VbrMissingVersion;
use crate::breaks::Break;
use crate::common::{admit, bearer, body_response, query_pairs};
use crate::config::{Vbr401Body, VbrRole};
use crate::defaults;
use crate::jobs::{run_status, start_run, stop_runs};
use crate::state::{
    Count, JobRun, Product, State, Token32, VbrAccess, VbrRefresh, b64url, decode_b64url, dur_ms,
    random_bytes, rfc3339,
};
use crate::vbr_models::Models;
use crate::vbr_revision::ApiRevision;
use crate::vbr_token::{self, Audience, TokenAnswer};

type St = AxState<Arc<State>>;

pub(crate) fn router(st: Arc<State>) -> Router {
    Router::new()
        .route("/api/oauth2/token", post(token))
        .route("/api/oauth2/authorization_code", post(authorization_code))
        .route("/api/oauth2/logout", post(logout))
        .route("/api/v1/serverinfo", get(server_info))
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}", get(get_job))
        .route("/api/v1/jobs/{id}/{action}", post(job_action))
        .route("/api/v1/sessions", get(list_sessions))
        .route("/api/v1/sessions/{id}", get(get_session))
        .route("/api/v1/backups", get(list_backups))
        .route("/api/v1/backups/{id}", get(get_backup))
        .route(
            "/api/v1/backupinfrastructure/repositories",
            get(list_repositories),
        )
        .route(
            "/api/v1/backupinfrastructure/repositories/{id}",
            get(get_repository),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The guard of every product, then the x-api-version check, in one layer.
        .layer(from_fn_with_state(st.clone(), guard_and_version_check))
        .layer(DefaultBodyLimit::max(st.limits.body_bytes))
        .with_state(st)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    body_response(status, "application/json; charset=utf-8", value.to_string())
}

/// The VBR error model `{errorCode, message, resourceId}` (VBR-07).
pub(crate) fn error_with(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"errorCode": code, "message": message, "resourceId": null}),
    )
}

/// The error for `status`, with the default error code; a 401 follows the VBR-12 setting.
pub(crate) fn error(st: &State, status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        400 | 413 | 415 | 431 => "UnexpectedContent",
        401 => "InvalidToken",
        403 => "AccessDenied",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        501 => "NotImplemented",
        503 => "ServiceUnavailable",
        _ => "UnknownError",
    };
    if status == StatusCode::UNAUTHORIZED {
        return unauthorized(st, code, message);
    }
    error_with(status, code, message)
}

/// A refused access token: JSON error model, or an empty body (VBR-12).
fn unauthorized(st: &State, code: &str, message: &str) -> Response {
    match *st.vbr_401.read() {
        Vbr401Body::Json => error_with(StatusCode::UNAUTHORIZED, code, message),
        Vbr401Body::Empty => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn not_found() -> Response {
    error_with(StatusCode::NOT_FOUND, "NotFound", "no such resource")
}

async fn method_not_allowed() -> Response {
    error_with(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "method not allowed on this resource",
    )
}

/// The guard of every product, then `x-api-version` (VBR-08).
async fn guard_and_version_check(AxState(st): St, req: Request, next: Next) -> Response {
    match admit(&st, Product::Vbr, &req) {
        Err(resp) => return resp,
        Ok(Some(delay)) => tokio::time::sleep(delay).await,
        Ok(None) => {}
    }
    let mut req = req;
    if st.breaks.has(Break::VbrVersionCheckedAfterCredentials)
        && req.uri().path() == "/api/oauth2/token"
    {
        // Broken on purpose: the grant is judged first, the version only after it.
        let headers = req.headers().clone();
        let resp = next.run(req).await;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return resp;
        }
        return match version_check(&st, &headers) {
            Err(refused) => refused,
            Ok(_) => resp,
        };
    }
    match version_check(&st, req.headers()) {
        Err(resp) => return resp,
        Ok(Some(revision)) => {
            req.extensions_mut().insert(revision);
        }
        Ok(None) => {}
    }
    next.run(req).await
}

/// Checks `x-api-version` (VBR-08, VBR-13) and gives the revision asked for, so that handlers
/// answer in that revision's models. Without the header the `vbr_missing_version` setting
/// decides: refused (default), or answered in the newest revision served.
fn version_check(st: &State, headers: &HeaderMap) -> Result<Option<ApiRevision>, Response> {
    let mut values = headers
        .get_all("x-api-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim);
    let Some(first) = values.next() else {
        return match st.behaviour().vbr_missing_version {
            VbrMissingVersion::Refuse => Err(unsupported_version(st)),
            VbrMissingVersion::Newest => Ok(st
                .vbr_versions
                .read()
                .iter()
                .filter_map(|v| v.parse::<ApiRevision>().ok())
                .max()),
        };
    };
    if values.any(|v| !v.eq_ignore_ascii_case(first)) {
        return Err(error_with(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "conflicting x-api-version headers",
        ));
    }
    let known = st
        .vbr_versions
        .read()
        .iter()
        .any(|s| s.eq_ignore_ascii_case(first));
    let broken_oldest =
        st.breaks.has(Break::VbrOldestRevisionRefused) && first.eq_ignore_ascii_case("1.0-rev1");
    if !known || broken_oldest {
        return Err(unsupported_version(st));
    }
    Ok(first.parse::<ApiRevision>().ok())
}

/// The answer to a missing or unsupported `x-api-version`, in the form a real server writes it
/// (VBR-08): `400`, `UnexpectedContent`, and a message naming every revision served.
fn unsupported_version(st: &State) -> Response {
    let served: Vec<String> = st
        .vbr_versions
        .read()
        .iter()
        .map(|v| format!("v{v}"))
        .collect();
    error_with(
        StatusCode::BAD_REQUEST,
        "UnexpectedContent",
        &format!(
            "Unsupported RESTAPI version. The following versions are supported: {}.",
            served.join(", ")
        ),
    )
}

/// Authenticates `Authorization: Bearer` (VBR-03, VBR-10, VBR-12).
fn authenticate(
    st: &State,
    headers: &HeaderMap,
) -> Result<(Token32, VbrAccess, VbrRole), Response> {
    let Some(token) = bearer(headers) else {
        return Err(unauthorized(
            st,
            "AccessDenied",
            "authorization is required: Authorization: Bearer <access_token>",
        ));
    };
    let Some(key) = vbr_token::key_of(token) else {
        return Err(unauthorized(
            st,
            "InvalidToken",
            "the access token is not valid",
        ));
    };
    let now = st.now_ms();
    let accept_expired = st.breaks.has(Break::VbrBearerAcceptedAfterExpiry);
    let access = {
        let mut store = st.vbr.lock();
        match store.access.get(&key).copied() {
            None => None,
            Some(a) if now >= a.expires_ms && !accept_expired => {
                store.access.remove(&key);
                return Err(unauthorized(
                    st,
                    "ExpiredToken",
                    "the access token has expired",
                ));
            }
            Some(a) => Some(a),
        }
    };
    let Some(access) = access else {
        return Err(unauthorized(
            st,
            "InvalidToken",
            "the access token is not valid",
        ));
    };
    // The role is read under the lock: no copy of the account per request.
    let role = st
        .users
        .read()
        .get(access.user as usize)
        .and_then(Option::as_ref)
        .and_then(|u| u.vbr_role);
    match role {
        Some(role) => Ok((key, access, role)),
        None => Err(unauthorized(
            st,
            "InvalidToken",
            "the account no longer exists",
        )),
    }
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
    let access = vbr_token::encode(
        &access_key,
        Audience::Access,
        &name,
        now,
        access_expires,
        short,
    );
    let refresh = vbr_token::encode(
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
        issued: vbr_token::iso8601(now),
        expires: vbr_token::iso8601(access_expires),
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
async fn token(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
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
            let entry = vbr_token::key_of(token).and_then(|k| {
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
async fn authorization_code(AxState(st): St, req: Request) -> Response {
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
async fn logout(AxState(st): St, headers: HeaderMap) -> Response {
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

/// The revision's models for a request (VBR-13; see [`Models`]).
fn models(st: &State, rev: Option<Extension<ApiRevision>>) -> Models {
    Models::for_request(st, rev.map(|Extension(r)| r))
}

async fn server_info(
    AxState(st): St,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let body = models(&st, rev).server_info(&st);
    body_response(StatusCode::OK, "application/json; charset=utf-8", body)
}

/// Paging and common filters of a list (`skip`, `limit`, `orderColumn`, `orderAsc`, `nameFilter`).
struct ListQuery {
    skip: usize,
    limit: Option<usize>,
    order_column: Option<String>,
    order_asc: bool,
    name_filter: Option<String>,
    pairs: Vec<(String, String)>,
}

fn list_query(req: &Request) -> Result<ListQuery, Response> {
    let pairs = query_pairs(req.uri());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let number = |k: &str| -> Result<Option<usize>, Response> {
        match get(k) {
            None => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                error_with(
                    StatusCode::BAD_REQUEST,
                    "UnexpectedContent",
                    &format!("{k} must be a non-negative integer"),
                )
            }),
        }
    };
    let skip = number("skip")?.unwrap_or(0);
    let limit = number("limit")?;
    let order_asc = match get("orderAsc") {
        None => true,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return Err(error_with(
                StatusCode::BAD_REQUEST,
                "UnexpectedContent",
                "orderAsc must be true or false",
            ));
        }
    };
    Ok(ListQuery {
        skip,
        limit,
        order_column: get("orderColumn"),
        order_asc,
        name_filter: get("nameFilter"),
        pairs,
    })
}

impl ListQuery {
    fn get(&self, k: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }

    /// Filters by name, orders, and pages `items`; answers `{data, pagination}`.
    fn page(&self, mut items: Vec<Value>, columns: &[(&str, &str)]) -> Response {
        if let Some(filter) = &self.name_filter {
            items.retain(|v| wildcard(filter, v["name"].as_str().unwrap_or("")));
        }
        if let Some(col) = &self.order_column {
            let Some((_, field)) = columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(col)) else {
                return error_with(
                    StatusCode::BAD_REQUEST,
                    "UnexpectedContent",
                    "unknown orderColumn",
                );
            };
            items.sort_by(|a, b| {
                let key = |v: &Value| match &v[*field] {
                    Value::String(s) => s.to_ascii_lowercase(),
                    other => other.to_string(),
                };
                key(a).cmp(&key(b))
            });
            if !self.order_asc {
                items.reverse();
            }
        }
        let total = items.len();
        let data: Vec<Value> = items
            .into_iter()
            .skip(self.skip)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect();
        let mut pagination = json!({"total": total, "count": data.len(), "skip": self.skip});
        if let Some(limit) = self.limit {
            pagination["limit"] = json!(limit);
        }
        json_response(
            StatusCode::OK,
            &json!({"data": data, "pagination": pagination}),
        )
    }
}

/// `*` wildcard match without regard to case.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return t == p;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

async fn list_jobs(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let m = models(
        &st,
        req.extensions()
            .get::<ApiRevision>()
            .copied()
            .map(Extension),
    );
    let mut items: Vec<Value> = st.inventory.jobs.iter().map(|j| m.job(&st, j)).collect();
    if let Some(want) = q.get("typeFilter") {
        items.retain(|v| {
            v["type"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
        });
    }
    q.page(
        items,
        &[
            ("Name", "name"),
            ("Type", "type"),
            ("Description", "description"),
        ],
    )
}

fn bad_id() -> Response {
    error_with(StatusCode::NOT_FOUND, "NotFound", "no object with this id")
}

async fn get_job(
    AxState(st): St,
    Path(id): Path<String>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st.inventory.job(&id) {
        Some(job) => json_response(StatusCode::OK, &models(&st, rev).job(&st, job)),
        None => bad_id(),
    }
}

fn session_json(st: &State, run: &JobRun, now: u64) -> Value {
    let job = &st.inventory.jobs[run.job.min(st.inventory.jobs.len().saturating_sub(1))];
    let (state, result, progress) = run_status(st, run, now);
    let mut v = json!({
        "id": run.id,
        "name": job.name,
        "jobId": job.id,
        "activityId": run.id,
        "sessionType": if job.kind == "VSphereReplica" { "ReplicaJob" } else { "BackupJob" },
        "creationTime": rfc3339(run.started_ms),
        "state": state,
        "progressPercent": progress,
        "result": {
            "result": result,
            "message": match result.as_str() {
                "Failed" if run.stopped_ms.is_some() => "Stopped by user",
                "Failed" => "Processing failed",
                "Warning" => "Processing finished with warnings",
                _ => "",
            },
            "isCanceled": run.stopped_ms.is_some_and(|s| now >= s),
        },
        "resourceId": job.id,
        "resourceReference": format!("/api/v1/jobs/{}", job.id),
        "usn": run.started_ms,
    });
    if state == "Stopped" {
        let end = run
            .stopped_ms
            .unwrap_or(run.started_ms + job.duration_secs * 1000);
        v["endTime"] = json!(rfc3339(end));
    }
    v
}

/// `POST /api/v1/jobs/{id}/start|stop|retry` → `201` with a session.
async fn job_action(
    AxState(st): St,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (_, _, role) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !matches!(action.as_str(), "start" | "stop" | "retry") {
        return error_with(StatusCode::NOT_FOUND, "NotFound", "no such action");
    }
    let Some(index) = st
        .inventory
        .jobs
        .iter()
        .position(|j| j.id.eq_ignore_ascii_case(&id))
    else {
        return bad_id();
    };
    if role != VbrRole::Administrator {
        return error_with(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "the account may not run job actions",
        );
    }
    let job = &st.inventory.jobs[index];
    let now = st.now_ms();
    let run = match action.as_str() {
        "stop" => match stop_runs(&st, index, now) {
            Some(run) => run,
            None => {
                return error_with(
                    StatusCode::BAD_REQUEST,
                    "UnexpectedContent",
                    "the job is not running",
                );
            }
        },
        _ => {
            if job.disabled {
                return error_with(
                    StatusCode::BAD_REQUEST,
                    "UnexpectedContent",
                    "the job is disabled",
                );
            }
            start_run(&st, index, now)
        }
    };
    json_response(StatusCode::CREATED, &session_json(&st, &run, now))
}

async fn list_sessions(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let now = st.now_ms();
    let runs = st.runs.lock().clone();
    let mut items: Vec<Value> = runs
        .iter()
        .rev()
        .map(|r| session_json(&st, r, now))
        .collect();
    for (param, field) in [
        ("typeFilter", "sessionType"),
        ("stateFilter", "state"),
        ("jobIdFilter", "jobId"),
    ] {
        if let Some(want) = q.get(param) {
            items.retain(|v| {
                v[field]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(want))
            });
        }
    }
    if let Some(want) = q.get("resultFilter") {
        items.retain(|v| {
            v["result"]["result"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
        });
    }
    q.page(
        items,
        &[
            ("Name", "name"),
            ("SessionType", "sessionType"),
            ("CreationTime", "creationTime"),
            ("EndTime", "endTime"),
            ("State", "state"),
            ("Result", "result"),
        ],
    )
}

async fn get_session(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let now = st.now_ms();
    let run = st
        .runs
        .lock()
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(&id))
        .cloned();
    match run {
        Some(run) => json_response(StatusCode::OK, &session_json(&st, &run, now)),
        None => bad_id(),
    }
}

async fn list_backups(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let m = models(
        &st,
        req.extensions()
            .get::<ApiRevision>()
            .copied()
            .map(Extension),
    );
    let mut items: Vec<Value> = st
        .inventory
        .backups
        .iter()
        .map(|b| m.backup(&st, b))
        .collect();
    if let Some(want) = q.get("jobIdFilter") {
        items.retain(|v| {
            v["jobId"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
        });
    }
    q.page(items, &[("Name", "name"), ("CreationTime", "creationTime")])
}

async fn get_backup(
    AxState(st): St,
    Path(id): Path<String>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st
        .inventory
        .backups
        .iter()
        .find(|b| b.id.eq_ignore_ascii_case(&id))
    {
        Some(b) => json_response(StatusCode::OK, &models(&st, rev).backup(&st, b)),
        None => bad_id(),
    }
}

async fn list_repositories(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let m = models(
        &st,
        req.extensions()
            .get::<ApiRevision>()
            .copied()
            .map(Extension),
    );
    let mut items: Vec<Value> = st
        .inventory
        .repositories
        .iter()
        .map(|r| m.repository(&st, r))
        .collect();
    if let Some(want) = q.get("typeFilter") {
        items.retain(|v| {
            v["type"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
        });
    }
    q.page(
        items,
        &[
            ("Name", "name"),
            ("Description", "description"),
            ("Type", "type"),
            ("Host", "hostName"),
            ("Path", "path"),
        ],
    )
}

async fn get_repository(
    AxState(st): St,
    Path(id): Path<String>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st
        .inventory
        .repositories
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(&id))
    {
        Some(r) => json_response(StatusCode::OK, &models(&st, rev).repository(&st, r)),
        None => bad_id(),
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn name_filter_wildcards() {
        assert!(wildcard("backup*", "Backup Job 01"));
        assert!(wildcard("*job 0?", "Backup Job 0?"));
        assert!(wildcard("*Job*", "Backup Job 01"));
        assert!(wildcard("Backup Job 01", "backup job 01"));
        assert!(!wildcard("Backup", "Backup Job 01"));
        assert!(!wildcard("*copy*", "Backup Job 01"));
        assert!(wildcard("a*b*c", "aXbYc"));
        assert!(!wildcard("a*b*c", "aXcYb"));
    }
}
