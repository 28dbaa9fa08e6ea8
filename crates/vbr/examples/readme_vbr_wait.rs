//! The README's "start a backup job and wait for it" example, compiled by `cargo test` / `cargo
//! clippy --all-targets` so that it keeps up with the API; the part between the `README` markers
//! is quoted in the README word for word (checked by `crates/testkit/tests/readme.rs`). The
//! complete program with progress and a job chosen by name is `vbr_start_job_and_wait.rs`.

// README:begin
use std::time::Duration;

use futures::TryStreamExt as _;
use restpoint_session::Credentials;
use restpoint_session::poll::Outcome;
use restpoint_vbr::{VbrPaging as _, VbrSession, VbrWait as _};

async fn start_and_wait(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env("RESTPOINT_USER", "RESTPOINT_PASSWORD")?;
    let session = VbrSession::builder(url)
        .credentials(credentials)
        .ca_pem(std::fs::read(std::env::var("RESTPOINT_CA")?)?)
        .build_negotiated() // newest x-api-version both sides speak (VBR-08)
        .await?;
    let vbr = session.client();
    let mut jobs = vbr.jobs().page_size(50).into_stream(); // skip/limit pages, fetched lazily
    let job = jobs.try_next().await?.ok_or("no job")?;
    let finished = vbr
        .start_job(job.id) // POST .../start: never retried once sent
        .await?
        .interval(Duration::from_secs(5)) // GET /api/v1/sessions/{id} until Stopped
        .timeout(Duration::from_secs(3600))
        .on_progress(|s| println!("{} {:?}%", s.state, s.percent))
        .await?;
    match finished.outcome {
        Outcome::Success => println!("done"),
        other => println!("{:?}: {:?}", other, other.message()), // Warning / Failed + server message
    }
    Ok(())
}
// README:end

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url =
        std::env::var("RESTPOINT_VBR_URL").unwrap_or_else(|_| "https://localhost:9419".into());
    start_and_wait(&url).await
}
