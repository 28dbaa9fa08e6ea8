//! Version choice for EM (EM-01, EM-02, EM-13): `latest`, a named version, or the newest version
//! both this client and the server know.
//!
//! [`EmSessionBuilder::version`] takes [`Version::Latest`] (the default: whatever the server
//! serves as `?v=latest`) or [`Version::Named`] (`v1_6`); the logon then checks the name against
//! the root's `SupportedVersion` list and refuses an unknown one with
//! [`ConfigError::Invalid`] before any credentials are sent. [`EmSessionBuilder::build_negotiated`]
//! reads the list first (`GET /api/`, no credentials) and logs on with the newest entry of
//! [`CLIENT_VERSIONS`] the server lists, so the session speaks a version this client was written
//! for even when the server's `latest` is newer.

use reqwest::header::ACCEPT;
use restpoint_session::{ConfigError, Context, Error, HttpOptions, ProtocolViolation, Result};

use crate::model::Version;
use crate::session::{EmSession, EmSessionBuilder, PRODUCT};
use crate::{EnterpriseManager, parse_xml};

/// The EM versions this client knows, newest first (EM-13: `v1_7` current, `v1_6` and `v1_5`
/// deprecated but served).
pub const CLIENT_VERSIONS: &[&str] = &["v1_7", "v1_6", "v1_5"];

/// The `N` of `v1_N` (and the major), for ordering; `None` for other names.
fn rank(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix('v').or_else(|| name.strip_prefix('V'))?;
    let (major, minor) = rest.split_once('_')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The newest of `client` that `server` lists, by version number.
pub fn newest_common(client: &[&str], server: &[String]) -> Option<Version> {
    client
        .iter()
        .filter(|name| server.iter().any(|s| s == *name))
        .max_by_key(|name| rank(name))
        .map(|name| Version::Named((*name).to_owned()))
}

/// The root URL `…/api/` of a base URL given with or without `/api`.
fn root_url(base_url: &str, http: &HttpOptions) -> Result<url::Url> {
    let base = restpoint_session::origin::parse_base_url(
        PRODUCT,
        base_url,
        Some("/api"),
        http.allows_insecure_http(),
    )?;
    base.join("api/")
        .map_err(|_| Error::Config(ConfigError::InvalidUrl))
}

/// The names of the server's `SupportedVersion` entries (`GET /api/` without credentials,
/// EM-01), in document order.
pub async fn supported_versions(base_url: &str, http: &HttpOptions) -> Result<Vec<String>> {
    let client = http.build_client(PRODUCT)?;
    let context = Context::new(PRODUCT, "discover");
    let response = client
        .get(root_url(base_url, http)?)
        .header(ACCEPT, "application/xml")
        .send()
        .await
        .map_err(|e| Error::from_reqwest(context.clone(), e))?;
    let status = response.status();
    let context = context.with_status(status);
    if !status.is_success() {
        return Err(Error::protocol(
            context,
            ProtocolViolation::UnexpectedStatus,
        ));
    }
    let body =
        restpoint_session::body::read_limited(&context, response, crate::xml::MAX_DOCUMENT_BYTES)
            .await?;
    let root: EnterpriseManager = parse_xml(&body).map_err(|e| {
        Error::protocol(
            context,
            ProtocolViolation::MalformedBody {
                format: "em",
                path: e.to_string(),
                category: "invalid document",
            },
        )
    })?;
    Ok(root.version_names().map(str::to_owned).collect())
}

impl EmSessionBuilder {
    /// Reads the server's supported versions and logs on with the newest of
    /// [`CLIENT_VERSIONS`] among them; none in common is a [`ConfigError::Invalid`] error.
    pub async fn build_negotiated(self) -> Result<EmSession> {
        let http = self.http.clone()?;
        let server = supported_versions(&self.base_url, &http).await?;
        let version = newest_common(CLIENT_VERSIONS, &server).ok_or(Error::Config(
            ConfigError::Invalid("no em version of this client is served by the server"),
        ))?;
        tracing::info!(product = PRODUCT, version = %version, "negotiated em version");
        self.version(version).build().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_common_version_by_number() {
        let server = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            newest_common(CLIENT_VERSIONS, &server(&["v1_5", "v1_6"])),
            Some(Version::Named("v1_6".into()))
        );
        assert_eq!(
            newest_common(
                &["v1_5", "v1_10", "v1_7"],
                &server(&["v1_10", "v1_7", "v1_5"])
            ),
            Some(Version::Named("v1_10".into()))
        );
        assert_eq!(newest_common(CLIENT_VERSIONS, &server(&["v1_2"])), None);
    }

    #[test]
    fn root_url_accepts_both_forms() {
        assert_eq!(
            root_url("https://em:9398", &HttpOptions::new())
                .unwrap()
                .as_str(),
            "https://em:9398/api/"
        );
        assert_eq!(
            root_url("https://em:9398/api/", &HttpOptions::new())
                .unwrap()
                .as_str(),
            "https://em:9398/api/"
        );
    }
}
