//! The HTML report in a real browser: a run against an emulator whose EM logout is broken
//! (`Break::EmLogout200`, rule EM-09) writes `--html` and `--summary-json`; headless Chromium,
//! driven over WebDriver by chromedriver, opens the page, clicks the failed EM-09 cell and sees
//! its evidence (the logout's exchange) appear.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Under `CI` their
//! absence fails the test; elsewhere it skips with a loud message. `CHROMIUM` and `CHROMEDRIVER`
//! name other binaries. `RESTPOINT_REPORT_SCREENSHOT=FILE` saves a PNG of the page with the
//! panel open (the README's picture).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use restpoint_conformance::{ConformArgs, run_with_emulator};
use restpoint_emulator::{Break, EmulatorConfig};

/// The first of `names` found on `PATH` (or the file the environment variable `var` names).
fn find_binary(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(binary: &Path) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_cell_opens_its_evidence_in_headless_chromium() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let chromium = find_binary(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_binary("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: chromium and chromedriver are needed for the HTML report's browser test \
             (.ci/run installs Debian's chromium and chromium-driver)"
        );
        eprintln!(
            "!!! SKIPPED: chromium or chromedriver is missing (apt-get install chromium \
             chromium-driver); this test fails under CI"
        );
        return;
    };

    // The report of a run against an emulator whose logout answers 200 (EM-09 broken).
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let summary = dir.path().join("summary.json");
    let args = ConformArgs::parse_from([
        "conform".as_ref(),
        "--quiet".as_ref(),
        "--html".as_ref(),
        html.as_os_str(),
        "--summary-json".as_ref(),
        summary.as_os_str(),
    ])
    .unwrap();
    let config = EmulatorConfig::for_tests().with_break(Break::EmLogout200);
    let result = run_with_emulator(args, Some(config)).await.unwrap();
    assert!(result.failed > 0, "the broken logout must fail a scenario");

    // The summary says EM-09 failed, with its deciding exchange.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let em09 = summary["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "EM-09" && r["profile"].is_null())
        .expect("EM-09 in the summary");
    assert_eq!(em09["outcome"], "failed", "{em09}");
    assert!(em09["evidence"]["status"].is_u64(), "{em09}");

    // The page in headless Chromium, no network.
    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--window-size=1280,860",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with headless Chromium");

    let outcome = async {
        client.goto(&format!("file://{}", html.display())).await?;
        let title = client.title().await?;
        assert_eq!(title, "restpoint conformance report");
        let cell = client
            .find(Locator::Css(
                "table a.cell.o-failed[aria-label^=\"EM-09 default\"]",
            ))
            .await?;
        let panel_id = cell.attr("aria-controls").await?.expect("aria-controls");
        let panel = client.find(Locator::Id(&panel_id)).await?;
        assert!(
            !panel.is_displayed().await?,
            "the evidence is hidden before the click"
        );
        cell.click().await?;
        assert!(
            panel.is_displayed().await?,
            "the evidence is visible after the click"
        );
        assert_eq!(cell.attr("aria-expanded").await?.as_deref(), Some("true"));
        let text = panel.text().await?;
        assert!(text.contains("EM-09"), "{text}");
        assert!(text.contains("failed"), "{text}");
        assert!(text.contains("DELETE /api/logonSessions/"), "{text}");
        assert!(text.contains("(decided)"), "{text}");
        // A passed cell's evidence stays hidden.
        let passed = client
            .find(Locator::Css("table a.cell.o-passed"))
            .await?
            .attr("aria-controls")
            .await?
            .expect("aria-controls");
        assert!(
            !client
                .find(Locator::Id(&passed))
                .await?
                .is_displayed()
                .await?
        );
        if let Some(path) = std::env::var_os("RESTPOINT_REPORT_SCREENSHOT") {
            client.execute("window.scrollTo(0, 0)", Vec::new()).await?;
            std::fs::write(&path, client.screenshot().await?).unwrap();
        }
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    outcome.unwrap();
}
