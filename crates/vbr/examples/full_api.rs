//! The build-time full API (feature `full-api`): every operation of the spec your server
//! publishes, generated when this crate is built, sent through the same session as the typed
//! subset.
//!
//! Against `cargo run -p restpoint -- emulate` (its CA is written to
//! `/tmp/restpoint-emulator-ca.pem`):
//!
//! ```sh
//! restpoint spec pull --vbr https://localhost:9419 --ca-cert /tmp/restpoint-emulator-ca.pem -o vbr.json
//! RESTPOINT_VBR_SPEC=$PWD/vbr.json RESTPOINT_USER=admin RESTPOINT_PASSWORD=Restpoint-Admin-1 \
//!   RESTPOINT_CA=/tmp/restpoint-emulator-ca.pem RESTPOINT_VBR_URL=https://localhost:9419 \
//!   cargo run -p restpoint-vbr --features full-api --example full_api
//! ```

use restpoint_session::Credentials;
use restpoint_vbr::VbrSession;

async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let session = VbrSession::builder(url)
        .credentials(Credentials::from_env(
            "RESTPOINT_USER",
            "RESTPOINT_PASSWORD",
        )?)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .build_negotiated()
        .await?;
    let full = session.full_api();
    let server = full.api().get_server_info().send().await?;
    println!("server: {} {}", server.name, server.build_version);
    let jobs = full.api().get_all_jobs().limit(50).send().await?;
    println!("jobs: {}", jobs.data.len());
    for job in &jobs.data {
        println!("job: {}", job.name);
    }
    let repositories = full.api().get_all_repositories().send().await?;
    println!("repositories: {}", repositories.data.len());
    full.logout().await?;
    println!("logged off");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url =
        std::env::var("RESTPOINT_VBR_URL").unwrap_or_else(|_| "https://localhost:9419".into());
    run(&url).await
}
