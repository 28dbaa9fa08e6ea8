//! Log on to Zerto Virtual Manager (Windows `x-zerto-session` or Appliance OpenID Connect,
//! detected), list the VPGs through the typed API, and log off.
//!
//! Against `cargo run -p restpoint -- emulate` it runs as is; for a real server set
//! `RESTPOINT_ZVM_URL`, `RESTPOINT_USER`, `RESTPOINT_PASSWORD` and `RESTPOINT_CA` (a PEM file).
//!
//! ```sh
//! cargo run -p restpoint-zvm --example list_vpgs
//! ```

use restpoint_session::Credentials;
use restpoint_zvm::ZvmSession;

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
    let vpgs = zvm.api().get_vpgs().send().await?;
    for vpg in &vpgs {
        println!(
            "  {} ({}), status {}",
            vpg.vpg_name, vpg.vpg_identifier, vpg.status
        );
    }

    zvm.logout().await?;
    println!("logged off");
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
