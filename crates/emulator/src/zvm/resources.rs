//! The ZVM `/v1` resources: the local site, VPGs, VMs, tasks and alerts, with their query
//! filters; property names follow the ZVM kind (see [`super::models`]).

use axum::extract::{Path, Request, State as AxState};
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::common::query_pairs;
use crate::defaults;
use crate::state::{State, rfc3339};

use super::models::{ZvmModel, shaped};
use super::session::authenticate;
use super::{St, err, render};

fn link(st: &State, path: &str, id: &str, ty: &str) -> Value {
    json!({
        "href": format!("{}/v1/{path}/{id}", st.bases.zvm),
        "identifier": id,
        "rel": null,
        "type": ty,
    })
}

pub(super) async fn local_site(AxState(st): St, headers: HeaderMap) -> Response {
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

pub(super) async fn list_vpgs(AxState(st): St, req: Request) -> Response {
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

pub(super) async fn get_vpg(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st.inventory.vpg(&id) {
        Some(v) => render(
            &headers,
            &shaped(&st, ZvmModel::Vpg, vpg_json(&st, v)),
            "Vpg",
            "Vpg",
        ),
        None => err(StatusCode::NOT_FOUND, "VPG not found", &headers),
    }
}

pub(super) async fn list_vms(AxState(st): St, req: Request) -> Response {
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

pub(super) async fn list_tasks(AxState(st): St, req: Request) -> Response {
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

pub(super) async fn get_task(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    let now = st.now_ms();
    match st.inventory.zvm_task(&id) {
        Some(t) => render(
            &headers,
            &shaped(&st, ZvmModel::Task, task_json(&st, t, now)),
            "Task",
            "Task",
        ),
        None => err(StatusCode::NOT_FOUND, "Task not found", &headers),
    }
}

pub(super) async fn list_alerts(AxState(st): St, req: Request) -> Response {
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
