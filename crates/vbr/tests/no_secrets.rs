//! R3: every VBR flow under a global TRACE subscriber (client and emulator in one process); no
//! password, access token, refresh token or authorization code in any log line or
//! in the `Debug`/`Display` output of the public types and errors.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{Credentials, ExposeSecret};
use restpoint_vbr::session::{VbrGrant, VbrSession};

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

fn remember(token: &restpoint_session::Token, secrets: &mut Vec<String>, printed: &mut String) {
    secrets.push(token.access().expose_secret().to_owned());
    if let Some(r) = token.refresh_token() {
        secrets.push(r.expose_secret().to_owned());
    }
    *printed += &format!("{token:?}");
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
    let mut secrets: Vec<String> = vec![
        defaults::ADMIN_PASSWORD.into(),
        defaults::MFA_PASSWORD.into(),
        defaults::VBR_TOKEN.into(),
        "wrong-password-xyz".into(),
    ];
    let builder = |user: &str, password: &str| {
        VbrSession::builder(emulator.vbr_url())
            .credentials(Credentials::new(user, password))
            .ca_pem(emulator.ca_pem())
            .clock(clock.clone())
    };
    let jobs = |vbr: &VbrSession| {
        let url = vbr.base_url().join("api/v1/jobs").unwrap();
        vbr.http().get(url).build().unwrap()
    };

    let vbr = builder(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
        .build()
        .await
        .unwrap();
    printed += &format!("{vbr:?} {:?}", vbr.session().authenticator());
    remember(&vbr.token().await.unwrap(), &mut secrets, &mut printed);
    vbr.send(jobs(&vbr)).await.unwrap();
    emulator.advance(Duration::from_secs(16 * 60));
    vbr.send(jobs(&vbr)).await.unwrap();
    remember(&vbr.token().await.unwrap(), &mut secrets, &mut printed);
    emulator.admin().revoke_all(Product::Vbr);
    vbr.send(jobs(&vbr)).await.unwrap();
    remember(&vbr.token().await.unwrap(), &mut secrets, &mut printed);
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(401), 5);
    let error = vbr.send(jobs(&vbr)).await.unwrap_err();
    printed += &format!("{error:?} {error}");
    emulator.admin().clear_faults();
    let code = vbr.create_authorization_code().await.unwrap();
    secrets.push(code.expose_secret().to_owned());
    let other = VbrSession::builder(emulator.vbr_url())
        .grant(VbrGrant::AuthorizationCode(code))
        .ca_pem(emulator.ca_pem())
        .build()
        .await
        .unwrap();
    remember(&other.token().await.unwrap(), &mut secrets, &mut printed);
    printed += &format!("{other:?} {:?}", other.session().authenticator());
    other.logout().await.unwrap();
    let error = builder(defaults::MFA_USER, defaults::MFA_PASSWORD)
        .build()
        .await
        .unwrap_err();
    printed += &format!("{error:?} {error}");
    let error = builder(defaults::ADMIN_USER, "wrong-password-xyz")
        .build()
        .await
        .unwrap_err();
    printed += &format!("{error:?} {error}");
    let insecure = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .danger_accept_invalid_certs(true)
        .build()
        .await
        .unwrap();
    remember(&insecure.token().await.unwrap(), &mut secrets, &mut printed);
    drop(insecure);
    vbr.logout().await.unwrap();
    printed += &format!("{vbr:?} {:?}", vbr.stats());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("restpoint.call"), "spans were not captured");
    assert!(logs.contains("tls certificate verification is disabled"));
    assert!(logs.contains("session dropped without logout"));
    assert!(secrets.len() >= 12, "flows did not run");
    for secret in &secrets {
        assert!(secret.len() >= 6);
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
