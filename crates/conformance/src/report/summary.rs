//! The per-rule summary of a conformance run (`--summary-json FILE`), also the model the HTML
//! report is drawn from: for each rule and run (the default emulator or real servers, and each
//! server profile) its outcome, the readings its `@doc-conflict`/`@undocumented` scenarios
//! recorded and the exchange that decided it. Every text is redacted
//! ([`super::evidence::redact`]); exchanges carry no header value and no body.

use std::collections::BTreeMap;

use serde::Serialize;

use super::evidence::{Exchange, redact};
use super::{Outcome, ProfileRun, ScenarioRecord};
use crate::coverage::Coverage;
use crate::facts::Product;
use crate::target::Mode;

/// The name of the summary's format and its version.
pub const FORMAT: &str = "restpoint-conformance-summary/1";

/// How a rule (or a scenario) came out in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOutcome {
    /// Some scenario failed.
    Failed,
    /// Every scenario that ran passed and at least one recorded which documented reading the
    /// server follows (`@doc-conflict`) or what it answers (`@undocumented`).
    Recorded,
    /// Every scenario that ran passed.
    Passed,
    /// No scenario ran (each was skipped, with its reason).
    Skipped,
    /// The rule has no scenario at all.
    Uncovered,
}

impl RuleOutcome {
    /// The word shown in reports.
    pub fn word(self) -> &'static str {
        match self {
            RuleOutcome::Failed => "failed",
            RuleOutcome::Recorded => "recorded",
            RuleOutcome::Passed => "passed",
            RuleOutcome::Skipped => "skipped",
            RuleOutcome::Uncovered => "not covered",
        }
    }
}

/// The whole summary.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// [`FORMAT`].
    pub format: &'static str,
    /// The tool and its version.
    pub generator: String,
    /// `emulator` or `real`.
    pub mode: &'static str,
    /// The runs, in order: the default emulator (or real servers) first, then each profile.
    pub runs: Vec<RunInfo>,
    /// Scenario counts over every run.
    pub totals: Totals,
    /// Rules covered by a scenario out of the rules of the catalogue (when measured).
    pub coverage: Option<CoverageInfo>,
    /// One entry per rule and run.
    pub rules: Vec<RuleSummary>,
}

/// One run of the suite.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// The server profile, `None` for the default emulator or real servers.
    pub profile: Option<String>,
    /// What the run played: the profile's release, or the default.
    pub title: String,
    /// The one product the run checked, if only one.
    pub product: Option<&'static str>,
    /// Each product's base URL.
    pub targets: BTreeMap<&'static str, String>,
    /// Its scenario counts.
    pub totals: Totals,
}

/// Scenario counts.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Totals {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios not run.
    pub skipped: usize,
}

/// How many rules have scenarios.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageInfo {
    /// Rules with at least one scenario.
    pub covered: usize,
    /// Rules of the rule catalogue.
    pub rules: usize,
    /// Problems (uncovered rules, unknown tags).
    pub problems: Vec<String>,
}

/// One rule in one run.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSummary {
    /// The rule id, e.g. `EM-06`.
    pub rule: String,
    /// `em`, `vbr` or `zvm`.
    pub product: &'static str,
    /// The server profile of the run, `None` for the default emulator or real servers.
    pub profile: Option<String>,
    /// The outcome over the rule's scenarios.
    pub outcome: RuleOutcome,
    /// The rule's statement, from the rule catalogue.
    pub statement: Option<String>,
    /// The readings its scenarios recorded (`doc-conflict: follows ...`, `undocumented: ...`).
    pub readings: Vec<String>,
    /// The exchange that decided the outcome: the last one of the first failed scenario (else
    /// of the first that recorded a reading, else of the first that passed).
    pub evidence: Option<Exchange>,
    /// Each scenario of the rule in this run.
    pub scenarios: Vec<ScenarioSummary>,
}

/// One scenario of a rule.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioSummary {
    /// Its name.
    pub scenario: String,
    /// `features/<product>/<file>:<line>`.
    pub location: String,
    /// How it ended.
    pub outcome: RuleOutcome,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    /// What it recorded.
    pub readings: Vec<String>,
    /// Its exchanges, in order; the last decided it.
    pub exchanges: Vec<Exchange>,
}

fn scenario_outcome(r: &ScenarioRecord) -> RuleOutcome {
    match &r.outcome {
        Outcome::Failed(_) => RuleOutcome::Failed,
        Outcome::Skipped(_) => RuleOutcome::Skipped,
        Outcome::Passed if r.notes.is_empty() => RuleOutcome::Passed,
        Outcome::Passed => RuleOutcome::Recorded,
    }
}

fn totals(records: &[ScenarioRecord]) -> Totals {
    let mut t = Totals::default();
    for r in records {
        match r.outcome {
            Outcome::Passed => t.passed += 1,
            Outcome::Failed(_) => t.failed += 1,
            Outcome::Skipped(_) => t.skipped += 1,
        }
    }
    t
}

/// Sort key of a rule id: `EM-2` before `EM-10`.
pub(crate) fn rule_key(id: &str) -> (String, u32) {
    let (p, n) = id.split_once('-').unwrap_or((id, "0"));
    (p.to_owned(), n.parse::<u32>().unwrap_or(0))
}

fn scenario_summary(r: &ScenarioRecord) -> ScenarioSummary {
    ScenarioSummary {
        scenario: redact(&r.scenario),
        location: redact(&r.location),
        outcome: scenario_outcome(r),
        message: match &r.outcome {
            Outcome::Passed => None,
            Outcome::Failed(m) | Outcome::Skipped(m) => Some(redact(m)),
        },
        readings: r.notes.iter().map(|n| redact(n)).collect(),
        exchanges: r.evidence.iter().map(Exchange::redacted).collect(),
    }
}

impl RunSummary {
    /// The summary of `runs`.
    pub fn of_runs(runs: &[ProfileRun], mode: Mode, coverage: Option<&Coverage>) -> RunSummary {
        let statements: BTreeMap<&str, &str> = coverage
            .map(|c| {
                c.rules
                    .iter()
                    .map(|r| (r.id.as_str(), r.statement.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut rules = Vec::new();
        let mut all = Totals::default();
        let mut infos = Vec::new();
        for run in runs {
            let t = totals(&run.report.records);
            all.passed += t.passed;
            all.failed += t.failed;
            all.skipped += t.skipped;
            infos.push(RunInfo {
                profile: run.profile.map(|p| p.name.to_owned()),
                title: match run.profile {
                    Some(p) => redact(p.release),
                    None => match mode {
                        Mode::Emulator => "default emulator (the facts' defaults)".to_owned(),
                        Mode::Real => "real servers".to_owned(),
                    },
                },
                product: run.only.map(Product::short),
                targets: run
                    .targets
                    .iter()
                    .map(|(p, u)| (p.short(), redact(u)))
                    .collect(),
                totals: t,
            });
            // rule -> its scenarios in this run
            let mut by_rule: BTreeMap<String, Vec<&ScenarioRecord>> = BTreeMap::new();
            // The coverage rows belong to the default run only.
            if run.profile.is_none()
                && let Some(cov) = coverage
            {
                for rule in &cov.rules {
                    if run.only.is_none_or(|o| o == rule.product) {
                        by_rule.entry(rule.id.clone()).or_default();
                    }
                }
            }
            for rec in &run.report.records {
                for rule in &rec.rules {
                    if let Some(p) = Product::of_rule(rule)
                        && run.only.is_none_or(|o| o == p)
                    {
                        by_rule.entry(rule.clone()).or_default().push(rec);
                    }
                }
            }
            let mut entries: Vec<(String, Vec<&ScenarioRecord>)> = by_rule.into_iter().collect();
            entries.sort_by_key(|(id, _)| rule_key(id));
            for (rule, recs) in entries {
                let Some(product) = Product::of_rule(&rule) else {
                    continue;
                };
                let outcome = recs
                    .iter()
                    .map(|r| scenario_outcome(r))
                    .min()
                    .unwrap_or(RuleOutcome::Uncovered);
                // The deciding scenario: the first with the rule's outcome.
                let evidence = recs
                    .iter()
                    .find(|r| scenario_outcome(r) == outcome)
                    .and_then(|r| r.evidence.last())
                    .map(Exchange::redacted);
                let mut readings: Vec<String> = Vec::new();
                for r in &recs {
                    for n in &r.notes {
                        let n = redact(n);
                        if !readings.contains(&n) {
                            readings.push(n);
                        }
                    }
                }
                rules.push(RuleSummary {
                    statement: statements.get(rule.as_str()).map(|s| redact(s)),
                    product: product.short(),
                    profile: run.profile.map(|p| p.name.to_owned()),
                    outcome,
                    readings,
                    evidence,
                    scenarios: recs.iter().map(|r| scenario_summary(r)).collect(),
                    rule,
                });
            }
        }
        RunSummary {
            format: FORMAT,
            generator: format!("restpoint-conformance {}", env!("CARGO_PKG_VERSION")),
            mode: match mode {
                Mode::Emulator => "emulator",
                Mode::Real => "real",
            },
            runs: infos,
            totals: all,
            coverage: coverage.map(|c| CoverageInfo {
                covered: c.n_covered(),
                rules: c.rules.len(),
                problems: c.problems.iter().map(|p| redact(p)).collect(),
            }),
            rules,
        }
    }

    /// The summary as pretty-printed JSON.
    pub fn to_json(&self) -> anyhow::Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| anyhow::anyhow!("cannot write the summary: {e}"))
    }
}
