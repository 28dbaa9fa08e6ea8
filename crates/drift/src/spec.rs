//! One loaded OpenAPI 3.x document (JSON or YAML) and the look-ups the comparison needs: local
//! `$ref` resolution and the list of operations.

use std::path::Path;

use serde_json::Value;

use crate::error::DriftError;
use crate::operation::{Method, Operation, template_key};

/// How many `$ref` hops are followed before a chain is taken for a cycle.
const MAX_REF_HOPS: usize = 32;

/// A parsed OpenAPI 3.x document, kept as a JSON tree: nothing a vendor writes is refused as long
/// as the parts the comparison reads have the documented shapes (an unexpected shape is read as
/// "not stated" rather than failing).
#[derive(Debug, Clone)]
pub struct Spec {
    name: String,
    root: Value,
}

impl Spec {
    /// Reads and parses a file: JSON when it starts with `{` (after white space), YAML otherwise.
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, DriftError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DriftError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Spec::parse(&path.display().to_string(), &text)
    }

    /// Parses a document from text; `name` names it in errors and reports.
    pub fn parse(name: &str, text: &str) -> Result<Spec, DriftError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| DriftError::Parse {
                name: name.to_owned(),
                message: e.to_string(),
            })?
        } else {
            let yaml: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).map_err(|e| DriftError::Parse {
                    name: name.to_owned(),
                    message: e.to_string(),
                })?;
            yaml_to_json(yaml)
        };
        Spec::from_value(name, root)
    }

    /// Takes an already parsed document; `name` names it in errors and reports.
    pub fn from_value(name: &str, root: Value) -> Result<Spec, DriftError> {
        let not = |why: &str| DriftError::NotOpenApi {
            name: name.to_owned(),
            why: why.to_owned(),
        };
        match root.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.") => {}
            Some(_) => return Err(not("the `openapi` field does not name a 3.x version")),
            None => return Err(not("no `openapi` field")),
        }
        if !root.get("paths").is_some_and(Value::is_object) {
            return Err(not("no `paths` object"));
        }
        Ok(Spec {
            name: name.to_owned(),
            root,
        })
    }

    /// The name given when loading (the file's path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `info.title` and `info.version`, e.g. `"Veeam Backup & Replication REST API 1.3-rev1"`.
    pub fn title(&self) -> String {
        let info = &self.root["info"];
        let title = info["title"].as_str().unwrap_or("(untitled)");
        match info["version"].as_str() {
            Some(version) => format!("{title} {version}"),
            None => title.to_owned(),
        }
    }

    /// Follows local `$ref`s (`#/components/...`) from `value` to the object they name; answers
    /// the last name on the way (`JobModel`) beside it. A ref that leaves the document, does not
    /// resolve or loops answers the last object reached and its name.
    pub(crate) fn resolve<'a>(&'a self, mut value: &'a Value) -> (Option<&'a str>, &'a Value) {
        let mut name = None;
        for _ in 0..MAX_REF_HOPS {
            let Some(pointer) = value.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(target) = pointer.strip_prefix('#').and_then(|p| self.root.pointer(p)) else {
                break;
            };
            name = pointer.rsplit('/').next();
            value = target;
        }
        (name, value)
    }

    /// Every operation (a method under a path), in path order, with the path item's parameters
    /// merged into the operation's own (the operation's win, matched by `in` and `name`).
    pub(crate) fn operations(&self) -> Vec<Operation<'_>> {
        let mut out = Vec::new();
        let Some(paths) = self.root["paths"].as_object() else {
            return out;
        };
        for (path, item) in paths {
            let (_, item) = self.resolve(item);
            for method in Method::ALL {
                let Some(op) = item.get(method.key()).filter(|v| v.is_object()) else {
                    continue;
                };
                let mut parameters: Vec<&Value> = Vec::new();
                for list in [&op["parameters"], &item["parameters"]] {
                    for p in list.as_array().into_iter().flatten() {
                        let (_, p) = self.resolve(p);
                        let key = parameter_key(p);
                        if key.is_some() && !parameters.iter().any(|q| parameter_key(q) == key) {
                            parameters.push(p);
                        }
                    }
                }
                out.push(Operation {
                    method,
                    path: path.clone(),
                    key: template_key(path),
                    id: op["operationId"].as_str().map(str::to_owned),
                    parameters,
                    body: op.get("requestBody"),
                    responses: op.get("responses"),
                });
            }
        }
        out
    }
}

/// A parameter's identity: where it goes and its name (header names ignore case).
pub(crate) fn parameter_key(p: &Value) -> Option<(String, String)> {
    let place = p["in"].as_str()?;
    let name = p["name"].as_str()?;
    let name = if place == "header" {
        name.to_ascii_lowercase()
    } else {
        name.to_owned()
    };
    Some((place.to_owned(), name))
}

/// YAML to JSON: mapping keys that YAML reads as numbers or booleans (`200:`) become strings.
fn yaml_to_json(yaml: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => serde_yaml_ng::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_load_alike_and_numeric_keys_become_strings() {
        let yaml = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n";
        let spec = Spec::parse("a.yaml", yaml).unwrap();
        assert_eq!(spec.title(), "T 1");
        assert!(spec.root["paths"]["/a"]["get"]["responses"]["200"].is_object());
        let json = r#"{"openapi":"3.1.0","info":{"title":"T"},"paths":{}}"#;
        assert_eq!(Spec::parse("a.json", json).unwrap().title(), "T");
    }

    #[test]
    fn documents_that_are_not_openapi_3_are_refused() {
        for (text, why) in [
            ("swagger: '2.0'\npaths: {}\n", "no `openapi` field"),
            ("openapi: 2.0\npaths: {}\n", "3.x"),
            ("openapi: 3.0.0\n", "no `paths`"),
        ] {
            let err = Spec::parse("x", text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
        let err = Spec::parse("x", "{ not json").unwrap_err();
        assert!(matches!(err, DriftError::Parse { .. }), "{err}");
    }

    #[test]
    fn refs_resolve_through_chains_and_stop_on_cycles() {
        let spec = Spec::parse(
            "x",
            r##"{"openapi":"3.0.0","paths":{},"components":{"schemas":{
                "A":{"$ref":"#/components/schemas/B"},"B":{"type":"string"},
                "L":{"$ref":"#/components/schemas/M"},"M":{"$ref":"#/components/schemas/L"}}}}"##,
        )
        .unwrap();
        let (name, v) = spec.resolve(&spec.root["components"]["schemas"]["A"]);
        assert_eq!((name, v["type"].as_str()), (Some("B"), Some("string")));
        let (name, _) = spec.resolve(&spec.root["components"]["schemas"]["L"]);
        assert!(name.is_some(), "a loop ends instead of hanging");
    }
}
