//! Test helpers shared by the workspace's tests (a dev-dependency only; never published).
//!
//! Some tests need files that are not part of the repository (`../shared`: the protocol facts,
//! the vendors' samples and OpenAPI files) or a tool (`xmllint`, `curl`). Such a test asks here
//! first:
//!
//! - under CI (the environment variable `CI` is set) a missing file or tool **panics** with a
//!   message that names it, so that CI never passes a test that did not run;
//! - elsewhere it prints a loud `!!! SKIPPED` line to stderr and answers `None` / `false`, and
//!   the test returns early.
//!
//! ```no_run
//! let Some(seeds) = restpoint_testkit::shared_path("seeds") else { return };
//! if !restpoint_testkit::require_tool("xmllint") { return }
//! # let _ = seeds;
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether the tests run under CI (the environment variable `CI` is set): a missing file or tool
/// is then a failure, not a skip.
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// The repository root: the workspace folder that holds this crate (`crates/testkit`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit sits two levels below the repository root")
        .to_path_buf()
}

/// The folder `shared` beside the repository root (`<root>/../shared`), where the protocol facts,
/// the vendor samples and the vendor OpenAPI files live; never part of the repository.
pub fn shared_root() -> PathBuf {
    repo_root().join("..").join("shared")
}

/// `../shared/<rel>` (a file or a folder), when it exists. When it does not: panics under CI,
/// else prints a loud skip line naming `rel` and answers `None`.
pub fn shared_path(rel: impl AsRef<Path>) -> Option<PathBuf> {
    let path = shared_root().join(rel.as_ref());
    if path.exists() {
        return Some(path);
    }
    missing(&format!("{} is missing", path.display()))
}

/// Whether `tool` runs (`tool --version`). When it does not: panics under CI, else prints a loud
/// skip line and answers `false`. `.ci/run` installs every tool a test asks for.
pub fn require_tool(tool: &str) -> bool {
    let runs = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    runs || missing::<()>(&format!("the tool `{tool}` is not on PATH")).is_some()
}

/// Panics under CI, else prints the skip line; answers `None` for the caller's early return.
fn missing<T>(what: &str) -> Option<T> {
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    assert!(
        !under_ci(),
        "{what}: CI is set, so {test} must run and fails instead of skipping"
    );
    // Straight to stderr, not through `eprintln!`: the test harness captures that macro's output
    // of passing tests, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPED {test}: {what} (under CI this fails) !!!\n"
    );
    None
}

/// `cargo build --offline --locked -p PACKAGE --features FEATURE --example EXAMPLE` in this
/// workspace (and so its target dir), with `env` set as given (`Some`) or removed (`None`).
/// For tests that build an example behind a feature (the build-time full API).
pub fn build_example(
    package: &str,
    feature: &str,
    example: &str,
    env: (&str, Option<&Path>),
) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(repo_root()).args([
        "build",
        "--offline",
        "--locked",
        "--message-format=short",
        "-p",
        package,
        "--features",
        feature,
        "--example",
        example,
    ]);
    match env {
        (name, Some(value)) => cmd.env(name, value),
        (name, None) => cmd.env_remove(name),
    };
    cmd.output().expect("cargo runs")
}

/// The example `name` built next to the running test binary (`target/<profile>/examples/`).
pub fn example_binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Standard output and standard error of `out`, for assertion messages.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_repository_root() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("crates/testkit").is_dir());
    }

    #[test]
    fn a_tool_that_exists_is_found() {
        // `cargo` runs these tests, so it is on PATH.
        assert!(require_tool("cargo"));
    }

    #[test]
    fn a_missing_thing_fails_under_ci_and_skips_elsewhere() {
        let name = "restpoint-testkit-no-such-file-7f3a";
        let result = std::panic::catch_unwind(|| shared_path(name));
        if under_ci() {
            let message = result.expect_err("under CI a missing file panics");
            let text = message
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            assert!(text.contains(name) && text.contains("CI"), "{text}");
        } else {
            assert_eq!(result.expect("outside CI no panic"), None);
        }
    }
}
