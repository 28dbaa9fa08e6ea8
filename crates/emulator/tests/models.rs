//! F3 / VBR-13 / ZVM-14: the emulator's answers follow the vendors' own OpenAPI models.
//!
//! Every VBR GET route the emulator serves is asked in every accepted revision and its answer
//! validated against the vendor's file of that revision (a revision without a file against the
//! nearest one: up to 1.2-rev0 against 1.2-rev1, 1.3-rev2 against 1.3-rev1). The ZVM answers are
//! validated against the Appliance's file with camelCase names on. The files are read from
//! `../shared/vendor-specs` (relative to the repository root); under `CI` a missing file fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::{Certificate, Client, StatusCode};
use restpoint_emulator::{Behaviour, Emulator, EmulatorConfig, defaults};
use restpoint_schema_check::Spec;
use serde_json::Value;

/// Every revision the emulator serves (VBR-13), with the vendor file it is validated against.
const REVISIONS: &[(&str, &str)] = &[
    ("1.0-rev1", "vbr-1.2-rev1.json"),
    ("1.0-rev2", "vbr-1.2-rev1.json"),
    ("1.1-rev0", "vbr-1.2-rev1.json"),
    ("1.1-rev1", "vbr-1.2-rev1.json"),
    ("1.1-rev2", "vbr-1.2-rev1.json"),
    ("1.2-rev0", "vbr-1.2-rev1.json"),
    ("1.2-rev1", "vbr-1.2-rev1.json"),
    ("1.3-rev0", "vbr-1.3-rev0.json"),
    ("1.3-rev1", "vbr-1.3-rev1.json"),
    ("1.3-rev2", "vbr-1.3-rev1.json"),
];

/// The vendor file `name`, or `None` (with a loud message) when it is missing outside `CI`.
fn vendor_spec(name: &str) -> Option<Spec> {
    let path = restpoint_testkit::shared_path(PathBuf::from("vendor-specs").join(name))?;
    Some(Spec::from_file(&path).expect("the vendor file parses"))
}

async fn start(config: EmulatorConfig) -> (Emulator, Client) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let emu = Emulator::start(config).await.expect("emulator starts");
    let ca = Certificate::from_pem(emu.ca_pem().as_bytes()).expect("CA PEM");
    let client = Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .build()
        .expect("client");
    (emu, client)
}

async fn vbr_token(c: &Client, emu: &Emulator, rev: &str) -> String {
    let resp = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", rev)
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), StatusCode::OK, "logon with {rev}");
    let body: Value = resp.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn vbr_get(c: &Client, emu: &Emulator, rev: &str, token: &str, path: &str) -> Value {
    let resp = c
        .get(format!("{}{}", emu.vbr_url(), path.trim_start_matches('/')))
        .header("x-api-version", rev)
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::OK, "GET {path} with {rev}");
    resp.json().await.expect("JSON answer")
}

fn first_id(list: &Value) -> String {
    list["data"][0]["id"]
        .as_str()
        .expect("the list has an item with an id")
        .to_string()
}

/// Validates `body` and records its errors under `label`.
fn record(
    spec: &Spec,
    path: &str,
    body: &Value,
    label: String,
    errors: &mut BTreeMap<String, Vec<String>>,
) {
    let errs = spec
        .validate_response("GET", path, 200, body)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    if !errs.is_empty() {
        errors.insert(label, errs.iter().map(ToString::to_string).collect());
    }
}

#[tokio::test]
async fn f3_every_vbr_get_in_every_revision_follows_the_vendor_models() {
    let mut specs: BTreeMap<&str, Spec> = BTreeMap::new();
    for (_, file) in REVISIONS {
        if !specs.contains_key(file) {
            let Some(spec) = vendor_spec(file) else {
                return;
            };
            specs.insert(file, spec);
        }
    }
    let config =
        EmulatorConfig::for_tests().with_vbr_api_versions(REVISIONS.iter().map(|(rev, _)| *rev));
    let (emu, c) = start(config).await;

    // One job run, so that the sessions list and a session exist.
    let token = vbr_token(&c, &emu, "1.2-rev1").await;
    let jobs = vbr_get(&c, &emu, "1.2-rev1", &token, "api/v1/jobs").await;
    let job_id = first_id(&jobs);
    let resp = c
        .post(format!("{}api/v1/jobs/{job_id}/start", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .bearer_auth(&token)
        .send()
        .await
        .expect("start");
    assert_eq!(resp.status(), StatusCode::CREATED);

    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut validated = 0usize;
    let mut routes = std::collections::BTreeSet::new();
    for (rev, file) in REVISIONS {
        let spec = &specs[file];
        let token = vbr_token(&c, &emu, rev).await;
        let mut paths = vec!["api/v1/serverInfo".to_string()];
        for list in [
            "api/v1/jobs",
            "api/v1/sessions",
            "api/v1/backups",
            "api/v1/backupInfrastructure/repositories",
        ] {
            let body = vbr_get(&c, &emu, rev, &token, list).await;
            paths.push(list.to_string());
            paths.push(format!("{list}/{}", first_id(&body)));
        }
        for path in &paths {
            let body = vbr_get(&c, &emu, rev, &token, path).await;
            let template = spec.match_path(path).unwrap_or("?").to_string();
            record(
                spec,
                &format!("/{path}"),
                &body,
                format!("{rev} GET {template} (against {file})"),
                &mut errors,
            );
            routes.insert(template);
            validated += 1;
        }
    }
    println!(
        "F3: {} routes x {} revisions = {validated} answers validated, {} with errors",
        routes.len(),
        REVISIONS.len(),
        errors.len()
    );
    for (label, errs) in &errors {
        println!("{label}: {} error(s)", errs.len());
        for e in errs.iter().take(20) {
            println!("    {e}");
        }
    }
    assert_eq!(validated, 9 * REVISIONS.len());

    // The revisions really differ: a 1.2 answer breaks the 1.3 models and the other way round.
    let job_path = format!("api/v1/jobs/{job_id}");
    let old_job = vbr_get(&c, &emu, "1.2-rev1", &token, &job_path).await;
    let new_job = vbr_get(&c, &emu, "1.3-rev1", &token, &job_path).await;
    let old_info = vbr_get(&c, &emu, "1.2-rev1", &token, "api/v1/serverInfo").await;
    let cross = |file: &str, path: &str, body: &Value| {
        specs[file]
            .validate_response("GET", path, 200, body)
            .expect("the operation exists")
            .len()
    };
    let job_route = format!("/{job_path}");
    assert!(cross("vbr-1.3-rev1.json", &job_route, &old_job) > 0);
    assert!(cross("vbr-1.2-rev1.json", &job_route, &new_job) > 0);
    assert!(cross("vbr-1.3-rev0.json", "/api/v1/serverInfo", &old_info) > 0);
    assert_eq!(old_job["type"], "Backup");
    assert_eq!(new_job["type"], "VSphereBackup");
    assert!(
        errors.is_empty(),
        "{} answers break the vendor models",
        errors.len()
    );
}

async fn zvm_get(c: &Client, emu: &Emulator, session: &str, path: &str) -> Value {
    let resp = c
        .get(format!("{}{}", emu.zvm_url(), path.trim_start_matches('/')))
        .header("x-zerto-session", session)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.expect("JSON answer")
}

async fn zvm_session(c: &Client, emu: &Emulator) -> String {
    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .basic_auth(defaults::ADMIN_USER, Some(defaults::ADMIN_PASSWORD))
        .send()
        .await
        .expect("logon");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.headers()["x-zerto-session"]
        .to_str()
        .expect("session header")
        .to_string()
}

/// The ZVM resource paths the emulator serves, with one id of each list filled in.
async fn zvm_paths(c: &Client, emu: &Emulator, session: &str) -> Vec<String> {
    let mut paths = vec![
        "v1/localsite".to_string(),
        "v1/vms".to_string(),
        "v1/alerts".to_string(),
    ];
    for (list, key) in [
        ("v1/vpgs", ["VpgIdentifier", "vpgIdentifier"]),
        ("v1/tasks", ["TaskIdentifier", "taskIdentifier"]),
    ] {
        let body = zvm_get(c, emu, session, list).await;
        let first = &body[0];
        // The Appliance's models carry the identifier only in the link.
        let id = key
            .iter()
            .find_map(|k| first[*k].as_str())
            .or_else(|| first["link"]["identifier"].as_str())
            .expect("the list has an item with an identifier");
        paths.push(list.to_string());
        paths.push(format!("{list}/{id}"));
    }
    paths
}

#[tokio::test]
async fn zvm_14_camel_case_answers_follow_the_appliance_models() {
    let Some(spec) = vendor_spec("zvm-appliance-10.0u6.json") else {
        return;
    };
    let behaviour = Behaviour {
        zvm_camel_case: true,
        ..Behaviour::default()
    };
    let (emu, c) = start(EmulatorConfig::for_tests().with_behaviour(behaviour)).await;
    let session = zvm_session(&c, &emu).await;
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let paths = zvm_paths(&c, &emu, &session).await;
    for path in &paths {
        let body = zvm_get(&c, &emu, &session, path).await;
        let template = spec.match_path(path).unwrap_or("?").to_string();
        record(
            &spec,
            &format!("/{path}"),
            &body,
            format!("GET {template}"),
            &mut errors,
        );
    }
    println!(
        "ZVM-14: {} routes validated against the Appliance file, {} with errors",
        paths.len(),
        errors.len()
    );
    for (label, errs) in &errors {
        println!("{label}: {} error(s)", errs.len());
        for e in errs.iter().take(40) {
            println!("    {e}");
        }
    }
    assert_eq!(paths.len(), 7);
    assert!(
        errors.is_empty(),
        "{} answers break the Appliance models",
        errors.len()
    );

    // The check can fail: the PascalCase default breaks the Appliance's models.
    let (emu, c) = start(EmulatorConfig::for_tests()).await;
    let session = zvm_session(&c, &emu).await;
    let pascal = zvm_get(&c, &emu, &session, "v1/localsite").await;
    let errs = spec
        .validate_response("GET", "/v1/localsite", 200, &pascal)
        .expect("the operation exists");
    assert!(errs.iter().any(|e| e.pointer == "/SiteName"), "{errs:?}");
}

#[tokio::test]
async fn zvm_14_pascal_case_stays_the_default() {
    let (emu, c) = start(EmulatorConfig::for_tests()).await;
    let session = zvm_session(&c, &emu).await;
    let site = zvm_get(&c, &emu, &session, "v1/localsite").await;
    assert!(site["SiteIdentifier"].is_string(), "{site}");
    assert!(site.get("siteIdentifier").is_none(), "{site}");
    let vpgs = zvm_get(&c, &emu, &session, "v1/vpgs").await;
    assert!(vpgs[0]["VpgName"].is_string(), "{vpgs}");
}
