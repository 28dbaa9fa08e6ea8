//! Zerto Virtual Manager: legacy `x-zerto-session` logon, and `/v1` resources (ZVM-01..ZVM-09);
//! which logons are served follows [`crate::Behaviour::zvm_kind`] (ZVM-10). The Appliance's
//! Keycloak realm is in [`crate::zvm_oidc`].

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State as AxState};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::behaviour::ZvmKind;
use crate::breaks::Break;
use crate::common::{
    basic_credentials, bearer, body_response, content_is_xml, guard, query_pairs, wants_json,
};
use crate::defaults;
use crate::state::{
    Count, Product, State, Token32, ZvmSession, decode_b64url, dur_ms, random_uuid, rfc3339,
};
use crate::xml::json_to_xml;
use crate::zvm_models::{ZvmModel, shaped};

/// The ZVM session header (ZVM-02, ZVM-03).
pub(crate) const SESSION_HEADER: &str = "x-zerto-session";
const XML_NS: &str = "http://schemas.datacontract.org/2004/07/Zerto.Zvm.Common.Api";

type St = AxState<Arc<State>>;

pub(crate) fn router(st: Arc<State>) -> Router {
    Router::new()
        .route("/v1/session/add", post(logon))
        .route("/v1/session", delete(logout))
        .route(crate::zvm_oidc::TOKEN_PATH, post(crate::zvm_oidc::token))
        .route(crate::zvm_oidc::LOGOUT_PATH, post(crate::zvm_oidc::logout))
        .route("/v1/localsite", get(local_site))
        .route("/v1/vpgs", get(list_vpgs))
        .route("/v1/vpgs/{id}", get(get_vpg))
        .route("/v1/vms", get(list_vms))
        .route("/v1/tasks", get(list_tasks))
        .route("/v1/tasks/{id}", get(get_task))
        .route("/v1/alerts", get(list_alerts))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
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

/// ZVM-01, ZVM-02, ZVM-07: `POST /v1/session/add`; an Appliance answers `404` (ZVM-10).
async fn logon(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    if st.behaviour().zvm_kind == ZvmKind::Appliance {
        if st.breaks.has(Break::ZvmApplianceSessionAdd401) {
            return err(
                StatusCode::UNAUTHORIZED,
                "Authorization has been denied for this request.",
                &headers,
            );
        }
        return not_found(headers).await;
    }
    // Body: empty, or {"AuthenticationMethod": 0|1} (JSON or XML).
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    if !text.is_empty() {
        let method = if content_is_xml(&headers) || text.starts_with('<') {
            let inner = text
                .split("<AuthenticationMethod>")
                .nth(1)
                .and_then(|s| s.split("</AuthenticationMethod>").next());
            match inner {
                Some(v) => v.trim().parse::<i64>().ok().map(Some),
                None if text.contains("AuthenticationMethod") => None,
                None => Some(None),
            }
        } else {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => {
                    match map
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("AuthenticationMethod"))
                    {
                        None => Some(None),
                        Some((_, Value::Number(n))) => n.as_i64().map(Some),
                        Some((_, Value::String(_)))
                            if st.breaks.has(Break::ZvmAuthMethodStringRefused) =>
                        {
                            None
                        }
                        Some((_, Value::String(s))) => s.trim().parse::<i64>().ok().map(Some),
                        Some((_, Value::Null)) => Some(None),
                        Some(_) => None,
                    }
                }
                _ => {
                    return err(
                        StatusCode::BAD_REQUEST,
                        "the body must be empty or {\"AuthenticationMethod\": 0|1}",
                        &headers,
                    );
                }
            }
        };
        match method {
            Some(None) | Some(Some(0)) | Some(Some(1)) => {}
            _ => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "AuthenticationMethod must be 0 (Windows) or 1 (vCenter/SCVMM)",
                    &headers,
                );
            }
        }
    }
    let sent = basic_credentials(&headers);
    let user = match &sent {
        Some(Ok((name, password))) => st.authenticate(name, password).filter(|(_, u)| u.zvm),
        _ => None,
    };
    let Some((index, user)) = user else {
        st.count(Product::Zvm, Count::FailedLogon);
        tracing::info!("ZVM logon refused");
        if matches!(sent, Some(Ok(_))) && st.breaks.has(Break::ZvmWrongPasswordForbidden) {
            return err(StatusCode::FORBIDDEN, "Access denied.", &headers);
        }
        let mut resp = err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            &headers,
        );
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        return resp;
    };
    let id = random_uuid();
    {
        let mut store = st.zvm.lock();
        if store.sessions.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.zvm.lock();
            if store.sessions.len() >= st.limits.session_cap {
                return err(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many sessions: the session table is full",
                    &headers,
                );
            }
        }
        store.sessions.insert(
            id.as_u128(),
            ZvmSession {
                user: index,
                last_ms: st.now_ms(),
            },
        );
    }
    st.count(Product::Zvm, Count::Logon);
    tracing::info!(user = %user.name, "ZVM logon");
    let status = if st.breaks.has(Break::ZvmLogonCreated) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert(SESSION_HEADER, v);
    }
    resp
}

/// What authenticated a request.
enum Caller {
    Session(u128),
    Bearer(Token32),
}

/// ZVM-03, ZVM-05, ZVM-09, ZVM-11: `x-zerto-session` (dormancy reset by each request) or Bearer
/// (refused on a Windows ZVM; without `scope=openid` refused when the setting asks).
fn authenticate(st: &State, headers: &HeaderMap) -> Result<Caller, Response> {
    let now = st.now_ms();
    if let Some(value) = headers.get(SESSION_HEADER) {
        let id = value
            .to_str()
            .ok()
            .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
            .map(|u| u.as_u128());
        let dormancy = dur_ms(st.lifetimes().zvm_dormancy);
        if let Some(id) = id {
            let mut store = st.zvm.lock();
            if let Some(s) = store.sessions.get_mut(&id) {
                if now < s.last_ms.saturating_add(dormancy) {
                    if !st.breaks.has(Break::ZvmDormancyNotReset) {
                        s.last_ms = now;
                    }
                    return Ok(Caller::Session(id));
                }
                store.sessions.remove(&id);
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "the session has expired: log on again",
                    headers,
                ));
            }
        }
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            headers,
        ));
    }
    if let Some(token) = bearer(headers) {
        let behaviour = st.behaviour();
        let key = decode_b64url::<32>(token);
        if key.is_none() && st.breaks.has(Break::ZvmForgedBearerAccepted) {
            return Ok(Caller::Bearer([0; 32]));
        }
        if let Some(key) = key.filter(|_| behaviour.zvm_kind != ZvmKind::Windows) {
            let mut store = st.zvm.lock();
            if let Some(t) = store.access.get(&key).copied() {
                if now < t.expires_ms {
                    if !t.openid
                        && behaviour.zvm_require_openid_scope
                        && !st.breaks.has(Break::ZvmOpenidScopeIgnored)
                    {
                        return Err(err(
                            StatusCode::UNAUTHORIZED,
                            "the token was issued without scope openid",
                            headers,
                        ));
                    }
                    return Ok(Caller::Bearer(key));
                }
                store.access.remove(&key);
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "the access token has expired",
                    headers,
                ));
            }
        }
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            headers,
        ));
    }
    if st.breaks.has(Break::ZvmSessionNotRequired) {
        return Ok(Caller::Session(0));
    }
    Err(err(
        StatusCode::UNAUTHORIZED,
        "Authorization has been denied for this request: send x-zerto-session",
        headers,
    ))
}

/// ZVM-04: `DELETE /v1/session` → `200` empty; the id is refused afterwards.
async fn logout(AxState(st): St, headers: HeaderMap) -> Response {
    match authenticate(&st, &headers) {
        Ok(Caller::Session(_)) if st.breaks.has(Break::ZvmLogoutKeepsSession) => {}
        Ok(Caller::Session(id)) => {
            st.zvm.lock().sessions.remove(&id);
        }
        Ok(Caller::Bearer(key)) => {
            st.zvm.lock().access.remove(&key);
        }
        Err(r) => return r,
    }
    st.count(Product::Zvm, Count::Logout);
    tracing::info!("ZVM logout");
    StatusCode::OK.into_response()
}

fn link(st: &State, path: &str, id: &str, ty: &str) -> Value {
    json!({
        "href": format!("{}/v1/{path}/{id}", st.bases.zvm),
        "identifier": id,
        "rel": null,
        "type": ty,
    })
}

async fn local_site(AxState(st): St, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let site = &st.inventory.zvm_site;
    let value = json!({
        "SiteIdentifier": site.id,
        "SiteName": site.name,
        "Location": site.location,
        "Version": site.version,
        "ContactEmail": "ops@lab.local",
        "ContactName": "Operations",
        "ContactPhone": null,
        "IpAddress": "127.0.0.1",
        "SiteType": "VCenter",
        "UtcOffsetInMinutes": 0,
        "IsReplicationToSelfEnabled": true,
        "BandwidthThrottlingInMBs": -1.0,
        "Link": {
            "href": format!("{}/v1/localsite", st.bases.zvm),
            "identifier": site.id,
            "rel": null,
            "type": "LocalSiteApi",
        },
    });
    let value = shaped(&st, ZvmModel::LocalSite, value);
    render(&headers, &value, "LocalSite", "LocalSite")
}

fn vpg_json(st: &State, v: &crate::inventory::Vpg) -> Value {
    let n = v.vms.len() as u64;
    json!({
        "VpgIdentifier": v.id,
        "VpgName": v.name,
        "Status": v.status,
        "SubStatus": 0,
        "Priority": v.priority,
        "VmsCount": v.vms.len(),
        "ActualRPO": 6,
        "ConfiguredRpoSeconds": v.rpo_seconds,
        "ProvisionedStorageInMB": 40960 * n,
        "UsedStorageInMB": 20480 * n,
        "IOPs": 0,
        "ThroughputInMB": 0.0,
        "ProgressPercentage": 0.0,
        "LastTest": null,
        "SourceSite": st.inventory.zvm_site.name,
        "TargetSite": v.target_site,
        "OrganizationName": null,
        "ServiceProfileName": null,
        "BackupEnabled": false,
        "Entities": {"Protected": 0, "Recovery": 0, "Source": 0, "Target": 0},
        "Link": link(st, "vpgs", &v.id, "VpgApi"),
    })
}

fn params(req: &Request) -> Vec<(String, String)> {
    query_pairs(req.uri())
}

fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn retain_eq(items: &mut Vec<Value>, field: &str, want: Option<&str>) {
    if let Some(want) = want {
        items.retain(|v| match &v[field] {
            Value::String(s) => s.eq_ignore_ascii_case(want),
            Value::Number(n) => n.to_string() == want.trim(),
            _ => false,
        });
    }
}

async fn list_vpgs(AxState(st): St, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let p = params(&req);
    let mut items: Vec<Value> = st.inventory.vpgs.iter().map(|v| vpg_json(&st, v)).collect();
    retain_eq(&mut items, "VpgName", param(&p, "name"));
    retain_eq(&mut items, "Status", param(&p, "status"));
    retain_eq(&mut items, "SubStatus", param(&p, "subStatus"));
    retain_eq(&mut items, "Priority", param(&p, "priority"));
    let value = shaped(&st, ZvmModel::Vpg, Value::Array(items));
    render(headers, &value, "ArrayOfVpg", "Vpg")
}

async fn get_vpg(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st
        .inventory
        .vpgs
        .iter()
        .find(|v| v.id.eq_ignore_ascii_case(&id))
    {
        Some(v) => render(
            &headers,
            &shaped(&st, ZvmModel::Vpg, vpg_json(&st, v)),
            "Vpg",
            "Vpg",
        ),
        None => err(StatusCode::NOT_FOUND, "VPG not found", &headers),
    }
}

async fn list_vms(AxState(st): St, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let p = params(&req);
    let mut items: Vec<Value> = st
        .inventory
        .vpgs
        .iter()
        .flat_map(|v| {
            let st = &st;
            v.vms.iter().map(move |vm| {
                let id = crate::inventory::stable_id("ZvmVm", vm);
                json!({
                    "VmIdentifier": id,
                    "VmName": vm,
                    "VpgIdentifier": v.id,
                    "VpgName": v.name,
                    "Status": v.status,
                    "SubStatus": 0,
                    "Priority": v.priority,
                    "ActualRPO": 6,
                    "ProvisionedStorageInMB": 40960,
                    "UsedStorageInMB": 20480,
                    "IOPs": 0,
                    "ThroughputInMB": 0.0,
                    "SourceSite": st.inventory.zvm_site.name,
                    "TargetSite": v.target_site,
                    "Link": link(st, "vms", &id, "VmApi"),
                })
            })
        })
        .collect();
    retain_eq(&mut items, "VpgName", param(&p, "vpgName"));
    retain_eq(&mut items, "VmName", param(&p, "vmName"));
    retain_eq(&mut items, "Status", param(&p, "status"));
    retain_eq(&mut items, "VmIdentifier", param(&p, "vmIdentifier"));
    let value = shaped(&st, ZvmModel::Vm, Value::Array(items));
    render(headers, &value, "ArrayOfVm", "Vm")
}

fn task_json(st: &State, t: &crate::inventory::ZvmTask, now: u64) -> Value {
    let (started, completed) = if t.duration_secs == 0 {
        (
            st.start_ms.saturating_sub(3_600_000),
            Some(st.start_ms.saturating_sub(3_000_000)),
        )
    } else {
        let end = st.start_ms.saturating_add(t.duration_secs * 1000);
        (st.start_ms, (now >= end).then_some(end))
    };
    let progress = match completed {
        Some(_) => 100,
        None => {
            let total = t.duration_secs.max(1) * 1000;
            (now.saturating_sub(started) * 100 / total).min(99)
        }
    };
    let vpgs: Vec<Value> = st
        .inventory
        .vpgs
        .iter()
        .filter(|v| v.name == t.vpg)
        .map(|v| link(st, "vpgs", &v.id, "VpgApi"))
        .collect();
    json!({
        "TaskIdentifier": t.id,
        "Type": t.kind,
        "Status": {"Progress": progress, "State": if completed.is_some() { 6 } else { 1 }},
        "InitiatedBy": defaults::ADMIN_USER,
        "Started": rfc3339(started),
        "Completed": completed.map(rfc3339),
        "CompleteReason": completed.map(|_| "Task completed successfully"),
        "IsCancellable": completed.is_none(),
        "RelatedEntities": {"Vpgs": vpgs, "Sites": [], "Hosts": []},
        "Link": link(st, "tasks", &t.id, "TaskApi"),
    })
}

async fn list_tasks(AxState(st): St, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let p = params(&req);
    let now = st.now_ms();
    let mut items: Vec<Value> = st
        .inventory
        .zvm_tasks
        .iter()
        .map(|t| task_json(&st, t, now))
        .collect();
    retain_eq(&mut items, "Type", param(&p, "type"));
    if let Some(want) = param(&p, "status") {
        let want = want.trim().parse::<u64>().ok();
        items.retain(|v| v["Status"]["State"].as_u64() == want);
    }
    let value = shaped(&st, ZvmModel::Task, Value::Array(items));
    render(headers, &value, "ArrayOfTask", "Task")
}

async fn get_task(AxState(st): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let now = st.now_ms();
    match st
        .inventory
        .zvm_tasks
        .iter()
        .find(|t| t.id.eq_ignore_ascii_case(&id))
    {
        Some(t) => render(
            &headers,
            &shaped(&st, ZvmModel::Task, task_json(&st, t, now)),
            "Task",
            "Task",
        ),
        None => err(StatusCode::NOT_FOUND, "Task not found", &headers),
    }
}

async fn list_alerts(AxState(st): St, req: Request) -> Response {
    let headers = req.headers();
    if let Err(r) = authenticate(&st, headers) {
        return r;
    }
    let p = params(&req);
    let site = &st.inventory.zvm_site;
    let mut items: Vec<Value> = st
        .inventory
        .alerts
        .iter()
        .map(|a| {
            let vpgs: Vec<Value> = st
                .inventory
                .vpgs
                .iter()
                .filter(|v| v.name == a.vpg)
                .map(|v| link(&st, "vpgs", &v.id, "VpgApi"))
                .collect();
            json!({
                "AlertIdentifier": a.id,
                "Level": a.level,
                "Entity": if a.vpg.is_empty() { "Zvm" } else { "Vpg" },
                "HelpIdentifier": a.help_identifier,
                "Description": a.description,
                "TurnedOn": rfc3339(st.start_ms.saturating_sub(3_600_000)),
                "IsDismissed": false,
                "AffectedVpgs": vpgs,
                "Site": link(&st, "localsite", &site.id, "LocalSiteApi"),
                "Link": link(&st, "alerts", &a.id, "AlertApi"),
            })
        })
        .collect();
    retain_eq(&mut items, "Level", param(&p, "level"));
    if let Some(want) = param(&p, "vpgIdentifier") {
        items.retain(|v| {
            v["AffectedVpgs"].as_array().is_some_and(|a| {
                a.iter().any(|l| {
                    l["identifier"]
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(want))
                })
            })
        });
    }
    let value = shaped(&st, ZvmModel::Alert, Value::Array(items));
    render(headers, &value, "ArrayOfAlert", "Alert")
}
