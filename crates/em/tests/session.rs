//! The EM logon protocol and the session core against the emulator, in process, over real TLS,
//! on its virtual clock.

use std::time::Duration;

use restpoint_em::session::{EmFormat, EmSession, SESSION_HEADER};
use restpoint_em::{EntityReferences, LogonSession, Task, Version};
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::{AuthError, ConfigError, Credentials, Error, ExposeSecret};

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("emulator starts")
}

fn builder(emulator: &Emulator) -> restpoint_em::session::EmSessionBuilder {
    EmSession::builder(emulator.em_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
}

fn em_counts(emulator: &Emulator) -> restpoint_emulator::ProductCounters {
    *emulator.admin().counters().product(Product::Em)
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
async fn logon_latest_in_xml_then_navigate_by_links() {
    let emulator = emulator().await;
    let em = builder(&emulator).build().await.unwrap();
    let logon_session: LogonSession = em.logon_session().expect("a LogonSession");
    assert_eq!(logon_session.user_name(), defaults::ADMIN_USER);
    assert!(logon_session.logoff_href().is_some());
    let servers = restpoint_em::Links::new(&logon_session.links.as_ref().expect("links").link)
        .down("BackupServerReferenceList")
        .expect("a backupServers link")
        .href
        .clone();
    let refs: EntityReferences = em.get_resource(&servers).await.unwrap();
    assert!(!refs.ref_.is_empty());
    assert_eq!(em_counts(&emulator).logons, 1);
}

#[tokio::test]
async fn a_named_version_and_json_on_request() {
    let emulator = emulator().await;
    let em = builder(&emulator)
        .version(Version::Named("v1_6".into()))
        .format(EmFormat::Json)
        .build()
        .await
        .unwrap();
    let refs: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    assert!(!refs.ref_.is_empty());
    let error = builder(&emulator)
        .version(Version::Named("v1_2".into()))
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Config(ConfigError::Invalid(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn keep_alive_keeps_the_session_and_its_tasks() {
    let emulator = emulator().await;
    let em = builder(&emulator).build().await.unwrap();
    let jobs: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    let job = jobs.ref_[0].href.clone().unwrap();
    let response = em.post(&format!("{job}?action=start")).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.unwrap();
    let task: Task = restpoint_em::parse_xml(&body).unwrap();
    let task_href = task.href.clone().unwrap();
    // 40 idle minutes: the keep-alive (every 5 idle minutes) holds the session open (EM-08),
    // so the task started by this session stays visible (EM-12) and no logon is needed.
    for n in 1..=8 {
        emulator.advance(Duration::from_secs(5 * 60));
        wait_until(|| em.stats().n_keep_alives >= n).await;
    }
    let task: Task = em.get_resource(&task_href).await.unwrap();
    assert!(!task.task_id.is_empty());
    assert_eq!(em_counts(&emulator).logons, 1);
    assert_eq!(em.stats().n_relogons, 0);
}

#[tokio::test]
async fn without_keep_alive_an_idle_session_is_replaced_before_use() {
    let emulator = emulator().await;
    let em = builder(&emulator).keep_alive(None).build().await.unwrap();
    emulator.advance(Duration::from_secs(16 * 60));
    let _: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    assert_eq!(em_counts(&emulator).logons, 2);
    assert_eq!(
        em.stats().n_relogons,
        0,
        "renewed before use, not after a 401"
    );
}

#[tokio::test]
async fn a_revoked_session_leads_to_exactly_one_relogon() {
    let emulator = emulator().await;
    let em = builder(&emulator).build().await.unwrap();
    assert_eq!(emulator.admin().revoke_all(Product::Em), 1);
    let _: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    assert_eq!(em_counts(&emulator).logons, 2);
    assert_eq!(em.stats().n_relogons, 1);
}

#[tokio::test]
async fn a_stale_cookie_is_never_sent() {
    let emulator = emulator().await;
    let em = builder(&emulator).build().await.unwrap();
    let old = em.token().await.unwrap();
    emulator.admin().revoke_all(Product::Em);
    let _: EntityReferences = em.get_resource("api/jobs").await.unwrap();
    // A request that carries the old token as a cookie (EM-06: the cookie would win).
    let url = em.session().authenticator().resolve("api/jobs").unwrap();
    let request = em
        .http()
        .get(url)
        .header(
            "cookie",
            format!("{SESSION_HEADER}={}", old.access().expose_secret()),
        )
        .build()
        .unwrap();
    let response = em.send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        em_counts(&emulator).logons,
        2,
        "no re-logon: the cookie was dropped"
    );
}

#[tokio::test]
async fn logout_uses_the_delete_link_and_the_old_token_is_refused() {
    let emulator = emulator().await;
    let em = builder(&emulator).build().await.unwrap();
    let token = em.token().await.unwrap();
    em.logout().await.unwrap();
    assert_eq!(em_counts(&emulator).logouts, 1);
    let url = em.session().authenticator().resolve("api/jobs").unwrap();
    let raw = em
        .http()
        .get(url)
        .header(SESSION_HEADER, token.access().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

#[tokio::test]
async fn wrong_password_and_an_account_without_an_em_role_are_typed_errors() {
    let emulator = emulator().await;
    for (user, password) in [
        (defaults::ADMIN_USER, "not-the-password"),
        (defaults::VIEWER_USER, defaults::VIEWER_PASSWORD),
    ] {
        let error = EmSession::builder(emulator.em_url())
            .credentials(Credentials::new(user, password))
            .ca_pem(emulator.ca_pem())
            .build()
            .await
            .unwrap_err();
        assert_eq!(error.auth_error(), Some(&AuthError::WrongCredentials));
        assert_eq!(
            error.to_string(),
            "em logon (status 401): wrong credentials"
        );
    }
    let counts = em_counts(&emulator);
    assert_eq!((counts.logons, counts.failed_logons), (0, 2));
}

#[tokio::test]
async fn a_thousand_concurrent_first_calls_send_one_logon() {
    let emulator = emulator().await;
    let em = builder(&emulator).lazy(true).build().await.unwrap();
    let calls = (0..1000).map(|_| {
        let em = em.clone();
        tokio::spawn(async move { em.get("api/jobs").await.map(|r| r.status().as_u16()) })
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(200)))));
    assert_eq!(em_counts(&emulator).logons, 1);
}

#[tokio::test]
async fn tls_the_emulator_certificate_is_refused_without_its_ca() {
    let emulator = emulator().await;
    let error = EmSession::builder(emulator.em_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .build()
        .await
        .unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "em discover: tls handshake failed; to trust the server's certificate give its CA (--ca-cert FILE, or ca_pem in code)"
    );
}

#[tokio::test]
async fn a_malformed_logon_answer_is_a_protocol_error_without_the_body() {
    let emulator = emulator().await;
    // Both the root document and the logon answer are cut off: the documented logon address is
    // used for the first, and the second is a typed error.
    emulator
        .admin()
        .inject_fault(Product::Em, restpoint_emulator::Fault::MalformedBody, 2);
    let error = builder(&emulator).build().await.unwrap_err();
    match &error {
        Error::Protocol {
            violation: restpoint_session::ProtocolViolation::MissingHeader { name },
            ..
        } => assert_eq!(*name, SESSION_HEADER),
        Error::Protocol {
            violation: restpoint_session::ProtocolViolation::MalformedBody { .. },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().starts_with("em logon (status "),
        "{error}"
    );
}
