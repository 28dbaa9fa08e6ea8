//! The `/api/v1` resources (VBR-13 models per revision): `serverInfo`, jobs and their actions,
//! sessions, backups and repositories, with the paging, ordering and name filter of lists.

use axum::extract::{Extension, Path, Request, State as AxState};
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::common::{body_response, query_pairs};
use crate::config::VbrRole;
use crate::jobs::{run_status, start_run, stop_runs};
use crate::state::{JobRun, State, rfc3339};

use super::auth::authenticate;
use super::models::Models;
use super::revision::ApiRevision;
use super::{St, error_with, json_response};

/// The revision's models for a request (VBR-13; see [`Models`]).
fn models(st: &State, rev: Option<Extension<ApiRevision>>) -> Models {
    Models::for_request(st, rev.map(|Extension(r)| r))
}

pub(super) async fn server_info(
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

/// An authenticated list request: its paging and filters, and the models of its revision.
fn list_request(st: &State, req: &Request) -> Result<(ListQuery, Models), Response> {
    authenticate(st, req.headers())?;
    let q = list_query(req)?;
    Ok((q, Models::for_request(st, req.extensions().get().copied())))
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

    /// Keeps the items whose text at `pointer` (a JSON pointer) is query parameter `param`,
    /// without regard to case; all of them when the parameter is absent.
    fn retain_eq(&self, items: &mut Vec<Value>, param: &str, pointer: &str) {
        if let Some(want) = self.get(param) {
            items.retain(|v| {
                v.pointer(pointer)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(want))
            });
        }
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

pub(super) async fn list_jobs(AxState(st): St, req: Request) -> Response {
    let (q, m) = match list_request(&st, &req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut items: Vec<Value> = st.inventory.jobs.iter().map(|j| m.job(&st, j)).collect();
    q.retain_eq(&mut items, "typeFilter", "/type");
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

pub(super) async fn get_job(
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

/// `POST /api/v1/jobs/{id}/start|stop|retry` → `201` with a session (`retry` from revision
/// 1.3-rev0, where the vendor's spec first has it).
pub(super) async fn job_action(
    AxState(st): St,
    Path((id, action)): Path<(String, String)>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    let (_, _, role) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let served = match action.as_str() {
        "start" | "stop" => true,
        "retry" => rev.is_none_or(|Extension(r)| r.at_least(1, 3)),
        _ => false,
    };
    if !served {
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

pub(super) async fn list_sessions(AxState(st): St, req: Request) -> Response {
    let (q, _) = match list_request(&st, &req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = st.now_ms();
    let runs = st.runs.lock().clone();
    let mut items: Vec<Value> = runs
        .iter()
        .rev()
        .map(|r| session_json(&st, r, now))
        .collect();
    for (param, pointer) in [
        ("typeFilter", "/sessionType"),
        ("stateFilter", "/state"),
        ("jobIdFilter", "/jobId"),
        ("resultFilter", "/result/result"),
    ] {
        q.retain_eq(&mut items, param, pointer);
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

pub(super) async fn get_session(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
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

pub(super) async fn list_backups(AxState(st): St, req: Request) -> Response {
    let (q, m) = match list_request(&st, &req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut items: Vec<Value> = st
        .inventory
        .backups
        .iter()
        .map(|b| m.backup(&st, b))
        .collect();
    q.retain_eq(&mut items, "jobIdFilter", "/jobId");
    q.page(items, &[("Name", "name"), ("CreationTime", "creationTime")])
}

pub(super) async fn get_backup(
    AxState(st): St,
    Path(id): Path<String>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st.inventory.backup(&id) {
        Some(b) => json_response(StatusCode::OK, &models(&st, rev).backup(&st, b)),
        None => bad_id(),
    }
}

pub(super) async fn list_repositories(AxState(st): St, req: Request) -> Response {
    let (q, m) = match list_request(&st, &req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut items: Vec<Value> = st
        .inventory
        .repositories
        .iter()
        .map(|r| m.repository(&st, r))
        .collect();
    q.retain_eq(&mut items, "typeFilter", "/type");
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

pub(super) async fn get_repository(
    AxState(st): St,
    Path(id): Path<String>,
    rev: Option<Extension<ApiRevision>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return r;
    }
    match st.inventory.repository(&id) {
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
