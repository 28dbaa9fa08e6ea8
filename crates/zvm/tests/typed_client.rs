//! The generated ZVM operations through the session, against the emulator over real TLS, for
//! both logons (Windows `x-zerto-session` and Appliance OpenID Connect): our spec and the
//! emulator agree on the core resources.

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{Credentials, Error};
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

async fn client(emulator: &Emulator, flavor: ZvmFlavor) -> restpoint_zvm::ZvmClient {
    ZvmSession::builder(emulator.zvm_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .flavor(flavor)
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
        .build()
        .await
        .expect("logon")
        .client()
}

/// Logout ends the session on the server: `DELETE /v1/session` (ZVM-04) or the Appliance's
/// Keycloak logout with the refresh token (ZVM-13).
async fn reads_the_core_resources(flavor: ZvmFlavor) {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let zvm = client(&emulator, flavor).await;
    let site = zvm.api().get_local_site().send().await.unwrap();
    assert!(!site.site_identifier.is_empty());
    let vpgs = zvm.api().get_vpgs().send().await.unwrap();
    assert!(!vpgs.is_empty());
    let first = &vpgs[0];
    let vpg = zvm
        .api()
        .get_vpg()
        .vpg_identifier(first.vpg_identifier.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(vpg.vpg_name, first.vpg_name);
    let vms = zvm.api().get_vms().send().await.unwrap();
    assert!(!vms.is_empty());
    let tasks = zvm.api().get_tasks().send().await.unwrap();
    let alerts = zvm.api().get_alerts().send().await.unwrap();
    let _ = (tasks, alerts);
    zvm.logout().await.unwrap();
    let live = emulator.admin().live_sessions(Product::Zvm);
    assert_eq!(live, 0);
}

#[tokio::test]
async fn windows_logon_reads_the_core_resources() {
    reads_the_core_resources(ZvmFlavor::Windows(None)).await;
}

#[tokio::test]
async fn appliance_logon_reads_the_core_resources() {
    reads_the_core_resources(ZvmFlavor::Appliance).await;
}

#[tokio::test]
async fn a_server_error_is_typed_and_not_retried() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let zvm = client(&emulator, ZvmFlavor::Windows(None)).await;
    emulator
        .admin()
        .inject_fault(Product::Zvm, Fault::Status(500), 1);
    let before = emulator.admin().counters().product(Product::Zvm).requests;
    let error = zvm.api().get_vpgs().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    let context = error.context().expect("a server error has a context");
    assert_eq!(
        (context.product(), context.operation()),
        ("zvm", "GetVpgs"),
        "the generated send names the spec's operation id"
    );
    assert!(
        matches!(error, Error::Api { .. } | Error::Protocol { .. }),
        "{error:?}"
    );
    let after = emulator.admin().counters().product(Product::Zvm).requests;
    assert_eq!(
        after - before,
        1,
        "a 500 is not retried by the session layer"
    );
}
