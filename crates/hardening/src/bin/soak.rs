//! R6 soak: `cargo run --release -p restpoint-hardening --bin soak -- --sessions 10000 --seconds 60`
//! (two passes by default: `--passes 1` for one; `--sessions` and `--seconds` are per pass).
//!
//! Opens sessions of all three products against an in-process emulator, uses and abandons
//! them, lets them expire on the virtual clock, and prints errors (must be 0), live sessions
//! and resident memory (baseline, peak, final; with glibc also after `malloc_trim(0)`, which
//! gives the allocator's free pages back). Exits 1 on any error or leftover session.

use std::time::Duration;

use restpoint_hardening::soak::{self, SoakConfig};

// glibc's `malloc_trim`: returns free memory at the top of the heap and free whole pages inside
// every arena to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
unsafe extern "C" {
    // SAFETY: `malloc_trim(size_t pad)` has no preconditions: any pad is valid, it takes the
    // allocator's own locks, and it only releases memory that is free (man 3 malloc_trim).
    safe fn malloc_trim(pad: usize) -> i32;
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    malloc_trim(0);
}

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
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        trim: Some(trim),
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        trim: None,
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
