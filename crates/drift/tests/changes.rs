//! One small pair of documents per kind of change: each test states the severity and kind the
//! comparison must find, and what it must not report.

use restpoint_drift::{
    ChangeKind, Format, Method, OperationStatus, Report, Severity, Spec, compare,
};

/// A document with `paths` and `schemas` (YAML fragments, indented as under `paths:` and
/// `components: schemas:`).
fn spec(paths: &str, schemas: &str) -> Spec {
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n{schemas}\n"
    );
    Spec::parse("inline.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn diff(old: (&str, &str), new: (&str, &str)) -> Report {
    compare(&spec(old.0, old.1), &spec(new.0, new.1))
}

/// The (severity, kind, field, detail) of every change.
fn found(r: &Report) -> Vec<(Severity, ChangeKind, String, String)> {
    r.changes()
        .map(|(_, c)| (c.severity, c.kind, c.field.clone(), c.detail.clone()))
        .collect()
}

fn has(r: &Report, severity: Severity, kind: ChangeKind, field: &str) -> bool {
    r.changes()
        .any(|(_, c)| c.severity == severity && c.kind == kind && c.field == field)
}

const GET_JOB: &str = "  /jobs/{id}:\n    get:\n      operationId: GetJob\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Job'}\n";

const JOB: &str = "    Job:\n      type: object\n      required: [id, type]\n      properties:\n        id: {type: string}\n        type: {$ref: '#/components/schemas/JobType'}\n        name: {type: string}\n    JobType:\n      type: string\n      enum: [Backup, Replica]\n";

#[test]
fn identical_documents_have_no_change_and_do_not_break() {
    let r = diff((GET_JOB, JOB), (GET_JOB, JOB));
    assert!(found(&r).is_empty(), "{:?}", found(&r));
    assert!(!r.is_breaking());
    assert_eq!(r.summary.operations_unchanged, 1);
}

#[test]
fn a_removed_operation_breaks_and_an_added_one_is_added() {
    let other = "  /jobs:\n    post:\n      operationId: CreateJob\n      responses:\n        '201': {description: created}\n";
    let r = diff((GET_JOB, JOB), (other, JOB));
    let get = r.operation(Method::Get, "/jobs/{id}").unwrap();
    assert_eq!(get.status, OperationStatus::Removed);
    assert_eq!(get.changes[0].kind, ChangeKind::OperationRemoved);
    assert_eq!(get.changes[0].severity, Severity::Breaking);
    let post = r.operation(Method::Post, "/jobs").unwrap();
    assert_eq!(post.status, OperationStatus::Added);
    assert_eq!((r.summary.breaking, r.summary.added), (1, 1));
    assert!(r.is_breaking());
}

#[test]
fn a_removed_method_names_the_methods_that_remain() {
    let old = format!(
        "{GET_JOB}    delete:\n      operationId: DeleteJob\n      responses:\n        '204': {{description: gone}}\n"
    );
    let r = diff((&old, JOB), (GET_JOB, JOB));
    let delete = r.operation(Method::Delete, "/jobs/{id}").unwrap();
    assert_eq!(delete.status, OperationStatus::Removed);
    assert_eq!(delete.changes[0].detail, "the path remains with GET");
    assert_eq!(
        r.operation(Method::Get, "/jobs/{id}").unwrap().status,
        OperationStatus::Unchanged
    );
}

#[test]
fn path_parameter_names_do_not_matter_and_operation_id_renames_are_tolerated() {
    let new = GET_JOB
        .replace("{id}", "{jobId}")
        .replace("name: id,", "name: jobId,")
        .replace("GetJob", "GetJobById");
    let r = diff((GET_JOB, JOB), (&new, JOB));
    let op = r.operation(Method::Get, "/jobs/{id}").unwrap();
    assert_eq!(op.new_path.as_deref(), Some("/jobs/{jobId}"));
    assert_eq!(
        found(&r),
        vec![(
            Severity::Tolerated,
            ChangeKind::OperationIdRenamed,
            String::new(),
            "GetJob → GetJobById (the wire is unchanged; generated method names differ)".into()
        )]
    );
    assert!(!r.is_breaking());
}

#[test]
fn required_parameters_added_or_made_required_break_optional_ones_are_added() {
    let with = |params: &str| {
        format!(
            "  /jobs:\n    get:\n      parameters:\n{params}      responses:\n        '200': {{description: ok}}\n"
        )
    };
    let old = with(
        "        - {name: limit, in: query, schema: {type: integer}}\n        - {name: gone, in: query, schema: {type: string}}\n",
    );
    let new = with(
        "        - {name: limit, in: query, required: true, schema: {type: integer}}\n        - {name: X-Tenant, in: header, required: true, schema: {type: string}}\n        - {name: skip, in: query, schema: {type: integer}}\n",
    );
    let r = diff((&old, JOB), (&new, JOB));
    let kinds: Vec<_> = r
        .changes()
        .map(|(_, c)| (c.severity, c.kind, c.location.as_str()))
        .collect();
    assert!(
        kinds.contains(&(
            Severity::Breaking,
            ChangeKind::ParameterNowRequired,
            "parameter query limit"
        )),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(
            Severity::Breaking,
            ChangeKind::RequiredParameterAdded,
            "parameter header x-tenant"
        )),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(
            Severity::Added,
            ChangeKind::OptionalParameterAdded,
            "parameter query skip"
        )),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(
            Severity::Tolerated,
            ChangeKind::ParameterRemoved,
            "parameter query gone"
        )),
        "{kinds:?}"
    );
    assert_eq!(r.summary.breaking, 2);
}

#[test]
fn a_query_parameter_widened_to_an_array_is_tolerated_but_a_retyped_one_breaks() {
    let with = |schema: &str| {
        format!(
            "  /jobs:\n    get:\n      parameters:\n        - {{name: typeFilter, in: query, schema: {schema}}}\n        - {{name: limit, in: query, schema: {{type: integer}}}}\n      responses:\n        '200': {{description: ok}}\n"
        )
    };
    let old = with("{type: string}");
    let new = with("{type: array, items: {type: string}}").replace(
        "limit, in: query, schema: {type: integer}",
        "limit, in: query, schema: {type: string}",
    );
    let r = diff((&old, JOB), (&new, JOB));
    let at = |loc: &str| {
        r.changes()
            .filter(|(_, c)| c.location == loc)
            .map(|(_, c)| (c.severity, c.kind))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at("parameter query typeFilter"),
        vec![(Severity::Tolerated, ChangeKind::Retyped)]
    );
    assert_eq!(
        at("parameter query limit"),
        vec![(Severity::Breaking, ChangeKind::Retyped)]
    );
}

const POST_JOB: &str = "  /jobs:\n    post:\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/JobSpec'}\n      responses:\n        '201': {description: created}\n";

#[test]
fn required_request_fields_added_or_made_required_break() {
    let old = "    JobSpec:\n      type: object\n      required: [name]\n      properties:\n        name: {type: string}\n        description: {type: string}\n        retries: {type: integer}\n        legacy: {type: boolean}\n";
    let new = "    JobSpec:\n      type: object\n      required: [name, description, repositoryId]\n      properties:\n        name: {type: string}\n        description: {type: string}\n        retries: {type: integer}\n        repositoryId: {type: string}\n        comment: {type: string}\n";
    let r = diff((POST_JOB, old), (POST_JOB, new));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::RequestFieldNowRequired,
        "description"
    ));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::RequiredRequestFieldAdded,
        "repositoryId"
    ));
    assert!(has(
        &r,
        Severity::Added,
        ChangeKind::OptionalRequestFieldAdded,
        "comment"
    ));
    assert!(has(
        &r,
        Severity::Tolerated,
        ChangeKind::RequestFieldRemoved,
        "legacy"
    ));
    assert_eq!(r.summary.breaking, 2, "{:?}", found(&r));
    // A model that forbids other properties refuses the field the program still sends.
    let closed = new.replace(
        "      type: object\n",
        "      type: object\n      additionalProperties: false\n",
    );
    let r = diff((POST_JOB, old), (POST_JOB, &closed));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::RequestFieldRemoved,
        "legacy"
    ));
}

#[test]
fn a_request_body_made_required_or_moved_to_another_media_type_breaks() {
    let optional = POST_JOB.replace("        required: true\n", "");
    let spec = "    JobSpec: {type: object, properties: {name: {type: string}}}\n";
    let r = diff((&optional, spec), (POST_JOB, spec));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::RequestBodyNowRequired,
        ""
    ));
    let multipart = POST_JOB.replace("application/json", "multipart/form-data");
    let r = diff((POST_JOB, spec), (&multipart, spec));
    let c = r.changes().map(|(_, c)| c).next().unwrap();
    assert_eq!(
        (c.severity, c.kind),
        (Severity::Breaking, ChangeKind::RequestMediaTypeRemoved)
    );
    assert_eq!(c.detail, "application/json → multipart/form-data");
}

#[test]
fn response_fields_removed_made_optional_or_retyped_break_added_ones_do_not() {
    let new = "    Job:\n      type: object\n      required: [type]\n      properties:\n        id: {type: integer}\n        type: {$ref: '#/components/schemas/JobType'}\n        platform: {type: string}\n    JobType:\n      type: string\n      enum: [Backup, Replica]\n";
    let r = diff((GET_JOB, JOB), (GET_JOB, new));
    assert!(has(&r, Severity::Breaking, ChangeKind::Retyped, "id"));
    assert!(has(
        &r,
        Severity::Tolerated,
        ChangeKind::ResponseFieldRemoved,
        "name"
    ));
    assert!(has(
        &r,
        Severity::Added,
        ChangeKind::ResponseFieldAdded,
        "platform"
    ));
    // `id` was required and is now optional as well as retyped: the retyping is reported, and
    // a required field that disappears breaks.
    let gone = JOB.replace("        id: {type: string}\n", "");
    let r = diff((GET_JOB, JOB), (GET_JOB, &gone));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::ResponseFieldRemoved,
        "id"
    ));
    let optional = JOB.replace("required: [id, type]", "required: [type]");
    let r = diff((GET_JOB, JOB), (GET_JOB, &optional));
    assert_eq!(
        found(&r),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponseFieldNowOptional,
            "id".into(),
            "required → optional".into()
        )]
    );
    let c = r.changes().next().unwrap().1;
    assert_eq!(c.schema.as_deref(), Some("Job.id"));
    assert_eq!(c.location, "response 200 application/json");
}

#[test]
fn enum_values_removed_or_renamed_break_recased_are_tolerated_added_are_added() {
    let with = |values: &str| JOB.replace("[Backup, Replica]", values);
    let r = diff(
        (GET_JOB, &with("[Backup, Replica, Tape]")),
        (GET_JOB, &with("[backup, Replica, Agent, Cloud]")),
    );
    let f = found(&r);
    assert!(
        f.contains(&(
            Severity::Tolerated,
            ChangeKind::EnumValueRecased,
            "type".into(),
            "\"Backup\" → \"backup\" (case only: tolerated by restpoint's lenient decoding)".into()
        )),
        "{f:?}"
    );
    assert!(
        f.contains(&(
            Severity::Breaking,
            ChangeKind::EnumValueRemoved,
            "type".into(),
            "\"Tape\" is gone".into()
        )),
        "{f:?}"
    );
    assert!(
        f.contains(&(
            Severity::Added,
            ChangeKind::EnumValueAdded,
            "type".into(),
            "new: \"Agent\", \"Cloud\"".into()
        )),
        "{f:?}"
    );
    assert_eq!(
        r.changes().next().unwrap().1.schema.as_deref(),
        Some("JobType")
    );
    // One value gone and one come: a rename.
    let r = diff((GET_JOB, JOB), (GET_JOB, &with("[VSphereBackup, Replica]")));
    assert_eq!(
        found(&r),
        vec![(
            Severity::Breaking,
            ChangeKind::EnumValueRenamed,
            "type".into(),
            "\"Backup\" → \"VSphereBackup\"".into()
        )]
    );
    // Only a re-casing: nothing breaks.
    let r = diff((GET_JOB, JOB), (GET_JOB, &with("[backup, replica]")));
    assert!(!r.is_breaking());
    assert_eq!(r.summary.tolerated, 1);
}

#[test]
fn first_letter_recased_fields_are_tolerated_and_compared_further() {
    let pascal = "    Job:\n      type: object\n      required: [SiteIdentifier]\n      properties:\n        SiteIdentifier: {type: string}\n        Level: {type: integer}\n";
    let camel = "    Job:\n      type: object\n      required: [siteIdentifier]\n      properties:\n        siteIdentifier: {type: string}\n        level: {type: string}\n";
    let r = diff((GET_JOB, pascal), (GET_JOB, camel));
    assert!(has(
        &r,
        Severity::Tolerated,
        ChangeKind::FieldRecased,
        "SiteIdentifier"
    ));
    assert!(has(
        &r,
        Severity::Tolerated,
        ChangeKind::FieldRecased,
        "Level"
    ));
    assert!(
        has(&r, Severity::Breaking, ChangeKind::Retyped, "Level"),
        "{:?}",
        found(&r)
    );
    assert!(!has(
        &r,
        Severity::Breaking,
        ChangeKind::ResponseFieldRemoved,
        "SiteIdentifier"
    ));
    assert!(
        !r.changes()
            .any(|(_, c)| c.kind == ChangeKind::ResponseFieldAdded)
    );
}

#[test]
fn all_of_is_merged_refs_followed_and_recursive_models_end() {
    let old = "    Base:\n      type: object\n      required: [id]\n      properties:\n        id: {type: string}\n        parent: {$ref: '#/components/schemas/Job'}\n    Job:\n      allOf:\n        - $ref: '#/components/schemas/Base'\n        - type: object\n          properties:\n            children: {type: array, items: {$ref: '#/components/schemas/Job'}}\n            type: {type: string, enum: [A, B]}\n";
    let new = old
        .replace("enum: [A, B]", "enum: [A]")
        .replace("required: [id]", "required: []");
    let r = diff((GET_JOB, old), (GET_JOB, &new));
    // The `Job`/`Job` pair is compared once: the findings of its fields appear once each, not
    // once per level of `parent`/`children`.
    assert_eq!(
        found(&r),
        vec![
            (
                Severity::Breaking,
                ChangeKind::ResponseFieldNowOptional,
                "id".into(),
                "required → optional".into()
            ),
            (
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "type".into(),
                "\"B\" is gone".into()
            ),
        ]
    );
}

#[test]
fn one_of_variants_are_matched_by_name() {
    let old = "    Job:\n      oneOf:\n        - $ref: '#/components/schemas/Backup'\n        - $ref: '#/components/schemas/Replica'\n    Backup: {type: object, required: [a], properties: {a: {type: string}}}\n    Replica: {type: object, properties: {b: {type: string}}}\n    Agent: {type: object, properties: {c: {type: string}}}\n";
    let new = old
        .replace(
            "        - $ref: '#/components/schemas/Replica'\n",
            "        - $ref: '#/components/schemas/Agent'\n",
        )
        .replace("a: {type: string}", "a: {type: boolean}");
    let r = diff((GET_JOB, old), (GET_JOB, &new));
    assert!(
        has(&r, Severity::Breaking, ChangeKind::Retyped, "<Backup>.a"),
        "{:?}",
        found(&r)
    );
    assert!(has(&r, Severity::Tolerated, ChangeKind::VariantRemoved, ""));
    assert!(has(&r, Severity::Added, ChangeKind::VariantAdded, ""));
}

#[test]
fn success_statuses_and_response_bodies() {
    let r = diff((GET_JOB, JOB), (&GET_JOB.replace("'200'", "'201'"), JOB));
    assert!(has(
        &r,
        Severity::Breaking,
        ChangeKind::SuccessStatusRemoved,
        ""
    ));
    assert!(has(&r, Severity::Added, ChangeKind::SuccessStatusAdded, ""));
    let no_body = "  /jobs/{id}:\n    get:\n      operationId: GetJob\n      responses:\n        '200': {description: ok}\n";
    let r = diff((GET_JOB, JOB), (no_body, JOB));
    let c = r.changes().next().unwrap().1;
    assert_eq!(
        (c.severity, c.kind),
        (Severity::Breaking, ChangeKind::ResponseMediaTypeRemoved)
    );
    assert_eq!(c.detail, "application/json → no body");
    // A 204 has no body on the wire, whatever the first document said.
    let old = GET_JOB.replace("'200'", "'204'");
    let r = diff((&old, JOB), (&no_body.replace("'200'", "'204'"), JOB));
    let c = r.changes().next().unwrap().1;
    assert_eq!(
        (c.severity, c.kind),
        (Severity::Tolerated, ChangeKind::ResponseMediaTypeRemoved)
    );
}

#[test]
fn the_three_renderings_carry_the_findings() {
    let r = diff(
        (GET_JOB, JOB),
        (GET_JOB, &JOB.replace("[Backup, Replica]", "[Backup]")),
    );
    let text = r.render(Format::Text);
    assert!(
        text.contains("Result: BREAKING: 1 breaking, 0 tolerated, 0 added"),
        "{text}"
    );
    assert!(text.contains("  broken GET    /jobs/{id}"), "{text}");
    assert!(text.contains("BREAKING  enum-value-removed at response 200 application/json type [JobType]: \"Replica\" is gone"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&r.render(Format::Json)).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["summary"]["breaking"], 1);
    assert_eq!(json["summary"]["kinds"]["enum-value-removed"], 1);
    let change = &json["operations"][0]["changes"][0];
    assert_eq!(change["severity"], "breaking");
    assert_eq!(change["kind"], "enum-value-removed");
    assert_eq!(change["schema"], "JobType");
    assert_eq!(json["operations"][0]["method"], "GET");
    assert_eq!(json["operations"][0]["status"], "changed");
    let xml = r.render(Format::Junit);
    assert!(
        xml.contains("<testcase classname=\"drift\" name=\"GET /jobs/{id} (GetJob)\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<failure type=\"breaking\" message=\"1 breaking change(s)\">"),
        "{xml}"
    );
    assert!(xml.contains("&quot;Replica&quot; is gone"), "{xml}");
}

#[test]
fn hostile_documents_neither_panic_nor_recurse_without_end() {
    // Shapes a document should not have: a path item that is a string, parameters that are not
    // objects, a `$ref` to nowhere, a response that is a number, `allOf` that includes itself.
    let odd = "  /a: just text\n  /b:\n    get:\n      parameters: [1, {in: query}, {$ref: '#/nowhere'}]\n      requestBody: {$ref: '#/components/requestBodies/none'}\n      responses: {'200': 5, '201': {content: {application/json: {schema: {$ref: '#/components/schemas/Loop'}}}}}\n";
    let schemas = "    Loop:\n      allOf: [{$ref: '#/components/schemas/Loop'}]\n      properties: {next: {$ref: '#/components/schemas/Loop'}}\n";
    let r = diff((odd, schemas), (odd, schemas));
    assert!(!r.is_breaking(), "{:?}", found(&r));
    // A chain of models, each a differently named schema in each document, deeper than any real
    // model: the walk stops at its depth limit instead of exhausting the stack.
    let chain = |prefix: &str| {
        (0..500)
            .map(|i| format!("    {prefix}{i}:\n      type: object\n      properties: {{next: {{$ref: '#/components/schemas/{prefix}{}'}}}}\n", i + 1))
            .collect::<String>()
            + &format!("    {prefix}500: {{type: string}}\n")
    };
    let get = |prefix: &str| GET_JOB.replace("schemas/Job", &format!("schemas/{prefix}0"));
    let r = diff((&get("A"), &chain("A")), (&get("B"), &chain("B")));
    assert!(!r.is_breaking(), "the types agree as deep as the walk goes");
}
