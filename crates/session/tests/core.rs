//! The session core against a tiny local OAuth-like server over real TLS (axum + rcgen), on a
//! virtual clock shared by client and server: single-flight, refresh, fall-back, one re-logon,
//! logout, TLS trust.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{PASSWORD, Server, TestAuth};
use restpoint_session::{
    AuthError, Credentials, Error, ExposeSecret, HttpOptions, ManualClock, Session, SharedClock,
};

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn first_call_logs_on_and_later_calls_reuse_the_token() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    for _ in 0..3 {
        let response = session.send(server.data_request(&session)).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(server.n(&server.app.state.n_logons), 1);
    assert_eq!(session.stats().n_logons, 1);
}

#[tokio::test]
async fn expiry_leads_to_a_refresh_not_a_logon() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    // 15 min lifetime, 60 s margin: at 14m30s the token is renewed before it expires.
    server.app.clock.advance(Duration::from_secs(14 * 60 + 30));
    let response = session.send(server.data_request(&session)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.n(&server.app.state.n_logons), 1);
    assert_eq!(server.n(&server.app.state.n_refreshes), 1);
    assert_eq!(session.stats().n_refreshes, 1);
}

#[tokio::test]
async fn refused_refresh_falls_back_to_a_password_logon() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    server
        .app
        .state
        .refuse_refresh
        .store(true, Ordering::SeqCst);
    server.app.clock.advance(Duration::from_secs(16 * 60));
    let response = session.send(server.data_request(&session)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.n(&server.app.state.n_refreshes), 1);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
    let stats = session.stats();
    assert_eq!((stats.n_refresh_refused, stats.n_logons), (1, 2));
}

#[tokio::test]
async fn a_401_leads_to_exactly_one_relogon_and_one_retry() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    // The server forgets every token (restart, revocation): the cached one is refused.
    server.app.state.access.lock().clear();
    let response = session.send(server.data_request(&session)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
    assert_eq!(server.n(&server.app.state.n_data), 2);
    let stats = session.stats();
    assert_eq!((stats.n_relogons, stats.n_retries), (1, 1));
}

#[tokio::test]
async fn a_persistent_401_is_a_typed_error_not_a_loop() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    server.app.state.always_401.store(true, Ordering::SeqCst);
    // A POST with a replayable body: a 401 means the server did not act, so one retry is safe.
    let request = session
        .http()
        .post(format!("{}/data", server.url))
        .body("payload")
        .build()
        .unwrap();
    let error = session.send(request).await.unwrap_err();
    assert_eq!(error.auth_error(), Some(&AuthError::TokenRefused));
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(
        error.to_string(),
        "test POST /data (status 401): token refused after re-logon"
    );
    assert_eq!(
        server.n(&server.app.state.n_data),
        2,
        "sent once and retried once"
    );
    assert_eq!(
        server.n(&server.app.state.n_logons),
        2,
        "first logon and one re-logon"
    );
}

#[tokio::test]
async fn a_401_on_a_streamed_body_relogs_on_but_does_not_replay() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    server.app.state.access.lock().clear();
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(bytes_of("chunk"))]);
    let request = session
        .http()
        .post(format!("{}/data", server.url))
        .body(reqwest::Body::wrap_stream(stream))
        .build()
        .unwrap();
    let error = session.send(request).await.unwrap_err();
    assert_eq!(error.auth_error(), Some(&AuthError::NotRetried));
    assert_eq!(server.n(&server.app.state.n_data), 1);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
    // The next call uses the fresh token without another logon.
    let response = session.send(server.data_request(&session)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
}

fn bytes_of(s: &'static str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

#[tokio::test]
async fn a_thousand_concurrent_calls_on_an_expired_token_share_one_refresh() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    server.app.clock.advance(Duration::from_secs(20 * 60));
    let calls = (0..1000).map(|_| {
        let session = session.clone();
        let request = server.data_request(&session);
        tokio::spawn(async move { session.send(request).await.map(|r| r.status()) })
    });
    let results = futures::future::join_all(calls).await;
    let n_ok = results
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(s)) if *s == 200))
        .count();
    assert_eq!(n_ok, 1000);
    assert_eq!(server.n(&server.app.state.n_refreshes), 1);
    assert_eq!(server.n(&server.app.state.n_logons), 1);
}

#[tokio::test]
async fn a_thousand_concurrent_first_calls_share_one_logon() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    let calls = (0..1000).map(|_| {
        let session = session.clone();
        let request = server.data_request(&session);
        tokio::spawn(async move { session.send(request).await.map(|r| r.status()) })
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(s)) if *s == 200)));
    assert_eq!(server.n(&server.app.state.n_logons), 1);
    assert_eq!(session.stats().n_logons, 1);
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_error_sent_once_for_all_waiting_callers() {
    let server = Server::start().await;
    let session = server.session("wrong-password-xyz");
    let calls = (0..50).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|_| ()) })
    });
    for result in futures::future::join_all(calls).await {
        let error = result.unwrap().unwrap_err();
        assert_eq!(error.auth_error(), Some(&AuthError::WrongCredentials));
        assert_eq!(
            error.to_string(),
            "test logon (status 401): wrong credentials"
        );
    }
    assert_eq!(
        server.n(&server.app.state.n_logons),
        1,
        "no retry of a wrong password"
    );
}

#[tokio::test]
async fn logout_revokes_the_token_on_the_server() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    let token = session.token().await.unwrap();
    session.logout().await.unwrap();
    assert_eq!(server.n(&server.app.state.n_logouts), 1);
    // The old token is refused by the server...
    let response = session
        .http()
        .get(format!("{}/data", server.url))
        .bearer_auth(token.access().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // ...and the session does not log on again by itself.
    let error = session
        .send(server.data_request(&session))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::LoggedOut { .. }), "{error:?}");
    assert_eq!(server.n(&server.app.state.n_logons), 1);
    // A second logout is a no-op.
    session.logout().await.unwrap();
    assert_eq!(server.n(&server.app.state.n_logouts), 1);
}

#[tokio::test]
async fn hook_style_authorize_and_execute_with_relogon() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    let mut request = server.data_request(&session);
    session.authorize(&mut request).await.unwrap();
    assert!(request.headers()["authorization"].is_sensitive());
    server.app.state.access.lock().clear();
    let response = session
        .execute_with_relogon(request, "get_data")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
    // Persistent 401: the 401 response itself comes back, after one re-logon and one retry.
    server.app.state.always_401.store(true, Ordering::SeqCst);
    let mut request = server.data_request(&session);
    session.authorize(&mut request).await.unwrap();
    let response = session
        .execute_with_relogon(request, "get_data")
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(server.n(&server.app.state.n_logons), 3);
}

#[tokio::test]
async fn tls_the_servers_certificate_is_refused_without_its_ca_and_accepted_with_it() {
    let server = Server::start().await;
    let auth = |s: &Server| TestAuth {
        url: s.url.clone(),
        credentials: Credentials::new("alice", PASSWORD),
    };
    // Default options: system roots only.
    let http = HttpOptions::new().build_client("test").unwrap();
    let session = Session::new(auth(&server), http);
    let error = session.logon().await.unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "test logon: tls handshake failed; to trust the server's certificate give its CA (--ca-cert FILE, or ca_pem in code)"
    );
    assert_eq!(server.n(&server.app.state.n_logons), 0);
    // With the CA merged into the system roots.
    let http = HttpOptions::new()
        .ca_pem(&server.ca_pem)
        .unwrap()
        .build_client("test")
        .unwrap();
    Session::new(auth(&server), http).logon().await.unwrap();
    // With the explicit insecure switch.
    let http = HttpOptions::new()
        .danger_accept_invalid_certs(true)
        .build_client("test")
        .unwrap();
    Session::new(auth(&server), http).logon().await.unwrap();
    assert_eq!(server.n(&server.app.state.n_logons), 2);
    // Garbage is not a CA.
    assert!(HttpOptions::new().ca_pem("not a pem").is_err());
}

#[test]
fn clock_is_shared() {
    let clock = ManualClock::new();
    let shared: SharedClock = clock.shared();
    let t0 = shared.now();
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        shared.now().duration_since(t0).unwrap(),
        Duration::from_secs(5)
    );
}
