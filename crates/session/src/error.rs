//! The session layer's errors: one enum, split by stage, with product, operation and status as
//! context.
//!
//! Invariant: no `Display` or `Debug` output of these types contains a header value, a response
//! body or a secret. Server-provided error messages are kept (see [`ApiError::message`]) but
//! never printed.

use std::borrow::Cow;
use std::fmt;

use reqwest::StatusCode;

/// A `Result` whose error is the session layer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an error happened: which product, which operation, and the HTTP status if one came back.
#[derive(Clone, PartialEq, Eq)]
pub struct Context {
    product: &'static str,
    operation: Cow<'static, str>,
    status: Option<StatusCode>,
}

impl Context {
    /// A context for `operation` (e.g. `logon`, `GET /api/v1/jobs`) of `product` (e.g. `vbr`).
    pub fn new(product: &'static str, operation: impl Into<Cow<'static, str>>) -> Self {
        Self {
            product,
            operation: operation.into(),
            status: None,
        }
    }

    /// The same context with the HTTP status of the answer.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The product, e.g. `vbr`, `em`, `zvm`.
    pub fn product(&self) -> &'static str {
        self.product
    }

    /// The operation, e.g. `logon`, `refresh`, `GET /api/v1/jobs`.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP status of the answer, if one came back.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.product, self.operation)?;
        if let Some(status) = self.status {
            write!(f, " (status {})", status.as_u16())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("product", &self.product)
            .field("operation", &self.operation)
            .field("status", &self.status.map(|s| s.as_u16()))
            .finish()
    }
}

/// An error of the session layer. Cloneable, so that one failed logon can be handed to every
/// caller that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request did not reach the server, or its answer did not come back (connect, timeout,
    /// connection dropped, body read failed). The server may have acted on it.
    #[error("{context}: transport error")]
    Transport {
        /// Where it happened.
        context: Context,
        /// The underlying failure.
        #[source]
        source: TransportError,
    },
    /// The TLS handshake failed: an untrusted or invalid server certificate, most often. The
    /// server has not seen the request.
    #[error(
        "{context}: tls handshake failed; to trust the server's certificate give its CA (--ca-cert FILE, or ca_pem in code)"
    )]
    Tls {
        /// Where it happened.
        context: Context,
        /// The underlying failure.
        #[source]
        source: TransportError,
    },
    /// The server refused to authenticate or authorise the caller.
    #[error("{context}: {kind}")]
    Auth {
        /// Where it happened.
        context: Context,
        /// Why.
        kind: AuthError,
    },
    /// The server broke a documented rule of its protocol.
    #[error("{context}: protocol violation: {violation}")]
    Protocol {
        /// Where it happened.
        context: Context,
        /// Which rule.
        violation: ProtocolViolation,
    },
    /// The server answered with its own error model.
    #[error("{context}: api error{}", error.code().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        /// Where it happened.
        context: Context,
        /// The server's error.
        error: ApiError,
    },
    /// The server throttled the call (`429 Too Many Requests`) and the session gave up: the
    /// retry budget was spent, the call is not idempotent (never repeated), or the server's
    /// `Retry-After` asked for a longer wait than the retry policy honours
    /// ([`crate::RetryPolicy::max_retry_after`]).
    #[error(
        "{context}: throttled by the server (429 too many requests){}",
        retry_after.map(|r| format!("; it asked to {r}")).unwrap_or_else(|| "; no retry-after".to_owned())
    )]
    Throttled {
        /// Where it happened (status 429).
        context: Context,
        /// The server's `Retry-After`, if it sent a readable one.
        retry_after: Option<crate::retry::RetryAfter>,
    },
    /// The client was configured wrongly (bad URL, bad CA file, missing environment variable).
    #[error("invalid configuration: {0}")]
    Config(ConfigError),
    /// The session was logged out; build a new one to log on again.
    #[error("{context}: session is logged out")]
    LoggedOut {
        /// Where it happened.
        context: Context,
    },
}

impl Error {
    /// The context of the error, if it has one (configuration errors do not).
    pub fn context(&self) -> Option<&Context> {
        match self {
            Error::Transport { context, .. }
            | Error::Tls { context, .. }
            | Error::Auth { context, .. }
            | Error::Protocol { context, .. }
            | Error::Api { context, .. }
            | Error::Throttled { context, .. }
            | Error::LoggedOut { context } => Some(context),
            Error::Config(_) => None,
        }
    }

    /// The HTTP status of the answer that caused the error, if one came back.
    pub fn status(&self) -> Option<StatusCode> {
        self.context().and_then(Context::status)
    }

    /// The authentication failure, if this is one.
    pub fn auth_error(&self) -> Option<&AuthError> {
        match self {
            Error::Auth { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether this is a TLS handshake failure.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls { .. })
    }

    /// A transport or TLS error from a reqwest error, classified. The URL is stripped.
    pub fn from_reqwest(context: Context, error: reqwest::Error) -> Self {
        let context = match error.status() {
            Some(status) => context.with_status(status),
            None => context,
        };
        let tls = is_tls_failure(&error);
        let source = TransportError(std::sync::Arc::new(error.without_url()));
        if tls {
            Error::Tls { context, source }
        } else {
            Error::Transport { context, source }
        }
    }

    /// [`Error::Throttled`] when `context`'s status is `429`, with the `Retry-After` of
    /// `headers`; `None` for any other status. For the places that turn an answer given up on
    /// into an error.
    pub fn throttled(context: &Context, headers: &reqwest::header::HeaderMap) -> Option<Self> {
        (context.status() == Some(StatusCode::TOO_MANY_REQUESTS)).then(|| Error::Throttled {
            context: context.clone(),
            retry_after: crate::retry::RetryAfter::from_headers(headers),
        })
    }

    /// The server's `Retry-After` of a throttled call ([`Error::Throttled`]).
    pub fn retry_after(&self) -> Option<crate::retry::RetryAfter> {
        match self {
            Error::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// An authentication error.
    pub fn auth(context: Context, kind: AuthError) -> Self {
        Error::Auth { context, kind }
    }

    /// A protocol violation.
    pub fn protocol(context: Context, violation: ProtocolViolation) -> Self {
        Error::Protocol { context, violation }
    }
}

/// Whether a reqwest error was caused by the TLS layer (certificate refused, handshake failed).
fn is_tls_failure(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the wrapped error itself; look inside with `get_ref`.
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// A failure below HTTP: connect, TLS, timeout, dropped connection. Wraps the reqwest error
/// (without its URL) as [`std::error::Error::source`].
#[derive(Clone)]
pub struct TransportError(std::sync::Arc<reqwest::Error>);

impl TransportError {
    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        self.0.is_timeout()
    }

    /// Whether the failure happened while connecting (the server has not seen the request).
    pub fn is_connect(&self) -> bool {
        self.0.is_connect()
    }
}

impl TransportError {
    /// The HTTP-level failure below reqwest's error, if any: what the server did wrong.
    fn server_fault(&self) -> Option<&'static str> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(&*self.0);
        while let Some(e) = current {
            if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
                if hyper.is_incomplete_message() {
                    return Some("the connection closed before the answer was complete");
                }
                if hyper.is_parse() {
                    // `is_parse_too_large` needs hyper's server feature; its text is stable.
                    return Some(if hyper.to_string().contains("too large") {
                        "the answer's headers were too large"
                    } else {
                        "the answer was not valid http"
                    });
                }
            }
            current = e.source();
        }
        None
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(fault) = self.server_fault() {
            return f.write_str(fault);
        }
        let kind = if self.0.is_timeout() {
            "timed out"
        } else if self.0.is_connect() {
            "connect failed"
        } else if self.0.is_body() || self.0.is_decode() {
            "reading the body failed"
        } else if self.0.is_request() {
            "sending the request failed"
        } else {
            "failed"
        };
        f.write_str(kind)
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.to_string())
            .finish()
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Why the server refused to authenticate or authorise the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The server refused the username or password. The logon is not retried.
    #[error("wrong credentials")]
    WrongCredentials,
    /// The account has multi-factor authentication turned on, which the API's logon does not
    /// support (VBR-09): use a service account with MFA turned off. Not retried.
    #[error(
        "multi-factor authentication is on for this account; the API needs an account without it"
    )]
    MfaRequired,
    /// Authenticated, but not allowed to do this (HTTP 403).
    #[error("forbidden")]
    Forbidden,
    /// The refresh token was refused (expired, used once already, or revoked).
    #[error("refresh refused")]
    RefreshRefused,
    /// The token was refused even after one fresh logon; the call is not retried again.
    #[error("token refused after re-logon")]
    TokenRefused,
    /// A token was refused on a call whose body cannot be replayed; a fresh logon was made,
    /// but the call was not retried.
    #[error("token refused; call not retried (body not replayable)")]
    NotRetried,
}

/// A documented rule of the protocol that the server broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A header the protocol promises was missing (e.g. `X-RestSvcSessionId` after a logon).
    #[error("missing header {name}")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A header was present but not valid (not visible ASCII, not the expected form).
    #[error("invalid header {name}")]
    InvalidHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A body could not be decoded. The field path says where; the body itself is never shown.
    #[error("malformed {format} body at {path}: {category}")]
    MalformedBody {
        /// `json` or `xml`.
        format: &'static str,
        /// The path of the field that failed, e.g. `expires_in` or `.` for the whole body.
        path: String,
        /// What kind of failure (syntax, data, eof), never the offending value.
        category: &'static str,
    },
    /// The server answered with a status the protocol does not allow here.
    #[error("unexpected status")]
    UnexpectedStatus,
    /// A token lifetime the session cannot use: zero, absurdly long (it would overflow the
    /// clock), or a `.expires` that is already past. Says what the server sent.
    #[error("unusable token lifetime in {field}: the server sent {sent}")]
    InvalidLifetime {
        /// The field, e.g. `expires_in` or `.expires`.
        field: &'static str,
        /// What the server sent (a number or a time stamp; never a token).
        sent: String,
    },
    /// A link the server sent that the origin policy refuses to follow (another scheme, a path
    /// outside the API, plain http): nothing was sent to it.
    #[error("link refused by the origin policy: {reason}")]
    UntrustedLink {
        /// Why (the scheme, or which rule); never the whole link, which may carry an id.
        reason: String,
    },
    /// The answer's body was larger than the client reads for it (checked while reading; the
    /// rest was not read).
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The answer was compressed (`Content-Encoding`) although the client asked for no
    /// compression: it is not inflated (a compressed bomb cannot fill memory) nor read as is.
    #[error("unrequested content encoding {encoding}")]
    UnrequestedContentEncoding {
        /// The encoding the server named (visible ASCII, at most 32 characters).
        encoding: String,
    },
    /// A paged list the server answered inconsistently (an empty page while its total says more
    /// remain, a page repeating the previous one, a list that never ends).
    #[error("inconsistent paging at skip {skip}: {reason}")]
    InconsistentPaging {
        /// What the server did.
        reason: &'static str,
        /// The position of the page.
        skip: u64,
    },
    /// Something else the protocol promises was missing, e.g. a `Rel="Delete"` link.
    #[error("missing {what}")]
    Missing {
        /// What was missing.
        what: &'static str,
    },
}

impl ProtocolViolation {
    /// A malformed JSON body, from a `serde_path_to_error` failure.
    pub fn from_json(error: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let category = match error.inner().classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "unexpected end",
        };
        ProtocolViolation::MalformedBody {
            format: "json",
            path: error.path().to_string(),
            category,
        }
    }

    /// A malformed XML body, from a quick-xml deserialisation failure at `path`.
    pub fn from_xml(path: impl Into<String>, error: &quick_xml::DeError) -> Self {
        let category = match error {
            quick_xml::DeError::InvalidXml(_) => "syntax error",
            quick_xml::DeError::UnexpectedEof => "unexpected end",
            quick_xml::DeError::Custom(_) => "unexpected data",
            _ => "unexpected data",
        };
        ProtocolViolation::MalformedBody {
            format: "xml",
            path: path.into(),
            category,
        }
    }
}

/// Decodes a JSON body into `T`; a failure names the field path and never the body.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    context: &Context,
    body: &[u8],
) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| Error::protocol(context.clone(), ProtocolViolation::from_json(&e)))
}

/// The server's own error model, e.g. VBR's `{errorCode, message, resourceId}`.
///
/// `Display` and `Debug` show the code only; the message (which a server may fill with request
/// data) is available through [`ApiError::message`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    code: Option<String>,
    message: Option<String>,
}

impl ApiError {
    /// An API error with the server's code and message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        Self { code, message }
    }

    /// The server's error code, e.g. `ExpiredToken`, `AccessDenied`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The server's message. Not printed by `Display`/`Debug`: log it deliberately if at all.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("message", &self.message.as_ref().map(|_| "[not shown]"))
            .finish()
    }
}

/// A configuration mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An environment variable holding a credential is not set or not Unicode.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// A password could not be read from the terminal or stdin.
    #[error("could not read the password from stdin")]
    Stdin,
    /// The given CA file is not a PEM certificate bundle.
    #[error("the ca certificate is not valid pem")]
    InvalidCaPem,
    /// The base URL is not a valid absolute http(s) URL.
    #[error("invalid base url")]
    InvalidUrl,
    /// The base URL is plain `http`: credentials would cross the network unencrypted. Use
    /// `https`, or opt in with the builder's `allow_insecure_http()`.
    #[error("plain http base url refused; use https or opt in with allow_insecure_http()")]
    InsecureHttp,
    /// No credentials were given to a builder that needs them.
    #[error("no credentials given")]
    MissingCredentials,
    /// The HTTP client could not be built.
    #[error("could not build the http client")]
    HttpClient,
    /// Another invalid setting.
    #[error("invalid setting {0}")]
    Invalid(&'static str),
}
