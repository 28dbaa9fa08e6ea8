//! Token lifetimes as a server states them, checked before any time arithmetic.
//!
//! A server may answer `expires_in` with `0`, `18446744073709551615` or a `.expires` in the
//! past. `SystemTime + Duration` panics on overflow, so the session never adds a lifetime it has
//! not checked here: a lifetime above [`ABSURD_LIFETIME`] or of zero is a
//! [`ProtocolViolation::InvalidLifetime`] that says what the server sent; a sane one longer than
//! [`MAX_LIFETIME`] is clamped to it (renewal then happens earlier than the server asked, which
//! is harmless). [`Token::with_lifetime`](crate::Token::with_lifetime) clamps too, so a token
//! built by any authenticator is safe.

use std::time::{Duration, SystemTime};

use crate::{Context, Error, ProtocolViolation, Result};

/// The longest lifetime the session uses: 30 days. Longer (but not absurd) lifetimes are
/// clamped to it.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A lifetime above this (10 years) is not a lifetime but a broken or hostile answer.
pub const ABSURD_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// Checks a lifetime of `seconds` stated by the server in `field`: zero or above
/// [`ABSURD_LIFETIME`] is a protocol error naming the field and the value; the rest is clamped
/// to [`MAX_LIFETIME`].
pub fn checked_seconds(context: &Context, field: &'static str, seconds: u64) -> Result<Duration> {
    if seconds == 0 || seconds > ABSURD_LIFETIME.as_secs() {
        return Err(invalid(context, field, seconds.to_string()));
    }
    Ok(clamp(Duration::from_secs(seconds)))
}

/// Clamps `lifetime` to [`MAX_LIFETIME`].
pub fn clamp(lifetime: Duration) -> Duration {
    lifetime.min(MAX_LIFETIME)
}

/// The protocol error for a lifetime the session cannot use; `sent` is what the server sent
/// (a number or a time stamp, never a token), cut to 64 characters.
pub fn invalid(context: &Context, field: &'static str, sent: impl Into<String>) -> Error {
    let mut sent: String = sent.into();
    if sent.chars().count() > 64 {
        sent = sent.chars().take(64).collect::<String>() + "…";
    }
    Error::protocol(
        context.clone(),
        ProtocolViolation::InvalidLifetime { field, sent },
    )
}

/// `time + duration`, or `None` when it does not fit in a `SystemTime`.
pub(crate) fn add(time: SystemTime, duration: Duration) -> Option<SystemTime> {
    time.checked_add(duration)
}
