//! Operations and how the two documents' operations are matched: by method and path template,
//! path parameter names ignored (`/jobs/{id}` is `/jobs/{jobId}`).

use serde::Serialize;
use serde_json::Value;

/// An HTTP method of an OpenAPI path item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The key of the method in a path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key().to_ascii_uppercase())
    }
}

/// One operation of a document, its parameters resolved.
#[derive(Debug)]
pub(crate) struct Operation<'a> {
    pub method: Method,
    /// The path as written (`/api/v1/jobs/{id}`).
    pub path: String,
    /// The path with every parameter name dropped (`/api/v1/jobs/{}`).
    pub key: String,
    pub id: Option<String>,
    /// Path item and operation parameters, `$ref`s resolved, the operation's first.
    pub parameters: Vec<&'a Value>,
    pub body: Option<&'a Value>,
    pub responses: Option<&'a Value>,
}

/// A path template with its parameter names dropped: `/jobs/{jobId}` → `/jobs/{}`; a trailing
/// `/` is dropped too (`/sessionMngr/` is `/sessionMngr`).
pub fn template_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_do_not_matter_but_everything_else_does() {
        assert_eq!(template_key("/jobs/{id}"), template_key("/jobs/{jobId}"));
        assert_eq!(template_key("/a/{x}/b/{y}"), "/a/{}/b/{}");
        assert_eq!(template_key("/a/"), "/a");
        assert_eq!(template_key("/"), "/");
        assert_ne!(template_key("/jobs/{id}"), template_key("/Jobs/{id}"));
        assert_ne!(template_key("/jobs/{id}"), template_key("/jobs/{id}/start"));
    }
}
