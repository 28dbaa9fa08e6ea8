//! Veeam Backup Enterprise Manager: `/api/`, logon sessions, tasks and resources (EM-01..EM-13).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State as AxState};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::behaviour::EmTokenForm;
use crate::breaks::Break;
use crate::common::{basic_credentials, body_response, guard, query_param, wants_json};
use crate::config::EmRole;
use crate::jobs::{run_status, start_run, stop_runs};
use crate::state::{
    Count, EmSession, EmStore, EmTask, EmToken, EmTokenShape, Product, State, decode_em_token,
    dur_ms, encode_em_token, random_bytes, random_uuid, rfc3339,
};
use crate::xml::Node;

pub(crate) mod links;
mod tenant;
mod wire;

use links::{Collection, collection};

/// Name of the EM token header and cookie (EM-03, EM-06).
pub(crate) const TOKEN_HEADER: &str = "X-RestSvcSessionId";
/// How long an EM task stays Running on the clock before it is Finished (EM-12).
const TASK_SECS: u64 = 10;

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

fn logon_session_node(st: &State, session: &EmSession, user_name: &str) -> Node {
    let base = &st.bases.em;
    let id = uuid::Uuid::from_u128(session.id).to_string();
    let href = format!("{base}/api/logonSessions/{id}");
    let own = format!("logonSessions/{id}");
    let links = links::LOGON_SESSION
        .iter()
        .map(|entry| {
            let mut data = entry.data(&own);
            if *entry == links::Entry::Delete && st.breaks.has(Break::EmDeleteLinkTyped) {
                data.ty = Some("LogonSession".to_owned());
            }
            if *entry == links::Entry::Entities("jobs") && st.breaks.has(Break::EmJobsLinkType) {
                data.ty = Some("Jobs".to_owned());
            }
            link(
                format!("{base}/api/{}", data.path),
                data.ty.map_or(Value::Null, Value::String),
                data.rel,
                data.name,
            )
        })
        .collect();
    Node::el("LogonSession")
        .attr("Href", href)
        .attr("Type", "LogonSession")
        .child(Node::List {
            name: "Links",
            items: links,
        })
        .child(Node::leaf("UserName", user_name.to_string()))
        .child(Node::leaf("SessionId", id))
}

/// The EM tokens a request carries: cookie values first (EM-06: the cookie wins), then headers.
fn tokens_of(headers: &HeaderMap) -> (Vec<&str>, Vec<&str>) {
    let mut cookies = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.split_once('=')
                && k.trim().eq_ignore_ascii_case(TOKEN_HEADER)
            {
                cookies.push(v.trim().trim_matches('"'));
            }
        }
    }
    let headers_tokens = headers
        .get_all(TOKEN_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    (cookies, headers_tokens)
}

/// Authenticates a request by its token; restarts the idle clock (EM-08).
fn authenticate(st: &State, headers: &HeaderMap) -> Result<(EmToken, EmSession), Response> {
    let json = wants_json(headers);
    let (cookies, header_tokens) = tokens_of(headers);
    let candidates = if cookies.is_empty()
        || st.breaks.has(Break::EmHeaderBeatsCookie) && !header_tokens.is_empty()
    {
        header_tokens
    } else {
        cookies
    };
    if candidates.is_empty() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "no X-RestSvcSessionId header or cookie: log on first",
            json,
        ));
    }
    let now = st.now_ms();
    let idle = dur_ms(st.lifetimes().em_idle);
    let mut store = st.em.lock();
    let mut expired = false;
    for candidate in candidates {
        let Some((key, shape)) = decode_em_token(candidate) else {
            continue;
        };
        let Some(session) = store.by_token.get_mut(&key).filter(|s| s.form == shape) else {
            continue;
        };
        if now >= session.last_ms.saturating_add(idle) {
            let id = session.id;
            store.by_token.remove(&key);
            store.by_id.remove(&id);
            expired = true;
            continue;
        }
        if !st.breaks.has(Break::EmIdleNotReset) {
            session.last_ms = now;
        }
        let session = *session;
        drop(store);
        if st.user(session.user).is_none() {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "the account no longer exists",
                json,
            ));
        }
        return Ok((key, session));
    }
    Err(error(
        StatusCode::UNAUTHORIZED,
        if expired {
            "the logon session has expired: log on again"
        } else {
            "the logon session is not valid: log on again"
        },
        json,
    ))
}

/// The account a (non-tenant) logon is for: Basic credentials of an account with a portal role
/// (EM-02, EM-05), or a live session token (EM-11).
fn logon_user(st: &State, headers: &HeaderMap, json: bool) -> Result<u32, Response> {
    match basic_credentials(headers) {
        Some(Ok((name, password))) => match st.authenticate(&name, &password) {
            Some((index, user)) if user.em_role.is_some_and(EmRole::may_use_basic) => Ok(index),
            Some(_) => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM logon refused: account has no Enterprise Manager role");
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "the account has no Portal Administrator, Portal User or Restore Operator role",
                    json,
                ))
            }
            None => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM logon refused: wrong credentials");
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "wrong user name or password",
                    json,
                ))
            }
        },
        Some(Err(())) => {
            st.count(Product::Em, Count::FailedLogon);
            Err(error(
                StatusCode::UNAUTHORIZED,
                "malformed Basic authorization header",
                json,
            ))
        }
        // EM-11: a live token also authorises a logon (a new session for the same user).
        None => {
            let (c, h) = tokens_of(headers);
            let no_token = c.is_empty() && h.is_empty();
            if no_token || st.breaks.has(Break::EmTokenLogonRefused) {
                st.count(Product::Em, Count::FailedLogon);
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "credentials are required: Authorization: Basic",
                    json,
                ));
            }
            match authenticate(st, headers) {
                Ok((_, session)) => Ok(session.user),
                Err(resp) => {
                    st.count(Product::Em, Count::FailedLogon);
                    Err(resp)
                }
            }
        }
    }
}

/// EM-02, EM-03, EM-04, EM-05, EM-11, EM-13: `POST /api/sessionMngr/?v=`.
async fn logon(AxState(st): St, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let json = wants_json(&headers);
    let versions = served_versions(&st);
    match query_param(&parts.uri, "v") {
        None => {}
        Some(v) if v.eq_ignore_ascii_case("latest") && !versions.is_empty() => {}
        Some(v) if versions.iter().any(|s| s.eq_ignore_ascii_case(v.trim())) => {}
        Some(v) => {
            let shown: String = v.chars().take(32).collect();
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "API version '{}' is not supported; supported versions: {}, latest",
                    shown.escape_default(),
                    versions.join(", ")
                ),
                json,
            );
        }
    }
    let body = match axum::body::to_bytes(body, st.limits.body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                json,
            );
        }
    };
    let tenant = if st.breaks.has(Break::EmTenantLogonRefused) {
        None
    } else {
        tenant::credentials(&body)
    };
    let user_index = if let Some(spec) = tenant {
        // EM-02: a tenant logs on with a LoginSpec body, not with Basic credentials.
        match st.authenticate(&spec.username, spec.password()) {
            Some((index, user)) if user.em_role == Some(EmRole::Tenant) => index,
            _ => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM tenant logon refused");
                return error(
                    StatusCode::UNAUTHORIZED,
                    "wrong tenant name or password",
                    json,
                );
            }
        }
    } else {
        match logon_user(&st, &headers, json) {
            Ok(index) => index,
            Err(resp) => return resp,
        }
    };
    let Some(user) = st.user(user_index) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "the account no longer exists",
            json,
        );
    };
    let now = st.now_ms();
    // EM-14: the token's form is a setting; the default token is base64 of the SessionId text.
    let shape = if st.breaks.has(Break::EmTokenOtherForm) {
        EmTokenShape::Bytes24
    } else {
        match st.behaviour().em_token_form {
            EmTokenForm::Base64SessionId => EmTokenShape::GuidText,
            EmTokenForm::RandomBytes => EmTokenShape::Bytes16,
        }
    };
    let id = random_uuid().as_u128();
    let key: EmToken = match shape {
        EmTokenShape::GuidText => id,
        _ => u128::from_be_bytes(random_bytes()),
    };
    let session = EmSession {
        id,
        user: user_index,
        created_ms: now,
        last_ms: now,
        form: shape,
    };
    {
        let mut store = st.em.lock();
        if store.by_token.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.em.lock();
            if store.by_token.len() >= st.limits.session_cap {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many logon sessions: the session table is full",
                    json,
                );
            }
        }
        store.by_token.insert(key, session);
        store.by_id.insert(session.id, key);
    }
    st.count(Product::Em, Count::Logon);
    tracing::info!(user = %user.name, "EM logon");
    let token = encode_em_token(key, shape);
    let node = logon_session_node(&st, &session, &user.name);
    let mut resp = render(StatusCode::CREATED, &node, json);
    if let Ok(v) = HeaderValue::from_str(&token) {
        resp.headers_mut().insert(TOKEN_HEADER, v);
    }
    if !st.breaks.has(Break::EmNoCookie)
        && let Ok(v) = HeaderValue::from_str(&format!("{TOKEN_HEADER}={token}; Path=/api"))
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn parse_id(s: &str) -> Option<u128> {
    let last = s.rsplit(':').next().unwrap_or(s);
    uuid::Uuid::parse_str(last.trim()).ok().map(|u| u.as_u128())
}

/// EM-10: the caller's own sessions, the calling one first.
async fn list_sessions(AxState(st): St, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(user) = st.user(me.user) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "the account no longer exists",
            wants_json(&headers),
        );
    };
    let now = st.now_ms();
    let idle = dur_ms(st.lifetimes().em_idle);
    let mut mine: Vec<EmSession> = st
        .em
        .lock()
        .by_token
        .values()
        .filter(|s| {
            (s.user == me.user || st.breaks.has(Break::EmListsOtherUsers))
                && s.id != me.id
                && now < s.last_ms.saturating_add(idle)
        })
        .copied()
        .collect();
    mine.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
    mine.insert(0, me);
    let items = mine
        .iter()
        .map(|s| logon_session_node(&st, s, &user.name))
        .collect();
    // The vendor's reference shows the root `LogonSessions` with no attributes.
    let node = Node::el("LogonSessions").child(Node::Inline {
        json_name: "LogonSessions",
        items,
    });
    render(StatusCode::OK, &node, wants_json(&headers))
}

fn own_session(st: &State, me: &EmSession, id: &str) -> Option<EmSession> {
    let id = parse_id(id)?;
    let store = st.em.lock();
    let key = store.by_id.get(&id)?;
    let s = store.by_token.get(key)?;
    let idle = dur_ms(st.lifetimes().em_idle);
    (s.user == me.user && st.now_ms() < s.last_ms.saturating_add(idle)).then_some(*s)
}

async fn get_session(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let json = wants_json(&headers);
    match (own_session(&st, &me, &id), st.user(me.user)) {
        (Some(s), Some(user)) => render(
            StatusCode::OK,
            &logon_session_node(&st, &s, &user.name),
            json,
        ),
        _ => error(StatusCode::NOT_FOUND, "no such logon session", json),
    }
}

/// EM-09: `DELETE /api/logonSessions/<id>`; the token is refused afterwards.
async fn logout(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let json = wants_json(&headers);
    let Some(target) = own_session(&st, &me, &id) else {
        return error(StatusCode::NOT_FOUND, "no such logon session", json);
    };
    if !st.breaks.has(Break::EmLogoutKeepsSession) {
        let mut store = st.em.lock();
        let EmStore {
            by_token,
            by_id,
            tasks,
            ..
        } = &mut *store;
        if let Some(key) = by_id.remove(&target.id) {
            by_token.remove(&key);
        }
        tasks.retain(|_, t| t.owner != target.id);
    }
    st.count(Product::Em, Count::Logout);
    tracing::info!("EM logout");
    if st.breaks.has(Break::EmLogout200) {
        let user = st.user(me.user).map(|u| u.name).unwrap_or_default();
        return render(
            StatusCode::OK,
            &logon_session_node(&st, &target, &user),
            json,
        );
    }
    // EM-09: the reference page of this DELETE answers 204 No Content.
    StatusCode::NO_CONTENT.into_response()
}

fn task_node(st: &State, id: u64, task: &EmTask) -> Node {
    let base = &st.bases.em;
    let href = format!("{base}/api/tasks/task-{id}");
    let finished = st.now_ms() >= task.created_ms.saturating_add(TASK_SECS * 1000);
    let mut node = Node::el("Task")
        .attr("Href", href.clone())
        .attr("Type", "Task")
        .child(Node::List {
            name: "Links",
            items: vec![
                link(href, "Task", "Delete", None),
                link(
                    format!("{base}/api/jobs/{}", task.job_id),
                    "JobReference",
                    "Related",
                    None,
                ),
            ],
        })
        .child(Node::leaf("TaskId", format!("task-{id}")))
        .child(Node::leaf(
            "State",
            if finished { "Finished" } else { "Running" },
        ))
        .child(Node::leaf("Operation", task.operation));
    if finished {
        node = node.child(Node::el("Result").attr("Success", true).child(Node::leaf(
            "Message",
            format!("{} completed", task.operation),
        )));
    }
    node
}

fn parse_task_id(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s
        .strip_prefix("task-")
        .or_else(|| s.strip_prefix("TASK-"))
        .unwrap_or(s);
    digits.parse().ok()
}

/// EM-12: only the calling session's tasks.
async fn list_tasks(AxState(st): St, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut tasks: Vec<(u64, EmTask)> = st
        .em
        .lock()
        .tasks
        .iter()
        .filter(|(_, t)| t.owner == me.id)
        .map(|(id, t)| (*id, t.clone()))
        .collect();
    tasks.sort_by_key(|(id, _)| *id);
    let items = tasks.iter().map(|(id, t)| task_node(&st, *id, t)).collect();
    let node = Node::el("Tasks").child(Node::Inline {
        json_name: "Tasks",
        items,
    });
    render(StatusCode::OK, &node, wants_json(&headers))
}

async fn get_task(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let json = wants_json(&headers);
    let found = parse_task_id(&id).and_then(|n| {
        st.em
            .lock()
            .tasks
            .get(&n)
            .filter(|t| t.owner == me.id || st.breaks.has(Break::EmTaskVisibleToAll))
            .map(|t| (n, t.clone()))
    });
    match found {
        Some((n, t)) => render(StatusCode::OK, &task_node(&st, n, &t), json),
        None => error(
            StatusCode::NOT_FOUND,
            "no such task in this logon session",
            json,
        ),
    }
}

/// `POST /api/jobs/<id>?action=start|stop|retry` → `202` with a `Task` (EM-12).
async fn job_action(AxState(st): St, Path(id): Path<String>, req: Request) -> Response {
    let headers = req.headers().clone();
    let json = wants_json(&headers);
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(action) = query_param(req.uri(), "action") else {
        return error(
            StatusCode::BAD_REQUEST,
            "the action query parameter is required (start, stop, retry)",
            json,
        );
    };
    let operation = match action.to_ascii_lowercase().as_str() {
        "start" => "StartJob",
        "stop" => "StopJob",
        "retry" => "RetryJob",
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "unknown action (start, stop, retry)",
                json,
            );
        }
    };
    let role = st.user(me.user).and_then(|u| u.em_role);
    if role != Some(EmRole::PortalAdministrator) {
        return error(
            StatusCode::FORBIDDEN,
            "only a Portal Administrator may run job actions",
            json,
        );
    }
    let Some(job_id) = parse_id(&id) else {
        return error(StatusCode::NOT_FOUND, "no such job", json);
    };
    let job_id = uuid::Uuid::from_u128(job_id).to_string();
    let Some(job_index) = st.inventory.jobs.iter().position(|j| j.id == job_id) else {
        return error(StatusCode::NOT_FOUND, "no such job", json);
    };
    let now = st.now_ms();
    match operation {
        "StopJob" => {
            stop_runs(&st, job_index, now);
        }
        _ => {
            start_run(&st, job_index, now);
        }
    }
    let (n, task) = {
        let mut store = st.em.lock();
        store.next_task += 1;
        let n = store.next_task;
        let task = EmTask {
            owner: me.id,
            created_ms: now,
            operation,
            job_id: job_id.clone(),
        };
        store.tasks.insert(n, task.clone());
        (n, task)
    };
    render(StatusCode::ACCEPTED, &task_node(&st, n, &task), json)
}

/// One row of a collection: id, name, entity fields, extra links.
struct Item {
    id: String,
    name: String,
    fields: Vec<Node>,
}

fn items_of(st: &State, path: &str) -> Vec<Item> {
    let inv = &st.inventory;
    let base = &st.bases.em;
    match path {
        "backupServers" => inv
            .backup_servers
            .iter()
            .map(|s| Item {
                id: s.id.clone(),
                name: s.name.clone(),
                fields: vec![
                    Node::leaf("Description", s.description.clone()),
                    Node::leaf("Port", s.port),
                    Node::leaf("Version", s.version.clone()),
                ],
            })
            .collect(),
        "jobs" => inv
            .jobs
            .iter()
            .map(|j| {
                let fields = vec![
                    Node::leaf("JobType", em_job_type(&j.kind)),
                    Node::leaf("Platform", "VMware"),
                    Node::leaf("Description", j.description.clone()),
                    Node::leaf("ScheduleConfigured", true),
                    Node::leaf("ScheduleEnabled", !j.disabled),
                ];
                Item {
                    id: j.id.clone(),
                    name: j.name.clone(),
                    fields,
                }
            })
            .collect(),
        "repositories" => inv
            .repositories
            .iter()
            .map(|r| Item {
                id: r.id.clone(),
                name: r.name.clone(),
                fields: vec![
                    Node::leaf("Capacity", r.capacity_gb * 1024 * 1024 * 1024),
                    Node::leaf("FreeSpace", r.free_gb * 1024 * 1024 * 1024),
                    Node::leaf("Kind", r.kind.clone()),
                ],
            })
            .collect(),
        "backups" => inv
            .backups
            .iter()
            .map(|b| {
                let mut fields = vec![Node::leaf("FileType", "vbk")];
                if let Some(r) = inv.repository_by_name(&b.repository) {
                    fields.push(Node::leaf(
                        "RepositoryUid",
                        format!("urn:veeam:Repository:{}", r.id),
                    ));
                }
                if let Some(j) = inv.jobs.iter().find(|j| j.name == b.job) {
                    fields.push(Node::leaf("JobUid", format!("urn:veeam:Job:{}", j.id)));
                }
                Item {
                    id: b.id.clone(),
                    name: b.name.clone(),
                    fields,
                }
            })
            .collect(),
        "restorePoints" => {
            let start = st.start_ms;
            inv.backups
                .iter()
                .flat_map(|b| {
                    (0..b.restore_points.min(31)).map(move |n| {
                        let time = start.saturating_sub(u64::from(n) * 86_400_000);
                        let id =
                            crate::inventory::stable_id("RestorePoint", &format!("{}#{n}", b.id));
                        Item {
                            id,
                            name: format!("{}@{}", b.name, rfc3339(time)),
                            fields: vec![
                                Node::leaf("CreationTimeUTC", rfc3339(time)),
                                Node::leaf("Type", if n == 0 { "Full" } else { "Increment" }),
                                Node::leaf("BackupUid", format!("urn:veeam:Backup:{}", b.id)),
                            ],
                        }
                    })
                })
                .collect()
        }
        "backupSessions" => {
            let now = st.now_ms();
            let runs = st.runs.lock().clone();
            runs.iter()
                .rev()
                .map(|run| {
                    let job = &inv.jobs[run.job.min(inv.jobs.len().saturating_sub(1))];
                    let (state, result, progress) = run_status(st, run, now);
                    let mut fields = vec![
                        Node::leaf("JobUid", format!("urn:veeam:Job:{}", job.id)),
                        Node::leaf("JobName", job.name.clone()),
                        Node::leaf("JobType", em_job_type(&job.kind)),
                        Node::leaf("CreationTimeUTC", rfc3339(run.started_ms)),
                    ];
                    if state == "Stopped" {
                        let end = run
                            .stopped_ms
                            .unwrap_or(run.started_ms + job.duration_secs * 1000);
                        fields.push(Node::leaf("EndTimeUTC", rfc3339(end)));
                    }
                    fields.push(Node::leaf("State", state));
                    fields.push(Node::leaf("Result", result));
                    fields.push(Node::leaf("Progress", progress));
                    fields.push(Node::leaf("IsRetry", false));
                    let _ = base;
                    Item {
                        id: run.id.clone(),
                        name: format!("{}@{}", job.name, rfc3339(run.started_ms)),
                        fields,
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// EM's name for a VBR job type.
fn em_job_type(kind: &str) -> &str {
    match kind {
        "VSphereReplica" => "Replica",
        "FileBackupCopy" => "BackupCopy",
        other => other,
    }
}

fn reference(st: &State, coll: &Collection, item: &Item) -> Node {
    let base = &st.bases.em;
    let href = format!("{base}/api/{}/{}", coll.path, item.id);
    Node::el("Ref")
        .attr("UID", format!("urn:veeam:{}:{}", coll.item, item.id))
        .attr("Name", item.name.clone())
        .attr("Href", href.clone())
        .attr("Type", format!("{}Reference", coll.item))
        .child(Node::List {
            name: "Links",
            items: up_link(st, coll.path)
                .into_iter()
                .chain([link(
                    format!("{href}?format=Entity"),
                    coll.item,
                    "Alternate",
                    Some(&item.name),
                )])
                .collect(),
        })
}

/// The `Up` link of jobs and repositories: their backup server.
fn up_link(st: &State, path: &str) -> Option<Node> {
    let server = st.inventory.backup_servers.first()?;
    matches!(path, "jobs" | "repositories").then(|| {
        link(
            format!("{}/api/backupServers/{}", st.bases.em, server.id),
            "BackupServerReference",
            "Up",
            Some(&server.name),
        )
    })
}

fn entity(st: &State, coll: &Collection, item: &Item) -> Node {
    let base = &st.bases.em;
    let href = format!("{base}/api/{}/{}", coll.path, item.id);
    let mut links = vec![link(
        href.clone(),
        format!("{}Reference", coll.item),
        "Alternate",
        Some(&item.name),
    )];
    links.extend(up_link(st, coll.path));
    if coll.path == "jobs" {
        for action in ["start", "stop", "retry"] {
            links.push(link(
                format!("{href}?action={action}"),
                "Task",
                action_rel(action),
                None,
            ));
        }
    }
    let mut node = Node::el(coll.item)
        .attr("Href", format!("{href}?format=Entity"))
        .attr("Type", coll.item)
        .attr("Name", item.name.clone())
        .attr("UID", format!("urn:veeam:{}:{}", coll.item, item.id))
        .child(Node::List {
            name: "Links",
            items: links,
        });
    for f in &item.fields {
        node = node.child(clone_node(f));
    }
    node
}

fn action_rel(action: &str) -> &'static str {
    match action {
        "start" => "Start",
        "stop" => "Stop",
        _ => "Retry",
    }
}

fn clone_node(n: &Node) -> Node {
    match n {
        Node::Element {
            name,
            attrs,
            children,
            text,
        } => Node::Element {
            name,
            attrs: attrs.clone(),
            children: children.iter().map(clone_node).collect(),
            text: text.clone(),
        },
        Node::List { name, items } => Node::List {
            name,
            items: items.iter().map(clone_node).collect(),
        },
        Node::Inline { json_name, items } => Node::Inline {
            json_name,
            items: items.iter().map(clone_node).collect(),
        },
    }
}

fn is_entity_format(req: &Request) -> bool {
    query_param(req.uri(), "format").is_some_and(|f| f.eq_ignore_ascii_case("entity"))
}

async fn list_collection(AxState(st): St, Path(path): Path<String>, req: Request) -> Response {
    resource_at(&st, &path, &req)
}

/// The answer for a collection or service document at `path` below `/api/` (EM-04).
fn resource_at(st: &State, path: &str, req: &Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(st, headers) {
        return r;
    }
    let json = wants_json(headers);
    if let Some(svc) = links::service(path) {
        return render(StatusCode::OK, &service_node(st, svc), json);
    }
    let Some(coll) = collection(path) else {
        return error(StatusCode::NOT_FOUND, "no such resource", json);
    };
    let items = items_of(st, coll.path);
    let node = if is_entity_format(req) {
        // `?format=Entity`: the root element is the item's plural (`Jobs`), its children the
        // entities (JSON: `{"Jobs": [..]}`).
        Node::el(coll.list).child(Node::Inline {
            json_name: coll.list,
            items: items.iter().map(|i| entity(st, coll, i)).collect(),
        })
    } else {
        Node::el("EntityReferences").child(Node::Inline {
            json_name: "Refs",
            items: items.iter().map(|i| reference(st, coll, i)).collect(),
        })
    };
    render(StatusCode::OK, &node, json)
}

/// A service document: root element and `Type` are the service's type, with an `Up` link to
/// the root resource.
fn service_node(st: &State, svc: &links::Service) -> Node {
    let base = &st.bases.em;
    let mut node = Node::el(svc.ty)
        .attr("Href", format!("{base}/api/{}", svc.path))
        .attr("Type", svc.ty);
    if let Some(name) = svc.name {
        node = node.attr("Name", name);
    }
    node.child(Node::List {
        name: "Links",
        items: vec![link(
            format!("{base}/api/"),
            "EnterpriseManager",
            "Up",
            None,
        )],
    })
}

/// `POST /api/<collection>`: only `backupServers?action=create` is a documented creation (the
/// logon session's `Rel="Create"` link); the emulator registers no servers and says so.
async fn create_in_collection(AxState(st): St, Path(path): Path<String>, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let json = wants_json(headers);
    let create = query_param(req.uri(), "action").is_some_and(|a| a.eq_ignore_ascii_case("create"));
    if path.eq_ignore_ascii_case("backupServers") && create {
        return error(
            StatusCode::BAD_REQUEST,
            "a BackupServerSpec body is required; the emulator registers no backup servers",
            json,
        );
    }
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this resource",
        json,
    )
}

async fn get_entity_jobs(st: St, Path(id): Path<String>, req: Request) -> Response {
    entity_response(st, "jobs".to_string(), id, req).await
}

async fn get_entity(st: St, Path((path, id)): Path<(String, String)>, req: Request) -> Response {
    entity_response(st, path, id, req).await
}

async fn entity_response(AxState(st): St, path: String, id: String, req: Request) -> Response {
    let nested = format!("{path}/{id}");
    if links::service(&nested).is_some() || collection(&nested).is_some() {
        return resource_at(&st, &nested, &req);
    }
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let json = wants_json(headers);
    let Some(coll) = collection(&path) else {
        return error(StatusCode::NOT_FOUND, "no such resource", json);
    };
    let wanted = id.rsplit(':').next().unwrap_or(&id).to_ascii_lowercase();
    let items = items_of(&st, coll.path);
    let Some(item) = items.iter().find(|i| i.id.eq_ignore_ascii_case(&wanted)) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no such {}", coll.item),
            json,
        );
    };
    let node = if is_entity_format(&req) {
        entity(&st, coll, item)
    } else {
        reference(&st, coll, item)
    };
    render(StatusCode::OK, &node, json)
}

/// The types the query service answers, by their `type` parameter, and their collection.
const QUERY_TYPES: &[(&str, &str)] = &[
    ("Job", "jobs"),
    ("BackupServer", "backupServers"),
    ("Repository", "repositories"),
];

/// A positive whole number query parameter, `default` when absent; `Err` when malformed.
fn positive_param(req: &Request, name: &str, default: u64) -> Result<u64, String> {
    match query_param(req.uri(), name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
            .ok_or_else(|| format!("{name} must be a positive integer")),
    }
}

/// The query service, `GET /api/query?type=Job&format=Entities|References&pageSize=N&page=P`:
/// one page (from 1, `pageSize` 100 by default) as a `QueryResult` with its `PagingInfo`.
async fn query(AxState(st): St, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let json = wants_json(headers);
    let bad = |message: &str| error(StatusCode::BAD_REQUEST, message, json);
    let type_param = query_param(req.uri(), "type").unwrap_or_default();
    let Some((type_name, path)) = QUERY_TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(type_param.trim()))
    else {
        return bad(&format!("unknown query type '{type_param}'"));
    };
    let Some(coll) = collection(path) else {
        return bad("unknown query type");
    };
    let entities = match query_param(req.uri(), "format") {
        None => false,
        Some(f) if f.eq_ignore_ascii_case("references") => false,
        Some(f) if f.eq_ignore_ascii_case("entities") || f.eq_ignore_ascii_case("entity") => true,
        Some(_) => return bad("format must be Entities or References"),
    };
    let (page_size, page) = match (
        positive_param(&req, "pageSize", 100),
        positive_param(&req, "page", 1),
    ) {
        (Ok(size), Ok(page)) => (size, page),
        (Err(message), _) | (_, Err(message)) => return bad(&message),
    };
    let all = items_of(&st, coll.path);
    let total = all.len() as u64;
    let pages_count = total.div_ceil(page_size).max(1);
    let start = usize::try_from((page - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let take = usize::try_from(page_size).unwrap_or(usize::MAX);
    let items: Vec<&Item> = all.iter().skip(start).take(take).collect();
    let format = if entities { "Entities" } else { "References" };
    let page_link = |n: u64, rel: &'static str| {
        link(
            format!(
                "{}/api/query?type={type_name}&format={format}&pageSize={page_size}&page={n}",
                st.bases.em
            ),
            "QueryResult",
            rel,
            None,
        )
    };
    let mut links = vec![page_link(1, "First")];
    if page > 1 {
        links.push(page_link((page - 1).min(pages_count), "Previous"));
    }
    if page < pages_count {
        links.push(page_link(page + 1, "Next"));
    }
    links.push(page_link(pages_count, "Last"));
    let body = if entities {
        Node::el("Entities").child(Node::List {
            name: coll.list,
            items: items.iter().map(|i| entity(&st, coll, i)).collect(),
        })
    } else {
        Node::el("Refs").child(Node::Inline {
            json_name: "Refs",
            items: items.iter().map(|i| reference(&st, coll, i)).collect(),
        })
    };
    let paging = Node::el("PagingInfo")
        .attr("PageNum", page)
        .attr("PageSize", page_size)
        .attr("PagesCount", pages_count)
        .child(Node::List {
            name: "Links",
            items: links,
        });
    let node = Node::el("QueryResult").child(body).child(paging);
    render(StatusCode::OK, &node, json)
}
