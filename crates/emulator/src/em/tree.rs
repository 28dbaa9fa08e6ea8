//! The EM document tree below `/api/` (EM-04): collections as reference lists or entities,
//! single references and entities, and service documents; the items come from the inventory.

use axum::extract::{Path, Request, State as AxState};
use axum::response::Response;
use http::StatusCode;

use crate::common::{query_param, wants_json};
use crate::jobs::run_status;
use crate::state::{State, rfc3339};
use crate::xml::Node;

use super::links::{self, Collection, collection};
use super::session::authenticate;
use super::{St, error, link, render};

/// One row of a collection: id, name, entity fields, extra links.
pub(super) struct Item {
    id: String,
    name: String,
    fields: Vec<Node>,
}

pub(super) fn items_of(st: &State, path: &str) -> Vec<Item> {
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

pub(super) fn reference(st: &State, coll: &Collection, item: &Item) -> Node {
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

pub(super) fn entity(st: &State, coll: &Collection, item: &Item) -> Node {
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

pub(super) async fn list_collection(
    AxState(st): St,
    Path(path): Path<String>,
    req: Request,
) -> Response {
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
pub(super) async fn create_in_collection(
    AxState(st): St,
    Path(path): Path<String>,
    req: Request,
) -> Response {
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

pub(super) async fn get_entity_jobs(st: St, Path(id): Path<String>, req: Request) -> Response {
    entity_response(st, "jobs".to_string(), id, req).await
}

pub(super) async fn get_entity(
    st: St,
    Path((path, id)): Path<(String, String)>,
    req: Request,
) -> Response {
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
