//! The README's ZVM example, compiled by `cargo test` / `cargo clippy --all-targets` so that it
//! keeps up with the API. The part between the `README` markers is quoted in the README word for
//! word (checked by `crates/testkit/tests/readme.rs`).
//!
//! Against `cargo run -p restpoint -- emulate`: `RESTPOINT_USER=admin
//! RESTPOINT_PASSWORD=Restpoint-Admin-1 RESTPOINT_CA=/tmp/restpoint-emulator-ca.pem
//! RESTPOINT_ZVM_URL=https://localhost:9669 cargo run -p restpoint-zvm --example readme_zvm`.

// README:begin
use restpoint_session::Credentials;
use restpoint_zvm::ZvmSession;

async fn list_vpgs(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env("RESTPOINT_USER", "RESTPOINT_PASSWORD")?;
    let session = ZvmSession::builder(url) // x-zerto-session (Windows) or OpenID Connect (Appliance)
        .credentials(credentials)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .build()
        .await?;
    let zvm = session.client();
    let vpgs = zvm.api().get_vpgs().send().await?;
    println!("{} VPGs", vpgs.len());
    zvm.logout().await?;
    Ok(())
}
// README:end

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url =
        std::env::var("RESTPOINT_ZVM_URL").unwrap_or_else(|_| "https://localhost:9669".into());
    list_vpgs(&url).await
}
