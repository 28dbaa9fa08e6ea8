//! The suite notices an emulator that breaks a rule: each case starts the emulator with one
//! documented behaviour changed and runs the scenarios that cite that rule (`--tag`); at least
//! one of them must fail.

use std::time::Duration;

use restpoint_conformance::{ConformArgs, run_with_emulator};
use restpoint_emulator::{EmulatorConfig, Lifetimes, Vbr401Body};

/// (rule, what is broken, the emulator with it broken)
fn broken_emulators() -> Vec<(&'static str, &'static str, EmulatorConfig)> {
    let base = EmulatorConfig::for_tests;
    let minutes = |m: u64| Duration::from_secs(m * 60);
    vec![
        (
            "EM-08",
            "EM idle timeout of 20 minutes instead of 15",
            base().with_lifetimes(Lifetimes {
                em_idle: minutes(20),
                ..Lifetimes::default()
            }),
        ),
        (
            "EM-13",
            "EM no longer serves the deprecated v1_5",
            base().with_em_versions(["v1_6", "v1_7"]),
        ),
        (
            "VBR-10",
            "VBR access tokens living 20 minutes instead of 15",
            base().with_lifetimes(Lifetimes {
                vbr_access: minutes(20),
                ..Lifetimes::default()
            }),
        ),
        (
            "VBR-12",
            "VBR answering refused tokens with an empty body although the emulator documents JSON",
            base().with_vbr_401_body(Vbr401Body::Empty),
        ),
        (
            "ZVM-05",
            "ZVM sessions dormant for 40 minutes instead of 30",
            base().with_lifetimes(Lifetimes {
                zvm_dormancy: minutes(40),
                ..Lifetimes::default()
            }),
        ),
    ]
}

#[tokio::test]
async fn a_broken_rule_fails_its_scenarios() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // One run at a time: the runner serves one target per process.
    for (rule, broken, config) in broken_emulators() {
        let args = ConformArgs::parse_from(["conform", "--quiet", "--tag", rule]).unwrap();
        let summary = run_with_emulator(args, Some(config)).await.unwrap();
        assert!(
            summary.failed > 0,
            "{broken}: no scenario of {rule} failed ({} passed)",
            summary.passed
        );
        for failure in &summary.failures {
            assert!(
                failure.rules.iter().any(|r| r == rule),
                "{broken}: a scenario of other rules failed: {:?}",
                failure
            );
        }
    }
}
