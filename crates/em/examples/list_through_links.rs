//! Log on to Enterprise Manager, list backup servers and jobs by following the LogonSession's
//! links, and log off through its `Rel="Delete"` link.
//!
//! Against `cargo run -p restpoint -- emulate` it runs as is; for a real server set
//! `RESTPOINT_EM_URL`, `RESTPOINT_USER`, `RESTPOINT_PASSWORD` and `RESTPOINT_CA` (a PEM file).
//!
//! ```sh
//! cargo run -p restpoint-em --example list_through_links
//! ```

use restpoint_em::{EmSession, EntityReferences, HasLinks, Rel, Version};
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
    let credentials = Credentials::new(
        env_or("RESTPOINT_USER", "admin"),
        env_or("RESTPOINT_PASSWORD", "Restpoint-Admin-1"),
    );

    let em = EmSession::builder(&url)
        .credentials(credentials)
        .ca_pem(std::fs::read(&ca)?)
        .version(Version::Latest)
        .build()
        .await?;
    let logon = em.logon_session().ok_or("no LogonSession after logon")?;
    println!("logged on to {url}");

    for kind in ["BackupServerReferenceList", "JobReferenceList"] {
        let Some(link) = logon.links().find(Rel::Down, kind) else {
            println!("{kind}: the server offers no such link");
            continue;
        };
        let href = link.href.clone();
        let list: EntityReferences = em.get_resource(&href).await?;
        println!("{kind} ({} entries):", list.ref_.len());
        for reference in &list.ref_ {
            println!("  {}", reference.name.as_deref().unwrap_or("(unnamed)"));
        }
    }

    em.logout().await?;
    println!("logged off");
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
