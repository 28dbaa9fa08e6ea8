#![doc = include_str!("../README.md")]

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
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
pub mod facts;
pub mod report;
mod steps;
pub mod target;
mod world;

pub use args::{ConformArgs, ZvmKind};
pub use report::{Outcome, Report, ScenarioRecord, Summary};
pub use world::ConformWorld;

use crate::coverage::{Coverage, product_of_path};
use crate::facts::Product;
use crate::target::{Context, Mode};

/// Runs the conformance suite as `args` say and prints the report. The returned [`Summary`]
/// tells whether the run passed ([`Summary::exit_code`]).
pub async fn run(args: ConformArgs) -> anyhow::Result<Summary> {
    run_with_emulator(args, None).await
}

/// Like [`run`], but an embedded emulator (when no real target is named) starts with `config`
/// instead of its test configuration. Tests use it to check that the suite notices an emulator
/// that breaks a rule.
pub async fn run_with_emulator(
    args: ConformArgs,
    config: Option<restpoint_emulator::EmulatorConfig>,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let features_dir = args
        .features
        .clone()
        .unwrap_or_else(coverage::default_features_dir);
    anyhow::ensure!(
        features_dir.is_dir(),
        "the feature folder {} does not exist (pass --features DIR)",
        features_dir.display()
    );
    let facts_path = args.facts.clone().unwrap_or_else(facts::default_facts_path);
    let scenarios = coverage::load_scenarios(&features_dir)?;
    let coverage = match facts::load_rules(&facts_path) {
        Ok(rules) => Some(Coverage::compute(&rules, &scenarios)),
        Err(e) => {
            eprintln!("conformance: coverage not measured: {e:#}");
            None
        }
    };

    let ctx = Arc::new(Context::from_args(&args, config).await?);
    let mut targets = BTreeMap::new();
    for p in Product::ALL {
        if let Some(u) = ctx.origin(p) {
            targets.insert(p, u.as_str().trim_end_matches('/').to_owned());
        }
    }
    let mode = ctx.mode;
    world::install_context(Some(ctx.clone()));
    let report = Arc::new(Mutex::new(Report::default()));

    let result = run_cucumber(&args, &features_dir, ctx.clone(), report.clone()).await;
    world::install_context(None);
    let execution_failed = result?;
    drop(ctx);

    let report = std::mem::take(&mut *report.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(path) = &args.junit {
        let xml = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read back {}", path.display()))?;
        std::fs::write(path, report::add_skipped_to_junit(&xml, &report.records))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = report.render(mode, &targets, coverage.as_ref());
    let elapsed = started.elapsed();
    // print! (not a raw stdout handle), so that a test harness captures it.
    print!("{text}");
    println!("conformance: run took {:.1} s", elapsed.as_secs_f64());

    let (passed, failed, skipped) = report.counts();
    Ok(Summary {
        passed,
        failed,
        skipped,
        coverage_problems: coverage.map(|c| c.problems).unwrap_or_default(),
        execution_failed,
        elapsed,
        failures: report
            .records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
            .cloned()
            .collect(),
    })
}

fn output(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(io::sink()),
    })
}

fn tags_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Vec<String> {
    let mut tags = feature.tags.clone();
    tags.extend(scenario.tags.iter().cloned());
    tags
}

fn location(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> String {
    let file = feature
        .path
        .as_ref()
        .and_then(|p| {
            let product = p.parent()?.file_name()?.to_str()?;
            let name = p.file_name()?.to_str()?;
            Some(format!("features/{product}/{name}"))
        })
        .unwrap_or_else(|| feature.name.clone());
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
    if ctx.mode == Mode::Real && has("emulator-only") {
        return Some(
            "emulator only: changes server settings, injects faults or needs emulator accounts; refused against a real server"
                .to_owned(),
        );
    }
    if ctx.mode == Mode::Real && has("slow") && !include_slow {
        return Some("needs real waiting (15-30 minutes or more); pass --include-slow".to_owned());
    }
    None
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
    features_dir: &std::path::Path,
    ctx: Arc<Context>,
    report: Arc<Mutex<Report>>,
) -> anyhow::Result<bool> {
    let progress: Box<dyn Write> = if args.quiet {
        Box::new(io::sink())
    } else {
        Box::new(io::stdout())
    };
    let writer = writer::Basic::new(progress, Coloring::Auto, Verbosity::Default)
        .summarized()
        .tee::<ConformWorld, _>(writer::JUnit::for_tee(
            output(args.junit.as_ref())?,
            Verbosity::Default,
        ))
        .tee::<ConformWorld, _>(writer::Json::for_tee(output(args.json.as_ref())?))
        .normalized();

    let any = cucumber::codegen::Regex::new("^.*$").expect("valid regex");
    let steps = cucumber::step::Collection::new()
        .given(None, any.clone(), steps::dispatch)
        .when(None, any.clone(), steps::dispatch)
        .then(None, any, steps::dispatch);

    // Against the emulator, scenarios that move its clock or change its settings run alone.
    // Against real servers slow scenarios wait in real time, side by side.
    let emulator_run = ctx.mode == Mode::Emulator;
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
    let include_slow = args.include_slow;
    let wanted: Vec<String> = args
        .tags
        .iter()
        .map(|t| t.trim_start_matches('@').to_owned())
        .collect();
    let filter = move |feature: &gherkin::Feature,
                       _: Option<&gherkin::Rule>,
                       scenario: &gherkin::Scenario| {
        let in_clients_folder = feature
            .path
            .as_deref()
            .and_then(|p| p.parent()?.file_name())
            .is_some_and(|n| n == coverage::CLIENTS_FOLDER);
        if in_clients_folder {
            return false;
        }
        let tags = tags_of(feature, scenario);
        if !wanted.is_empty() && !tags.iter().any(|t| wanted.contains(t)) {
            return false;
        }
        let product = feature.path.as_deref().and_then(product_of_path);
        match skip_reason(&filter_ctx, include_slow, product, &tags) {
            None => true,
            Some(reason) => {
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
    let before = before_hook(
        move |feature: &gherkin::Feature,
              _: Option<&gherkin::Rule>,
              scenario: &gherkin::Scenario,
              world: &mut ConformWorld| {
            let tags = tags_of(feature, scenario);
            world.product = feature.path.as_deref().and_then(product_of_path);
            world.lenient = real && tags.iter().any(|t| t == "undocumented");
            let alone = tags.iter().any(|t| t == "slow" || t == "emulator-only");
            world.tags = tags;
            async move {
                if world.is_emulator() {
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
            let mut cleanup = None;
            if let Some(w) = world {
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
            let record = ScenarioRecord::new(
                feature.path.as_deref().and_then(product_of_path),
                &feature.name,
                &scenario.name,
                location(feature, scenario),
                tags,
                outcome,
                notes,
            );
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
    let writer = cucumber::Cucumber::<ConformWorld, _, _, _, _>::new()
        .with_writer(writer)
        .steps(steps)
        .which_scenario(which)
        .max_concurrent_scenarios(if emulator_run { 64 } else { 16 })
        .before(before)
        .after(after)
        .fail_on_skipped()
        .with_default_cli()
        .filter_run(features_dir.to_path_buf(), filter)
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
            credential: Credential::new("u", "p"),
            vbr_api_version: "1.2-rev1".into(),
            zvm_client_id: "zerto-client".into(),
            zvm_kind,
            emulator_accounts: None,
            emulator: None,
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
