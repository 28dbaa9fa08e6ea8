//! `cargo xtask bench`: builds the benchmark programs once in release and runs
//! `restpoint-bench all`, which prints the table of every performance figure against its
//! baseline and writes it to `target/bench-table.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, ensure};

/// Builds `restpoint-bench`, the emulator's `sessions_memory` and `throughput` examples and the
/// `restpoint-em` `parse` bench in one release build (one feature resolution), then runs the
/// table. `build_times` adds P7 (a cold workspace build; many minutes); `quick` uses small sizes.
pub fn run(root: &Path, build_times: bool, quick: bool) -> anyhow::Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
            "-p",
            "restpoint-bench",
            "-p",
            "restpoint-emulator",
            "-p",
            "restpoint-em",
            "--bin",
            "restpoint-bench",
            "--example",
            "sessions_memory",
            "--example",
            "throughput",
            "--bench",
            "parse",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("starting cargo build")?;
    ensure!(
        output.status.success(),
        "cargo build --release exited with {}",
        output.status
    );
    let mut bench_exe = None;
    let mut parse_exe = None;
    let mut examples_dir = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(name), Some(exe)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) else {
            continue;
        };
        match name {
            "restpoint-bench" => bench_exe = Some(PathBuf::from(exe)),
            "parse" => parse_exe = Some(PathBuf::from(exe)),
            "throughput" => examples_dir = PathBuf::from(exe).parent().map(Path::to_path_buf),
            _ => {}
        }
    }
    let bench_exe = bench_exe.context("cargo did not name the restpoint-bench executable")?;
    let mut command = Command::new(bench_exe);
    command.current_dir(root).arg("all");
    if build_times {
        command.arg("--build-times");
    }
    if quick {
        command.arg("--quick");
    }
    if let Some(dir) = examples_dir {
        command.arg("--examples-dir").arg(dir);
    }
    if let Some(exe) = parse_exe {
        command.arg("--parse-bench").arg(exe);
    }
    let status = command.status().context("starting restpoint-bench")?;
    let p8 = p8_rows(root)?;
    print!("{p8}");
    let table = root.join("target/bench-table.md");
    if let Ok(mut text) = std::fs::read_to_string(&table) {
        text.push_str(&p8);
        std::fs::write(&table, text).context("appending P8 to the bench table")?;
    }
    Ok(status.success())
}

/// P8 (`../shared/docs/targets.md`): every vendor file's client generated and `cargo check`ed
/// one at a time ([`crate::vendor_check`]), as rows of the bench table; VBR 1.3-rev1 carries the
/// target.
fn p8_rows(root: &Path) -> anyhow::Result<String> {
    let out = std::env::temp_dir().join("restpoint-bench-p8");
    let figures = crate::vendor_check::run(root, &out, true)?;
    let mut rows = String::new();
    for f in &figures {
        let met = f.regen_secs < 10.0 && f.check_secs < 120.0 && f.skipped == 0 && f.check_ok;
        let target = if f.file == "vbr-1.3-rev1.json" {
            (
                "regen < 10 s; check < 120 s; 0 skipped",
                if met { "met" } else { "NOT MET" },
            )
        } else {
            ("-", "(no target)")
        };
        rows.push_str(&format!(
            "| P8 | {}: generate, then `cargo check` with dependencies built ({} operations, {} skipped, {} warnings) | regen {:.1} s, check {:.1} s{} | - | - | {} | {} |\n",
            f.file,
            f.operations,
            f.skipped,
            f.warnings,
            f.regen_secs,
            f.check_secs,
            if f.check_ok { "" } else { " (check FAILED)" },
            target.0,
            target.1
        ));
    }
    Ok(rows)
}
