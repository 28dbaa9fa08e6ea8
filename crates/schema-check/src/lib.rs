//! A small OpenAPI 3.0 response validator (target F3).
//!
//! [`Spec`] holds an OpenAPI document (JSON or YAML). [`Spec::response_schema`] finds the schema
//! of an operation's answer by method, concrete path (`/api/v1/jobs/123` matches
//! `/api/v1/jobs/{id}`) and status; [`Spec::validate`] checks a JSON value against a schema and
//! returns every [`SchemaError`], each with the JSON pointer of the offending value.
//!
//! What is checked (OpenAPI 3.0 rules): `$ref` (local, with cycle protection), `type`,
//! `required`, `properties`, `additionalProperties` (`true`, `false` or a schema), `items`,
//! `enum`, `format` `uuid` and `date-time`, `nullable`, `allOf` / `oneOf` / `anyOf`, and
//! `discriminator` (`propertyName` with its `mapping`, or the schema's name as the implicit
//! mapping: the discriminator picks the subschema, and the parent's `oneOf` / `anyOf` then counts
//! as satisfied). Anything else (`minimum`, `pattern`, lengths, ...) is not checked.
//!
//! Nothing here panics on its input: an unresolvable `$ref` or a malformed schema is reported as
//! a [`SchemaError`], an operation that does not exist as a [`LookupError`].

mod format;
mod lookup;
mod validate;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use lookup::LookupError;

/// One way in which a value does not follow its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer (RFC 6901) of the offending value in the validated document; `""` is the
    /// whole document.
    pub pointer: String,
    /// What is wrong, in words.
    pub reason: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "at {at}: {}", self.reason)
    }
}

/// Why a document could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read the OpenAPI document {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The text is neither JSON nor YAML.
    #[error("the OpenAPI document is neither JSON nor YAML: {0}")]
    Parse(String),
    /// The document is not an object with `paths`.
    #[error("the document is not an OpenAPI document (no `paths` object)")]
    NotOpenApi,
}

/// An OpenAPI 3.0 document, ready to look operations up and validate values.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
}

impl Spec {
    /// A document already parsed.
    pub fn from_value(doc: Value) -> Result<Self, LoadError> {
        if !doc.get("paths").is_some_and(Value::is_object) {
            return Err(LoadError::NotOpenApi);
        }
        Ok(Self { doc })
    }

    /// A document from JSON or YAML text (JSON is tried first).
    pub fn from_text(text: &str) -> Result<Self, LoadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc = match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(json_err) => serde_yaml_ng::from_str::<Value>(text).map_err(|yaml_err| {
                LoadError::Parse(format!("as JSON: {json_err}; as YAML: {yaml_err}"))
            })?,
        };
        Self::from_value(doc)
    }

    /// A document from a file (JSON or YAML).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(&text)
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The path template (`/api/v1/jobs/{id}`) of the document that `path` matches, if any.
    ///
    /// Literal segments compare without regard to ASCII case; a `{name}` segment matches any
    /// non-empty segment; a query string is ignored; where several templates match, the one with
    /// the most literal segments wins (`/repositories/states` over `/repositories/{id}`).
    pub fn match_path(&self, path: &str) -> Option<&str> {
        lookup::match_path(&self.doc, path)
    }

    /// The schema of the answer to `method path` with `status`, for JSON content (`status` falls
    /// back to `NXX` and then `default`; content prefers `application/json`, else the first
    /// media type that has a schema).
    pub fn response_schema(
        &self,
        method: &str,
        path: &str,
        status: u16,
    ) -> Result<&Value, LookupError> {
        lookup::response_schema(&self.doc, method, path, status)
    }

    /// Every way in which `value` does not follow `schema` (empty: valid). `schema` may be a
    /// schema of this document or a `{"$ref": "#/components/schemas/X"}`.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<SchemaError> {
        validate::Validator::new(&self.doc).run(schema, value)
    }

    /// Every way in which `value`, the answer to `method path` with `status`, does not follow
    /// the operation's response schema.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        value: &Value,
    ) -> Result<Vec<SchemaError>, LookupError> {
        let schema = self.response_schema(method, path, status)?;
        Ok(self.validate(schema, value))
    }

    /// Validates `value` against the component schema `name` (`#/components/schemas/<name>`).
    pub fn validate_component(&self, name: &str, value: &Value) -> Vec<SchemaError> {
        let schema = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
        self.validate(&schema, value)
    }
}
