//! Every flow of the session core under a global TRACE subscriber: no password, token or
//! refresh token in any log line or in the `Debug`/`Display` output of the public types and
//! errors. Its own test binary, so the global subscriber sees every thread.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{PASSWORD, Server};
use parking_lot::Mutex;
use restpoint_session::{Credentials, HttpOptions};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_secret_in_trace_logs_or_debug_output() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let mut printed = String::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let issued = {
        runtime.block_on(async {
            let server = Server::start().await;
            let session = server.session(PASSWORD);
            printed += &format!("{session:?}");
            let token = session.token().await.unwrap();
            printed += &format!("{token:?}");
            printed += &format!("{:?}", Credentials::new("alice", PASSWORD));
            printed += &format!("{}", Credentials::new("alice", PASSWORD));
            server.app.clock.advance(Duration::from_secs(20 * 60));
            session.send(server.data_request(&session)).await.unwrap();
            server.app.state.access.lock().clear();
            session.send(server.data_request(&session)).await.unwrap();
            server.app.state.always_401.store(true, Ordering::SeqCst);
            let error = session
                .send(server.data_request(&session))
                .await
                .unwrap_err();
            printed += &format!("{error:?} {error}");
            server.app.state.always_401.store(false, Ordering::SeqCst);
            session.logout().await.unwrap();
            let wrong = server.session("wrong-password-xyz");
            let error = wrong.token().await.unwrap_err();
            printed += &format!("{error:?} {error}");
            let insecure = HttpOptions::new().danger_accept_invalid_certs(true);
            printed += &format!("{insecure:?}");
            insecure.build_client("test").unwrap();
            let issued = server.app.state.issued.lock().clone();
            drop(session);
            issued
        })
    };
    let logs = String::from_utf8(capture.0.lock().clone()).unwrap();
    assert!(
        logs.contains("restpoint.call"),
        "spans were not captured: {}",
        &logs[..logs.len().min(3000)]
    );
    assert!(logs.contains("tls certificate verification is disabled"));
    assert!(issued.len() >= 6, "flows did not run: {issued:?}");
    let mut secrets = issued;
    secrets.push(PASSWORD.to_owned());
    secrets.push("wrong-password-xyz".to_owned());
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "secret was exposed in logs"
        );
        assert!(
            !printed.contains(secret.as_str()),
            "secret was exposed in debug output"
        );
    }
    for marker in ["SECRETACCESS", "SECRETREFRESH"] {
        assert!(!logs.contains(marker) && !printed.contains(marker));
    }
}
