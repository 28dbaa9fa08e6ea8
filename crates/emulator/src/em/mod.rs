//! Veeam Backup Enterprise Manager: `/api/`, logon sessions, tasks and resources (EM-01..EM-16).
//!
//! This module holds the router, the root document (EM-01) and what every answer shares: the
//! `Error` resource and the rendering of a [`Node`] as XML or JSON. The concepts live in their
//! own modules:
//!
//! - [`session`]: logon, authentication by token, the caller's sessions, logout (EM-02..EM-11);
//! - [`tenant`]: the tenant logon body (EM-02);
//! - [`tree`]: the document tree (collections, references, entities, service documents);
//! - [`links`]: the link catalogue (the vendor samples' links of a logon session, in order);
//! - [`tasks`]: job actions and their tasks (EM-12);
//! - [`query`](mod@query): the query service;
//! - [`wire`]: the outer layer (BOM of JSON answers, EM-15).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::breaks::Break;
use crate::common::{body_response, guard, wants_json};
use crate::state::{Product, State};
use crate::xml::Node;

pub(crate) mod links;
mod query;
mod session;
pub(crate) mod tasks;
mod tenant;
mod tree;
mod wire;

use query::query;
use session::{get_session, list_sessions, logon, logout};
use tasks::{get_task, job_action, list_tasks};
use tree::{create_in_collection, get_entity, get_entity_jobs, list_collection};

type St = AxState<Arc<State>>;

pub(crate) fn router(st: Arc<State>) -> Router {
    Router::new()
        .route("/api", get(root))
        .route("/", get(root))
        .route("/api/sessionmngr", post(logon))
        .route("/api/logonsessions", get(list_sessions))
        .route("/api/logonsessions/{id}", get(get_session).delete(logout))
        .route("/api/tasks", get(list_tasks))
        .route("/api/tasks/{id}", get(get_task))
        .route("/api/jobs/{id}", get(get_entity_jobs).post(job_action))
        .route("/api/query", get(query))
        .route(
            "/api/{collection}",
            get(list_collection).post(create_in_collection),
        )
        .route("/api/{collection}/{id}", get(get_entity))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state((st.clone(), Product::Em), guard))
        .layer(from_fn_with_state(st.clone(), wire::shape))
        .layer(DefaultBodyLimit::max(st.limits.body_bytes))
        .with_state(st)
}

/// EM's `Error` resource, XML or JSON (EM-16): `Message`, `StatusCode` and `Status` (the
/// status's name, `Unauthorized`); a 401 carries the Basic challenge (EM-05).
pub(crate) fn error(status: StatusCode, message: &str, json: bool) -> Response {
    let name: String = status
        .canonical_reason()
        .unwrap_or("Error")
        .split_whitespace()
        .collect();
    let node = Node::el("Error")
        .attr("StatusCode", status.as_u16())
        .attr("Message", message.to_string())
        .attr("Status", name);
    let mut resp = render(status, &node, json);
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic Realm=RestSvc"),
        );
    }
    resp
}

fn render(status: StatusCode, node: &Node, json: bool) -> Response {
    if json {
        body_response(
            status,
            "application/json; charset=utf-8",
            node.to_json().to_string(),
        )
    } else {
        body_response(status, "application/xml; charset=utf-8", node.to_xml())
    }
}

fn link(href: String, ty: impl Into<Value>, rel: &'static str, name: Option<&str>) -> Node {
    // Attribute order of the real server: Href, Name, Type, Rel; JSON keeps Name (null if absent).
    Node::el("Link")
        .attr("Href", href)
        .attr(
            "Name",
            name.map_or(Value::Null, |n| Value::String(n.to_string())),
        )
        .attr("Type", ty)
        .attr("Rel", rel)
}

async fn not_found(headers: HeaderMap) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such resource",
        wants_json(&headers),
    )
}

async fn method_not_allowed(headers: HeaderMap) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this resource",
        wants_json(&headers),
    )
}

/// The versions served: the configured ones (EM-13), less `v1_5` under
/// [`Break::EmV15Refused`].
fn served_versions(st: &State) -> Vec<String> {
    let mut versions = st.em_versions.read().clone();
    if st.breaks.has(Break::EmV15Refused) {
        versions.retain(|v| !v.eq_ignore_ascii_case("v1_5"));
    }
    versions
}

/// `Links` around `items`, or the items alone under [`Break::EmRootWithoutWrappers`].
fn wrapped(st: &State, name: &'static str, items: Vec<Node>) -> Node {
    if st.breaks.has(Break::EmRootWithoutWrappers) {
        Node::Inline {
            json_name: name,
            items,
        }
    } else {
        Node::List { name, items }
    }
}

/// EM-01: the `EnterpriseManager` root, no credentials needed: `Links` (the sessions list and
/// the logon for `latest`), then `SupportedVersions`, one `SupportedVersion` per version with
/// its own logon link (the order of the vendor's sample; the XSD's names).
async fn root(AxState(st): St, headers: HeaderMap) -> Response {
    let base = &st.bases.em;
    let supported = served_versions(&st)
        .into_iter()
        .map(|v| {
            let href = format!("{base}/api/sessionMngr/?v={v}");
            Node::el("SupportedVersion").attr("Name", v).child(wrapped(
                &st,
                "Links",
                vec![link(href, "LogonSession", "Create", None)],
            ))
        })
        .collect();
    let links = vec![
        link(
            format!("{base}/api/logonSessions"),
            "LogonSessionList",
            "Down",
            None,
        ),
        link(
            format!("{base}/api/sessionMngr/?v=latest"),
            "LogonSession",
            "Create",
            None,
        ),
    ];
    let node = Node::el("EnterpriseManager")
        .child(wrapped(&st, "Links", links))
        .child(wrapped(&st, "SupportedVersions", supported));
    render(StatusCode::OK, &node, wants_json(&headers))
}

/// The UUID at the end of an id or a URN (`urn:veeam:Job:<uuid>`).
fn parse_id(s: &str) -> Option<u128> {
    let last = s.rsplit(':').next().unwrap_or(s);
    uuid::Uuid::parse_str(last.trim()).ok().map(|u| u.as_u128())
}
