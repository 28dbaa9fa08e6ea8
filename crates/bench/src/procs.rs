//! Figures measured by other programs: the emulator's `sessions_memory` (P3) and `throughput`
//! (P4) examples, the `restpoint-em` `parse` bench (P6), cargo itself (P7) and the Python
//! script; plus the conformance suite run in this process (P5).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail, ensure};

use crate::workspace_root;

/// Where to find the release programs the figures run.
#[derive(Clone, Debug, Default)]
pub struct Programs {
    /// Folder of the emulator's release examples (`target/release/examples`).
    pub examples_dir: Option<PathBuf>,
    /// The release executable of the `restpoint-em` `parse` bench.
    pub parse_bench: Option<PathBuf>,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

impl Programs {
    /// A command for the emulator example `name`: the built executable when there is one,
    /// `cargo run --release --example` otherwise.
    fn example(&self, name: &str) -> Command {
        let dir = self.examples_dir.clone().or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| Some(exe.parent()?.join("examples")))
        });
        match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
            Some(path) => Command::new(path),
            None => {
                let mut c = Command::new(cargo());
                c.current_dir(workspace_root()).args([
                    "run",
                    "--release",
                    "-q",
                    "-p",
                    "restpoint-emulator",
                    "--example",
                    name,
                    "--",
                ]);
                c
            }
        }
    }

    fn parse_bench(&self) -> Command {
        match self.parse_bench.as_ref().filter(|p| p.is_file()) {
            Some(path) => {
                let mut c = Command::new(path);
                c.current_dir(workspace_root().join("crates/em"))
                    .arg("--bench");
                c
            }
            None => {
                let mut c = Command::new(cargo());
                c.current_dir(workspace_root()).args([
                    "bench",
                    "-q",
                    "-p",
                    "restpoint-em",
                    "--bench",
                    "parse",
                    "--",
                ]);
                c
            }
        }
    }
}

/// Runs `command`, echoing its output indented, and returns its standard output.
fn run_capture(mut command: Command, what: &str) -> anyhow::Result<String> {
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {what}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    for line in stdout.lines() {
        println!("    {line}");
    }
    ensure!(
        output.status.success(),
        "{what} exited with {}",
        output.status
    );
    Ok(stdout)
}

/// The first number in `text` after `key`.
fn number_after(text: &str, key: &str) -> Option<f64> {
    let rest = &text[text.find(key)? + key.len()..];
    let start = rest.find(|c: char| c.is_ascii_digit())?;
    let rest = &rest[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The result of P3.
#[derive(Clone, Copy, Debug)]
pub struct P3 {
    /// Live sessions held.
    pub sessions: u64,
    /// Resident memory before the logons, KiB.
    pub baseline_kib: u64,
    /// Resident memory with the sessions live, KiB.
    pub full_kib: u64,
    /// Bytes a session over the baseline.
    pub per_session: u64,
    /// Resident memory after the sessions expired and were purged, KiB.
    pub after_purge_kib: u64,
}

/// P3: the emulator's `sessions_memory` example with `sessions` VBR logons, in a process of its
/// own; its VmRSS lines.
pub fn p3(programs: &Programs, sessions: usize, product: &str) -> anyhow::Result<P3> {
    let mut c = programs.example("sessions_memory");
    c.args([sessions.to_string(), product.to_string()]);
    let out = run_capture(c, "the sessions_memory example")?;
    let num = |key| number_after(&out, key).with_context(|| format!("no `{key}` in its output"));
    let full_line = out
        .lines()
        .find(|l| l.contains("live sessions after"))
        .context("no `live sessions after` line")?;
    Ok(P3 {
        sessions: number_after(full_line, "").context("no session count")? as u64,
        baseline_kib: num("baseline VmRSS")? as u64,
        full_kib: number_after(full_line, "VmRSS").context("no VmRSS")? as u64,
        per_session: number_after(full_line, "MiB),").context("no bytes a session")? as u64,
        after_purge_kib: num("after expiry and purge:")
            .ok()
            .and_then(|_| number_after(out.lines().last().unwrap_or(""), "VmRSS"))
            .unwrap_or(0.0) as u64,
    })
}

/// The result of P4.
#[derive(Clone, Copy, Debug)]
pub struct P4 {
    /// GETs a second against the emulator.
    pub emulator: f64,
    /// GETs a second against the bare axum TLS handler.
    pub bare: f64,
    /// CPU time of the whole process (load generator and server) per GET: bare, emulator (µs).
    pub cpu_us: Option<(f64, f64)>,
}

/// P4: the emulator's `throughput` example (same load generator against both servers).
pub fn p4(programs: &Programs, seconds: u64, concurrency: usize) -> anyhow::Result<P4> {
    let mut c = programs.example("throughput");
    c.args([seconds.to_string(), concurrency.to_string()]);
    let out = run_capture(c, "the throughput example")?;
    Ok(P4 {
        bare: number_after(&out, "bare axum TLS handler:").context("no bare figure")?,
        emulator: number_after(&out, "emulator VBR serverInfo").context("no emulator figure")?,
        cpu_us: number_after(&out, "CPU per GET (load generator + server): bare")
            .zip(number_after(&out, "us, emulator")),
    })
}

/// The result of P6, as the bench prints it.
#[derive(Clone, Debug)]
pub struct P6 {
    /// Median time of a typed parse, as printed.
    pub typed: String,
    /// Median time of a bare scan, as printed.
    pub scan: String,
    /// Typed ÷ scan.
    pub ratio: f64,
}

/// P6: the `restpoint-em` `parse` bench with a filter that matches none of its criterion
/// groups, so that only its ratio (medians of 31 rounds of 200 parses each) runs.
pub fn p6(programs: &Programs) -> anyhow::Result<P6> {
    let mut c = programs.parse_bench();
    c.arg("P6-ratio-only");
    let out = run_capture(c, "the restpoint-em parse bench")?;
    let line = out
        .lines()
        .find(|l| l.starts_with("P6: typed parse"))
        .context("no `P6: typed parse` line")?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |w: &str| {
        words
            .iter()
            .position(|x| *x == w)
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    Ok(P6 {
        typed: after("parse"),
        scan: after("scan"),
        ratio: number_after(&out, "P6 ratio:").context("no `P6 ratio` line")?,
    })
}

/// The result of P5.
#[derive(Clone, Copy, Debug)]
pub struct P5 {
    /// Wall time of the run.
    pub wall: Duration,
    /// Scenarios passed, failed, skipped.
    pub passed: usize,
    /// Scenarios failed.
    pub failed: usize,
    /// Scenarios skipped.
    pub skipped: usize,
}

/// P5: the whole conformance suite against the embedded emulator, in this process (what
/// `restpoint conform` runs), timed from start to report.
pub async fn p5() -> anyhow::Result<P5> {
    let args = restpoint_conformance::ConformArgs::parse_from(["conform", "--quiet"])?;
    let start = Instant::now();
    let summary = restpoint_conformance::run(args).await?;
    Ok(P5 {
        wall: start.elapsed(),
        passed: summary.passed,
        failed: summary.failed,
        skipped: summary.skipped,
    })
}

/// The result of P7.
#[derive(Clone, Copy, Debug)]
pub struct P7 {
    /// Cold `cargo build --workspace --all-targets`.
    pub cold: Duration,
    /// The same after touching `crates/session/src/lib.rs`.
    pub touched: Duration,
}

fn timed_build(target_dir: &Path) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let status = Command::new(cargo())
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["build", "--workspace", "--all-targets"])
        .stdin(Stdio::null())
        .status()
        .context("starting cargo")?;
    ensure!(status.success(), "cargo build exited with {status}");
    Ok(start.elapsed())
}

/// P7: a cold workspace build in `target/bench-build-times` (emptied first; the shared target
/// folder is not touched), then a rebuild after touching `crates/session/src/lib.rs`.
pub fn p7() -> anyhow::Result<P7> {
    let root = workspace_root();
    let target_dir = root.join("target/bench-build-times");
    if target_dir.exists() {
        std::fs::remove_dir_all(&target_dir)
            .with_context(|| format!("emptying {}", target_dir.display()))?;
    }
    let cold = timed_build(&target_dir)?;
    let lib = root.join("crates/session/src/lib.rs");
    std::fs::File::options()
        .append(true)
        .open(&lib)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .with_context(|| format!("touching {}", lib.display()))?;
    let touched = timed_build(&target_dir)?;
    Ok(P7 { cold, touched })
}

/// The venv's Python with `requests` importable: `target/bench-venv`, made and filled on first
/// use (`python3 -m venv`, `pip install requests`). The error says why it could not be.
pub fn python_with_requests() -> anyhow::Result<PathBuf> {
    let venv = workspace_root().join("target/bench-venv");
    let python = venv.join("bin/python");
    let has_requests = |python: &Path| {
        Command::new(python)
            .args(["-c", "import requests"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_requests(&python) {
        return Ok(python);
    }
    let quiet = |mut c: Command, what: &str| -> anyhow::Result<()> {
        let out = c
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("starting {what}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            bail!("{what} failed: {}", last.trim());
        }
        Ok(())
    };
    let mut c = Command::new("python3");
    c.args(["-m", "venv"]).arg(&venv);
    quiet(c, "python3 -m venv")?;
    let mut c = Command::new(venv.join("bin/pip"));
    c.args(["install", "-q", "--disable-pip-version-check", "requests"]);
    quiet(c, "pip install requests")?;
    ensure!(
        has_requests(&python),
        "requests is not importable after pip install"
    );
    Ok(python)
}

/// Runs `python/cycle.py` with `python`: `cycles` log on → list jobs → log off cycles against
/// `url`; the seconds it reports (timed inside the script, after one warm-up cycle).
pub fn python_cycles(
    python: &Path,
    url: &str,
    ca_file: &Path,
    credentials: (&str, &str),
    cycles: usize,
) -> anyhow::Result<Duration> {
    let script = workspace_root().join("crates/bench/python/cycle.py");
    let output = Command::new(python)
        .arg(script)
        .args(["--url", url, "--cycles", &cycles.to_string(), "--ca"])
        .arg(ca_file)
        .env("RESTPOINT_BENCH_USER", credentials.0)
        .env("RESTPOINT_BENCH_PASSWORD", credentials.1)
        .stdin(Stdio::null())
        .output()
        .context("starting cycle.py")?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        bail!(
            "cycle.py exited with {}: {}",
            output.status,
            err.lines().last().unwrap_or("")
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer: serde_json::Value =
        serde_json::from_str(stdout.trim()).context("cycle.py output")?;
    let seconds = answer["seconds"]
        .as_f64()
        .context("no seconds in cycle.py output")?;
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::number_after;

    #[test]
    fn numbers_in_example_output() {
        let line = "100000 live sessions after 100000 logons in 12.3 s: VmRSS 150000 KiB (146.5 MiB), 1234 bytes a session over baseline";
        assert_eq!(number_after(line, ""), Some(100000.0));
        assert_eq!(number_after(line, "VmRSS"), Some(150000.0));
        assert_eq!(number_after(line, "MiB),"), Some(1234.0));
        assert_eq!(
            number_after(
                "bare axum TLS handler: 25000 GET/s",
                "bare axum TLS handler:"
            ),
            Some(25000.0)
        );
        assert_eq!(
            number_after("P6 ratio: 2.41 (target <= 3)", "P6 ratio:"),
            Some(2.41)
        );
    }
}
