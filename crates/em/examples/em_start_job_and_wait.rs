//! Start a backup job through Enterprise Manager and wait for its task to finish.
//!
//! Logs on with the newest EM version both sides know (from the root's `SupportedVersion`
//! list), takes the job named by `RESTPOINT_EM_JOB` (default: the first job of `api/jobs`),
//! starts it (`POST …?action=start`, never retried once sent) and polls the `Task` it answers
//! with every 2 s until it is `Finished`. The session's keep-alive stays on, because an EM task
//! belongs to the logon session that started it (EM-12).
//!
//! Against `cargo run -p restpoint -- emulate` it runs as is (an emulated task takes 10 s). For a
//! real server set `RESTPOINT_EM_URL`, `RESTPOINT_USER`, `RESTPOINT_PASSWORD` and `RESTPOINT_CA`
//! (a PEM file).
//!
//! ```sh
//! cargo run -p restpoint-em --example em_start_job_and_wait
//! ```

use std::time::Duration;

use restpoint_em::{EmSession, EntityReferences};
use restpoint_session::Credentials;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url = env_or("RESTPOINT_EM_URL", "https://localhost:9398");
    let ca = std::env::var("RESTPOINT_CA").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("restpoint-emulator-ca.pem")
            .display()
            .to_string()
    });
    let em = EmSession::builder(&url)
        .credentials(Credentials::new(
            env_or("RESTPOINT_USER", "admin"),
            env_or("RESTPOINT_PASSWORD", "Restpoint-Admin-1"),
        ))
        .ca_pem(std::fs::read(&ca)?)
        .build_negotiated()
        .await?;
    println!(
        "logged on to {url} with version {}",
        em.authenticator().version()
    );

    let jobs: EntityReferences = em.get_resource("api/jobs").await?;
    let wanted = std::env::var("RESTPOINT_EM_JOB").ok();
    let job = jobs
        .ref_
        .iter()
        .find(|job| wanted.is_none() || job.name == wanted)
        .ok_or("no such job")?;
    let name = job.name.clone().unwrap_or_default();
    let href = job.href.clone().ok_or("the job reference has no Href")?;

    println!("starting {name}");
    let finished = em
        .start_job(&href)
        .await?
        .interval(Duration::from_secs(2))
        .timeout(Duration::from_secs(4 * 3600))
        .on_progress(|status| println!("  {}", status.state))
        .await?;
    if finished.is_success() {
        println!("{name}: success");
    } else {
        println!("{name}: failed: {:?}", finished.outcome.message());
    }
    println!(
        "waited {} s, {} polls",
        finished.waited.as_secs(),
        finished.n_polls
    );

    em.logout().await?;
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
