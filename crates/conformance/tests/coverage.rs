//! Every rule of the protocol facts has a scenario, and every rule tag names a real rule.

use restpoint_conformance::coverage::{Coverage, default_features_dir, load_scenarios};
use restpoint_conformance::facts::{default_facts_path, load_rules};

#[test]
fn every_rule_is_covered_and_every_tag_is_known() {
    let facts = default_facts_path();
    if !facts.exists() {
        // The facts live beside the checkout (../shared); without them there is nothing to check.
        eprintln!("skipped: {} is absent", facts.display());
        return;
    }
    let rules = load_rules(&facts).expect("protocol facts");
    let scenarios = load_scenarios(&default_features_dir()).expect("feature files");
    assert!(!scenarios.is_empty(), "no scenarios found");
    let coverage = Coverage::compute(&rules, &scenarios);
    assert!(
        coverage.problems.is_empty(),
        "coverage problems:\n{}",
        coverage.problems.join("\n")
    );
    assert_eq!(coverage.n_covered(), rules.len());
}

#[test]
fn client_scenarios_cite_existing_rules() {
    let facts = default_facts_path();
    if !facts.exists() {
        eprintln!("skipped: {} is absent", facts.display());
        return;
    }
    let rules = load_rules(&facts).expect("protocol facts");
    let dir = default_features_dir().join(restpoint_conformance::coverage::CLIENTS_FOLDER);
    let scenarios = load_scenarios(&dir).expect("client feature files");
    assert!(!scenarios.is_empty(), "no client scenarios found");
    let mut problems = Vec::new();
    for s in &scenarios {
        let cited: Vec<&str> = s.rule_ids().collect();
        if cited.is_empty() {
            problems.push(format!("{}: cites no rule", s.location()));
        }
        for id in cited {
            if !rules.iter().any(|r| r.id == id) {
                problems.push(format!("{}: @{id} is not a rule", s.location()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
