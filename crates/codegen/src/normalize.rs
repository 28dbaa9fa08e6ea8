//! The normalisation stage between an OpenAPI document and progenitor.
//!
//! Real vendor specs use constructs progenitor panics on or cannot express. Each rewrite here is
//! generic (keyed on the construct, never on a vendor's path or schema name), is reported as one
//! warning line, and keeps the document valid OpenAPI 3.0:
//!
//! - the header parameters named in [`Config::strip_header_parameters`] (e.g. an API version
//!   header) are removed: the session layer sets them once per client instead of every call
//!   taking them;
//! - a request body or response with several media types keeps one (JSON first), and a form body
//!   loses its `encoding` object;
//! - an operation whose success responses (or error responses) have different types keeps the
//!   responses of one type;
//! - operation ids are made unique, and synthesised where missing;
//! - a schema that combines `properties` with `oneOf`/`anyOf` keeps its properties (the common
//!   base of its variants) and drops the variant list and its discriminator;
//! - a request body with no media type progenitor can encode (`multipart/form-data`, XML only,
//!   …) moves, unchanged, into the operation's [`custom_body::EXTENSION`] for
//!   [`custom_body`], which sends it with its real media type; progenitor sees no body.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::{Config, custom_body};

/// HTTP methods of an OpenAPI path item, in the order progenitor visits them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Media types progenitor can encode as request bodies, in order of preference.
const REQUEST_MEDIA: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

/// What normalisation changed, one line per rewrite.
#[derive(Debug, Default)]
pub struct Report {
    /// Human-readable warnings, one per rewritten or skipped construct.
    pub warnings: Vec<String>,
}

impl Report {
    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

/// Rewrites `spec` in place into a form progenitor accepts; see the module docs.
pub fn normalize(spec: &mut Value, config: &Config) -> Result<Report> {
    let strip = &config.strip_header_parameters;
    let mut report = Report::default();
    let version = spec
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !version.starts_with("3.0") {
        bail!(
            "OpenAPI version {version:?} is not supported: progenitor reads OpenAPI 3.0.x only \
             (convert a 3.1 document to 3.0 first)"
        );
    }
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    normalize_schemas(spec, &mut report);
    let mut seen_ids = BTreeSet::new();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        bail!("the document has no `paths` object");
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        if item.contains_key("$ref") {
            report.warn(format!(
                "{path}: skipped (path items defined by reference are not supported)"
            ));
            item.clear();
            continue;
        }
        if let Some(params) = item.get_mut("parameters") {
            strip_headers(params, &components, strip);
        }
        for method in METHODS {
            let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let label = format!("{} {path}", method.to_uppercase());
            let keep = normalize_operation(
                operation,
                &label,
                &components,
                strip,
                &mut seen_ids,
                &mut report,
            );
            if !keep {
                item.remove(method);
            }
        }
    }
    Ok(report)
}

/// Normalises one operation; returns false when it must be skipped.
fn normalize_operation(
    operation: &mut Map<String, Value>,
    label: &str,
    components: &Value,
    strip: &[String],
    seen_ids: &mut BTreeSet<String>,
    report: &mut Report,
) -> bool {
    unique_operation_id(operation, label, seen_ids, report);
    if let Some(params) = operation.get_mut("parameters") {
        strip_headers(params, components, strip);
    }
    if let Some(body) = operation.get_mut("requestBody") {
        resolve_ref(body, components, "requestBodies");
        if !normalize_request_body(body, label, report)
            && let Some(body) = operation.remove("requestBody")
        {
            let media = custom_body::move_into_extension(operation, body);
            report.warn(format!(
                "{label}: request body {media} is sent by restpoint's own code path \
                 (progenitor cannot encode it)"
            ));
        }
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            resolve_ref(response, components, "responses");
            keep_one_response_media(response);
        }
        split_default(responses);
        keep_one_type(
            responses,
            label,
            "success",
            |code| code.starts_with('2'),
            report,
        );
        keep_one_type(
            responses,
            label,
            "error",
            |code| code.starts_with('4') || code.starts_with('5') || code == "default",
            report,
        );
    }
    true
}

/// Inherent methods of progenitor's `Client`: an operation id that becomes one of these method
/// names gets the suffix `_operation`.
const CLIENT_METHODS: [&str; 7] = [
    "new",
    "new_with_client",
    "baseurl",
    "client",
    "api_version",
    "inner",
    "api",
];

/// Gives the operation a unique `operationId`, synthesising one from the label when missing.
fn unique_operation_id(
    operation: &mut Map<String, Value>,
    label: &str,
    seen: &mut BTreeSet<String>,
    report: &mut Report,
) {
    let base = match operation.get("operationId").and_then(Value::as_str) {
        Some(id) if !id.trim().is_empty() => id.to_string(),
        _ => {
            let id = synthesize_id(label);
            report.warn(format!("{label}: no operationId, using {id}"));
            id
        }
    };
    let mut id = base.clone();
    let mut n = 2;
    let key: String = synthesize_id(&base).replace('_', "");
    if CLIENT_METHODS.iter().any(|m| m.replace('_', "") == key) {
        id = format!("{base}_operation");
        report.warn(format!(
            "{label}: operationId {base} names a method of the generated Client, renamed to {id}"
        ));
    }
    let named = id.clone();
    while !seen.insert(id.to_lowercase()) {
        id = format!("{named}_{n}");
        n += 1;
    }
    if id != named {
        report.warn(format!(
            "{label}: operationId {base} is used twice, renamed to {id}"
        ));
    }
    operation.insert("operationId".into(), Value::String(id));
}

fn synthesize_id(label: &str) -> String {
    let mut id = String::new();
    for ch in label.chars() {
        if ch.is_ascii_alphanumeric() {
            id.push(ch.to_ascii_lowercase());
        } else if !id.ends_with('_') {
            id.push('_');
        }
    }
    id.trim_matches('_').to_string()
}

/// Removes the header parameters named in `strip` (inline or by reference) from a parameter
/// list.
fn strip_headers(params: &mut Value, components: &Value, strip: &[String]) {
    let Some(list) = params.as_array_mut() else {
        return;
    };
    if strip.is_empty() {
        return;
    }
    list.retain(|param| {
        let resolved = match param.get("$ref").and_then(Value::as_str) {
            Some(reference) => lookup_ref(components, reference).unwrap_or(param),
            None => param,
        };
        let is_header = resolved.get("in").and_then(Value::as_str) == Some("header");
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("");
        !(is_header && strip.iter().any(|s| name.eq_ignore_ascii_case(s)))
    });
}

/// Replaces a `$ref` to `#/components/<kind>/...` by a copy of its target.
fn resolve_ref(value: &mut Value, components: &Value, kind: &str) {
    let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
        return;
    };
    if !reference.starts_with(&format!("#/components/{kind}/")) {
        return;
    }
    if let Some(target) = lookup_ref(components, reference) {
        *value = target.clone();
    }
}

/// Follows a local `#/components/...` reference.
fn lookup_ref<'a>(components: &'a Value, reference: &str) -> Option<&'a Value> {
    let rest = reference.strip_prefix("#/components/")?;
    let mut node = components;
    for part in rest.split('/') {
        let part = part.replace("~1", "/").replace("~0", "~");
        node = node.get(part.as_str())?;
    }
    Some(node)
}

/// Keeps one encodable media type of a request body; false when none is encodable.
fn normalize_request_body(body: &mut Value, label: &str, report: &mut Report) -> bool {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return true;
    };
    let available: Vec<String> = content.keys().cloned().collect();
    let chosen = REQUEST_MEDIA
        .iter()
        .find(|wanted| available.iter().any(|m| m == *wanted))
        .map(|m| m.to_string())
        .or_else(|| {
            available
                .iter()
                .find(|m| m.contains("json"))
                .map(|_| "application/json".to_string())
        });
    let Some(chosen) = chosen else {
        return false;
    };
    let mut media = content
        .get(&chosen)
        .or_else(|| content.values().find(|_| true))
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    if let Some(media) = media.as_object_mut()
        && media.remove("encoding").is_some()
    {
        report.warn(format!(
            "{label}: dropped the `encoding` object of the {chosen} body"
        ));
    }
    if available.len() > 1 || available[0] != chosen {
        report.warn(format!(
            "{label}: request body keeps {chosen} of [{}]",
            available.join(", ")
        ));
    }
    content.clear();
    content.insert(chosen, media);
    true
}

/// Keeps one media type of a response: JSON first, then text, then the first listed.
fn keep_one_response_media(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.len() <= 1
        && content
            .keys()
            .all(|m| m == "application/json" || !m.contains("json"))
    {
        return;
    }
    let (chosen, media) = {
        let pick = |pred: &dyn Fn(&str) -> bool| {
            content
                .iter()
                .find(|(m, _)| pred(m))
                .map(|(_, v)| v.clone())
        };
        if let Some(media) =
            pick(&|m| m == "application/json").or_else(|| pick(&|m| m.contains("json")))
        {
            ("application/json".to_string(), media)
        } else {
            let (m, v) = content
                .iter()
                .next()
                .map(|(m, v)| (m.clone(), v.clone()))
                .unwrap_or_default();
            (m, v)
        }
    };
    content.clear();
    content.insert(chosen, media);
}

/// progenitor counts a `default` response as both a success and an error. When its type differs
/// from the success type (the usual `200` body + `default` error model), it becomes the `4XX` and
/// `5XX` ranges, which are errors only.
fn split_default(responses: &mut Map<String, Value>) {
    let Some(default) = responses.get("default") else {
        return;
    };
    let default_type = response_type(default);
    let success: BTreeSet<String> = responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .map(|(_, r)| response_type(r))
        .collect();
    if success.is_empty() || success.iter().all(|t| *t == default_type) {
        return;
    }
    if let Some(default) = responses.remove("default") {
        for range in ["4XX", "5XX"] {
            responses
                .entry(range.to_string())
                .or_insert_with(|| default.clone());
        }
    }
}

/// A response's type identity: its media type and schema, or nothing.
fn response_type(response: &Value) -> String {
    match response.get("content").and_then(Value::as_object) {
        Some(content) if !content.is_empty() => {
            let (media, value) = content.iter().next().expect("content is not empty");
            format!("{media} {}", value.get("schema").unwrap_or(&Value::Null))
        }
        _ => "none".to_string(),
    }
}

/// Among the responses selected by `class`, keeps only those of one type: the type of the
/// lowest success code, or the most common error type.
fn keep_one_type(
    responses: &mut Map<String, Value>,
    label: &str,
    kind: &str,
    class: impl Fn(&str) -> bool,
    report: &mut Report,
) {
    let selected: Vec<(String, String)> = responses
        .iter()
        .filter(|(code, _)| class(code))
        .map(|(code, r)| (code.clone(), response_type(r)))
        .collect();
    let types: BTreeSet<&String> = selected.iter().map(|(_, t)| t).collect();
    if types.len() <= 1 {
        return;
    }
    let keep = if kind == "success" {
        // The lowest code that has a body; a body-less 204 beside a 200 is the usual case.
        selected
            .iter()
            .filter(|(_, t)| t != "none")
            .min_by(|a, b| a.0.cmp(&b.0))
            .unwrap_or(&selected[0])
            .1
            .clone()
    } else {
        let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
        for (_, t) in &selected {
            *counts.entry(t).or_default() += 1;
        }
        let best = counts.values().copied().max().unwrap_or(0);
        // Ties go to a typed body over none, then to the first in order.
        counts
            .iter()
            .filter(|(_, n)| **n == best)
            .map(|(t, _)| (*t).clone())
            .min_by_key(|t| (t == "none", t.clone()))
            .unwrap_or_default()
    };
    let dropped: Vec<String> = selected
        .iter()
        .filter(|(_, t)| *t != keep)
        .map(|(code, _)| code.clone())
        .collect();
    for code in &dropped {
        responses.remove(code);
    }
    report.warn(format!(
        "{label}: {kind} responses of different types; dropped {}",
        dropped.join(", ")
    ));
}

/// Walks every schema under `components.schemas` and rewrites what typify cannot take.
fn normalize_schemas(spec: &mut Value, report: &mut Report) {
    let Some(schemas) = spec
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        normalize_schema(schema, name, report);
    }
}

fn normalize_schema(schema: &mut Value, name: &str, report: &mut Report) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        let mut seen = BTreeMap::new();
        let clash = values.iter().filter_map(Value::as_str).find_map(|v| {
            let key: String = v
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            seen.insert(key, v).map(|other| (other, v))
        });
        if let Some((a, b)) = clash {
            report.warn(format!(
                "schema {name}: enum values {a:?} and {b:?} differ only in case or punctuation \
                 (no two Rust variants can be named apart); the values are kept as a plain string"
            ));
            object.remove("enum");
        }
    }
    if object.contains_key("properties")
        && (object.contains_key("oneOf") || object.contains_key("anyOf"))
    {
        object.remove("oneOf");
        object.remove("anyOf");
        object.remove("discriminator");
        report.warn(format!(
            "schema {name}: properties combined with oneOf/anyOf; kept the properties and dropped \
             the variants"
        ));
    }
    for key in ["properties"] {
        if let Some(props) = object.get_mut(key).and_then(Value::as_object_mut) {
            for (prop, value) in props.iter_mut() {
                normalize_schema(value, &format!("{name}.{prop}"), report);
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(value) = object.get_mut(key) {
            normalize_schema(value, name, report);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = object.get_mut(key).and_then(Value::as_array_mut) {
            for value in list {
                normalize_schema(value, name, report);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Config {
        Config {
            strip_header_parameters: vec!["x-api-version".into()],
            ..Config::default()
        }
    }

    fn normalize(spec: &mut Value) -> Result<Report> {
        super::normalize(spec, &config())
    }

    fn doc(paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths,
               "components": {"parameters": {"ApiVersion": {"name": "x-api-version", "in": "header",
               "required": true, "schema": {"type": "string"}}}}})
    }

    #[test]
    fn refuses_openapi_3_1() {
        let mut spec = json!({"openapi": "3.1.0", "paths": {}});
        let err = normalize(&mut spec).unwrap_err().to_string();
        assert!(err.contains("3.1.0"), "{err}");
    }

    #[test]
    fn strips_x_api_version_inline_and_by_reference() {
        let mut spec = doc(json!({"/a": {"get": {"operationId": "a", "parameters": [
            {"$ref": "#/components/parameters/ApiVersion"},
            {"name": "X-Api-Version", "in": "header", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}}
        ], "responses": {"200": {"description": "ok"}}}}}));
        normalize(&mut spec).unwrap();
        let params = &spec["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params.as_array().unwrap().len(), 1);
        assert_eq!(params[0]["name"], "limit");
    }

    #[test]
    fn keeps_one_media_type_preferring_json() {
        let mut spec = doc(json!({"/a": {"post": {"operationId": "a",
            "requestBody": {"content": {
                "application/xml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "ok", "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
                "application/json; charset=utf-8": {"schema": {"type": "integer"}}}}}}}}));
        let report = normalize(&mut spec).unwrap();
        let op = &spec["paths"]["/a"]["post"];
        let body: Vec<_> = op["requestBody"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(body, ["application/json"]);
        let resp = op["responses"]["200"]["content"].as_object().unwrap();
        assert_eq!(resp.len(), 1);
        assert_eq!(resp["application/json"]["schema"]["type"], "integer");
        assert!(!report.warnings.is_empty());
    }

    #[test]
    fn moves_bodies_progenitor_cannot_encode_into_the_extension_unchanged() {
        let body = json!({"required": true, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}});
        let mut spec = doc(json!({"/a": {"post": {"operationId": "a",
            "requestBody": body.clone(),
            "responses": {"200": {"description": "ok"}}}}}));
        let report = normalize(&mut spec).unwrap();
        let op = &spec["paths"]["/a"]["post"];
        assert!(op.get("requestBody").is_none());
        assert_eq!(op[custom_body::EXTENSION]["requestBody"], body);
        assert_eq!(op[custom_body::EXTENSION]["media"], "multipart/form-data");
        assert!(report.warnings.iter().any(|w| w.contains("own code path")));
        assert!(!report.warnings.iter().any(|w| w.contains("skipped")));
    }

    #[test]
    fn an_enum_whose_values_differ_only_in_case_becomes_a_string() {
        let mut spec = doc(json!({}));
        spec["components"]["schemas"] = json!({
            "Kind": {"type": "string", "enum": ["Other", "other", "x"]},
            "Fine": {"type": "string", "enum": ["a", "b"]}});
        let report = normalize(&mut spec).unwrap();
        assert!(spec["components"]["schemas"]["Kind"].get("enum").is_none());
        assert_eq!(spec["components"]["schemas"]["Kind"]["type"], "string");
        assert!(spec["components"]["schemas"]["Fine"].get("enum").is_some());
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.contains("\"Other\" and \"other\""))
        );
    }

    #[test]
    fn strips_only_the_configured_headers() {
        let mut spec = doc(json!({"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "x-api-version", "in": "header", "schema": {"type": "string"}}
        ], "responses": {"200": {"description": "ok"}}}}}));
        super::normalize(&mut spec, &Config::default()).unwrap();
        assert_eq!(
            spec["paths"]["/a"]["get"]["parameters"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn drops_form_encoding_objects() {
        let mut spec = doc(json!({"/t": {"post": {"operationId": "t",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object"}, "encoding": {"a": {"style": "form"}}}}},
            "responses": {"200": {"description": "ok"}}}}}));
        normalize(&mut spec).unwrap();
        let media = &spec["paths"]["/t"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"];
        assert!(media.get("encoding").is_none());
        assert!(media.get("schema").is_some());
    }

    #[test]
    fn makes_operation_ids_unique_and_present() {
        let mut spec = doc(json!({
            "/a": {"get": {"operationId": "GetThing", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "GetThing", "responses": {"200": {"description": "ok"}}},
                   "put": {"responses": {"200": {"description": "ok"}}}}}));
        normalize(&mut spec).unwrap();
        assert_eq!(spec["paths"]["/a"]["get"]["operationId"], "GetThing");
        assert_eq!(spec["paths"]["/b"]["get"]["operationId"], "GetThing_2");
        assert_eq!(spec["paths"]["/b"]["put"]["operationId"], "put_b");
    }

    #[test]
    fn collapses_success_and_error_responses_of_different_types() {
        let json_body = |t: &str| json!({"description": "x", "content": {"application/json": {"schema": {"type": t}}}});
        let mut spec = doc(json!({"/a": {"post": {"operationId": "a", "responses": {
            "200": json_body("object"), "204": {"description": "empty"},
            "400": json_body("string"), "401": json_body("string"), "500": {"description": "empty"}}}}}));
        normalize(&mut spec).unwrap();
        let responses = spec["paths"]["/a"]["post"]["responses"]
            .as_object()
            .unwrap();
        let codes: Vec<_> = responses.keys().cloned().collect();
        assert_eq!(codes, ["200", "400", "401"]);
    }

    #[test]
    fn splits_a_default_error_away_from_success_responses() {
        let mut spec = doc(json!({"/a": {"delete": {"operationId": "a", "responses": {
            "200": {"description": "ok"},
            "default": {"description": "e", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}));
        normalize(&mut spec).unwrap();
        let responses = spec["paths"]["/a"]["delete"]["responses"]
            .as_object()
            .unwrap();
        let codes: Vec<_> = responses.keys().cloned().collect();
        assert_eq!(codes, ["200", "4XX", "5XX"]);
    }

    #[test]
    fn resolves_response_references_before_comparing() {
        let mut spec = doc(json!({"/a": {"get": {"operationId": "a", "responses": {
            "200": {"$ref": "#/components/responses/Ok"}}}}}));
        spec["components"]["responses"] = json!({"Ok": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "string"}}, "text/json": {"schema": {"type": "string"}}}}});
        normalize(&mut spec).unwrap();
        let content = spec["paths"]["/a"]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(content.len(), 1);
    }

    #[test]
    fn keeps_properties_and_drops_one_of_with_discriminator() {
        let mut spec = doc(json!({}));
        spec["components"]["schemas"] = json!({"Job": {"type": "object",
            "properties": {"type": {"type": "string"}, "name": {"type": "string"}},
            "discriminator": {"propertyName": "type"},
            "oneOf": [{"$ref": "#/components/schemas/A"}]}});
        normalize(&mut spec).unwrap();
        let job = spec["components"]["schemas"]["Job"].as_object().unwrap();
        assert!(job.contains_key("properties"));
        assert!(!job.contains_key("oneOf"));
        assert!(!job.contains_key("discriminator"));
    }
}
