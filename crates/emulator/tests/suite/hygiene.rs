//! The session-hygiene report (issue 17): one deliberately careless raw client per finding kind,
//! each seen in the report with its rule id and nothing else; every exchange on the virtual
//! clock (no sleeping). Two of them use curl.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Client;
use restpoint_emulator::hygiene::{FindingKind, HygieneReport, Severity};
use restpoint_emulator::{Emulator, defaults};
use serde_json::Value;

use super::{client, em_admin_logon, header_text, start};

const V: &str = "1.2-rev1";

/// Asserts the report holds exactly these (kind, rule) findings, each with an exchange, and
/// that no secret of `secrets` appears in its JSON or table.
fn assert_only(report: &HygieneReport, expected: &[(FindingKind, &str)], secrets: &[&str]) {
    let found: BTreeSet<(FindingKind, String)> = report
        .findings()
        .map(|(_, f)| (f.kind, f.rule.clone()))
        .collect();
    let want: BTreeSet<(FindingKind, String)> = expected
        .iter()
        .map(|(k, r)| (*k, (*r).to_owned()))
        .collect();
    assert_eq!(found, want, "{}", report.to_text());
    for (_, f) in report.findings() {
        assert!(!f.exchanges.is_empty(), "{}", report.to_text());
        assert_eq!(f.severity, f.kind.severity());
        assert!(f.count >= 1);
    }
    let json = report.to_json();
    let text = report.to_text();
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!json.contains(s), "a secret in the JSON report");
        assert!(!text.contains(s), "a secret in the table");
    }
}

async fn vbr_password(c: &Client, emu: &Emulator) -> Value {
    let resp = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", V)
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn vbr_refresh(c: &Client, emu: &Emulator, refresh: &str) -> reqwest::Response {
    c.post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", V)
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap()
}

async fn vbr_get(c: &Client, emu: &Emulator, access: &str, path: &str) -> u16 {
    c.get(format!("{}{path}", emu.vbr_url()))
        .header("x-api-version", V)
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn vbr_logout(c: &Client, emu: &Emulator, access: &str) {
    let resp = c
        .post(format!("{}api/oauth2/logout", emu.vbr_url()))
        .header("x-api-version", V)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

fn tok(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap().to_owned()
}

/// An EM logon: the token and the session's Delete link.
async fn em_logon(c: &Client, emu: &Emulator) -> (String, String) {
    let resp = em_admin_logon(c, emu).await;
    assert_eq!(resp.status(), 201);
    let token = header_text(&resp, "X-RestSvcSessionId");
    let body: Value = c
        .get(format!("{}api/logonSessions", emu.em_url()))
        .header("X-RestSvcSessionId", &token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let href = body["LogonSessions"][0]["Href"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, href)
}

async fn em_logout(c: &Client, token: &str, href: &str) {
    let resp = c
        .delete(href)
        .header("X-RestSvcSessionId", token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

async fn em_get(c: &Client, emu: &Emulator, token: &str, path: &str) -> u16 {
    c.get(format!("{}{path}", emu.em_url()))
        .header("X-RestSvcSessionId", token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn zvm_logon(c: &Client, emu: &Emulator) -> String {
    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .basic_auth(defaults::ADMIN_USER, Some(defaults::ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    header_text(&resp, "x-zerto-session")
}

async fn zvm_logout(c: &Client, emu: &Emulator, session: &str) {
    let resp = c
        .delete(format!("{}v1/session", emu.zvm_url()))
        .header("x-zerto-session", session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// curl against the emulator, trusting its CA; answers the status and the headers+body text.
async fn curl(emu: &Emulator, args: &[&str]) -> (u16, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let out = tokio::process::Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--noproxy",
            "*",
            "-i",
            "--cacert",
        ])
        .arg(&ca)
        .args(args)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    (status, text)
}

#[tokio::test]
async fn a_clean_raw_client_gets_a_clean_report_with_its_sessions_counted() {
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    assert_eq!(
        vbr_get(&c, &emu, &tok(&t, "access_token"), "api/v1/jobs").await,
        200
    );
    emu.advance(Duration::from_secs(600));
    let r = vbr_refresh(&c, &emu, &tok(&t, "refresh_token")).await;
    assert_eq!(r.status(), 200);
    let t2: Value = r.json().await.unwrap();
    assert_eq!(
        vbr_get(&c, &emu, &tok(&t2, "access_token"), "api/v1/jobs").await,
        200
    );
    vbr_logout(&c, &emu, &tok(&t2, "access_token")).await;
    let (em, href) = em_logon(&c, &emu).await;
    assert_eq!(em_get(&c, &emu, &em, "api/jobs").await, 200);
    em_logout(&c, &em, &href).await;
    let z = zvm_logon(&c, &emu).await;
    zvm_logout(&c, &emu, &z).await;
    let report = emu.hygiene();
    assert_only(&report, &[], &[&em, &z, &tok(&t, "refresh_token")]);
    let vbr = report
        .clients
        .iter()
        .find(|c| c.product == restpoint_emulator::Product::Vbr);
    let vbr = vbr.expect("the VBR client");
    assert_eq!(vbr.user, defaults::ADMIN_USER);
    assert_eq!((vbr.sessions_opened, vbr.sessions_logged_off), (1, 1));
    assert_eq!(vbr.requests, 5);
    assert!(
        report.to_text().contains("no finding"),
        "{}",
        report.to_text()
    );
}

/// EM-09, with curl: a logon that is never logged off.
#[tokio::test]
async fn leaked_session_em_09_curl() {
    if !restpoint_testkit::require_tool("curl") {
        return;
    }
    let emu = start().await;
    let user = format!("{}:{}", defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let url = format!("{}api/sessionMngr/?v=latest", emu.em_url());
    let (status, text) = curl(&emu, &["-u", &user, "-X", "POST", &url]).await;
    assert_eq!(status, 201, "{text}");
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::LeakedSession, "EM-09")],
        &[defaults::ADMIN_PASSWORD],
    );
    let (c, f) = report.findings().next().unwrap();
    assert_eq!((c.sessions_opened, c.sessions_logged_off), (1, 0));
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.exchanges[0].path, "/api/sessionmngr?v=latest");
    assert_eq!(f.exchanges[0].status, 201);
    assert_eq!(f.exchanges[0].session.as_deref(), Some("EM#1"));
}

/// VBR-08, with curl: a call without x-api-version.
#[tokio::test]
async fn missing_api_version_vbr_08_curl() {
    if !restpoint_testkit::require_tool("curl") {
        return;
    }
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    let access = tok(&t, "access_token");
    let auth = format!("Authorization: Bearer {access}");
    let url = format!("{}api/v1/jobs", emu.vbr_url());
    let (status, _) = curl(&emu, &["-H", &auth, &url]).await;
    assert_eq!(status, 400);
    vbr_logout(&c, &emu, &access).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::MissingApiVersion, "VBR-08")],
        &[&access],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!((f.count, f.exchanges[0].status), (1, 400));
    assert_eq!(f.exchanges[0].path, "/api/v1/jobs");
    assert_eq!(f.exchanges[0].session.as_deref(), Some("VBR#1"));
}

/// ZVM-05: a logon (and logoff) around every single call.
#[tokio::test]
async fn relogon_per_call_zvm_05() {
    let emu = start().await;
    let c = client(&emu);
    let mut ids = Vec::new();
    for _ in 0..6 {
        let z = zvm_logon(&c, &emu).await;
        let status = c
            .get(format!("{}v1/localsite", emu.zvm_url()))
            .header("x-zerto-session", &z)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
        zvm_logout(&c, &emu, &z).await;
        ids.push(z);
    }
    let report = emu.hygiene();
    let secrets: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_only(
        &report,
        &[(FindingKind::RelogonPerCall, "ZVM-05")],
        &secrets,
    );
    assert_eq!(report.clients[0].peak_logons_per_minute, 6);
    // Five logons a minute are within the default threshold.
    let emu = start().await;
    for _ in 0..5 {
        let z = zvm_logon(&c_for(&emu), &emu).await;
        zvm_logout(&c_for(&emu), &emu, &z).await;
        emu.advance(Duration::from_secs(1));
    }
    assert_only(&emu.hygiene(), &[], &[]);
}

fn c_for(emu: &Emulator) -> Client {
    client(emu)
}

/// VBR-10: two refreshes with the same refresh token at once.
#[tokio::test]
async fn refresh_storm_vbr_10() {
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    let refresh = tok(&t, "refresh_token");
    let (a, b) = tokio::join!(
        vbr_refresh(&c, &emu, &refresh),
        vbr_refresh(&c, &emu, &refresh)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
    let fresh: Value = if a.status() == 200 { a } else { b }.json().await.unwrap();
    vbr_logout(&c, &emu, &tok(&fresh, "access_token")).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::RefreshStorm, "VBR-10")],
        &[&refresh],
    );
    let (c0, f) = report.findings().next().unwrap();
    assert_eq!(f.count, 1);
    assert_eq!(f.exchanges[0].path, "/api/oauth2/token");
    assert_eq!((c0.sessions_opened, c0.sessions_logged_off), (1, 1));
}

/// VBR-10: a refresh token presented again a minute after it was spent.
#[tokio::test]
async fn spent_refresh_reuse_vbr_10() {
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    let refresh = tok(&t, "refresh_token");
    let first = vbr_refresh(&c, &emu, &refresh).await;
    assert_eq!(first.status(), 200);
    let fresh: Value = first.json().await.unwrap();
    emu.advance(Duration::from_secs(60));
    assert_eq!(vbr_refresh(&c, &emu, &refresh).await.status(), 401);
    vbr_logout(&c, &emu, &tok(&fresh, "access_token")).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::SpentRefreshReuse, "VBR-10")],
        &[&refresh],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!((f.exchanges[0].status, f.exchanges[0].at_ms), (401, 60_000));
}

/// VBR-04: a second password grant while the first session's refresh token is still valid.
#[tokio::test]
async fn password_grant_with_live_refresh_vbr_04() {
    let emu = start().await;
    let c = client(&emu);
    let first = vbr_password(&c, &emu).await;
    emu.advance(Duration::from_secs(300));
    let second = vbr_password(&c, &emu).await;
    vbr_logout(&c, &emu, &tok(&first, "access_token")).await;
    vbr_logout(&c, &emu, &tok(&second, "access_token")).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::PasswordGrantWithLiveRefresh, "VBR-04")],
        &[defaults::ADMIN_PASSWORD, &tok(&first, "refresh_token")],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.exchanges[0].session.as_deref(), Some("VBR#2"));
    assert_eq!(f.exchanges[0].at_ms, 300_000);
}

/// EM-08: a token refused with 401 (its session logged off) sent again.
#[tokio::test]
async fn retry_after_401_em_08() {
    let emu = start().await;
    let c = client(&emu);
    let (em, href) = em_logon(&c, &emu).await;
    em_logout(&c, &em, &href).await;
    assert_eq!(em_get(&c, &emu, &em, "api/jobs").await, 401);
    assert_eq!(em_get(&c, &emu, &em, "api/jobs").await, 401);
    assert_eq!(em_get(&c, &emu, &em, "api/jobs").await, 401);
    let report = emu.hygiene();
    assert_only(&report, &[(FindingKind::RetryAfter401, "EM-08")], &[&em]);
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.count, 2, "the first 401 is no retry");
    assert_eq!(f.severity, Severity::Error);
}

/// VBR-02: an access token used past its lifetime (then refreshed and logged off properly).
#[tokio::test]
async fn request_after_expiry_vbr_02() {
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    emu.advance(Duration::from_secs(901));
    assert_eq!(
        vbr_get(&c, &emu, &tok(&t, "access_token"), "api/v1/jobs").await,
        401
    );
    let r = vbr_refresh(&c, &emu, &tok(&t, "refresh_token")).await;
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().await.unwrap();
    vbr_logout(&c, &emu, &tok(&fresh, "access_token")).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::RequestAfterExpiry, "VBR-02")],
        &[&tok(&t, "access_token")],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(
        (f.exchanges[0].status, f.exchanges[0].at_ms),
        (401, 901_000)
    );
}

/// EM-12: a new logon while the first session's job task is still running.
#[tokio::test]
async fn relogon_during_task_em_12() {
    let emu = start().await;
    let c = client(&emu);
    let (first, first_href) = em_logon(&c, &emu).await;
    let mut inventory = restpoint_emulator::Inventory::default();
    inventory.fill_ids();
    let job = &inventory.jobs[0].id;
    let resp = c
        .post(format!("{}api/jobs/{job}?action=start", emu.em_url()))
        .header("X-RestSvcSessionId", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    emu.advance(Duration::from_secs(2));
    let (second, second_href) = em_logon(&c, &emu).await;
    em_logout(&c, &second, &second_href).await;
    em_logout(&c, &first, &first_href).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::RelogonDuringTask, "EM-12")],
        &[&first, &second],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.exchanges[0].session.as_deref(), Some("EM#2"));
    assert_eq!(f.exchanges[0].method, "POST");
}

/// EM-06: the cookie names one session, the header another.
#[tokio::test]
async fn cookie_header_mismatch_em_06() {
    let emu = start().await;
    let c = client(&emu);
    let (a, a_href) = em_logon(&c, &emu).await;
    let (b, b_href) = em_logon(&c, &emu).await;
    let status = c
        .get(format!("{}api/jobs", emu.em_url()))
        .header("Cookie", format!("X-RestSvcSessionId={a}"))
        .header("X-RestSvcSessionId", &b)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    em_logout(&c, &a, &a_href).await;
    em_logout(&c, &b, &b_href).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::CookieHeaderMismatch, "EM-06")],
        &[&a, &b],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.exchanges[0].path, "/api/jobs");
    assert_eq!(
        f.exchanges[0].session.as_deref(),
        Some("EM#1"),
        "the cookie decides"
    );
}

/// A job start that had succeeded, sent again (RFC 9110: POST is not idempotent).
#[tokio::test]
async fn non_idempotent_repeat_vbr() {
    let emu = start().await;
    let c = client(&emu);
    let t = vbr_password(&c, &emu).await;
    let access = tok(&t, "access_token");
    let jobs: Value = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", V)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = jobs["data"][0]["id"].as_str().unwrap();
    let start = |c: &Client| {
        c.post(format!("{}api/v1/jobs/{id}/start", emu.vbr_url()))
            .header("x-api-version", V)
            .bearer_auth(&access)
            .send()
    };
    assert!(start(&c).await.unwrap().status().is_success());
    emu.advance(Duration::from_secs(5));
    let _ = start(&c).await.unwrap();
    vbr_logout(&c, &emu, &access).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[(FindingKind::NonIdempotentRepeat, "RFC9110-9.2.2")],
        &[&access],
    );
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.count, 1);
    assert_eq!(f.exchanges[0].at_ms, 5_000);
    assert_eq!(f.exchanges[0].path, format!("/api/v1/jobs/{id}/start"));
}

/// The admin API serves the same report, and DELETE forgets what was seen.
#[tokio::test]
async fn the_admin_api_serves_and_clears_the_report() {
    let emu =
        super::start_with(restpoint_emulator::EmulatorConfig::for_tests().with_admin_port(Some(0)))
            .await;
    let c = client(&emu);
    let _leaked = zvm_logon(&c, &emu).await;
    let admin = emu.admin_url().unwrap();
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let over_http: HygieneReport = plain
        .get(admin.join("admin/hygiene").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http.clients, emu.hygiene().clients);
    assert_only(
        &over_http,
        &[(FindingKind::LeakedSession, "ZVM-04")],
        &[&_leaked],
    );
    let status = plain
        .delete(admin.join("admin/hygiene").unwrap())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert!(emu.hygiene().clients.is_empty());
    let settings: restpoint_emulator::HygieneSettings = plain
        .get(admin.join("admin/hygiene/settings").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings, restpoint_emulator::HygieneSettings::default());
    assert_eq!(settings.max_logons_per_minute, 5);
    let stricter = restpoint_emulator::HygieneSettings {
        max_logons_per_minute: 0,
        ..settings
    };
    let status = plain
        .put(admin.join("admin/hygiene/settings").unwrap())
        .json(&stricter)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    let z = zvm_logon(&c, &emu).await;
    zvm_logout(&c, &emu, &z).await;
    assert_only(
        &emu.hygiene(),
        &[(FindingKind::RelogonPerCall, "ZVM-05")],
        &[&z],
    );
}

/// `max_sessions` and `max_events` bound what is kept, and the report says what was dropped.
#[tokio::test]
async fn the_ledger_is_bounded_and_says_what_it_dropped() {
    let settings = restpoint_emulator::HygieneSettings {
        max_sessions: 1,
        max_events: 3,
        ..restpoint_emulator::HygieneSettings::default()
    };
    let emu =
        super::start_with(restpoint_emulator::EmulatorConfig::for_tests().with_hygiene(settings))
            .await;
    let c = client(&emu);
    let first = zvm_logon(&c, &emu).await;
    let second = zvm_logon(&c, &emu).await;
    zvm_logout(&c, &emu, &first).await;
    zvm_logout(&c, &emu, &second).await;
    let report = emu.hygiene();
    assert_eq!(report.sessions_dropped, 1);
    assert_eq!(report.events_dropped, 1);
    let total: u64 = report.clients.iter().map(|c| c.requests).sum();
    assert_eq!(total, 3);
    assert!(
        report.to_text().contains("1 logons not tracked"),
        "{}",
        report.to_text()
    );
    assert!(
        report.to_text().contains("1 events dropped"),
        "{}",
        report.to_text()
    );
}

/// EM-08: a session left idle past 15 minutes and used again; it was never logged off, so it is
/// leaked too (EM-09), while the new session that follows is closed properly.
#[tokio::test]
async fn request_after_idle_expiry_em_08() {
    let emu = start().await;
    let c = client(&emu);
    let (idle, _) = em_logon(&c, &emu).await;
    emu.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(em_get(&c, &emu, &idle, "api/jobs").await, 401);
    let (fresh, href) = em_logon(&c, &emu).await;
    assert_eq!(em_get(&c, &emu, &fresh, "api/jobs").await, 200);
    em_logout(&c, &fresh, &href).await;
    let report = emu.hygiene();
    assert_only(
        &report,
        &[
            (FindingKind::RequestAfterExpiry, "EM-08"),
            (FindingKind::LeakedSession, "EM-09"),
        ],
        &[&idle, &fresh],
    );
    let expiry = report
        .findings()
        .find(|(_, f)| f.kind == FindingKind::RequestAfterExpiry)
        .unwrap()
        .1;
    assert_eq!(expiry.exchanges[0].session.as_deref(), Some("EM#1"));
    assert_eq!(expiry.exchanges[0].at_ms, 901_000);
}
