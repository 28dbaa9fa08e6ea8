//! R6 soak: `cargo build --release -p restpoint --bin restpoint -p restpoint-hardening --bin soak`,
//! then `target/release/soak --sessions 10000 --seconds 60 --passes 3`.
//!
//! Starts the emulator in its own process (`<dir of this binary>/restpoint emulate
//! --virtual-clock`, or `--emulator PATH`; `--in-process` runs it inside the soak instead), opens
//! sessions of all three products against it, uses and abandons them, lets them expire on the
//! emulator's virtual clock (admin listener), and prints errors (must be 0), live sessions and
//! the emulator process's resident memory (baseline after start-up and one logon per product,
//! peak, after each pass). Exits 1 on any error or leftover session, 3 when a pass ends more
//! than `--max-growth` percent (default 10) above the baseline.

use std::path::PathBuf;
use std::time::Duration;

use restpoint_hardening::soak::{self, Emulated, SoakConfig};

fn usage() -> ! {
    eprintln!(
        "usage: soak [--sessions N] [--seconds S] [--concurrency C] [--passes P] \
         [--max-growth PERCENT] [--emulator PATH | --in-process]"
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = SoakConfig {
        sessions: 10_000,
        duration: Duration::from_secs(60),
        concurrency: 32,
        passes: 3,
        emulated: Emulated::InProcess,
    };
    let mut emulator: Option<PathBuf> = None;
    let mut in_process = false;
    let mut max_growth = 10.0;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--in-process" {
            in_process = true;
            continue;
        }
        let value = args.next().unwrap_or_else(|| usage());
        if flag == "--emulator" {
            emulator = Some(PathBuf::from(value));
            continue;
        }
        let number: u64 = value.parse().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--sessions" => config.sessions = number,
            "--seconds" => config.duration = Duration::from_secs(number),
            "--concurrency" => config.concurrency = number as usize,
            "--passes" => config.passes = number as u32,
            "--max-growth" => max_growth = number as f64,
            _ => usage(),
        }
    }
    if !in_process {
        let binary = match emulator {
            Some(path) => path,
            None => std::env::current_exe()?.with_file_name("restpoint"),
        };
        config.emulated = Emulated::Process(binary);
    }
    let report = soak::run(config).await?;
    println!("{report}");
    if report.errors > 0 || report.final_live_sessions > 0 {
        std::process::exit(1);
    }
    if !in_process && !report.within(max_growth) {
        println!("soak: a pass ended more than {max_growth} % above the baseline");
        std::process::exit(3);
    }
    Ok(())
}
