//! Figures measured in this process against an emulator it starts: P1 (client overhead), P2
//! (single-flight refresh) and our side of the Python comparison.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use restpoint_emulator::{Emulator, EmulatorConfig, defaults};
use restpoint_session::{Credentials, ExposeSecret, HttpOptions};
use restpoint_vbr::generated::types::JobsResult;
use restpoint_vbr::{VbrClient, VbrSession};

use crate::median;

/// Page size of the listed jobs (the same on both sides).
pub const JOBS_LIMIT: i32 = 50;
/// The `x-api-version` both sides send.
pub const API_VERSION: &str = "1.2-rev1";

/// Starts the emulator with its test configuration (virtual clock, test users).
pub async fn start_emulator() -> anyhow::Result<Emulator> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Emulator::start(EmulatorConfig::for_tests())
        .await
        .context("starting the emulator")
}

/// A logged-on VBR session with the emulator, on the emulator's virtual clock.
pub async fn vbr_session(emulator: &Emulator) -> anyhow::Result<VbrSession> {
    let mut builder = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem());
    if let Some(clock) = emulator.clock() {
        builder = builder.clock(clock.shared());
    }
    Ok(builder.build().await?)
}

/// One typed `GetAllJobs` call.
pub async fn typed_jobs(vbr: &VbrClient) -> anyhow::Result<JobsResult> {
    Ok(vbr.api().get_all_jobs().limit(JOBS_LIMIT).send().await?)
}

/// The baseline of P1: bare reqwest, the headers set by hand, serde_json into the same type.
pub struct BareJobs {
    http: reqwest::Client,
    url: reqwest::Url,
    bearer: String,
}

impl BareJobs {
    /// A bare client trusting the emulator's CA, with the session's current access token.
    pub async fn new(emulator: &Emulator, session: &VbrSession) -> anyhow::Result<BareJobs> {
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(
                emulator.ca_pem().as_bytes(),
            )?])
            .no_proxy()
            .build()?;
        let token = session.token().await?;
        Ok(BareJobs {
            http,
            url: emulator
                .vbr_url()
                .join(&format!("api/v1/jobs?limit={JOBS_LIMIT}"))?,
            bearer: format!("Bearer {}", token.access().expose_secret()),
        })
    }

    /// One GET, decoded.
    pub async fn get(&self) -> anyhow::Result<JobsResult> {
        let response = self
            .http
            .get(self.url.clone())
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .header("x-api-version", API_VERSION)
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "GET answered {}",
            response.status()
        );
        let body = response.bytes().await?;
        Ok(serde_json::from_slice(&body)?)
    }
}

/// The result of P1.
#[derive(Clone, Copy, Debug)]
pub struct P1 {
    /// Calls of each kind.
    pub calls: usize,
    /// Median time of a typed call.
    pub typed: Duration,
    /// Median time of a bare call.
    pub bare: Duration,
    /// Jobs in each answer.
    pub jobs: usize,
}

impl P1 {
    /// Typed ÷ bare.
    pub fn ratio(&self) -> f64 {
        self.typed.as_secs_f64() / self.bare.as_secs_f64()
    }
}

/// P1: `calls` typed and `calls` bare GETs, interleaved in blocks so that drift of a shared
/// machine hits both alike, after a warm-up of each; the medians.
pub async fn p1(emulator: &Emulator, calls: usize) -> anyhow::Result<P1> {
    let session = vbr_session(emulator).await?;
    let typed = session.client();
    let bare = BareJobs::new(emulator, &session).await?;
    let warm_up = (calls / 10).max(5);
    let mut jobs = 0;
    for _ in 0..warm_up {
        jobs = black_box(typed_jobs(&typed).await?).data.len();
        let b = black_box(bare.get().await?);
        ensure!(
            b.data.len() == jobs,
            "typed and bare answers differ in size"
        );
    }
    let block = 50.min(calls).max(1);
    let mut typed_times = Vec::with_capacity(calls);
    let mut bare_times = Vec::with_capacity(calls);
    while typed_times.len() < calls {
        let n = block.min(calls - typed_times.len());
        for _ in 0..n {
            let start = Instant::now();
            black_box(typed_jobs(&typed).await?);
            typed_times.push(start.elapsed());
        }
        for _ in 0..n {
            let start = Instant::now();
            black_box(bare.get().await?);
            bare_times.push(start.elapsed());
        }
    }
    session.logout().await?;
    Ok(P1 {
        calls,
        typed: median(&mut typed_times),
        bare: median(&mut bare_times),
        jobs,
    })
}

/// The result of P2.
#[derive(Clone, Copy, Debug)]
pub struct P2 {
    /// Concurrent calls.
    pub concurrent: usize,
    /// Logon requests that reached the emulator during the expired round.
    pub logons: u64,
    /// Refresh requests that reached the emulator during the expired round.
    pub refreshes: u64,
    /// Calls of the expired round that succeeded.
    pub succeeded: usize,
    /// Median and longest latency of the expired round.
    pub expired: (Duration, Duration),
    /// Median and longest latency of the same calls with a fresh token.
    pub fresh: (Duration, Duration),
}

async fn concurrent_round(
    vbr: &VbrClient,
    n: usize,
) -> (usize, Vec<Duration>, Option<anyhow::Error>) {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (vbr, barrier) = (vbr.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                typed_jobs(&vbr).await.map(|_| start.elapsed())
            })
        })
        .collect();
    let mut ok = 0;
    let mut times = Vec::with_capacity(n);
    let mut error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(t)) => {
                ok += 1;
                times.push(t);
            }
            Ok(Err(e)) => error = Some(e),
            Err(e) => error = Some(e.into()),
        }
    }
    (ok, times, error)
}

fn p50_max(times: &mut [Duration]) -> (Duration, Duration) {
    let p50 = median(times);
    (p50, times.iter().max().copied().unwrap_or_default())
}

/// P2: `n` concurrent calls to open the connections, `n` with a fresh token (the baseline),
/// then the emulator's clock moved past the access token's expiry and `n`
/// concurrent calls again: how many logon/refresh requests reached the emulator, how many calls
/// succeeded, and their latency.
pub async fn p2(emulator: &Emulator, n: usize) -> anyhow::Result<P2> {
    let session = vbr_session(emulator).await?;
    let vbr = session.client();
    // A first round opens the connections, so that neither measured round pays handshakes.
    let (ok, _, error) = concurrent_round(&vbr, n).await;
    if let Some(e) = error {
        return Err(e.context(format!("warm-up round: {ok}/{n} succeeded")));
    }
    // Let the connections go back to the pool before the measured rounds.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (ok, mut fresh, error) = concurrent_round(&vbr, n).await;
    if let Some(e) = error {
        return Err(e.context(format!("fresh round: {ok}/{n} succeeded")));
    }
    let lifetime = emulator.admin().lifetimes().vbr_access;
    emulator.advance(lifetime + Duration::from_secs(60));
    emulator.admin().reset_counters();
    let (succeeded, mut expired, error) = concurrent_round(&vbr, n).await;
    let counters = emulator.admin().counters();
    if let Some(e) = &error {
        eprintln!("P2: a call of the expired round failed: {e:#}");
    }
    session.logout().await?;
    Ok(P2 {
        concurrent: n,
        logons: counters.vbr.logons + counters.vbr.failed_logons,
        refreshes: counters.vbr.refreshes,
        succeeded,
        expired: p50_max(&mut expired),
        fresh: p50_max(&mut fresh),
    })
}

/// Our side of the Python comparison: `n` times a new [`VbrSession`] (log on), one typed
/// `GetAllJobs`, log off. Runs on the real clock, like the Python script.
///
/// With `ca_only` the session trusts only `ca_pem` (`HttpOptions::ca_pem_only`), as Python's
/// `verify=CA_FILE` does; otherwise it trusts the system roots too (`ca_pem`), which makes each
/// new session read the system trust store.
pub async fn our_cycles(
    url: &str,
    ca_pem: &str,
    credentials: (&str, &str),
    n: usize,
    ca_only: bool,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for _ in 0..n {
        let builder =
            VbrSession::builder(url).credentials(Credentials::new(credentials.0, credentials.1));
        let builder = if ca_only {
            builder.http_options(HttpOptions::new().ca_pem_only(ca_pem)?)
        } else {
            builder.ca_pem(ca_pem)
        };
        let session = builder.build().await?;
        let jobs = typed_jobs(&session.client()).await?;
        black_box(jobs);
        session.logout().await?;
    }
    Ok(start.elapsed())
}
