//! The session-hygiene report on our own clients (issue 17): VBR, EM and ZVM (Windows and
//! Appliance) sessions used normally — a refresh shared by concurrent calls, a job started once
//! and its task waited for on the same session, logged off — give a clean report, with every
//! session counted and closed. The mistakes are planted in `crates/emulator/tests/suite/hygiene.rs`.

use std::time::Duration;

use restpoint_em::EntityReferences;
use restpoint_em::session::EmSession;
use restpoint_emulator::{Emulator, EmulatorConfig, HygieneReport, Product, defaults};
use restpoint_session::{Credentials, ManualClock};
use restpoint_vbr::VbrSession;
use restpoint_vbr::wait::VbrWait as _;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

fn admin() -> Credentials {
    Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
}

fn assert_clean(report: &HygieneReport) {
    assert!(report.is_clean(), "{}", report.to_text());
    for c in &report.clients {
        assert_eq!(
            c.sessions_opened,
            c.sessions_logged_off,
            "{}",
            report.to_text()
        );
    }
}

fn client(report: &HygieneReport, product: Product) -> &restpoint_emulator::hygiene::ClientReport {
    report
        .clients
        .iter()
        .find(|c| c.product == product && c.user == defaults::ADMIN_USER)
        .unwrap_or_else(|| panic!("no {product:?} client in\n{}", report.to_text()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_em_client_waiting_for_a_task_is_clean() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // The wait polls on an auto-advancing clock; the keep-alive is off (its sleeps would move
    // time by themselves).
    let clock = ManualClock::with_auto_advance();
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_manual_clock(clock.clone()))
        .await
        .unwrap();
    let em = EmSession::builder(emulator.em_url())
        .credentials(admin())
        .ca_pem(emulator.ca_pem())
        .clock(clock.shared())
        .keep_alive(None)
        .build()
        .await
        .unwrap();
    let jobs: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    let job = jobs.ref_[0].href.clone().unwrap();
    let finished = em
        .start_job(&job)
        .await
        .unwrap()
        .interval(Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(finished.value.state, "Finished");
    em.logout().await.unwrap();
    let report = emulator.hygiene();
    assert_clean(&report);
    let c = client(&report, Product::Em);
    assert_eq!((c.sessions_opened, c.sessions_logged_off), (1, 1));
    assert!(c.requests >= 4, "{}", report.to_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_vbr_and_zvm_clients_are_clean_through_a_shared_refresh() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let clock = emulator.clock().unwrap().shared();
    let vbr = VbrSession::builder(emulator.vbr_url())
        .credentials(admin())
        .ca_pem(emulator.ca_pem())
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    let api = vbr.client();
    let jobs = api.api().get_all_jobs().send().await.unwrap();
    // Past the access token's lifetime: concurrent calls share one refresh.
    emulator.advance(Duration::from_secs(14 * 60));
    let calls = (0..4).map(|_| {
        let api = api.clone();
        async move { api.api().get_all_jobs().send().await.map(|_| ()) }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let _started = api.start_job(jobs.data[0].id).await.unwrap();
    vbr.logout().await.unwrap();

    let windows = ZvmSession::builder(emulator.zvm_url())
        .credentials(admin())
        .ca_pem(emulator.ca_pem())
        .clock(clock.clone())
        .flavor(ZvmFlavor::Windows(None))
        .build()
        .await
        .unwrap();
    let appliance = ZvmSession::builder(emulator.zvm_url())
        .credentials(admin())
        .ca_pem(emulator.ca_pem())
        .clock(clock)
        .flavor(ZvmFlavor::Appliance)
        .build()
        .await
        .unwrap();
    for zvm in [&windows, &appliance] {
        let url = zvm.base_url().join("v1/vpgs").unwrap();
        let request = zvm.http().get(url).build().unwrap();
        assert!(zvm.send(request).await.unwrap().status().is_success());
        zvm.logout().await.unwrap();
    }

    let report = emulator.hygiene();
    assert_clean(&report);
    let v = client(&report, Product::Vbr);
    assert_eq!((v.sessions_opened, v.sessions_logged_off), (1, 1));
    // logon, list, one refresh, four lists, start, logout.
    assert_eq!(v.requests, 9, "{}", report.to_text());
    let z = client(&report, Product::Zvm);
    assert_eq!((z.sessions_opened, z.sessions_logged_off), (2, 2));
}
