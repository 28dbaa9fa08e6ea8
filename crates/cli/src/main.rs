//! `restpoint`: the command line of the restpoint project.
//!
//! - `restpoint conform` runs the conformance suite (the Gherkin files and the rule catalogue
//!   built into the binary from `crates/conformance/`) against the embedded emulator, or against
//!   real servers given with `--em`, `--vbr`, `--zvm`; it needs no checkout.
//! - `restpoint emulate` serves the Enterprise Manager, Backup & Replication and Zerto emulators
//!   on their default ports; `--profile NAME` plays a real release, `--list-profiles` lists them.
//!
//! An unknown `--profile` exits with code 2 and lists the known profiles.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Spec-driven clients and a conformance kit for the REST APIs of Veeam Backup Enterprise
/// Manager, Veeam Backup & Replication and Zerto Virtual Manager.
#[derive(Parser)]
#[command(name = "restpoint", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that servers follow their documented session protocol (default: the embedded
    /// emulator). The password of real servers comes from $RESTPOINT_PASSWORD or
    /// --password-stdin, never from the command line.
    Conform(Box<restpoint_conformance::ConformArgs>),
    /// Serve the three emulated products on their default ports until Ctrl-C (`--profile NAME`:
    /// a real release's behaviour; `--list-profiles`: the profiles and their differences).
    Emulate(restpoint_emulator::standalone::EmulateArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conform(args) => restpoint_conformance::run(*args)
            .await
            .map(|summary| summary.exit_code()),
        Command::Emulate(args) => restpoint_emulator::standalone::run(args)
            .await
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("restpoint: {e:#}");
            if e.downcast_ref::<restpoint_emulator::UnknownProfile>()
                .is_some()
            {
                // A usage error, like clap's own.
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
