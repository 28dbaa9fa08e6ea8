//! Printing EM values without their secrets (EM-14): the generated types' `Debug` calls
//! [`href`] for every `Href`, and prints a `SessionId` as `<redacted>`.

use std::fmt;

/// An `Href` as `Debug` shows it: the id after `logonSessions/` is masked, since on some
/// releases a logon session's id is its token.
#[derive(Clone, Copy)]
pub struct RedactedHref<'a>(&'a str);

/// An optional `Href` as `Debug` shows it (see [`RedactedHref`]).
#[derive(Clone, Copy)]
pub struct RedactedOptionalHref<'a>(Option<&'a str>);

/// Wraps an `Href` for printing with [`RedactedHref`].
pub fn href(value: &str) -> RedactedHref<'_> {
    RedactedHref(value)
}

/// Wraps an optional `Href` for printing with [`RedactedOptionalHref`].
pub fn optional_href(value: Option<&str>) -> RedactedOptionalHref<'_> {
    RedactedOptionalHref(value)
}

/// The text of `href` with the path segment after `logonSessions/` (any case) replaced by
/// `<redacted>`; other links are returned unchanged.
pub fn mask_logon_session_id(href: &str) -> std::borrow::Cow<'_, str> {
    const MARK: &str = "logonsessions/";
    let lower = href.to_ascii_lowercase();
    let Some(at) = lower.find(MARK) else {
        return std::borrow::Cow::Borrowed(href);
    };
    let start = at + MARK.len();
    let end = href[start..]
        .find(['/', '?', '#'])
        .map_or(href.len(), |i| start + i);
    if start == end {
        return std::borrow::Cow::Borrowed(href);
    }
    std::borrow::Cow::Owned(format!("{}<redacted>{}", &href[..start], &href[end..]))
}

impl fmt::Debug for RedactedHref<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&mask_logon_session_id(self.0), f)
    }
}

impl fmt::Debug for RedactedOptionalHref<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.map(mask_logon_session_id), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_only_the_logon_session_id() {
        let id = "7686d89e-26fd-48e6-963c-c9dbce802981";
        let h = format!("https://em:9398/api/logonSessions/{id}");
        let shown = format!("{:?}", optional_href(Some(&h)));
        assert!(!shown.contains(id), "{shown}");
        assert_eq!(
            shown,
            "Some(\"https://em:9398/api/logonSessions/<redacted>\")"
        );
        assert_eq!(
            format!("{:?}", href(&h)),
            "\"https://em:9398/api/logonSessions/<redacted>\""
        );
        let q = format!("https://em:9398/api/LOGONSESSIONS/{id}?format=Entity");
        assert_eq!(
            mask_logon_session_id(&q),
            "https://em:9398/api/LOGONSESSIONS/<redacted>?format=Entity"
        );
        assert_eq!(
            mask_logon_session_id("https://em:9398/api/jobs"),
            "https://em:9398/api/jobs"
        );
        assert_eq!(
            mask_logon_session_id("https://em:9398/api/logonSessions"),
            "https://em:9398/api/logonSessions"
        );
        assert_eq!(format!("{:?}", optional_href(None)), "None");
    }
}
