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
//! # Everyday helpers
//! - [`retry`]: [`RetryPolicy`] (exponential backoff with jitter, `Retry-After`), applied to
//!   every call the session sends; set it with [`SessionOptions::retry`].
//! - [`paging`]: a lazy `Stream` of items over any `skip/limit` list operation.
//! - [`poll`]: [`poll::wait_for`], a poll loop on the session clock with a timeout, progress
//!   callback and a typed [`poll::Outcome`]; the product crates wire it to their tasks.
//!
//! - [`origin`]: the one base-URL parser of the products and the origin policy for links
//!   (credentials and tokens go only to the configured origin; plain http only on request).
//! - [`lifetime`]: token lifetimes checked (zero or absurd refused, long ones clamped) before
//!   any time arithmetic.
//! - [`body`]: answers read with a limit enforced while reading.
//!
//! # Using it from a progenitor client
//! Generate with the session as the inner type and `HooksMode::Expected`, then invoke
//! [`impl_client_hooks!`] in the product crate (`impl_client_hooks!(generated::Client,
//! Session<VbrAuth>)`): its `exec` sends every call through [`Session::execute_with_relogon`]
//! (current token, one re-logon and one retry after a 401). `cargo xtask regen` then rewrites
//! each builder's `send()` to call [`progenitor::send`] with the spec's operation id: it logs on
//! first (so logon errors are typed) and converts progenitor's errors, which print headers and
//! bodies, into [`Error`]. A hand-written `pre` may instead call [`Session::authorize`] and map
//! its error to `progenitor_client::Error::Custom`.
//!
//! # Renewal
//! - A token with a lifetime is renewed `expiry_margin` (default 60 s) before it expires, on
//!   the first call after that point: by the protocol's refresh when it has one, else by a logon.
//!   No background timer refreshes tokens nobody uses.
//! - A token of an idle-timeout protocol (EM 15 min, ZVM 30 min) idle for that long minus the
//!   margin is replaced before use; with [`SessionOptions::keep_alive`] a background task (on the
//!   session clock, ended when the last handle drops) keeps it alive instead.
//! - A 401 on a call that carried a token: one fresh logon (single-flight, only if that token is
//!   still the current one), one retry if the request can be cloned, then
//!   [`AuthError::TokenRefused`] (or [`AuthError::NotRetried`] for a streamed body).

//! # Architecture invariants
//! - No secret (password, token, refresh token, session id) appears in `Debug`, `Display`, an
//!   error message or a log line; header values carrying them are marked sensitive.
//! - At most one logon, refresh, keep-alive or logout request per session is in flight.
//! - A call is sent at most twice for authentication: once, and once more after a 401 and a
//!   fresh logon. Transient failures are retried apart from that by the [`RetryPolicy`] (default
//!   3 attempts; idempotent methods on connection errors, 429, 502, 503, 504; a `POST` only when
//!   it never reached the server), on the session clock.
//! - The HTTP client keeps no cookie store (EM-06: a stale cookie would beat the header).
//! - Credentials and tokens go only to the configured origin: redirects are never followed,
//!   links are rebased or refused by [`origin::rebase_href`], plain http needs an explicit switch.
//! - A call never goes out without a token: [`Session::execute_with_relogon`] answers an error
//!   (and [`progenitor::send`] the session's real cause) when none can be put on it.

pub mod body;
mod builder;
mod credentials;
mod error;
mod http;
pub mod lifetime;
pub mod origin;
pub mod paging;
pub mod poll;
pub mod progenitor;
mod relogon;
pub mod retry;
mod secret_field;
mod session;
mod token;

pub use credentials::Credentials;
pub use error::{
    ApiError, AuthError, ConfigError, Context, Error, ProtocolViolation, Result, TransportError,
    decode_json,
};
pub use http::HttpOptions;
pub use restpoint_clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use retry::{RetryAfter, RetryPolicy};
pub use secrecy::{ExposeSecret, SecretString};
pub use secret_field::SecretField;
pub use session::{AuthContext, Authenticator, Session, SessionOptions, SessionStats};
pub use token::Token;
