//! `restpoint conform --list`: what a run would do against the given targets, and why anything
//! is skipped, without sending a single request (no pre-flight, no ZVM-10 probe, the embedded
//! emulator not started).

use std::sync::{Arc, Mutex};

use cucumber::writer::{self, Coloring, Verbosity};
use cucumber::{StatsWriter as _, WriterExt as _, gherkin};

use crate::coverage::product_of_path;
use crate::facts::Product;
use crate::target::{Context, Mode};
use crate::{ConformArgs, ConformWorld, Decision, Selection, Target};

/// One scenario of the plan.
#[derive(Clone, Debug)]
pub struct PlannedScenario {
    /// The server profile of the run (`None`: the default emulator or real servers).
    pub profile: Option<String>,
    /// The scenario's product.
    pub product: Option<Product>,
    /// `features/<product>/<file>:<line>`.
    pub location: String,
    /// The scenario's name.
    pub scenario: String,
    /// Its rule ids.
    pub rules: Vec<String>,
    /// `None`: it would run; otherwise why it would be skipped.
    pub skip: Option<String>,
}

/// What `--list` found: every scenario a run would take, each marked run or skipped.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The scenarios, in file order per run.
    pub scenarios: Vec<PlannedScenario>,
}

impl Plan {
    /// Scenarios that would run.
    pub fn would_run(&self) -> usize {
        self.scenarios.iter().filter(|s| s.skip.is_none()).count()
    }

    /// Scenarios that would be skipped.
    pub fn skipped(&self) -> usize {
        self.scenarios.len() - self.would_run()
    }

    /// The exit code of `--list`: [`crate::exit::NOTHING_RAN`] when nothing would run, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.would_run() == 0 {
            crate::exit::NOTHING_RAN
        } else {
            crate::exit::PASSED
        }
    }
}

/// Prints what `args` would run, and why anything is skipped, without sending a request.
pub async fn list(args: crate::ConformArgs) -> anyhow::Result<Plan> {
    let features = crate::features::FeatureSet::from_option(args.features.as_deref())?;
    let targets = crate::targets_of(&args)?;
    let mut plan = Plan::default();
    for target in targets {
        let ctx = context_of(&args, &target)?;
        out(&heading(&args, &ctx, &target));
        let only = target.profile.map(crate::product_of_profile);
        let found = plan_target(&features, Arc::new(ctx), Selection::new(&args, only)).await?;
        for s in &found {
            let rules = s.rules.join(" ");
            match &s.skip {
                None => out(&format!(
                    "  run   [{rules}] {} ({})",
                    s.scenario, s.location
                )),
                Some(r) => out(&format!(
                    "  skip  [{rules}] {} ({}): {r}",
                    s.scenario, s.location
                )),
            }
        }
        let profile = target.profile.map(|p| p.name.to_owned());
        plan.scenarios
            .extend(found.into_iter().map(|s| PlannedScenario {
                profile: profile.clone(),
                ..s
            }));
    }
    out(&format!(
        "conformance: --list: {} would run, {} would be skipped; nothing was sent",
        plan.would_run(),
        plan.skipped()
    ));
    Ok(plan)
}

/// Prints a line; a closed pipe (`restpoint conform --list | head`) is not an error.
fn out(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn context_of(args: &ConformArgs, target: &Target) -> anyhow::Result<Context> {
    if args.has_real_target() {
        return Context::real(args, false);
    }
    let config = target
        .config
        .clone()
        .unwrap_or_else(restpoint_emulator::EmulatorConfig::for_tests);
    let mut ctx = Context::embedded_plan(args, &config)?;
    if let Some(p) = target.profile {
        ctx.profile = Some(p.name.to_owned());
        ctx.zvm_kind = crate::zvm_kind_of(config.behaviour.zvm_kind);
    }
    Ok(ctx)
}

fn heading(args: &ConformArgs, ctx: &Context, target: &Target) -> String {
    if ctx.mode == Mode::Emulator {
        return match target.profile {
            Some(p) => format!("embedded emulator, server profile {}:", p.name),
            None => "embedded emulator (default readings):".to_owned(),
        };
    }
    let mut parts = Vec::new();
    for p in Product::ALL {
        if let Some(u) = ctx.origin(p) {
            let user = args.user_for(p).unwrap_or("(no user given)");
            parts.push(format!(
                "{} {} as {user}",
                p.short().to_ascii_uppercase(),
                u
            ));
        }
    }
    let mut s = format!("real servers: {}", parts.join(", "));
    if ctx.zvm.is_some() && args.zvm_kind.is_none() {
        s.push_str(
            "\n  (the ZVM's kind is detected at run time by the ZVM-10 probe; scenarios of both kinds are listed)",
        );
    }
    s.push_str(&format!(
        "\n  (pre-flight first: one logon and logoff per product; {} scenario(s) at a time)",
        ctx.jobs
    ));
    s
}

/// Lets cucumber parse the features (outlines expanded, as a run sees them) and records the
/// decision for each scenario; the filter takes none, so nothing runs.
async fn plan_target(
    features: &crate::features::FeatureSet,
    ctx: Arc<Context>,
    selection: Selection,
) -> anyhow::Result<Vec<PlannedScenario>> {
    let found = Arc::new(Mutex::new(Vec::new()));
    let sink = found.clone();
    let filter = move |feature: &gherkin::Feature,
                       _: Option<&gherkin::Rule>,
                       scenario: &gherkin::Scenario| {
        let skip = match crate::decide(&ctx, &selection, feature, scenario) {
            Decision::Excluded => return false,
            Decision::Run => None,
            Decision::Skip(reason) => Some(reason),
        };
        let tags = crate::tags_of(feature, scenario);
        sink.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(PlannedScenario {
                profile: None,
                product: feature.path.as_deref().and_then(product_of_path),
                location: crate::location(feature, scenario),
                scenario: scenario.name.clone(),
                rules: tags
                    .iter()
                    .filter(|t| crate::facts::is_rule_id(t))
                    .cloned()
                    .collect(),
                skip,
            });
        false
    };
    let writer = writer::Basic::new(std::io::sink(), Coloring::Never, Verbosity::Default)
        .summarized()
        .normalized();
    let finished = cucumber::Cucumber::<ConformWorld, _, std::path::PathBuf, _, _>::new()
        .with_parser(crate::features::MemoryParser)
        .with_writer(writer)
        .with_default_cli()
        .filter_run(features.clone(), filter)
        .await;
    anyhow::ensure!(
        !finished.execution_has_failed(),
        "the feature files could not be read or parsed"
    );
    let v = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(v)
}
