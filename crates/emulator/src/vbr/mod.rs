//! Veeam Backup & Replication REST API: OAuth 2.0 tokens and `/api/v1` resources (VBR-01..VBR-14).
//!
//! This module holds the router, the error model (VBR-07, VBR-12) and the layer that runs the
//! guard of every product and then checks `x-api-version` (VBR-08, VBR-13). The concepts live in
//! their own modules:
//!
//! - [`auth`]: bearer authentication of a request;
//! - [`token`]: the JWT-shaped tokens, the token answer and the OAuth 2.0 endpoints;
//! - [`resources`]: `serverInfo`, jobs, sessions, backups, repositories and list queries;
//! - [`models`]: the answers' models per API revision;
//! - [`revision`]: [`ApiRevision`], an API revision such as `1.3-rev1`;
//! - [`spec`]: the OpenAPI document published per revision (`/swagger/v<revision>/swagger.json`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State as AxState};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::behaviour::VbrMissingVersion;
use crate::breaks::Break;
use crate::common::{admit, body_response};
use crate::config::Vbr401Body;
use crate::state::{Product, State};

use self::revision::ApiRevision;

mod auth;
mod models;
mod resources;
pub mod revision;
mod served_spec;
pub mod spec;
pub(crate) mod token;

type St = AxState<Arc<State>>;

pub(crate) fn router(st: Arc<State>) -> Router {
    Router::new()
        .route("/api/oauth2/token", post(token::token))
        .route(
            "/api/oauth2/authorization_code",
            post(token::authorization_code),
        )
        .route("/api/oauth2/logout", post(token::logout))
        .route("/api/v1/serverinfo", get(resources::server_info))
        .route("/api/v1/jobs", get(resources::list_jobs))
        .route("/api/v1/jobs/{id}", get(resources::get_job))
        .route("/api/v1/jobs/{id}/{action}", post(resources::job_action))
        .route("/api/v1/sessions", get(resources::list_sessions))
        .route("/api/v1/sessions/{id}", get(resources::get_session))
        .route("/api/v1/backups", get(resources::list_backups))
        .route("/api/v1/backups/{id}", get(resources::get_backup))
        .route(
            "/api/v1/backupinfrastructure/repositories",
            get(resources::list_repositories),
        )
        .route(
            "/api/v1/backupinfrastructure/repositories/{id}",
            get(resources::get_repository),
        )
        .route("/swagger/{revision}/swagger.json", get(spec::swagger_json))
        // Paths no hand-modelled route takes: a `--spec` document's operations, else 404/405.
        .fallback(served_spec::fallback)
        .method_not_allowed_fallback(served_spec::method_fallback)
        .layer(from_fn_with_state(st.clone(), served_spec::literal_first))
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
    if spec::is_spec_path(req.uri().path()) {
        // A published spec is fetched without a logon and without x-api-version.
        return next.run(req).await;
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
