//! The everyday helpers against the emulator: waiting for a job's task, retries, and version
//! negotiation. Waits run on a virtual clock shared by the emulator and the client.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use restpoint_em::session::{EmFormat, EmSession, EmSessionBuilder};
use restpoint_em::{EntityReferences, Version};
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::poll::{Outcome, WaitError};
use restpoint_session::{ConfigError, Credentials, Error, ManualClock};

fn builder(emulator: &Emulator) -> EmSessionBuilder {
    EmSession::builder(emulator.em_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
}

/// An emulator and a session on one auto-advancing virtual clock. The keep-alive is off: on an
/// auto-advancing clock its sleeps would move time by themselves; the polls keep the session
/// busy anyway.
async fn start() -> (Emulator, EmSession, ManualClock) {
    let clock = ManualClock::with_auto_advance();
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_manual_clock(clock.clone()))
        .await
        .unwrap();
    let em = builder(&emulator)
        .clock(clock.shared())
        .keep_alive(None)
        .build()
        .await
        .unwrap();
    (emulator, em, clock)
}

async fn first_job(em: &EmSession) -> String {
    let jobs: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    jobs.ref_[0].href.clone().unwrap()
}

#[tokio::test]
async fn a_started_job_is_waited_for_until_its_task_finishes() {
    for format in [EmFormat::Xml, EmFormat::Json] {
        let clock = ManualClock::with_auto_advance();
        let emulator =
            Emulator::start(EmulatorConfig::for_tests().with_manual_clock(clock.clone()))
                .await
                .unwrap();
        let em = builder(&emulator)
            .clock(clock.shared())
            .keep_alive(None)
            .format(format)
            .build()
            .await
            .unwrap();
        let job = first_job(&em).await;
        let states = Arc::new(Mutex::new(Vec::new()));
        let seen = states.clone();
        let real = Instant::now();
        let wait = em.start_job(&job).await.unwrap();
        assert_eq!(wait.started().unwrap().state, "Running");
        let finished = wait
            .interval(Duration::from_secs(2))
            .on_progress(move |s| seen.lock().unwrap().push(s.state.clone()))
            .await
            .unwrap();
        assert_eq!(finished.outcome, Outcome::Success, "{format:?}");
        assert_eq!(finished.value.state, "Finished");
        assert!(
            finished.waited >= Duration::from_secs(10),
            "a task runs 10 s"
        );
        assert!(real.elapsed() < Duration::from_secs(10));
        let states = states.lock().unwrap();
        assert_eq!(states.first().map(String::as_str), Some("Running"));
        assert_eq!(states.last().map(String::as_str), Some("Finished"));
    }
}

#[tokio::test]
async fn a_short_timeout_and_a_foreign_task_are_typed_errors() {
    let (emulator, em, _) = start().await;
    let job = first_job(&em).await;
    let wait = em.start_job(&job).await.unwrap();
    let href = wait.started().and_then(|t| t.href.clone()).unwrap();
    let error = wait
        .interval(Duration::from_secs(1))
        .timeout(Duration::from_secs(3))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    // EM-12: another logon session cannot see the task.
    let other = builder(&emulator)
        .clock(em.clock().clone())
        .keep_alive(None)
        .build()
        .await
        .unwrap();
    match other.wait_for_task(&href).await.unwrap_err() {
        WaitError::Call(error) => assert_eq!(error.status().map(|s| s.as_u16()), Some(404)),
        other => panic!("expected a call error, got {other:?}"),
    }
    // Its own session still sees it finish.
    assert!(em.wait_for_task(&href).await.unwrap().is_success());
}

#[tokio::test]
async fn polls_are_retried_and_job_starts_are_not() {
    let (emulator, em, _) = start().await;
    let job = first_job(&em).await;
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Em, Fault::Status(503), 1);
    let error = em.start_job(&job).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        emulator.admin().counters().product(Product::Em).requests,
        1,
        "a POST that reached the server is never repeated"
    );
    let wait = em.start_job(&job).await.unwrap();
    emulator
        .admin()
        .inject_fault(Product::Em, Fault::Status(502), 2);
    let finished = wait.interval(Duration::from_secs(5)).await.unwrap();
    assert!(finished.is_success());
}

#[tokio::test]
async fn an_older_server_gets_its_newest_version_we_know() {
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_em_versions(["v1_5", "v1_6"]))
        .await
        .unwrap();
    let versions = restpoint_em::version::supported_versions(
        emulator.em_url().as_str(),
        &restpoint_session::HttpOptions::new()
            .ca_pem(emulator.ca_pem())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(versions, vec!["v1_5", "v1_6"]);
    let em = builder(&emulator).build_negotiated().await.unwrap();
    assert_eq!(em.authenticator().version(), &Version::Named("v1_6".into()));
    let _: EntityReferences = em.get_resource("api/jobs").await.unwrap();

    // Named: a version the server lists works, one it does not is refused before logon.
    let named = builder(&emulator)
        .version(Version::Named("v1_5".into()))
        .build()
        .await
        .unwrap();
    let _: EntityReferences = named.get_resource("api/jobs").await.unwrap();
    let before = emulator.admin().counters().product(Product::Em).logons;
    let error = builder(&emulator)
        .version(Version::Named("v1_7".into()))
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Config(ConfigError::Invalid(_))),
        "{error:?}"
    );
    assert_eq!(
        emulator.admin().counters().product(Product::Em).logons,
        before
    );
    // Latest: whatever the server serves.
    let latest = builder(&emulator).build().await.unwrap();
    assert_eq!(latest.authenticator().version(), &Version::Latest);

    emulator.admin().set_em_versions(vec!["v1_2".into()]);
    let error = builder(&emulator).build_negotiated().await.unwrap_err();
    assert!(
        matches!(error, Error::Config(ConfigError::Invalid(_))),
        "{error:?}"
    );
}
