//! The validator's own tests: each rule is reported when broken and accepted when kept.

use restpoint_schema_check::{LookupError, Spec};
use serde_json::{Value, json};

fn spec() -> Spec {
    let doc = json!({
        "openapi": "3.0.1",
        "paths": {
            "/api/v1/jobs": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/JobsResult"}}}}}}},
            "/api/v1/jobs/{id}": {"get": {"responses": {"200": {"content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/JobModel"}}}}}}},
            "/api/v1/jobs/states": {"get": {"responses": {"default": {"content": {
                "application/json": {"schema": {"type": "array"}}}}}}}
        },
        "components": {"schemas": {
            "JobsResult": {
                "type": "object", "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/JobModel"}}}
            },
            "EJobType": {"type": "string", "enum": ["VSphereBackup", "VSphereReplica"]},
            // The vendor files' shape: the parent lists its children in oneOf with a
            // discriminator, and each child is allOf [parent, own part]: a cycle.
            "JobModel": {
                "type": "object", "required": ["id", "name", "type"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "type": {"$ref": "#/components/schemas/EJobType"},
                    "lastRun": {"type": "string", "format": "date-time", "nullable": true}
                },
                "oneOf": [
                    {"$ref": "#/components/schemas/BackupJobModel"},
                    {"$ref": "#/components/schemas/VSphereReplica"}
                ],
                "discriminator": {"propertyName": "type",
                    "mapping": {"VSphereBackup": "#/components/schemas/BackupJobModel"}}
            },
            "BackupJobModel": {"allOf": [
                {"$ref": "#/components/schemas/JobModel"},
                {"type": "object", "required": ["schedule"],
                 "properties": {"schedule": {"type": "object"}, "retries": {"type": "integer"}}}
            ]},
            // Reached through the implicit mapping (its own name).
            "VSphereReplica": {"allOf": [
                {"$ref": "#/components/schemas/JobModel"},
                {"type": "object", "required": ["target"], "properties": {"target": {"type": "string"}}}
            ]},
            "Strict": {
                "type": "object", "additionalProperties": false,
                "properties": {"siteName": {"type": "string"}}
            },
            "Tags": {"type": "object", "additionalProperties": {"type": "integer"}},
            "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop2"}]},
            "Loop2": {"allOf": [{"$ref": "#/components/schemas/Loop"}], "type": "object"}
        }}
    });
    Spec::from_value(doc).expect("an OpenAPI document")
}

const ID: &str = "8d3f0c2e-7a51-4c1e-9a1b-2f3c4d5e6f70";

fn backup_job() -> Value {
    json!({"id": ID, "name": "Backup Job 1", "type": "VSphereBackup", "schedule": {}})
}

fn errors_of(spec: &Spec, path: &str, value: &Value) -> Vec<String> {
    spec.validate_response("GET", path, 200, value)
        .expect("the operation exists")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_valid_answer_has_no_error() {
    let s = spec();
    assert_eq!(
        errors_of(&s, "/api/v1/jobs/1", &backup_job()),
        Vec::<String>::new()
    );
    let list = json!({"data": [backup_job(),
        {"id": ID, "name": "R", "type": "VSphereReplica", "target": "dr"}]});
    assert_eq!(
        errors_of(&s, "/api/v1/jobs?limit=2", &list),
        Vec::<String>::new()
    );
}

#[test]
fn a_missing_required_field_is_reported_with_its_pointer() {
    let s = spec();
    let mut job = backup_job();
    job.as_object_mut().unwrap().remove("schedule");
    let errs = errors_of(&s, "/api/v1/jobs", &json!({"data": [job]}));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("/data/0") && errs[0].contains("`schedule` is missing"),
        "{errs:?}"
    );
}

#[test]
fn a_wrong_type_is_reported() {
    let s = spec();
    let mut job = backup_job();
    job["retries"] = json!("three");
    let errs = errors_of(&s, "/api/v1/jobs/x", &job);
    assert_eq!(errs, ["at /retries: expected integer, found string"]);
    let errs = errors_of(&s, "/api/v1/jobs", &json!({"data": {}}));
    assert_eq!(errs, ["at /data: expected array, found object"]);
}

#[test]
fn a_wrong_enum_value_is_reported() {
    let s = spec();
    let errs: Vec<String> = s
        .validate_component("EJobType", &json!("vsphereBackup"))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("\"vsphereBackup\" is not one of"),
        "{errs:?}"
    );
}

#[test]
fn the_discriminator_selects_the_subschema() {
    let s = spec();
    // Through the mapping: the replica's own required field is not asked of a backup job.
    assert!(errors_of(&s, "/api/v1/jobs/1", &backup_job()).is_empty());
    // Through the implicit mapping (the schema's name): the replica needs `target`.
    let replica = json!({"id": ID, "name": "R", "type": "VSphereReplica"});
    let errs = errors_of(&s, "/api/v1/jobs/1", &replica);
    assert_eq!(errs, ["at (root): required property `target` is missing"]);
}

#[test]
fn a_wrong_discriminator_value_is_reported() {
    let s = spec();
    let mut job = backup_job();
    job["type"] = json!("Backup");
    let errs = errors_of(&s, "/api/v1/jobs/1", &job);
    assert!(
        errs.iter()
            .any(|e| e.starts_with("at /type: discriminator value \"Backup\" selects no schema")),
        "{errs:?}"
    );
    let mut job = backup_job();
    job.as_object_mut().unwrap().remove("type");
    let errs = errors_of(&s, "/api/v1/jobs/1", &job);
    assert!(
        errs.iter()
            .any(|e| e.contains("discriminator property `type` is missing")),
        "{errs:?}"
    );
}

#[test]
fn nullable_is_honoured() {
    let s = spec();
    let mut job = backup_job();
    job["lastRun"] = Value::Null;
    assert!(errors_of(&s, "/api/v1/jobs/1", &job).is_empty());
    job["lastRun"] = json!("2024-05-01T10:00:00Z");
    assert!(errors_of(&s, "/api/v1/jobs/1", &job).is_empty());
    job["lastRun"] = json!("not a time");
    assert_eq!(errors_of(&s, "/api/v1/jobs/1", &job).len(), 1);
    // Not nullable: null is a type error.
    job["lastRun"] = json!("2024-05-01T10:00:00Z");
    job["name"] = Value::Null;
    assert_eq!(
        errors_of(&s, "/api/v1/jobs/1", &job),
        ["at /name: expected string, found null"]
    );
}

#[test]
fn an_all_of_cycle_terminates() {
    let s = spec();
    assert!(s.validate_component("Loop", &json!({})).is_empty());
    assert_eq!(s.validate_component("Loop", &json!(1)).len(), 1);
}

#[test]
fn additional_properties_are_checked() {
    let s = spec();
    assert!(
        s.validate_component("Strict", &json!({"siteName": "a"}))
            .is_empty()
    );
    let errs = s.validate_component("Strict", &json!({"siteName": "a", "SiteName": "b"}));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].pointer, "/SiteName");
    assert!(errs[0].reason.contains("not allowed"));
    assert!(
        s.validate_component("Tags", &json!({"a": 1, "b": 2}))
            .is_empty()
    );
    let errs = s.validate_component("Tags", &json!({"a": 1, "b~/": "x"}));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].pointer, "/b~0~1");
}

#[test]
fn one_of_needs_exactly_one() {
    let s = spec();
    assert!(s.validate_component("Either", &json!("a")).is_empty());
    assert!(s.validate_component("Either", &json!(3)).is_empty());
    let errs = s.validate_component("Either", &json!(true));
    assert_eq!(errs.len(), 1);
    assert!(errs[0].reason.contains("none of the oneOf"));
}

#[test]
fn lookup_matches_templates_and_prefers_literals() {
    let s = spec();
    assert_eq!(s.match_path("/API/v1/Jobs/123"), Some("/api/v1/jobs/{id}"));
    assert_eq!(
        s.match_path("/api/v1/jobs/states"),
        Some("/api/v1/jobs/states")
    );
    assert_eq!(s.match_path("/api/v1/nope"), None);
    assert!(matches!(
        s.response_schema("POST", "/api/v1/jobs", 200),
        Err(LookupError::NoOperation { .. })
    ));
    assert!(matches!(
        s.response_schema("GET", "/api/v1/jobs", 404),
        Err(LookupError::NoResponse { .. })
    ));
    // `default` answers any status; JSON content is preferred over text.
    assert!(s.response_schema("GET", "/api/v1/jobs/states", 500).is_ok());
    assert_eq!(
        s.response_schema("GET", "/api/v1/jobs/1", 200).ok(),
        Some(&json!({"$ref": "#/components/schemas/JobModel"}))
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Spec::from_text("{").is_err());
    assert!(Spec::from_text("[1, 2]").is_err());
    assert!(Spec::from_text("openapi: 3.0.1\npaths: {}\n").is_ok());
    let s = Spec::from_value(json!({"paths": {}})).unwrap();
    let errs = s.validate(&json!({"$ref": "#/components/schemas/Nope"}), &json!(1));
    assert!(errs[0].reason.contains("cannot resolve"));
    let errs = s.validate(&json!({"$ref": 7}), &json!(1));
    assert_eq!(errs.len(), 1);
}
