//! The boundary between progenitor-generated clients and the session layer.
//!
//! progenitor's own error type displays response headers and raw bodies, which carry tokens
//! (ZVM and EM answer with their session id in a header; VBR with tokens in a body). Generated
//! calls are converted here into [`Error`], which keeps the product, operation, status and the
//! server's error code, and drops everything else.

use std::future::Future;

use progenitor_client::{Error as GeneratedError, ResponseValue};

use crate::error::{ApiError, AuthError, ConfigError, Context, Error, ProtocolViolation};
use crate::session::{Authenticator, Session};

#[doc(hidden)]
pub use {progenitor_client as __progenitor_client, reqwest as __reqwest};

/// Implements progenitor's `ClientHooks` for a generated `Client` whose inner value is a
/// [`Session`]: `exec` sends every call through [`Session::execute_with_relogon`] (current token,
/// one re-logon and one retry after a 401) and reads the answer with [`limit_answer`], and `pre`
/// drops progenitor's own `api-version`
/// header (VBR's is `x-api-version`, set by the session).
///
/// Invoke it in the crate that holds the generated code: `impl_client_hooks!(generated::Client,
/// Session<VbrAuth>);`
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty, $session:ty) => {
        impl $crate::progenitor::__progenitor_client::ClientHooks<$session> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::progenitor::__reqwest::Request,
                _info: &$crate::progenitor::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::progenitor::__progenitor_client::Error<E>> {
                request.headers_mut().remove("api-version");
                Ok(())
            }

            async fn exec(
                &self,
                request: $crate::progenitor::__reqwest::Request,
                info: &$crate::progenitor::__progenitor_client::OperationInfo,
            ) -> $crate::progenitor::__reqwest::Result<$crate::progenitor::__reqwest::Response>
            {
                let response = self
                    .inner
                    .execute_with_relogon(request, info.operation_id)
                    .await?;
                Ok($crate::progenitor::limit_answer(
                    self.inner.product(),
                    info.operation_id,
                    response,
                )
                .await)
            }
        }
    };
}

tokio::task_local! {
    /// The operation id [`send`] names its errors with, for [`limit_answer`].
    static OPERATION: &'static str;
}

/// The largest answer of a generated call that is read: 32 MiB. The three APIs page their lists;
/// a body that never ends, or one far larger than any page, is a hostile or broken server.
pub const MAX_API_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// Reads the body of a generated call's answer with [`crate::body::read_limited`] (at most
/// [`MAX_API_ANSWER_BYTES`], checked while reading; no unrequested compression) and hands the
/// generated code an answer with the body already read. On a failure (too large, compressed,
/// broken off) the error is reported to [`send`] as the call's real cause and the generated
/// code gets an empty `502` answer in its place. Used by [`impl_client_hooks!`].
#[doc(hidden)]
pub async fn limit_answer(
    product: &'static str,
    operation: &'static str,
    response: reqwest::Response,
) -> reqwest::Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    // The spec's operation id as `send` names it (`GetAllJobs`), not progenitor's snake case.
    let operation = OPERATION.try_with(|o| *o).unwrap_or(operation);
    let context = Context::new(product, operation).with_status(status);
    let (status, body, read) =
        match crate::body::read_limited(&context, response, MAX_API_ANSWER_BYTES).await {
            Ok(body) => {
                if let Some(error) = refusal(&context, &body) {
                    crate::relogon::report(error);
                }
                (status, body, true)
            }
            Err(error) => {
                crate::relogon::report(error);
                (reqwest::StatusCode::BAD_GATEWAY, Vec::new(), false)
            }
        };
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.version_mut() = version;
    if read {
        *answer.headers_mut() = headers;
        // The body is now exactly what was read.
        answer.headers_mut().remove(reqwest::header::CONTENT_LENGTH);
    }
    reqwest::Response::from(answer)
}

/// The typed error of a refused call, decided by its status where the generated code would
/// decide by its body: a 401 (after the session's one re-logon and retry) or 403 whatever the
/// body, and any other error status whose body is not JSON (an HTML error page, a redirect):
/// the generated code would call those a malformed body or an API error without a code.
fn refusal(context: &Context, body: &[u8]) -> Option<Error> {
    let status = context.status()?;
    if status.is_success() || status.is_informational() {
        return None;
    }
    Some(match status.as_u16() {
        401 => Error::auth(context.clone(), AuthError::TokenRefused),
        403 => Error::auth(context.clone(), AuthError::Forbidden),
        _ if serde_json::from_slice::<serde_json::Value>(body).is_err() => {
            Error::protocol(context.clone(), ProtocolViolation::UnexpectedStatus)
        }
        _ => return None,
    })
}

/// A generated client (`C`) together with the session its calls go through.
///
/// Product crates name it, e.g. `restpoint_vbr::VbrClient = TypedClient<generated::Client,
/// VbrAuth>`; their session type builds it. The generated builders' `send()` answers
/// `Result<T, restpoint_session::Error>` naming the spec's operation id:
///
/// ```text
/// let jobs = vbr.api().get_all_jobs().limit(50).send().await?;
/// ```
pub struct TypedClient<C, A: Authenticator> {
    api: C,
    session: Session<A>,
}

impl<C: Clone, A: Authenticator> Clone for TypedClient<C, A> {
    fn clone(&self) -> Self {
        Self {
            api: self.api.clone(),
            session: self.session.clone(),
        }
    }
}

impl<C, A: Authenticator> std::fmt::Debug for TypedClient<C, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedClient")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<C, A: Authenticator> TypedClient<C, A> {
    /// Pairs a generated client with the session it was built on.
    pub fn new(api: C, session: Session<A>) -> Self {
        Self { api, session }
    }

    /// The generated operations: `api().get_all_jobs().limit(50).send().await?`. Each
    /// builder's `send()` goes through the session (see [`send`]) and answers [`Error`].
    pub fn api(&self) -> &C {
        &self.api
    }

    /// The session underneath: statistics, logout, tokens.
    pub fn session(&self) -> &Session<A> {
        &self.session
    }

    /// Ends the session on the server.
    pub async fn logout(&self) -> Result<(), Error> {
        self.session.logout().await
    }
}

/// Runs one generated operation over `session` and converts its result: the `send()` of every
/// builder generated by `cargo xtask regen` for a client over a session calls this with the
/// spec's operation id, so errors name the operation without the caller naming it.
///
/// Logs on first when needed (so a refused logon is a typed [`Error::Auth`] rather than a
/// status of the call); the request itself is sent by the client's hooks
/// ([`impl_client_hooks!`]: one re-logon after a 401, the retry policy, the call's span).
pub async fn send<A, T, E>(
    session: &Session<A>,
    operation: &'static str,
    request: impl Future<Output = Result<ResponseValue<T>, GeneratedError<E>>>,
) -> Result<T, Error>
where
    A: Authenticator,
    E: serde::Serialize,
{
    session.token().await?;
    let (result, failure) = OPERATION
        .scope(operation, crate::relogon::collect(request))
        .await;
    match (result, failure) {
        (Ok(value), _) => Ok(value.into_inner()),
        // The session's own error (a failed re-logon, an unusable token) is the real cause.
        (Err(_), Some(error)) => Err(error),
        (Err(error), None) => Err(from_generated(
            Context::new(session.product(), operation),
            error,
        )),
    }
}

/// Converts the error of a generated operation into [`Error`].
///
/// The server's own error model (`E`) is read for its code and message by the usual property
/// names (`errorCode`/`ErrorCode`/`code`, `message`/`Message`), so any generated error type works.
pub fn from_generated<E: serde::Serialize>(context: Context, error: GeneratedError<E>) -> Error {
    match error {
        GeneratedError::InvalidRequest(_) => Error::Config(ConfigError::Invalid(
            "request parameters of a generated call",
        )),
        GeneratedError::Custom(_) => Error::Config(ConfigError::Invalid("request hook")),
        GeneratedError::CommunicationError(e)
        | GeneratedError::InvalidUpgrade(e)
        | GeneratedError::ResponseBodyError(e) => Error::from_reqwest(context, e),
        GeneratedError::ErrorResponse(response) => {
            let status = response.status();
            let context = context.with_status(status);
            if let Some(throttled) = Error::throttled(&context, response.headers()) {
                return throttled;
            }
            from_status(context, Some(api_error(&response.into_inner())))
        }
        GeneratedError::UnexpectedResponse(response) => {
            let context = context.with_status(response.status());
            Error::throttled(&context, response.headers())
                .unwrap_or_else(|| from_status(context, None))
        }
        GeneratedError::InvalidResponsePayload(_, e) => {
            let category = match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "unexpected data",
                serde_json::error::Category::Eof => "unexpected end",
            };
            Error::protocol(
                context,
                ProtocolViolation::MalformedBody {
                    format: "json",
                    path: format!("line {} column {}", e.line(), e.column()),
                    category,
                },
            )
        }
    }
}

/// 401 and 403 are authentication errors whatever the body; other statuses carry the server's
/// error model when it sent one, and are a protocol violation when it sent none it documents.
fn from_status(context: Context, api: Option<ApiError>) -> Error {
    match context.status().map(|s| s.as_u16()) {
        Some(401) => Error::auth(context, AuthError::TokenRefused),
        Some(403) => Error::auth(context, AuthError::Forbidden),
        _ => match api {
            Some(error) => Error::Api { context, error },
            None => Error::protocol(context, ProtocolViolation::UnexpectedStatus),
        },
    }
}

fn api_error<E: serde::Serialize>(body: &E) -> ApiError {
    let value = serde_json::to_value(body).unwrap_or_default();
    let field = |names: &[&str]| {
        names.iter().find_map(|name| {
            value.get(*name).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
        })
    };
    ApiError::new(
        field(&["errorCode", "ErrorCode", "code", "Code"]),
        field(&["message", "Message"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct VbrStyleError {
        #[serde(rename = "errorCode")]
        error_code: String,
        message: String,
    }

    #[test]
    fn reads_the_servers_error_code_and_message() {
        let api = api_error(&VbrStyleError {
            error_code: "NotFound".into(),
            message: "job 42 was not found".into(),
        });
        assert_eq!(api.code(), Some("NotFound"));
        assert_eq!(api.message(), Some("job 42 was not found"));
    }

    #[test]
    fn statuses_map_to_typed_errors_without_bodies() {
        let context = || Context::new("vbr", "GetJob");
        let unauthorized = from_status(
            context().with_status(reqwest::StatusCode::UNAUTHORIZED),
            None,
        );
        assert!(matches!(
            unauthorized,
            Error::Auth {
                kind: AuthError::TokenRefused,
                ..
            }
        ));
        let forbidden = from_status(context().with_status(reqwest::StatusCode::FORBIDDEN), None);
        assert!(matches!(
            forbidden,
            Error::Auth {
                kind: AuthError::Forbidden,
                ..
            }
        ));
        let api = ApiError::new(Some("NotFound".into()), Some("secret-bearing text".into()));
        let not_found = from_status(
            context().with_status(reqwest::StatusCode::NOT_FOUND),
            Some(api),
        );
        let shown = format!("{not_found} {not_found:?}");
        assert!(shown.contains("NotFound"), "{shown}");
        assert!(!shown.contains("secret-bearing"), "{shown}");
    }

    #[test]
    fn invalid_payload_names_a_position_not_the_body() {
        let e = serde_json::from_str::<serde_json::Value>("{\"access_token\": \"tok").unwrap_err();
        let error = from_generated::<()>(
            Context::new("vbr", "CreateToken"),
            GeneratedError::InvalidResponsePayload("{\"access_token\": \"tok".into(), e),
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("tok\""), "{shown}");
        assert!(shown.contains("malformed json body"), "{shown}");
    }
}
