//! `x-api-version` negotiation (VBR-08): pick the newest revision that both this client and the
//! server support.
//!
//! A session is built for a named revision with [`VbrSessionBuilder::api_version`] (default
//! [`DEFAULT_API_VERSION`](crate::session::DEFAULT_API_VERSION)), or with
//! [`VbrSessionBuilder::build_negotiated`], which first asks the server which of
//! [`CLIENT_API_VERSIONS`] it serves and then logs on with the newest one.
//!
//! The probe: VBR answers a request with an unsupported `x-api-version` with `400` (VBR-08)
//! before it looks at credentials. For each candidate, newest first, the client sends an
//! unauthenticated `GET /api/v1/serverInfo` carrying it: a `400` means refused, any other
//! answer (`401` without a token, `200`) means the revision is served. One request per refused
//! revision, and no logon, is spent. A server that refuses every candidate is a typed
//! [`ConfigError::Invalid`] error.
//!
//! Which revisions are negotiated: only those whose answers the typed models decode as they are
//! meant ([`CLIENT_API_VERSIONS`]): `1.1-rev0` up to `1.2-rev1`, the revision the models are
//! written for. The `1.3` revisions (13.x) are left out: their models rename values the typed
//! models name (the job type `Backup` is `VSphereBackup` there) and add required fields
//! (`serverInfo`'s `platform`, `veeamRegistration`), so a `1.3` answer decodes only leniently
//! (unknown values kept as `Other`). A 13.x server still serves `1.2-rev1` (VBR-13), so
//! negotiation picks that. The `1.0` revisions (11.x) are left out because no model of them was
//! checked. Any other revision can still be named: [`VbrSessionBuilder::api_version`] takes any
//! `major.minor-revN`, and [`VbrSessionBuilder::build_with_newest_of`] any candidate list.
//!
//! Not covered: the server's supported list is not read from the refusal's message (its wording
//! differs between releases); only the revisions in the candidate list are tried.

use std::cmp::Ordering;

use reqwest::StatusCode;
use reqwest::header::{HeaderName, HeaderValue};
use restpoint_session::{ConfigError, Context, Error, HttpOptions, Result};

use crate::session::{API_VERSION_HEADER, PRODUCT, VbrSession, VbrSessionBuilder};

/// The revisions [`VbrSessionBuilder::build_negotiated`] tries, newest first: those whose answers
/// the typed models (written for `1.2-rev1`) decode as meant. See the module documentation for
/// why the `1.3` and `1.0` revisions are not among them.
pub const CLIENT_API_VERSIONS: &[&str] =
    &["1.2-rev1", "1.2-rev0", "1.1-rev2", "1.1-rev1", "1.1-rev0"];

/// A parsed `major.minor-revN` revision, ordered by major, minor, then revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiVersion {
    /// Major version (`1`).
    pub major: u32,
    /// Minor version (`2`).
    pub minor: u32,
    /// Revision (`1` in `rev1`).
    pub revision: u32,
}

impl ApiVersion {
    /// Parses `1.2-rev1` (case-insensitive `rev`); `None` for anything else.
    pub fn parse(value: &str) -> Option<ApiVersion> {
        let (numbers, revision) = value.trim().split_once('-')?;
        let (major, minor) = numbers.split_once('.')?;
        let revision = revision
            .get(..3)
            .filter(|prefix| prefix.eq_ignore_ascii_case("rev"))
            .and(revision.get(3..))?;
        Some(ApiVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
            revision: revision.parse().ok()?,
        })
    }
}

impl PartialOrd for ApiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ApiVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.revision).cmp(&(other.major, other.minor, other.revision))
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}-rev{}", self.major, self.minor, self.revision)
    }
}

/// The candidates newest first; unparseable ones last, in their given order.
fn newest_first<'a>(candidates: &[&'a str]) -> Vec<&'a str> {
    let mut sorted = candidates.to_vec();
    sorted.sort_by(|a, b| match (ApiVersion::parse(a), ApiVersion::parse(b)) {
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    sorted.dedup();
    sorted
}

fn probe_url(base_url: &str, http: &HttpOptions) -> Result<url::Url> {
    restpoint_session::origin::parse_base_url(
        crate::session::PRODUCT,
        base_url,
        None,
        http.allows_insecure_http(),
    )?
    .join("api/v1/serverInfo")
    .map_err(|_| Error::Config(ConfigError::InvalidUrl))
}

/// Asks the server at `base_url` which of `candidates` it serves and returns the newest one
/// (see the module documentation for the probe). `http` gives TLS trust and timeouts.
pub async fn negotiate_api_version(
    base_url: &str,
    http: &HttpOptions,
    candidates: &[&str],
) -> Result<String> {
    let url = probe_url(base_url, http)?;
    let client = http.build_client(PRODUCT)?;
    let header = HeaderName::from_static(API_VERSION_HEADER);
    for candidate in newest_first(candidates) {
        let Ok(value) = HeaderValue::from_str(candidate) else {
            continue;
        };
        let context = Context::new(PRODUCT, "negotiate api version");
        let request = client
            .get(url.clone())
            .header(header.clone(), value)
            .build()
            .map_err(|e| Error::from_reqwest(context.clone(), e))?;
        let response = client
            .execute(request)
            .await
            .map_err(|e| Error::from_reqwest(context, e))?;
        let status = response.status();
        if status == StatusCode::BAD_REQUEST {
            tracing::debug!(
                product = PRODUCT,
                version = candidate,
                "api version refused"
            );
            continue;
        }
        tracing::debug!(
            product = PRODUCT,
            version = candidate,
            status = status.as_u16(),
            "api version served"
        );
        return Ok(candidate.to_owned());
    }
    Err(Error::Config(ConfigError::Invalid(
        "no x-api-version of this client is served by the server",
    )))
}

impl VbrSessionBuilder {
    /// Picks the newest of [`CLIENT_API_VERSIONS`] the server serves, then builds (and logs on).
    pub async fn build_negotiated(self) -> Result<VbrSession> {
        self.build_with_newest_of(CLIENT_API_VERSIONS).await
    }

    /// Picks the newest of `candidates` the server serves, then builds (and logs on).
    pub async fn build_with_newest_of(self, candidates: &[&str]) -> Result<VbrSession> {
        let http = self.http.clone()?;
        let version = negotiate_api_version(&self.base_url, &http, candidates).await?;
        tracing::info!(product = PRODUCT, version = %version, "negotiated x-api-version");
        self.api_version(version).build().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_parse_and_order() {
        let v = |s| ApiVersion::parse(s).unwrap();
        assert!(v("1.3-rev0") > v("1.2-rev1"));
        assert!(v("1.2-rev10") > v("1.2-rev9"));
        assert_eq!(v("1.2-REV1").to_string(), "1.2-rev1");
        assert_eq!(ApiVersion::parse("latest"), None);
        assert_eq!(ApiVersion::parse("1.2"), None);
        assert_eq!(
            newest_first(&["1.1-rev0", "x", "1.3-rev1", "1.2-rev1"]),
            vec!["1.3-rev1", "1.2-rev1", "1.1-rev0", "x"]
        );
    }
}
