//! P3: opens N live sessions through real HTTPS logons and prints the resident memory.
//!
//! `cargo run -p restpoint-emulator --example sessions_memory -- 100000 [em|vbr|zvm]`
//!
//! Prints VmRSS (from /proc/self/status) after start, after N logons, and after the sessions
//! expired on the virtual clock and were purged (R6: memory back near baseline). The client runs
//! in the same process, so the figure includes the client's own buffers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn basic() -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD
        ))
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let product = match args.next().as_deref() {
        None | Some("em") => Product::Em,
        Some("vbr") => Product::Vbr,
        Some("zvm") => Product::Zvm,
        Some(other) => anyhow::bail!("unknown product {other}"),
    };
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await?;
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(
            emulator.ca_pem().as_bytes(),
        )?])
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()?;
    // Warm up the connection pool and the allocator before the baseline.
    let url = match product {
        Product::Em => format!("{}api/sessionMngr/?v=latest", emulator.em_url()),
        Product::Vbr => format!("{}api/oauth2/token", emulator.vbr_url()),
        Product::Zvm => format!("{}v1/session/add", emulator.zvm_url()),
    };
    let logon = {
        let client = client.clone();
        let url = url.clone();
        let auth = basic();
        move || {
            let req = client.post(&url);
            let req = match product {
                Product::Vbr => req.header("x-api-version", "1.2-rev1").form(&[
                    ("grant_type", "password"),
                    ("username", defaults::ADMIN_USER),
                    ("password", defaults::ADMIN_PASSWORD),
                ]),
                _ => req.header("Authorization", &auth),
            };
            async move {
                let resp = req.send().await?;
                anyhow::ensure!(
                    resp.status().is_success(),
                    "logon answered {}",
                    resp.status()
                );
                resp.bytes().await?;
                Ok::<(), anyhow::Error>(())
            }
        }
    };
    for _ in 0..64 {
        logon().await?;
    }
    emulator.advance(Duration::from_secs(15 * 24 * 3600));
    emulator.admin().purge_expired();
    let baseline = rss_kib();
    println!("product {product:?}: baseline VmRSS {baseline} KiB");

    let started = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let workers = 32;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let logon = logon.clone();
        let done = done.clone();
        let count = n / workers + usize::from(w < n % workers);
        tasks.push(tokio::spawn(async move {
            for _ in 0..count {
                logon().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    let live = emulator.admin().live_sessions(product);
    let full = rss_kib();
    let per = (full.saturating_sub(baseline) * 1024) / (live.max(1) as u64);
    println!(
        "{live} live sessions after {} logons in {:.1} s: VmRSS {full} KiB ({:.1} MiB), {per} bytes a session over baseline",
        done.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        full as f64 / 1024.0
    );
    emulator.advance(Duration::from_secs(15 * 24 * 3600));
    emulator.admin().purge_expired();
    println!(
        "after expiry and purge: {} live, VmRSS {} KiB",
        emulator.admin().live_sessions(product),
        rss_kib()
    );
    emulator.shutdown().await;
    Ok(())
}
