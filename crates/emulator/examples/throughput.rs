//! P4: authenticated GETs per second against the emulator ÷ the same GETs against a bare axum
//! TLS handler that returns a constant, same load generator, same run.
//!
//! `cargo run --release -p restpoint-emulator --example throughput -- [SECONDS] [CONCURRENCY]`
//!
//! The two servers are loaded in alternating one-second rounds (SECONDS of each in all), so that
//! the other work of a shared machine weighs on both alike. Beside the GETs per second it prints
//! the CPU time of the whole process (load generator and server) per GET of each: on a loaded
//! machine that figure is the steadier one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use axum_server::tls_rustls::RustlsConfig;
use restpoint_emulator::{Emulator, EmulatorConfig, defaults};

const BODY: &str = r#"{"vbrId":"00000000-0000-0000-0000-000000000000","name":"vbr01.lab.local","buildVersion":"12.3.1.1139","patches":[]}"#;

/// User + system CPU time of this process, in clock ticks (/proc/self/stat fields 14 and 15).
fn cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = &s[s.rfind(')')? + 2..];
            let fields: Vec<&str> = after.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// Requests completed and CPU ticks used by `seconds` of load.
#[derive(Default, Clone, Copy)]
struct Round {
    requests: u64,
    ticks: u64,
    seconds: f64,
}

impl std::ops::AddAssign for Round {
    fn add_assign(&mut self, other: Round) {
        self.requests += other.requests;
        self.ticks += other.ticks;
        self.seconds += other.seconds;
    }
}

async fn load(
    client: reqwest::Client,
    url: String,
    token: String,
    seconds: u64,
    concurrency: usize,
) -> anyhow::Result<Round> {
    let done = Arc::new(AtomicU64::new(0));
    let ticks = cpu_ticks();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token, done) = (client.clone(), url.clone(), token.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let resp = client
                    .get(&url)
                    .header("x-api-version", "1.2-rev1")
                    .bearer_auth(&token)
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "GET answered {}", resp.status());
                resp.bytes().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(Round {
        requests: done.load(Ordering::Relaxed),
        ticks: cpu_ticks().saturating_sub(ticks),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn client_for(ca_pem: &str) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes())?])
        .no_proxy()
        .build()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);

    // The bare handler: same TLS stack, a constant answer.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let tls = RustlsConfig::from_pem(
        cert.cert.pem().into_bytes(),
        cert.signing_key.serialize_pem().into_bytes(),
    )
    .await?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let app = Router::new().route(
        "/api/v1/serverInfo",
        get(|| async { ([("content-type", "application/json; charset=utf-8")], BODY) }),
    );
    let bare = axum_server::from_tcp_rustls(listener, tls)?;
    tokio::spawn(async move { bare.serve(app.into_make_service()).await });
    let bare_client = client_for(&cert.cert.pem())?;
    let bare_url = format!("https://localhost:{port}/api/v1/serverInfo");

    let emulator = Emulator::start(EmulatorConfig::for_tests()).await?;
    let emu_client = client_for(emulator.ca_pem())?;
    let token: serde_json::Value = emu_client
        .post(format!("{}api/oauth2/token", emulator.vbr_url()))
        .header("x-api-version", "1.2-rev1")
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
        .unwrap_or_default()
        .to_string();
    let emu_url = format!("{}api/v1/serverInfo", emulator.vbr_url());

    // Warm both up, then measure each.
    load(
        bare_client.clone(),
        bare_url.clone(),
        token.clone(),
        1,
        concurrency,
    )
    .await?;
    load(
        emu_client.clone(),
        emu_url.clone(),
        token.clone(),
        1,
        concurrency,
    )
    .await?;
    let (mut bare, mut emu) = (Round::default(), Round::default());
    for _ in 0..seconds.max(1) {
        bare += load(
            bare_client.clone(),
            bare_url.clone(),
            token.clone(),
            1,
            concurrency,
        )
        .await?;
        emu += load(
            emu_client.clone(),
            emu_url.clone(),
            token.clone(),
            1,
            concurrency,
        )
        .await?;
    }
    let (bare_rps, emu_rps) = (
        bare.requests as f64 / bare.seconds,
        emu.requests as f64 / emu.seconds,
    );
    // Ticks are 1/100 s on Linux.
    let cpu_us = |r: Round| r.ticks as f64 * 10_000.0 / r.requests.max(1) as f64;
    println!("bare axum TLS handler: {bare_rps:.0} GET/s");
    println!("emulator VBR serverInfo (bearer, x-api-version, counters): {emu_rps:.0} GET/s");
    println!("P4 ratio emulator / bare: {:.2}", emu_rps / bare_rps);
    println!(
        "CPU per GET (load generator + server): bare {:.0} us, emulator {:.0} us; ratio bare / emulator {:.2}",
        cpu_us(bare),
        cpu_us(emu),
        cpu_us(bare) / cpu_us(emu)
    );
    emulator.shutdown().await;
    Ok(())
}
