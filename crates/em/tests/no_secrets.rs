//! R3: EM flows under a global TRACE subscriber (client and emulator in one process); no
//! password, `X-RestSvcSessionId` token or `SessionId` in any log line or in the
//! `Debug`/`Display` output of the public session types and errors.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restpoint_em::session::{EmFormat, EmSession};
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{Credentials, ExposeSecret};

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

async fn remember(em: &EmSession, secrets: &mut Vec<String>) {
    let session = em.logon_session().unwrap();
    secrets.push(session.session_id().to_owned());
    let token = em.token().await.unwrap();
    secrets.push(token.access().expose_secret().to_owned());
}

#[tokio::test]
async fn no_secret_in_trace_logs_or_debug_output() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .init();

    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let clock = emulator.clock().unwrap().shared();
    let mut printed = String::new();
    let mut secrets: Vec<String> =
        vec![defaults::ADMIN_PASSWORD.into(), "wrong-password-xyz".into()];
    let builder = |password: &str, format: EmFormat| {
        EmSession::builder(emulator.em_url())
            .credentials(Credentials::new(defaults::ADMIN_USER, password))
            .ca_pem(emulator.ca_pem())
            .clock(clock.clone())
            .format(format)
    };
    for format in [EmFormat::Xml, EmFormat::Json] {
        let em = builder(defaults::ADMIN_PASSWORD, format)
            .build()
            .await
            .unwrap();
        remember(&em, &mut secrets).await;
        printed += &format!("{em:?} {:?}", em.session().authenticator());
        // The generated model itself (EM-14: SessionId and the Href holding it are secrets).
        let logon = em.logon_session().unwrap();
        printed += &format!("{logon:?} {logon:#?}");
        assert!(
            printed.contains("<redacted>"),
            "the LogonSession was not printed"
        );
        em.get("api/jobs").await.unwrap();
        // The session's own resource: its path holds the SessionId (EM-14), which no span
        // may record.
        let own = format!(
            "api/logonSessions/{}",
            em.logon_session().unwrap().session_id()
        );
        em.get(&own).await.unwrap();
        for n in 1..=3 {
            emulator.advance(Duration::from_secs(5 * 60));
            let mut waited = 0;
            while em.stats().n_keep_alives < n {
                waited += 1;
                assert!(waited < 1000, "keep-alive {n} not sent within 5 s");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        emulator.admin().revoke_all(Product::Em);
        em.get("api/jobs").await.unwrap();
        remember(&em, &mut secrets).await;
        emulator
            .admin()
            .inject_fault(Product::Em, Fault::Status(401), 5);
        let error = em.get("api/jobs").await.unwrap_err();
        printed += &format!("{error:?} {error}");
        emulator.admin().clear_faults();
        em.get("api/jobs").await.unwrap();
        remember(&em, &mut secrets).await;
        em.logout().await.unwrap();
        let error = em.get("api/jobs").await.unwrap_err();
        printed += &format!("{error:?} {error}");
    }
    let error = builder("wrong-password-xyz", EmFormat::Xml)
        .build()
        .await
        .unwrap_err();
    printed += &format!("{error:?} {error}");
    let dropped = builder(defaults::ADMIN_PASSWORD, EmFormat::Xml)
        .build()
        .await
        .unwrap();
    secrets.push(dropped.logon_session().unwrap().session_id().to_owned());
    drop(dropped);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("restpoint.call"), "spans were not captured");
    assert!(logs.contains("session dropped without logout"));
    assert!(secrets.len() >= 14, "flows did not run");
    for secret in &secrets {
        assert!(secret.len() >= 8);
        assert!(
            !logs.contains(secret.as_str()),
            "a secret was exposed in the logs"
        );
        assert!(
            !printed.contains(secret.as_str()),
            "a secret was exposed in debug output"
        );
    }
}
