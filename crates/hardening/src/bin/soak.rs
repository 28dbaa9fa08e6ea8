//! R6 soak: `cargo run --release -p restpoint-hardening --bin soak -- --sessions 10000 --seconds 60`
//! (two passes by default: `--passes 1` for one; `--sessions` and `--seconds` are per pass).
//!
//! Opens sessions of all three products against an in-process emulator, uses and abandons
//! them, lets them expire on the virtual clock, and prints errors (must be 0), live sessions
//! and resident memory (baseline, peak, final). Exits 1 on any error or leftover session.

use std::time::Duration;

use restpoint_hardening::soak::{self, SoakConfig};

fn usage() -> ! {
    eprintln!("usage: soak [--sessions N] [--seconds S] [--concurrency C] [--passes P]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = SoakConfig {
        sessions: 10_000,
        duration: Duration::from_secs(60),
        concurrency: 32,
        passes: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        let number: u64 = value.parse().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--sessions" => config.sessions = number,
            "--seconds" => config.duration = Duration::from_secs(number),
            "--concurrency" => config.concurrency = number as usize,
            "--passes" => config.passes = number as u32,
            _ => usage(),
        }
    }
    let report = soak::run(config).await?;
    println!("{report}");
    if report.errors > 0 || report.final_live_sessions > 0 {
        std::process::exit(1);
    }
    Ok(())
}
