//! The EM query service, `GET /api/query`: one page of references or entities of a type, with
//! its `PagingInfo` and paging links.

use axum::extract::{Request, State as AxState};
use axum::response::Response;
use http::StatusCode;

use crate::common::{query_param, wants_json};
use crate::xml::Node;

use super::links::collection;
use super::session::authenticate;
use super::tree::{Item, entity, items_of, reference};
use super::{St, error, link, render};

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
pub(super) async fn query(AxState(st): St, req: Request) -> Response {
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
