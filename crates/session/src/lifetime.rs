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

/// The margin the session renews ahead of an end: `margin`, but at most half of `span`.
pub(crate) fn margin_for(margin: Duration, span: Duration) -> Duration {
    margin.min(span / 2)
}

/// Whether a token issued at `issued_at` that lives `lifetime` can still be used at `now`
/// without renewal, `margin` (at most half the lifetime) ahead of its end. Checked: a clock or
/// lifetime at the edge of `SystemTime` must not panic. An end that does not fit is "never"; a
/// `now + margin` that does not fit is "expired".
pub(crate) fn lives_at(
    issued_at: SystemTime,
    lifetime: Duration,
    now: SystemTime,
    margin: Duration,
) -> bool {
    let margin = margin_for(margin, lifetime);
    match add(issued_at, lifetime) {
        Some(end) => matches!(add(now, margin), Some(soon) if soon < end),
        None => true,
    }
}

/// When a token issued at `issued_at` that lives `lifetime` is due for renewal (the moment
/// [`lives_at`] turns false), or `None` when its end does not fit in a `SystemTime` (then
/// [`lives_at`] says it never ends, and nothing is due either).
pub(crate) fn renew_at(
    issued_at: SystemTime,
    lifetime: Duration,
    margin: Duration,
) -> Option<SystemTime> {
    add(issued_at, lifetime)?;
    add(issued_at, lifetime - margin_for(margin, lifetime))
}

/// Whether a session last used at `last_used_ms` (milliseconds since the epoch) is idle for
/// `idle` minus `margin` (at most half of `idle`) at `now`.
pub(crate) fn idle_at(
    last_used_ms: u64,
    now: SystemTime,
    idle: Duration,
    margin: Duration,
) -> bool {
    let idle_for = millis(now).saturating_sub(last_used_ms);
    Duration::from_millis(idle_for).saturating_add(margin_for(margin, idle)) >= idle
}

/// Milliseconds since the epoch (0 before it, `u64::MAX` past what fits).
pub(crate) fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What the session decides about a token at `now`: the same functions the session's token
/// cache and its maintenance task call. For the fuzz targets and the hardening tests; not part
/// of the stable API.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// When the token expires (`None`: no lifetime, or the end does not fit).
    pub expires_at: Option<SystemTime>,
    /// Whether the token is used as it is at `now` (lifetime and idle timeout).
    pub fresh: bool,
    /// When a refresh ahead of expiry is due (`None`: no lifetime or it does not fit).
    pub renew_at: Option<SystemTime>,
    /// Whether the refresh token is known to have expired at `now`.
    pub refresh_expired: bool,
}

/// The [`Schedule`] of `token` issued at `issued_at`, last used at `last_used`, with the
/// session's `margin` and the protocol's `idle` timeout, at `now`.
#[doc(hidden)]
pub fn schedule(
    token: &crate::Token,
    issued_at: SystemTime,
    last_used: SystemTime,
    now: SystemTime,
    margin: Duration,
    idle: Option<Duration>,
) -> Schedule {
    let mut token = token.clone();
    token.issued_at = issued_at;
    let lifetime = token.lifetime();
    let fresh = lifetime.is_none_or(|l| lives_at(issued_at, l, now, margin))
        && idle.is_none_or(|idle| !idle_at(millis(last_used), now, idle, margin));
    Schedule {
        expires_at: token.expires_at(),
        fresh,
        renew_at: lifetime.and_then(|l| renew_at(issued_at, l, margin)),
        refresh_expired: token.refresh_expired(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_token_is_renewed_the_margin_before_its_end_and_not_after() {
        let issued = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let lifetime = 15 * MINUTE;
        let due = renew_at(issued, lifetime, MINUTE).unwrap();
        assert_eq!(due, issued + 14 * MINUTE);
        assert!(lives_at(
            issued,
            lifetime,
            due - Duration::from_secs(1),
            MINUTE
        ));
        assert!(!lives_at(issued, lifetime, due, MINUTE));
        // The margin is at most half the lifetime.
        assert_eq!(
            renew_at(issued, 2 * MINUTE, 10 * MINUTE).unwrap(),
            issued + MINUTE
        );
    }

    #[test]
    fn an_end_past_what_system_time_holds_is_never_and_nothing_is_due() {
        let near_end = [i64::MAX as u64 - 1_000, 1 << 40, 1 << 34]
            .into_iter()
            .find_map(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .unwrap();
        let lifetime = MAX_LIFETIME;
        // Where `SystemTime` holds 64-bit seconds (Linux), the end does not fit.
        if add(near_end, lifetime).is_none() {
            assert!(lives_at(near_end, lifetime, near_end, MINUTE));
            assert_eq!(renew_at(near_end, lifetime, MINUTE), None);
        }
        // A `now` far past the end: expired, never a panic.
        let issued = SystemTime::UNIX_EPOCH;
        assert!(!lives_at(issued, lifetime, near_end, Duration::MAX));
    }

    #[test]
    fn idle_time_counts_from_the_last_use() {
        let last = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let idle = 15 * MINUTE;
        assert!(!idle_at(millis(last), last + 13 * MINUTE, idle, MINUTE));
        assert!(idle_at(millis(last), last + 14 * MINUTE, idle, MINUTE));
        // A clock behind the last use is not idle.
        assert!(!idle_at(millis(last), SystemTime::UNIX_EPOCH, idle, MINUTE));
    }
}
