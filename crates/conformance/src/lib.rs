#![doc = include_str!("../README.md")]

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use cucumber::writer::{self, Coloring, Verbosity};
use cucumber::{ScenarioType, StatsWriter as _, WriterExt as _, event, gherkin};
use futures::FutureExt as _;

pub mod answer;
mod args;
pub mod coverage;
mod emulator;
pub mod exit;
pub mod facts;
pub mod features;
mod list;
mod preflight;
pub mod report;
mod steps;
pub mod target;
mod world;

pub use args::{ConformArgs, ZvmKind};
pub use exit::{PreflightFailed, UsageError};
pub use list::{Plan, list};
pub use report::{Outcome, Report, ScenarioRecord, Summary};
use restpoint_emulator::Profile;
pub use world::ConformWorld;

use crate::coverage::{Coverage, product_of_path};
use crate::facts::Product;
use crate::features::FeatureSet;
use crate::target::{Context, Mode};

/// Runs the conformance suite as `args` say and prints the report. The returned [`Summary`]
/// tells whether the run passed ([`Summary::exit_code`]).
///
/// Against the embedded emulator the suite runs against the default emulator and then against
/// every server profile ([`restpoint_emulator::Profile::all`]), each profile with the scenarios
/// of its product only; `--profile NAME` runs one (`--profile default`: the default emulator
/// only). An unknown name is a [`restpoint_emulator::UnknownProfile`] error.
///
/// Against real servers every target first passes a pre-flight (one logon and logoff each); a
/// failure is a [`PreflightFailed`] error and no scenario runs. A bad option is a
/// [`UsageError`]. [`exit::exit_code`] turns the result into the process's exit code. With
/// `--list` use [`list`] instead.
pub async fn run(args: ConformArgs) -> anyhow::Result<Summary> {
    if args.list {
        return Err(
            UsageError("--list sends nothing: call restpoint_conformance::list".into()).into(),
        );
    }
    let targets = targets_of(&args)?;
    run_targets(args, targets).await
}

/// The runs `args` ask for: real servers, or the default emulator and the server profiles.
fn targets_of(args: &ConformArgs) -> anyhow::Result<Vec<Target>> {
    if args.has_real_target() {
        if args.profile.is_some() {
            return Err(UsageError(
                "--profile picks a server profile of the embedded emulator; it cannot be used with --em, --vbr or --zvm".into(),
            )
            .into());
        }
        return Ok(vec![Target::default_emulator(None)]);
    }
    Ok(match args.profile.as_deref() {
        Some(name) if name.trim().eq_ignore_ascii_case(DEFAULT_PROFILE) => {
            vec![Target::default_emulator(None)]
        }
        Some(name) => vec![Target::profile(Profile::find(name)?)],
        None => std::iter::once(Target::default_emulator(None))
            .chain(Profile::all().iter().map(Target::profile))
            .collect(),
    })
}

/// Like [`run`], but one run only: an embedded emulator (when no real target is named) starts
/// with `config` instead of its test configuration, and no server profile runs. Tests use it to
/// check that the suite notices an emulator that breaks a rule.
pub async fn run_with_emulator(
    args: ConformArgs,
    config: Option<restpoint_emulator::EmulatorConfig>,
) -> anyhow::Result<Summary> {
    run_targets(args, vec![Target::default_emulator(config)]).await
}

/// The name `--profile` takes for the default emulator.
pub const DEFAULT_PROFILE: &str = "default";

/// One run of the suite: the default emulator (or real servers), or a server profile.
pub(crate) struct Target {
    profile: Option<&'static Profile>,
    config: Option<restpoint_emulator::EmulatorConfig>,
}

impl Target {
    fn default_emulator(config: Option<restpoint_emulator::EmulatorConfig>) -> Target {
        Target {
            profile: None,
            config,
        }
    }

    fn profile(profile: &'static Profile) -> Target {
        let mut config = restpoint_emulator::EmulatorConfig::for_tests();
        profile.apply(&mut config);
        Target {
            profile: Some(profile),
            config: Some(config),
        }
    }
}

/// The scenarios' product for a profile's product.
pub(crate) fn product_of_profile(p: &Profile) -> Product {
    match p.product {
        restpoint_emulator::Product::Em => Product::Em,
        restpoint_emulator::Product::Vbr => Product::Vbr,
        restpoint_emulator::Product::Zvm => Product::Zvm,
    }
}

/// The ZVM kind the suite expects from a profile's emulator.
pub(crate) fn zvm_kind_of(kind: restpoint_emulator::ZvmKind) -> ZvmKind {
    match kind {
        restpoint_emulator::ZvmKind::Both => ZvmKind::Both,
        restpoint_emulator::ZvmKind::Windows => ZvmKind::Windows,
        restpoint_emulator::ZvmKind::Appliance => ZvmKind::Appliance,
    }
}

async fn run_targets(args: ConformArgs, targets: Vec<Target>) -> anyhow::Result<Summary> {
    let started = Instant::now();
    // The feature files and the rule catalogue are built into the binary; `--features DIR`
    // replaces the former. Coverage is always measured: a run that cannot measure it fails.
    let features = FeatureSet::from_option(args.features.as_deref())?;
    let scenarios = coverage::load_scenarios(&features)?;
    let rules = facts::catalogue().context("coverage cannot be measured")?;
    let mut coverage = Coverage::compute(&rules, &scenarios);
    if let Some(path) = &args.facts {
        let facts = facts::load_rules(path).context("--facts")?;
        coverage.problems.extend(
            facts::compare(&rules, &facts)
                .into_iter()
                .map(|d| format!("rule catalogue vs {}: {d}", path.display())),
        );
    }
    let coverage = Some(coverage);

    let mut runs = Vec::new();
    let mut execution_failed = false;
    let mut junit = Vec::new();
    let mut json = Vec::new();
    let mut mode = Mode::Emulator;
    for target in targets {
        let run = run_target(&args, &features, target).await?;
        mode = run.mode;
        execution_failed |= run.execution_failed;
        junit.push((run.profile.clone(), run.junit));
        json.push((run.profile.clone(), run.json));
        runs.push(run.run);
    }

    if let Some(path) = &args.junit {
        std::fs::write(path, report::evidence::redact(&report::merge_junit(&junit)))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, report::evidence::redact(&report::merge_json(&json)?))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = report::evidence::redact(&report::render_runs(&runs, mode, coverage.as_ref()));
    let files = report::ReportFiles {
        text: args.text.clone(),
        summary_json: args.summary_json.clone(),
        html: args.html.clone(),
    };
    report::write_files(&files, &text, &runs, mode, coverage.as_ref())?;
    let elapsed = started.elapsed();
    // print! (not a raw stdout handle), so that a test harness captures it.
    print!("{text}");
    println!("conformance: run took {:.1} s", elapsed.as_secs_f64());

    let records: Vec<&ScenarioRecord> = runs.iter().flat_map(|r| &r.report.records).collect();
    let count = |f: fn(&Outcome) -> bool| records.iter().filter(|r| f(&r.outcome)).count();
    Ok(Summary {
        passed: count(|o| matches!(o, Outcome::Passed)),
        failed: count(|o| matches!(o, Outcome::Failed(_))),
        skipped: count(|o| matches!(o, Outcome::Skipped(_))),
        coverage_problems: coverage.map(|c| c.problems).unwrap_or_default(),
        execution_failed,
        elapsed,
        failures: records
            .into_iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
            .cloned()
            .collect(),
    })
}

/// What one run of the suite produced.
struct TargetRun {
    mode: Mode,
    profile: Option<String>,
    execution_failed: bool,
    run: report::ProfileRun,
    junit: String,
    json: String,
}

async fn run_target(
    args: &ConformArgs,
    features: &FeatureSet,
    target: Target,
) -> anyhow::Result<TargetRun> {
    let mut ctx = Context::from_args(args, target.config.clone()).await?;
    if let (Some(p), Some(config)) = (target.profile, &target.config) {
        ctx.profile = Some(p.name.to_owned());
        ctx.zvm_kind = zvm_kind_of(config.behaviour.zvm_kind);
    }
    let ctx = Arc::new(ctx);
    let mut targets = BTreeMap::new();
    for p in Product::ALL {
        if let Some(u) = ctx.origin(p) {
            targets.insert(p, u.as_str().trim_end_matches('/').to_owned());
        }
    }
    let mode = ctx.mode;
    world::install_context(Some(ctx.clone()));
    let report = Arc::new(Mutex::new(Report::default()));
    let junit = SharedBuf::default();
    let json = SharedBuf::default();
    let only = target.profile.map(product_of_profile);
    let outputs = Outputs {
        junit: args.junit.as_ref().map(|_| junit.clone()),
        json: args.json.as_ref().map(|_| json.clone()),
    };
    let result = run_cucumber(args, features, ctx.clone(), report.clone(), only, outputs).await;
    world::install_context(None);
    let execution_failed = result?;
    drop(ctx);

    let mut report = std::mem::take(&mut *report.lock().unwrap_or_else(|e| e.into_inner()));
    let profile = target.profile.map(|p| p.name.to_owned());
    for r in &mut report.records {
        r.profile.clone_from(&profile);
    }
    let junit = report::add_skipped_to_junit(&junit.text(), &report.records);
    Ok(TargetRun {
        mode,
        profile,
        execution_failed,
        run: report::ProfileRun {
            profile: target.profile,
            only,
            targets,
            report,
        },
        junit,
        json: json.text(),
    })
}

/// Where cucumber writes the JUnit and JSON reports of one run (merged afterwards).
struct Outputs {
    junit: Option<SharedBuf>,
    json: Option<SharedBuf>,
}

/// An in-memory `Write` that can be read back after cucumber has finished with it.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn output(buf: Option<SharedBuf>) -> Box<dyn Write> {
    match buf {
        Some(b) => Box::new(b),
        None => Box::new(io::sink()),
    }
}

pub(crate) fn tags_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Vec<String> {
    let mut tags = feature.tags.clone();
    tags.extend(scenario.tags.iter().cloned());
    tags
}

pub(crate) fn location(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> String {
    // The path the feature set gives the file (crates/conformance/features/... when embedded).
    let file = feature
        .path
        .as_ref()
        .map_or_else(|| feature.name.clone(), |p| p.display().to_string());
    format!("{file}:{}", scenario.position.line)
}

/// Why a scenario is not run against this target, if it is not.
fn skip_reason(
    ctx: &Context,
    include_slow: bool,
    product: Option<Product>,
    tags: &[String],
) -> Option<String> {
    let has = |t: &str| tags.iter().any(|x| x == t);
    if let Some(p) = product
        && ctx.origin(p).is_none()
    {
        return Some(format!("no --{} target given", p.short()));
    }
    for p in Product::ALL {
        if has(&format!("needs-{}", p.short())) && ctx.origin(p).is_none() {
            return Some(format!("also needs a --{} target", p.short()));
        }
    }
    if ctx.zvm_kind == ZvmKind::Appliance && (has("zvm-windows") || has("needs-zvm")) {
        return Some(
            "the ZVM is an Appliance (--zvm-kind appliance): /v1/session/add is replaced by OpenID Connect (ZVM-09)"
                .to_owned(),
        );
    }
    if ctx.zvm_kind == ZvmKind::Windows && has("zvm-appliance") {
        return Some(
            "the ZVM runs on Windows (--zvm-kind windows): no OpenID Connect token endpoint"
                .to_owned(),
        );
    }
    // `@needs-vbr-1.3-rev2`: the scenario asks for that revision; a server profile that predates
    // it cannot answer (VBR-13). Against a real server the scenario runs and its answer counts.
    if let Some(served) = ctx.vbr_served.as_deref()
        && let Some(needed) = tags.iter().find_map(|t| t.strip_prefix("needs-vbr-"))
        && !served.iter().any(|v| v.eq_ignore_ascii_case(needed))
    {
        return Some(format!(
            "the server does not serve x-api-version {needed} (VBR-13: it serves up to {})",
            served.last().map_or("none", String::as_str)
        ));
    }
    if ctx.mode == Mode::Real && has("emulator-only") {
        return Some(
            "emulator only: changes server settings, injects faults or needs emulator accounts; refused against a real server"
                .to_owned(),
        );
    }
    if has("wrong-password") && !ctx.allow_wrong_password {
        return Some(
            "sends a wrong password for the real account, which counts towards its lockout; pass --allow-wrong-password-checks (the unknown-user checks cover the rule without it)"
                .to_owned(),
        );
    }
    if ctx.mode == Mode::Real && has("slow") && !include_slow {
        return Some("needs real waiting (15-30 minutes or more); pass --include-slow".to_owned());
    }
    None
}

/// What a run does with one scenario.
pub(crate) enum Decision {
    /// Not part of this run (the clients' feature set, another profile's product, `--tag`).
    Excluded,
    /// Runs.
    Run,
    /// Skipped, with the reason.
    Skip(String),
}

/// The choices of a run that decide which scenarios it takes.
#[derive(Clone)]
pub(crate) struct Selection {
    /// `--tag` values without `@`.
    pub wanted: Vec<String>,
    /// A server profile's product: only its scenarios.
    pub only: Option<Product>,
    /// `--include-slow`.
    pub include_slow: bool,
}

impl Selection {
    fn new(args: &ConformArgs, only: Option<Product>) -> Selection {
        Selection {
            wanted: args
                .tags
                .iter()
                .map(|t| t.trim_start_matches('@').to_owned())
                .collect(),
            only,
            include_slow: args.include_slow,
        }
    }
}

/// Whether `scenario` runs against `ctx`, is skipped (and why), or is not part of the run.
pub(crate) fn decide(
    ctx: &Context,
    selection: &Selection,
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
) -> Decision {
    let in_clients_folder = feature
        .path
        .as_deref()
        .and_then(|p| p.parent()?.file_name())
        .is_some_and(|n| n == coverage::CLIENTS_FOLDER);
    if in_clients_folder {
        return Decision::Excluded;
    }
    let tags = tags_of(feature, scenario);
    if !selection.wanted.is_empty() && !tags.iter().any(|t| selection.wanted.contains(t)) {
        return Decision::Excluded;
    }
    let product = feature.path.as_deref().and_then(product_of_path);
    // A server profile plays one product: only that product's scenarios run against it.
    if selection.only.is_some() && product != selection.only {
        return Decision::Excluded;
    }
    match skip_reason(ctx, selection.include_slow, product, &tags) {
        None => Decision::Run,
        Some(reason) => Decision::Skip(reason),
    }
}

fn panic_message(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_owned()
    } else {
        "the step panicked".to_owned()
    }
}

/// Gives a before-hook closure the higher-ranked signature cucumber wants.
fn before_hook<F>(f: F) -> F
where
    F: for<'a> Fn(
        &'a gherkin::Feature,
        Option<&'a gherkin::Rule>,
        &'a gherkin::Scenario,
        &'a mut ConformWorld,
    ) -> futures::future::LocalBoxFuture<'a, ()>,
{
    f
}

/// Gives an after-hook closure the higher-ranked signature cucumber wants.
fn after_hook<F>(f: F) -> F
where
    F: for<'a> Fn(
        &'a gherkin::Feature,
        Option<&'a gherkin::Rule>,
        &'a gherkin::Scenario,
        &'a event::ScenarioFinished,
        Option<&'a mut ConformWorld>,
    ) -> futures::future::LocalBoxFuture<'a, ()>,
{
    f
}

async fn run_cucumber(
    args: &ConformArgs,
    features: &FeatureSet,
    ctx: Arc<Context>,
    report: Arc<Mutex<Report>>,
    only: Option<Product>,
    outputs: Outputs,
) -> anyhow::Result<bool> {
    let progress: Box<dyn Write> = if args.quiet {
        Box::new(io::sink())
    } else {
        Box::new(report::console::RedactingWriter::new(io::stdout()))
    };
    let writer = writer::Basic::new(progress, Coloring::Auto, Verbosity::Default)
        .summarized()
        .tee::<ConformWorld, _>(writer::JUnit::for_tee(
            output(outputs.junit),
            Verbosity::Default,
        ))
        .tee::<ConformWorld, _>(writer::Json::for_tee(output(outputs.json)))
        .normalized();

    // Every step of `steps`, registered by its `#[given]`/`#[when]`/`#[then]` attribute.
    let steps = <ConformWorld as cucumber::World>::collection();

    // Against the emulator, scenarios that move its clock or change its settings run alone.
    // Against real servers scenarios run one at a time unless --jobs says otherwise.
    let emulator_run = ctx.mode == Mode::Emulator;
    let jobs = ctx.jobs.max(1);
    let which = move |feature: &gherkin::Feature,
                      _: Option<&gherkin::Rule>,
                      scenario: &gherkin::Scenario| {
        let tags = tags_of(feature, scenario);
        if emulator_run && tags.iter().any(|t| t == "slow" || t == "emulator-only") {
            ScenarioType::Serial
        } else {
            ScenarioType::Concurrent
        }
    };

    let filter_ctx = ctx.clone();
    let filter_report = report.clone();
    let selection = Selection::new(args, only);
    let filter = move |feature: &gherkin::Feature,
                       _: Option<&gherkin::Rule>,
                       scenario: &gherkin::Scenario| {
        match decide(&filter_ctx, &selection, feature, scenario) {
            Decision::Excluded => false,
            Decision::Run => true,
            Decision::Skip(reason) => {
                let tags = tags_of(feature, scenario);
                let product = feature.path.as_deref().and_then(product_of_path);
                filter_report
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .records
                    .push(ScenarioRecord::new(
                        product,
                        &feature.name,
                        &scenario.name,
                        location(feature, scenario),
                        tags,
                        Outcome::Skipped(reason),
                        Vec::new(),
                    ));
                false
            }
        }
    };

    let real = ctx.mode == Mode::Real;
    // Under a server profile the emulator plays a real release: an undocumented case records
    // what it answers, as against a real server.
    let record_readings = real || ctx.profile.is_some();
    let before = before_hook(
        move |feature: &gherkin::Feature,
              _: Option<&gherkin::Rule>,
              scenario: &gherkin::Scenario,
              world: &mut ConformWorld| {
            let tags = tags_of(feature, scenario);
            world.product = feature.path.as_deref().and_then(product_of_path);
            world.lenient = record_readings && tags.iter().any(|t| t == "undocumented");
            let alone = tags.iter().any(|t| t == "slow" || t == "emulator-only");
            world.tags = tags;
            async move {
                if world.ctx.mode == Mode::Emulator {
                    let lock = world.ctx.exclusive.clone();
                    world.guard = Some(if alone {
                        world::ScenarioGuard::Exclusive(lock.write_owned().await)
                    } else {
                        world::ScenarioGuard::Shared(lock.read_owned().await)
                    });
                }
            }
            .boxed_local()
        },
    );

    let after_report = report.clone();
    let quiet = args.quiet;
    let after = after_hook(
        move |feature: &gherkin::Feature,
              _: Option<&gherkin::Rule>,
              scenario: &gherkin::Scenario,
              finished: &event::ScenarioFinished,
              world: Option<&mut ConformWorld>| {
            let outcome = match finished {
                event::ScenarioFinished::StepPassed => Outcome::Passed,
                event::ScenarioFinished::StepSkipped => {
                    Outcome::Failed("a step has no definition".to_owned())
                }
                event::ScenarioFinished::StepFailed(_, _, err) => Outcome::Failed(match err {
                    event::StepError::Panic(info) => panic_message(info),
                    other => other.to_string(),
                }),
                event::ScenarioFinished::BeforeHookFailed(info) => {
                    Outcome::Failed(format!("set-up failed: {}", panic_message(info)))
                }
            };
            let mut notes = Vec::new();
            let mut evidence = Vec::new();
            let mut cleanup = None;
            if let Some(w) = world {
                evidence = std::mem::take(&mut w.evidence);
                cleanup = Some(w.take_cleanup());
                w.guard = None;
                if w.settings_changed
                    && let Some(e) = &w.ctx.emulator
                    && let Err(err) = e.reset_settings()
                {
                    eprintln!("conformance: could not reset the emulator's settings: {err:#}");
                }
                notes = std::mem::take(&mut w.notes);
                if w.lenient
                    && notes.is_empty()
                    && let Some(a) = &w.last
                {
                    notes.push(format!(
                        "undocumented: this server answered {} to {}",
                        a.summary(),
                        a.request
                    ));
                }
            }
            let tags = tags_of(feature, scenario);
            let mut record = ScenarioRecord::new(
                feature.path.as_deref().and_then(product_of_path),
                &feature.name,
                &scenario.name,
                location(feature, scenario),
                tags,
                outcome,
                notes,
            );
            record.evidence = evidence;
            if quiet {
                let mark = match &record.outcome {
                    Outcome::Passed => "ok    ",
                    Outcome::Failed(_) => "FAILED",
                    Outcome::Skipped(_) => "skip  ",
                };
                println!("{mark} [{}] {}", record.rules.join(" "), record.scenario);
            }
            after_report
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .records
                .push(record);
            async move {
                if let Some(c) = cleanup {
                    c.run().await;
                }
            }
            .boxed_local()
        },
    );

    // A failing step panics with its message; cucumber reports it, so the default panic hook's
    // extra lines on stderr are only noise while the suite runs.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let writer = cucumber::Cucumber::<ConformWorld, _, std::path::PathBuf, _, _>::new()
        .with_parser(crate::features::MemoryParser)
        .with_writer(writer)
        .steps(steps)
        .which_scenario(which)
        .max_concurrent_scenarios(jobs)
        .before(before)
        .after(after)
        .fail_on_skipped()
        .with_default_cli()
        .filter_run(features.clone(), filter)
        .await;
    std::panic::set_hook(previous_hook);
    Ok(writer.execution_has_failed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Credential;

    fn context(mode: Mode, zvm_kind: ZvmKind, with_zvm: bool) -> Context {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let url = |s: &str| Some(url::Url::parse(s).unwrap());
        Context {
            mode,
            client: reqwest::Client::new(),
            em: url("https://em.example:9398"),
            vbr: url("https://vbr.example:9419"),
            zvm: if with_zvm {
                url("https://zvm.example:9669")
            } else {
                None
            },
            credentials: Product::ALL
                .into_iter()
                .map(|p| (p, Credential::new("u", "p")))
                .collect(),
            allow_wrong_password: mode == Mode::Emulator,
            jobs: 1,
            vbr_served: None,
            vbr_api_version: "1.2-rev1".into(),
            zvm_client_id: "zerto-client".into(),
            zvm_kind,
            emulator_accounts: None,
            emulator: None,
            profile: None,
            exclusive: Arc::default(),
        }
    }

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn what_is_skipped_against_a_real_server() {
        let real = context(Mode::Real, ZvmKind::Both, false);
        let skip =
            |include_slow, product, t: &[&str]| skip_reason(&real, include_slow, product, &tags(t));
        assert_eq!(skip(false, Some(Product::Em), &["EM-06"]), None);
        assert!(
            skip(false, Some(Product::Em), &["EM-08", "slow"])
                .unwrap()
                .contains("--include-slow")
        );
        assert_eq!(skip(true, Some(Product::Em), &["EM-08", "slow"]), None);
        assert!(
            skip(true, Some(Product::Vbr), &["VBR-09", "emulator-only"])
                .unwrap()
                .contains("emulator only")
        );
        assert!(
            skip(false, Some(Product::Zvm), &["ZVM-01"])
                .unwrap()
                .contains("--zvm")
        );
        assert!(
            skip(false, Some(Product::Em), &["EM-06", "needs-zvm"])
                .unwrap()
                .contains("--zvm")
        );

        let appliance = context(Mode::Real, ZvmKind::Appliance, true);
        assert!(
            skip_reason(
                &appliance,
                false,
                Some(Product::Zvm),
                &tags(&["ZVM-01", "zvm-windows"])
            )
            .is_some()
        );
        assert_eq!(
            skip_reason(
                &appliance,
                false,
                Some(Product::Zvm),
                &tags(&["ZVM-09", "zvm-appliance"])
            ),
            None
        );
        let windows = context(Mode::Real, ZvmKind::Windows, true);
        assert!(
            skip_reason(
                &windows,
                false,
                Some(Product::Zvm),
                &tags(&["ZVM-09", "zvm-appliance"])
            )
            .is_some()
        );
    }

    #[test]
    fn wrong_passwords_for_the_real_account_need_the_flag() {
        let mut real = context(Mode::Real, ZvmKind::Windows, true);
        let t = tags(&["EM-05", "wrong-password"]);
        let reason = skip_reason(&real, false, Some(Product::Em), &t).unwrap();
        assert!(reason.contains("--allow-wrong-password-checks"), "{reason}");
        real.allow_wrong_password = true;
        assert_eq!(skip_reason(&real, false, Some(Product::Em), &t), None);
        let emulator = context(Mode::Emulator, ZvmKind::Both, true);
        assert_eq!(skip_reason(&emulator, false, Some(Product::Em), &t), None);
    }

    #[test]
    fn nothing_is_skipped_against_the_emulator() {
        let emulator = context(Mode::Emulator, ZvmKind::Both, true);
        for t in [
            &["EM-08", "slow"][..],
            &["VBR-09", "emulator-only"],
            &["ZVM-09", "zvm-appliance"],
        ] {
            assert_eq!(
                skip_reason(&emulator, false, Some(Product::Em), &tags(t)),
                None
            );
        }
    }
}
