//! The rule catalogue (`rules.toml`, built into the binary) names the same rules as the protocol
//! facts (`../shared/docs/protocol-facts.md`, revision 2), with the same `@doc-conflict` and
//! `@undocumented` marks, and states them in its own words. Reads `../shared`: fails under `CI`
//! when it is missing, skips loudly elsewhere.

use restpoint_conformance::facts::{catalogue, compare, load_rules};

#[test]
fn the_catalogue_has_the_ids_and_marks_of_the_facts() {
    let Some(path) = restpoint_testkit::shared_path("docs/protocol-facts.md") else {
        return;
    };
    let facts = load_rules(&path).expect("the protocol facts parse");
    let ours = catalogue().expect("the rule catalogue parses");
    assert_eq!(facts.len(), 44, "revision 2 has 44 rules");
    let differences = compare(&ours, &facts);
    assert!(
        differences.is_empty(),
        "the catalogue differs from {}:\n{}",
        path.display(),
        differences.join("\n")
    );
    let ids = |r: &[restpoint_conformance::facts::Rule]| {
        r.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&ours), ids(&facts), "the same rules in the same order");
}

#[test]
fn the_catalogue_states_the_rules_in_its_own_words() {
    let Some(path) = restpoint_testkit::shared_path("docs/protocol-facts.md") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("the protocol facts are readable");
    // A run of eight words copied from the facts is a copied sentence, not a restatement.
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace())
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let facts_words = words(&text).join(" ");
    let mut copied = Vec::new();
    for rule in catalogue().expect("the rule catalogue parses") {
        let w = words(&rule.statement);
        for run in w.windows(8) {
            if facts_words.contains(&run.join(" ")) {
                copied.push(format!("{}: \"{}\"", rule.id, run.join(" ")));
                break;
            }
        }
    }
    assert!(
        copied.is_empty(),
        "copied from the facts:\n{}",
        copied.join("\n")
    );
}
