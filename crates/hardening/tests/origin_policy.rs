//! Issue 15, fix 2: the origin policy. Credentials and tokens go only to the configured origin.
//!
//! Two HTTPS servers share one test CA: the configured origin (`127.0.0.1`, the base URL) and
//! another origin on `127.0.0.2` that counts every request reaching it and every credential or
//! token among them. Hostile answers of the configured origin name the other one (EM `Href`s,
//! redirects); each test asserts what the client did and that the other origin saw nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use restpoint_em::session::EmSession;
use restpoint_hardening::hostile::{self, Origin, Reply};
use restpoint_session::{ConfigError, Credentials, Error, HttpOptions, ProtocolViolation};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

const SESSION_ID: &str = "em-session-secret-31";
const TOKEN: &str = "at-secret-5d";

/// A canned answer function: method, path+query, the other origin's base → response parts.
type Answer =
    dyn Fn(&Method, &str, &str) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync;

/// The other origin (127.0.0.2, answers 200 to anything) and the configured one (127.0.0.1)
/// whose answers may name the other: `restpoint_hardening::hostile`, shared with R7.
async fn origins(answer: Arc<Answer>) -> (Origin, Origin, String) {
    let origins = hostile::Origins::start(
        Arc::new(move |request: &hostile::Request| {
            let (status, headers, body) = answer(&request.method, &request.target, &request.other);
            headers
                .into_iter()
                .fold(Reply::new(status), |reply, (name, value)| {
                    reply.header(name, value)
                })
                .body(body)
        }),
        &[SESSION_ID, TOKEN, "pw-secret-88"],
    )
    .await
    .unwrap();
    (origins.configured, origins.other, origins.ca_pem)
}

fn options(ca_pem: &str) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(ca_pem)
        .unwrap()
        .request_timeout(Duration::from_secs(10))
}

fn credentials() -> Credentials {
    Credentials::new("admin", "pw-secret-88")
}

fn assert_nothing_reached(other: &Origin) {
    assert_eq!(
        other.seen.request_count(),
        0,
        "requests reached the other origin: {:?}",
        other.seen.log()
    );
    assert_eq!(other.seen.credential_count(), 0);
}

fn assert_untrusted(error: &Error) {
    assert!(
        matches!(
            error,
            Error::Protocol {
                violation: ProtocolViolation::UntrustedLink { .. },
                ..
            }
        ),
        "{error:?}"
    );
    let text = format!("{error} {error:?}");
    for secret in [SESSION_ID, TOKEN, "pw-secret-88"] {
        assert!(!text.contains(secret), "{text}");
    }
}

const XMLNS: &str = "http://www.veeam.com/ent/v1.0";

/// An EM whose every `Href` names `link_base` (another origin, or a host alias).
fn em_answer(link_base: Option<&'static str>) -> Arc<Answer> {
    Arc::new(move |method: &Method, target: &str, other: &str| {
        let base = link_base.unwrap_or(other);
        let xml = vec![("content-type", "application/xml".to_owned())];
        match (method.as_str(), target) {
            ("GET", "/api/") => (
                200,
                xml,
                format!(
                    r#"<EnterpriseManager xmlns="{XMLNS}"><Links><Link Href="{base}api/sessionMngr/?v=latest" Type="LogonSession" Rel="Create"/><Link Href="{base}api/logonSessions" Type="LogonSessionList" Rel="Down"/></Links></EnterpriseManager>"#
                ),
            ),
            ("POST", t) if t.starts_with("/api/sessionMngr/") => {
                let mut headers = xml;
                headers.push(("x-restsvcsessionid", SESSION_ID.to_owned()));
                (
                    201,
                    headers,
                    format!(
                        r#"<LogonSession Href="{base}api/logonSessions/1" Type="LogonSession" xmlns="{XMLNS}"><Links><Link Href="{base}api/logonSessions/1" Type="LogonSession" Rel="Delete"/></Links><UserName>admin</UserName><SessionId>1</SessionId></LogonSession>"#
                    ),
                )
            }
            ("GET", t) if t.starts_with("/api/") => (200, xml, String::new()),
            ("DELETE", t) if t.starts_with("/api/logonSessions/") => (204, vec![], String::new()),
            _ => (404, vec![], String::new()),
        }
    })
}

async fn em(configured: &Origin, ca_pem: &str) -> Result<EmSession, Error> {
    EmSession::builder(&configured.base)
        .credentials(credentials())
        .keep_alive(None)
        .http_options(options(ca_pem))
        .build()
        .await
}

#[tokio::test]
async fn em_hrefs_naming_another_origin_are_rebased_and_nothing_reaches_it() {
    let (configured, other, ca_pem) = origins(em_answer(None)).await;
    let em = em(&configured, &ca_pem)
        .await
        .expect("logon on the configured origin");
    let href = format!("{}api/jobs", other.base);
    let response = em.get(&href).await.unwrap();
    assert_eq!(response.status(), 200);
    em.logout().await.unwrap();
    assert_nothing_reached(&other);
    let log = configured.seen.log();
    assert_eq!(
        log,
        [
            "GET /api/",
            "POST /api/sessionMngr/",
            "GET /api/jobs",
            "DELETE /api/logonSessions/1"
        ]
    );
}

#[tokio::test]
async fn em_hrefs_naming_the_servers_own_host_name_still_work() {
    // A real EM writes its own name; the user connected by IP address.
    let (configured, other, ca_pem) =
        origins(em_answer(Some("https://em-real-name.invalid:9398/"))).await;
    let em = em(&configured, &ca_pem).await.expect("logon by IP address");
    em.get("https://em-real-name.invalid:9398/api/jobs")
        .await
        .unwrap();
    assert_nothing_reached(&other);
    assert_eq!(configured.seen.request_count(), 3);
}

#[tokio::test]
async fn em_hrefs_with_another_scheme_or_outside_api_are_refused() {
    let (configured, other, ca_pem) = origins(em_answer(None)).await;
    let em = em(&configured, &ca_pem).await.unwrap();
    let before = configured.seen.request_count();
    for href in [
        format!("{}steal", other.base),
        format!("{}api/../steal", other.base),
        other.base.replace("https://", "ftp://") + "api/jobs",
        other.base.replace("https://", "http://") + "api/jobs",
        "file:///etc/passwd".to_owned(),
    ] {
        let error = em.get(&href).await.unwrap_err();
        assert_untrusted(&error);
    }
    assert_eq!(configured.seen.request_count(), before);
    assert_nothing_reached(&other);
}

#[tokio::test]
async fn em_logon_link_outside_api_is_refused_before_credentials_are_sent() {
    let answer: Arc<Answer> = Arc::new(|method: &Method, target: &str, other: &str| {
        match (method.as_str(), target) {
            ("GET", "/api/") => (
                200,
                vec![("content-type", "application/xml".to_owned())],
                format!(
                    r#"<EnterpriseManager xmlns="{XMLNS}"><Links><Link Href="{other}collect" Type="LogonSession" Rel="Create"/></Links></EnterpriseManager>"#
                ),
            ),
            _ => (404, vec![], String::new()),
        }
    });
    let (configured, other, ca_pem) = origins(answer).await;
    let error = em(&configured, &ca_pem).await.unwrap_err();
    assert_untrusted(&error);
    assert_eq!(configured.seen.credential_count(), 0);
    assert_nothing_reached(&other);
}

/// Every request of the configured origin is redirected to the other origin.
fn redirect_all() -> Arc<Answer> {
    Arc::new(|_: &Method, target: &str, other: &str| {
        let location = format!("{}{}", other.trim_end_matches('/'), target);
        (307, vec![("location", location)], String::new())
    })
}

#[tokio::test]
async fn redirects_to_another_origin_are_never_followed() {
    let (configured, other, ca_pem) = origins(redirect_all()).await;
    let vbr = VbrSession::builder(&configured.base)
        .credentials(credentials())
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(vbr.is_err());
    let zvm = ZvmSession::builder(&configured.base)
        .credentials(credentials())
        .flavor(ZvmFlavor::Appliance)
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(zvm.is_err());
    let zvm = ZvmSession::builder(&configured.base)
        .credentials(credentials())
        .flavor(ZvmFlavor::Windows(None))
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(zvm.is_err());
    assert!(em(&configured, &ca_pem).await.is_err());
    assert!(configured.seen.request_count() >= 4);
    assert_nothing_reached(&other);
}

#[tokio::test]
async fn plain_http_base_urls_are_refused_without_the_switch() {
    let (configured, other, ca_pem) = origins(em_answer(None)).await;
    let http = configured.base.replace("https://", "http://");
    let vbr = VbrSession::builder(&http)
        .credentials(credentials())
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(matches!(vbr, Err(Error::Config(ConfigError::InsecureHttp))));
    let zvm = ZvmSession::builder(&http)
        .credentials(credentials())
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(matches!(zvm, Err(Error::Config(ConfigError::InsecureHttp))));
    let em = EmSession::builder(&http)
        .credentials(credentials())
        .http_options(options(&ca_pem))
        .build()
        .await;
    assert!(matches!(em, Err(Error::Config(ConfigError::InsecureHttp))));
    assert_eq!(configured.seen.request_count(), 0);
    assert_nothing_reached(&other);
}
