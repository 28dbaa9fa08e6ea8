//! Each in-process measurement once with tiny sizes: the code paths work, nothing is timed.

use restpoint_bench::client;
use restpoint_emulator::defaults;

#[tokio::test]
async fn in_process_measurements_run_with_tiny_sizes() {
    let emulator = client::start_emulator().await.unwrap();

    let p1 = client::p1(&emulator, 10).await.unwrap();
    assert_eq!(p1.calls, 10);
    assert!(p1.jobs > 0 && p1.ratio() > 0.0, "{p1:?}");

    let p2 = client::p2(&emulator, 20).await.unwrap();
    assert_eq!(p2.succeeded, 20, "{p2:?}");
    assert_eq!(p2.logons + p2.refreshes, 1, "single flight: {p2:?}");

    let url = emulator.vbr_url().to_string();
    let creds = (defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    for ca_only in [true, false] {
        client::our_cycles(&url, emulator.ca_pem(), creds, 2, ca_only)
            .await
            .unwrap();
    }
    emulator.shutdown().await;
}

/// P9's code path with tiny sizes (needs the vendor file: under `CI` a missing one fails).
#[tokio::test]
async fn p9_runs_with_tiny_sizes() {
    let Some(path) = restpoint_testkit::shared_path(
        std::path::Path::new("vendor-specs").join(restpoint_bench::spec_driven::SPEC_FILE),
    ) else {
        return;
    };
    let document = restpoint_emulator::spec_driven::load_document(&path).unwrap();
    let p9 = restpoint_bench::spec_driven::p9(document, 80)
        .await
        .unwrap();
    assert!(p9.calls >= 40 && p9.ratio() > 0.0, "{p9:?}");
}
