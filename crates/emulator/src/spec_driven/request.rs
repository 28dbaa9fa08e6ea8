//! Checking a request against its operation: the body against the request schema (JSON
//! bodies), `skip` and `limit` as numbers.

use http::HeaderMap;
use restpoint_schema_check::Spec;
use serde_json::Value;

use super::answer::{Paging, json_media};

/// Why a request is refused with the product's `400`. The text names where the body breaks
/// its schema (JSON pointers), never a value from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRequest(pub(crate) String);

/// Checks the body of `method template` (lower-case `method`).
pub(crate) fn check_body(
    spec: &Spec,
    method: &str,
    template: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), BadRequest> {
    let doc = spec.document();
    let Some(request_body) = doc
        .get("paths")
        .and_then(|p| p.get(template))
        .and_then(|p| p.get(method))
        .and_then(|o| o.get("requestBody"))
    else {
        return Ok(());
    };
    let request_body = match request_body
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(p) => doc.pointer(p).unwrap_or(&Value::Null),
        None => request_body,
    };
    let required = request_body.get("required").and_then(Value::as_bool) == Some(true);
    if body.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(BadRequest("the request body is required".into()))
        } else {
            Ok(())
        };
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.is_empty() && !content_type.contains("json") {
        // A form or XML body: not checked here.
        return Ok(());
    }
    let Some(schema) = request_body
        .get("content")
        .and_then(json_media)
        .and_then(|m| m.get("schema"))
    else {
        return Ok(());
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| BadRequest("the request body is not valid JSON".into()))?;
    let errors = spec.validate(schema, &value);
    if errors.is_empty() {
        return Ok(());
    }
    let mut at: Vec<String> = errors
        .iter()
        .take(5)
        .map(|e| {
            if e.pointer.is_empty() {
                "(root)".to_string()
            } else {
                e.pointer.clone()
            }
        })
        .collect();
    at.dedup();
    Err(BadRequest(format!(
        "the request body does not follow the operation's schema (at {})",
        at.join(", ")
    )))
}

/// `skip` and `limit` of the query (non-negative integers when present).
pub(crate) fn paging(query: Option<&str>) -> Result<Paging, BadRequest> {
    let mut paging = Paging::default();
    for pair in query.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || {
            v.trim()
                .parse::<usize>()
                .map_err(|_| BadRequest(format!("{k} must be a non-negative integer")))
        };
        if k.eq_ignore_ascii_case("skip") {
            paging.skip = number()?;
        } else if k.eq_ignore_ascii_case("limit") {
            paging.limit = Some(number()?);
        }
    }
    Ok(paging)
}
