//! The whole conformance suite against the embedded emulator (`cargo test -p
//! restpoint-conformance`). A plain `main` (harness = false): cucumber runs the scenarios.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match restpoint_conformance::run(restpoint_conformance::ConformArgs::for_emulator()).await {
        Ok(summary) => summary.exit_code(),
        Err(e) => {
            eprintln!("conformance: {e:#}");
            ExitCode::FAILURE
        }
    }
}
