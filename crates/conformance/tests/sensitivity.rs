//! The suite notices an emulator that breaks a rule (F1): each case starts the emulator with one
//! documented behaviour changed and runs the whole suite; some scenario of that rule must fail,
//! and every scenario that fails must cite that rule (the break changes nothing else).

use std::time::Duration;

use restpoint_conformance::{ConformArgs, run_with_emulator};
use restpoint_emulator::{Break, EmulatorConfig, Lifetimes, Vbr401Body};

/// (rule, what is broken, the emulator with it broken)
fn broken_emulators() -> Vec<(&'static str, &'static str, EmulatorConfig)> {
    let base = EmulatorConfig::for_tests;
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let by_setting = vec![
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
            "VBR-02",
            "VBR access tokens living 20 minutes: neither documented lifetime (15 or 60 minutes)",
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
    ];
    let by_break = Break::ALL
        .iter()
        .map(|&b| (b.rule(), b.description(), base().with_break(b)));
    by_setting.into_iter().chain(by_break).collect()
}

/// How many distinct rules must have a break that the suite catches (F1 asks for 30 of 44).
const RULES_WITH_A_CAUGHT_BREAK: usize = 30;

#[tokio::test]
async fn a_broken_rule_fails_its_scenarios_and_only_them() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut caught = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    // One run at a time: the runner serves one target per process.
    for (rule, broken, config) in broken_emulators() {
        let args = ConformArgs::parse_from(["conform", "--quiet"]).unwrap();
        let summary = run_with_emulator(args, Some(config)).await.unwrap();
        let of_rule = summary
            .failures
            .iter()
            .filter(|f| f.rules.iter().any(|r| r == rule))
            .count();
        let others: Vec<String> = summary
            .failures
            .iter()
            .filter(|f| !f.rules.iter().any(|r| r == rule))
            .map(|f| format!("{:?}", f))
            .collect();
        if of_rule == 0 {
            problems.push(format!("{rule} ({broken}): no scenario of {rule} failed"));
        }
        if !others.is_empty() {
            problems.push(format!(
                "{rule} ({broken}): scenarios of other rules failed too: {others:?}"
            ));
        }
        if of_rule > 0 && others.is_empty() {
            caught.insert(rule);
        }
        println!(
            "{rule:<7} {broken}: {of_rule} scenario(s) of the rule failed, {} other(s)",
            others.len()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("F1: {} rules with a break the suite catches", caught.len());
    assert!(
        caught.len() >= RULES_WITH_A_CAUGHT_BREAK,
        "only {} rules with a caught break: {caught:?}",
        caught.len()
    );
}
