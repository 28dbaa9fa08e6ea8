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
