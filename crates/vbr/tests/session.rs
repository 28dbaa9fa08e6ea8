//! The VBR logon protocol and the session core against the emulator, in process, over real TLS,
//! on the emulator's virtual clock. Counts come from the emulator, not from the client.

use std::time::Duration;

use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{AuthError, Credentials, Error, ExposeSecret};
use restpoint_vbr::session::{VbrGrant, VbrSession};

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::for_tests())
        .await
        .expect("emulator starts")
}

async fn session_as(emulator: &Emulator, user: &str, password: &str) -> Result<VbrSession, Error> {
    VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(user, password))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
        .api_version("1.2-rev1")
        .build()
        .await
}

async fn admin_session(emulator: &Emulator) -> VbrSession {
    session_as(emulator, defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
        .await
        .expect("admin logs on")
}

/// `GET /api/v1/jobs` through the session; the status.
async fn list_jobs(vbr: &VbrSession) -> Result<u16, Error> {
    let url = vbr.base_url().join("api/v1/jobs").unwrap();
    let request = vbr.http().get(url).build().unwrap();
    vbr.send(request).await.map(|r| r.status().as_u16())
}

fn vbr_counts(emulator: &Emulator) -> restpoint_emulator::ProductCounters {
    *emulator.admin().counters().product(Product::Vbr)
}

#[tokio::test]
async fn logon_then_calls_reuse_the_token() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    for _ in 0..3 {
        assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    }
    assert_eq!(vbr_counts(&emulator).logons, 1);
    assert_eq!(vbr.api_version(), "1.2-rev1");
}

#[tokio::test]
async fn expiry_leads_to_a_refresh_grant() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    // expires_in is 900 s; the session renews 60 s before.
    emulator.advance(Duration::from_secs(14 * 60 + 30));
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 1));
    // And after the access token really expired.
    emulator.advance(Duration::from_secs(20 * 60));
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 2));
}

#[tokio::test]
async fn refresh_ahead_renews_in_the_background_before_expiry() {
    let emulator = emulator().await;
    let vbr = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().unwrap().shared())
        .refresh_ahead(true)
        .build()
        .await
        .unwrap();
    for n in 1..=3 {
        // 900 s lifetime, 60 s margin: due at 840 s after each issue.
        emulator.advance(Duration::from_secs(839));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            vbr_counts(&emulator).refreshes,
            n - 1,
            "not before it is due"
        );
        emulator.advance(Duration::from_secs(1));
        for _ in 0..500 {
            if vbr_counts(&emulator).refreshes == n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            vbr_counts(&emulator).refreshes,
            n,
            "{:?} {:?}",
            vbr.stats(),
            vbr_counts(&emulator)
        );
    }
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 3));
    vbr.logout().await.unwrap();
}

#[tokio::test]
async fn refused_refresh_falls_back_to_a_password_logon() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    let token = vbr.token().await.unwrap();
    let refresh = token.refresh_token().unwrap().expose_secret().to_owned();
    assert!(emulator.admin().revoke_token(Product::Vbr, &refresh));
    emulator.advance(Duration::from_secs(16 * 60));
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (2, 0));
    assert_eq!(vbr.stats().n_refresh_refused, 1);
}

#[tokio::test]
async fn revoked_token_leads_to_exactly_one_relogon() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    assert_eq!(emulator.admin().revoke_all(Product::Vbr), 1);
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    assert_eq!(vbr_counts(&emulator).logons, 2);
    assert_eq!(
        emulator
            .admin()
            .counters()
            .requests(Product::Vbr, "GET", "/api/v1/jobs"),
        2
    );
    assert_eq!(vbr.stats().n_relogons, 1);
}

#[tokio::test]
async fn an_injected_401_is_retried_once_and_a_refused_relogon_is_a_typed_error() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(401), 1);
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    assert_eq!(vbr_counts(&emulator).logons, 2);

    // Every request answered 401 for a while: the re-logon is refused too, and the call ends
    // with a typed error after the call and one logon attempt; no loop.
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(401), 10);
    let error = list_jobs(&vbr).await.unwrap_err();
    assert!(error.auth_error().is_some(), "{error:?}");
    assert_eq!(
        emulator.admin().counters().product(Product::Vbr).requests,
        2,
        "the call and one logon attempt"
    );
    emulator.admin().clear_faults();
}

#[tokio::test]
async fn logout_revokes_both_tokens() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    let token = vbr.token().await.unwrap();
    vbr.logout().await.unwrap();
    assert_eq!(vbr_counts(&emulator).logouts, 1);
    let url = vbr.base_url().join("api/v1/jobs").unwrap();
    let raw = vbr
        .http()
        .get(url)
        .bearer_auth(token.access().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401, "the old access token is refused");
    let url = vbr.base_url().join("api/oauth2/token").unwrap();
    let raw = vbr
        .http()
        .post(url)
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                token.refresh_token().unwrap().expose_secret(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401, "the old refresh token is refused");
    assert!(matches!(
        list_jobs(&vbr).await.unwrap_err(),
        Error::LoggedOut { .. }
    ));
}

#[tokio::test]
async fn logout_after_the_access_token_expired_still_revokes_the_refresh_token() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    let refresh = vbr
        .token()
        .await
        .unwrap()
        .refresh_token()
        .unwrap()
        .expose_secret()
        .to_owned();
    emulator.advance(Duration::from_secs(20 * 60));
    vbr.logout().await.unwrap();
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.refreshes, counts.logouts), (1, 1));
    let url = vbr.base_url().join("api/oauth2/token").unwrap();
    let raw = vbr
        .http()
        .post(url)
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw.status(),
        401,
        "no refresh token of the session survives the logout"
    );
}

#[tokio::test]
async fn a_thousand_concurrent_calls_with_an_expired_token_send_one_refresh() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    emulator.advance(Duration::from_secs(16 * 60));
    let calls = (0..1000).map(|_| {
        let vbr = vbr.clone();
        tokio::spawn(async move { list_jobs(&vbr).await })
    });
    let results = futures::future::join_all(calls).await;
    let n_ok = results.iter().filter(|r| matches!(r, Ok(Ok(200)))).count();
    assert_eq!(n_ok, 1000);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 1));
}

#[tokio::test]
async fn a_thousand_concurrent_first_calls_send_one_logon() {
    let emulator = emulator().await;
    let vbr = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().unwrap().shared())
        .lazy(true)
        .build()
        .await
        .unwrap();
    let calls = (0..1000).map(|_| {
        let vbr = vbr.clone();
        tokio::spawn(async move { list_jobs(&vbr).await })
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(200)))));
    assert_eq!(vbr_counts(&emulator).logons, 1);
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_error_and_is_not_retried() {
    let emulator = emulator().await;
    let error = session_as(&emulator, defaults::ADMIN_USER, "not-the-password")
        .await
        .unwrap_err();
    assert_eq!(error.auth_error(), Some(&AuthError::WrongCredentials));
    assert_eq!(
        error.to_string(),
        "vbr logon (status 401): wrong credentials"
    );
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.failed_logons), (0, 1));
}

#[tokio::test]
async fn an_mfa_account_is_a_typed_mfa_error_and_not_retried() {
    let emulator = emulator().await;
    let error = session_as(&emulator, defaults::MFA_USER, defaults::MFA_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        error.auth_error(),
        Some(&AuthError::MfaRequired),
        "{error:?}"
    );
    assert!(error.to_string().contains("multi-factor"), "{error}");
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.failed_logons), (0, 1));
    // A wrong password of the same account is still a wrong-credentials error.
    let error = session_as(&emulator, defaults::MFA_USER, "wrong")
        .await
        .unwrap_err();
    assert_eq!(error.auth_error(), Some(&AuthError::WrongCredentials));
}

#[tokio::test]
async fn the_lifetime_is_read_from_the_answer_never_assumed() {
    // A server whose tokens live 60 minutes (the other reading of VBR-02).
    let emulator = Emulator::start(EmulatorConfig::for_tests().with_lifetimes(
        restpoint_emulator::Lifetimes {
            vbr_access: Duration::from_secs(3600),
            ..restpoint_emulator::Lifetimes::default()
        },
    ))
    .await
    .unwrap();
    let vbr = admin_session(&emulator).await;
    assert_eq!(
        vbr.token().await.unwrap().lifetime(),
        Some(Duration::from_secs(3600))
    );
    // Past 900 s nothing is renewed: the client did not assume 15 minutes.
    emulator.advance(Duration::from_secs(20 * 60));
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    assert_eq!(vbr_counts(&emulator).refreshes, 0);
    // Shortly before 3600 s it is.
    emulator.advance(Duration::from_secs(39 * 60 + 30));
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.logons, counts.refreshes), (1, 1));
}

#[test]
fn without_expires_in_the_lifetime_comes_from_the_times_with_any_offset() {
    use restpoint_vbr::session::read_token_answer;
    let lifetime = |body: &str| read_token_answer(200, body.as_bytes()).unwrap().lifetime();
    let base = r#""access_token":"a.b.c","refresh_token":"d.e.f""#;
    assert_eq!(
        lifetime(&format!(
            r#"{{{base},".issued":"2022-04-24T14:24:18+01:00",".expires":"2022-04-24T14:39:18+01:00"}}"#
        )),
        Some(Duration::from_secs(900))
    );
    // Different offsets for the same instants; no offset at all; fractions of a second.
    assert_eq!(
        lifetime(&format!(
            r#"{{{base},".issued":"2022-04-24T13:24:18Z",".expires":"2022-04-24T15:24:18+01:00"}}"#
        )),
        Some(Duration::from_secs(3600))
    );
    assert_eq!(
        lifetime(&format!(
            r#"{{{base},".issued":"2022-04-24T14:24:18.5",".expires":"2022-04-24T14:34:18.5"}}"#
        )),
        Some(Duration::from_secs(600))
    );
    // expires_in wins.
    assert_eq!(
        lifetime(&format!(
            r#"{{{base},"expires_in":1200,".issued":"2022-04-24T14:24:18Z",".expires":"2022-04-24T14:39:18Z"}}"#
        )),
        Some(Duration::from_secs(1200))
    );
    // Nothing usable: no lifetime, and no guess.
    assert_eq!(lifetime(&format!(r#"{{{base},".expires":"soon"}}"#)), None);
    assert_eq!(lifetime(&format!("{{{base}}}")), None);
}

#[tokio::test]
async fn any_revision_the_user_names_is_sent_and_a_malformed_one_is_a_config_error() {
    let emulator = emulator().await;
    let build = |v: &'static str| {
        VbrSession::builder(emulator.vbr_url())
            .credentials(Credentials::new(
                defaults::ADMIN_USER,
                defaults::ADMIN_PASSWORD,
            ))
            .ca_pem(emulator.ca_pem())
            .api_version(v)
            .build()
    };
    for v in ["1.3-rev2", "1.0-rev1", "1.1-rev2"] {
        let vbr = build(v).await.unwrap();
        assert_eq!(vbr.api_version(), v);
        assert_eq!(list_jobs(&vbr).await.unwrap(), 200, "{v}");
    }
    for v in ["latest", "1.3", "v13", ""] {
        let error = build(v).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Config(restpoint_session::ConfigError::Invalid(_))
            ),
            "{v}: {error:?}"
        );
    }
}

#[tokio::test]
async fn an_authorization_code_logs_on_another_client() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    let code = vbr.create_authorization_code().await.unwrap();
    let other = VbrSession::builder(emulator.vbr_url())
        .grant(VbrGrant::AuthorizationCode(code))
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().unwrap().shared())
        .build()
        .await
        .unwrap();
    assert_eq!(list_jobs(&other).await.unwrap(), 200);
}

#[tokio::test]
async fn the_console_token_grant_logs_on() {
    let emulator = emulator().await;
    let vbr = VbrSession::builder(emulator.vbr_url())
        .grant(VbrGrant::VbrToken(defaults::VBR_TOKEN.into()))
        .ca_pem(emulator.ca_pem())
        .build()
        .await
        .unwrap();
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
}

#[tokio::test]
async fn an_unsupported_api_version_is_an_api_error() {
    let emulator = emulator().await;
    let error = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .api_version("0.9-rev0")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn tls_the_emulator_certificate_is_refused_without_its_ca_and_accepted_with_it() {
    let emulator = emulator().await;
    let error = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .build()
        .await
        .unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_eq!(vbr_counts(&emulator).logons, 0);
    admin_session(&emulator).await;
    assert_eq!(vbr_counts(&emulator).logons, 1);
}

// ------------------------------------------------------------------ R4: injected faults

#[tokio::test]
async fn a_dropped_connection_on_a_post_is_a_transport_error_and_is_not_repeated() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::DropConnection, 1);
    let url = vbr
        .base_url()
        .join("api/v1/jobs/00000000-0000-0000-0000-000000000001/start")
        .unwrap();
    let request = vbr.http().post(url).build().unwrap();
    let error = vbr.send(request).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(vbr_counts(&emulator).requests, 1, "never repeated");
    assert_eq!(
        list_jobs(&vbr).await.unwrap(),
        200,
        "the session still works"
    );
}

#[tokio::test]
async fn a_500_is_returned_as_it_is_and_not_retried() {
    let emulator = emulator().await;
    let vbr = admin_session(&emulator).await;
    emulator.admin().reset_counters();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(500), 1);
    assert_eq!(list_jobs(&vbr).await.unwrap(), 500);
    let counts = vbr_counts(&emulator);
    assert_eq!((counts.requests, counts.logons), (1, 0));
}

#[tokio::test]
async fn a_malformed_token_answer_is_a_protocol_error_without_the_body() {
    let emulator = emulator().await;
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::MalformedBody, 1);
    let error = session_as(&emulator, defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Protocol {
                violation: restpoint_session::ProtocolViolation::MalformedBody { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("vbr logon (status 200): protocol violation: malformed json body")
    );
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_typed_error_after_the_retry_budget() {
    let emulator = emulator().await;
    let options = restpoint_session::HttpOptions::new()
        .ca_pem(emulator.ca_pem())
        .unwrap()
        .request_timeout(Duration::from_millis(300));
    // The backoff between attempts runs on the virtual clock, with auto-advance: no real wait.
    let clock = restpoint_session::ManualClock::with_auto_advance();
    let vbr = VbrSession::builder(emulator.vbr_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .http_options(options)
        .session_options(restpoint_session::SessionOptions::new().clock(clock.shared()))
        .build()
        .await
        .unwrap();
    emulator.admin().reset_counters();
    // Slower than the timeout on every attempt: a GET is retried (3 attempts), then the
    // timeout is the caller's typed error.
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Delay(Duration::from_secs(2)), 3);
    let error = list_jobs(&vbr).await.unwrap_err();
    match &error {
        Error::Transport { source, .. } => assert!(source.is_timeout(), "{error:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(vbr_counts(&emulator).requests, 3);
    assert_eq!(vbr.stats().n_relogons, 0);
}

#[tokio::test]
async fn an_empty_401_body_is_the_same_401() {
    let emulator = emulator().await;
    emulator
        .admin()
        .set_vbr_401_body(restpoint_emulator::Vbr401Body::Empty);
    let vbr = admin_session(&emulator).await;
    emulator.admin().revoke_all(Product::Vbr);
    assert_eq!(list_jobs(&vbr).await.unwrap(), 200);
    assert_eq!(vbr_counts(&emulator).logons, 2);
}
