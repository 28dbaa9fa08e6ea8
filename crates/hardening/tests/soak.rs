//! R6, small: 300 sessions over 2 s against the in-process emulator; 0 errors, every idle
//! session expired and purged afterwards. The full run is the `soak` binary.

use std::time::Duration;

use restpoint_hardening::soak::{self, SoakConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_300_sessions_no_errors_and_all_expire() {
    let report = soak::run(SoakConfig {
        sessions: 300,
        duration: Duration::from_secs(2),
        concurrency: 16,
        passes: 1,
        emulated: soak::Emulated::InProcess,
    })
    .await
    .unwrap();
    println!("{report}");
    assert_eq!(report.errors, 0, "{report}");
    assert_eq!(report.final_live_sessions, 0, "{report}");
    assert!(report.peak_live_sessions > 0, "{report}");
    // 300 logons plus the 3 of the warm-up, and nothing more: no session logged on twice.
    assert_eq!(report.server_logons, 303, "{report}");
}
