//! Issue 15, fix 3: bodies are read with a limit enforced while reading. A body that never ends,
//! or one far over the limit (declared or not), is a typed `BodyTooLarge` error, reached long
//! before the request timeout and without holding the body in memory: EM documents (4 MiB), VBR
//! and ZVM Appliance token answers (256 KiB).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use axum::response::Response;
use futures::stream;
use restpoint_em::session::EmSession;
use restpoint_hardening::tls::{self, CertSpec, Server};
use restpoint_session::{Credentials, Error, HttpOptions, ProtocolViolation};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

#[derive(Clone, Copy)]
enum Shape {
    /// Chunks of 64 KiB forever, no `Content-Length`.
    Endless,
    /// 6 MiB with a `Content-Length`.
    Declared,
}

async fn server(shape: Shape) -> Server {
    let router = Router::new().fallback(move |_request: Request<Body>| async move {
        let body = match shape {
            Shape::Endless => {
                let chunk = Bytes::from(vec![b' '; 64 * 1024]);
                Body::from_stream(stream::repeat_with(move || {
                    Ok::<_, Infallible>(chunk.clone())
                }))
            }
            Shape::Declared => Body::from(vec![b' '; 6 * 1024 * 1024]),
        };
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("x-restsvcsessionid", "em-sid-secret")
            .body(body)
            .unwrap()
    });
    let material = tls::make(&CertSpec::localhost()).unwrap();
    Server::start(router, &material).await.unwrap()
}

fn options(ca_pem: &str) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(ca_pem)
        .unwrap()
        .request_timeout(Duration::from_secs(60))
}

fn credentials() -> Credentials {
    Credentials::new("admin", "pw-secret-66")
}

fn assert_too_large(result: Result<impl Sized, Error>, limit: usize, started: Instant) {
    let Err(error) = result else {
        panic!("expected BodyTooLarge");
    };
    assert!(
        matches!(
            &error,
            Error::Protocol { violation: ProtocolViolation::BodyTooLarge { limit: l }, .. } if *l == limit
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped by the limit, not by the timeout"
    );
}

async fn vbr(shape: Shape) {
    let server = server(shape).await;
    let started = Instant::now();
    let result = VbrSession::builder(server.url.clone())
        .credentials(credentials())
        .http_options(options(&server.ca_pem))
        .build()
        .await;
    assert_too_large(
        result,
        restpoint_session::body::MAX_TOKEN_ANSWER_BYTES,
        started,
    );
}

async fn zvm(shape: Shape) {
    let server = server(shape).await;
    let started = Instant::now();
    let result = ZvmSession::builder(server.url.clone())
        .credentials(credentials())
        .flavor(ZvmFlavor::Appliance)
        .http_options(options(&server.ca_pem))
        .build()
        .await;
    assert_too_large(
        result,
        restpoint_session::body::MAX_TOKEN_ANSWER_BYTES,
        started,
    );
}

async fn em(shape: Shape) {
    let server = server(shape).await;
    let started = Instant::now();
    let result = EmSession::builder(server.url.clone())
        .credentials(credentials())
        .keep_alive(None)
        .http_options(options(&server.ca_pem))
        .build()
        .await;
    assert_too_large(result, restpoint_em::xml::MAX_DOCUMENT_BYTES, started);
}

#[tokio::test]
async fn vbr_token_answer_that_never_ends_is_too_large() {
    vbr(Shape::Endless).await;
}

#[tokio::test]
async fn vbr_token_answer_of_6_mib_is_refused_by_its_length() {
    vbr(Shape::Declared).await;
}

#[tokio::test]
async fn zvm_appliance_token_answer_that_never_ends_is_too_large() {
    zvm(Shape::Endless).await;
}

#[tokio::test]
async fn zvm_appliance_token_answer_of_6_mib_is_refused_by_its_length() {
    zvm(Shape::Declared).await;
}

#[tokio::test]
async fn em_document_that_never_ends_is_too_large() {
    em(Shape::Endless).await;
}

#[tokio::test]
async fn em_document_of_6_mib_is_refused_by_its_length() {
    em(Shape::Declared).await;
}
