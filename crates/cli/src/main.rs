//! `restpoint`: the command line of the restpoint project.
//!
//! - `restpoint conform` runs the conformance suite (the Gherkin files and the rule catalogue
//!   built into the binary from `crates/conformance/`) against the embedded emulator, or against
//!   real servers given with `--em`, `--vbr`, `--zvm`; it needs no checkout.
//! - `restpoint emulate` serves the Enterprise Manager, Backup & Replication and Zerto emulators
//!   on their default ports; `--profile NAME` plays a real release, `--list-profiles` lists them.
//!
//! - `restpoint spec pull --vbr URL -o FILE` fetches the OpenAPI document a VBR server publishes
//!   (no credential sent; TLS checked as by `conform`).
//!
//! `conform` exits with 0 (all passed), 1 (a rule failed), 2 (usage), 3 (a target unreachable
//! or its pre-flight logon failed), 4 (no scenario ran); see `restpoint_conformance::exit`.
//! An unknown `--profile` exits with code 2 and lists the known profiles.
//! - `restpoint drift OLD NEW` compares two OpenAPI documents and reports what would break a
//!   program written against OLD (exit 1 when anything breaks, 2 on usage errors).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod drift;
mod memory;
mod spec_pull;

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
    /// emulator). Passwords of real servers come from $RESTPOINT_<PRODUCT>_PASSWORD,
    /// $RESTPOINT_PASSWORD or --password-stdin, never from the command line. Exit codes: 0 all
    /// passed, 1 a rule failed, 2 usage, 3 a target unreachable or its pre-flight logon failed,
    /// 4 no scenario ran.
    Conform(Box<restpoint_conformance::ConformArgs>),
    /// Serve the three emulated products on their default ports until Ctrl-C (`--profile NAME`:
    /// a real release's behaviour; `--list-profiles`: the profiles and their differences).
    Emulate(restpoint_emulator::standalone::EmulateArgs),
    /// Compare two OpenAPI 3.x documents (JSON or YAML) and report what would break a program
    /// written against OLD on a server of NEW. Exit codes: 0 nothing breaking, 1 something
    /// breaking, 2 usage (a bad option, an unreadable or non-OpenAPI file).
    Drift(drift::DriftArgs),
    /// Fetch the OpenAPI document a server publishes (`spec pull --vbr URL -o FILE`).
    #[command(subcommand)]
    Spec(spec_pull::SpecCommand),
}

fn main() -> ExitCode {
    memory::configure();
    restpoint_emulator::set_memory_release(memory::release);
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("restpoint: starting the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conform(args) if args.list => restpoint_conformance::list(*args)
            .await
            .map(|plan| ExitCode::from(plan.exit_code())),
        Command::Conform(args) => {
            let result = restpoint_conformance::run(*args).await;
            if let Err(e) = &result {
                eprintln!("restpoint: {e:#}");
            }
            return restpoint_conformance::exit::exit_code(&result);
        }
        Command::Spec(command) => return spec_pull::run(command).await,
        Command::Emulate(args) => restpoint_emulator::standalone::run(args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Drift(args) => return drift::run(&args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("restpoint: {e:#}");
            ExitCode::from(restpoint_conformance::exit::code_of_error(&e))
        }
    }
}
