//! The form of VBR's OAuth2 answers (VBR-02): JWT-shaped access and refresh tokens, and the
//! token answer with its fields in the reference's order and its times in ISO 8601 with a UTC
//! offset.
//!
//! A token is `header.payload.signature`, each part base64url without padding, like the
//! reference's sample. The emulator signs nothing: the third part is the 32 random bytes that key
//! the token in the store, so a token is found again by its last part only and a changed header
//! or payload grants nothing the key does not.

use serde::Serialize;

use crate::state::{Token32, b64url, decode_b64url};

/// Which of the two tokens a JWT-shaped string is (`aud` of the payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// An access token (`Authorization: Bearer`).
    Access,
    /// A refresh token (`grant_type=refresh_token`).
    Refresh,
}

/// The fixed header of every token: an RS512-style header, like the reference's sample.
const HEADER: &str = r#"{"alg":"RS512","typ":"JWT"}"#;

#[derive(Serialize)]
struct Payload<'a> {
    unique_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_term_expiration: Option<&'static str>,
    nbf: u64,
    exp: u64,
    iat: u64,
    aud: &'static str,
}

/// A JWT-shaped token for `key`: `user` and the times (milliseconds since the epoch) go into the
/// payload as a real server's do.
pub(crate) fn encode(
    key: &Token32,
    audience: Audience,
    user: &str,
    issued_ms: u64,
    expires_ms: u64,
    short: bool,
) -> String {
    let payload = Payload {
        unique_name: user,
        short_term_expiration: match audience {
            Audience::Access => None,
            Audience::Refresh => Some(if short { "True" } else { "False" }),
        },
        nbf: issued_ms / 1000,
        exp: expires_ms / 1000,
        iat: issued_ms / 1000,
        aud: match audience {
            Audience::Access => "access",
            Audience::Refresh => "refresh",
        },
    };
    let payload = serde_json::to_vec(&payload).unwrap_or_default();
    format!(
        "{}.{}.{}",
        b64url(HEADER.as_bytes()),
        b64url(&payload),
        b64url(key)
    )
}

/// The store key of a JWT-shaped token: its third part, when the token has exactly three
/// non-empty base64url parts and the third is 32 bytes. Anything else is no token.
pub(crate) fn key_of(token: &str) -> Option<Token32> {
    let token = token.trim();
    // A real token is a few kilobytes at most; refuse anything far larger without parsing it.
    if token.len() > 16 * 1024 {
        return None;
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let base64url = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !base64url(header) || !base64url(payload) {
        return None;
    }
    decode_b64url::<32>(signature)
}

/// A time as the reference's sample writes `.issued` / `.expires`: ISO 8601 to the second with
/// a UTC offset (`2022-04-24T14:24:18+00:00`).
pub(crate) fn iso8601(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// The token answer, its fields in the reference's order (VBR-02).
#[derive(Serialize)]
pub(crate) struct TokenAnswer<'a> {
    pub access_token: &'a str,
    pub token_type: &'static str,
    pub refresh_token: &'a str,
    pub expires_in: u64,
    #[serde(rename = ".issued")]
    pub issued: String,
    #[serde(rename = ".expires")]
    pub expires: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::random_bytes;

    #[test]
    fn tokens_are_jwt_shaped_and_keyed_by_their_last_part() {
        let key: Token32 = random_bytes();
        let t = encode(
            &key,
            Audience::Access,
            "admin",
            1_650_810_258_000,
            1_650_811_158_000,
            false,
        );
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
                .unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(payload["aud"], "access");
        assert_eq!(payload["exp"], 1_650_811_158_u64);
        assert_eq!(key_of(&t), Some(key));
        let r = encode(&key, Audience::Refresh, "admin", 0, 1, true);
        assert!(r.contains('.'));
        assert_eq!(key_of(&r), Some(key));
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            ".b.c",
            "a..c",
            "a.b.",
            "a+b.c.d",
            &b64url(&key),
            "eyJhbGciOiJub25lIn0.cmVzdHBvaW50LW1hZGUtdXA.bm90LWlzc3VlZA",
        ] {
            assert_eq!(key_of(bad), None, "{bad:?}");
        }
        assert_eq!(key_of(&format!("a.b.{}", "A".repeat(20_000))), None);
    }

    #[test]
    fn times_have_seconds_and_an_offset_like_the_sample() {
        assert_eq!(iso8601(1_650_810_258_999), "2022-04-24T14:24:18+00:00");
        assert!(chrono::DateTime::parse_from_rfc3339(&iso8601(0)).is_ok());
    }

    #[test]
    fn the_answer_keeps_the_reference_order() {
        let a = TokenAnswer {
            access_token: "a.b.c",
            token_type: "bearer",
            refresh_token: "d.e.f",
            expires_in: 900,
            issued: iso8601(0),
            expires: iso8601(900_000),
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"access_token":"a.b.c","token_type":"bearer","refresh_token":"d.e.f","expires_in":900,".issued":"1970-01-01T00:00:00+00:00",".expires":"1970-01-01T00:15:00+00:00"}"#
        );
    }
}
