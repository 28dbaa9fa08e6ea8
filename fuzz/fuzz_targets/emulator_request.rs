//! The emulator's request handling in process: a request built from the fuzz bytes (product,
//! method, path and query, headers, body) goes through the product's router. Any request gets
//! an answer, never a panic, and a garbage request never a 5xx other than the documented 503.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use restpoint_emulator::{EmulatorConfig, Product};
use tower::ServiceExt;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    routers: [(Product, Router); 3],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        routers: restpoint_emulator::router_for_fuzzing(&EmulatorConfig::for_tests()),
    })
}

const METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::DELETE,
    Method::PUT,
    Method::PATCH,
    Method::OPTIONS,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let (product, router) = &fixture.routers[usize::from(selector % 3)];
    let method = METHODS[usize::from(selector / 3) % METHODS.len()].clone();
    // Sections separated by 0xFF: target, header lines ("name: value"), body.
    let mut sections = rest.splitn(3, |&b| b == 0xFF);
    let target = sections.next().unwrap_or_default();
    let headers = sections.next().unwrap_or_default();
    let body = sections.next().unwrap_or_default().to_vec();
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    let mut builder = Request::builder().method(method).uri(format!("/{target}"));
    for line in headers.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name),
            axum::http::HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(name, value);
        }
    }
    let Ok(request) = builder.body(Body::from(body)) else {
        return;
    };
    let router = router.clone();
    let (status, _bytes) = fixture.runtime.block_on(async move {
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (status, bytes)
    });
    assert!(
        !status.is_server_error() || status.as_u16() == 503,
        "{product:?}: status {status}"
    );
});
