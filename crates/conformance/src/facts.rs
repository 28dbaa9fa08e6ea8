//! The rule list: parses `shared/docs/protocol-facts.md` into rule ids.

use std::path::{Path, PathBuf};

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

/// One rule of the protocol facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule id, e.g. `EM-06`.
    pub id: String,
    /// The product the rule belongs to.
    pub product: Product,
    /// The first line of the rule's text, for reports.
    pub summary: String,
    /// Whether the facts mark the rule `@doc-conflict`.
    pub doc_conflict: bool,
}

/// Where the protocol facts live in a checkout: `../shared/docs/protocol-facts.md` beside the
/// workspace root.
pub fn default_facts_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/docs/protocol-facts.md"
    ))
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

/// Parses the markdown of the protocol facts: every list item that starts with a rule id.
pub fn parse_rules(markdown: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("- ") {
            let id = rest.split_whitespace().next().unwrap_or_default();
            if is_rule_id(id) {
                let product = Product::of_rule(id).expect("checked by is_rule_id");
                rules.push(Rule {
                    id: id.to_owned(),
                    product,
                    summary: rest[id.len()..].trim().to_owned(),
                    doc_conflict: rest.contains("@doc-conflict"),
                });
                continue;
            }
        }
        // Continuation lines of a rule may carry its `@doc-conflict` mark.
        if let Some(last) = rules.last_mut()
            && line.starts_with("  ")
            && line.contains("@doc-conflict")
        {
            last.doc_conflict = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_conflict_marks() {
        let md = "## EM\n- EM-01 `GET /api/` answers.\n- EM-11 The documents disagree\n  carry the tag `@doc-conflict`, so.\n- not a rule\n- VBR-12 x (`@doc-conflict`).\n";
        let rules = parse_rules(md);
        let ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["EM-01", "EM-11", "VBR-12"]);
        assert!(!rules[0].doc_conflict);
        assert!(rules[1].doc_conflict);
        assert!(rules[2].doc_conflict);
    }

    #[test]
    fn rule_id_shape() {
        assert!(is_rule_id("EM-06"));
        assert!(is_rule_id("VBR-12"));
        assert!(!is_rule_id("emulator-only"));
        assert!(!is_rule_id("EM-"));
        assert!(!is_rule_id("XX-01"));
    }
}
