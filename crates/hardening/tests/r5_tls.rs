//! R5: TLS. The emulator's self-signed CA is refused by default with an error that says how to
//! trust it; accepted with the CA; accepted with the explicit insecure switch, which logs a
//! warning; an expired certificate and a certificate for another host name are refused even
//! with their CA trusted. All three products' clients go through the same `HttpOptions`.

use std::sync::OnceLock;

use axum::Router;
use axum::routing::post;
use restpoint_emulator::{Emulator, EmulatorConfig, defaults};
use restpoint_hardening::Capture;
use restpoint_hardening::tls::{self, CertSpec, Server};
use restpoint_session::{Credentials, Error, HttpOptions};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

/// One global subscriber for the whole test binary (tests run on several threads).
fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(capture.clone())
            .init();
        capture
    })
}

fn credentials() -> Credentials {
    Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
}

async fn vbr_logon(url: reqwest::Url, options: HttpOptions) -> Result<VbrSession, Error> {
    VbrSession::builder(url)
        .credentials(credentials())
        .http_options(options)
        .build()
        .await
}

fn assert_refused_with_hint(error: &Error) {
    assert!(error.is_tls(), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("--ca-cert") && text.contains("ca_pem"),
        "no hint on how to trust the certificate: {text}"
    );
}

#[tokio::test]
async fn emulator_certificate_refused_by_default_with_a_hint() {
    logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let error = vbr_logon(emulator.vbr_url(), HttpOptions::new())
        .await
        .unwrap_err();
    assert_refused_with_hint(&error);
    // ZVM and EM go through the same options.
    let error = ZvmSession::builder(emulator.zvm_url())
        .credentials(credentials())
        .flavor(ZvmFlavor::Windows(None))
        .build()
        .await
        .unwrap_err();
    assert_refused_with_hint(&error);
    let error = restpoint_em::session::EmSession::builder(emulator.em_url())
        .credentials(credentials())
        .build()
        .await
        .unwrap_err();
    assert_refused_with_hint(&error);
    // Nothing reached the server: the handshake failed first.
    assert_eq!(emulator.admin().counters().vbr.requests, 0);
    assert_eq!(emulator.admin().counters().zvm.requests, 0);
}

#[tokio::test]
async fn emulator_certificate_accepted_with_its_ca() {
    logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let options = HttpOptions::new().ca_pem(emulator.ca_pem()).unwrap();
    vbr_logon(emulator.vbr_url(), options).await.unwrap();
    let options = HttpOptions::new().ca_pem_only(emulator.ca_pem()).unwrap();
    vbr_logon(emulator.vbr_url(), options).await.unwrap();
    assert_eq!(emulator.admin().counters().vbr.logons, 2);
}

#[tokio::test]
async fn insecure_switch_accepts_and_logs_a_warning() {
    let capture = logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let options = HttpOptions::new().danger_accept_invalid_certs(true);
    assert!(options.is_insecure());
    vbr_logon(emulator.vbr_url(), options).await.unwrap();
    let text = capture.text();
    let warning = text
        .lines()
        .find(|l| l.contains("tls certificate verification is disabled"))
        .unwrap_or_else(|| panic!("no warning logged:\n{text}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("vbr"), "{warning}");
}

fn trivial_router() -> Router {
    Router::new().route("/api/oauth2/token", post(|| async { "{}" }))
}

#[tokio::test]
async fn expired_certificate_refused_even_with_its_ca() {
    logs();
    let material = tls::make(&CertSpec {
        expired: true,
        ..CertSpec::localhost()
    })
    .unwrap();
    let server = Server::start(trivial_router(), &material).await.unwrap();
    let options = HttpOptions::new().ca_pem_only(&server.ca_pem).unwrap();
    let error = vbr_logon(server.url.clone(), options).await.unwrap_err();
    assert_refused_with_hint(&error);
}

#[tokio::test]
async fn wrong_host_name_refused_even_with_its_ca() {
    logs();
    let material = tls::make(&CertSpec {
        names: vec!["vbr.other.example".into()],
        expired: false,
    })
    .unwrap();
    let server = Server::start(trivial_router(), &material).await.unwrap();
    let options = HttpOptions::new().ca_pem_only(&server.ca_pem).unwrap();
    let error = vbr_logon(server.url.clone(), options).await.unwrap_err();
    assert_refused_with_hint(&error);
    // A certificate for localhost only, reached by IP address: refused too.
    let material = tls::make(&CertSpec {
        names: vec!["localhost".into()],
        expired: false,
    })
    .unwrap();
    let server = Server::start(trivial_router(), &material).await.unwrap();
    let options = HttpOptions::new().ca_pem_only(&server.ca_pem).unwrap();
    let error = vbr_logon(server.url_with_host("127.0.0.1"), options)
        .await
        .unwrap_err();
    assert_refused_with_hint(&error);
}
