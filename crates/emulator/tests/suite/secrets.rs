//! R3: no password, token or session id in any log line (at TRACE) or in `Debug` output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use restpoint_emulator::{EmulatorConfig, defaults};
use serde_json::Value;

use super::{basic, client, em_admin_logon, header_text, start};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime: the servers' tasks run on this thread, under the capturing subscriber.
#[tokio::test(flavor = "current_thread")]
async fn r3_no_secret_in_trace_logs_or_debug_output() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = start().await;
    let c = client(&emu);
    let resp = em_admin_logon(&c, &emu).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let em_token = header_text(&resp, "X-RestSvcSessionId");
    let body = resp.text().await.unwrap();
    let session_id = super::xml_text(&body, "SessionId").unwrap().to_string();
    let _ = c
        .post(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, "Wrong-Secret-Password"),
        )
        .send()
        .await
        .unwrap();
    let t: Value = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // An MFA account is refused (VBR-09); its password must not show in the refusal's log line.
    let mfa: Value = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::MFA_USER),
            ("password", defaults::MFA_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    let zvm_session = resp.headers()["x-zerto-session"]
        .to_str()
        .unwrap()
        .to_string();
    emu.admin().inject_fault(
        restpoint_emulator::Product::Vbr,
        restpoint_emulator::Fault::Status(500),
        1,
    );
    let _ = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    emu.shutdown().await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("EM logon"), "the capture works: {logs}");
    assert_eq!(mfa["errorCode"], "AccessDenied");
    assert!(
        logs.contains("MFA is enabled"),
        "the MFA refusal is logged: {logs}"
    );
    let config = EmulatorConfig::for_tests();
    let debug = format!("{config:?} {:?}", config.users);
    let secrets = [
        defaults::ADMIN_PASSWORD,
        defaults::MFA_PASSWORD,
        "Wrong-Secret-Password",
        &em_token,
        &session_id,
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
        &zvm_session,
    ];
    for secret in secrets {
        assert!(!logs.contains(secret), "a secret leaked into the logs");
        assert!(!debug.contains(secret), "a secret leaked into Debug output");
    }
}
