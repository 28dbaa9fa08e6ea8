//! TLS and timeout options, and the `reqwest::Client` they configure.
//!
//! Default: the platform's trust store (system roots), certificate and hostname checks on.
//! An extra CA (the emulator's, a company CA) is added with [`HttpOptions::ca_pem`] (merged with
//! the system roots) or [`HttpOptions::ca_pem_only`] (the only roots). Switching checks off needs
//! the explicit [`HttpOptions::danger_accept_invalid_certs`] and logs a warning once per client.
//!
//! Plain `http` is refused (reqwest's `https_only`) unless [`HttpOptions::allow_insecure_http`]
//! is on, and redirects are never followed.
//!
//! The client never keeps a cookie store: EM prefers the cookie over the `X-RestSvcSessionId`
//! header (EM-06), so a stale cookie after a re-logon would defeat it.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{ConfigError, Error};

/// Options for the HTTP client of one session: TLS trust, timeouts, default headers.
#[derive(Clone)]
pub struct HttpOptions {
    ca_certs: Vec<reqwest::Certificate>,
    ca_only: bool,
    insecure: bool,
    allow_http: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    pool_idle_timeout: Duration,
    default_headers: HeaderMap,
    user_agent: String,
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("n_ca_certs", &self.ca_certs.len())
            .field("ca_only", &self.ca_only)
            .field("insecure", &self.insecure)
            .field("allow_http", &self.allow_http)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            ca_certs: Vec::new(),
            ca_only: false,
            insecure: false,
            allow_http: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            pool_idle_timeout: Duration::from_secs(60),
            default_headers: HeaderMap::new(),
            user_agent: concat!("restpoint/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl HttpOptions {
    /// Default options: system roots, 10 s connect timeout, 120 s request timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the CA certificates of a PEM bundle in addition to the system roots.
    pub fn ca_pem(mut self, pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_ref())
            .map_err(|_| Error::Config(ConfigError::InvalidCaPem))?;
        if certs.is_empty() {
            return Err(Error::Config(ConfigError::InvalidCaPem));
        }
        self.ca_certs.extend(certs);
        Ok(self)
    }

    /// Trusts only the CA certificates of a PEM bundle (and those of other `ca_pem*` calls),
    /// not the system roots.
    pub fn ca_pem_only(mut self, pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        self = self.ca_pem(pem)?;
        self.ca_only = true;
        Ok(self)
    }

    /// Accepts any server certificate. Dangerous: anyone on the path can read the credentials.
    /// Building the client logs a warning.
    pub fn danger_accept_invalid_certs(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Allows plain `http` base URLs and links (refused by default: credentials and tokens
    /// would cross the network unencrypted). Parsing such a base URL logs a warning.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Whether plain `http` is allowed ([`HttpOptions::allow_insecure_http`]).
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_http
    }

    /// Time allowed to open a connection (TCP and TLS).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole request, answer included.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// A header sent with every request of the client (e.g. VBR's `x-api-version`).
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Whether certificate checks are switched off.
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }

    /// Builds the `reqwest::Client` for `product`. Logs a warning if certificate checks are off.
    pub fn build_client(&self, product: &'static str) -> Result<reqwest::Client, Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .user_agent(self.user_agent.clone())
            .default_headers(self.default_headers.clone())
            // Never follow a redirect: it could carry the credentials or the token to another
            // origin (the origin policy, see `crate::origin`). A 3xx is returned as it is.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!self.allow_http);
        if !self.ca_certs.is_empty() {
            builder = if self.ca_only {
                builder.tls_certs_only(self.ca_certs.iter().cloned())
            } else {
                builder.tls_certs_merge(self.ca_certs.iter().cloned())
            };
        }
        if self.insecure {
            tracing::warn!(
                product,
                "tls certificate verification is disabled for this client: the server is not authenticated"
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder
            .build()
            .map_err(|_| Error::Config(ConfigError::HttpClient))
    }
}
