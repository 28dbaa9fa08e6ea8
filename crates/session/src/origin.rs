//! The origin policy: credentials and tokens go only to the configured origin.
//!
//! - [`parse_base_url`] is the one base-URL parser of the products: an absolute `https` URL with
//!   a host (a product suffix such as `/api` or `/v1` removed, a trailing `/` added). `http` is
//!   refused with [`ConfigError::InsecureHttp`] unless the caller opted in (the product builders'
//!   `allow_insecure_http()`), and then a warning is logged.
//! - [`rebase_href`] resolves a link a server sent (EM's `Href`s) onto the configured origin:
//!   a link under the API prefix is rebased (scheme, host and port of the base URL) whatever
//!   host it names — a real EM writes its own host name into every `Href`, so a user who
//!   connects by IP address or alias must still work; a debug line says when the host differs.
//!   A link with another scheme, or outside the API prefix, is a
//!   [`ProtocolViolation::UntrustedLink`] and is never requested.
//! - The HTTP client never follows redirects ([`HttpOptions`](crate::HttpOptions)), so a `3xx`
//!   cannot carry a credential to another origin.

use crate::{ConfigError, Context, Error, ProtocolViolation, Result};

/// Parses a product's base URL: absolute, with a host, `https` (or `http` when `allow_http`,
/// with a warning); `strip_suffix` (e.g. `/api`) removed from the end of the path; the path ends
/// with `/` so that joins keep it. Query and fragment are dropped.
pub fn parse_base_url(
    product: &'static str,
    raw: &str,
    strip_suffix: Option<&str>,
    allow_http: bool,
) -> Result<url::Url> {
    let mut url =
        url::Url::parse(raw.trim()).map_err(|_| Error::Config(ConfigError::InvalidUrl))?;
    if url.host().is_none() || url.cannot_be_a_base() {
        return Err(Error::Config(ConfigError::InvalidUrl));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {
            tracing::warn!(
                product,
                "plain http is allowed for this session: credentials and tokens cross the network unencrypted"
            );
        }
        "http" => return Err(Error::Config(ConfigError::InsecureHttp)),
        _ => return Err(Error::Config(ConfigError::InvalidUrl)),
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in a URL would be sent by reqwest as Basic auth and printed by `Debug`.
        return Err(Error::Config(ConfigError::InvalidUrl));
    }
    let path = url.path().trim_end_matches('/');
    let path = match strip_suffix {
        Some(suffix) => path.strip_suffix(suffix).unwrap_or(path),
        None => path,
    }
    .to_owned();
    url.set_path(&format!("{path}/"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Whether two URLs have the same origin (scheme, host and port).
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin() == b.origin()
}

/// Resolves `href` (absolute, or relative to `base`) onto `base`'s origin. The resolved path
/// must lie under `api_prefix` (e.g. `api/`), either as the server wrote it at the root
/// (`/api/...`) or below the base path; it is rebased under the base path. Another scheme, an
/// `http` link while `allow_http` is off, or a path outside the prefix is refused.
pub fn rebase_href(
    context: &Context,
    base: &url::Url,
    href: &str,
    api_prefix: &str,
    allow_http: bool,
) -> Result<url::Url> {
    let refuse = |reason: String| {
        Error::protocol(context.clone(), ProtocolViolation::UntrustedLink { reason })
    };
    let resolved = base
        .join(href.trim())
        .map_err(|_| refuse("not a url".to_owned()))?;
    match resolved.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(refuse(
                "plain http link (allow_insecure_http is off)".to_owned(),
            ));
        }
        other => return Err(refuse(format!("scheme {}", cut(other)))),
    }
    let base_path = base.path();
    let prefix_at_root = format!("/{api_prefix}");
    let prefix_below_base = format!("{base_path}{api_prefix}");
    let rest = resolved
        .path()
        .strip_prefix(&prefix_below_base)
        .or_else(|| resolved.path().strip_prefix(&prefix_at_root))
        .or_else(|| (resolved.path() == prefix_at_root.trim_end_matches('/')).then_some(""))
        .ok_or_else(|| refuse(format!("path outside {prefix_at_root}")))?;
    let mut url = base.clone();
    url.set_path(&format!("{prefix_below_base}{rest}"));
    url.set_query(resolved.query());
    url.set_fragment(None);
    if !same_origin(&resolved, base) {
        tracing::debug!(
            product = context.product(),
            link_host = %cut(resolved.host_str().unwrap_or_default()),
            link_port = resolved.port_or_known_default(),
            "link names another host or port than the configured one; rebased onto the configured origin"
        );
    }
    Ok(url)
}

/// At most 64 characters of a value for a message.
fn cut(text: &str) -> String {
    if text.chars().count() > 64 {
        text.chars().take(64).collect::<String>() + "…"
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context::new("em", "test")
    }

    fn base() -> url::Url {
        parse_base_url("em", "https://em.local:9398/api/", Some("/api"), false).unwrap()
    }

    #[test]
    fn base_urls_are_parsed_once_for_every_product() {
        assert_eq!(base().as_str(), "https://em.local:9398/");
        assert_eq!(
            parse_base_url("zvm", "https://zvm:9669/v1/", Some("/v1"), false)
                .unwrap()
                .as_str(),
            "https://zvm:9669/"
        );
        assert_eq!(
            parse_base_url("vbr", "https://vbr:9419/proxy", None, false)
                .unwrap()
                .as_str(),
            "https://vbr:9419/proxy/"
        );
        assert!(parse_base_url("vbr", "vbr:9419", None, false).is_err());
        assert!(parse_base_url("vbr", "ftp://vbr/", None, true).is_err());
        assert!(parse_base_url("vbr", "https://u:p@vbr/", None, false).is_err());
    }

    #[test]
    fn http_base_urls_need_the_explicit_switch() {
        assert!(matches!(
            parse_base_url("vbr", "http://vbr:9419/", None, false),
            Err(Error::Config(ConfigError::InsecureHttp))
        ));
        assert!(parse_base_url("vbr", "http://vbr:9419/", None, true).is_ok());
    }

    #[test]
    fn api_links_of_another_host_are_rebased_onto_the_configured_origin() {
        let url = rebase_href(
            &cx(),
            &base(),
            "https://EM-REAL:1234/api/logonSessions/1?format=Entity#x",
            "api/",
            false,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://em.local:9398/api/logonSessions/1?format=Entity"
        );
        let relative = rebase_href(&cx(), &base(), "api/sessionMngr/?v=latest", "api/", false);
        assert_eq!(
            relative.unwrap().as_str(),
            "https://em.local:9398/api/sessionMngr/?v=latest"
        );
    }

    #[test]
    fn links_below_a_base_path_keep_it() {
        let base = parse_base_url("em", "https://proxy/em/", Some("/api"), false).unwrap();
        let url = rebase_href(&cx(), &base, "https://em:9398/api/jobs", "api/", false).unwrap();
        assert_eq!(url.as_str(), "https://proxy/em/api/jobs");
        let url = rebase_href(&cx(), &base, "api/jobs", "api/", false).unwrap();
        assert_eq!(url.as_str(), "https://proxy/em/api/jobs");
    }

    #[test]
    fn other_schemes_paths_and_plain_http_are_refused() {
        for href in [
            "ftp://em.local:9398/api/jobs",
            "file:///etc/passwd",
            "https://em.local:9398/admin",
            "https://em.local:9398/api/../admin",
            "https://em.local:9398/apiX/jobs",
            "/other/api/jobs",
            "http://em.local:9398/api/jobs",
        ] {
            let error = rebase_href(&cx(), &base(), href, "api/", false).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Protocol {
                        violation: ProtocolViolation::UntrustedLink { .. },
                        ..
                    }
                ),
                "{href}: {error}"
            );
        }
        assert!(
            rebase_href(
                &cx(),
                &base(),
                "http://em.local:9398/api/jobs",
                "api/",
                true
            )
            .is_ok()
        );
    }
}
