//! Set-up paths: TOML inventory, PEM certificate files, the standalone banner.

use reqwest::StatusCode;
use restpoint_emulator::standalone::{EmulateArgs, banner};
use restpoint_emulator::{EmulatorConfig, Inventory, TlsSource, defaults};
use serde_json::Value;

use super::{client, start_with};

const INVENTORY: &str = r#"
[[repositories]]
name = "Repo A"
kind = "LinuxLocal"

[[jobs]]
name = "Only Job"
repository = "Repo A"
duration_secs = 10

[zvm_site]
name = "Lab"

[[vpgs]]
name = "VPG-One"
vms = ["a", "b", "c"]
"#;

#[tokio::test]
async fn inventory_from_toml_is_served_with_stable_ids() {
    let inventory = Inventory::from_toml_str(INVENTORY).unwrap();
    assert_eq!(inventory, Inventory::from_toml_str(INVENTORY).unwrap());
    let job_id = inventory.jobs[0].id.clone();
    assert_eq!(job_id.len(), 36);
    let emu = start_with(EmulatorConfig::for_tests().with_inventory(inventory)).await;
    let c = client(&emu);
    let t: Value = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", "1.1-rev0")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jobs: Value = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", "1.1-rev0")
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jobs["pagination"]["total"], 1);
    assert_eq!(jobs["data"][0]["id"], job_id.as_str());
    assert!(Inventory::from_toml_str("[[jobs]]\nname = 3").is_err());
}

#[tokio::test]
async fn pem_certificate_files_are_served_and_returned_as_ca() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let emu = start_with(EmulatorConfig::for_tests().with_tls(TlsSource::PemFiles {
        cert: cert_path,
        key: key_path.clone(),
    }))
    .await;
    assert_eq!(emu.ca_pem(), cert.cert.pem());
    let resp = client(&emu)
        .get(format!("{}api/", emu.em_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // A missing key file is a start error, not a panic.
    let err = restpoint_emulator::Emulator::start(EmulatorConfig::for_tests().with_tls(
        TlsSource::PemFiles {
            cert: dir.path().join("missing.pem"),
            key: key_path,
        },
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, restpoint_emulator::StartError::Tls(_)));
}

#[tokio::test]
async fn standalone_args_and_banner_print_urls_ca_and_default_users() {
    let args = EmulateArgs {
        em_port: 0,
        vbr_port: 0,
        zvm_port: 0,
        virtual_clock: true,
        ..EmulateArgs::default()
    };
    let config = args.to_config().unwrap();
    assert!(config.manual_clock.is_some());
    assert_eq!(
        config.admin_port,
        Some(0),
        "a virtual clock comes with an admin listener"
    );
    assert_eq!(EmulateArgs::default().to_config().unwrap().em_port, 9398);
    let emu = start_with(config).await;
    let text = banner(&emu, std::path::Path::new("/tmp/ca.pem"));
    assert!(text.contains(&format!("EM   {}api/", emu.em_url())));
    assert!(text.contains("CA   /tmp/ca.pem"));
    for (u, p) in [
        (defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        (defaults::PORTAL_USER, defaults::PORTAL_PASSWORD),
        (defaults::RESTORE_USER, defaults::RESTORE_PASSWORD),
        (defaults::VIEWER_USER, defaults::VIEWER_PASSWORD),
        (defaults::MFA_USER, defaults::MFA_PASSWORD),
    ] {
        assert!(text.contains(u) && text.contains(p), "{u}");
    }
    assert!(text.contains("MFA on: refused"));
    assert!(text.contains("admin "));
}
