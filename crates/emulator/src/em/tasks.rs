//! EM tasks (EM-12): job actions answer `202` with a `Task` owned by the calling logon session,
//! which runs on the virtual clock and then reads `Finished`.

use axum::extract::{Path, Request, State as AxState};
use axum::response::Response;
use http::{HeaderMap, StatusCode};

use crate::breaks::Break;
use crate::common::{query_param, wants_json};
use crate::config::EmRole;
use crate::jobs::{start_run, stop_runs};
use crate::state::{EmTask, State};
use crate::xml::Node;

use super::parse_id;
use super::session::authenticate;
use super::{St, error, link, render};

/// How long an EM task stays Running on the clock before it is Finished (EM-12).
pub(crate) const TASK_SECS: u64 = 10;

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
pub(super) async fn list_tasks(AxState(st): St, headers: HeaderMap) -> Response {
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

pub(super) async fn get_task(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
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
pub(super) async fn job_action(AxState(st): St, Path(id): Path<String>, req: Request) -> Response {
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
