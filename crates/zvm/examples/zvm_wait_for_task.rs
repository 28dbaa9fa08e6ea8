//! Wait for a Zerto task to finish, printing its progress.
//!
//! Zerto has no backup jobs, and the actions that start a task (a failover test, a VPG
//! creation) are not in restpoint's ZVM spec yet. So this example takes the task named by
//! `RESTPOINT_ZVM_TASK`, or else the first task in progress (else the first task) of
//! `GET /v1/tasks`, and polls `GET /v1/tasks/{id}` every 10 s until it is `Completed` or
//! `Failed`.
//!
//! Against `cargo run -p restpoint -- emulate` it runs as is: the emulator's failover-test task
//! runs for ten minutes from the emulator's start. For a real server set `RESTPOINT_ZVM_URL`,
//! `RESTPOINT_USER`, `RESTPOINT_PASSWORD` and `RESTPOINT_CA` (a PEM file).
//!
//! ```sh
//! cargo run -p restpoint-zvm --example zvm_wait_for_task
//! ```

use std::time::Duration;

use restpoint_session::Credentials;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::wait::{STATE_IN_PROGRESS, ZvmWait as _};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url = env_or("RESTPOINT_ZVM_URL", "https://localhost:9669");
    let ca = std::env::var("RESTPOINT_CA").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("restpoint-emulator-ca.pem")
            .display()
            .to_string()
    });
    let session = ZvmSession::builder(&url)
        .credentials(Credentials::new(
            env_or("RESTPOINT_USER", "admin"),
            env_or("RESTPOINT_PASSWORD", "Restpoint-Admin-1"),
        ))
        .ca_pem(std::fs::read(&ca)?)
        .build()
        .await?;
    println!("logged on to {url} ({:?})", session.flavor());
    let zvm = session.client();

    let id = match std::env::var("RESTPOINT_ZVM_TASK") {
        Ok(id) => id,
        Err(_) => {
            let tasks = zvm.api().get_tasks().send().await?;
            tasks
                .iter()
                .find(|t| t.status.state == STATE_IN_PROGRESS)
                .or(tasks.first())
                .ok_or("the site has no tasks")?
                .task_identifier
                .clone()
        }
    };

    println!("waiting for task {id}");
    let finished = zvm
        .wait_for_task(&id)
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(4 * 3600))
        .on_progress(|status| {
            let percent = status.percent.map(|p| format!(" {p}%")).unwrap_or_default();
            println!("  {}{percent}", status.state);
        })
        .await?;
    if finished.is_success() {
        println!("task {id}: completed");
    } else {
        println!("task {id}: failed: {:?}", finished.outcome.message());
    }

    zvm.logout().await?;
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
