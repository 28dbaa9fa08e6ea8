//! The validation walk: one value against one schema, errors collected with their JSON pointer.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::SchemaError;
use crate::format::{is_date_time, is_uuid};

/// How deep schemas may nest before the walk gives up (a guard on top of the `$ref` cycle check).
const MAX_DEPTH: usize = 200;

/// Resolves a local reference (`#/components/schemas/X`, JSON pointer escapes honoured).
pub(crate) fn resolve_pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Appends one token to a JSON pointer (RFC 6901 escaping).
fn push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(v: &Value, ty: &str) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        // An unknown type name constrains nothing we can check.
        _ => true,
    }
}

/// One validation run over one document.
pub(crate) struct Validator<'d> {
    doc: &'d Value,
    /// `$ref`s being expanded, each with the pointer of the value it is applied to: meeting the
    /// same pair again is a cycle (`A allOf B`, `B oneOf A`), which adds nothing new and is
    /// taken as satisfied.
    active: HashSet<(String, String)>,
}

impl<'d> Validator<'d> {
    pub(crate) fn new(doc: &'d Value) -> Self {
        Self {
            doc,
            active: HashSet::new(),
        }
    }

    pub(crate) fn run(mut self, schema: &Value, value: &Value) -> Vec<SchemaError> {
        let mut errors = Vec::new();
        self.check(schema, value, "", 0, &mut errors);
        errors
    }

    fn err(errors: &mut Vec<SchemaError>, pointer: &str, reason: String) {
        errors.push(SchemaError {
            pointer: pointer.to_string(),
            reason,
        });
    }

    /// Checks `value` (at `pointer`) against `schema`, appending to `errors`.
    fn check(
        &mut self,
        schema: &Value,
        value: &Value,
        pointer: &str,
        depth: usize,
        errors: &mut Vec<SchemaError>,
    ) {
        if depth > MAX_DEPTH {
            Self::err(errors, pointer, "schema nesting too deep".into());
            return;
        }
        let schema = match schema {
            // `true` / `false` schemas (JSON Schema; harmless to accept).
            Value::Bool(true) => return,
            Value::Bool(false) => {
                Self::err(errors, pointer, "no value is allowed here".into());
                return;
            }
            Value::Object(m) => m,
            _ => {
                Self::err(errors, pointer, "the schema is not an object".into());
                return;
            }
        };

        // `$ref`: OpenAPI 3.0 ignores its siblings.
        if let Some(reference) = schema.get("$ref") {
            let Some(reference) = reference.as_str() else {
                Self::err(errors, pointer, "`$ref` is not a string".into());
                return;
            };
            let Some(target) = resolve_pointer(self.doc, reference) else {
                Self::err(
                    errors,
                    pointer,
                    format!("cannot resolve `$ref` {reference}"),
                );
                return;
            };
            let key = (reference.to_string(), pointer.to_string());
            if !self.active.insert(key.clone()) {
                return;
            }
            self.check(target, value, pointer, depth + 1, errors);
            self.active.remove(&key);
            return;
        }

        if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            return;
        }

        if let Some(ty) = schema.get("type").and_then(Value::as_str)
            && !has_type(value, ty)
        {
            Self::err(
                errors,
                pointer,
                format!("expected {ty}, found {}", type_name(value)),
            );
            // Nothing below makes sense for a value of the wrong type.
            return;
        }

        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let shown: Vec<String> = allowed.iter().take(12).map(Value::to_string).collect();
            let more = if allowed.len() > 12 { ", ..." } else { "" };
            Self::err(
                errors,
                pointer,
                format!("{value} is not one of [{}{more}]", shown.join(", ")),
            );
        }

        if let (Some(fmt), Some(s)) = (schema.get("format").and_then(Value::as_str), value.as_str())
        {
            let ok = match fmt {
                "uuid" => is_uuid(s),
                "date-time" => is_date_time(s),
                _ => true,
            };
            if !ok {
                Self::err(errors, pointer, format!("{value} is not a valid {fmt}"));
            }
        }

        if let Some(obj) = value.as_object() {
            self.check_object(schema, obj, pointer, depth, errors);
        }

        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            for (i, item) in arr.iter().enumerate() {
                self.check(
                    items,
                    item,
                    &push(pointer, &i.to_string()),
                    depth + 1,
                    errors,
                );
            }
        }

        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, value, pointer, depth + 1, errors);
            }
        }

        // A discriminator picks the subschema; `oneOf` / `anyOf` then count as satisfied.
        if let Some(disc) = schema.get("discriminator") {
            let alternatives = schema
                .get("oneOf")
                .or_else(|| schema.get("anyOf"))
                .and_then(Value::as_array);
            self.check_discriminator(disc, alternatives, value, pointer, depth, errors);
            return;
        }

        if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
            let results: Vec<Vec<SchemaError>> = one
                .iter()
                .map(|sub| self.trial(sub, value, pointer, depth))
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            if passing == 0 {
                Self::no_alternative(errors, pointer, "oneOf", results);
            } else if passing > 1 {
                Self::err(
                    errors,
                    pointer,
                    format!("matches {passing} of the oneOf alternatives, exactly one allowed"),
                );
            }
        }

        if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
            let results: Vec<Vec<SchemaError>> = any
                .iter()
                .map(|sub| self.trial(sub, value, pointer, depth))
                .collect();
            if !results.iter().any(Vec::is_empty) {
                Self::no_alternative(errors, pointer, "anyOf", results);
            }
        }
    }

    /// Errors of `value` against `sub`, without recording them.
    fn trial(
        &mut self,
        sub: &Value,
        value: &Value,
        pointer: &str,
        depth: usize,
    ) -> Vec<SchemaError> {
        let mut errs = Vec::new();
        self.check(sub, value, pointer, depth + 1, &mut errs);
        errs
    }

    /// Reports that no alternative matched, with the errors of the closest one.
    fn no_alternative(
        errors: &mut Vec<SchemaError>,
        pointer: &str,
        keyword: &str,
        results: Vec<Vec<SchemaError>>,
    ) {
        let closest = results.into_iter().min_by_key(Vec::len).unwrap_or_default();
        let detail: Vec<String> = closest.iter().take(3).map(ToString::to_string).collect();
        Self::err(
            errors,
            pointer,
            format!(
                "matches none of the {keyword} alternatives (closest: {})",
                detail.join("; ")
            ),
        );
    }

    fn check_object(
        &mut self,
        schema: &Map<String, Value>,
        obj: &Map<String, Value>,
        pointer: &str,
        depth: usize,
        errors: &mut Vec<SchemaError>,
    ) {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    Self::err(
                        errors,
                        pointer,
                        format!("required property `{name}` is missing"),
                    );
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(props) = properties {
            for (name, sub) in props {
                if let Some(v) = obj.get(name) {
                    self.check(sub, v, &push(pointer, name), depth + 1, errors);
                }
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => {
                for name in obj.keys() {
                    if !properties.is_some_and(|p| p.contains_key(name)) {
                        Self::err(
                            errors,
                            &push(pointer, name),
                            format!(
                                "property `{name}` is not allowed (additionalProperties: false)"
                            ),
                        );
                    }
                }
            }
            Some(extra @ Value::Object(_)) => {
                for (name, v) in obj {
                    if !properties.is_some_and(|p| p.contains_key(name)) {
                        self.check(extra, v, &push(pointer, name), depth + 1, errors);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_discriminator(
        &mut self,
        disc: &Value,
        alternatives: Option<&Vec<Value>>,
        value: &Value,
        pointer: &str,
        depth: usize,
        errors: &mut Vec<SchemaError>,
    ) {
        let Some(obj) = value.as_object() else {
            // The type check has already spoken; a discriminator needs an object.
            return;
        };
        let Some(prop) = disc.get("propertyName").and_then(Value::as_str) else {
            Self::err(
                errors,
                pointer,
                "the discriminator has no propertyName".into(),
            );
            return;
        };
        let Some(tag) = obj.get(prop) else {
            Self::err(
                errors,
                pointer,
                format!("discriminator property `{prop}` is missing"),
            );
            return;
        };
        let Some(tag) = tag.as_str() else {
            Self::err(
                errors,
                &push(pointer, prop),
                format!(
                    "discriminator `{prop}` must be a string, found {}",
                    type_name(tag)
                ),
            );
            return;
        };
        let mapped = disc
            .get("mapping")
            .and_then(|m| m.get(tag))
            .and_then(Value::as_str)
            .map(|target| {
                // A mapping value is a reference or a bare schema name.
                if target.starts_with('#') {
                    target.to_string()
                } else {
                    format!("#/components/schemas/{target}")
                }
            });
        let implicit = format!("#/components/schemas/{tag}");
        let target = mapped.or_else(|| {
            let listed = alternatives.is_some_and(|alts| {
                alts.iter()
                    .any(|a| a.get("$ref").and_then(Value::as_str) == Some(implicit.as_str()))
            });
            let exists = resolve_pointer(self.doc, &implicit).is_some();
            (listed || (alternatives.is_none() && exists)).then_some(implicit)
        });
        match target {
            Some(reference) => {
                let sub = serde_json::json!({ "$ref": reference });
                self.check(&sub, value, pointer, depth + 1, errors);
            }
            None if alternatives.is_some() => {
                let mut known: Vec<String> = disc
                    .get("mapping")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                if known.is_empty() {
                    known = alternatives
                        .into_iter()
                        .flatten()
                        .filter_map(|a| a.get("$ref").and_then(Value::as_str))
                        .filter_map(|r| r.rsplit('/').next())
                        .map(str::to_string)
                        .collect();
                }
                Self::err(
                    errors,
                    &push(pointer, prop),
                    format!(
                        "discriminator value {tag:?} selects no schema (known: {})",
                        known.join(", ")
                    ),
                );
            }
            // A base schema whose children are not listed: nothing more to check.
            None => {}
        }
    }
}
