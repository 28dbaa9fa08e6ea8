//! `restpoint conform` pointed at "production": the emulator, started in this process, is
//! passed to the binary as three real servers (`--em/--vbr/--zvm` with its CA), and its counters
//! show what the run did to the account it was given.
//!
//! - a full run sends no wrong password for the real account, and logs off what it opened;
//! - `--allow-wrong-password-checks` sends exactly one per product;
//! - a wrong password stops the run after one failed attempt per product (exit 3);
//! - an unreachable target is exit 3, an empty `--tag` filter exit 4, a usage error exit 2;
//! - `--list` sends no request at all;
//! - per-product accounts and a CA bundle whose first certificate is not the servers' CA.

use std::path::PathBuf;
use std::process::Output;

use restpoint_emulator::{EmRole, Emulator, EmulatorConfig, Product, User, VbrRole};

const USER: &str = "corp-backupadmin";
const PASSWORD: &str = "Correct-Horse-7";

struct Target {
    emulator: Emulator,
    ca: PathBuf,
}

impl Target {
    async fn start(name: &str) -> Target {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let emulator = Emulator::start(EmulatorConfig::for_tests())
            .await
            .expect("the emulator starts");
        let admin = emulator.admin();
        admin.upsert_user(User {
            name: USER.into(),
            password: PASSWORD.into(),
            em_role: Some(EmRole::PortalAdministrator),
            vbr_role: Some(VbrRole::Administrator),
            zvm: true,
            mfa: false,
        });
        let ca = std::env::temp_dir().join(format!(
            "restpoint-production-{name}-{}.pem",
            std::process::id()
        ));
        std::fs::write(&ca, emulator.ca_pem()).expect("the CA file is written");
        Target { emulator, ca }
    }

    /// `--em/--vbr/--zvm` and `--ca-cert` for this emulator.
    fn target_args(&self) -> Vec<String> {
        vec![
            "--em".into(),
            self.emulator.em_url().to_string(),
            "--vbr".into(),
            self.emulator.vbr_url().to_string(),
            "--zvm".into(),
            self.emulator.zvm_url().to_string(),
            "--ca-cert".into(),
            self.ca.display().to_string(),
        ]
    }

    fn counters(&self) -> restpoint_emulator::Counters {
        self.emulator.admin().counters()
    }

    fn wrong_passwords_for(&self, user: &str) -> u64 {
        self.counters()
            .wrong_passwords
            .get(&user.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca);
    }
}

/// Runs `restpoint conform ARGS` with `env` (and no other `RESTPOINT_*` variable).
async fn conform(args: Vec<String>, env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_restpoint"));
    cmd.arg("conform").arg("--quiet").args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("RESTPOINT_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("the restpoint binary runs"))
        .await
        .expect("the command thread finishes")
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn with(mut args: Vec<String>, more: &[&str]) -> Vec<String> {
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_sends_no_wrong_password_for_the_real_account() {
    let t = Target::start("full").await;
    let out = conform(
        with(t.target_args(), &["--user", USER]),
        &[("RESTPOINT_PASSWORD", PASSWORD)],
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(t.wrong_passwords_for(USER), 0, "{all}");
    let c = t.counters();
    // The refusal checks ran, with made-up names: no existing account got a wrong password.
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert!(c.product(p).failed_logons > 0, "{p:?}: {c:?}");
        assert!(c.product(p).logons > 0, "{p:?}: {c:?}");
    }
    assert!(c.wrong_passwords.is_empty(), "{:?}", c.wrong_passwords);
    // The pre-flight ran, the ZVM's kind was detected, and the wrong-password checks were
    // skipped with their reason.
    assert!(all.contains("pre-flight"), "{all}");
    assert!(all.contains("a ZVM on Windows"), "{all}");
    assert!(all.contains("--allow-wrong-password-checks"), "{all}");
    assert!(!all.contains(PASSWORD), "the password leaked: {all}");
    // What the run opened, it closed.
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert_eq!(
            t.emulator.admin().live_sessions(p),
            0,
            "{p:?} sessions left open"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_checks_run_only_when_asked_one_per_product() {
    let t = Target::start("allow").await;
    let out = conform(
        with(
            t.target_args(),
            &[
                "--user",
                USER,
                "--allow-wrong-password-checks",
                "--zvm-kind",
                "windows",
            ],
        ),
        &[("RESTPOINT_PASSWORD", PASSWORD)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // EM-05, VBR-01/07 and ZVM-07 (Windows): one wrong password each.
    assert_eq!(t.wrong_passwords_for(USER), 3, "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_stops_after_one_attempt_per_product() {
    let t = Target::start("wrong").await;
    let wrong = "Not-The-Password-42";
    let out = conform(
        with(t.target_args(), &["--user", USER, "--zvm-kind", "windows"]),
        &[("RESTPOINT_PASSWORD", wrong)],
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert_eq!(t.wrong_passwords_for(USER), 3, "{all}");
    let c = t.counters();
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert_eq!(c.product(p).failed_logons, 1, "{p:?}: {c:?}");
        // One logon attempt and nothing else: no scenario ran.
        assert_eq!(c.product(p).requests, 1, "{p:?}: {c:?}");
    }
    assert!(all.contains("pre-flight failed"), "{all}");
    assert!(all.contains("401"), "{all}");
    assert!(!all.contains(wrong), "the password leaked: {all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_product_accounts_are_used_for_their_product() {
    let t = Target::start("accounts").await;
    let admin = t.emulator.admin();
    let mut em_only = User::new("corp-em-reader", "Em-Pass-1");
    em_only.em_role = Some(EmRole::PortalAdministrator);
    admin.upsert_user(em_only);
    let mut vbr_only = User::new("corp-vbr-operator", "Vbr-Pass-2");
    vbr_only.vbr_role = Some(VbrRole::Administrator);
    admin.upsert_user(vbr_only);
    // ZVM falls back to --user with RESTPOINT_PASSWORD. An empty tag filter: only the
    // pre-flight runs, then exit 4.
    let out = conform(
        with(
            t.target_args(),
            &[
                "--em-user",
                "corp-em-reader",
                "--user",
                USER,
                "--tag",
                "@nothing",
            ],
        ),
        &[
            ("RESTPOINT_VBR_USER", "corp-vbr-operator"),
            ("RESTPOINT_EM_PASSWORD", "Em-Pass-1"),
            ("RESTPOINT_VBR_PASSWORD", "Vbr-Pass-2"),
            ("RESTPOINT_PASSWORD", PASSWORD),
        ],
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(4), "{all}");
    assert!(all.contains("logged on as corp-em-reader"), "{all}");
    assert!(all.contains("logged on as corp-vbr-operator"), "{all}");
    assert!(all.contains(&format!("logged on as {USER}")), "{all}");
    let c = t.counters();
    assert!(c.wrong_passwords.is_empty(), "{:?}", c.wrong_passwords);
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert_eq!(c.product(p).logons, 1, "{p:?}: {c:?}");
        assert_eq!(c.product(p).logouts, 1, "{p:?}: {c:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_sends_no_request() {
    let t = Target::start("list").await;
    t.emulator.admin().reset_counters();
    // No password at all: --list needs none.
    let out = conform(with(t.target_args(), &["--user", USER, "--list"]), &[]).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let c = t.counters();
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert_eq!(c.product(p).requests, 0, "{p:?}: {c:?}");
    }
    assert!(all.contains("  run   [EM-05]"), "{all}");
    assert!(all.contains("--allow-wrong-password-checks"), "{all}");
    assert!(all.contains("emulator only"), "{all}");
    assert!(all.contains("nothing was sent"), "{all}");

    let out = conform(
        with(
            t.target_args(),
            &["--user", USER, "--list", "--tag", "@nothing"],
        ),
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(t.counters().em.requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_is_exit_3_and_a_missing_password_exit_2() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("https://127.0.0.1:{port}");
    let out = conform(
        vec!["--vbr".into(), url.clone(), "--user".into(), USER.into()],
        &[("RESTPOINT_PASSWORD", PASSWORD)],
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains(&url), "{all}");
    assert!(!all.contains(PASSWORD), "{all}");

    let out = conform(vec!["--vbr".into(), url, "--user".into(), USER.into()], &[]).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("RESTPOINT_VBR_PASSWORD"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_certificate_of_a_ca_bundle_is_trusted() {
    let t = Target::start("bundle").await;
    // Another emulator's CA first, this one's second: only the second signed the servers.
    let other = Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("a second emulator starts");
    let bundle = std::env::temp_dir().join(format!(
        "restpoint-production-bundle-{}.pem",
        std::process::id()
    ));
    std::fs::write(
        &bundle,
        format!("{}\n{}", other.ca_pem(), t.emulator.ca_pem()),
    )
    .expect("the bundle is written");
    let mut args = t.target_args();
    let at = args
        .iter()
        .position(|a| a == "--ca-cert")
        .expect("--ca-cert")
        + 1;
    args[at] = bundle.display().to_string();
    let out = conform(
        with(args, &["--user", USER, "--tag", "@nothing"]),
        &[("RESTPOINT_PASSWORD", PASSWORD)],
    )
    .await;
    let _ = std::fs::remove_file(&bundle);
    // The pre-flight passed (TLS trusted), then the empty filter ran nothing.
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(t.counters().em.logons, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_exit_3_with_a_hint() {
    let t = Target::start("untrusted").await;
    let mut args = t.target_args();
    args.truncate(args.len() - 2); // no --ca-cert: the emulator's CA is not a system root
    let out = conform(
        with(args, &["--user", USER, "--zvm-kind", "windows"]),
        &[("RESTPOINT_PASSWORD", PASSWORD)],
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("--ca-cert"), "{all}");
    let c = t.counters();
    for p in [Product::Em, Product::Vbr, Product::Zvm] {
        assert_eq!(c.product(p).requests, 0, "{p:?}: {c:?}");
    }
}
