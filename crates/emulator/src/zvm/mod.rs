//! Zerto Virtual Manager: legacy `x-zerto-session` logon, and `/v1` resources (ZVM-01..ZVM-14);
//! which logons are served follows [`crate::Behaviour::zvm_kind`] (ZVM-10).
//!
//! This module holds the router, the choice of JSON or XML (ZVM-06) and the error body. The
//! concepts live in their own modules:
//!
//! - [`session`]: the `x-zerto-session` logon, authentication (session or Bearer) and logout;
//! - [`oidc`]: the Appliance's Keycloak realm `zerto` (token and logout endpoints);
//! - [`resources`]: local site, VPGs, VMs, tasks and alerts;
//! - [`models`]: the answers' property names per ZVM kind (ZVM-14).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{delete, get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{body_response, content_is_xml, guard, wants_json};
use crate::state::{Product, State};
use crate::xml::json_to_xml;

const XML_NS: &str = "http://schemas.datacontract.org/2004/07/Zerto.Zvm.Common.Api";

mod models;
pub(crate) mod oidc;
mod resources;
mod served_spec;
mod session;

type St = AxState<Arc<State>>;

pub(crate) fn router(st: Arc<State>) -> Router {
    Router::new()
        .route("/v1/session/add", post(session::logon))
        .route("/v1/session", delete(session::logout))
        .route(oidc::TOKEN_PATH, post(oidc::token))
        .route(oidc::LOGOUT_PATH, post(oidc::logout))
        .route("/v1/localsite", get(resources::local_site))
        .route("/v1/vpgs", get(resources::list_vpgs))
        .route("/v1/vpgs/{id}", get(resources::get_vpg))
        .route("/v1/vms", get(resources::list_vms))
        .route("/v1/tasks", get(resources::list_tasks))
        .route("/v1/tasks/{id}", get(resources::get_task))
        .route("/v1/alerts", get(resources::list_alerts))
        // Paths no hand-modelled route takes: a `--spec` document's operations, else 404/405.
        .fallback(served_spec::fallback)
        .method_not_allowed_fallback(served_spec::method_fallback)
        .layer(from_fn_with_state(st.clone(), served_spec::literal_first))
        .layer(from_fn_with_state((st.clone(), Product::Zvm), guard))
        .layer(DefaultBodyLimit::max(st.limits.body_bytes))
        .with_state(st)
}

/// Whether to answer XML: `Accept` prefers XML, or no `Accept` and an XML body (ZVM-06).
fn wants_xml(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    if accept.contains("xml") {
        return !wants_json(headers);
    }
    if accept.is_empty() || accept.contains("*/*") {
        return !accept.contains("json") && content_is_xml(headers) && accept.is_empty();
    }
    false
}

/// ZVM's error body `{"Message": ..}` (or `<Error><Message>..`).
pub(crate) fn error(status: StatusCode, message: &str, json: bool) -> Response {
    let value = json!({"Message": message});
    if json {
        body_response(status, "application/json; charset=utf-8", value.to_string())
    } else {
        body_response(
            status,
            "application/xml; charset=utf-8",
            json_to_xml(&value, "Error", "Message", XML_NS),
        )
    }
}

fn err(status: StatusCode, message: &str, headers: &HeaderMap) -> Response {
    error(status, message, !wants_xml(headers))
}

fn render(headers: &HeaderMap, value: &Value, root: &str, item: &str) -> Response {
    if wants_xml(headers) {
        body_response(
            StatusCode::OK,
            "application/xml; charset=utf-8",
            json_to_xml(value, root, item, XML_NS),
        )
    } else {
        body_response(
            StatusCode::OK,
            "application/json; charset=utf-8",
            value.to_string(),
        )
    }
}

async fn not_found(headers: HeaderMap) -> Response {
    err(
        StatusCode::NOT_FOUND,
        "No HTTP resource was found that matches the request URI",
        &headers,
    )
}

async fn method_not_allowed(headers: HeaderMap) -> Response {
    err(
        StatusCode::METHOD_NOT_ALLOWED,
        "The requested resource does not support this HTTP method",
        &headers,
    )
}
