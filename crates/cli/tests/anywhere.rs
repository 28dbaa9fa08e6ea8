//! `restpoint conform` needs no checkout: the feature files and the rule catalogue are built into
//! the binary. Run from an empty folder, it measures coverage against the built-in catalogue; a
//! run whose coverage has problems exits non-zero. (`.ci/run` also runs a copy of the binary with
//! the checkout and `../shared` out of reach.)

use std::process::{Command, Output};

fn conform_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restpoint"))
        .current_dir(dir)
        .arg("conform")
        .args(["--profile", "default", "--quiet"])
        .args(args)
        .output()
        .expect("the restpoint binary runs")
}

#[test]
fn conform_runs_from_an_empty_folder_with_coverage_measured() {
    let dir = tempfile::tempdir().unwrap();
    let out = conform_in(dir.path(), &["--tag", "EM-01", "--json", "report.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("Coverage: 44 of 44 rules of the rule catalogue have scenarios"),
        "{text}"
    );
    let json = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(
        json.contains("crates/conformance/features/em/versions.feature"),
        "embedded files are named by their place in the repository: {json}"
    );
}

#[test]
fn conform_fails_when_the_features_leave_rules_uncovered() {
    let dir = tempfile::tempdir().unwrap();
    let em = dir.path().join("features/em");
    std::fs::create_dir_all(&em).unwrap();
    std::fs::write(
        em.join("root.feature"),
        "Feature: root\n\n  @EM-01\n  Scenario: the entry point answers\n    When I ask for the Enterprise Manager entry point without credentials\n    Then the answer is 200 OK\n",
    )
    .unwrap();
    let out = conform_in(dir.path(), &["--features", "features"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text.contains("Coverage: 1 of 44"), "{text}");
    assert!(text.contains("rule EM-02 has no scenario"), "{text}");
    // The one scenario itself ran and passed: only the coverage fails the run.
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn conform_fails_when_the_features_folder_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = conform_in(dir.path(), &["--features", "no-such-folder"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-folder"), "{err}");
}

#[test]
fn conform_cross_checks_the_catalogue_with_the_facts() {
    let Some(facts) = restpoint_testkit::shared_path("docs/protocol-facts.md") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = conform_in(
        dir.path(),
        &["--tag", "EM-01", "--facts", facts.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    // A copy of the facts that lost a rule and a mark is reported as a coverage problem.
    let text = std::fs::read_to_string(&facts).unwrap();
    let changed = text
        .lines()
        .filter(|l| !l.starts_with("- ZVM-07 "))
        .map(|l| l.replace("`@doc-conflict`", ""))
        .collect::<Vec<_>>()
        .join("\n");
    let copy = dir.path().join("facts.md");
    std::fs::write(&copy, changed).unwrap();
    let out = conform_in(
        dir.path(),
        &["--tag", "EM-01", "--facts", copy.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout.contains("ZVM-07 is in the catalogue but not a rule of the facts"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the catalogue has @doc-conflict"),
        "{stdout}"
    );
}
