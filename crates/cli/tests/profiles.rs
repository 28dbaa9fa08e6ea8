//! `restpoint emulate --profile` / `--list-profiles` and `restpoint conform --profile` from the
//! command line: the list, and exit code 2 with the known names for an unknown profile.

use std::process::Command;

fn restpoint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_restpoint"))
        .args(args)
        .output()
        .expect("the restpoint binary runs")
}

#[test]
fn list_profiles_prints_every_profile_with_its_rules() {
    let out = restpoint(&["emulate", "--list-profiles"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for name in restpoint_emulator::Profile::names() {
        assert!(text.contains(&format!("profile {name}:")), "{text}");
    }
    assert!(text.contains("VBR-13"), "{text}");
    assert!(text.contains("ZVM-10"), "{text}");
}

#[test]
fn an_unknown_profile_exits_2_and_lists_the_known_ones() {
    for args in [
        &["emulate", "--profile", "vbr-99", "--em-port", "0"][..],
        &["conform", "--profile", "vbr-99", "--quiet"],
    ] {
        let out = restpoint(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown server profile \"vbr-99\""), "{err}");
        assert!(
            err.contains("vbr-13.1.0") && err.contains("zvm-10"),
            "{err}"
        );
    }
}
