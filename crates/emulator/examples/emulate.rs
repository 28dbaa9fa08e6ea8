//! `restpoint emulate` without the CLI crate: the three servers with zero configuration.
//!
//! `cargo run -p restpoint-emulator --example emulate -- [--virtual-clock] [--admin-port N] ...`

use clap::Parser;
use restpoint_emulator::standalone::{EmulateArgs, run};

/// Runs the EM, VBR and ZVM emulator until Ctrl-C.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: EmulateArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run(Cli::parse().args).await
}
