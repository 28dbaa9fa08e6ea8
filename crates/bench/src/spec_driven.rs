//! P9: authenticated GETs per second of an operation answered from a vendor spec (`emulate
//! --spec`) ÷ a hand-written emulator route, same client, same run, in alternating rounds.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use serde_json::Value;

use crate::workspace_root;

/// The vendor file P9 serves (read from `../shared/vendor-specs`, never copied).
pub const SPEC_FILE: &str = "vbr-1.3-rev1.json";
/// The spec-driven operation asked (an id in the path, echoed into the answer).
pub const SPEC_PATH: &str =
    "api/v1/backupInfrastructure/proxies/6a1f3c2e-0b4d-4e5f-8a9b-0c1d2e3f4a5b";
/// Concurrent clients of each round.
pub const CONCURRENCY: usize = 8;

/// The vendor file, if present.
pub fn spec_file() -> Option<PathBuf> {
    let path = workspace_root()
        .join("../shared/vendor-specs")
        .join(SPEC_FILE);
    path.is_file().then_some(path)
}

/// What P9 measured.
#[derive(Debug, Clone, Copy)]
pub struct P9 {
    /// GETs per second of the spec-driven operation.
    pub spec: f64,
    /// GETs per second of the hand-written route (`GET /api/v1/jobs/{id}`).
    pub hand: f64,
    /// GETs of each kind.
    pub calls: usize,
}

impl P9 {
    /// spec-driven ÷ hand-written.
    pub fn ratio(&self) -> f64 {
        self.spec / self.hand
    }
}

async fn round(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    calls: usize,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, token) = (client.clone(), url.to_string(), token.to_string());
        let n = calls / CONCURRENCY;
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                let r = client
                    .get(&url)
                    .header("x-api-version", "1.3-rev1")
                    .bearer_auth(&token)
                    .send()
                    .await?;
                anyhow::ensure!(r.status() == 200, "GET {url}: {}", r.status());
                let _ = r.bytes().await?;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((calls / CONCURRENCY * CONCURRENCY) as f64 / start.elapsed().as_secs_f64())
}

/// Serves `document` (a VBR 1.3-rev1 spec) and measures `calls` GETs of each kind in five
/// alternating rounds.
pub async fn p9(document: Value, calls: usize) -> anyhow::Result<P9> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let config = EmulatorConfig::for_tests().with_spec(Product::Vbr, document)?;
    let emulator = Emulator::start(config).await.context("starting")?;
    let result = measure(&emulator, calls).await;
    emulator.shutdown().await;
    result
}

async fn measure(emulator: &Emulator, calls: usize) -> anyhow::Result<P9> {
    let ca = reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes())?;
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .build()?;
    let token: Value = client
        .post(emulator.vbr_url().join("api/oauth2/token")?)
        .header("x-api-version", "1.3-rev1")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no token")?
        .to_string();
    let jobs: Value = client
        .get(emulator.vbr_url().join("api/v1/jobs")?)
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let job = jobs["data"][0]["id"].as_str().context("no job")?;
    let hand = emulator.vbr_url().join(&format!("api/v1/jobs/{job}"))?;
    let spec = emulator.vbr_url().join(SPEC_PATH)?;
    // Warm-up, then alternating rounds so that a shared machine's load weighs on both alike.
    round(&client, hand.as_str(), &token, CONCURRENCY * 4).await?;
    round(&client, spec.as_str(), &token, CONCURRENCY * 4).await?;
    let rounds = 5;
    let per_round = (calls / rounds).max(CONCURRENCY);
    let (mut h, mut s) = (0.0, 0.0);
    for _ in 0..rounds {
        h += round(&client, hand.as_str(), &token, per_round).await?;
        s += round(&client, spec.as_str(), &token, per_round).await?;
    }
    ensure!(h > 0.0 && s > 0.0, "nothing measured");
    Ok(P9 {
        spec: s / rounds as f64,
        hand: h / rounds as f64,
        calls: per_round / CONCURRENCY * CONCURRENCY * rounds,
    })
}
