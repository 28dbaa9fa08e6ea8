//! ZVM `x-zerto-session` handling: the bytes are split at 0 into header values (any that are
//! valid header bytes are added as `x-zerto-session`); a session token or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use restpoint_session::Context;

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for part in data.split(|&b| b == 0) {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.append(HeaderName::from_static("x-zerto-session"), value);
        }
    }
    let n = headers.get_all("x-zerto-session").iter().count();
    match restpoint_zvm::session::session_token_from_headers(Context::new("zvm", "logon"), &headers)
    {
        Ok(token) => {
            assert_eq!(n, 1);
            // A token taken from a header can be sent back in one.
            assert!(
                token.header_value().is_some(),
                "token is not a header value"
            );
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
});
