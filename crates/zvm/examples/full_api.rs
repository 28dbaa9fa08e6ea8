//! The build-time full API (feature `full-api`): every operation of a ZVM spec file, generated
//! when this crate is built, sent through the same session as the typed subset.
//!
//! Against `cargo run -p restpoint -- emulate` (its CA is written to
//! `/tmp/restpoint-emulator-ca.pem`), with the spec file of your ZVM release:
//!
//! ```sh
//! RESTPOINT_ZVM_SPEC=$PWD/zvm.json RESTPOINT_USER=admin RESTPOINT_PASSWORD=Restpoint-Admin-1 \
//!   RESTPOINT_CA=/tmp/restpoint-emulator-ca.pem RESTPOINT_ZVM_URL=https://localhost:9669 \
//!   cargo run -p restpoint-zvm --features full-api --example full_api
//! ```

use restpoint_session::Credentials;
use restpoint_zvm::ZvmSession;

async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let session = ZvmSession::builder(url)
        .credentials(Credentials::from_env(
            "RESTPOINT_USER",
            "RESTPOINT_PASSWORD",
        )?)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .build()
        .await?;
    let full = session.full_api();
    let site = full.api().get_local_site().send().await?;
    println!("site: {}", site.site_name);
    let vpgs = full.api().get_vpgs().send().await?;
    println!("vpgs: {}", vpgs.len());
    for vpg in &vpgs {
        println!("vpg: {}", vpg.vpg_name);
    }
    full.logout().await?;
    println!("logged off");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url =
        std::env::var("RESTPOINT_ZVM_URL").unwrap_or_else(|_| "https://localhost:9669".into());
    run(&url).await
}
