//! The README's VBR example, compiled by `cargo test` / `cargo clippy --all-targets` so that it
//! keeps up with the API. The part between the `README` markers is quoted in the README word for
//! word (checked by `crates/testkit/tests/readme.rs`).
//!
//! Against `cargo run -p restpoint -- emulate`: `RESTPOINT_USER=admin
//! RESTPOINT_PASSWORD=Restpoint-Admin-1 RESTPOINT_CA=/tmp/restpoint-emulator-ca.pem
//! RESTPOINT_VBR_URL=https://localhost:9419 cargo run -p restpoint-vbr --example readme_vbr`.

// README:begin
use restpoint_session::Credentials;
use restpoint_vbr::VbrSession;

async fn list_start_and_log_off(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env("RESTPOINT_USER", "RESTPOINT_PASSWORD")?;
    let session = VbrSession::builder(url)
        .credentials(credentials)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .api_version("1.2-rev1")
        .build()
        .await?;
    let vbr = session.client();
    let jobs = vbr.api().get_all_jobs().limit(50).send().await?;
    let Some(job) = jobs.data.first() else {
        return Ok(());
    };
    let started = vbr.api().start_job().id(job.id).send().await?;
    let state = vbr.api().get_session().id(started.id).send().await?.state;
    println!("{}: {state:?}", job.name);
    vbr.logout().await?; // revokes both tokens (VBR-06)
    Ok(())
}
// README:end

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url =
        std::env::var("RESTPOINT_VBR_URL").unwrap_or_else(|_| "https://localhost:9419".into());
    list_start_and_log_off(&url).await
}
