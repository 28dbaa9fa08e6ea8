//! EM link resolution (issue 15, R2): a base URL and an `Href` resolved as the EM client does
//! (`restpoint_session::origin::parse_base_url` with the `/api` suffix, then
//! `origin::rebase_href` under `api/`). Byte 0: bit 0 allows plain http, bit 1 takes the base
//! URL from the input (up to the first 0 byte) instead of a fixed one; the rest is the `Href`.
//! Never a panic; a resolved link is always on the configured origin, under the base path's
//! `api/`, with no fragment, and plain http only when allowed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restpoint_session::{Context, origin};

const BASES: [&str; 4] = [
    "https://em.local:9398/api/",
    "https://10.0.0.5:9398",
    "https://proxy.local/em/api",
    "http://em.local:9399/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let allow_http = flags & 1 == 1;
    let (base_raw, href) = if flags & 2 == 2 {
        match rest.iter().position(|&b| b == 0) {
            Some(i) => (
                String::from_utf8_lossy(&rest[..i]).into_owned(),
                &rest[i + 1..],
            ),
            None => return,
        }
    } else {
        (
            BASES[usize::from(flags >> 2) % BASES.len()].to_owned(),
            rest,
        )
    };
    let Ok(base) = origin::parse_base_url("em", &base_raw, Some("/api"), allow_http) else {
        return;
    };
    assert!(base.path().ends_with('/'), "{base}");
    assert!(base.username().is_empty() && base.password().is_none());
    let href = String::from_utf8_lossy(href);
    let context = Context::new("em", "resolve link");
    match origin::rebase_href(&context, &base, &href, "api/", allow_http) {
        Ok(url) => {
            assert!(
                origin::same_origin(&url, &base),
                "{base} + {href:?} -> {url}"
            );
            let under = format!("{}api", base.path());
            assert!(url.path().starts_with(&under), "{base} + {href:?} -> {url}");
            assert!(
                !url.path()[under.len()..]
                    .split('/')
                    .any(|s| s == ".." || s == "."),
                "{base} + {href:?} -> {url}"
            );
            assert!(url.fragment().is_none());
            assert!(url.username().is_empty() && url.password().is_none());
            assert!(url.scheme() == "https" || allow_http);
            // Resolving the result again changes nothing.
            let again = origin::rebase_href(&context, &base, url.as_str(), "api/", allow_http);
            assert_eq!(again.ok().as_ref(), Some(&url), "{base} + {href:?}");
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
});
