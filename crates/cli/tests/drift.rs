//! `restpoint drift OLD NEW` from the command line: exit codes (0 nothing breaking, 1 breaking,
//! 2 usage) and the three formats, on small documents written here.

use std::path::Path;
use std::process::{Command, Output};

fn restpoint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restpoint"))
        .current_dir(dir)
        .arg("drift")
        .args(args)
        .output()
        .expect("the restpoint binary runs")
}

const OLD: &str = "openapi: 3.0.3\ninfo: {title: Jobs, version: '1'}\npaths:\n  /jobs/{id}:\n    get:\n      operationId: GetJob\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                required: [id]\n                properties:\n                  id: {type: string}\n                  state: {type: string, enum: [Running, Stopped]}\n  /jobs/{id}/stop:\n    post:\n      responses:\n        '204': {description: stopped}\n";

/// A folder with `old.yaml` (as above), `same.json` (the same document in JSON, path parameter
/// renamed), `recased.yaml` (enum values re-cased: tolerated) and `broken.yaml` (`stop` gone).
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.yaml"), OLD).unwrap();
    std::fs::write(
        dir.path().join("recased.yaml"),
        OLD.replace("[Running, Stopped]", "[running, stopped]"),
    )
    .unwrap();
    let broken = &OLD[..OLD.find("  /jobs/{id}/stop:").unwrap()];
    std::fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    std::fs::write(
        dir.path().join("same.json"),
        r#"{"openapi":"3.0.1","info":{"title":"Jobs","version":"1"},"paths":{
          "/jobs/{jobId}":{"get":{"operationId":"GetJob","responses":{"200":{"description":"ok","content":{"application/json":{"schema":{
            "type":"object","required":["id"],"properties":{"id":{"type":"string"},"state":{"type":"string","enum":["Running","Stopped"]}}}}}}}}},
          "/jobs/{jobId}/stop":{"post":{"responses":{"204":{"description":"stopped"}}}}}}"#,
    )
    .unwrap();
    dir
}

#[test]
fn exit_0_when_nothing_breaks_and_1_when_something_does() {
    let dir = folder();
    let same = restpoint(dir.path(), &["old.yaml", "same.json"]);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    let text = String::from_utf8_lossy(&same.stdout);
    assert!(
        text.contains("Result: compatible: 0 breaking, 0 tolerated, 0 added"),
        "{text}"
    );

    let recased = restpoint(dir.path(), &["old.yaml", "recased.yaml"]);
    assert_eq!(recased.status.code(), Some(0), "{recased:?}");
    let text = String::from_utf8_lossy(&recased.stdout);
    assert!(text.contains("TOLERATED enum-value-recased"), "{text}");

    let broken = restpoint(dir.path(), &["old.yaml", "broken.yaml"]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(text.contains("Result: BREAKING: 1 breaking"), "{text}");
    assert!(text.contains("  removed POST   /jobs/{id}/stop"), "{text}");
}

#[test]
fn exit_2_on_usage_errors() {
    let dir = folder();
    std::fs::write(
        dir.path().join("swagger2.yaml"),
        "swagger: '2.0'\npaths: {}\n",
    )
    .unwrap();
    for (args, says) in [
        (&["old.yaml"][..], "NEW"),
        (&["old.yaml", "missing.yaml"], "cannot read missing.yaml"),
        (
            &["old.yaml", "swagger2.yaml"],
            "not an OpenAPI 3.x document",
        ),
        (&["old.yaml", "same.json", "--format", "xml"], "xml"),
    ] {
        let out = restpoint(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn json_and_junit_reports_to_a_file() {
    let dir = folder();
    let out = restpoint(
        dir.path(),
        &[
            "old.yaml",
            "broken.yaml",
            "--format",
            "json",
            "-o",
            "drift.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 breaking, 0 tolerated, 0 added; report written to drift.json"),
        "{err}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("drift.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["summary"]["breaking"], 1);
    assert_eq!(json["summary"]["operations_removed"], 1);
    let stop = &json["operations"][1];
    assert_eq!(
        (stop["method"].as_str(), stop["path"].as_str()),
        (Some("POST"), Some("/jobs/{id}/stop"))
    );
    assert_eq!(stop["status"], "removed");
    assert_eq!(stop["changes"][0]["kind"], "operation-removed");

    let out = restpoint(
        dir.path(),
        &[
            "old.yaml",
            "broken.yaml",
            "--format",
            "junit",
            "--output",
            "drift.xml",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let xml = std::fs::read_to_string(dir.path().join("drift.xml")).unwrap();
    assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"drift\" name=\"GET /jobs/{id} (GetJob)\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"drift\" name=\"POST /jobs/{id}/stop\">"),
        "{xml}"
    );
    assert!(
        xml.contains("breaking operation-removed at operation: the path is gone"),
        "{xml}"
    );
    if restpoint_testkit::require_tool("xmllint") {
        let lint = Command::new("xmllint")
            .args(["--noout", "drift.xml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(lint.status.success(), "{lint:?}");
    }
}
