//! R6: the soak run. Opens sessions of all three products against an in-process emulator at an
//! even pace over a wall-clock budget, uses each once, abandons it (no logout), and lets the
//! idle sessions expire on the emulator's virtual clock; prints errors and resident memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use restpoint_em::session::EmSession;
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::{Credentials, Error, HttpOptions};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;

/// How big a soak run is.
#[derive(Debug, Clone, Copy)]
pub struct SoakConfig {
    /// Sessions to open in all (spread round-robin over EM, VBR and ZVM).
    pub sessions: u64,
    /// Wall-clock time to spread them over.
    pub duration: Duration,
    /// Sessions opened at the same time at most.
    pub concurrency: usize,
    /// Passes of `sessions` sessions each (the memory after each pass is reported).
    pub passes: u32,
    /// Asks the allocator to give freed memory back to the system (glibc `malloc_trim`), run
    /// after each pass once the resident memory has been read; `None` reports no trimmed figure.
    pub trim: Option<fn()>,
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
    /// Resident memory in KiB after each pass and then [`SoakConfig::trim`] (empty without it).
    pub after_trim_kib: Vec<u64>,
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
            .map(|kib| format!("{:.1}", mib(*kib)))
            .collect();
        write!(
            f,
            "soak: VmRSS baseline {:.1} MiB, peak {:.1} MiB, final {:.1} MiB (final - baseline {:+.1} MiB); after each pass: {} MiB",
            mib(self.baseline_kib),
            mib(self.peak_kib),
            mib(self.final_kib),
            mib(self.final_kib) - mib(self.baseline_kib),
            passes.join(", ")
        )?;
        if !self.after_trim_kib.is_empty() {
            let trimmed: Vec<String> = self
                .after_trim_kib
                .iter()
                .map(|kib| format!("{:.1}", mib(*kib)))
                .collect();
            let last = self.after_trim_kib.last().copied().unwrap_or(0);
            write!(
                f,
                "\nsoak: VmRSS after each pass and malloc_trim(0): {} MiB (final after trim - baseline {:+.1} MiB)",
                trimmed.join(", "),
                mib(last) - mib(self.baseline_kib)
            )?;
        }
        Ok(())
    }
}

fn live(emulator: &Emulator) -> usize {
    let admin = emulator.admin();
    [Product::Em, Product::Vbr, Product::Zvm]
        .into_iter()
        .map(|p| admin.live_sessions(p))
        .sum()
}

/// Opens one session of `product`, makes one authenticated GET, and drops the session.
async fn one(emulator: &Emulator, product: u64) -> Result<(), Error> {
    let credentials = Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let clock = emulator.clock().map(|c| c.shared());
    // Only the emulator's CA: loading the system roots for every client would dominate the run.
    let options = HttpOptions::new().ca_pem_only(emulator.ca_pem())?;
    match product % 3 {
        0 => {
            let mut builder = EmSession::builder(emulator.em_url())
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
            let mut builder = VbrSession::builder(emulator.vbr_url())
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
            let mut builder = ZvmSession::builder(emulator.zvm_url())
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
    emulator: &Arc<Emulator>,
    config: &SoakConfig,
    errors: &Arc<AtomicU64>,
    peak_kib: &Arc<AtomicU64>,
) -> usize {
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
                let emulator = emulator.clone();
                let errors = errors.clone();
                let peak = peak_kib.clone();
                async move {
                    // Even pace: session i starts no earlier than i × (duration / sessions).
                    let due = start + per_session * (i as u32);
                    tokio::time::sleep_until(due.into()).await;
                    if let Err(error) = one(&emulator, i).await {
                        let n = errors.fetch_add(1, Ordering::Relaxed);
                        if n < 5 {
                            eprintln!("soak: session {i}: {error}");
                        }
                    }
                    if i % 50 == 0
                        && let Some(rss) = crate::rss_kib()
                    {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                }
            })
            .await;
        peak_live = peak_live.max(live(emulator));
        if let Some(rss) = crate::rss_kib() {
            peak_kib.fetch_max(rss, Ordering::Relaxed);
        }
        emulator.advance(Duration::from_secs(2 * 60));
        emulator.admin().purge_expired();
        next = end;
    }
    peak_live
}

/// Runs a soak: starts an emulator on a virtual clock, warms up (one session per product), then
/// runs `config.passes` passes (see [`pass`]); after each, every idle session expires on the
/// virtual clock (EM after 15 min, ZVM after 30 min, VBR refresh tokens after 14 days) and is
/// purged, and resident memory is read. A second pass that ends where the first ended shows
/// that the memory of expired sessions is reused, not leaked (the allocator keeps freed pages,
/// so resident memory does not fall back to the baseline by itself; with [`SoakConfig::trim`]
/// the figure after the trim shows what is still in use).
pub async fn run(config: SoakConfig) -> anyhow::Result<SoakReport> {
    crate::install_crypto_provider();
    let emulator = Arc::new(Emulator::start(EmulatorConfig::for_tests()).await?);
    for product in 0..3 {
        one(&emulator, product).await?;
    }
    let baseline_kib = crate::rss_kib().unwrap_or(0);
    let peak_kib = Arc::new(AtomicU64::new(baseline_kib));
    let errors = Arc::new(AtomicU64::new(0));
    let mut peak_live = 0;
    let mut after_pass_kib = Vec::new();
    let mut after_trim_kib = Vec::new();
    let mut final_live_sessions = 0;
    let start = Instant::now();
    for _ in 0..config.passes.max(1) {
        peak_live = peak_live.max(pass(&emulator, &config, &errors, &peak_kib).await);
        emulator.advance(Duration::from_secs(15 * 24 * 3600));
        emulator.admin().purge_expired();
        // Let the connection pools of the dropped clients close.
        tokio::time::sleep(Duration::from_millis(200)).await;
        final_live_sessions = live(&emulator);
        after_pass_kib.push(crate::rss_kib().unwrap_or(0));
        if let Some(trim) = config.trim {
            trim();
            after_trim_kib.push(crate::rss_kib().unwrap_or(0));
        }
    }
    let elapsed = start.elapsed();
    let counters = emulator.admin().counters();
    let server_logons = counters.em.logons + counters.vbr.logons + counters.zvm.logons;
    Ok(SoakReport {
        sessions: config.sessions * u64::from(config.passes.max(1)),
        errors: errors.load(Ordering::Relaxed),
        elapsed,
        baseline_kib,
        peak_kib: peak_kib.load(Ordering::Relaxed),
        final_kib: after_pass_kib.last().copied().unwrap_or(0),
        after_pass_kib,
        after_trim_kib,
        peak_live_sessions: peak_live,
        final_live_sessions,
        server_logons,
    })
}
