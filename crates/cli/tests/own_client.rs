//! The README's "Test your own client" (issue 17 item 3), as a user runs it: `restpoint emulate
//! --hygiene-report FILE --fail-on warning`, the README's curl commands and Python script against
//! it, Ctrl-C, and the report (clean: exit 0). Then a careless client (a logon never logged off)
//! makes `--fail-on warning` exit 1 while `--fail-on error` still exits 0.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

const README_CA: &str = "/tmp/restpoint-emulator-ca.pem";

/// The fenced block after `<!-- own-client:NAME -->` in the README, without its indentation.
fn readme_block(name: &str) -> String {
    let readme = std::fs::read_to_string(restpoint_testkit::repo_root().join("README.md")).unwrap();
    let marker = format!("<!-- own-client:{name} -->");
    let after = &readme[readme.find(&marker).expect("the README marks the block") + marker.len()..];
    let mut lines = after
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("```"));
    let fence = lines.next().expect("a fenced block");
    let indent = fence.len() - fence.trim_start().len();
    lines
        .take_while(|l| !l.trim_start().starts_with("```"))
        .map(|l| l.get(indent..).unwrap_or("").to_owned() + "\n")
        .collect()
}

/// A running `restpoint emulate` and the URLs of its banner.
struct Running {
    child: Child,
    stdout: mpsc::Receiver<String>,
    em: String,
    vbr: String,
}

impl Running {
    fn start(dir: &Path, extra: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_restpoint"))
            .args([
                "emulate",
                "--em-port",
                "0",
                "--vbr-port",
                "0",
                "--zvm-port",
                "0",
            ])
            .arg("--ca-out")
            .arg(dir.join("ca.pem"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("restpoint runs");
        let (tx, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut em, mut vbr) = (String::new(), String::new());
        loop {
            let line = stdout
                .recv_timeout(Duration::from_secs(60))
                .expect("the banner within a minute");
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["EM", url] => em = url.trim_end_matches("/api/").to_owned(),
                ["VBR", url] => vbr = url.trim_end_matches('/').to_owned(),
                ["press", ..] => break,
                _ => {}
            }
        }
        Running {
            child,
            stdout,
            em,
            vbr,
        }
    }

    /// Ctrl-C; the exit code and the rest of stdout.
    fn stop(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("bash")
            .args(["-c", &format!("kill -INT {pid}")])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.stdout.try_iter().collect();
        (status.code(), rest.join("\n"))
    }
}

fn script(block: &str, dir: &Path, run: &Running) -> String {
    block
        .replace(README_CA, &dir.join("ca.pem").display().to_string())
        .replace("https://localhost:9398", &run.em)
        .replace("https://localhost:9419", &run.vbr)
}

fn report(path: &PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the report file")).unwrap()
}

#[test]
fn the_readme_curl_and_python_clients_leave_a_clean_report() {
    if !restpoint_testkit::require_tool("curl") || !restpoint_testkit::require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hygiene.json");
    let file_arg = file.display().to_string();
    let run = Running::start(
        dir.path(),
        &["--hygiene-report", &file_arg, "--fail-on", "warning"],
    );

    let out = Command::new("bash")
        .args([
            "-euo",
            "pipefail",
            "-c",
            &script(&readme_block("curl"), dir.path(), &run),
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout, "200\n204\n");

    let out = Command::new("python3")
        .args(["-c", &script(&readme_block("python"), dir.path(), &run)])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(" jobs"),
        "{out:?}"
    );

    let (code, table) = run.stop();
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains("no finding"), "{table}");
    let json = report(&file);
    let clients = json["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2, "{json:#}");
    for c in clients {
        assert_eq!(c["user"], "admin", "{json:#}");
        assert_eq!(c["sessions_opened"], 1, "{json:#}");
        assert_eq!(c["sessions_logged_off"], 1, "{json:#}");
        assert_eq!(c["findings"].as_array().unwrap().len(), 0, "{json:#}");
    }
    let text = json.to_string();
    assert!(
        !text.contains("Restpoint-Admin-1"),
        "no password in the report"
    );
}

#[test]
fn fail_on_warning_fails_a_leaked_session_and_fail_on_error_does_not() {
    if !restpoint_testkit::require_tool("curl") {
        return;
    }
    for (level, expected) in [("warning", 1), ("error", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hygiene.json");
        let file_arg = file.display().to_string();
        let run = Running::start(
            dir.path(),
            &["--hygiene-report", &file_arg, "--fail-on", level],
        );
        let out = Command::new("curl")
            .args(["-s", "--noproxy", "*", "--cacert"])
            .arg(dir.path().join("ca.pem"))
            .args([
                "-u",
                "admin:Restpoint-Admin-1",
                "-X",
                "POST",
                "-o",
                "/dev/null",
            ])
            .arg(format!("{}/api/sessionMngr/?v=latest", run.em))
            .status()
            .unwrap();
        assert!(out.success());
        let (code, table) = run.stop();
        assert_eq!(code, Some(expected), "--fail-on {level}: {table}");
        assert!(
            table.contains("warning EM-09 leaked_session (EM admin)"),
            "{table}"
        );
        let json = report(&file);
        assert_eq!(json["clients"][0]["findings"][0]["kind"], "leaked_session");
        assert_eq!(json["clients"][0]["findings"][0]["rule"], "EM-09");
        assert_eq!(
            json["clients"][0]["findings"][0]["exchanges"][0]["status"],
            201
        );
    }
}
