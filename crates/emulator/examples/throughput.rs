//! P4: authenticated GETs per second against the emulator ÷ the same GETs against a bare axum
//! TLS handler that returns a constant, same load generator, same run.
//!
//! `cargo run --release -p restpoint-emulator --example throughput -- [SECONDS] [CONCURRENCY]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use axum_server::tls_rustls::RustlsConfig;
use restpoint_emulator::{Emulator, EmulatorConfig, defaults};

const BODY: &str = r#"{"vbrId":"00000000-0000-0000-0000-000000000000","name":"vbr01.lab.local","buildVersion":"12.3.1.1139","patches":[]}"#;

async fn load(
    client: reqwest::Client,
    url: String,
    token: String,
    seconds: u64,
    concurrency: usize,
) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
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
    Ok(done.load(Ordering::Relaxed) as f64 / seconds as f64)
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
    let bare_rps = load(bare_client, bare_url, token.clone(), seconds, concurrency).await?;
    let emu_rps = load(emu_client, emu_url, token, seconds, concurrency).await?;
    println!("bare axum TLS handler: {bare_rps:.0} GET/s");
    println!("emulator VBR serverInfo (bearer, x-api-version, counters): {emu_rps:.0} GET/s");
    println!("P4 ratio emulator / bare: {:.2}", emu_rps / bare_rps);
    emulator.shutdown().await;
    Ok(())
}
