//! R3: ZVM flows (Windows and Appliance) under a global TRACE subscriber (client and emulator in
//! one process); no password, client secret, session id or token in any log line or in the
//! `Debug`/`Display` output of the public session types and errors.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::{Credentials, ExposeSecret, Token};
use restpoint_zvm::session::{ZvmFlavor, ZvmSession};

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

fn remember(token: &Token, secrets: &mut Vec<String>, printed: &mut String) {
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
        defaults::ZVM_OIDC_CLIENT_SECRET.into(),
        "wrong-password-xyz".into(),
    ];
    let vpgs = |zvm: &ZvmSession| {
        let url = zvm.base_url().join("v1/vpgs").unwrap();
        zvm.http().get(url).build().unwrap()
    };
    for flavor in [ZvmFlavor::Windows(None), ZvmFlavor::Appliance] {
        let zvm = ZvmSession::builder(emulator.zvm_url())
            .credentials(Credentials::new(
                defaults::ADMIN_USER,
                defaults::ADMIN_PASSWORD,
            ))
            .ca_pem(emulator.ca_pem())
            .clock(clock.clone())
            .flavor(flavor)
            .keep_alive(Duration::from_secs(10 * 60))
            .build()
            .await
            .unwrap();
        printed += &format!("{zvm:?} {:?}", zvm.session().authenticator());
        remember(&zvm.token().await.unwrap(), &mut secrets, &mut printed);
        zvm.send(vpgs(&zvm)).await.unwrap();
        emulator.advance(Duration::from_secs(6 * 60));
        zvm.send(vpgs(&zvm)).await.unwrap();
        remember(&zvm.token().await.unwrap(), &mut secrets, &mut printed);
        emulator.admin().revoke_all(Product::Zvm);
        zvm.send(vpgs(&zvm)).await.unwrap();
        remember(&zvm.token().await.unwrap(), &mut secrets, &mut printed);
        zvm.logout().await.unwrap();
        let error = zvm.send(vpgs(&zvm)).await.unwrap_err();
        printed += &format!("{error:?} {error}");
        let error = ZvmSession::builder(emulator.zvm_url())
            .credentials(Credentials::new(defaults::ADMIN_USER, "wrong-password-xyz"))
            .ca_pem(emulator.ca_pem())
            .flavor(flavor)
            .build()
            .await
            .unwrap_err();
        printed += &format!("{error:?} {error}");
    }
    // The emulator serves both kinds: a Detect would find a Windows ZVM (ZVM-10), which has no
    // client credentials, so the Appliance is named.
    let client = ZvmSession::builder(emulator.zvm_url())
        .flavor(ZvmFlavor::Appliance)
        .client_credentials(Credentials::new(
            defaults::ZVM_OIDC_CLIENT_ID,
            defaults::ZVM_OIDC_CLIENT_SECRET,
        ))
        .ca_pem(emulator.ca_pem())
        .build()
        .await
        .unwrap();
    remember(&client.token().await.unwrap(), &mut secrets, &mut printed);
    printed += &format!("{client:?} {:?}", client.session().authenticator());
    drop(client);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("restpoint.call"), "spans were not captured");
    assert!(secrets.len() >= 12, "flows did not run");
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
