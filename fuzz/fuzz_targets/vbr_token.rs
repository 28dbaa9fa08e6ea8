//! VBR token endpoint answers: the first two bytes pick the status, the rest is the body (a
//! token response or an error body). A token or a typed error, never a panic; no error text
//! carries a token from the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restpoint_session::ExposeSecret;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 1000, rest),
        _ => (200, data),
    };
    match restpoint_vbr::session::read_token_answer(status, body) {
        Ok(token) => {
            let _ = token.bearer_header_value();
            let secret = token.access().expose_secret();
            if secret.len() >= 8 {
                assert!(!format!("{token:?}").contains(secret));
            }
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
});
