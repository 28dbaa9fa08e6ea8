//! Telling an Appliance from a Windows ZVM (ZVM-10) without sending a credential to the wrong
//! endpoint, the Appliance's `scope=openid` (ZVM-11), short token lifetimes (ZVM-12) and the
//! Keycloak logout (ZVM-13): against the emulator in each `ZvmKind`, and against a recording
//! server that shows every header and body the client sends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use restpoint_emulator::{
    Behaviour, Emulator, EmulatorConfig, Lifetimes, Product, ZvmKind, defaults,
};
use restpoint_session::{Credentials, Error, ExposeSecret};
use restpoint_zvm::session::{SESSION_HEADER, ZvmFlavor, ZvmSession};

const WINDOWS: ZvmFlavor = ZvmFlavor::Windows(None);

async fn emulator(kind: ZvmKind, lifetimes: Lifetimes) -> Emulator {
    Emulator::start(
        EmulatorConfig::for_tests()
            .with_behaviour(Behaviour {
                zvm_kind: kind,
                ..Behaviour::default()
            })
            .with_lifetimes(lifetimes),
    )
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

#[tokio::test]
async fn detection_against_each_emulator_kind() {
    for (kind, expected) in [
        (ZvmKind::Both, WINDOWS),
        (ZvmKind::Windows, WINDOWS),
        (ZvmKind::Appliance, ZvmFlavor::Appliance),
    ] {
        let emulator = emulator(kind, Lifetimes::default()).await;
        let zvm = builder(&emulator, ZvmFlavor::Detect).build().await.unwrap();
        assert_eq!(zvm.flavor(), expected, "{kind:?}");
        assert_eq!(list_vpgs(&zvm).await.unwrap(), 200, "{kind:?}");
        let counters = emulator.admin().counters();
        let add = counters.requests(Product::Zvm, "POST", "/v1/session/add");
        let token = counters.requests(
            Product::Zvm,
            "POST",
            "/auth/realms/zerto/protocol/openid-connect/token",
        );
        let zvm_counts = counters.zvm;
        if expected == ZvmFlavor::Appliance {
            // The probe (404, no logon counted), then one password grant.
            assert_eq!((add, token), (1, 1), "{kind:?}");
            assert_eq!((zvm_counts.logons, zvm_counts.failed_logons), (1, 0));
        } else {
            // The probe (401, counted as a refused logon), then one Basic logon; the realm is
            // never asked.
            assert_eq!((add, token), (2, 0), "{kind:?}");
            assert_eq!((zvm_counts.logons, zvm_counts.failed_logons), (1, 1));
        }
        zvm.logout().await.unwrap();
        assert_eq!(emulator.admin().counters().zvm.logouts, 1, "{kind:?}");
        assert_eq!(emulator.admin().live_sessions(Product::Zvm), 0, "{kind:?}");
    }
}

#[tokio::test]
async fn a_named_flavor_skips_the_probe() {
    for (kind, flavor) in [
        (ZvmKind::Windows, WINDOWS),
        (ZvmKind::Appliance, ZvmFlavor::Appliance),
    ] {
        let emulator = emulator(kind, Lifetimes::default()).await;
        let zvm = builder(&emulator, flavor).build().await.unwrap();
        assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
        let counters = emulator.admin().counters();
        assert_eq!(counters.zvm.failed_logons, 0, "{kind:?}");
        let add = counters.requests(Product::Zvm, "POST", "/v1/session/add");
        assert_eq!(add, u64::from(flavor == WINDOWS), "{kind:?}");
    }
}

#[tokio::test]
async fn a_wrong_kind_named_by_the_user_is_a_typed_error() {
    // Windows named, the server is an Appliance: the Basic logon meets 404.
    let emulator = emulator(ZvmKind::Appliance, Lifetimes::default()).await;
    let error = builder(&emulator, WINDOWS).build().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error:?}");
    // Appliance named, the server is a Windows ZVM: no token endpoint.
    let emulator = self::emulator(ZvmKind::Windows, Lifetimes::default()).await;
    let error = builder(&emulator, ZvmFlavor::Appliance)
        .build()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("openid connect"), "{error}");
    // Client credentials exist only on an Appliance: detected Windows, the secret is never sent.
    let error = ZvmSession::builder(emulator.zvm_url())
        .client_credentials(Credentials::new(
            defaults::ZVM_OIDC_CLIENT_ID,
            defaults::ZVM_OIDC_CLIENT_SECRET,
        ))
        .ca_pem(emulator.ca_pem())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let counters = emulator.admin().counters();
    let token_requests = counters.requests(
        Product::Zvm,
        "POST",
        "/auth/realms/zerto/protocol/openid-connect/token",
    );
    // One from the Appliance-named build above, none from the client-credentials build.
    assert_eq!(token_requests, 1);
}

#[tokio::test]
async fn short_lifetimes_are_refreshed_ahead_and_the_keycloak_logout_ends_both_tokens() {
    // A realm like Zerto's hosted service: access tokens live 60 s.
    let emulator = emulator(
        ZvmKind::Appliance,
        Lifetimes {
            oidc_access: Duration::from_secs(60),
            oidc_refresh: Duration::from_secs(1800),
            ..Lifetimes::default()
        },
    )
    .await;
    let zvm = builder(&emulator, ZvmFlavor::Detect).build().await.unwrap();
    let first = zvm.token().await.unwrap();
    assert_eq!(first.lifetime(), Some(Duration::from_secs(60)));
    assert_eq!(first.refresh_lifetime(), Some(Duration::from_secs(1800)));
    // 45 s later the token is inside the margin (half of 60 s): renewed before the call, so
    // the server never refuses it.
    for _ in 0..20 {
        emulator.advance(Duration::from_secs(45));
        assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
    }
    let counts = emulator.admin().counters().zvm;
    assert_eq!((counts.logons, counts.refreshes), (1, 20));
    assert_eq!(zvm.stats().n_relogons, 0, "no 401 was needed");
    // ZVM-13: logout through the realm with the refresh token ends both tokens.
    let last = zvm.token().await.unwrap();
    zvm.logout().await.unwrap();
    assert_eq!(emulator.admin().counters().zvm.logouts, 1);
    let http = zvm.http();
    let raw = http
        .get(zvm.base_url().join("v1/vpgs").unwrap())
        .bearer_auth(last.access().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
    let raw = http
        .post(
            zvm.base_url()
                .join("auth/realms/zerto/protocol/openid-connect/token")
                .unwrap(),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "zerto-client"),
            (
                "refresh_token",
                last.refresh_token().unwrap().expose_secret(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
}

/// One request as the recording server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    body: String,
}

#[derive(Clone)]
struct Recorder {
    appliance: bool,
    seen: Arc<Mutex<Vec<Seen>>>,
}

const USER: &str = "zadmin";
const PASSWORD: &str = "zpassword-Secret-123";

/// A ZVM of one kind over plain HTTP that records every request.
async fn recording_server(appliance: bool) -> (String, Arc<Mutex<Vec<Seen>>>) {
    async fn any(
        State(r): State<Recorder>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let authorization = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = String::from_utf8_lossy(&body).into_owned();
        r.seen.lock().unwrap().push(Seen {
            method: method.clone(),
            path: uri.path().to_owned(),
            authorization: authorization.clone(),
            body: body.clone(),
        });
        let basic = Credentials::new(USER, PASSWORD).basic_auth_header();
        match (r.appliance, uri.path()) {
            (true, "/v1/session/add") => StatusCode::NOT_FOUND.into_response(),
            (false, "/v1/session/add") => {
                if headers.get("authorization") == Some(&basic) {
                    ([(SESSION_HEADER, "windows-session-1")], StatusCode::OK).into_response()
                } else {
                    StatusCode::UNAUTHORIZED.into_response()
                }
            }
            (true, "/auth/realms/zerto/protocol/openid-connect/token") => (
                [("content-type", "application/json")],
                r#"{"access_token":"access-1","expires_in":300,"refresh_token":"refresh-1","refresh_expires_in":1800,"token_type":"Bearer"}"#,
            )
                .into_response(),
            (true, "/auth/realms/zerto/protocol/openid-connect/logout") => {
                StatusCode::NO_CONTENT.into_response()
            }
            (true, "/v1/vpgs") if authorization.as_deref() == Some("Bearer access-1") => {
                StatusCode::OK.into_response()
            }
            (false, "/v1/vpgs" | "/v1/session")
                if headers.get(SESSION_HEADER).is_some_and(|v| v == "windows-session-1") =>
            {
                StatusCode::OK.into_response()
            }
            (_, "/v1/vpgs" | "/v1/session") => StatusCode::UNAUTHORIZED.into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = axum::Router::new().fallback(any).with_state(Recorder {
        appliance,
        seen: seen.clone(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

#[tokio::test]
async fn the_probe_carries_no_credential_and_credentials_go_only_to_the_right_endpoint() {
    let encoded_password =
        url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect::<String>();
    for appliance in [true, false] {
        let (url, seen) = recording_server(appliance).await;
        let zvm = ZvmSession::builder(&url)
            .allow_insecure_http()
            .credentials(Credentials::new(USER, PASSWORD))
            .build()
            .await
            .unwrap();
        let expected = if appliance {
            ZvmFlavor::Appliance
        } else {
            WINDOWS
        };
        assert_eq!(zvm.flavor(), expected);
        assert_eq!(list_vpgs(&zvm).await.unwrap(), 200);
        zvm.logout().await.unwrap();
        let seen = seen.lock().unwrap().clone();
        // The probe: first, an empty POST to /v1/session/add without any Authorization.
        let probe = &seen[0];
        assert_eq!(
            (probe.method.clone(), probe.path.as_str()),
            (Method::POST, "/v1/session/add")
        );
        assert_eq!(probe.authorization, None, "{probe:?}");
        assert_eq!(probe.body, "");
        let with_password: Vec<&Seen> = seen
            .iter()
            .filter(|s| {
                s.authorization
                    .as_deref()
                    .is_some_and(|a| a.starts_with("Basic "))
                    || s.body.contains(&encoded_password)
                    || s.body.contains(PASSWORD)
            })
            .collect();
        assert_eq!(with_password.len(), 1, "{seen:?}");
        let logon = with_password[0];
        if appliance {
            // Appliance: never Basic; the password only in the password grant, with openid.
            assert!(seen.iter().all(|s| {
                s.authorization
                    .as_deref()
                    .is_none_or(|a| !a.starts_with("Basic "))
            }));
            assert_eq!(
                logon.path,
                "/auth/realms/zerto/protocol/openid-connect/token"
            );
            let form: Vec<(String, String)> = url::form_urlencoded::parse(logon.body.as_bytes())
                .into_owned()
                .collect();
            let has = |k: &str, v: &str| form.iter().any(|(a, b)| a == k && b == v);
            assert!(has("grant_type", "password") && has("client_id", "zerto-client"));
            assert!(has("scope", "openid"), "{form:?}");
            // Keycloak logout: the refresh token in the form, to the realm's logout endpoint.
            let logout = seen.last().unwrap();
            assert_eq!(
                logout.path,
                "/auth/realms/zerto/protocol/openid-connect/logout"
            );
            let form: Vec<(String, String)> = url::form_urlencoded::parse(logout.body.as_bytes())
                .into_owned()
                .collect();
            assert!(
                form.iter()
                    .any(|(k, v)| k == "refresh_token" && v == "refresh-1")
            );
            assert!(
                form.iter()
                    .any(|(k, v)| k == "client_id" && v == "zerto-client")
            );
        } else {
            // Windows: Basic only on the second session/add; the realm is never asked.
            assert_eq!(logon.path, "/v1/session/add");
            assert!(
                seen.iter().all(|s| !s.path.starts_with("/auth/")),
                "{seen:?}"
            );
            let logout = seen.last().unwrap();
            assert_eq!(
                (logout.method.clone(), logout.path.as_str()),
                (Method::DELETE, "/v1/session")
            );
        }
    }
}

#[tokio::test]
async fn an_unexpected_probe_answer_is_a_protocol_error_and_sends_no_credential() {
    let seen = Arc::new(Mutex::new(0u32));
    let count = seen.clone();
    let router = axum::Router::new().fallback(move |headers: HeaderMap| {
        let count = count.clone();
        async move {
            *count.lock().unwrap() += 1;
            assert!(headers.get("authorization").is_none());
            StatusCode::INTERNAL_SERVER_ERROR
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let error = ZvmSession::builder(&url)
        .allow_insecure_http()
        .credentials(Credentials::new(USER, PASSWORD))
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error:?}");
    assert!(!error.to_string().contains(PASSWORD));
    assert!(*seen.lock().unwrap() >= 1);
}
