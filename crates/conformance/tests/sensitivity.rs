//! The suite notices an emulator that breaks a rule: with a 20-minute idle timeout instead of
//! EM's documented 15 minutes, the EM-08 scenario that idles 16 minutes fails.

use std::time::Duration;

use restpoint_conformance::{ConformArgs, run_with_emulator};
use restpoint_emulator::{EmulatorConfig, Lifetimes};

#[tokio::test]
async fn a_broken_idle_timeout_fails_its_rule() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut args = ConformArgs::parse_from(["conform", "--quiet", "--tag", "EM-08"]).unwrap();
    args.quiet = true;
    let config = EmulatorConfig::for_tests().with_lifetimes(Lifetimes {
        em_idle: Duration::from_secs(20 * 60),
        ..Lifetimes::default()
    });
    let summary = run_with_emulator(args, Some(config)).await.unwrap();
    assert!(!summary.success());
    assert_eq!(summary.failed, 1, "{:#?}", summary.failures);
    let failure = &summary.failures[0];
    assert_eq!(failure.rules, ["EM-08"]);
    assert!(failure.scenario.contains("idle for 15 minutes expires"));
}
