//! The OpenAPI document a VBR server publishes for each revision it serves (issue 16):
//! `GET /swagger/v<revision>/swagger.json`, which the vendor's Swagger UI fetches without a logon.
//!
//! [`fetch_published_spec`] fetches it with the same TLS options as every session
//! ([`HttpOptions`]: the system roots plus `ca_pem`, the logged insecure switch, plain `http`
//! refused unless allowed) and the one base-URL parser
//! ([`restpoint_session::origin::parse_base_url`]). No credential is sent: no `Authorization`
//! header, no token, no cookie. Without a revision it asks the server the way
//! [`VbrSessionBuilder::build_negotiated`](crate::session::VbrSessionBuilder::build_negotiated)
//! does ([`negotiate_api_version`] over [`CLIENT_API_VERSIONS`]: VBR-08), so the document
//! describes the revision a restpoint session to that server speaks. The body is read with a
//! limit enforced while streaming ([`restpoint_session::body::read_limited`]).

use reqwest::StatusCode;
use restpoint_session::{
    Context, Error as SessionError, HttpOptions, ProtocolViolation, body::read_limited,
    origin::parse_base_url,
};
use serde_json::Value;

use crate::session::PRODUCT;
use crate::version::{ApiVersion, CLIENT_API_VERSIONS, negotiate_api_version};

/// The largest document read by default: 32 MiB (the vendor's 1.3-rev1 file is 2.7 MB).
pub const MAX_SPEC_BYTES: usize = 32 * 1024 * 1024;

/// The path of the document published for `revision`, relative to the server's base URL
/// (`swagger/v1.2-rev1/swagger.json`).
pub fn spec_path(revision: &str) -> String {
    format!("swagger/v{revision}/swagger.json")
}

/// A document fetched from a server.
#[derive(Debug, Clone)]
pub struct PublishedSpec {
    /// The revision asked for (given, or negotiated).
    pub revision: String,
    /// Whether the revision was negotiated (VBR-08) rather than given.
    pub negotiated: bool,
    /// The body as received.
    pub body: Vec<u8>,
    /// The body, parsed.
    pub document: Value,
}

impl PublishedSpec {
    /// The number of operations (methods under `paths`).
    pub fn operation_count(&self) -> usize {
        const METHODS: [&str; 8] = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        self.document
            .get("paths")
            .and_then(Value::as_object)
            .map_or(0, |paths| {
                paths
                    .values()
                    .filter_map(Value::as_object)
                    .map(|item| {
                        item.keys()
                            .filter(|k| METHODS.contains(&k.as_str()))
                            .count()
                    })
                    .sum()
            })
    }

    /// The document's own `info.version`, if it has one.
    pub fn info_version(&self) -> Option<&str> {
        self.document
            .pointer("/info/version")
            .and_then(Value::as_str)
    }
}

/// Why a published spec could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecFetchError {
    /// The revision given is not of the form `major.minor-revN`.
    #[error("{0:?} is not an API revision such as 1.2-rev1")]
    InvalidRevision(String),
    /// The server publishes no document for this revision (`404`).
    #[error("the server publishes no spec for revision {revision} (404 at /{path})")]
    NotPublished {
        /// The revision asked for.
        revision: String,
        /// The path asked for.
        path: String,
    },
    /// The server wants a logon for its spec (`401`/`403`); none is ever sent.
    #[error(
        "the server refused to publish its spec without a logon ({status}); no credential is sent"
    )]
    LogonRequired {
        /// The status answered.
        status: u16,
    },
    /// Any other status than `200`.
    #[error("the server answered {status} for /{path}")]
    UnexpectedStatus {
        /// The status answered.
        status: u16,
        /// The path asked for.
        path: String,
    },
    /// The answer is not JSON.
    #[error("the answer is not JSON (content type {content_type}): {reason}")]
    NotJson {
        /// The `Content-Type` answered (`none` when missing).
        content_type: String,
        /// Where parsing stopped.
        reason: String,
    },
    /// The answer is JSON but not an OpenAPI document (no `openapi` or `paths`).
    #[error("the answer is JSON but not an OpenAPI document (no \"openapi\" and \"paths\")")]
    NotOpenApi,
    /// The answer is larger than the limit (refused while streaming).
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server's certificate was refused (or the TLS handshake failed).
    #[error("TLS failure: {0}")]
    Tls(#[source] SessionError),
    /// Anything else from the HTTP layer: an invalid or `http://` URL, a connection error, a
    /// negotiation that found no revision.
    #[error(transparent)]
    Http(SessionError),
}

impl SpecFetchError {
    fn from_session(error: SessionError) -> Self {
        match error {
            SessionError::Protocol {
                violation: ProtocolViolation::BodyTooLarge { limit },
                ..
            } => SpecFetchError::TooLarge { limit },
            e if e.is_tls() => SpecFetchError::Tls(e),
            e => SpecFetchError::Http(e),
        }
    }
}

/// Fetches the spec `base_url` publishes for `revision` (negotiated when `None`), reading at
/// most `limit` bytes. Sends no credential.
pub async fn fetch_published_spec(
    base_url: &str,
    http: &HttpOptions,
    revision: Option<&str>,
    limit: usize,
) -> Result<PublishedSpec, SpecFetchError> {
    let base = parse_base_url(PRODUCT, base_url, None, http.allows_insecure_http())
        .map_err(SpecFetchError::from_session)?;
    let (revision, negotiated) = match revision {
        Some(r) => match ApiVersion::parse(r) {
            Some(v) => (v.to_string(), false),
            None => return Err(SpecFetchError::InvalidRevision(r.to_owned())),
        },
        None => (
            negotiate_api_version(base.as_str(), http, CLIENT_API_VERSIONS)
                .await
                .map_err(SpecFetchError::from_session)?,
            true,
        ),
    };
    let path = spec_path(&revision);
    let url = base
        .join(&path)
        .map_err(|_| SpecFetchError::InvalidRevision(revision.clone()))?;
    let client = http.build_client(PRODUCT).map_err(SpecFetchError::Http)?;
    let context = Context::new(PRODUCT, "GET published spec");
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            SpecFetchError::from_session(SessionError::from_reqwest(context.clone(), e))
        })?;
    let status = response.status();
    match status {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND => return Err(SpecFetchError::NotPublished { revision, path }),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            return Err(SpecFetchError::LogonRequired {
                status: status.as_u16(),
            });
        }
        other => {
            return Err(SpecFetchError::UnexpectedStatus {
                status: other.as_u16(),
                path,
            });
        }
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    let body = read_limited(&context, response, limit)
        .await
        .map_err(SpecFetchError::from_session)?;
    let text = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&body);
    let document: Value = serde_json::from_slice(text).map_err(|e| SpecFetchError::NotJson {
        content_type: content_type.chars().take(100).collect(),
        reason: format!(
            "line {} column {}: {:?}",
            e.line(),
            e.column(),
            e.classify()
        ),
    })?;
    let is_openapi = (document.get("openapi").is_some_and(Value::is_string)
        || document.get("swagger").is_some_and(Value::is_string))
        && document.get("paths").is_some_and(Value::is_object);
    if !is_openapi {
        return Err(SpecFetchError::NotOpenApi);
    }
    Ok(PublishedSpec {
        revision,
        negotiated,
        body,
        document,
    })
}
