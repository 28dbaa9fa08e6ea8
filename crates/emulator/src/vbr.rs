//! Veeam Backup & Replication REST API: OAuth 2.0 tokens and `/api/v1` resources (VBR-01..VBR-12).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State as AxState};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::common::{admit, bearer, body_response, query_pairs};
use crate::config::{Vbr401Body, VbrRole};
use crate::defaults;
use crate::jobs::{run_status, start_run, stop_runs};
use crate::state::{
    Count, JobRun, Product, State, Token32, VbrAccess, VbrRefresh, b64url, decode_b64url, dur_ms,
    random_bytes, rfc3339,
};
use crate::vbr_revision::ApiRevision;

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

/// VBR-08: `x-api-version` is required and must be a supported revision.
async fn guard_and_version_check(AxState(st): St, req: Request, next: Next) -> Response {
    match admit(&st, Product::Vbr, &req) {
        Err(resp) => return resp,
        Ok(Some(delay)) => tokio::time::sleep(delay).await,
        Ok(None) => {}
    }
    let mut req = req;
    if let Err(resp) = version_check(&st, &mut req) {
        return resp;
    }
    next.run(req).await
}

/// Checks `x-api-version` and records the revision asked for in the request's extensions
/// ([`ApiRevision`]), so that handlers answer in that revision's models (VBR-13).
fn version_check(st: &State, req: &mut Request) -> Result<(), Response> {
    let mut values = req
        .headers()
        .get_all("x-api-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim);
    let Some(first) = values.next() else {
        return Err(error_with(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "the x-api-version header is required, e.g. x-api-version: 1.2-rev1",
        ));
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
    if !known {
        let supported = st.vbr_versions.read().clone();
        let shown: String = first.chars().take(32).collect();
        return Err(error_with(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            &format!(
                "x-api-version '{}' is not supported; supported: {}",
                shown.escape_default(),
                supported.join(", ")
            ),
        ));
    }
    if let Ok(revision) = first.parse::<ApiRevision>() {
        req.extensions_mut().insert(revision);
    }
    Ok(())
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
    let Some(key) = decode_b64url::<32>(token) else {
        return Err(unauthorized(
            st,
            "InvalidToken",
            "the access token is not valid",
        ));
    };
    let now = st.now_ms();
    let access = {
        let mut store = st.vbr.lock();
        match store.access.get(&key).copied() {
            None => None,
            Some(a) if now >= a.expires_ms => {
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

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn missing(name: &str) -> Response {
    error_with(
        StatusCode::BAD_REQUEST,
        "UnexpectedContent",
        &format!("the {name} field is required"),
    )
}

/// Issues an access and a refresh token for `user`.
fn issue(st: &State, user: u32, short: bool) -> Response {
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
                expires_ms: now.saturating_add(access_ms),
                refresh: refresh_key,
            },
        );
        store.refresh.insert(
            refresh_key,
            VbrRefresh {
                user,
                expires_ms: now.saturating_add(refresh_ms),
                short,
            },
        );
    }
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": b64url(&access_key),
            "token_type": "bearer",
            "refresh_token": b64url(&refresh_key),
            "expires_in": lt.vbr_access.as_secs(),
            ".issued": rfc3339(now),
            ".expires": rfc3339(now.saturating_add(access_ms)),
        }),
    )
}

fn is_true(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.trim().eq_ignore_ascii_case("true") || v.trim() == "1")
}

/// `POST /api/oauth2/token` (VBR-01, 02, 04, 05, 09, 10, 11).
async fn token(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match form_fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(grant) = field(&fields, "grant_type") else {
        return missing("grant_type");
    };
    let short = is_true(field(&fields, "use_short_term_refresh"));
    let now = st.now_ms();
    // VBR-11: grant types without regard to case.
    match grant.trim().to_ascii_lowercase().as_str() {
        "password" => {
            let Some(name) = field(&fields, "username") else {
                return missing("username");
            };
            let Some(password) = field(&fields, "password") else {
                return missing("password");
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
            if user.mfa {
                // VBR-09: the first step answers with an mfa_token only.
                let key: Token32 = random_bytes();
                let expires = now.saturating_add(dur_ms(st.lifetimes().vbr_code));
                {
                    let mut store = st.vbr.lock();
                    if store.mfa.len() >= st.limits.session_cap {
                        return error_with(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "ServiceUnavailable",
                            "too many pending logons",
                        );
                    }
                    store.mfa.insert(key, (index, expires));
                }
                return json_response(StatusCode::OK, &json!({"mfa_token": b64url(&key)}));
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
                return missing("refresh_token");
            };
            // VBR-10: single use; removed whether or not it is still valid.
            let entry = decode_b64url::<32>(token).and_then(|k| st.vbr.lock().refresh.remove(&k));
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
        "authorization_code" => {
            let Some(code) = field(&fields, "code") else {
                return missing("code");
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
        "vbr_token" => {
            let Some(token) = field(&fields, "vbr_token") else {
                return missing("vbr_token");
            };
            let ok: bool = token
                .as_bytes()
                .ct_eq(defaults::VBR_TOKEN.as_bytes())
                .into();
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
        "mfa" => {
            let Some(token) = field(&fields, "mfa_token") else {
                return missing("mfa_token");
            };
            let Some(code) = field(&fields, "mfa_code") else {
                return missing("mfa_code");
            };
            let Some(key) = decode_b64url::<32>(token) else {
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "InvalidToken",
                    "the mfa_token is not valid",
                );
            };
            let entry = st.vbr.lock().mfa.get(&key).copied();
            let Some((user, expires)) = entry else {
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "InvalidToken",
                    "the mfa_token is not valid or was already used",
                );
            };
            if now >= expires {
                st.vbr.lock().mfa.remove(&key);
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "ExpiredToken",
                    "the mfa_token has expired",
                );
            }
            let code_ok: bool = code
                .trim()
                .as_bytes()
                .ct_eq(defaults::MFA_CODE.as_bytes())
                .into();
            if !code_ok {
                st.count(Product::Vbr, Count::FailedLogon);
                return error_with(
                    StatusCode::UNAUTHORIZED,
                    "AccessDenied",
                    "the one-time code is wrong",
                );
            }
            st.vbr.lock().mfa.remove(&key);
            let resp = issue(&st, user, short);
            if resp.status() == StatusCode::OK {
                st.count(Product::Vbr, Count::Logon);
            }
            resp
        }
        _ => error_with(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "unsupported grant_type (password, refresh_token, authorization_code, vbr_token, mfa)",
        ),
    }
}

/// `POST /api/oauth2/authorization_code` (VBR-05).
async fn authorization_code(AxState(st): St, headers: HeaderMap) -> Response {
    let (_, access, _) = match authenticate(&st, &headers) {
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
        store.refresh.remove(&access.refresh);
    }
    st.count(Product::Vbr, Count::Logout);
    tracing::info!("VBR logout");
    body_response(
        StatusCode::OK,
        "application/json; charset=utf-8",
        "{ }".to_string(),
    )
}

/// The serverInfo body, serialised directly, not through a `serde_json::Value`; the fields are in the order a
/// `Value` object writes them (sorted by name), so the body is the same.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerInfo<'a> {
    build_version: &'a str,
    database_content_version: &'static str,
    database_schema_version: &'static str,
    database_vendor: &'static str,
    name: &'a str,
    patches: &'static [()],
    sql_server_edition: &'static str,
    sql_server_version: &'static str,
    vbr_id: &'a str,
}

async fn server_info(AxState(st): St, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let server = st.inventory.backup_servers.first();
    let name = server.map_or("vbr01.lab.local", |s| s.name.as_str());
    let version = server.map_or("12.3.1.1139", |s| s.version.as_str());
    let id = server.map_or_else(
        || std::borrow::Cow::Owned(crate::inventory::stable_id("Vbr", name)),
        |s| std::borrow::Cow::Borrowed(s.id.as_str()),
    );
    let info = ServerInfo {
        build_version: version,
        database_content_version: "12.3.1.1139",
        database_schema_version: "12.3.1.1139",
        database_vendor: "PostgreSQL",
        name,
        patches: &[],
        sql_server_edition: "",
        sql_server_version: "15.4",
        vbr_id: &id,
    };
    match serde_json::to_string(&info) {
        Ok(body) => body_response(StatusCode::OK, "application/json; charset=utf-8", body),
        Err(_) => error(&st, StatusCode::INTERNAL_SERVER_ERROR, "cannot serialise"),
    }
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

fn job_json(st: &State, job: &crate::inventory::Job) -> Value {
    let repo = st.inventory.repository_by_name(&job.repository);
    json!({
        "id": job.id,
        "name": job.name,
        "type": job.kind,
        "description": job.description,
        "isDisabled": job.disabled,
        "isHighPriority": false,
        "virtualMachines": {
            "includes": job.vms.iter().map(|vm| json!({
                "type": "VirtualMachine",
                "hostName": "vcenter.lab.local",
                "name": vm,
                "objectId": crate::inventory::stable_id("Vm", vm),
            })).collect::<Vec<_>>(),
        },
        "storage": {
            "backupRepositoryId": repo.map(|r| r.id.clone()),
            "retentionPolicy": {"type": "RestorePoints", "quantity": 7},
        },
    })
}

async fn list_jobs(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let type_filter = q.get("typeFilter").map(str::to_string);
    let items = st
        .inventory
        .jobs
        .iter()
        .filter(|j| {
            type_filter
                .as_deref()
                .is_none_or(|t| j.kind.eq_ignore_ascii_case(t))
        })
        .map(|j| job_json(&st, j))
        .collect();
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

async fn get_job(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st.inventory.job(&id) {
        Some(job) => json_response(StatusCode::OK, &job_json(&st, job)),
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

fn backup_json(st: &State, b: &crate::inventory::Backup) -> Value {
    let job = st.inventory.jobs.iter().find(|j| j.name == b.job);
    let repo = st.inventory.repository_by_name(&b.repository);
    json!({
        "id": b.id,
        "name": b.name,
        "jobId": job.map(|j| j.id.clone()),
        "policyUniqueId": job.map(|j| j.id.clone()),
        "jobType": job.map_or("Backup".to_string(), |j| j.kind.clone()),
        "platformName": "VMware",
        "platformId": crate::inventory::stable_id("Platform", "VMware"),
        "creationTime": rfc3339(st.start_ms.saturating_sub(7 * 86_400_000)),
        "repositoryId": repo.map_or_else(|| crate::inventory::stable_id("Repository", &b.repository), |r| r.id.clone()),
    })
}

async fn list_backups(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut items: Vec<Value> = st
        .inventory
        .backups
        .iter()
        .map(|b| backup_json(&st, b))
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

async fn get_backup(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st
        .inventory
        .backups
        .iter()
        .find(|b| b.id.eq_ignore_ascii_case(&id))
    {
        Some(b) => json_response(StatusCode::OK, &backup_json(&st, b)),
        None => bad_id(),
    }
}

fn repository_json(st: &State, r: &crate::inventory::Repository) -> Value {
    let host = st.inventory.backup_servers.first();
    json!({
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "uniqueId": r.id,
        "type": r.kind,
        "hostId": host.map(|h| h.id.clone()),
        "hostName": host.map(|h| h.name.clone()),
        "path": r.path,
        "repository": {"path": r.path, "maxTaskCount": 4},
    })
}

async fn list_repositories(AxState(st): St, req: Request) -> Response {
    if let Err(r) = authenticate(&st, req.headers()) {
        return r;
    }
    let q = match list_query(&req) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut items: Vec<Value> = st
        .inventory
        .repositories
        .iter()
        .map(|r| repository_json(&st, r))
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

async fn get_repository(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st
        .inventory
        .repositories
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(&id))
    {
        Some(r) => json_response(StatusCode::OK, &repository_json(&st, r)),
        None => bad_id(),
    }
}

#[cfg(test)]
mod tests {
    use super::{ServerInfo, json};

    #[test]
    fn server_info_body_matches_the_value_form() {
        let info = ServerInfo {
            build_version: "12.3.1.1139",
            database_content_version: "12.3.1.1139",
            database_schema_version: "12.3.1.1139",
            database_vendor: "PostgreSQL",
            name: "vbr\"01",
            patches: &[],
            sql_server_edition: "",
            sql_server_version: "15.4",
            vbr_id: "id-1",
        };
        let value = json!({
            "vbrId": "id-1",
            "name": "vbr\"01",
            "buildVersion": "12.3.1.1139",
            "patches": [],
            "databaseVendor": "PostgreSQL",
            "sqlServerEdition": "",
            "sqlServerVersion": "15.4",
            "databaseSchemaVersion": "12.3.1.1139",
            "databaseContentVersion": "12.3.1.1139",
        });
        assert_eq!(serde_json::to_string(&info).unwrap(), value.to_string());
    }

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
