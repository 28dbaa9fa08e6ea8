//! R2 in the normal test run: property tests over the same parsers as the cargo-fuzz targets in
//! `fuzz/` (EM XML and JSON models, the VBR token answer, the ZVM `x-zerto-session` header, the
//! emulator's request handling). Arbitrary and mutated inputs give a value or a typed error,
//! never a panic.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use proptest::prelude::*;
use restpoint_em::{LogonSession, parse_json, parse_xml, to_json, to_xml};
use restpoint_emulator::EmulatorConfig;
use restpoint_session::{Context, ExposeSecret};
use tower::ServiceExt;

fn example(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../specs/em/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// A byte edit: replace, insert or delete at a position (taken modulo the length).
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b"<".to_vec()),
                Just(b">".to_vec()),
                Just(b"&amp;".to_vec()),
                Just(b"<!DOCTYPE x>".to_vec()),
                Just(b"<X>".to_vec()),
                Just(b"\"".to_vec()),
                Just(b"{".to_vec()),
                Just(b"]".to_vec()),
                Just(vec![0xFF]),
                proptest::collection::vec(any::<u8>(), 1..8),
            ]
        )
            .prop_map(|(i, v)| Edit::Insert(i, v)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
    ]
}

fn apply(mut doc: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = doc.len().max(1);
        match e {
            Edit::Replace(i, b) => {
                if !doc.is_empty() {
                    doc[i % len] = *b;
                }
            }
            Edit::Insert(i, v) => {
                let at = i % (doc.len() + 1);
                doc.splice(at..at, v.iter().copied());
            }
            Edit::Delete(i, n) => {
                if !doc.is_empty() {
                    let at = i % len;
                    let end = (at + n).min(doc.len());
                    doc.drain(at..end);
                }
            }
        }
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn em_xml_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_xml::<LogonSession>(&bytes);
    }

    #[test]
    fn em_xml_mutated_logon_session(edits in proptest::collection::vec(edit(), 1..6)) {
        let doc = apply(example("logon-session-contoso.xml"), &edits);
        if let Ok(session) = parse_xml::<LogonSession>(&doc) {
            let written = to_xml(&session).unwrap();
            prop_assert!(parse_xml::<LogonSession>(written.as_bytes()).is_ok());
        }
    }

    #[test]
    fn em_json_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_json::<LogonSession>(&bytes);
    }

    #[test]
    fn em_json_mutated_logon_session(edits in proptest::collection::vec(edit(), 1..6)) {
        let doc = apply(example("logon-session-contoso.json"), &edits);
        if let Ok(session) = parse_json::<LogonSession>(&doc) {
            let written = to_json(&session);
            prop_assert!(parse_json::<LogonSession>(written.as_bytes()).is_ok());
        }
    }

    #[test]
    fn vbr_token_answer_arbitrary(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = restpoint_vbr::session::read_token_answer(status, &body).map_err(|e| e.to_string());
    }

    #[test]
    fn vbr_token_answer_any_access_token(access in "\\PC{0,40}", expires in any::<i64>()) {
        let body = serde_json::json!({"access_token": access, "expires_in": expires}).to_string();
        // Zero, negative and absurd lifetimes are refused (issue 15); the rest is clamped.
        let absurd = restpoint_session::lifetime::ABSURD_LIFETIME.as_secs() as i64;
        let usable = expires > 0 && expires <= absurd;
        match restpoint_vbr::session::read_token_answer(200, body.as_bytes()) {
            Ok(token) => {
                prop_assert!(usable);
                prop_assert!(token.lifetime() <= Some(restpoint_session::lifetime::MAX_LIFETIME));
                prop_assert_eq!(token.access().expose_secret(), access.as_str());
                if access.len() >= 8 {
                    let printed = format!("{token:?}");
                    prop_assert!(!printed.contains(access.as_str()));
                }
            }
            Err(error) => {
                prop_assert!(!usable, "{}", error);
                prop_assert!(!error.to_string().contains(&body));
            }
        }
    }

    #[test]
    fn zvm_session_header_values(values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..3)) {
        let mut headers = reqwest::header::HeaderMap::new();
        for value in &values {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.append(HeaderName::from_static("x-zerto-session"), value);
            }
        }
        let found: Vec<_> = headers.get_all("x-zerto-session").iter().cloned().collect();
        let result = restpoint_zvm::session::session_token_from_headers(
            Context::new("zvm", "logon"),
            &headers,
        );
        let valid_single = found.len() == 1
            && found[0].to_str().map(|s| !s.is_empty()).unwrap_or(false);
        prop_assert_eq!(result.is_ok(), valid_single);
    }
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::DELETE),
        Just(Method::PUT),
        Just(Method::PATCH),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/api/".to_owned()),
        Just("/api/sessionMngr/?v=latest".to_owned()),
        Just("/api/logonSessions".to_owned()),
        Just("/api/oauth2/token".to_owned()),
        Just("/api/v1/jobs".to_owned()),
        Just("/v1/session/add".to_owned()),
        Just("/v1/vpgs".to_owned()),
        Just("/auth/realms/zerto/protocol/openid-connect/token".to_owned()),
        "/[a-zA-Z0-9/?=&%._-]{0,60}",
    ]
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        prop_oneof![
            Just("authorization".to_owned()),
            Just("x-restsvcsessionid".to_owned()),
            Just("x-zerto-session".to_owned()),
            Just("x-api-version".to_owned()),
            Just("content-type".to_owned()),
            Just("accept".to_owned()),
            Just("cookie".to_owned()),
        ],
        prop_oneof![
            Just(b"Basic YWRtaW46UmVzdHBvaW50LUFkbWluLTE=".to_vec()),
            Just(b"Basic !!!".to_vec()),
            Just(b"Bearer x".to_vec()),
            Just(b"application/x-www-form-urlencoded".to_vec()),
            Just(b"application/json".to_vec()),
            Just(b"1.2-rev1".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..40),
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn emulator_router_answers_any_request_without_a_5xx(
        product in 0usize..3,
        method in method(),
        path in path(),
        headers in proptest::collection::vec(header(), 0..4),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let routers = restpoint_emulator::router_for_fuzzing(&EmulatorConfig::for_tests());
        let (label, router) = routers[product].clone();
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in &headers {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                request = request.header(name.as_str(), value);
            }
        }
        let request = request.body(Body::from(body)).unwrap();
        let status = runtime.block_on(async move { router.oneshot(request).await.unwrap().status() });
        prop_assert!(!status.is_server_error() || status.as_u16() == 503, "{:?}: {}", label, status);
    }
}
