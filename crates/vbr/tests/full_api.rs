//! The build-time full API end to end (issue 16): the spec the emulator publishes is fetched as
//! `restpoint spec pull` does, the example `full_api` is built with `--features full-api` and
//! `RESTPOINT_VBR_SPEC` naming that file (this workspace's target dir, offline and locked, so
//! only `restpoint-vbr` and the generator compile), then run against the emulator; its output
//! and the emulator's counters show the generated calls went through a logged-on session.
//! A second build without the variable must fail with the message that says how to get the file.

use std::path::Path;
use std::process::{Command, Output};

use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::HttpOptions;
use restpoint_vbr::published_spec::{MAX_SPEC_BYTES, fetch_published_spec};

/// The example `full_api` of `restpoint-vbr` built with `RESTPOINT_VBR_SPEC` = `spec` (or unset).
fn build_example(spec: Option<&Path>) -> Output {
    restpoint_testkit::build_example(
        "restpoint-vbr",
        "full-api",
        "full_api",
        ("RESTPOINT_VBR_SPEC", spec),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_generate_build_and_call_the_full_api() {
    let emulator = Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("the emulator starts");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem()).expect("the CA is written");

    // spec pull: the document the emulator publishes, written to a file.
    let http = HttpOptions::new()
        .ca_pem(emulator.ca_pem())
        .expect("the CA");
    let published = fetch_published_spec(emulator.vbr_url().as_str(), &http, None, MAX_SPEC_BYTES)
        .await
        .expect("the emulator publishes its spec");
    assert!(
        published.operation_count() >= 14,
        "{}",
        published.operation_count()
    );
    let spec = dir.path().join("vbr.json");
    std::fs::write(&spec, &published.body).expect("the spec is written");

    // Without the variable the feature refuses to build, saying how to get the file.
    let refused = tokio::task::spawn_blocking(|| build_example(None))
        .await
        .expect("the build thread finishes");
    let message = restpoint_testkit::output_text(&refused);
    assert!(
        !refused.status.success(),
        "built without RESTPOINT_VBR_SPEC:\n{message}"
    );
    assert!(
        message.contains("RESTPOINT_VBR_SPEC is not set")
            && message.contains("restpoint spec pull --vbr"),
        "{message}"
    );

    // With it: the whole API generated into OUT_DIR and the example built.
    let spec_for_build = spec.clone();
    let built = tokio::task::spawn_blocking(move || build_example(Some(&spec_for_build)))
        .await
        .expect("the build thread finishes");
    assert!(
        built.status.success(),
        "the example did not build:\n{}",
        restpoint_testkit::output_text(&built)
    );

    // Run it against the emulator.
    emulator.admin().reset_counters();
    let mut run = Command::new(restpoint_testkit::example_binary("full_api"));
    run.env("RESTPOINT_VBR_URL", emulator.vbr_url().as_str())
        .env("RESTPOINT_CA", &ca)
        .env("RESTPOINT_USER", defaults::ADMIN_USER)
        .env("RESTPOINT_PASSWORD", defaults::ADMIN_PASSWORD);
    let ran = tokio::task::spawn_blocking(move || run.output().expect("the example runs"))
        .await
        .expect("the example thread finishes");
    let output = restpoint_testkit::output_text(&ran);
    assert!(ran.status.success(), "the example failed:\n{output}");
    let jobs: usize = output
        .lines()
        .find_map(|l| l.strip_prefix("jobs: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no jobs line:\n{output}"));
    assert!(jobs > 0, "{output}");
    assert_eq!(
        output.lines().filter(|l| l.starts_with("job: ")).count(),
        jobs,
        "{output}"
    );
    assert!(output.contains("server: "), "{output}");
    assert!(output.contains("repositories: "), "{output}");
    assert!(output.contains("logged off"), "{output}");
    assert!(
        !output.contains(defaults::ADMIN_PASSWORD),
        "the password was printed"
    );
    let counters = emulator.admin().counters();
    assert_eq!(counters.requests(Product::Vbr, "GET", "/api/v1/jobs"), 1);
    // One probe of the x-api-version negotiation (VBR-08), one call of the full API.
    assert_eq!(
        counters.requests(Product::Vbr, "GET", "/api/v1/serverinfo"),
        2
    );
    assert_eq!(
        counters.requests(Product::Vbr, "POST", "/api/oauth2/token"),
        1
    );
    assert_eq!(
        counters.requests(Product::Vbr, "POST", "/api/oauth2/logout"),
        1
    );
}
