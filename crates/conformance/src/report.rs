//! The final report: a table per product and rule, failures, readings of documented conflicts,
//! what undocumented cases answered, and coverage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use crate::coverage::Coverage;
use crate::facts::{Product, is_rule_id};
use crate::target::Mode;

/// How one scenario ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every step passed.
    Passed,
    /// A step failed; the message says why.
    Failed(String),
    /// Not run; the reason says why.
    Skipped(String),
}

/// One scenario's result.
#[derive(Clone, Debug)]
pub struct ScenarioRecord {
    /// The product of the feature file.
    pub product: Option<Product>,
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub scenario: String,
    /// `file:line`.
    pub location: String,
    /// The rule ids the scenario checks.
    pub rules: Vec<String>,
    /// All tags of the scenario.
    pub tags: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Observations: readings of documented conflicts, answers to undocumented cases.
    pub notes: Vec<String>,
}

impl ScenarioRecord {
    /// Builds a record from a scenario's tags.
    pub fn new(
        product: Option<Product>,
        feature: &str,
        scenario: &str,
        location: String,
        tags: Vec<String>,
        outcome: Outcome,
        notes: Vec<String>,
    ) -> ScenarioRecord {
        ScenarioRecord {
            product,
            feature: feature.to_owned(),
            scenario: scenario.to_owned(),
            location,
            rules: tags.iter().filter(|t| is_rule_id(t)).cloned().collect(),
            tags,
            outcome,
            notes,
        }
    }
}

/// Every scenario result of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// The records, in the order the scenarios ended.
    pub records: Vec<ScenarioRecord>,
}

/// The counts of a finished run and whether it succeeded.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios not run (no target, slow, emulator only).
    pub skipped: usize,
    /// Problems of the rule coverage (uncovered rules, unknown tags).
    pub coverage_problems: Vec<String>,
    /// Whether cucumber itself reported a failure (a parse error, a failed hook).
    pub execution_failed: bool,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The scenarios that failed.
    pub failures: Vec<ScenarioRecord>,
}

impl Summary {
    /// Whether the run passed: no failed scenario, no coverage problem, nothing else wrong.
    pub fn success(&self) -> bool {
        self.failed == 0 && self.coverage_problems.is_empty() && !self.execution_failed
    }

    /// `0` on success, `1` otherwise.
    pub fn exit_code(&self) -> ExitCode {
        if self.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct RuleRow {
    passed: usize,
    failed: usize,
    skipped: usize,
    reasons: Vec<String>,
}

impl Report {
    /// Counts of passed, failed and skipped scenarios.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in &self.records {
            match r.outcome {
                Outcome::Passed => c.0 += 1,
                Outcome::Failed(_) => c.1 += 1,
                Outcome::Skipped(_) => c.2 += 1,
            }
        }
        c
    }

    /// The report as text.
    pub fn render(
        &self,
        mode: Mode,
        targets: &BTreeMap<Product, String>,
        coverage: Option<&Coverage>,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "restpoint conformance report ({})",
            match mode {
                Mode::Emulator => "embedded emulator, virtual clock",
                Mode::Real => "real servers",
            }
        );
        for product in Product::ALL {
            let mut rows: BTreeMap<String, RuleRow> = BTreeMap::new();
            if let Some(cov) = coverage {
                for rule in cov.rules.iter().filter(|r| r.product == product) {
                    rows.entry(rule.id.clone()).or_default();
                }
            }
            for rec in &self.records {
                for rule in &rec.rules {
                    if Product::of_rule(rule) != Some(product) {
                        continue;
                    }
                    let row = rows.entry(rule.clone()).or_default();
                    match &rec.outcome {
                        Outcome::Passed => row.passed += 1,
                        Outcome::Failed(_) => {
                            row.failed += 1;
                            push_unique(&mut row.reasons, "FAILED: see below".to_owned());
                        }
                        Outcome::Skipped(why) => {
                            row.skipped += 1;
                            push_unique(&mut row.reasons, format!("skipped: {why}"));
                        }
                    }
                    for n in &rec.notes {
                        push_unique(&mut row.reasons, n.clone());
                    }
                }
            }
            if rows.is_empty() {
                continue;
            }
            let target = targets
                .get(&product)
                .map(String::as_str)
                .unwrap_or("no target");
            let _ = writeln!(out);
            let _ = writeln!(out, "{} at {target}", product.title());
            let _ = writeln!(
                out,
                "  {:<8} {:>6} {:>6} {:>7}  notes",
                "rule", "passed", "failed", "skipped"
            );
            for (rule, row) in sort_rules(rows) {
                let mut notes = row.reasons.clone();
                if row.passed + row.failed + row.skipped == 0 {
                    notes.insert(0, "NOT COVERED: no scenario".to_owned());
                }
                let first = notes.first().cloned().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<8} {:>6} {:>6} {:>7}  {}",
                    rule, row.passed, row.failed, row.skipped, first
                );
                for n in notes.iter().skip(1) {
                    let _ = writeln!(out, "  {:<8} {:>6} {:>6} {:>7}  {}", "", "", "", "", n);
                }
            }
        }
        let failures: Vec<&ScenarioRecord> = self
            .records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Failures:");
            for r in failures {
                if let Outcome::Failed(msg) = &r.outcome {
                    let _ = writeln!(
                        out,
                        "  [{}] {} ({})\n      {}",
                        r.rules.join(" "),
                        r.scenario,
                        r.location,
                        msg.replace('\n', "\n      ")
                    );
                }
            }
        }
        if let Some(cov) = coverage {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Coverage: {} of {} rules of the protocol facts have scenarios",
                cov.n_covered(),
                cov.rules.len()
            );
            for p in &cov.problems {
                let _ = writeln!(out, "  problem: {p}");
            }
        }
        let (passed, failed, skipped) = self.counts();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "conformance: {passed} passed, {failed} failed, {skipped} skipped"
        );
        out
    }
}

/// Adds the scenarios that were not run to a JUnit report written by cucumber, as one more
/// test suite whose test cases are `<skipped>` with the reason.
pub fn add_skipped_to_junit(xml: &str, records: &[ScenarioRecord]) -> String {
    let skipped: Vec<&ScenarioRecord> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
        .collect();
    let Some(end) = xml.rfind("</testsuites>") else {
        return xml.to_owned();
    };
    if skipped.is_empty() {
        return xml.to_owned();
    }
    let mut suite = format!(
        "<testsuite id=\"not-run\" name=\"Scenarios not run against this target\" tests=\"{n}\" errors=\"0\" failures=\"0\" skipped=\"{n}\">",
        n = skipped.len()
    );
    for r in skipped {
        if let Outcome::Skipped(reason) = &r.outcome {
            let _ = write!(
                suite,
                "<testcase name=\"{}\" classname=\"{}\"><skipped message=\"{}\"/></testcase>",
                xml_escape(&format!("Scenario: {}: {}", r.scenario, r.location)),
                xml_escape(&r.feature),
                xml_escape(reason)
            );
        }
    }
    suite.push_str("</testsuite>");
    format!("{}{}{}", &xml[..end], suite, &xml[end..])
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds a note unless one with the same text up to its "(answered ...)" detail is there.
fn push_unique(v: &mut Vec<String>, s: String) {
    let key = |n: &str| n.split(" (answered").next().unwrap_or(n).to_owned();
    let k = key(&s);
    if !v.iter().any(|n| key(n) == k) {
        v.push(s);
    }
}

/// Sorts `EM-2` before `EM-10`.
fn sort_rules(rows: BTreeMap<String, RuleRow>) -> Vec<(String, RuleRow)> {
    let mut v: Vec<(String, RuleRow)> = rows.into_iter().collect();
    v.sort_by_key(|(id, _)| {
        let (p, n) = id.split_once('-').unwrap_or((id, "0"));
        (p.to_owned(), n.parse::<u32>().unwrap_or(0))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_scenarios_join_the_junit_report() {
        let rec = ScenarioRecord::new(
            Some(Product::Em),
            "EM idle",
            "A session idle for 15 minutes expires",
            "features/em/timeout.feature:7".into(),
            vec!["EM-08".into(), "slow".into()],
            Outcome::Skipped("needs real waiting & more".into()),
            Vec::new(),
        );
        let xml = add_skipped_to_junit("<testsuites><testsuite/></testsuites>", &[rec]);
        assert!(
            xml.contains("<skipped message=\"needs real waiting &amp; more\"/>"),
            "{xml}"
        );
        assert!(xml.ends_with("</testsuite></testsuites>"), "{xml}");
    }
}
