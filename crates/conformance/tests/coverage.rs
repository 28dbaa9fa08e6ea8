//! Every rule of the catalogue has a scenario, and every rule tag names a rule of the catalogue:
//! checked on the feature files built into the binary, which are the crate's `features/` folder.

use restpoint_conformance::coverage::{CLIENTS_FOLDER, Coverage, load_scenarios};
use restpoint_conformance::facts::catalogue;
use restpoint_conformance::features::FeatureSet;

#[test]
fn every_rule_is_covered_and_every_tag_is_known() {
    let rules = catalogue().expect("the rule catalogue");
    let scenarios = load_scenarios(&FeatureSet::embedded()).expect("feature files");
    assert!(!scenarios.is_empty(), "no scenarios found");
    let coverage = Coverage::compute(&rules, &scenarios);
    assert!(
        coverage.problems.is_empty(),
        "coverage problems:\n{}",
        coverage.problems.join("\n")
    );
    assert_eq!(coverage.n_covered(), rules.len());
    assert_eq!(rules.len(), 44);
}

#[test]
fn client_scenarios_cite_existing_rules() {
    let rules = catalogue().expect("the rule catalogue");
    let scenarios =
        load_scenarios(&FeatureSet::embedded().folder(CLIENTS_FOLDER)).expect("client features");
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
