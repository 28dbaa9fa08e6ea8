//! Start a VBR backup job and wait for its session to end, printing progress.
//!
//! Logs on (negotiating the newest `x-api-version` both sides speak), finds the job named by
//! `RESTPOINT_VBR_JOB` (default: the first enabled job, read page by page), starts it
//! (`POST /api/v1/jobs/{id}/start`, never retried once sent) and polls its session every 5 s
//! until it is `Stopped`, then prints the result and the server's message.
//!
//! Against `cargo run -p restpoint -- emulate` it runs as is (an emulated job takes two minutes
//! of real time; with `--virtual-clock` advance the clock through the admin endpoint). For a real
//! server set `RESTPOINT_VBR_URL`, `RESTPOINT_USER`, `RESTPOINT_PASSWORD` and `RESTPOINT_CA` (a
//! PEM file).
//!
//! ```sh
//! cargo run -p restpoint-vbr --example vbr_start_job_and_wait
//! ```

use std::time::Duration;

use futures::TryStreamExt as _;
use restpoint_session::Credentials;
use restpoint_session::poll::Outcome;
use restpoint_vbr::{VbrPaging as _, VbrSession, VbrWait as _};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = env_or("RESTPOINT_VBR_URL", "https://localhost:9419");
    let ca = std::env::var("RESTPOINT_CA").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("restpoint-emulator-ca.pem")
            .display()
            .to_string()
    });
    let session = VbrSession::builder(&url)
        .credentials(Credentials::new(
            env_or("RESTPOINT_USER", "admin"),
            env_or("RESTPOINT_PASSWORD", "Restpoint-Admin-1"),
        ))
        .ca_pem(std::fs::read(&ca)?)
        .build_negotiated()
        .await?;
    println!(
        "logged on to {url} with x-api-version {}",
        session.api_version()
    );
    let vbr = session.client();

    let wanted = std::env::var("RESTPOINT_VBR_JOB").ok();
    let mut jobs = vbr.jobs().page_size(50).into_stream();
    let job = loop {
        let Some(job) = jobs.try_next().await? else {
            return Err("no such job".into());
        };
        let chosen = match &wanted {
            Some(name) => &job.name == name,
            None => !job.is_disabled,
        };
        if chosen {
            break job;
        }
    };
    drop(jobs);

    println!("starting {}", job.name);
    let finished = vbr
        .start_job(job.id)
        .await?
        .interval(Duration::from_secs(5))
        .timeout(Duration::from_secs(4 * 3600))
        .on_progress(|status| {
            let percent = status.percent.map(|p| format!(" {p}%")).unwrap_or_default();
            println!("  {}{percent}", status.state);
        })
        .await?;
    match &finished.outcome {
        Outcome::Success => println!("{}: success", job.name),
        Outcome::Warning { message } => println!("{}: warning: {message:?}", job.name),
        Outcome::Failed { message } => println!("{}: failed: {message:?}", job.name),
        other => println!("{}: {other:?}", job.name),
    }
    println!(
        "waited {} s, {} polls",
        finished.waited.as_secs(),
        finished.n_polls
    );

    vbr.logout().await?;
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
