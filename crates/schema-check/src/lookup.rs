//! Finding an operation's response schema by method, concrete path and status.

use serde_json::Value;

/// Why no response schema was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No path template of the document matches the path.
    #[error("no path of the document matches {0}")]
    NoPath(String),
    /// The path exists but has no operation for the method.
    #[error("{template} has no {method} operation")]
    NoOperation {
        /// The matched template.
        template: String,
        /// The method asked for (lower case).
        method: String,
    },
    /// The operation declares no response for the status (nor `NXX`, nor `default`).
    #[error("{method} {template} declares no response {status}")]
    NoResponse {
        /// The matched template.
        template: String,
        /// The method (lower case).
        method: String,
        /// The status asked for.
        status: u16,
    },
    /// The response has no content with a schema.
    #[error("{method} {template} {status}: the response has no content schema")]
    NoSchema {
        /// The matched template.
        template: String,
        /// The method (lower case).
        method: String,
        /// The status.
        status: u16,
    },
}

fn segments(path: &str) -> Vec<&str> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn is_template(seg: &str) -> bool {
    seg.len() >= 2 && seg.starts_with('{') && seg.ends_with('}')
}

/// The best-matching template of `doc.paths` for `path`, see [`crate::Spec::match_path`].
pub(crate) fn match_path<'a>(doc: &'a Value, path: &str) -> Option<&'a str> {
    let wanted = segments(path);
    let paths = doc.get("paths")?.as_object()?;
    let mut best: Option<(&str, usize)> = None;
    for template in paths.keys() {
        let have = segments(template);
        if have.len() != wanted.len() {
            continue;
        }
        let mut literals = 0;
        let matches = have.iter().zip(&wanted).all(|(t, w)| {
            if is_template(t) {
                true
            } else if t.eq_ignore_ascii_case(w) {
                literals += 1;
                true
            } else {
                false
            }
        });
        if matches && best.is_none_or(|(_, n)| literals > n) {
            best = Some((template.as_str(), literals));
        }
    }
    best.map(|(t, _)| t)
}

pub(crate) fn response_schema<'a>(
    doc: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> Result<&'a Value, LookupError> {
    let template = match_path(doc, path).ok_or_else(|| LookupError::NoPath(path.to_string()))?;
    let method = method.to_ascii_lowercase();
    let op = doc["paths"][template]
        .get(&method)
        .ok_or_else(|| LookupError::NoOperation {
            template: template.to_string(),
            method: method.clone(),
        })?;
    let responses = op.get("responses");
    let class = format!("{}XX", status / 100);
    let response = [
        status.to_string(),
        class.clone(),
        class.to_ascii_lowercase(),
    ]
    .iter()
    .chain(std::iter::once(&"default".to_string()))
    .find_map(|k| responses.and_then(|r| r.get(k.as_str())))
    .ok_or_else(|| LookupError::NoResponse {
        template: template.to_string(),
        method: method.clone(),
        status,
    })?;
    // A response may itself be a `$ref` to `#/components/responses/X`.
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(r) => crate::validate::resolve_pointer(doc, r).unwrap_or(response),
        None => response,
    };
    let no_schema = || LookupError::NoSchema {
        template: template.to_string(),
        method: method.clone(),
        status,
    };
    let content = response
        .get("content")
        .and_then(Value::as_object)
        .ok_or_else(no_schema)?;
    content
        .get("application/json")
        .and_then(|c| c.get("schema"))
        .or_else(|| content.values().find_map(|c| c.get("schema")))
        .ok_or_else(no_schema)
}
