//! R5: TLS. The emulator's self-signed CA is refused by default with an error that says how to
//! trust it; accepted with the CA; accepted with the explicit insecure switch, which logs a
//! warning; an expired certificate and a certificate for another host name are refused even
//! with their CA trusted. All three products' clients go through the same `HttpOptions`.
//!
//! CA bundles: a CA file holding several certificates trusts every one of them (the server is
//! signed by the second), for every client and for the conformance runner's `--ca-cert`; a file
//! without a certificate is a configuration error. Plain `http://` is refused by every client
//! and by the runner (nothing is sent) unless explicitly allowed, and the switch is logged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

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

// ------------------------------------------------------------------ CA bundles

async fn zvm_logon(url: reqwest::Url, options: HttpOptions) -> Result<ZvmSession, Error> {
    ZvmSession::builder(url)
        .credentials(credentials())
        .flavor(ZvmFlavor::Windows(None))
        .http_options(options)
        .build()
        .await
}

async fn em_logon(
    url: reqwest::Url,
    options: HttpOptions,
) -> Result<restpoint_em::session::EmSession, Error> {
    restpoint_em::session::EmSession::builder(url)
        .credentials(credentials())
        .keep_alive(None)
        .http_options(options)
        .build()
        .await
}

/// Logs on to all three products of `emulator` with `options`; one result per product.
async fn logon_all(emulator: &Emulator, options: &HttpOptions) -> [Result<(), Error>; 3] {
    [
        vbr_logon(emulator.vbr_url(), options.clone())
            .await
            .map(drop),
        em_logon(emulator.em_url(), options.clone()).await.map(drop),
        zvm_logon(emulator.zvm_url(), options.clone())
            .await
            .map(drop),
    ]
}

/// A CA that signed nothing the tests talk to.
fn unrelated_ca() -> String {
    tls::make(&CertSpec::localhost()).unwrap().ca_pem
}

#[tokio::test]
async fn every_certificate_of_a_ca_bundle_is_trusted_by_every_client() {
    logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let (a, b) = (unrelated_ca(), unrelated_ca());
    // The emulator's CA second, then last of three, then first: each position is trusted.
    let bundles = [
        format!("{a}\n{}", emulator.ca_pem()),
        format!("{a}{b}{}", emulator.ca_pem()),
        format!("{}\n{a}", emulator.ca_pem()),
    ];
    let mut logons = 0;
    for (i, bundle) in bundles.iter().enumerate() {
        for only in [false, true] {
            let options = if only {
                HttpOptions::new().ca_pem_only(bundle)
            } else {
                HttpOptions::new().ca_pem(bundle)
            }
            .unwrap();
            for (product, result) in ["vbr", "em", "zvm"]
                .iter()
                .zip(logon_all(&emulator, &options).await)
            {
                assert!(
                    result.is_ok(),
                    "bundle {i} (only {only}) {product}: {result:?}"
                );
                logons += 1;
            }
        }
    }
    let c = emulator.admin().counters();
    assert_eq!(c.vbr.logons + c.em.logons + c.zvm.logons, logons);
    assert_eq!(logons, 18);
}

#[tokio::test]
async fn a_bundle_without_the_signing_ca_is_refused_by_every_client_before_any_request() {
    logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let bundle = format!("{}{}", unrelated_ca(), unrelated_ca());
    let options = HttpOptions::new().ca_pem_only(&bundle).unwrap();
    for result in logon_all(&emulator, &options).await {
        assert_refused_with_hint(&result.unwrap_err());
    }
    let c = emulator.admin().counters();
    assert_eq!(c.vbr.requests + c.em.requests + c.zvm.requests, 0);
}

#[tokio::test]
async fn a_bundle_signing_another_server_trusts_it_too() {
    logs();
    // One file for two servers: the emulator's CA and the small server's CA.
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let material = tls::make(&CertSpec::localhost()).unwrap();
    let server = Server::start(trivial_router(), &material).await.unwrap();
    let bundle = format!("{}\n{}", emulator.ca_pem(), server.ca_pem);
    let options = HttpOptions::new().ca_pem_only(&bundle).unwrap();
    vbr_logon(emulator.vbr_url(), options.clone())
        .await
        .unwrap();
    // The small server answers `{}` to the token request: TLS passed, the body is refused.
    let error = vbr_logon(server.url.clone(), options).await.unwrap_err();
    assert!(!error.is_tls(), "{error:?}");
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
}

#[test]
fn a_ca_file_without_a_certificate_is_a_configuration_error() {
    let not_pem = [
        String::new(),
        "garbage".to_owned(),
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_owned(),
        tls::make(&CertSpec::localhost()).unwrap().key_pem,
    ];
    for (i, pem) in not_pem.iter().enumerate() {
        for only in [false, true] {
            let result = if only {
                HttpOptions::new().ca_pem_only(pem)
            } else {
                HttpOptions::new().ca_pem(pem)
            };
            let error = result.err().unwrap_or_else(|| panic!("case {i} accepted"));
            assert!(
                matches!(
                    error,
                    Error::Config(restpoint_session::ConfigError::InvalidCaPem)
                ),
                "case {i}: {error:?}"
            );
        }
    }
}

// ------------------------------------------------------------------ plain http

/// A plain-HTTP server that counts the requests reaching it and answers 404.
async fn plain_http() -> (reqwest::Url, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let seen = hits.clone();
    let router = Router::new().fallback(move || {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            (axum::http::StatusCode::NOT_FOUND, "no")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/").parse().unwrap(), hits)
}

#[tokio::test]
async fn plain_http_is_refused_by_every_client_unless_allowed_and_the_switch_is_logged() {
    let capture = logs();
    let (url, hits) = plain_http().await;
    let refused = [
        vbr_logon(url.clone(), HttpOptions::new()).await.map(drop),
        em_logon(url.clone(), HttpOptions::new()).await.map(drop),
        zvm_logon(url.clone(), HttpOptions::new()).await.map(drop),
    ];
    for (product, result) in ["vbr", "em", "zvm"].iter().zip(refused) {
        let error = result.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Config(restpoint_session::ConfigError::InsecureHttp)
            ),
            "{product}: {error:?}"
        );
        assert!(
            error.to_string().contains("allow_insecure_http"),
            "{product}: {error}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing sent over plain http"
    );
    // Allowed: the logon goes out (and fails on the 404), and a warning names the product.
    let allowed = HttpOptions::new().allow_insecure_http(true);
    let results = [
        vbr_logon(url.clone(), allowed.clone()).await.map(drop),
        em_logon(url.clone(), allowed.clone()).await.map(drop),
        zvm_logon(url.clone(), allowed.clone()).await.map(drop),
    ];
    for (product, result) in ["vbr", "em", "zvm"].iter().zip(results) {
        let error = result.unwrap_err();
        assert!(
            !matches!(error, Error::Config(_)),
            "{product}: the switch did not take: {error:?}"
        );
        assert!(
            error.status().is_some(),
            "{product}: no answer came back: {error:?}"
        );
    }
    assert!(
        hits.load(Ordering::SeqCst) >= 3,
        "the allowed logons were sent"
    );
    let text = capture.text();
    for product in ["vbr", "em", "zvm"] {
        assert!(
            text.lines().any(|l| l.contains("WARN")
                && l.contains("plain http is allowed")
                && l.contains(product)),
            "no warning for {product}:\n{text}"
        );
    }
}

// ------------------------------------------------------------------ the conformance runner

#[derive(clap::Parser)]
struct RunnerArgs {
    #[command(flatten)]
    conform: restpoint_conformance::ConformArgs,
}

fn runner_args(args: &[&str]) -> restpoint_conformance::ConformArgs {
    use clap::Parser as _;
    RunnerArgs::try_parse_from(std::iter::once("conform").chain(args.iter().copied()))
        .unwrap()
        .conform
}

#[tokio::test]
async fn the_runner_trusts_every_certificate_of_its_ca_bundle() {
    logs();
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    std::fs::write(
        &bundle,
        format!("{}\n{}", unrelated_ca(), emulator.ca_pem()),
    )
    .unwrap();
    let wrong = dir.path().join("wrong.pem");
    std::fs::write(&wrong, format!("{}{}", unrelated_ca(), unrelated_ca())).unwrap();
    let url = emulator.vbr_url().to_string();
    let probe = |file: &std::path::Path| {
        let args = runner_args(&["--vbr", &url, "--ca-cert", file.to_str().unwrap()]);
        let ctx = restpoint_conformance::target::Context::real(&args, false).unwrap();
        let target = ctx.url(
            restpoint_conformance::facts::Product::Vbr,
            "/api/v1/serverInfo",
        );
        (ctx.client, target.unwrap())
    };
    let (client, target) = probe(&bundle);
    let answer = client.get(&target).send().await.unwrap();
    assert!(answer.status().is_client_error(), "{}", answer.status());
    let (client, target) = probe(&wrong);
    assert!(
        client.get(&target).send().await.is_err(),
        "an untrusted CA was accepted"
    );
    // A file without a certificate is a usage error naming the option.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no certificate here").unwrap();
    let args = runner_args(&["--vbr", &url, "--ca-cert", empty.to_str().unwrap()]);
    let error = restpoint_conformance::target::Context::real(&args, false).unwrap_err();
    assert!(error.to_string().contains("--ca-cert"), "{error}");
}

#[test]
fn the_runner_refuses_plain_http_unless_allowed() {
    for product in ["--em", "--vbr", "--zvm"] {
        let args = runner_args(&[product, "http://127.0.0.1:9/"]);
        let error = restpoint_conformance::target::Context::real(&args, false).unwrap_err();
        assert!(
            error.to_string().contains("--allow-insecure-http"),
            "{product}: {error}"
        );
        let args = runner_args(&[product, "http://127.0.0.1:9/", "--allow-insecure-http"]);
        assert!(args.allow_insecure_http);
        let ctx = restpoint_conformance::target::Context::real(&args, false).unwrap();
        assert_eq!(
            [&ctx.em, &ctx.vbr, &ctx.zvm]
                .iter()
                .filter_map(|u| u.as_ref())
                .map(|u| u.scheme())
                .collect::<Vec<_>>(),
            ["http"],
            "{product}"
        );
    }
}
