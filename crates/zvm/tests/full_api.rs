//! The build-time full API of ZVM end to end (issue 16): the example `full_api` is built with
//! `--features full-api` and `RESTPOINT_ZVM_SPEC` naming our own ZVM spec (this workspace's target
//! dir, offline and locked, so only `restpoint-zvm` and the generator compile), then run against
//! the emulator; its output and the emulator's counters show the generated calls went through a
//! logged-on session. A build without the variable must fail with the message that says how to
//! get the file.

use std::path::Path;
use std::process::{Command, Output};

use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};

/// The example `full_api` of `restpoint-zvm` built with `RESTPOINT_ZVM_SPEC` = `spec` (or unset).
fn build_example(spec: Option<&Path>) -> Output {
    restpoint_testkit::build_example(
        "restpoint-zvm",
        "full-api",
        "full_api",
        ("RESTPOINT_ZVM_SPEC", spec),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_build_and_call_the_full_api() {
    let emulator = Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("the emulator starts");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem()).expect("the CA is written");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/zvm/openapi.yaml");
    let spec = spec.canonicalize().expect("our ZVM spec");

    // Without the variable the feature refuses to build, saying how to get the file.
    let refused = tokio::task::spawn_blocking(|| build_example(None))
        .await
        .expect("the build thread finishes");
    let message = restpoint_testkit::output_text(&refused);
    assert!(
        !refused.status.success(),
        "built without RESTPOINT_ZVM_SPEC:\n{message}"
    );
    assert!(
        message.contains("RESTPOINT_ZVM_SPEC is not set") && message.contains("OpenAPI file"),
        "{message}"
    );

    // With it: the whole API generated into OUT_DIR and the example built.
    let built = tokio::task::spawn_blocking(move || build_example(Some(&spec)))
        .await
        .expect("the build thread finishes");
    assert!(
        built.status.success(),
        "the example did not build:\n{}",
        restpoint_testkit::output_text(&built)
    );

    emulator.admin().reset_counters();
    let mut run = Command::new(restpoint_testkit::example_binary("full_api"));
    run.env("RESTPOINT_ZVM_URL", emulator.zvm_url().as_str())
        .env("RESTPOINT_CA", &ca)
        .env("RESTPOINT_USER", defaults::ADMIN_USER)
        .env("RESTPOINT_PASSWORD", defaults::ADMIN_PASSWORD);
    let ran = tokio::task::spawn_blocking(move || run.output().expect("the example runs"))
        .await
        .expect("the example thread finishes");
    let output = restpoint_testkit::output_text(&ran);
    assert!(ran.status.success(), "the example failed:\n{output}");
    let vpgs: usize = output
        .lines()
        .find_map(|l| l.strip_prefix("vpgs: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no vpgs line:\n{output}"));
    assert!(vpgs > 0, "{output}");
    assert_eq!(
        output.lines().filter(|l| l.starts_with("vpg: ")).count(),
        vpgs,
        "{output}"
    );
    assert!(output.contains("site: "), "{output}");
    assert!(output.contains("logged off"), "{output}");
    assert!(
        !output.contains(defaults::ADMIN_PASSWORD),
        "the password was printed"
    );
    let counters = emulator.admin().counters();
    assert_eq!(counters.requests(Product::Zvm, "GET", "/v1/vpgs"), 1);
    assert_eq!(counters.requests(Product::Zvm, "GET", "/v1/localsite"), 1);
    assert_eq!(counters.zvm.logons, 1);
}
