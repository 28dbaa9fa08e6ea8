//! `restpoint-bench`: measures the performance figures of `shared/docs/targets.md` and prints
//! them as one table. Run it in a release build: `cargo xtask bench` (which builds the programs
//! it needs first) or `cargo run --release -p restpoint-bench -- all`.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::{Parser, Subcommand};
use restpoint_bench::procs::{self, Programs};
use restpoint_bench::table::{self, Row, Verdict};
use restpoint_bench::{Sizes, client, fmt_duration, workspace_root};
use restpoint_emulator::defaults;

#[derive(Parser)]
#[command(about = "restpoint benchmarks: each figure against its baseline, in one table")]
struct Cli {
    #[command(subcommand)]
    figure: Figure,
    /// Small sizes: a quick look, not the targets' figures.
    #[arg(long, global = true)]
    quick: bool,
    /// Folder of the emulator's release examples (default: `examples/` beside this program).
    #[arg(long, global = true, value_name = "DIR")]
    examples_dir: Option<PathBuf>,
    /// The release executable of the `restpoint-em` `parse` bench (default: `cargo bench`).
    #[arg(long, global = true, value_name = "FILE")]
    parse_bench: Option<PathBuf>,
}

#[derive(Subcommand, Clone, Copy, PartialEq, Eq, Debug)]
enum Figure {
    /// Every figure, each in a child process; prints the table and writes it as Markdown.
    All {
        /// Also P7: a cold workspace build in a target folder of its own (many minutes).
        #[arg(long)]
        build_times: bool,
    },
    /// P1: typed client ÷ bare reqwest, median of an authenticated GET.
    P1,
    /// P2: single-flight renewal under concurrent calls after expiry.
    P2,
    /// P3: resident memory of 100,000 live emulator sessions.
    P3,
    /// P4: emulator throughput ÷ a bare axum TLS handler.
    P4,
    /// P5: conformance suite wall time.
    P5,
    /// P6: EM XML typed parse ÷ bare quick-xml scan.
    P6,
    /// P7: cold and incremental workspace build times.
    P7,
    /// P9: spec-driven GET/s ÷ a hand-written route (`emulate --spec`).
    P9,
    /// Log on → list jobs → log off: restpoint ÷ Python `requests`.
    Python,
}

impl Figure {
    fn name(self) -> &'static str {
        match self {
            Figure::All { .. } => "all",
            Figure::P1 => "p1",
            Figure::P2 => "p2",
            Figure::P3 => "p3",
            Figure::P4 => "p4",
            Figure::P5 => "p5",
            Figure::P6 => "p6",
            Figure::P7 => "p7",
            Figure::P9 => "p9",
            Figure::Python => "python",
        }
    }

    /// Id, figure and target, for a row of a failed measurement.
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Figure::All { .. } => ("all", "all", "-"),
            Figure::P1 => ("P1", "client overhead (median GET)", "≤ 1.05"),
            Figure::P2 => ("P2", "single-flight renewal", "1 request; all succeed"),
            Figure::P3 => (
                "P3",
                "emulator RSS, live sessions",
                "< 200 MB; ≤ 2 KB/session",
            ),
            Figure::P4 => ("P4", "emulator GET/s ÷ bare axum", "≥ 0.8"),
            Figure::P5 => ("P5", "conformance suite wall time", "< 20 s"),
            Figure::P6 => ("P6", "EM XML parse ÷ quick-xml scan", "≤ 3"),
            Figure::P7 => ("P7", "build times", "< 8 min; < 40 s"),
            Figure::P9 => ("P9", "spec-driven GET/s ÷ hand-written route", "≥ 0.7"),
            Figure::Python => ("Py", "log on+list+log off ÷ Python", "-"),
        }
    }
}

fn row(id: &str, figure: &str, cells: [String; 4], verdict: Verdict) -> Row {
    let [ours, baseline, ratio, target] = cells;
    Row {
        id: id.into(),
        figure: figure.into(),
        ours,
        baseline,
        ratio,
        target,
        verdict,
    }
}

async fn measure(figure: Figure, sizes: Sizes, programs: &Programs) -> anyhow::Result<Vec<Row>> {
    Ok(match figure {
        Figure::All { .. } => unreachable!("`all` runs the figures as children"),
        Figure::P1 => {
            let emulator = client::start_emulator().await?;
            let r = client::p1(&emulator, sizes.p1_calls).await?;
            emulator.shutdown().await;
            vec![row(
                "P1",
                &format!(
                    "client overhead: median of {} GET /api/v1/jobs ({} jobs)",
                    r.calls, r.jobs
                ),
                [
                    format!("typed {}", fmt_duration(r.typed)),
                    format!("bare reqwest {}", fmt_duration(r.bare)),
                    format!("{:.3}", r.ratio()),
                    "≤ 1.05".into(),
                ],
                Verdict::of(r.ratio() <= 1.05),
            )]
        }
        Figure::P2 => {
            let emulator = client::start_emulator().await?;
            let r = client::p2(&emulator, sizes.p2_concurrent).await?;
            emulator.shutdown().await;
            let requests = r.logons + r.refreshes;
            vec![row(
                "P2",
                &format!(
                    "single-flight: {} concurrent calls after expiry",
                    r.concurrent
                ),
                [
                    format!(
                        "{}/{} ok, p50 {}, max {}",
                        r.succeeded,
                        r.concurrent,
                        fmt_duration(r.expired.0),
                        fmt_duration(r.expired.1)
                    ),
                    format!(
                        "fresh token: p50 {}, max {}",
                        fmt_duration(r.fresh.0),
                        fmt_duration(r.fresh.1)
                    ),
                    format!(
                        "{requests} request ({} logon, {} refresh)",
                        r.logons, r.refreshes
                    ),
                    format!("exactly 1 request; {} ok", r.concurrent),
                ],
                Verdict::of(requests == 1 && r.succeeded == r.concurrent),
            )]
        }
        Figure::P3 => {
            let mut rows = Vec::new();
            for product in ["vbr", "em"] {
                let r = procs::p3(programs, sizes.p3_sessions, product)?;
                let mb = r.full_kib as f64 * 1024.0 / 1e6;
                rows.push(row(
                    "P3",
                    &format!(
                        "emulator RSS, {} live {} sessions (after purge: {:.0} MB)",
                        r.sessions,
                        product.to_uppercase(),
                        r.after_purge_kib as f64 * 1024.0 / 1e6
                    ),
                    [
                        format!("{mb:.0} MB"),
                        format!("no sessions {:.0} MB", r.baseline_kib as f64 * 1024.0 / 1e6),
                        format!("{} B/session", r.per_session),
                        format!("{} in < 200 MB; ≤ 2 KB/session", sizes.p3_sessions),
                    ],
                    Verdict::of(
                        r.sessions as usize >= sizes.p3_sessions
                            && mb < 200.0
                            && r.per_session <= 2048,
                    ),
                ));
            }
            rows
        }
        Figure::P4 => {
            let r = procs::p4(programs, sizes.p4_seconds, 32)?;
            let ratio = r.emulator / r.bare;
            let cpu = r.cpu_us.map_or(String::new(), |(bare, emu)| {
                format!("; CPU/GET {emu:.0} µs vs {bare:.0} µs")
            });
            vec![row(
                "P4",
                &format!("emulator authenticated GET/s ÷ bare axum TLS (32 conns{cpu})"),
                [
                    format!("{:.0} GET/s", r.emulator),
                    format!("{:.0} GET/s", r.bare),
                    format!("{ratio:.2}"),
                    "≥ 0.8".into(),
                ],
                Verdict::of(ratio >= 0.8),
            )]
        }
        Figure::P9 => {
            let figure = format!(
                "spec-driven GET/s ({} served) ÷ hand-written GET /api/v1/jobs/{{id}}, {} conns",
                restpoint_bench::spec_driven::SPEC_FILE,
                restpoint_bench::spec_driven::CONCURRENCY
            );
            let Some(path) = restpoint_bench::spec_driven::spec_file() else {
                return Ok(vec![row(
                    "P9",
                    &figure,
                    ["-".into(), "-".into(), "-".into(), "≥ 0.7".into()],
                    Verdict::Skipped("../shared/vendor-specs is missing".into()),
                )]);
            };
            let document = restpoint_emulator::spec_driven::load_document(&path)?;
            let r = restpoint_bench::spec_driven::p9(document, sizes.p9_calls).await?;
            vec![row(
                "P9",
                &figure,
                [
                    format!("{:.0} GET/s", r.spec),
                    format!("{:.0} GET/s", r.hand),
                    format!("{:.2}", r.ratio()),
                    "≥ 0.7".into(),
                ],
                Verdict::of(r.ratio() >= 0.7),
            )]
        }
        Figure::P5 => {
            let r = procs::p5().await?;
            let ok = r.wall < Duration::from_secs(20) && r.failed == 0;
            vec![row(
                "P5",
                &format!(
                    "conformance suite vs emulator ({} passed, {} failed, {} skipped)",
                    r.passed, r.failed, r.skipped
                ),
                [
                    format!("{:.1} s", r.wall.as_secs_f64()),
                    "-".into(),
                    "-".into(),
                    "< 20 s, 0 failed".into(),
                ],
                Verdict::of(ok),
            )]
        }
        Figure::P6 => {
            let r = procs::p6(programs)?;
            vec![row(
                "P6",
                "EM LogonSession (70 links): typed parse ÷ quick-xml scan",
                [r.typed, r.scan, format!("{:.2}", r.ratio), "≤ 3".into()],
                Verdict::of(r.ratio <= 3.0),
            )]
        }
        Figure::P7 => {
            let r = procs::p7()?;
            vec![
                row(
                    "P7",
                    "cold cargo build --workspace --all-targets",
                    [
                        format!("{:.0} s", r.cold.as_secs_f64()),
                        "-".into(),
                        "-".into(),
                        "< 480 s".into(),
                    ],
                    Verdict::of(r.cold < Duration::from_secs(480)),
                ),
                row(
                    "P7",
                    "rebuild after touching crates/session/src/lib.rs",
                    [
                        format!("{:.1} s", r.touched.as_secs_f64()),
                        "-".into(),
                        "-".into(),
                        "< 40 s".into(),
                    ],
                    Verdict::of(r.touched < Duration::from_secs(40)),
                ),
            ]
        }
        Figure::Python => {
            let n = sizes.py_cycles;
            let figure = format!(
                "log on → list jobs → log off, {n} cycles, new client each, CA-only trust; restpoint ÷ Python time"
            );
            let python = match procs::python_with_requests() {
                Ok(p) => p,
                Err(e) => {
                    return Ok(vec![row(
                        "Py",
                        &figure,
                        ["-".into(), "-".into(), "-".into(), "-".into()],
                        Verdict::Skipped(format!("{e:#}")),
                    )]);
                }
            };
            let emulator = client::start_emulator().await?;
            let ca_file = workspace_root().join("target/bench-ca.pem");
            std::fs::write(&ca_file, emulator.ca_pem())?;
            let url = emulator.vbr_url().to_string();
            let creds = (defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
            let ca = emulator.ca_pem();
            client::our_cycles(&url, ca, creds, 1, true).await?;
            // Ten alternating rounds, so that the load of a shared machine weighs on all alike.
            let rounds = 10.min(n).max(1);
            let (mut ours, mut with_system_roots, mut theirs) =
                (Duration::ZERO, Duration::ZERO, Duration::ZERO);
            for round in 0..rounds {
                let k = n / rounds + usize::from(round < n % rounds);
                ours += client::our_cycles(&url, ca, creds, k, true).await?;
                with_system_roots += client::our_cycles(&url, ca, creds, k, false).await?;
                let (python, url, ca_file) = (python.clone(), url.clone(), ca_file.clone());
                theirs += tokio::task::spawn_blocking(move || {
                    procs::python_cycles(&python, &url, &ca_file, creds, k)
                })
                .await??;
            }
            emulator.shutdown().await;
            let per = |d: Duration| fmt_duration(d / n as u32);
            vec![row(
                "Py",
                &figure,
                [
                    format!(
                        "restpoint {}/cycle (with system roots too: {})",
                        per(ours),
                        per(with_system_roots)
                    ),
                    format!("Python requests {}/cycle", per(theirs)),
                    format!("{:.2}", ours.as_secs_f64() / theirs.as_secs_f64()),
                    "-".into(),
                ],
                Verdict::Info,
            )]
        }
    })
}

/// Runs one figure in a child process of this program and collects its rows.
fn run_child(figure: Figure, cli: &Cli) -> Vec<Row> {
    let (id, name, target) = figure.describe();
    println!("== {id}: {name}");
    let mut command = match std::env::current_exe() {
        Ok(exe) => Command::new(exe),
        Err(e) => return vec![Row::failed(id, name, target, &e.into())],
    };
    command.arg(figure.name());
    if cli.quick {
        command.arg("--quick");
    }
    if let Some(dir) = &cli.examples_dir {
        command.arg("--examples-dir").arg(dir);
    }
    if let Some(file) = &cli.parse_bench {
        command.arg("--parse-bench").arg(file);
    }
    let mut child = match command.stdout(Stdio::piped()).stdin(Stdio::null()).spawn() {
        Ok(c) => c,
        Err(e) => return vec![Row::failed(id, name, target, &e.into())],
    };
    let mut rows = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match Row::from_line(&line) {
                Some(row) => rows.push(row),
                None => println!("  {line}"),
            }
        }
    }
    match child.wait() {
        Ok(status) if status.success() || !rows.is_empty() => rows,
        Ok(status) => vec![Row::failed(
            id,
            name,
            target,
            &anyhow::anyhow!("exited with {status}"),
        )],
        Err(e) => vec![Row::failed(id, name, target, &e.into())],
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            let line = c.lines().find(|l| l.starts_with("model name"))?.to_owned();
            Some(line.split(':').nth(1)?.trim().to_owned())
        })
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{date}; {cores} cores ({cpu}), {mem_gib:.0} GiB memory; release build")
}

fn run_all(cli: &Cli, build_times: bool) -> ExitCode {
    let mut figures = vec![
        Figure::P1,
        Figure::P2,
        Figure::P3,
        Figure::P4,
        Figure::P5,
        Figure::P6,
        Figure::P9,
        Figure::Python,
    ];
    if build_times {
        figures.push(Figure::P7);
    }
    let about = machine();
    let mut rows = Vec::new();
    for figure in figures {
        rows.extend(run_child(figure, cli));
    }
    // P7 takes minutes: its rows are kept from the last `--build-times` run and shown, dated,
    // in the runs without it.
    let p7_path = workspace_root().join("target/bench-p7-rows.json");
    if build_times {
        let p7: Vec<Row> = rows.iter().filter(|r| r.id == "P7").cloned().collect();
        let stamped: Vec<Row> = p7
            .into_iter()
            .map(|mut r| {
                r.figure = format!(
                    "{} (measured {})",
                    r.figure,
                    about.split(';').next().unwrap_or("")
                );
                r
            })
            .collect();
        if let Ok(json) = serde_json::to_string(&stamped) {
            let _ = std::fs::write(&p7_path, json);
        }
    } else {
        let kept: Vec<Row> = std::fs::read_to_string(&p7_path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if kept.is_empty() {
            rows.push(Row {
                id: "P7".into(),
                figure: "build times".into(),
                ours: "-".into(),
                baseline: "-".into(),
                ratio: "-".into(),
                target: "< 8 min cold; < 40 s touched".into(),
                verdict: Verdict::Skipped("opt-in: cargo xtask bench --build-times".into()),
            });
        } else {
            rows.extend(kept);
        }
    }
    let sizes = if cli.quick {
        " (--quick: small sizes)"
    } else {
        ""
    };
    println!("\nrestpoint benchmarks{sizes}, {about}\n");
    print!("{}", table::render_text(&rows));
    let md_path = workspace_root().join("target/bench-table.md");
    let md = format!(
        "Measured {about}{sizes} by `cargo xtask bench`.\n\n{}",
        table::render_markdown(&rows)
    );
    match std::fs::write(&md_path, md) {
        Ok(()) => println!("\nMarkdown: {}", md_path.display()),
        Err(e) => eprintln!("could not write {}: {e}", md_path.display()),
    }
    let failed = rows.iter().any(|r| matches!(r.verdict, Verdict::Failed(_)));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    if let Figure::All { build_times } = cli.figure {
        return run_all(&cli, build_times);
    }
    let sizes = if cli.quick { Sizes::QUICK } else { Sizes::FULL };
    let programs = Programs {
        examples_dir: cli.examples_dir.clone(),
        parse_bench: cli.parse_bench.clone(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rows = runtime
        .block_on(measure(cli.figure, sizes, &programs))
        .unwrap_or_else(|e| {
            let (id, name, target) = cli.figure.describe();
            vec![Row::failed(id, name, target, &e)]
        });
    for row in &rows {
        println!("{}", row.to_line());
    }
    if rows.iter().any(|r| matches!(r.verdict, Verdict::Failed(_))) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
