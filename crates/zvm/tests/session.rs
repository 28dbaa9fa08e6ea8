//! The ZVM logon protocols (Windows `x-zerto-session` and Appliance OpenID Connect) and the
//! session core against the emulator, in process, over real TLS, on its virtual clock.

use std::time::Duration;

use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::{AuthError, Credentials, Error, ExposeSecret};
use restpoint_zvm::session::{AuthenticationMethod, SESSION_HEADER, ZvmFlavor, ZvmSession};

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("emulator starts")
}

fn builder(emulator: &Emulator, flavor: ZvmFlavor) -> restpoint_zvm::session::ZvmSessionBuilder {
    ZvmSession::builder(emulator.zvm_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
        .flavor(flavor)
}

async fn list_vpgs(zvm: &ZvmSession) -> Result<u16, Error> {
    let url = zvm.base_url().join("v1/vpgs").unwrap();
    let request = zvm.http().get(url).build().unwrap();
    zvm.send(request).await.map(|r| r.status().as_u16())
}

fn zvm_counts(emulator: &Emulator) -> restpoint_emulator::ProductCounters {
    *emulator.admin().counters().product(Product::Zvm)
}

const WINDOWS: ZvmFlavor = ZvmFlavor::Windows(None);

#[tokio::test]
async fn windows_logon_and_calls_with_the_session_header() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS).build().await.unwrap();
    for _ in 0..3 {
        assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    }
    assert_eq!(zvm_counts(&emulator).logons, 1);
    assert_eq!(zvm.flavor(), WINDOWS);
    let with_method = builder(
        &emulator,
        ZvmFlavor::Windows(Some(AuthenticationMethod::HypervisorManager)),
    )
    .build()
    .await
    .unwrap();
    assert_eq!(list_vpgs(&with_method).await.unwrap(), 200);
}

#[tokio::test]
async fn windows_dormant_session_is_replaced_before_use() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS).build().await.unwrap();
    // ZVM-05: 30 minutes dormant ends the session; the session core logs on again before the
    // call rather than after a 401.
    emulator.advance(Duration::from_secs(31 * 60));
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    assert_eq!(zvm_counts(&emulator).logons, 2);
    assert_eq!(zvm.stats().n_relogons, 0, "no 401 was needed");
}

#[tokio::test]
async fn windows_keep_alive_keeps_a_dormant_session_open() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS)
        .keep_alive(Duration::from_secs(10 * 60))
        .build()
        .await
        .unwrap();
    for n in 1..=6 {
        emulator.advance(Duration::from_secs(10 * 60));
        wait_until(|| zvm.stats().n_keep_alives >= n).await;
    }
    // An hour later: still the first session.
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    assert_eq!(zvm_counts(&emulator).logons, 1);
    assert_eq!(
        emulator
            .admin()
            .counters()
            .requests(Product::Zvm, "GET", "/v1/localsite"),
        6
    );
}

async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 5 s of real time");
}

#[tokio::test]
async fn windows_revoked_session_leads_to_exactly_one_relogon() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS).build().await.unwrap();
    assert_eq!(emulator.admin().revoke_all(Product::Zvm), 1);
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    assert_eq!(zvm_counts(&emulator).logons, 2);
    assert_eq!(zvm.stats().n_relogons, 1);
}

#[tokio::test]
async fn windows_logout_ends_the_session_on_the_server() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS).build().await.unwrap();
    let token = zvm.token().await.unwrap();
    zvm.logout().await.unwrap();
    assert_eq!(zvm_counts(&emulator).logouts, 1);
    let url = zvm.base_url().join("v1/vpgs").unwrap();
    let raw = zvm
        .http()
        .get(url)
        .header(SESSION_HEADER, token.access().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_error_and_is_not_retried() {
    let emulator = emulator().await;
    for flavor in [WINDOWS, ZvmFlavor::Appliance] {
        let error = ZvmSession::builder(emulator.zvm_url())
            .credentials(Credentials::new(defaults::ADMIN_USER, "not-the-password"))
            .ca_pem(emulator.ca_pem())
            .flavor(flavor)
            .build()
            .await
            .unwrap_err();
        assert_eq!(
            error.auth_error(),
            Some(&AuthError::WrongCredentials),
            "{flavor:?}"
        );
    }
    let counts = zvm_counts(&emulator);
    assert_eq!((counts.logons, counts.failed_logons), (0, 2));
}

#[tokio::test]
async fn appliance_logon_refresh_and_fallback() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, ZvmFlavor::Appliance)
        .build()
        .await
        .unwrap();
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    // The OIDC access token lives 300 s: renewed by the refresh grant.
    emulator.advance(Duration::from_secs(5 * 60));
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    let counts = zvm_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 1));
    // The refresh token lives 1800 s: after that, a password logon without a refused refresh.
    emulator.advance(Duration::from_secs(31 * 60));
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    let counts = zvm_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (2, 1));
    zvm.logout().await.unwrap();
}

#[tokio::test]
async fn appliance_revoked_token_leads_to_one_relogon() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, ZvmFlavor::Appliance)
        .build()
        .await
        .unwrap();
    let token = zvm.token().await.unwrap();
    assert!(
        emulator
            .admin()
            .revoke_token(Product::Zvm, token.access().expose_secret())
    );
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    assert_eq!(zvm_counts(&emulator).logons, 2);
}

#[tokio::test]
async fn detection_on_an_emulator_serving_both_finds_windows_and_client_credentials_work() {
    let emulator = emulator().await;
    // The credential-free probe of /v1/session/add answers 401 when it exists (ZVM-10).
    let zvm = builder(&emulator, ZvmFlavor::Detect).build().await.unwrap();
    assert_eq!(zvm.flavor(), WINDOWS);
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
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
    assert_eq!(list_vpgs(&client).await.unwrap(), 200);
}

#[tokio::test]
async fn a_thousand_concurrent_first_calls_send_one_logon() {
    let emulator = emulator().await;
    let zvm = builder(&emulator, WINDOWS)
        .lazy(true)
        .build()
        .await
        .unwrap();
    let calls = (0..1000).map(|_| {
        let zvm = zvm.clone();
        tokio::spawn(async move { list_vpgs(&zvm).await })
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(200)))));
    assert_eq!(zvm_counts(&emulator).logons, 1);
}

#[tokio::test]
async fn tls_the_emulator_certificate_is_refused_without_its_ca() {
    let emulator = emulator().await;
    let error = ZvmSession::builder(emulator.zvm_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .build()
        .await
        .unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_eq!(zvm_counts(&emulator).logons, 0);
}

/// A Windows ZVM answers the credential-free probe of `/v1/session/add` with 401: detection
/// settles on `x-zerto-session`. A tiny local server (plain HTTP).
#[tokio::test]
async fn detection_falls_back_to_the_windows_logon() {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::{delete, get, post};

    async fn add(headers: HeaderMap) -> axum::response::Response {
        let expected = Credentials::new("zadmin", "zpassword-123").basic_auth_header();
        if headers.get("authorization") != Some(&expected) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        ([(SESSION_HEADER, "windows-session-id-1")], StatusCode::OK).into_response()
    }
    async fn vpgs(headers: HeaderMap) -> StatusCode {
        match headers.get(SESSION_HEADER) {
            Some(id) if id == "windows-session-id-1" => StatusCode::OK,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
    let router = axum::Router::new()
        .route("/v1/session/add", post(add))
        .route("/v1/session", delete(vpgs))
        .route("/v1/vpgs", get(vpgs));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let zvm = ZvmSession::builder(&url)
        .allow_insecure_http()
        .credentials(Credentials::new("zadmin", "zpassword-123"))
        .build()
        .await
        .unwrap();
    assert_eq!(zvm.flavor(), WINDOWS);
    assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    zvm.logout().await.unwrap();
}

#[tokio::test]
async fn a_logon_answer_without_the_session_header_is_a_protocol_error() {
    let emulator = emulator().await;
    emulator
        .admin()
        .inject_fault(Product::Zvm, restpoint_emulator::Fault::MalformedBody, 1);
    let error = builder(&emulator, WINDOWS).build().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Protocol {
                violation: restpoint_session::ProtocolViolation::MissingHeader {
                    name: SESSION_HEADER
                },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "zvm logon (status 200): protocol violation: missing header x-zerto-session"
    );
}
