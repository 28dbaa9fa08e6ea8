//! The session layer's handling of a token answer, lifetimes included (issue 15, R2): a VBR
//! token answer (`expires_in`, `.issued`/`.expires`) or a ZVM Appliance token set
//! (`expires_in`, `refresh_expires_in`) is read as a logon does, and the token goes through
//! the session's own time arithmetic (freshness, idle timeout, refresh ahead of expiry,
//! refresh-token expiry) at times anywhere in `SystemTime`'s range.
//!
//! Layout: byte 0 picks the product (bit 0) and a non-2xx status (bit 1); bytes 1..9 the time of
//! issue, 9..17 the session clock's `now`, 17..25 the last use (each an `i64` of seconds from
//! the epoch); bytes 25..27 the expiry margin and 27..29 the idle timeout (seconds, 0 = none);
//! the rest is the body. A token or a typed error, never a panic; no output carries the token.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use restpoint_session::{ExposeSecret, lifetime};

fn time(bytes: &[u8]) -> SystemTime {
    let secs = i64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]));
    let offset = Duration::from_secs(secs.unsigned_abs());
    let time = if secs >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    time.unwrap_or(UNIX_EPOCH)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 29 {
        return;
    }
    let (head, body) = data.split_at(29);
    let vbr = head[0] & 1 == 0;
    let status = if head[0] & 2 == 0 {
        200
    } else {
        400 + u16::from(head[0] >> 2)
    };
    let issued_at = time(&head[1..9]);
    let now = time(&head[9..17]);
    let last_used = time(&head[17..25]);
    let margin = Duration::from_secs(u64::from(u16::from_le_bytes([head[25], head[26]])));
    let idle = u16::from_le_bytes([head[27], head[28]]);
    let idle = (idle > 0).then(|| Duration::from_secs(u64::from(idle)));

    let answer = if vbr {
        restpoint_vbr::session::read_token_answer_at(status, body, Some(now))
    } else {
        restpoint_zvm::session::read_oidc_token_answer(status, body)
    };
    match answer {
        Ok(token) => {
            if let Some(l) = token.lifetime() {
                assert!(l > Duration::ZERO && l <= lifetime::MAX_LIFETIME, "{l:?}");
            }
            if let Some(l) = token.refresh_lifetime() {
                assert!(l > Duration::ZERO && l <= lifetime::MAX_LIFETIME, "{l:?}");
            }
            let schedule = lifetime::schedule(&token, issued_at, last_used, now, margin, idle);
            // Due for renewal means no longer fresh (the maintenance task and the cache agree).
            if let Some(at) = schedule.renew_at
                && now >= at
            {
                assert!(!schedule.fresh, "{schedule:?}");
            }
            if let Some(end) = schedule.expires_at
                && now >= end
            {
                assert!(!schedule.fresh, "{schedule:?}");
            }
            let secret = token.access().expose_secret();
            if secret.len() >= 8 {
                assert!(!format!("{token:?}").contains(secret));
                assert!(!format!("{schedule:?}").contains(secret));
            }
            let _ = (token.header_value(), token.bearer_header_value());
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
});
