//! The second feature set (`crates/conformance/features/clients/`): the documented session rules seen from
//! restpoint's own clients (the session core under the VBR, ZVM and EM crates) against the
//! embedded emulator. A plain `main` (harness = false): cucumber runs the scenarios.

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use cucumber::{StatsWriter as _, World, given, then, when};
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::Credentials;

/// Which restpoint client a scenario uses.
enum Client {
    Vbr(restpoint_vbr::VbrSession),
    Zvm(restpoint_zvm::session::ZvmSession),
    Em(restpoint_em::session::EmSession),
}

/// One scenario: its own emulator, one client, the status codes of the calls (or the errors).
#[derive(World, Default)]
struct ClientWorld {
    emulator: Option<Emulator>,
    client: Option<Client>,
    results: Vec<Result<u16, String>>,
}

impl fmt::Debug for ClientWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientWorld")
            .field("results", &self.results)
            .finish_non_exhaustive()
    }
}

impl ClientWorld {
    async fn emulator(&mut self) -> &Emulator {
        if self.emulator.is_none() {
            let e = Emulator::start(EmulatorConfig::for_tests())
                .await
                .expect("the emulator starts");
            self.emulator = Some(e);
        }
        self.emulator.as_ref().expect("started above")
    }

    fn product(&self) -> Product {
        match self.client.as_ref().expect("a client is logged on") {
            Client::Vbr(_) => Product::Vbr,
            Client::Zvm(_) => Product::Zvm,
            Client::Em(_) => Product::Em,
        }
    }

    /// `GET` a list through the client's session: VBR jobs, ZVM VPGs, EM jobs.
    async fn list(&self) -> Result<u16, String> {
        let answer = match self.client.as_ref().expect("a client is logged on") {
            Client::Vbr(s) => {
                let url = s
                    .base_url()
                    .join("api/v1/jobs")
                    .map_err(|e| e.to_string())?;
                let request = s.http().get(url).build().map_err(|e| e.to_string())?;
                s.send(request).await
            }
            Client::Zvm(s) => {
                let url = s.base_url().join("v1/vpgs").map_err(|e| e.to_string())?;
                let request = s.http().get(url).build().map_err(|e| e.to_string())?;
                s.send(request).await
            }
            Client::Em(s) => s.get("/api/jobs").await,
        };
        answer
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }
}

fn product_named(name: &str) -> Product {
    match name {
        "Backup & Replication" => Product::Vbr,
        "Zerto Virtual Manager" => Product::Zvm,
        "Enterprise Manager" => Product::Em,
        other => panic!("unknown product {other:?}"),
    }
}

#[given(regex = r"^the restpoint (.+) client is logged on$")]
async fn logged_on(w: &mut ClientWorld, product: String) {
    let emulator = w.emulator().await;
    let credentials = Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let clock = emulator.clock().expect("virtual clock").shared();
    let client = match product_named(&product) {
        Product::Vbr => Client::Vbr(
            restpoint_vbr::VbrSession::builder(emulator.vbr_url())
                .credentials(credentials)
                .ca_pem(emulator.ca_pem())
                .clock(clock)
                .build()
                .await
                .expect("the VBR client logs on"),
        ),
        Product::Zvm => Client::Zvm(
            restpoint_zvm::session::ZvmSession::builder(emulator.zvm_url())
                .credentials(credentials)
                .ca_pem(emulator.ca_pem())
                .clock(clock)
                .flavor(restpoint_zvm::session::ZvmFlavor::Windows(None))
                .build()
                .await
                .expect("the ZVM client logs on"),
        ),
        Product::Em => Client::Em(
            restpoint_em::session::EmSession::builder(emulator.em_url())
                .credentials(credentials)
                .ca_pem(emulator.ca_pem())
                .clock(clock)
                .build()
                .await
                .expect("the EM client logs on"),
        ),
    };
    w.client = Some(client);
}

#[when(regex = r"^(\d+) minutes pass$")]
async fn minutes_pass(w: &mut ClientWorld, minutes: u64) {
    w.emulator()
        .await
        .advance(Duration::from_secs(minutes * 60));
}

#[when(regex = r"^the client lists the (?:jobs|VPGs)$")]
async fn list_once(w: &mut ClientWorld) {
    let r = w.list().await;
    w.results = vec![r];
}

#[when(regex = r"^the client lists the (?:jobs|VPGs) (\d+) times at once$")]
async fn list_many(w: &mut ClientWorld, n: usize) {
    let calls = (0..n).map(|_| w.list());
    w.results = futures::future::join_all(calls).await;
}

#[when("the client logs out")]
async fn logs_out(w: &mut ClientWorld) {
    let r = match w.client.as_ref().expect("a client is logged on") {
        Client::Vbr(s) => s.logout().await,
        Client::Zvm(s) => s.logout().await,
        Client::Em(s) => s.logout().await,
    };
    r.expect("the logout succeeds");
}

#[then(regex = r"^(?:the call|every call) succeeds$")]
async fn calls_succeed(w: &mut ClientWorld) {
    assert!(!w.results.is_empty(), "no call was made");
    let bad: Vec<_> = w.results.iter().filter(|r| **r != Ok(200)).collect();
    assert!(
        bad.is_empty(),
        "{} of {} calls did not answer 200: {:?}",
        bad.len(),
        w.results.len(),
        bad.first()
    );
}

#[then(regex = r"^the emulator counted (\d+) logons? and (\d+) refresh(?:es)? for (.+)$")]
async fn counted(w: &mut ClientWorld, logons: u64, refreshes: u64, product: String) {
    let counters = w.emulator().await.admin().counters();
    let c = counters.product(product_named(&product));
    assert_eq!(
        (c.logons, c.refreshes),
        (logons, refreshes),
        "(logons, refreshes) counted by the emulator"
    );
}

#[then(regex = r"^the emulator holds no live (.+) session$")]
async fn no_live_session(w: &mut ClientWorld, product: String) {
    let p = product_named(&product);
    assert_eq!(w.product(), p, "the scenario's client is another product's");
    let live = w.emulator().await.admin().live_sessions(p);
    assert_eq!(live, 0, "live {product} sessions after logout");
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // The client scenarios as built into the crate (`features/clients/`).
    let features = restpoint_conformance::features::FeatureSet::embedded()
        .folder(restpoint_conformance::coverage::CLIENTS_FOLDER);
    let writer = ClientWorld::cucumber::<std::path::PathBuf>()
        .with_parser(restpoint_conformance::features::MemoryParser)
        .fail_on_skipped()
        .with_default_cli()
        .run(features)
        .await;
    let stats = writer.scenarios_stats();
    println!(
        "clients: {} passed, {} failed",
        stats.passed,
        stats.failed + stats.skipped
    );
    if writer.execution_has_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
