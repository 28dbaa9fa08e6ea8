//! The README's EM example, compiled by `cargo test` / `cargo clippy --all-targets` so that it
//! keeps up with the API. The part between the `README` markers is quoted in the README word for
//! word (checked by `crates/testkit/tests/readme.rs`).
//!
//! Against `cargo run -p restpoint -- emulate`: `RESTPOINT_USER=admin
//! RESTPOINT_PASSWORD=Restpoint-Admin-1 RESTPOINT_CA=/tmp/restpoint-emulator-ca.pem
//! RESTPOINT_EM_URL=https://localhost:9398 cargo run -p restpoint-em --example readme_em`.

// README:begin
use restpoint_em::{EmSession, EntityReferences, HasLinks, Rel, Version};
use restpoint_session::Credentials;

async fn follow_links(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env("RESTPOINT_USER", "RESTPOINT_PASSWORD")?;
    let em = EmSession::builder(url)
        .credentials(credentials)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .version(Version::Latest) // or Version::Named("v1_6".into())
        .build()
        .await?;
    let logon = em.logon_session().ok_or("not logged on")?;
    let jobs_link = logon
        .links()
        .find(Rel::Down, "JobReferenceList")
        .ok_or("no jobs link")?;
    let jobs: EntityReferences = em.get_resource(&jobs_link.href).await?; // XML; EmFormat::Json on request
    println!("{} jobs", jobs.ref_.len());
    em.logout().await?; // DELETE on the LogonSession's Rel="Delete" link
    Ok(())
}
// README:end

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url = std::env::var("RESTPOINT_EM_URL").unwrap_or_else(|_| "https://localhost:9398".into());
    follow_links(&url).await
}
