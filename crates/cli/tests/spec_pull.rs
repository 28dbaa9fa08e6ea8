//! `restpoint spec pull` end to end: the binary fetches the spec the emulator (started in this
//! process, over real HTTPS with its generated CA) publishes at
//! `/swagger/v<revision>/swagger.json`, with and without `--revision`; refused without the CA,
//! for `http://`, for a revision the server does not publish, for a body that is not JSON or is
//! too large; no logon is made.

use std::path::{Path, PathBuf};
use std::process::Output;

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product};
use serde_json::Value;

struct Server {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let emulator = Emulator::start(EmulatorConfig::for_tests())
            .await
            .expect("the emulator starts");
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("ca.pem"), emulator.ca_pem()).expect("the CA is written");
        Server { emulator, dir }
    }

    fn ca(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn url(&self) -> String {
        self.emulator.vbr_url().to_string()
    }
}

/// Runs `restpoint spec pull ARGS` with no `RESTPOINT_*` variable of the caller.
async fn pull(args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_restpoint"));
    cmd.args(["spec", "pull"]).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("RESTPOINT_") {
            cmd.env_remove(k);
        }
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("the restpoint binary runs"))
        .await
        .expect("the command thread finishes")
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the file was written");
    serde_json::from_str(&text).expect("the file is JSON")
}

/// Our own VBR spec's operation count, from the document the emulator embeds.
fn own_operations() -> usize {
    let doc: Value =
        serde_json::from_str(restpoint_emulator::vbr_spec::OWN_SPEC_JSON).expect("JSON");
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_the_named_revision_and_the_negotiated_one() {
    let server = Server::start().await;
    let (url, ca) = (server.url(), server.ca());
    let operations = own_operations();
    assert!(operations >= 14, "{operations}");
    for (name, revision_args, shown) in [
        (
            "named.json",
            &["--revision", "1.2-rev1"][..],
            "revision 1.2-rev1:",
        ),
        (
            "negotiated.json",
            &[][..],
            "revision 1.2-rev1 (negotiated):",
        ),
    ] {
        let file = server.out(name);
        let file_arg = file.display().to_string();
        let mut args = vec!["--vbr", &url, "--ca-cert", &ca, "-o", &file_arg];
        args.extend_from_slice(revision_args);
        let out = pull(&args).await;
        assert!(out.status.success(), "{name}: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(shown), "{stdout}");
        assert!(
            stdout.contains(&format!("{operations} operations")),
            "{stdout}"
        );
        assert!(stdout.contains(&file_arg), "{stdout}");
        let doc = read_json(&file);
        assert_eq!(doc["info"]["version"], "1.2-rev1", "{name}");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["paths"]["/api/v1/jobs"]["get"].is_object(), "{name}");
    }
    // Nothing logged on: no credential was sent.
    let counters = server.emulator.admin().counters();
    assert_eq!(counters.vbr.logons, 0);
    assert_eq!(counters.vbr.failed_logons, 0);
    assert!(
        counters.endpoints.keys().all(|k| !k.contains("oauth2")),
        "{:?}",
        counters.endpoints
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_without_the_ca_and_for_plain_http() {
    let server = Server::start().await;
    let url = server.url();
    let file = server.out("refused.json");
    let file_arg = file.display().to_string();
    let out = pull(&["--vbr", &url, "--revision", "1.2-rev1", "-o", &file_arg]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TLS failure"), "{err}");
    assert!(err.contains("--ca-cert"), "{err}");
    assert!(!file.exists());

    let http_url = url.replace("https://", "http://");
    let out = pull(&[
        "--vbr",
        &http_url,
        "--revision",
        "1.2-rev1",
        "-o",
        &file_arg,
    ])
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-insecure-http"), "{err}");
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_errors_for_404_not_json_too_large_and_a_bad_revision() {
    let server = Server::start().await;
    let (url, ca) = (server.url(), server.ca());
    let file = server.out("failed.json");
    let file_arg = file.display().to_string();
    let base = [
        "--vbr",
        url.as_str(),
        "--ca-cert",
        ca.as_str(),
        "-o",
        file_arg.as_str(),
    ];
    let run = |extra: &'static [&'static str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        async move { pull(&args).await }
    };

    // A revision the server serves but publishes no spec for.
    let out = run(&["--revision", "1.3-rev1"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("publishes no spec for revision 1.3-rev1"),
        "{}",
        text(&out)
    );

    // A body cut off in the middle (the emulator's MalformedBody fault).
    server
        .emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::MalformedBody, 1);
    let out = run(&["--revision", "1.2-rev1"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("not JSON"), "{}", text(&out));

    // Larger than the limit.
    let out = run(&["--revision", "1.2-rev1", "--max-bytes", "1000"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("larger than 1000 bytes"),
        "{}",
        text(&out)
    );

    // Not a revision.
    let out = run(&["--revision", "latest"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!file.exists(), "no failed pull writes the file");
}

/// A vendor file given to the emulator (as `emulate --spec` will) is pulled under its own
/// revision with every operation: the vendor's 1.3-rev1 file has 404. The file is read from
/// `../shared/vendor-specs` (test input only; never copied into the repository).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_a_configured_vendor_document_whole() {
    let Some(path) = restpoint_testkit::shared_path("vendor-specs/vbr-1.3-rev1.json") else {
        return;
    };
    let vendor: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let config = EmulatorConfig::for_tests()
        .with_vbr_spec(vendor.clone())
        .expect("an OpenAPI document with a revision");
    let emulator = Emulator::start(config).await.expect("the emulator starts");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem()).unwrap();
    let file = dir.path().join("vendor.json");
    let (url, ca, file_arg) = (
        emulator.vbr_url().to_string(),
        ca.display().to_string(),
        file.display().to_string(),
    );
    let out = pull(&[
        "--vbr",
        &url,
        "--ca-cert",
        &ca,
        "-o",
        &file_arg,
        "--revision",
        "1.3-rev1",
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("revision 1.3-rev1: 404 operations"),
        "{}",
        text(&out)
    );
    assert_eq!(read_json(&file), vendor);
}

/// Runs `restpoint drift ARGS` with no `RESTPOINT_*` variable of the caller.
async fn drift(args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_restpoint"));
    cmd.arg("drift").args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("RESTPOINT_") {
            cmd.env_remove(k);
        }
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("the restpoint binary runs"))
        .await
        .expect("the command thread finishes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_compares_a_file_with_the_spec_a_live_server_publishes() {
    let server = Server::start().await;
    let (url, ca) = (server.url(), server.ca());
    // The spec the server answers from: nothing breaks.
    let same = server.out("same.json");
    std::fs::write(&same, restpoint_emulator::vbr_spec::OWN_SPEC_JSON).unwrap();
    let same_arg = same.display().to_string();
    let out = drift(&[&same_arg, "--vbr-url", &url, "--ca-cert", &ca]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("revision 1.2-rev1"), "{}", text(&out));
    // A program written against an operation the server does not have: exit 1, named.
    let mut doc: Value = serde_json::from_str(restpoint_emulator::vbr_spec::OWN_SPEC_JSON).unwrap();
    doc["paths"]["/api/v1/retired"] = doc["paths"]["/api/v1/jobs"].clone();
    let old = server.out("old.json");
    std::fs::write(&old, doc.to_string()).unwrap();
    let old_arg = old.display().to_string();
    let out = drift(&[&old_arg, "--vbr-url", &url, "--ca-cert", &ca]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("/api/v1/retired"), "{}", text(&out));
    // The live spec is fetched like `spec pull`: without the CA, refused (exit 3), no logon.
    let out = drift(&[&old_arg, "--vbr-url", &url]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("--ca-cert"), "{}", text(&out));
    // NEW and --vbr-url together are a usage error.
    let out = drift(&[&old_arg, &same_arg, "--vbr-url", &url]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(server.emulator.admin().counters().vbr.logons, 0);
}
