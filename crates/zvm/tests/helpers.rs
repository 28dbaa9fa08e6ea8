//! Waiting for a ZVM task against the emulator, on a virtual clock shared by the emulator and
//! the client, and retries of its polls.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::poll::{Outcome, WaitError};
use restpoint_session::{Credentials, ManualClock};
use restpoint_zvm::session::ZvmFlavor;
use restpoint_zvm::wait::{STATE_COMPLETED, STATE_IN_PROGRESS, ZvmWait as _};
use restpoint_zvm::{ZvmClient, ZvmSession};

async fn start(flavor: ZvmFlavor) -> (Emulator, ZvmClient) {
    let clock = ManualClock::with_auto_advance();
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_manual_clock(clock.clone()))
        .await
        .unwrap();
    let zvm = ZvmSession::builder(emulator.zvm_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .flavor(flavor)
        .ca_pem(emulator.ca_pem())
        .clock(clock.shared())
        .build()
        .await
        .unwrap()
        .client();
    (emulator, zvm)
}

async fn running_task(zvm: &ZvmClient) -> String {
    let tasks = zvm.api().get_tasks().send().await.unwrap();
    tasks
        .iter()
        .find(|t| t.status.state == STATE_IN_PROGRESS)
        .expect("the inventory has a running task")
        .task_identifier
        .clone()
}

#[tokio::test]
async fn a_running_task_is_waited_for_until_completed() {
    for flavor in [ZvmFlavor::Windows(None), ZvmFlavor::Appliance] {
        let (_emulator, zvm) = start(flavor).await;
        let id = running_task(&zvm).await;
        let percents = Arc::new(Mutex::new(Vec::new()));
        let seen = percents.clone();
        let real = Instant::now();
        let finished = zvm
            .wait_for_task(&id)
            .interval(Duration::from_secs(60))
            .timeout(Duration::from_secs(3600))
            .on_progress(move |s| seen.lock().unwrap().push((s.state.clone(), s.percent)))
            .await
            .unwrap();
        assert_eq!(finished.outcome, Outcome::Success);
        assert_eq!(finished.value.status.state, STATE_COMPLETED);
        assert_eq!(
            finished.value.complete_reason.as_deref(),
            Some("Task completed successfully")
        );
        // The task runs 600 s of virtual time from the emulator's start.
        assert!(
            finished.waited >= Duration::from_secs(540),
            "{:?}",
            finished.waited
        );
        assert!(real.elapsed() < Duration::from_secs(10));
        let percents = percents.lock().unwrap();
        assert_eq!(percents.first().unwrap().0, "InProgress");
        assert_eq!(
            percents.last().unwrap(),
            &("Completed".to_owned(), Some(100))
        );
        assert!(
            percents.windows(2).all(|w| w[0].1 <= w[1].1),
            "{percents:?}"
        );
    }
}

#[tokio::test]
async fn timeouts_and_unknown_tasks_are_typed_errors_and_polls_are_retried() {
    let (emulator, zvm) = start(ZvmFlavor::Windows(None)).await;
    let id = running_task(&zvm).await;
    let error = zvm
        .wait_for_task(&id)
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    match zvm.wait_for_task("no-such-task").await.unwrap_err() {
        WaitError::Call(error) => assert_eq!(error.status().map(|s| s.as_u16()), Some(404)),
        other => panic!("expected a call error, got {other:?}"),
    }

    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Zvm, Fault::Status(503), 2);
    let finished = zvm
        .wait_for_task(&id)
        .interval(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(finished.is_success());
    let polls = emulator
        .admin()
        .counters()
        .requests(Product::Zvm, "GET", "/v1/tasks/{id}");
    assert_eq!(
        polls,
        u64::from(finished.n_polls) + 2,
        "two polls retried once each"
    );
}
