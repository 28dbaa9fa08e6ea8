//! A session token as the cache holds it: the secret, an optional refresh token, lifetimes, and
//! the bookkeeping the cache adds (when it was issued, which generation it is).

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// A token obtained by a logon or a refresh.
///
/// An [`Authenticator`](crate::Authenticator) builds it with [`Token::new`] and the `with_*`
/// setters; the session stamps the time of issue and a generation number. `Debug` never shows
/// the secrets.
#[derive(Clone)]
pub struct Token {
    access: SecretString,
    refresh: Option<SecretString>,
    lifetime: Option<Duration>,
    refresh_lifetime: Option<Duration>,
    logout_href: Option<String>,
    pub(crate) issued_at: SystemTime,
    pub(crate) generation: u64,
}

impl Token {
    /// A token whose secret is `access` (a bearer token, a session id).
    pub fn new(access: impl Into<SecretString>) -> Self {
        Self {
            access: access.into(),
            refresh: None,
            lifetime: None,
            refresh_lifetime: None,
            logout_href: None,
            issued_at: SystemTime::UNIX_EPOCH,
            generation: 0,
        }
    }

    /// The refresh token that renews this token without the password.
    pub fn with_refresh_token(mut self, refresh: impl Into<SecretString>) -> Self {
        self.refresh = Some(refresh.into());
        self
    }

    /// How long the token lives after it is issued (`expires_in`), clamped to
    /// [`MAX_LIFETIME`](crate::lifetime::MAX_LIFETIME).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(crate::lifetime::clamp(lifetime));
        self
    }

    /// How long the refresh token lives after it is issued (`refresh_expires_in`), clamped to
    /// [`MAX_LIFETIME`](crate::lifetime::MAX_LIFETIME).
    pub fn with_refresh_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_lifetime = Some(crate::lifetime::clamp(lifetime));
        self
    }

    /// Where the session is ended, for protocols that name it (EM's `Rel="Delete"` link).
    pub fn with_logout_href(mut self, href: impl Into<String>) -> Self {
        self.logout_href = Some(href.into());
        self
    }

    /// The secret itself. Expose it only to put it on the wire.
    pub fn access(&self) -> &SecretString {
        &self.access
    }

    /// The refresh token, if the protocol gave one.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh.as_ref()
    }

    /// The token's lifetime, if the protocol gave one.
    pub fn lifetime(&self) -> Option<Duration> {
        self.lifetime
    }

    /// The refresh token's lifetime, if the protocol gave one.
    pub fn refresh_lifetime(&self) -> Option<Duration> {
        self.refresh_lifetime
    }

    /// Where the session is ended, if the protocol named it.
    pub fn logout_href(&self) -> Option<&str> {
        self.logout_href.as_deref()
    }

    /// When the session received the token (stamped before the logon request was sent, so it
    /// errs on the early side).
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// A number that grows with every token the session obtains; tells a stale token from the
    /// current one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the token expires, if it has a lifetime (and the time fits in a `SystemTime`).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.lifetime
            .and_then(|l| crate::lifetime::add(self.issued_at, l))
    }

    /// Whether the refresh token is known to have expired at `now`.
    pub fn refresh_expired(&self, now: SystemTime) -> bool {
        match self.refresh_lifetime {
            Some(l) => crate::lifetime::add(self.issued_at, l).is_some_and(|end| now >= end),
            None => false,
        }
    }

    /// The secret as a header value, marked sensitive (never logged by HTTP layers).
    pub fn header_value(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(self.access.expose_secret()).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// `Bearer <access>` as a header value, marked sensitive.
    pub fn bearer_header_value(&self) -> Option<HeaderValue> {
        let mut value =
            HeaderValue::try_from(format!("Bearer {}", self.access.expose_secret())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &"[redacted]")
            .field("has_refresh_token", &self.refresh.is_some())
            .field("lifetime", &self.lifetime)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("generation", &self.generation)
            .finish()
    }
}
