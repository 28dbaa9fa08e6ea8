//! The product-neutral session core of restpoint.
//!
//! It owns logon, refresh, keep-alive, logout and re-logon for every product; each product crate
//! implements [`Authenticator`] for its logon protocol in `src/session.rs`.
//!
//! - [`Credentials`]: a username and a [`secrecy::SecretString`] password, from arguments,
//!   environment variables or stdin; redacted in `Debug` and `Display`.
//! - [`HttpOptions`]: TLS trust (system roots, an extra CA PEM, or an explicit and logged
//!   insecure switch), timeouts and default headers → a `reqwest::Client`.
//! - [`Session`]: a token cache with an expiry margin and a [`restpoint_clock`] clock, one
//!   logon or refresh at a time for all callers (single-flight), a fall-back from a refused
//!   refresh to a logon, one re-logon and one retry after a 401 (never a loop), optional
//!   keep-alive, and [`Session::logout`].
//! - [`Error`]: transport, TLS, authentication, protocol and API errors with product, operation
//!   and status as context; never a header, a body or a secret in their output.
//!
//! # Using it from a progenitor client
//! Generate with the session as the inner type and `HooksMode::Expected`, then:
//!
//! ```text
//! impl progenitor_client::ClientHooks<Session<VbrAuth>> for Client {
//!     async fn pre<E>(&self, request: &mut reqwest::Request, _info: &OperationInfo)
//!         -> Result<(), progenitor_client::Error<E>> {
//!         self.inner.authorize(request).await
//!             .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
//!     }
//!     async fn exec(&self, request: reqwest::Request, info: &OperationInfo)
//!         -> reqwest::Result<reqwest::Response> {
//!         self.inner.execute_with_relogon(request, info.operation_id).await
//!     }
//! }
//! ```
//!
//! # Architecture invariants
//! - No secret (password, token, refresh token, session id) appears in `Debug`, `Display`, an
//!   error message or a log line; header values carrying them are marked sensitive.
//! - At most one logon, refresh, keep-alive or logout request per session is in flight.
//! - A call is sent at most twice: once, and once more after a 401 and a fresh logon.
//! - The HTTP client keeps no cookie store (EM-06: a stale cookie would beat the header).

mod credentials;
mod error;
mod http;
pub mod progenitor;
mod session;
mod token;

pub use credentials::Credentials;
pub use error::{
    ApiError, AuthError, ConfigError, Context, Error, ProtocolViolation, Result, TransportError,
    decode_json,
};
pub use http::HttpOptions;
pub use restpoint_clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use secrecy::{ExposeSecret, SecretString};
pub use session::{AuthContext, Authenticator, Session, SessionOptions, SessionStats};
pub use token::Token;
