//! The everyday helpers against the emulator: paging, waiting for a job's session, retries of
//! transient failures, and `x-api-version` negotiation. Every wait runs on a virtual clock that
//! the emulator and the client share, so no test sleeps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::poll::Outcome;
use restpoint_session::{ConfigError, Credentials, Error, ManualClock, retry};
use restpoint_vbr::generated::types::{ESessionState, JobModel, SessionModel};
use restpoint_vbr::paging::{self, VbrPaging as _};
use restpoint_vbr::version::CLIENT_API_VERSIONS;
use restpoint_vbr::wait::VbrWait as _;
use restpoint_vbr::{VbrClient, VbrSession};

/// An emulator and a client on one auto-advancing virtual clock: every sleep of the client moves
/// the emulator's time too.
async fn start_with(config: EmulatorConfig) -> (Emulator, VbrClient, ManualClock) {
    let clock = ManualClock::with_auto_advance();
    let emulator = Emulator::start(config.with_manual_clock(clock.clone()))
        .await
        .expect("emulator starts");
    let session = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(clock.shared())
        .build()
        .await
        .expect("logon");
    (emulator, session.client(), clock)
}

async fn start() -> (Emulator, VbrClient, ManualClock) {
    start_with(EmulatorConfig::for_tests()).await
}

fn gets(emulator: &Emulator, route: &str) -> u64 {
    emulator
        .admin()
        .counters()
        .requests(Product::Vbr, "GET", route)
}

async fn job_named(vbr: &VbrClient, name: &str) -> JobModel {
    let mut jobs: Vec<JobModel> = vbr.jobs().name_filter(name).collect_all().await.unwrap();
    assert_eq!(jobs.len(), 1, "{name}");
    jobs.remove(0)
}

// ------------------------------------------------------------------------------ paging

#[tokio::test]
async fn jobs_stream_over_three_pages_of_ten() {
    let (emulator, vbr, _) = start().await;
    emulator.admin().reset_counters();
    let jobs: Vec<JobModel> = vbr
        .jobs()
        .page_size(10)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(jobs.len(), 25, "every job of the inventory");
    let mut ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 25, "no job twice");
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 3, "10 + 10 + 5");
}

#[tokio::test]
async fn pages_are_fetched_only_when_needed() {
    let (emulator, vbr, _) = start().await;
    emulator.admin().reset_counters();
    let first: Vec<JobModel> = vbr
        .jobs()
        .page_size(4)
        .into_stream()
        .take(6)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 6);
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 2);

    let pages: Vec<_> = vbr.jobs().page_size(7).pages().try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, vec![7, 7, 7, 4]);
    assert!(pages.iter().all(|p| p.total == Some(25)));
}

#[tokio::test]
async fn name_filters_and_other_collections_page_too() {
    let (_emulator, vbr, _) = start().await;
    let backup_jobs: Vec<JobModel> = vbr
        .jobs()
        .name_filter("Backup Job*")
        .page_size(5)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(backup_jobs.len(), 22);
    let repositories = vbr.repositories().page_size(1).collect_all().await.unwrap();
    assert!(repositories.len() > 1);
    let backups = vbr.backups().page_size(2).collect_all().await.unwrap();
    assert!(!backups.is_empty());
}

#[tokio::test]
async fn any_paged_call_streams_with_its_own_filters() {
    let (_emulator, vbr, _) = start().await;
    let job = job_named(&vbr, "Backup Job 05").await;
    for _ in 0..3 {
        vbr.api().start_job().id(job.id).send().await.unwrap();
    }
    let client = vbr.clone();
    let sessions: Vec<SessionModel> = paging::stream(2, move |skip, limit| {
        let vbr = client.clone();
        async move {
            vbr.api()
                .get_all_sessions()
                .job_id_filter(job.id)
                .skip(skip)
                .limit(limit)
                .send()
                .await
        }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(sessions.len(), 3);
    assert!(sessions.iter().all(|s| s.job_id == job.id));
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_a_typed_error() {
    let (emulator, vbr, _) = start().await;
    let mut stream = vbr.jobs().page_size(10).into_stream();
    for _ in 0..10 {
        stream.try_next().await.unwrap().unwrap();
    }
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(404), 1);
    let error = stream.try_next().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );
}

// ------------------------------------------------------------------------------ waiting

#[tokio::test]
async fn a_started_job_is_waited_for_in_milliseconds_on_the_virtual_clock() {
    let (_emulator, vbr, clock) = start().await;
    let job = job_named(&vbr, "Backup Job 01").await;
    let percents = Arc::new(Mutex::new(Vec::new()));
    let seen = percents.clone();
    let real = Instant::now();
    let wait = vbr.start_job(job.id).await.unwrap();
    let started = wait.started().expect("the start's session").clone();
    assert_eq!(started.job_id, job.id);
    let finished = wait
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(3600))
        .on_progress(move |status| {
            seen.lock()
                .unwrap()
                .push((status.state.clone(), status.percent))
        })
        .await
        .unwrap();
    assert_eq!(finished.outcome, Outcome::Success);
    assert_eq!(finished.value.state, ESessionState::Stopped);
    assert_eq!(finished.value.id, started.id);
    // The job runs 120 s of virtual time, polled every 10 s.
    assert!(
        finished.waited >= Duration::from_secs(120),
        "{:?}",
        finished.waited
    );
    assert!(
        finished.waited <= Duration::from_secs(130),
        "{:?}",
        finished.waited
    );
    assert!(clock.elapsed() >= Duration::from_secs(120));
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "virtual time, not real"
    );
    let percents = percents.lock().unwrap();
    assert_eq!(percents.len() as u32, finished.n_polls);
    assert!(
        percents.iter().any(|(state, _)| state == "Working"),
        "{percents:?}"
    );
    assert_eq!(percents.last().unwrap(), &("Stopped".to_owned(), Some(100)));
}

#[tokio::test]
async fn warnings_and_failures_carry_the_servers_message() {
    let (_emulator, vbr, _) = start().await;
    let warning = job_named(&vbr, "Backup Job 03").await;
    let finished = vbr.start_job(warning.id).await.unwrap().await.unwrap();
    assert!(finished.is_success(), "a warning still counts as success");
    assert_eq!(
        finished.outcome,
        Outcome::Warning {
            message: Some("Processing finished with warnings".into())
        }
    );
    let failing = job_named(&vbr, "Backup Job 04").await;
    let finished = vbr.start_job(failing.id).await.unwrap().await.unwrap();
    assert!(!finished.is_success());
    assert_eq!(finished.outcome.message(), Some("Processing failed"));
}

#[tokio::test]
async fn a_stopped_job_is_a_failure_and_a_short_timeout_a_typed_error() {
    let (_emulator, vbr, _) = start().await;
    let job = job_named(&vbr, "Backup Job 06").await;
    let wait = vbr.start_job(job.id).await.unwrap();
    let id = wait.started().unwrap().id;
    let error = wait
        .interval(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        error.to_string().contains("not finished after 30 s"),
        "{error}"
    );
    vbr.api().stop_job().id(job.id).send().await.unwrap();
    let finished = vbr.wait_for_session(id).await.unwrap();
    assert_eq!(finished.outcome.message(), Some("Stopped by user"));
    assert!(!finished.is_success());
}

#[tokio::test]
async fn waiting_for_an_unknown_session_is_a_typed_error() {
    let (_emulator, vbr, _) = start().await;
    let error = vbr.wait_for_session(uuid::Uuid::nil()).await.unwrap_err();
    match error {
        restpoint_session::poll::WaitError::Call(error) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(404))
        }
        other => panic!("expected a call error, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------ retries

#[tokio::test]
async fn a_get_is_retried_through_two_503s() {
    let (emulator, vbr, clock) = start().await;
    emulator.admin().reset_counters();
    let before = clock.elapsed();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(503), 2);
    let jobs = vbr
        .api()
        .get_all_jobs()
        .limit(3)
        .send()
        .await
        .expect("the third attempt succeeds");
    assert_eq!(jobs.data.len(), 3);
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 3, "2 refused + 1 answered");
    // Two backoffs (about 0.5 s and 1 s with jitter) on the virtual clock.
    let waited = clock.elapsed() - before;
    assert!(waited >= Duration::from_millis(750), "{waited:?}");
    assert!(waited <= Duration::from_millis(1500), "{waited:?}");
}

#[tokio::test]
async fn a_job_start_answered_503_is_not_retried() {
    let (emulator, vbr, _) = start().await;
    let job = job_named(&vbr, "Backup Job 07").await;
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(503), 1);
    let error = vbr.start_job(job.id).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(retry::is_transient(&error));
    let counters = emulator.admin().counters();
    assert_eq!(
        counters.requests(Product::Vbr, "POST", "/api/v1/jobs/{id}/{action}"),
        1,
        "a POST that reached the server is never repeated"
    );
    assert_eq!(counters.product(Product::Vbr).requests, 1);
}

#[tokio::test]
async fn a_spent_budget_is_the_last_typed_error() {
    let (emulator, vbr, _) = start().await;
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(503), 5);
    let error = vbr.api().get_all_jobs().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(retry::is_transient(&error));
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 3, "the default budget");
    emulator.admin().clear_faults();
}

#[tokio::test]
async fn retries_can_be_switched_off_or_widened() {
    let clock = ManualClock::with_auto_advance();
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_manual_clock(clock.clone()))
        .await
        .unwrap();
    let build = |policy: retry::RetryPolicy| {
        VbrSession::builder(emulator.vbr_url())
            .credentials(Credentials::new(
                defaults::ADMIN_USER,
                defaults::ADMIN_PASSWORD,
            ))
            .ca_pem(emulator.ca_pem())
            .session_options(
                restpoint_session::SessionOptions::new()
                    .clock(clock.shared())
                    .retry(policy),
            )
            .build()
    };
    let once = build(retry::RetryPolicy::none()).await.unwrap().client();
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(502), 1);
    let error = once.api().get_all_jobs().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 1);

    let patient = build(retry::RetryPolicy::new().max_attempts(6))
        .await
        .unwrap()
        .client();
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(429), 5);
    patient
        .api()
        .get_all_jobs()
        .send()
        .await
        .expect("the sixth attempt succeeds");
    assert_eq!(gets(&emulator, "/api/v1/jobs"), 6);
}

// ------------------------------------------------------------------------------ versions

#[tokio::test]
async fn the_newest_common_revision_is_negotiated_with_an_older_server() {
    let emulator = Emulator::start(
        EmulatorConfig::for_tests().with_vbr_api_versions(["1.1-rev0", "1.1-rev1", "1.2-rev0"]),
    )
    .await
    .unwrap();
    let session = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .build_negotiated()
        .await
        .expect("a common revision exists");
    assert_eq!(session.api_version(), "1.2-rev0");
    let jobs = session
        .client()
        .api()
        .get_all_jobs()
        .limit(1)
        .send()
        .await
        .expect("calls work with the negotiated revision");
    assert_eq!(jobs.data.len(), 1);

    // The same server with a named revision it does not serve: the logon is refused (VBR-08).
    let error = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .api_version("1.3-rev1")
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400), "{error:?}");
}

#[tokio::test]
async fn a_current_server_gets_the_newest_revision_and_a_foreign_one_a_typed_error() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let builder = || {
        VbrSession::builder(emulator.vbr_url())
            .credentials(Credentials::new(
                defaults::ADMIN_USER,
                defaults::ADMIN_PASSWORD,
            ))
            .ca_pem(emulator.ca_pem())
    };
    // The emulator serves up to 1.3-rev2; the newest revision the typed models decode is taken.
    let session = builder().build_negotiated().await.unwrap();
    assert_eq!(session.api_version(), CLIENT_API_VERSIONS[0]);
    assert_eq!(
        CLIENT_API_VERSIONS[0],
        restpoint_vbr::session::DEFAULT_API_VERSION
    );
    let session = builder()
        .build_with_newest_of(&["1.1-rev0", "1.2-rev1"])
        .await
        .unwrap();
    assert_eq!(session.api_version(), "1.2-rev1");

    emulator
        .admin()
        .set_vbr_api_versions(vec!["9.9-rev9".to_owned()]);
    let error = builder().build_negotiated().await.unwrap_err();
    assert!(
        matches!(error, Error::Config(ConfigError::Invalid(_))),
        "{error:?}"
    );
}
