//! Issue 15, fix 5: a failed re-logon after a 401 carries its real cause (wrong password, locked
//! account, TLS failure), not "token refused"; and a call never goes out without a token — a
//! failed logon or a token that is not a valid header value is a typed error with nothing sent.

mod common;

use std::sync::atomic::Ordering;

use common::{PASSWORD, Server};
use restpoint_session::progenitor::{__progenitor_client as pc, send};
use restpoint_session::{
    AuthContext, AuthError, Authenticator, Error, ProtocolViolation, Result, Session, Token,
};

/// A generated operation's future as progenitor builds it, over `execute_with_relogon`: a 401 is
/// an unexpected response, a reqwest error a communication error.
async fn generated_call<A: Authenticator>(
    session: &Session<A>,
    request: reqwest::Request,
) -> std::result::Result<pc::ResponseValue<()>, pc::Error<()>> {
    match session.execute_with_relogon(request, "GetData").await {
        Ok(response) if response.status().is_success() => Ok(pc::ResponseValue::new(
            (),
            response.status(),
            response.headers().clone(),
        )),
        Ok(response) => Err(pc::Error::UnexpectedResponse(response)),
        Err(error) => Err(pc::Error::CommunicationError(error)),
    }
}

#[tokio::test]
async fn failed_relogon_after_a_401_reports_the_real_cause() {
    let server = Server::start().await;
    let session = server.session(PASSWORD);
    session.logon().await.unwrap();
    // The server forgets the session and the password is rotated meanwhile.
    server.app.state.access.lock().clear();
    server.app.state.refuse_logon.store(true, Ordering::SeqCst);
    let request = server.data_request(&session);
    let error = send(&session, "GetData", generated_call(&session, request))
        .await
        .unwrap_err();
    assert_eq!(
        error.auth_error(),
        Some(&AuthError::WrongCredentials),
        "the re-logon's cause, not token refused: {error}"
    );
    assert_eq!(server.n(&server.app.state.n_data), 1);
    assert_eq!(server.n(&server.app.state.n_logons), 2);
}

#[tokio::test]
async fn a_failed_logon_in_execute_with_relogon_sends_nothing() {
    let server = Server::start().await;
    let session = server.session("wrong-password");
    let request = server.data_request(&session);
    assert!(
        session
            .execute_with_relogon(request, "GetData")
            .await
            .is_err()
    );
    assert_eq!(
        server.n(&server.app.state.n_data),
        0,
        "no unauthenticated call"
    );
}

/// Logs on with a token that cannot be a header value (a line break in it).
struct BadTokenAuth;

impl Authenticator for BadTokenAuth {
    fn product(&self) -> &'static str {
        "test"
    }

    async fn logon(&self, _cx: &AuthContext<'_>) -> Result<Token> {
        Ok(Token::new("tok\nen-SECRET".to_owned()))
    }

    async fn logout(&self, _cx: &AuthContext<'_>, _token: &Token) -> Result<()> {
        Ok(())
    }

    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()> {
        let value = token.bearer_header_value().ok_or_else(|| {
            Error::protocol(
                restpoint_session::Context::new("test", "authorize"),
                ProtocolViolation::InvalidHeader {
                    name: "authorization",
                },
            )
        })?;
        request
            .headers_mut()
            .insert(reqwest::header::AUTHORIZATION, value);
        Ok(())
    }
}

#[tokio::test]
async fn a_token_that_is_not_a_header_value_is_a_typed_error_and_nothing_is_sent() {
    let server = Server::start().await;
    let session = Session::new(BadTokenAuth, server.http());
    let request = || {
        session
            .http()
            .get(format!("{}/data", server.url))
            .build()
            .unwrap()
    };
    assert!(
        session
            .execute_with_relogon(request(), "GetData")
            .await
            .is_err()
    );
    let error = send(&session, "GetData", generated_call(&session, request()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Protocol {
                violation: ProtocolViolation::InvalidHeader { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains("SECRET"));
    assert_eq!(
        server.n(&server.app.state.n_data),
        0,
        "no unauthenticated call"
    );
}
