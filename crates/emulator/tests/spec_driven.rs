//! `emulate --spec` (issue 17, F3): every GET operation of each vendor file is asked
//! after a real logon and its answer validated against the operation's response schema
//! (`restpoint-schema-check`, discriminator-aware); at least 90 % must be valid, the rest are
//! listed with the reason (`--nocapture` prints the table). Also: the session layer in front of
//! the spec-driven answers (401, 404, 400 on a bad body, paging, ids echoed, determinism), and
//! P9 is measured by `crates/bench` (`restpoint-bench p9`).
//!
//! The vendor files are read from `../shared/vendor-specs`; under `CI` a missing file fails.

use std::path::PathBuf;

use reqwest::{Certificate, Client, StatusCode};
use restpoint_emulator::{Behaviour, Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_schema_check::Spec;
use serde_json::{Value, json};

const VBR_FILES: [&str; 3] = [
    "vbr-1.2-rev1.json",
    "vbr-1.3-rev0.json",
    "vbr-1.3-rev1.json",
];
const ZVM_FILE: &str = "zvm-appliance-10.0u6.json";
/// The id put in every `{param}` of a path.
const ID: &str = "6a1f3c2e-0b4d-4e5f-8a9b-0c1d2e3f4a5b";

fn vendor(name: &str) -> Option<(Spec, Value)> {
    let path = restpoint_testkit::shared_path(PathBuf::from("vendor-specs").join(name))?;
    let doc = restpoint_emulator::spec_driven::load_document(&path).expect("vendor file loads");
    Some((Spec::from_value(doc.clone()).expect("spec"), doc))
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
    body["access_token"].as_str().expect("token").to_string()
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

/// Every GET template of a document, in its order.
fn get_templates(doc: &Value) -> Vec<String> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(t, _)| t.clone())
        .collect()
}

fn fill(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { ID } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// For a template ending in `{param}`: the id of the first item its parent list answers (VBR
/// `data[0].id`; ZVM the first element's property named like the parameter, or its
/// `link.identifier`).
async fn real_id(template: &str, send: &impl AsyncFn(&str) -> reqwest::Response) -> Option<String> {
    let (parent, last) = template.rsplit_once('/')?;
    let param = last.strip_prefix('{')?.strip_suffix('}')?;
    let list: Value = send(&fill(parent)).await.json().await.ok()?;
    let first = list.get("data").unwrap_or(&list).get(0)?.as_object()?;
    first
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(param) || k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str())
        .or_else(|| first.get("link")?.get("identifier")?.as_str())
        .map(str::to_string)
}

/// One GET operation's result: `None` when valid, else the reason.
struct Outcome {
    template: String,
    problem: Option<String>,
}

/// Asks every GET operation of `doc` and validates each answer.
async fn check_all(
    spec: &Spec,
    doc: &Value,
    send: impl AsyncFn(&str) -> reqwest::Response,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for template in get_templates(doc) {
        let mut path = fill(&template);
        let mut resp = send(&path).await;
        // A hand-modelled route knows only its inventory's ids: ask with one of its list's.
        if resp.status() == StatusCode::NOT_FOUND
            && let Some(real) = real_id(&template, &send).await
        {
            path = format!("{}/{real}", path.rsplit_once('/').map_or("", |(p, _)| p));
            resp = send(&path).await;
        }
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let problem = if !status.is_success() {
            Some(format!(
                "status {status}: {}",
                text.chars().take(100).collect::<String>()
            ))
        } else {
            match spec.response_schema("get", &path, status.as_u16()) {
                // No JSON body documented: nothing to validate, an empty answer is right.
                Err(_) if text.is_empty() => None,
                Err(e) => Some(format!("no schema: {e}")),
                Ok(schema) => match serde_json::from_str::<Value>(&text) {
                    Err(_) => Some("the answer is not JSON".into()),
                    Ok(value) => {
                        let errors = spec.validate(schema, &value);
                        errors
                            .first()
                            .map(|e| format!("{} error(s), first {e}", errors.len()))
                    }
                },
            }
        };
        out.push(Outcome { template, problem });
    }
    out
}

/// Where the spec-driven answers of the document's GET operations come from.
fn sources(emu: &Emulator) -> String {
    use restpoint_emulator::spec_driven::Source;
    let (mut example, mut built, mut invalid, mut none) = (0, 0, 0, 0);
    for served in emu.admin().served_specs() {
        for (method, _, source) in served.operations() {
            if method != "GET" {
                continue;
            }
            match source {
                Source::Example => example += 1,
                Source::Built => built += 1,
                Source::BuiltInvalid(_) => invalid += 1,
                Source::NoBody => none += 1,
                _ => {}
            }
        }
    }
    format!(
        "spec-driven answers: {example} the spec's example, {built} built from the schema, \
         {invalid} built but not valid, {none} without a body"
    )
}

fn report(file: &str, outcomes: &[Outcome]) -> f64 {
    let valid = outcomes.iter().filter(|o| o.problem.is_none()).count();
    let share = valid as f64 / outcomes.len().max(1) as f64;
    println!(
        "F3 --spec {file}: {} GET operations, {valid} schema-valid, {} not ({:.1} % valid)",
        outcomes.len(),
        outcomes.len() - valid,
        share * 100.0
    );
    for o in outcomes.iter().filter(|o| o.problem.is_some()) {
        println!(
            "  | {:<70} | {}",
            o.template,
            o.problem.as_deref().unwrap_or("")
        );
    }
    share
}

#[tokio::test]
async fn f3_every_get_operation_of_each_vbr_file_answers_schema_valid() {
    for file in VBR_FILES {
        let Some((spec, doc)) = vendor(file) else {
            continue;
        };
        let rev = doc["info"]["version"]
            .as_str()
            .expect("revision")
            .to_string();
        let config = EmulatorConfig::for_tests()
            .with_spec(Product::Vbr, doc.clone())
            .expect("served");
        let (emu, c) = start(config).await;
        let token = vbr_token(&c, &emu, &rev).await;
        // A job run, so that the (hand-modelled, stateful) session list has a session to ask.
        let jobs: Value = c
            .get(format!("{}api/v1/jobs", emu.vbr_url()))
            .header("x-api-version", &rev)
            .bearer_auth(&token)
            .send()
            .await
            .expect("jobs")
            .json()
            .await
            .expect("jobs JSON");
        let ids: Vec<&str> = jobs["data"]
            .as_array()
            .expect("jobs")
            .iter()
            .filter_map(|j| j["id"].as_str())
            .collect();
        for job in ids {
            // Some may be running already (400): the run that exists is what counts.
            let _ = c
                .post(format!("{}api/v1/jobs/{job}/start", emu.vbr_url()))
                .header("x-api-version", &rev)
                .bearer_auth(&token)
                .send()
                .await
                .expect("start");
        }
        let outcomes = check_all(&spec, &doc, async |path: &str| {
            c.get(format!("{}{}", emu.vbr_url(), path.trim_start_matches('/')))
                .header("x-api-version", &rev)
                .bearer_auth(&token)
                .send()
                .await
                .expect("GET")
        })
        .await;
        let share = report(file, &outcomes);
        println!("  {}", sources(&emu));
        assert!(share >= 0.9, "{file}: {:.1} % valid", share * 100.0);
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn f3_every_get_operation_of_the_zvm_file_answers_schema_valid() {
    let Some((spec, doc)) = vendor(ZVM_FILE) else {
        return;
    };
    let config = EmulatorConfig::for_tests()
        .with_behaviour(Behaviour {
            zvm_camel_case: true,
            ..Behaviour::default()
        })
        .with_spec(Product::Zvm, doc.clone())
        .expect("served");
    let (emu, c) = start(config).await;
    let session = zvm_session(&c, &emu).await;
    let outcomes = check_all(&spec, &doc, async |path: &str| {
        c.get(format!("{}{}", emu.zvm_url(), path.trim_start_matches('/')))
            .header("x-zerto-session", &session)
            .header("accept", "application/json")
            .send()
            .await
            .expect("GET")
    })
    .await;
    let share = report(ZVM_FILE, &outcomes);
    println!("  {}", sources(&emu));
    assert!(share >= 0.9, "{ZVM_FILE}: {:.1} % valid", share * 100.0);
    emu.shutdown().await;
}

/// The session layer stands in front of the spec-driven answers, and the answers behave.
#[tokio::test]
async fn spec_driven_answers_sit_behind_the_session_layer() {
    let Some((spec, doc)) = vendor("vbr-1.3-rev1.json") else {
        return;
    };
    let config = EmulatorConfig::for_tests()
        .with_spec(Product::Vbr, doc)
        .expect("served");
    let (emu, c) = start(config).await;
    let base = emu.vbr_url();
    let get = |path: &str| {
        c.get(format!("{base}{}", path.trim_start_matches('/')))
            .header("x-api-version", "1.3-rev1")
    };
    // No token: the VBR 401; no x-api-version: the VBR-08 400; unknown path: 404.
    let r = get("/api/v1/backupInfrastructure/proxies")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(format!("{base}api/v1/backupInfrastructure/proxies"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let token = vbr_token(&c, &emu, "1.3-rev1").await;
    let r = get("/api/v1/noSuchThing")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "NotFound");

    // A list: paging behaves and the answer is deterministic.
    let list = async |q: &str| -> Value {
        let r = get(&format!("/api/v1/backupInfrastructure/proxies{q}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    };
    let all = list("").await;
    let total = all["pagination"]["total"].as_u64().unwrap();
    assert!(total >= 2, "{all}");
    assert_eq!(all["data"].as_array().unwrap().len() as u64, total);
    let page = list("?skip=1&limit=1").await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0], all["data"][1]);
    assert_eq!(page["pagination"]["total"].as_u64(), Some(total));
    assert_eq!(page["pagination"]["count"], 1);
    assert_eq!(list("").await, all, "the same answer twice");
    let schema = spec
        .response_schema("get", "/api/v1/backupInfrastructure/proxies", 200)
        .unwrap();
    assert_eq!(spec.validate(schema, &page), vec![]);
    let r = get("/api/v1/backupInfrastructure/proxies?limit=-1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // One item: the path's id is echoed.
    let r = get(&format!("/api/v1/backupInfrastructure/proxies/{ID}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let one: Value = r.json().await.unwrap();
    assert_eq!(one["id"], ID);

    // A body that breaks the request schema: the VBR 400 model; a good one is answered.
    let post = |body: Value| {
        c.post(format!("{base}api/v1/backupInfrastructure/proxies"))
            .header("x-api-version", "1.3-rev1")
            .bearer_auth(&token)
            .json(&body)
    };
    let r = post(json!({"type": 42})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "UnexpectedContent", "{body}");
    let r = c
        .post(format!("{base}api/v1/backupInfrastructure/proxies"))
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Hand-modelled routes keep their state: the inventory's jobs, not a built list.
    let jobs: Value = get("/api/v1/jobs")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = jobs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["name"].as_str())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| !n.starts_with("name-")),
        "{names:?}"
    );

    // A hand-modelled action keeps its state: a started job's run is in the session list.
    let job = jobs["data"][0]["id"].as_str().unwrap();
    let r = c
        .post(format!("{base}api/v1/jobs/{job}/start"))
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let run: Value = r.json().await.unwrap();
    let r = get(&format!("/api/v1/sessions/{}", run["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // An operation the hand route does not model, under a more literal template: the spec's.
    let r = get("/api/v1/jobs/states")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let states: Value = r.json().await.unwrap();
    let schema = spec
        .response_schema("get", "/api/v1/jobs/states", 200)
        .unwrap();
    assert_eq!(spec.validate(schema, &states), vec![]);
    // An unknown id of a hand-modelled route stays its 404.
    let r = get(&format!("/api/v1/jobs/{ID}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Faults and expiry apply to spec-driven operations too.
    emu.admin()
        .inject_fault(Product::Vbr, Fault::Status(503), 1);
    let r = get("/api/v1/backupInfrastructure/proxies")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    emu.advance(std::time::Duration::from_secs(3600));
    let r = get("/api/v1/backupInfrastructure/proxies")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The file is published under its revision.
    let r = c
        .get(format!("{base}swagger/v1.3-rev1/swagger.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let published: Value = r.json().await.unwrap();
    assert_eq!(published["info"]["version"], "1.3-rev1");
    assert!(published["paths"].as_object().unwrap().len() > 300);
    emu.shutdown().await;
}

/// Without `--spec`, nothing changes: an operation the emulator does not model is a 404.
#[tokio::test]
async fn without_a_spec_unmodelled_operations_stay_404() {
    let (emu, c) = start(EmulatorConfig::for_tests()).await;
    let token = vbr_token(&c, &emu, "1.3-rev1").await;
    let r = c
        .get(format!(
            "{}api/v1/backupInfrastructure/proxies",
            emu.vbr_url()
        ))
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    emu.shutdown().await;
}

/// ZVM: the session check and ZVM's error body in front of the spec-driven answers.
#[tokio::test]
async fn zvm_spec_driven_answers_sit_behind_the_session_layer() {
    let Some((_, doc)) = vendor(ZVM_FILE) else {
        return;
    };
    let config = EmulatorConfig::for_tests()
        .with_spec(Product::Zvm, doc)
        .expect("served");
    let (emu, c) = start(config).await;
    let url = |p: &str| format!("{}{}", emu.zvm_url(), p.trim_start_matches('/'));
    let r = c
        .get(url("/v1/vpgs/statuses"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let session = zvm_session(&c, &emu).await;
    let get = |p: &str| {
        c.get(url(p))
            .header("x-zerto-session", &session)
            .header("accept", "application/json")
    };
    let r = get("/v1/noSuchThing").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert!(body["Message"].is_string(), "{body}");
    let r = get("/v1/vpgs/statuses").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let counters = emu.admin().counters();
    assert!(counters.zvm.requests >= 3, "{counters:?}");
    // The session expires on the clock like any other.
    emu.advance(std::time::Duration::from_secs(24 * 3600));
    let r = get("/v1/vpgs/statuses").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    emu.shutdown().await;
}
