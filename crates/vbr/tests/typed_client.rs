//! The generated VBR operations through the session, against the emulator over real TLS: our
//! spec and the emulator agree on every core resource, and a job started through the typed API
//! runs to its end on the virtual clock.

use std::time::Duration;

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{AuthError, Credentials, Error};
use restpoint_vbr::VbrSession;
use restpoint_vbr::generated::types::{ESessionResult, ESessionState};

async fn start() -> (Emulator, restpoint_vbr::VbrClient) {
    let emulator = Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("emulator starts");
    let session = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
        .build()
        .await
        .expect("logon");
    let client = session.client();
    (emulator, client)
}

#[tokio::test]
async fn lists_pages_and_reads_the_core_resources() {
    let (_emulator, vbr) = start().await;
    let info = vbr.api().get_server_info().send().await.unwrap();
    assert!(!info.build_version.is_empty());

    let page = vbr
        .api()
        .get_all_jobs()
        .skip(0)
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 5);
    assert!(page.pagination.total > 5, "the seeded inventory pages");
    let first = &page.data[0];
    let job = vbr.api().get_job().id(first.id).send().await.unwrap();
    assert_eq!(job.name, first.name);

    let repositories = vbr.api().get_all_repositories().send().await.unwrap();
    assert!(!repositories.data.is_empty());
    let backups = vbr.api().get_all_backups().send().await.unwrap();
    assert!(backups.pagination.total >= backups.data.len() as i32);
}

#[tokio::test]
async fn a_started_job_runs_to_success_on_the_virtual_clock() {
    let (emulator, vbr) = start().await;
    let jobs = vbr.api().get_all_jobs().limit(1).send().await.unwrap();
    let job_id = jobs.data[0].id;
    let session = vbr.api().start_job().id(job_id).send().await.unwrap();
    assert_eq!(session.job_id, job_id);
    let mut state = session.state.clone();
    for _ in 0..120 {
        if state == ESessionState::Stopped {
            break;
        }
        emulator.advance(Duration::from_secs(30));
        let polled = vbr.api().get_session().id(session.id).send().await.unwrap();
        state = polled.state.clone();
        if state == ESessionState::Stopped {
            let result = polled.result.expect("a stopped session has a result");
            assert_eq!(result.result, ESessionResult::Success);
        }
    }
    assert_eq!(state, ESessionState::Stopped, "the job never finished");
}

#[tokio::test]
async fn api_errors_are_typed_and_show_no_body() {
    let (_emulator, vbr) = start().await;
    let missing = uuid::Uuid::nil();
    let error = vbr.api().get_job().id(missing).send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    let context = error.context().expect("an API error has a context");
    assert_eq!(
        (context.product(), context.operation()),
        ("vbr", "GetJob"),
        "the generated send names the spec's operation id"
    );
    match &error {
        Error::Api { error: api, .. } => assert_eq!(api.code(), Some("NotFound")),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_401_mid_stream_is_one_relogon_and_one_retry_through_the_generated_code() {
    let (emulator, vbr) = start().await;
    let before = *emulator.admin().counters().product(Product::Vbr);
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(401), 1);
    let jobs = vbr
        .api()
        .get_all_jobs()
        .send()
        .await
        .expect("the retry after one re-logon succeeds");
    assert!(!jobs.data.is_empty());
    let after = *emulator.admin().counters().product(Product::Vbr);
    assert_eq!(
        after.logons + after.refreshes - before.logons - before.refreshes,
        1
    );
}

#[tokio::test]
async fn a_refused_logon_is_a_typed_error_from_the_typed_client() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let session = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(defaults::ADMIN_USER, "wrong-password"))
        .ca_pem(emulator.ca_pem())
        .lazy(true)
        .build()
        .await
        .expect("a lazy session does not log on at build");
    let error = session
        .client()
        .api()
        .get_all_jobs()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.auth_error(), Some(&AuthError::WrongCredentials));
    assert!(!format!("{error} {error:?}").contains("wrong-password"));
}
