//! The rule catalogue: the rules restpoint checks, in its own words (`rules.toml`, built into the
//! binary), and a reader of the protocol facts' markdown that the catalogue is checked against
//! (`tests/catalogue.rs`, and `restpoint conform --facts FILE`).

use std::path::Path;

use serde::Deserialize;
/// The product a rule, a feature file or a target belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Product {
    /// Veeam Backup Enterprise Manager.
    Em,
    /// Veeam Backup & Replication.
    Vbr,
    /// Zerto Virtual Manager.
    Zvm,
}

impl Product {
    /// Every product, in report order.
    pub const ALL: [Product; 3] = [Product::Em, Product::Vbr, Product::Zvm];

    /// The product a rule id belongs to (`EM-06` is [`Product::Em`]).
    pub fn of_rule(id: &str) -> Option<Product> {
        let prefix = id.split('-').next()?;
        match prefix {
            "EM" => Some(Product::Em),
            "VBR" => Some(Product::Vbr),
            "ZVM" => Some(Product::Zvm),
            _ => None,
        }
    }

    /// The lower-case short name used for folders and options (`em`, `vbr`, `zvm`).
    pub fn short(self) -> &'static str {
        match self {
            Product::Em => "em",
            Product::Vbr => "vbr",
            Product::Zvm => "zvm",
        }
    }

    /// The product's name for people.
    pub fn title(self) -> &'static str {
        match self {
            Product::Em => "Enterprise Manager (EM)",
            Product::Vbr => "Backup & Replication (VBR)",
            Product::Zvm => "Zerto Virtual Manager (ZVM)",
        }
    }
}

/// Where a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// The vendor's documentation or a file it publishes.
    Doc,
    /// Code written against real servers.
    Client,
    /// Reasoned from related products or defaults.
    Infer,
}

/// One rule of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule id, e.g. `EM-06`.
    pub id: String,
    /// The product the rule belongs to.
    pub product: Product,
    /// The rule in one line, for reports.
    pub statement: String,
    /// Where the rule comes from (`None` for rules read from the facts' markdown).
    pub grade: Option<Grade>,
    /// Whether the sources disagree (`@doc-conflict`): a run reports which reading a server follows.
    pub doc_conflict: bool,
    /// Whether the rule rests on no vendor statement (`@undocumented`): a run against a real server
    /// records the answer.
    pub undocumented: bool,
}

/// The text of the catalogue built into the binary (`crates/conformance/rules.toml`).
pub const CATALOGUE: &str = include_str!("../rules.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    rule: Vec<CatalogueEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueEntry {
    id: String,
    product: String,
    statement: String,
    grade: Grade,
    #[serde(default)]
    tags: Vec<String>,
}

/// The rules of the built-in catalogue, in its order.
pub fn catalogue() -> anyhow::Result<Vec<Rule>> {
    parse_catalogue(CATALOGUE)
}

/// Parses a catalogue (`rules.toml`): checks that every id is shaped like a rule id, belongs to
/// the product it names, appears once, has a one-line statement and only known tags.
pub fn parse_catalogue(text: &str) -> anyhow::Result<Vec<Rule>> {
    let file: CatalogueFile =
        toml::from_str(text).map_err(|e| anyhow::anyhow!("the rule catalogue is invalid: {e}"))?;
    let mut rules: Vec<Rule> = Vec::new();
    for entry in file.rule {
        let id = entry.id;
        anyhow::ensure!(is_rule_id(&id), "rule catalogue: {id:?} is not a rule id");
        let product = Product::of_rule(&id).expect("checked by is_rule_id");
        anyhow::ensure!(
            entry.product == product.short(),
            "rule catalogue: {id} names product {:?}, its id says {:?}",
            entry.product,
            product.short()
        );
        anyhow::ensure!(
            !rules.iter().any(|r| r.id == id),
            "rule catalogue: {id} appears twice"
        );
        let statement = entry.statement.trim().to_owned();
        anyhow::ensure!(
            !statement.is_empty() && !statement.contains('\n'),
            "rule catalogue: {id} needs a one-line statement"
        );
        for tag in &entry.tags {
            anyhow::ensure!(
                tag == "doc-conflict" || tag == "undocumented",
                "rule catalogue: {id} has the unknown tag {tag:?}"
            );
        }
        rules.push(Rule {
            doc_conflict: entry.tags.iter().any(|t| t == "doc-conflict"),
            undocumented: entry.tags.iter().any(|t| t == "undocumented"),
            id,
            product,
            statement,
            grade: Some(entry.grade),
        });
    }
    anyhow::ensure!(!rules.is_empty(), "the rule catalogue holds no rule");
    Ok(rules)
}

/// Whether a tag is shaped like a rule id (`EM-06`, `VBR-11`, `ZVM-09`).
pub fn is_rule_id(tag: &str) -> bool {
    let Some((prefix, number)) = tag.split_once('-') else {
        return false;
    };
    Product::of_rule(&format!("{prefix}-")).is_some()
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the markdown of the protocol facts: every list item that starts with a rule id, with
/// its `@doc-conflict` and `@undocumented` marks (on any line of the item).
pub fn parse_rules(markdown: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut in_rule = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("- ") {
            let id = rest.split_whitespace().next().unwrap_or_default();
            if is_rule_id(id) {
                let product = Product::of_rule(id).expect("checked by is_rule_id");
                rules.push(Rule {
                    id: id.to_owned(),
                    product,
                    statement: rest[id.len()..].trim().to_owned(),
                    grade: None,
                    doc_conflict: rest.contains("@doc-conflict"),
                    undocumented: rest.contains("@undocumented"),
                });
                in_rule = true;
                continue;
            }
            in_rule = false;
        }
        if !line.starts_with("  ") {
            in_rule = false;
        }
        // Continuation lines of a rule may carry its marks.
        if in_rule && let Some(last) = rules.last_mut() {
            last.doc_conflict |= line.contains("@doc-conflict");
            last.undocumented |= line.contains("@undocumented");
        }
    }
    rules
}

/// Reads and parses the protocol facts at `path`.
pub fn load_rules(path: &Path) -> anyhow::Result<Vec<Rule>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!("cannot read the protocol facts at {}: {e}", path.display())
    })?;
    let rules = parse_rules(&text);
    anyhow::ensure!(!rules.is_empty(), "no rule ids found in {}", path.display());
    Ok(rules)
}

/// Where the catalogue and the facts differ: ids present in one only, and rules whose
/// `doc-conflict` or `undocumented` mark differs. Empty when they agree.
pub fn compare(catalogue: &[Rule], facts: &[Rule]) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        match catalogue.iter().find(|c| c.id == f.id) {
            None => out.push(format!(
                "{} is a rule of the facts but not of the catalogue",
                f.id
            )),
            Some(c) => {
                for (mark, ours, theirs) in [
                    ("doc-conflict", c.doc_conflict, f.doc_conflict),
                    ("undocumented", c.undocumented, f.undocumented),
                ] {
                    if ours != theirs {
                        out.push(format!(
                            "{}: the catalogue {} @{mark}, the facts {}",
                            f.id,
                            if ours { "has" } else { "lacks" },
                            if theirs { "have it" } else { "do not" }
                        ));
                    }
                }
            }
        }
    }
    for c in catalogue {
        if !facts.iter().any(|f| f.id == c.id) {
            out.push(format!(
                "{} is in the catalogue but not a rule of the facts",
                c.id
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_marks() {
        let md = "## EM\n- EM-01 `GET /api/` answers.\n- EM-11 The documents disagree\n  carry the tag `@doc-conflict`, so.\n- not a rule\n  `@undocumented` here belongs to no rule\n- VBR-12 x (`@doc-conflict`).\n- VBR-13 y\n  z `@undocumented`.\n";
        let rules = parse_rules(md);
        let ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["EM-01", "EM-11", "VBR-12", "VBR-13"]);
        let marks: Vec<_> = rules
            .iter()
            .map(|r| (r.doc_conflict, r.undocumented))
            .collect();
        assert_eq!(
            marks,
            [(false, false), (true, false), (true, false), (false, true)]
        );
    }

    #[test]
    fn rule_id_shape() {
        assert!(is_rule_id("EM-06"));
        assert!(is_rule_id("VBR-12"));
        assert!(!is_rule_id("emulator-only"));
        assert!(!is_rule_id("EM-"));
        assert!(!is_rule_id("XX-01"));
    }

    #[test]
    fn the_built_in_catalogue_holds_the_44_rules_of_revision_2() {
        let rules = catalogue().expect("rules.toml parses");
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, restpoint_emulator::profile::RULE_IDS);
        for p in Product::ALL {
            let n = rules.iter().filter(|r| r.product == p).count();
            assert_eq!(n, if p == Product::Em { 16 } else { 14 }, "{p:?}");
        }
    }

    #[test]
    fn a_bad_catalogue_is_refused_with_a_reason() {
        let entry = |id: &str, product: &str, tags: &str| {
            format!(
                "[[rule]]\nid = \"{id}\"\nproduct = \"{product}\"\nstatement = \"s\"\ngrade = \"doc\"\ntags = [{tags}]\n"
            )
        };
        let err = |text: String| parse_catalogue(&text).unwrap_err().to_string();
        assert!(err(entry("EM-1x", "em", "")).contains("not a rule id"));
        assert!(err(entry("EM-01", "vbr", "")).contains("names product"));
        assert!(err(entry("EM-01", "em", "\"slow\"")).contains("unknown tag"));
        assert!(err(entry("EM-01", "em", "") + &entry("EM-01", "em", "")).contains("twice"));
        assert!(err("[[rule]]\nid = \"EM-01\"\n".into()).contains("invalid"));
        let ok = parse_catalogue(&entry("EM-02", "em", "\"undocumented\"")).unwrap();
        assert!(ok[0].undocumented && !ok[0].doc_conflict);
        assert_eq!(ok[0].grade, Some(Grade::Doc));
    }

    #[test]
    fn compare_names_every_difference() {
        let ours = parse_rules("- EM-01 a\n- EM-02 b `@undocumented`\n- EM-03 c\n");
        let facts =
            parse_rules("- EM-01 a `@doc-conflict`\n- EM-02 b `@undocumented`\n- EM-04 d\n");
        let diff = compare(&ours, &facts).join("\n");
        assert!(
            diff.contains("EM-01: the catalogue lacks @doc-conflict"),
            "{diff}"
        );
        assert!(
            diff.contains("EM-04 is a rule of the facts but not"),
            "{diff}"
        );
        assert!(diff.contains("EM-03 is in the catalogue but not"), "{diff}");
        assert!(!diff.contains("EM-02"), "{diff}");
        assert!(compare(&ours, &ours).is_empty());
    }
}
