//! Coverage of the rule catalogue by the feature files: which rule has which scenarios, and what
//! is missing or misnamed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::facts::{Product, Rule, is_rule_id};
use crate::features::{FeatureSet, parent_name};

/// Tags that are not rule ids but have a meaning to the runner.
pub const KNOWN_TAGS: &[&str] = &[
    "doc-conflict",
    "undocumented",
    "emulator-only",
    "slow",
    "needs-em",
    "needs-vbr",
    "needs-zvm",
    "zvm-windows",
    "zvm-appliance",
    "wrong-password",
];

/// Whether `tag` is `needs-vbr-<revision>` (`needs-vbr-1.3-rev2`): the scenario asks VBR for that
/// `x-api-version`, so a server (profile) that does not serve it skips the scenario.
pub fn is_revision_tag(tag: &str) -> bool {
    tag.strip_prefix("needs-vbr-").is_some_and(|r| {
        r.split_once("-rev").is_some_and(|(mm, n)| {
            mm.split_once('.').is_some_and(|(a, b)| {
                [a, b, n]
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
            })
        })
    })
}

/// The folder of `features/` that holds the scenarios of restpoint's own clients.
pub const CLIENTS_FOLDER: &str = "clients";

/// One scenario of a feature file, as the coverage check sees it.
#[derive(Clone, Debug)]
pub struct ScenarioInfo {
    /// The product of the folder the feature file is in (`features/em/...`).
    pub product: Option<Product>,
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub name: String,
    /// The feature file.
    pub path: PathBuf,
    /// The scenario's line in the file.
    pub line: usize,
    /// The scenario's tags and its feature's, without the `@`.
    pub tags: Vec<String>,
}

impl ScenarioInfo {
    /// The rule ids among the tags.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.tags
            .iter()
            .map(String::as_str)
            .filter(|t| is_rule_id(t))
    }

    /// Whether the scenario carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// `file:line`, for messages.
    pub fn location(&self) -> String {
        format!("{}:{}", self.path.display(), self.line)
    }
}

/// The product whose folder holds `path` (`.../features/vbr/logon.feature` is VBR).
pub fn product_of_path(path: &Path) -> Option<Product> {
    let folder = path.parent()?.file_name()?.to_str()?;
    Product::ALL.into_iter().find(|p| p.short() == folder)
}

/// Parses the feature files of `set` into their scenarios. The `clients/` folder checks
/// restpoint's own clients (`tests/clients.rs`), not a server: it is left out unless `set` holds
/// nothing else.
pub fn load_scenarios(set: &FeatureSet) -> anyhow::Result<Vec<ScenarioInfo>> {
    let only_clients = set
        .files
        .iter()
        .all(|f| parent_name(&f.path) == Some(CLIENTS_FOLDER));
    let mut out = Vec::new();
    for feature in set.parse()? {
        let path = feature.path.clone().unwrap_or_default();
        if !only_clients && parent_name(&path) == Some(CLIENTS_FOLDER) {
            continue;
        }
        let scenarios = feature
            .scenarios
            .iter()
            .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()));
        for scenario in scenarios {
            let mut tags = feature.tags.clone();
            tags.extend(scenario.tags.iter().cloned());
            out.push(ScenarioInfo {
                product: product_of_path(&path),
                feature: feature.name.clone(),
                name: scenario.name.clone(),
                path: path.clone(),
                line: scenario.position.line,
                tags,
            });
        }
    }
    Ok(out)
}

/// How the feature files cover the rules.
#[derive(Clone, Debug)]
pub struct Coverage {
    /// The rules of the catalogue, in its order.
    pub rules: Vec<Rule>,
    /// For every rule id, the scenarios that cite it.
    pub scenarios_by_rule: BTreeMap<String, Vec<ScenarioInfo>>,
    /// Everything wrong: uncovered rules, unknown tags, misplaced scenarios.
    pub problems: Vec<String>,
}

impl Coverage {
    /// Checks `scenarios` against `rules`.
    pub fn compute(rules: &[Rule], scenarios: &[ScenarioInfo]) -> Coverage {
        let mut problems = Vec::new();
        let mut by_rule: BTreeMap<String, Vec<ScenarioInfo>> =
            rules.iter().map(|r| (r.id.clone(), Vec::new())).collect();
        for s in scenarios {
            if s.product.is_none() {
                problems.push(format!(
                    "{}: feature file is not in a product folder (features/em, features/vbr, features/zvm)",
                    s.location()
                ));
            }
            let mut n_rules = 0;
            for tag in &s.tags {
                if is_rule_id(tag) {
                    n_rules += 1;
                    match by_rule.get_mut(tag) {
                        Some(list) => list.push(s.clone()),
                        None => problems.push(format!(
                            "{}: scenario \"{}\" cites @{tag}, which is not a rule of the catalogue",
                            s.location(),
                            s.name
                        )),
                    }
                    if let (Some(folder), Some(rule_product)) = (s.product, Product::of_rule(tag))
                        && folder != rule_product
                    {
                        problems.push(format!(
                            "{}: scenario \"{}\" cites @{tag} but lives in features/{}",
                            s.location(),
                            s.name,
                            folder.short()
                        ));
                    }
                } else if !KNOWN_TAGS.contains(&tag.as_str()) && !is_revision_tag(tag) {
                    problems.push(format!(
                        "{}: scenario \"{}\" has the unknown tag @{tag}",
                        s.location(),
                        s.name
                    ));
                }
            }
            if n_rules == 0 {
                problems.push(format!(
                    "{}: scenario \"{}\" cites no rule id",
                    s.location(),
                    s.name
                ));
            }
        }
        for rule in rules {
            let list = &by_rule[&rule.id];
            if list.is_empty() {
                problems.push(format!("rule {} has no scenario", rule.id));
            } else if rule.doc_conflict && !list.iter().any(|s| s.has_tag("doc-conflict")) {
                problems.push(format!(
                    "rule {} is a documented conflict but none of its scenarios carries @doc-conflict",
                    rule.id
                ));
            } else if rule.undocumented && !list.iter().any(|s| s.has_tag("undocumented")) {
                problems.push(format!(
                    "rule {} is undocumented but none of its scenarios carries @undocumented",
                    rule.id
                ));
            }
        }
        Coverage {
            rules: rules.to_vec(),
            scenarios_by_rule: by_rule,
            problems,
        }
    }

    /// The number of rules with at least one scenario.
    pub fn n_covered(&self) -> usize {
        self.scenarios_by_rule
            .values()
            .filter(|l| !l.is_empty())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse_rules;

    fn scenario(product: Product, tags: &[&str]) -> ScenarioInfo {
        ScenarioInfo {
            product: Some(product),
            feature: "f".into(),
            name: "s".into(),
            path: PathBuf::from(format!("features/{}/x.feature", product.short())),
            line: 1,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn flags_uncovered_and_unknown() {
        let rules = parse_rules("- EM-01 a\n- EM-02 b (`@doc-conflict`)\n");
        let cov = Coverage::compute(
            &rules,
            &[
                scenario(Product::Em, &["EM-01"]),
                scenario(Product::Em, &["EM-99", "slowish"]),
            ],
        );
        let text = cov.problems.join("\n");
        assert!(text.contains("rule EM-02 has no scenario"), "{text}");
        assert!(text.contains("@EM-99"), "{text}");
        assert!(text.contains("@slowish"), "{text}");
        assert_eq!(cov.n_covered(), 1);
    }

    #[test]
    fn flags_missing_conflict_tag_and_wrong_folder() {
        let rules = parse_rules("- EM-02 b (`@doc-conflict`)\n- VBR-01 c\n");
        let cov = Coverage::compute(
            &rules,
            &[
                scenario(Product::Em, &["EM-02"]),
                scenario(Product::Em, &["VBR-01"]),
            ],
        );
        let text = cov.problems.join("\n");
        assert!(
            text.contains("none of its scenarios carries @doc-conflict"),
            "{text}"
        );
        assert!(text.contains("lives in features/em"), "{text}");
    }
}
