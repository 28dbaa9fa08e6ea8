//! The VBR spec the emulator publishes at `/swagger/v<revision>/swagger.json` (issue 16): no
//! logon and no `x-api-version` needed; the project's own spec under the one revision it models;
//! `404` with the VBR error model for every other revision; a document given in the
//! configuration under its own revision. The embedded copy (`assets/vbr-openapi.json`) is kept
//! equal to `specs/vbr/openapi.yaml`.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use restpoint_emulator::vbr_spec::{self, own_spec_revision};
use restpoint_emulator::{EmulatorConfig, defaults};
use serde_json::Value;

use super::{client, start, start_with};

fn spec_url(emu: &restpoint_emulator::Emulator, revision: &str) -> String {
    format!("{}swagger/v{revision}/swagger.json", emu.vbr_url())
}

/// Our own spec, from the checkout (this test runs in the workspace; the binary never reads it).
fn own_spec_from_yaml() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs/vbr/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("specs/vbr/openapi.yaml is readable");
    serde_yaml_ng::from_str(&text).expect("specs/vbr/openapi.yaml is YAML")
}

/// The embedded JSON equals `specs/vbr/openapi.yaml`. After changing the spec, rewrite it with
/// `RESTPOINT_BLESS=1 cargo test -p restpoint-emulator --test tests published_spec`.
#[test]
fn embedded_spec_equals_the_yaml_spec() {
    let yaml = own_spec_from_yaml();
    let asset = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/vbr-openapi.json");
    if std::env::var_os("RESTPOINT_BLESS").is_some() {
        let mut text = serde_json::to_string_pretty(&yaml).unwrap();
        text.push('\n');
        std::fs::write(asset, text).unwrap();
        eprintln!("!!! wrote {asset}: rebuild to embed it");
        return;
    }
    let embedded: Value = serde_json::from_str(vbr_spec::OWN_SPEC_JSON).unwrap();
    assert!(
        embedded == yaml,
        "crates/emulator/assets/vbr-openapi.json is stale; run \
         RESTPOINT_BLESS=1 cargo test -p restpoint-emulator --test tests published_spec"
    );
}

/// `doc` reads as an OpenAPI 3 document (the `openapiv3` model progenitor reads) and every local
/// `$ref` in it resolves.
fn assert_valid_openapi3(doc: &Value) {
    let parsed: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).expect("an OpenAPI 3 document");
    assert!(parsed.openapi.starts_with("3."), "{}", parsed.openapi);
    assert!(!parsed.paths.paths.is_empty());
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local $ref");
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
}

#[tokio::test]
async fn own_spec_is_served_without_logon_under_the_revision_it_models() {
    let emu = start().await;
    let c = client(&emu);
    let revision = own_spec_revision().to_string();
    assert_eq!(revision, "1.2-rev1");
    // No Authorization, no x-api-version.
    let resp = c.get(spec_url(&emu, &revision)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["info"]["version"], revision.as_str());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // A valid OpenAPI 3 document whose paths are our spec's.
    assert_valid_openapi3(&doc);
    let paths = |d: &Value| -> BTreeSet<String> {
        d["paths"].as_object().unwrap().keys().cloned().collect()
    };
    let ours = own_spec_from_yaml();
    assert_eq!(paths(&doc), paths(&ours));
    assert!(paths(&doc).contains("/api/oauth2/token"));
    // The request asked for nothing a logon gives: no session was opened.
    assert_eq!(emu.admin().counters().vbr.logons, 0);
}

#[tokio::test]
async fn every_other_revision_is_404_with_the_vbr_error_model() {
    let emu = start().await;
    let c = client(&emu);
    let own = own_spec_revision().to_string();
    let others = defaults::VBR_API_VERSIONS
        .iter()
        .filter(|r| **r != own)
        .copied()
        .chain(["1.9-rev9", "latest", "1.2-rev1x"]);
    for revision in others {
        let resp = c.get(spec_url(&emu, revision)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{revision}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errorCode"], "NotFound", "{revision}");
        assert!(body["message"].is_string(), "{revision}");
    }
    // The own revision is not published by a server that no longer serves it.
    let emu = start_with(EmulatorConfig::for_tests().with_vbr_api_versions(["1.3-rev1"])).await;
    let resp = client(&emu).get(spec_url(&emu, &own)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_configured_document_is_served_under_its_revision() {
    let doc = serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "made up for this test", "version": "1.3-rev1"},
        "paths": {"/api/v1/made-up": {"get": {"responses": {"200": {"description": "ok"}}}}}
    });
    let config = EmulatorConfig::for_tests().with_vbr_spec(doc).unwrap();
    let emu = start_with(config).await;
    let c = client(&emu);
    for (revision, path) in [
        ("1.3-rev1", "/api/v1/made-up"),
        ("1.2-rev1", "/api/v1/jobs"),
    ] {
        // Upper case as a browser may send it: paths are matched without regard to case.
        let resp = c
            .get(spec_url(&emu, &revision.to_uppercase()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{revision}");
        let served: Value = resp.json().await.unwrap();
        assert_eq!(served["info"]["version"], revision);
        assert!(served["paths"].get(path).is_some(), "{revision}: {path}");
    }
    let resp = c.get(spec_url(&emu, "1.3-rev0")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
