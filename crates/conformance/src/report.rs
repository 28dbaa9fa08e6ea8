//! The final report: a table per product and rule, failures, readings of documented conflicts,
//! what undocumented cases answered, and coverage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

use crate::coverage::Coverage;
use crate::facts::{Product, is_rule_id};
use crate::target::Mode;

pub mod console;
pub mod evidence;
pub mod html;
pub mod summary;

pub use evidence::Exchange;
pub use summary::RunSummary;

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
    /// The server profile of the embedded emulator the scenario ran against (`None`: the
    /// default emulator, or real servers).
    pub profile: Option<String>,
    /// The HTTP exchanges the scenario made, in order (no secret: see [`Exchange`]); the last
    /// one decided its outcome.
    pub evidence: Vec<Exchange>,
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
            profile: None,
            evidence: Vec::new(),
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
        let run = ProfileRun {
            profile: None,
            only: None,
            targets: targets.clone(),
            report: Report {
                records: self.records.clone(),
            },
        };
        render_runs(std::slice::from_ref(&run), mode, coverage)
    }

    /// The table per product and rule of this report (only `only`'s, when given).
    fn render_tables(
        &self,
        out: &mut String,
        targets: &BTreeMap<Product, String>,
        coverage: Option<&Coverage>,
        only: Option<Product>,
    ) {
        for product in Product::ALL {
            if only.is_some_and(|o| o != product) {
                continue;
            }
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
    }
}

/// One run of the suite in a report: the default emulator (or real servers), or a server
/// profile of the embedded emulator.
#[derive(Debug)]
pub struct ProfileRun {
    /// The server profile (`None`: the default emulator, or real servers).
    pub profile: Option<&'static restpoint_emulator::Profile>,
    /// The one product the run checked (a profile's), or `None` for all.
    pub only: Option<Product>,
    /// The base URL of each product.
    pub targets: BTreeMap<Product, String>,
    /// Its scenario results.
    pub report: Report,
}

/// The report of several runs as text: a heading and a table per run (a profile's heading lists
/// its differences from the default with their rules), then the failures of every run, the
/// coverage and the counts per run.
pub fn render_runs(runs: &[ProfileRun], mode: Mode, coverage: Option<&Coverage>) -> String {
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
    let several = runs.len() > 1 || runs.iter().any(|r| r.profile.is_some());
    for run in runs {
        if several {
            let _ = writeln!(out);
            let _ = writeln!(out, "== {}", run_heading(run));
            if let Some(p) = run.profile {
                for d in p.differences {
                    let _ = writeln!(out, "   {:<7} {}", d.rule, d.setting);
                }
                if p.differences.is_empty() {
                    let _ = writeln!(
                        out,
                        "   no difference from the default (the facts name none for this release)"
                    );
                }
            }
        }
        // The coverage rows (NOT COVERED) belong to the default run only.
        let cov = if run.profile.is_none() {
            coverage
        } else {
            None
        };
        run.report
            .render_tables(&mut out, &run.targets, cov, run.only);
    }
    let failures: Vec<&ScenarioRecord> = runs
        .iter()
        .flat_map(|r| &r.report.records)
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Failures:");
        for r in failures {
            if let Outcome::Failed(msg) = &r.outcome {
                let profile = r
                    .profile
                    .as_deref()
                    .map(|p| format!("profile {p}: "))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {profile}[{}] {} ({})\n      {}",
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
            "Coverage: {} of {} rules of the rule catalogue have scenarios",
            cov.n_covered(),
            cov.rules.len()
        );
        for p in &cov.problems {
            let _ = writeln!(out, "  problem: {p}");
        }
    }
    let _ = writeln!(out);
    if several {
        for run in runs {
            let (passed, failed, skipped) = run.report.counts();
            let _ = writeln!(
                out,
                "  {:<12} {passed:>4} passed, {failed} failed, {skipped} skipped",
                run.profile.map(|p| p.name).unwrap_or("default")
            );
        }
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for run in runs {
        let (p, f, s) = run.report.counts();
        passed += p;
        failed += f;
        skipped += s;
    }
    let _ = writeln!(
        out,
        "conformance: {passed} passed, {failed} failed, {skipped} skipped"
    );
    out
}

/// Where `restpoint conform` writes its reports besides the text on standard output.
#[derive(Clone, Debug, Default)]
pub struct ReportFiles {
    /// The text report (as printed).
    pub text: Option<std::path::PathBuf>,
    /// The per-rule summary as JSON.
    pub summary_json: Option<std::path::PathBuf>,
    /// The HTML report.
    pub html: Option<std::path::PathBuf>,
}

/// Writes the text report, the summary JSON and the HTML report of `runs` where `files` says;
/// every text is redacted first ([`evidence::redact`]).
pub fn write_files(
    files: &ReportFiles,
    text: &str,
    runs: &[ProfileRun],
    mode: Mode,
    coverage: Option<&Coverage>,
) -> anyhow::Result<()> {
    let write = |path: &std::path::Path, content: &str| {
        std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
    };
    if let Some(path) = &files.text {
        write(path, &evidence::redact(text))?;
    }
    if files.summary_json.is_none() && files.html.is_none() {
        return Ok(());
    }
    let summary = RunSummary::of_runs(runs, mode, coverage);
    if let Some(path) = &files.summary_json {
        write(path, &summary.to_json()?)?;
    }
    if let Some(path) = &files.html {
        write(path, &html::render(&summary))?;
    }
    Ok(())
}

fn run_heading(run: &ProfileRun) -> String {
    match run.profile {
        Some(p) => format!("profile {}: {}", p.name, p.release),
        None => "default emulator (the facts' defaults)".to_owned(),
    }
}

/// Merges the JUnit reports of several runs into one `<testsuites>` document; the test suites
/// and cases of a profile's run carry the profile's name (`[vbr-13.1.0] Feature: ...`).
pub fn merge_junit(runs: &[(Option<String>, String)]) -> String {
    let mut body = String::new();
    for (profile, xml) in runs {
        let Some(open) = xml.find("<testsuites") else {
            continue;
        };
        let Some(open_end) = xml[open..].find('>').map(|i| open + i + 1) else {
            continue;
        };
        if xml[..open_end].ends_with("/>") {
            continue;
        }
        let end = xml.rfind("</testsuites>").unwrap_or(xml.len());
        let inner = xml.get(open_end..end).unwrap_or_default();
        match profile {
            None => body.push_str(inner),
            Some(p) => {
                let p = xml_escape(p);
                body.push_str(
                    &inner
                        .replace("<testsuite id=\"", &format!("<testsuite id=\"{p}-"))
                        .replace("name=\"Feature: ", &format!("name=\"[{p}] Feature: "))
                        .replace(
                            "package=\"testsuite/Feature: ",
                            &format!("package=\"testsuite/[{p}] Feature: "),
                        )
                        .replace("name=\"Scenario: ", &format!("name=\"[{p}] Scenario: "))
                        .replace(
                            "name=\"Scenarios not run against this target\"",
                            &format!("name=\"[{p}] Scenarios not run against this target\""),
                        )
                        .replace("classname=\"", &format!("classname=\"[{p}] ")),
                );
            }
        }
    }
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites>{body}</testsuites>")
}

/// Merges the Cucumber JSON reports of several runs into one array of features; the features
/// and scenarios of a profile's run carry the profile's name in `name` and `id`, and a tag
/// `@profile-<name>`.
pub fn merge_json(runs: &[(Option<String>, String)]) -> anyhow::Result<String> {
    use serde_json::Value;
    let mut all = Vec::new();
    for (profile, text) in runs {
        if text.trim().is_empty() {
            continue;
        }
        let features: Vec<Value> = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!("cucumber wrote a JSON report that does not parse: {e}")
        })?;
        for mut feature in features {
            if let Some(p) = profile {
                prefix_json(&mut feature, p);
                if let Some(elements) = feature.get_mut("elements").and_then(Value::as_array_mut) {
                    for e in elements {
                        prefix_json(e, p);
                    }
                }
                if let Some(tags) = feature.get_mut("tags").and_then(Value::as_array_mut) {
                    tags.push(serde_json::json!({ "name": format!("profile-{p}"), "line": 1 }));
                }
            }
            all.push(feature);
        }
    }
    serde_json::to_string(&all).map_err(|e| anyhow::anyhow!("cannot write the JSON report: {e}"))
}

fn prefix_json(v: &mut serde_json::Value, profile: &str) {
    if let Some(name) = v.get("name").and_then(|n| n.as_str()) {
        v["name"] = format!("[{profile}] {name}").into();
    }
    if let Some(id) = v.get("id").and_then(|n| n.as_str()) {
        v["id"] = format!("{profile};{id}").into();
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
    v.sort_by_key(|(id, _)| summary::rule_key(id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_junit_names_the_profile() {
        let default = "<?xml version=\"1.0\"?><testsuites><testsuite id=\"0\" name=\"Feature: A\" package=\"testsuite/Feature: A\"><testcase name=\"Scenario: s\"/></testsuite></testsuites>".to_owned();
        let prof = default.clone();
        let xml = merge_junit(&[(None, default), (Some("vbr-13.1.0".into()), prof)]);
        assert_eq!(xml.matches("<testsuites>").count(), 1, "{xml}");
        assert!(
            xml.contains("<testsuite id=\"0\" name=\"Feature: A\""),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite id=\"vbr-13.1.0-0\" name=\"[vbr-13.1.0] Feature: A\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"[vbr-13.1.0] Scenario: s\""), "{xml}");
        assert!(xml.ends_with("</testsuite></testsuites>"), "{xml}");
    }

    #[test]
    fn merged_json_names_the_profile() {
        let one = r#"[{"name":"F","id":"f","tags":[],"elements":[{"name":"S","id":"f/s"}]}]"#;
        let text = merge_json(&[(None, one.into()), (Some("zvm-10".into()), one.into())]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["name"], "F");
        assert_eq!(v[1]["name"], "[zvm-10] F");
        assert_eq!(v[1]["elements"][0]["name"], "[zvm-10] S");
        assert_eq!(v[1]["elements"][0]["id"], "zvm-10;f/s");
        assert_eq!(v[1]["tags"][0]["name"], "profile-zvm-10");
        assert!(merge_json(&[(None, "not json".into())]).is_err());
    }

    #[test]
    fn a_profile_run_has_its_heading_differences_and_counts() {
        let profile = restpoint_emulator::Profile::find("vbr-13.1.0").unwrap();
        let mut failed = ScenarioRecord::new(
            Some(Product::Vbr),
            "F",
            "S",
            "features/vbr/x.feature:3".into(),
            vec!["VBR-12".into()],
            Outcome::Failed("boom".into()),
            Vec::new(),
        );
        failed.profile = Some(profile.name.to_owned());
        let runs = [
            ProfileRun {
                profile: None,
                only: None,
                targets: BTreeMap::new(),
                report: Report::default(),
            },
            ProfileRun {
                profile: Some(profile),
                only: Some(Product::Vbr),
                targets: BTreeMap::new(),
                report: Report {
                    records: vec![failed],
                },
            },
        ];
        let text = render_runs(&runs, Mode::Emulator, None);
        assert!(text.contains("== default emulator"), "{text}");
        assert!(text.contains("== profile vbr-13.1.0: "), "{text}");
        assert!(
            text.contains("VBR-13  x-api-version 1.0-rev1 .. 1.3-rev2"),
            "{text}"
        );
        assert!(text.contains("profile vbr-13.1.0: [VBR-12] S"), "{text}");
        assert!(
            text.contains("vbr-13.1.0      0 passed, 1 failed"),
            "{text}"
        );
        assert!(
            text.contains("conformance: 0 passed, 1 failed, 0 skipped"),
            "{text}"
        );
    }

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
