//! Issue 15, fix 1: a token answer whose lifetime is absurd (it would overflow `SystemTime`),
//! zero, negative, not a number, or a `.expires` already past never panics — neither the first
//! call nor the maintenance task. An absurd or zero lifetime is a typed protocol error that says
//! what the server sent (and never the token); a long but sane one is clamped to
//! `restpoint_session::lifetime::MAX_LIFETIME`. Played over real TLS by a small local server
//! against the VBR client and the ZVM Appliance client.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use restpoint_hardening::tls::{self, CertSpec, Server};
use restpoint_session::lifetime::MAX_LIFETIME;
use restpoint_session::{Credentials, Error, HttpOptions, ProtocolViolation};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

/// The secret the server hands out; no error may contain it.
const TOKEN: &str = "at-secret-4f1c";

/// Serves `token_body` on every POST (the VBR and Keycloak token endpoints) and `{}` on every
/// GET; counts the requests.
async fn server(token_body: String) -> (Server, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let seen = count.clone();
    let router = Router::new().fallback(move |request: Request<Body>| {
        let body = token_body.clone();
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            let body = if request.method() == axum::http::Method::POST {
                body
            } else {
                r#"{"data":[],"pagination":{"total":0,"count":0,"skip":0,"limit":200}}"#.to_owned()
            };
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        }
    });
    let material = tls::make(&CertSpec::localhost()).unwrap();
    (Server::start(router, &material).await.unwrap(), count)
}

fn options(ca_pem: &str) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(ca_pem)
        .unwrap()
        .request_timeout(Duration::from_secs(10))
}

fn credentials() -> Credentials {
    Credentials::new("admin", "pw-secret-77")
}

fn token_body(lifetime_fields: &str) -> String {
    format!(
        r#"{{"access_token":"{TOKEN}","token_type":"bearer","refresh_token":"rt-secret-9a",{lifetime_fields}}}"#
    )
}

async fn vbr(lifetime_fields: &str) -> Result<VbrSession, Error> {
    let (server, _) = server(token_body(lifetime_fields)).await;
    let vbr = VbrSession::builder(server.url.clone())
        .credentials(credentials())
        .http_options(options(&server.ca_pem))
        .refresh_ahead(true)
        .build()
        .await?;
    // One real call after the logon: the token cache's arithmetic runs here.
    let url = vbr.base_url().join("api/v1/jobs").unwrap();
    let request = vbr.http().get(url).build().unwrap();
    vbr.send(request).await?;
    // Let the maintenance task run its arithmetic too.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(vbr)
}

async fn zvm(lifetime_fields: &str) -> Result<ZvmSession, Error> {
    let (server, _) = server(token_body(lifetime_fields)).await;
    let zvm = ZvmSession::builder(server.url.clone())
        .credentials(credentials())
        .flavor(ZvmFlavor::Appliance)
        .http_options(options(&server.ca_pem))
        .keep_alive(Duration::MAX)
        .build()
        .await?;
    let url = zvm.base_url().join("v1/vpgs").unwrap();
    let request = zvm.http().get(url).build().unwrap();
    zvm.send(request).await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(zvm)
}

/// The error is a protocol error naming `field` and `sent`, and shows no secret.
fn assert_invalid(result: Result<impl Sized, Error>, field: &str, sent: &str) {
    let Err(error) = result else {
        panic!("expected an unusable-lifetime error for {field}={sent}");
    };
    let text = format!("{error} {error:?}");
    assert!(
        matches!(
            &error,
            Error::Protocol { violation: ProtocolViolation::InvalidLifetime { field: f, sent: s }, .. }
                if *f == field && s.contains(sent)
        ),
        "{text}"
    );
    assert!(
        text.contains(sent),
        "the error says what the server sent: {text}"
    );
    for secret in [TOKEN, "rt-secret-9a", "pw-secret-77"] {
        assert!(!text.contains(secret), "secret in error: {text}");
    }
}

/// A malformed lifetime (negative, not a number) is a typed decoding error at the field.
fn assert_malformed(result: Result<impl Sized, Error>, field: &str) {
    let Err(error) = result else {
        panic!("expected a malformed-body error at {field}");
    };
    let text = format!("{error} {error:?}");
    assert!(
        matches!(&error, Error::Protocol { violation: ProtocolViolation::MalformedBody { path, .. }, .. } if path == field),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn vbr_expires_in_u64_max_is_a_protocol_error_not_a_panic() {
    assert_invalid(
        vbr(r#""expires_in":18446744073709551615"#).await,
        "expires_in",
        "18446744073709551615",
    );
}

#[tokio::test]
async fn vbr_expires_in_past_systemtime_range_is_a_protocol_error() {
    // 10^13 s (~317,000 years) overflows no u64 but is absurd.
    assert_invalid(
        vbr(r#""expires_in":10000000000000"#).await,
        "expires_in",
        "10000000000000",
    );
}

#[tokio::test]
async fn vbr_expires_in_zero_is_a_protocol_error() {
    assert_invalid(vbr(r#""expires_in":0"#).await, "expires_in", "0");
}

#[tokio::test]
async fn vbr_expires_in_negative_or_text_is_malformed() {
    assert_malformed(vbr(r#""expires_in":-5"#).await, "expires_in");
    assert_malformed(vbr(r#""expires_in":"soon""#).await, "expires_in");
}

#[tokio::test]
async fn vbr_expires_before_issued_is_a_protocol_error() {
    assert_invalid(
        vbr(r#"".issued":"2024-01-02T00:00:00Z",".expires":"2024-01-01T00:00:00Z""#).await,
        ".expires",
        "2024-01-01T00:00:00Z",
    );
}

#[tokio::test]
async fn vbr_expires_in_the_past_without_issued_is_a_protocol_error() {
    assert_invalid(
        vbr(r#"".expires":"2001-01-01T00:00:00Z""#).await,
        ".expires",
        "2001-01-01T00:00:00Z",
    );
}

#[tokio::test]
async fn vbr_long_lifetime_is_clamped_and_the_session_works() {
    // One year: sane, but longer than the session uses.
    let vbr = vbr(r#""expires_in":31536000"#)
        .await
        .expect("logon and call");
    let token = vbr.session().token().await.unwrap();
    assert_eq!(token.lifetime(), Some(MAX_LIFETIME));
    assert!(token.expires_at().is_some());
}

#[tokio::test]
async fn zvm_expires_in_u64_max_is_a_protocol_error_not_a_panic() {
    assert_invalid(
        zvm(r#""expires_in":18446744073709551615"#).await,
        "expires_in",
        "18446744073709551615",
    );
}

#[tokio::test]
async fn zvm_refresh_expires_in_u64_max_is_a_protocol_error() {
    assert_invalid(
        zvm(r#""expires_in":300,"refresh_expires_in":18446744073709551615"#).await,
        "refresh_expires_in",
        "18446744073709551615",
    );
}

#[tokio::test]
async fn zvm_expires_in_zero_is_a_protocol_error() {
    assert_invalid(zvm(r#""expires_in":0"#).await, "expires_in", "0");
}

#[tokio::test]
async fn zvm_expires_in_negative_or_text_is_malformed() {
    assert_malformed(zvm(r#""expires_in":-300"#).await, "expires_in");
    assert_malformed(zvm(r#""expires_in":"300s""#).await, "expires_in");
}

#[tokio::test]
async fn zvm_long_lifetime_with_keep_alive_of_duration_max_does_not_panic() {
    let zvm = zvm(r#""expires_in":31536000,"refresh_expires_in":0"#)
        .await
        .expect("logon and call");
    let token = zvm.session().token().await.unwrap();
    assert_eq!(token.lifetime(), Some(MAX_LIFETIME));
}
