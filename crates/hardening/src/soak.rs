//! R6: the soak run. Opens sessions of all three products against an emulator at an even pace
//! over a wall-clock budget, uses each once, abandons it (no logout), and lets the idle sessions
//! expire on the emulator's virtual clock; prints errors and resident memory.
//!
//! The emulator is either a separate process ([`Emulated::Process`]: the `restpoint emulate`
//! binary on a virtual clock, driven over its admin listener, its `VmRSS` read from
//! `/proc/<pid>/status`, so the figure is the emulator's alone) or, for the quick test, started
//! in this process ([`Emulated::InProcess`]: the figure then includes the clients).

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use futures::StreamExt;
use restpoint_em::session::EmSession;
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};

use restpoint_session::{Credentials, Error, HttpOptions};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;

/// How big a soak run is.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// Sessions to open in all (spread round-robin over EM, VBR and ZVM).
    pub sessions: u64,
    /// Wall-clock time to spread them over.
    pub duration: Duration,
    /// Sessions opened at the same time at most.
    pub concurrency: usize,
    /// Passes of `sessions` sessions each (the memory after each pass is reported).
    pub passes: u32,
    /// Where the emulator runs.
    pub emulated: Emulated,
}

/// Where a soak run's emulator runs.
#[derive(Debug, Clone, Default)]
pub enum Emulated {
    /// In this process (quick tests; the memory figure then includes the soak's clients).
    #[default]
    InProcess,
    /// In its own process: `<binary> emulate --virtual-clock` on free ports; memory is read from
    /// that process alone.
    Process(PathBuf),
}

/// What a soak run measured.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Sessions opened and used.
    pub sessions: u64,
    /// Failed logons or calls (must be 0).
    pub errors: u64,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// Resident memory in KiB after the emulator started and one warm-up session per product.
    pub baseline_kib: u64,
    /// Highest resident memory in KiB seen during the run.
    pub peak_kib: u64,
    /// Resident memory in KiB after every idle session expired and was purged, at the end.
    pub final_kib: u64,
    /// Resident memory in KiB after each pass (sessions expired and purged).
    pub after_pass_kib: Vec<u64>,
    /// Whose resident memory was measured: `"emulator process <pid>"` or `"soak process"`.
    pub measured: String,
    /// Live sessions (all products) at the peak of the run, as the emulator counted them.
    pub peak_live_sessions: usize,
    /// Live sessions left after expiry and purge (must be 0).
    pub final_live_sessions: usize,
    /// Successful logons the emulator counted (all products).
    pub server_logons: u64,
}

impl std::fmt::Display for SoakReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |kib: u64| kib as f64 / 1024.0;
        writeln!(
            f,
            "soak: {} sessions in {:.1} s, errors {}, server logons {}",
            self.sessions,
            self.elapsed.as_secs_f64(),
            self.errors,
            self.server_logons
        )?;
        writeln!(
            f,
            "soak: live sessions peak {}, after expiry {}",
            self.peak_live_sessions, self.final_live_sessions
        )?;
        let passes: Vec<String> = self
            .after_pass_kib
            .iter()
            .map(|kib| {
                format!(
                    "{:.1} ({:+.1} %)",
                    mib(*kib),
                    self.percent_over_baseline(*kib)
                )
            })
            .collect();
        write!(
            f,
            "soak: VmRSS of the {}: baseline {:.1} MiB, peak {:.1} MiB; after each pass: {} MiB",
            self.measured,
            mib(self.baseline_kib),
            mib(self.peak_kib),
            passes.join(", ")
        )
    }
}

impl SoakReport {
    /// How far `kib` is above the baseline, in percent of it.
    pub fn percent_over_baseline(&self, kib: u64) -> f64 {
        if self.baseline_kib == 0 {
            return 0.0;
        }
        (kib as f64 - self.baseline_kib as f64) * 100.0 / self.baseline_kib as f64
    }

    /// Whether every pass ended within `percent` of the baseline.
    pub fn within(&self, percent: f64) -> bool {
        self.after_pass_kib
            .iter()
            .all(|kib| self.percent_over_baseline(*kib) <= percent)
    }
}

/// A running emulator, in this process or in its own.
enum Server {
    InProcess(Arc<Emulator>),
    Process(Spawned),
}

/// An emulator process started by the soak (killed when dropped).
struct Spawned {
    child: Child,
    em_url: String,
    vbr_url: String,
    zvm_url: String,
    admin_url: String,
    ca_pem: String,
    admin: reqwest::Client,
}

impl Drop for Spawned {
    /// Stops the emulator as Ctrl-C does (`kill -INT`, so that a heap profiler attached to it
    /// writes its data), and kills it if it is still there after 10 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let interrupted = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .is_ok_and(|s| s.success());
        if interrupted {
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Spawned {
    /// Starts `<binary> emulate --virtual-clock` on free ports and reads its banner (URLs, admin
    /// URL, CA file).
    fn start(binary: &std::path::Path) -> anyhow::Result<Self> {
        let ca = std::env::temp_dir().join(format!("restpoint-soak-ca-{}.pem", std::process::id()));
        let mut child = Command::new(binary)
            .args([
                "emulate",
                "--virtual-clock",
                "--em-port",
                "0",
                "--vbr-port",
                "0",
            ])
            .args(["--zvm-port", "0", "--admin-port", "0", "--ca-out"])
            .arg(&ca)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the emulator {}", binary.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            anyhow::bail!("the emulator's stdout");
        };
        match Self::read_banner(stdout, &ca) {
            Ok((em_url, vbr_url, zvm_url, admin_url, ca_pem)) => Ok(Self {
                child,
                em_url,
                vbr_url,
                zvm_url,
                admin_url,
                ca_pem,
                admin: reqwest::Client::builder().no_proxy().build()?,
            }),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(error)
            }
        }
    }

    /// The product URLs, the admin URL and the CA of the banner `restpoint emulate` prints.
    fn read_banner(
        stdout: std::process::ChildStdout,
        ca: &std::path::Path,
    ) -> anyhow::Result<(String, String, String, String, String)> {
        let (mut em, mut vbr, mut zvm, mut admin) = (None, None, None, None);
        let mut lines = std::io::BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.context("reading the emulator's banner")?;
            if line.starts_with("press Ctrl-C") {
                break;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(url)) = (words.next(), words.next()) else {
                continue;
            };
            if !url.starts_with("http") {
                continue;
            }
            let slot = match name {
                "EM" => (&mut em, "api/"),
                "VBR" => (&mut vbr, ""),
                "ZVM" => (&mut zvm, "v1/"),
                "admin" => (&mut admin, "admin/"),
                _ => continue,
            };
            *slot.0 = url.strip_suffix(slot.1).map(str::to_owned);
        }
        let ca_pem = std::fs::read_to_string(ca).context("reading the emulator's CA")?;
        let _ = std::fs::remove_file(ca);
        // Keep reading what the emulator prints, so that it never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let missing = || anyhow::anyhow!("the emulator's banner did not name every URL");
        Ok((
            em.ok_or_else(missing)?,
            vbr.ok_or_else(missing)?,
            zvm.ok_or_else(missing)?,
            admin.ok_or_else(missing)?,
            ca_pem,
        ))
    }

    async fn admin_json(
        &self,
        post: bool,
        path: &str,
        body: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}admin/{path}", self.admin_url);
        let request = if post {
            self.admin
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_owned())
        } else {
            self.admin.get(url)
        };
        let response = request.send().await?.error_for_status()?;
        Ok(serde_json::from_slice(&response.bytes().await?)?)
    }
}

/// The sum of the numbers under `keys` of a JSON object.
fn sum(value: &serde_json::Value, keys: &[&str]) -> u64 {
    keys.iter()
        .filter_map(|k| value.get(*k).and_then(serde_json::Value::as_u64))
        .sum()
}

impl Server {
    fn em_url(&self) -> String {
        match self {
            Server::InProcess(e) => e.em_url().to_string(),
            Server::Process(p) => p.em_url.clone(),
        }
    }

    fn vbr_url(&self) -> String {
        match self {
            Server::InProcess(e) => e.vbr_url().to_string(),
            Server::Process(p) => p.vbr_url.clone(),
        }
    }

    fn zvm_url(&self) -> String {
        match self {
            Server::InProcess(e) => e.zvm_url().to_string(),
            Server::Process(p) => p.zvm_url.clone(),
        }
    }

    fn ca_pem(&self) -> &str {
        match self {
            Server::InProcess(e) => e.ca_pem(),
            Server::Process(p) => &p.ca_pem,
        }
    }

    /// The clients' clock: the emulator's virtual clock when it runs in this process; the
    /// system clock otherwise (each session is used once, right after its logon).
    fn client_clock(&self) -> Option<restpoint_session::SharedClock> {
        match self {
            Server::InProcess(e) => e.clock().map(|c| c.shared()),
            Server::Process(_) => None,
        }
    }

    /// Resident memory of the measured process in KiB.
    fn rss_kib(&self) -> Option<u64> {
        match self {
            Server::InProcess(_) => crate::rss_kib(),
            Server::Process(p) => crate::rss_kib_of(p.child.id()),
        }
    }

    fn measured(&self) -> String {
        match self {
            Server::InProcess(_) => "soak process (emulator in-process)".to_owned(),
            Server::Process(p) => format!("emulator process {}", p.child.id()),
        }
    }

    /// Moves the emulator's virtual clock on by `by`, drops what expired, and answers the live
    /// sessions left.
    async fn advance_and_purge(&self, by: Duration) -> anyhow::Result<usize> {
        match self {
            Server::InProcess(e) => {
                e.advance(by);
                e.admin().purge_expired();
                let admin = e.admin();
                Ok([Product::Em, Product::Vbr, Product::Zvm]
                    .into_iter()
                    .map(|p| admin.live_sessions(p))
                    .sum())
            }
            Server::Process(p) => {
                let body = format!("{{\"millis\": {}}}", by.as_millis());
                p.admin_json(true, "clock/advance", &body).await?;
                let live = p.admin_json(true, "purge", "").await?;
                Ok(sum(&live, &["em", "vbr", "zvm"]) as usize)
            }
        }
    }

    /// Live sessions now (all products).
    async fn live(&self) -> anyhow::Result<usize> {
        self.advance_and_purge(Duration::ZERO).await
    }

    /// Successful logons the emulator counted (all products).
    async fn logons(&self) -> anyhow::Result<u64> {
        match self {
            Server::InProcess(e) => {
                let c = e.admin().counters();
                Ok(c.em.logons + c.vbr.logons + c.zvm.logons)
            }
            Server::Process(p) => {
                let counters = p.admin_json(false, "counters", "").await?;
                Ok(["em", "vbr", "zvm"]
                    .iter()
                    .filter_map(|k| counters.get(*k))
                    .map(|c| sum(c, &["logons"]))
                    .sum())
            }
        }
    }
}

/// Opens one session of `product`, makes one authenticated GET, and drops the session.
async fn one(server: &Server, product: u64) -> Result<(), Error> {
    let credentials = Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let clock = server.client_clock();
    // Only the emulator's CA: loading the system roots for every client would dominate the run.
    let options = HttpOptions::new().ca_pem_only(server.ca_pem())?;
    match product % 3 {
        0 => {
            let mut builder = EmSession::builder(server.em_url())
                .credentials(credentials)
                .http_options(options.clone())
                .keep_alive(None);
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let em = builder.build().await?;
            let response = em.get("/api/logonSessions").await?;
            expect_success(response.status(), "em")?;
        }
        1 => {
            let mut builder = VbrSession::builder(server.vbr_url())
                .credentials(credentials)
                .http_options(options.clone());
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let vbr = builder.build().await?;
            let client = vbr.client();
            client.api().get_all_jobs().send().await?;
        }
        _ => {
            let mut builder = ZvmSession::builder(server.zvm_url())
                .credentials(credentials)
                .http_options(options.clone());
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let zvm = builder.build().await?;
            let url = zvm
                .base_url()
                .join("v1/vpgs")
                .map_err(|_| Error::Config(restpoint_session::ConfigError::Invalid("zvm url")))?;
            let request = zvm.http().get(url).build().map_err(|e| {
                Error::from_reqwest(restpoint_session::Context::new("zvm", "GET /v1/vpgs"), e)
            })?;
            let response = zvm.send(request).await?;
            expect_success(response.status(), "zvm")?;
        }
    }
    Ok(())
}

fn expect_success(status: reqwest::StatusCode, product: &'static str) -> Result<(), Error> {
    if status.is_success() {
        Ok(())
    } else {
        Err(Error::protocol(
            restpoint_session::Context::new(product, "soak GET").with_status(status),
            restpoint_session::ProtocolViolation::UnexpectedStatus,
        ))
    }
}

/// One pass: `config.sessions` sessions at an even pace over `config.duration`, in ten rounds;
/// after each round the virtual clock moves on by 2 minutes and expired sessions are purged (so
/// the first sessions expire during the pass). Returns the highest live-session count seen.
async fn pass(
    server: &Arc<Server>,
    config: &SoakConfig,
    errors: &Arc<AtomicU64>,
    peak_kib: &Arc<AtomicU64>,
) -> anyhow::Result<usize> {
    let start = Instant::now();
    let per_session = config
        .duration
        .checked_div(config.sessions.max(1) as u32)
        .unwrap_or_default();
    let rounds = 10u64;
    let per_round = config.sessions.div_ceil(rounds).max(1);
    let mut peak_live = 0;
    let mut next = 0u64;
    while next < config.sessions {
        let end = (next + per_round).min(config.sessions);
        futures::stream::iter(next..end)
            .for_each_concurrent(config.concurrency.max(1), |i| {
                let server = server.clone();
                let errors = errors.clone();
                let peak = peak_kib.clone();
                async move {
                    // Even pace: session i starts no earlier than i × (duration / sessions).
                    let due = start + per_session * (i as u32);
                    tokio::time::sleep_until(due.into()).await;
                    if let Err(error) = one(&server, i).await {
                        let n = errors.fetch_add(1, Ordering::Relaxed);
                        if n < 5 {
                            eprintln!("soak: session {i}: {error}");
                        }
                    }
                    if i % 50 == 0
                        && let Some(rss) = server.rss_kib()
                    {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                }
            })
            .await;
        peak_live = peak_live.max(server.live().await?);
        if let Some(rss) = server.rss_kib() {
            peak_kib.fetch_max(rss, Ordering::Relaxed);
        }
        server
            .advance_and_purge(Duration::from_secs(2 * 60))
            .await?;
        next = end;
    }
    Ok(peak_live)
}

/// How long the soak waits after a pass (and after the warm-up) before it reads the memory: the
/// dropped clients' connections close, and the emulator's tasks for them end.
const SETTLE: Duration = Duration::from_secs(1);

/// Runs a soak: starts an emulator on a virtual clock (in this process or in its own), warms up
/// (one session per product) and takes the baseline, then runs `config.passes` passes (see
/// [`pass`]); after each, every idle session expires on the virtual clock (EM after 15 min, ZVM
/// after 30 min, VBR refresh tokens after 14 days), is purged, and resident memory is read.
pub async fn run(config: SoakConfig) -> anyhow::Result<SoakReport> {
    crate::install_crypto_provider();
    let server = Arc::new(match &config.emulated {
        Emulated::InProcess => Server::InProcess(Arc::new(
            Emulator::start(EmulatorConfig::for_tests()).await?,
        )),
        Emulated::Process(binary) => Server::Process(Spawned::start(binary)?),
    });
    for product in 0..3 {
        one(&server, product).await?;
    }
    tokio::time::sleep(SETTLE).await;
    let baseline_kib = server.rss_kib().unwrap_or(0);
    let peak_kib = Arc::new(AtomicU64::new(baseline_kib));
    let errors = Arc::new(AtomicU64::new(0));
    let mut peak_live = 0;
    let mut after_pass_kib = Vec::new();
    let mut final_live_sessions = 0;
    let start = Instant::now();
    for _ in 0..config.passes.max(1) {
        peak_live = peak_live.max(pass(&server, &config, &errors, &peak_kib).await?);
        final_live_sessions = server
            .advance_and_purge(Duration::from_secs(15 * 24 * 3600))
            .await?;
        tokio::time::sleep(SETTLE).await;
        let kib = server.rss_kib().unwrap_or(0);
        eprintln!(
            "soak: pass {} done after {:.1} s: errors so far {}, live sessions {final_live_sessions}, VmRSS {:.1} MiB (baseline {:.1} MiB)",
            after_pass_kib.len() + 1,
            start.elapsed().as_secs_f64(),
            errors.load(Ordering::Relaxed),
            kib as f64 / 1024.0,
            baseline_kib as f64 / 1024.0
        );
        after_pass_kib.push(kib);
    }
    let elapsed = start.elapsed();
    let server_logons = server.logons().await?;
    Ok(SoakReport {
        sessions: config.sessions * u64::from(config.passes.max(1)),
        errors: errors.load(Ordering::Relaxed),
        elapsed,
        baseline_kib,
        peak_kib: peak_kib.load(Ordering::Relaxed),
        final_kib: after_pass_kib.last().copied().unwrap_or(0),
        after_pass_kib,
        measured: server.measured(),
        peak_live_sessions: peak_live,
        final_live_sessions,
        server_logons,
    })
}
