//! Where EM logs on: the Enterprise Manager logon protocol, written against raw reqwest so the
//! protocol is readable in one place. The documents are read with this crate's generated types
//! ([`EnterpriseManager`], [`LogonSession`]) and link helpers.
//!
//! - Discovery (EM-01): `GET /api/` without credentials answers an `EnterpriseManager` with one
//!   `SupportedVersion` per version; the logon link (`Type="LogonSession" Rel="Create"`) of the
//!   chosen version (`latest` or a named one, EM-13) is remembered.
//! - Logon (EM-02 .. EM-05): `POST /api/sessionMngr/?v=<version>` with
//!   `Authorization: Basic ..` and an empty body; `201 Created`, the token in the
//!   `X-RestSvcSessionId` header, a `LogonSession` body whose `Rel="Delete"` link ends it.
//! - Every later request carries `X-RestSvcSessionId` (EM-06). The server prefers a cookie over
//!   the header, so no cookie is ever sent: the HTTP client keeps no cookie store and
//!   [`EmAuth::authorize`] removes any `Cookie` header, so a stale cookie can never win after
//!   a re-logon.
//! - XML by default; JSON when asked ([`EmFormat::Json`] sets `Accept: application/json`, EM-07).
//! - An idle session ends after 15 minutes (EM-08). Tasks belong to the session that started
//!   them (EM-12), so a new logon would lose them: [`EmSession`] keeps its session alive with a
//!   `GET` on the `LogonSessionList` link after 5 idle minutes (on by default) rather than
//!   logging on again.
//! - Logout (EM-09): `DELETE` on the `Rel="Delete"` link.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, COOKIE, HeaderName, HeaderValue};
use restpoint_session::{
    AuthContext, AuthError, Authenticator, ConfigError, Context, Credentials, Error, HttpOptions,
    ProtocolViolation, Result, Session, SessionOptions, Token,
};
use restpoint_session::{body, origin};

use crate::error::ParseError;
use crate::model::Version;
use crate::xml::{MAX_DOCUMENT_BYTES, Resource};
use crate::{EnterpriseManager, LogonSession, parse_json, parse_xml};

/// The product name in errors and spans.
pub const PRODUCT: &str = "em";
/// The session header (EM-03, EM-06).
pub const SESSION_HEADER: &str = "X-RestSvcSessionId";
/// How long EM keeps an idle session (EM-08).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The default keep-alive interval: well inside the idle timeout.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(5 * 60);

/// The body format of EM requests and answers (EM-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EmFormat {
    /// XML, the default (no `Accept` header is needed, `application/xml` is sent).
    #[default]
    Xml,
    /// JSON (`Accept: application/json`).
    Json,
}

impl EmFormat {
    /// The `Accept` header value.
    pub fn accept(self) -> &'static str {
        match self {
            EmFormat::Xml => "application/xml",
            EmFormat::Json => "application/json",
        }
    }

    /// Parses a document of this format into a resource.
    pub fn parse<T: Resource>(self, bytes: &[u8]) -> Result<T, ParseError> {
        match self {
            EmFormat::Xml => parse_xml(bytes),
            EmFormat::Json => parse_json(bytes),
        }
    }
}

/// What discovery and logon learnt.
#[derive(Default)]
struct Discovered {
    /// The logon link of the chosen version.
    logon_href: Option<String>,
    /// The `LogonSessionList` link, for keep-alive.
    sessions_href: Option<String>,
    /// The last `LogonSession`.
    logon_session: Option<LogonSession>,
}

/// The EM logon protocol, for the session core.
pub struct EmAuth {
    base_url: url::Url,
    credentials: Credentials,
    version: Version,
    format: EmFormat,
    allow_http: bool,
    discovered: Mutex<Discovered>,
}

impl std::fmt::Debug for EmAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmAuth")
            .field("base_url", &self.base_url.as_str())
            .field("credentials", &self.credentials)
            .field("version", &self.version)
            .field("format", &self.format)
            .finish()
    }
}

/// A parse failure of an EM document as a protocol violation (the message never quotes the
/// document).
fn malformed(context: Context, error: &ParseError) -> Error {
    Error::protocol(
        context,
        ProtocolViolation::MalformedBody {
            format: "em",
            path: error.to_string(),
            category: "invalid document",
        },
    )
}

impl EmAuth {
    /// An EM authenticator for the server at `base_url` (e.g. `https://em:9398/`).
    pub fn new(
        base_url: url::Url,
        credentials: Credentials,
        version: Version,
        format: EmFormat,
    ) -> Self {
        Self {
            base_url,
            credentials,
            version,
            format,
            allow_http: false,
            discovered: Mutex::new(Discovered::default()),
        }
    }

    /// Allows plain `http` links (and base URL); off by default.
    pub fn with_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The server's base URL (the API is under `api/`).
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// The body format in use.
    pub fn format(&self) -> EmFormat {
        self.format
    }

    /// The version logged on with.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// Resolves an `Href` (absolute, or relative to the base URL) under the configured origin
    /// ([`origin::rebase_href`]): a link under `/api/` naming another host (a real EM writes its
    /// own host name into every `Href`) is rebased onto the base URL; another scheme, plain
    /// http (unless allowed) or a path outside `/api/` is a
    /// [`ProtocolViolation::UntrustedLink`], and nothing is sent.
    pub fn resolve(&self, href: &str) -> Result<url::Url> {
        origin::rebase_href(
            &Context::new(PRODUCT, "resolve link"),
            &self.base_url,
            href,
            "api/",
            self.allow_http,
        )
    }

    fn discovered(&self) -> std::sync::MutexGuard<'_, Discovered> {
        self.discovered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last `LogonSession` the server answered (its links lead to the resources).
    pub fn logon_session(&self) -> Option<LogonSession> {
        self.discovered().logon_session.clone()
    }

    /// `GET /api/` (EM-01): finds the logon link of the chosen version.
    async fn discover(&self, cx: &AuthContext<'_>) -> Result<String> {
        if let Some(href) = self.discovered().logon_href.clone() {
            return Ok(href);
        }
        let request = cx
            .http()
            .get(self.resolve("api/")?)
            .header(ACCEPT, self.format.accept())
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("discover"), e))?;
        let response = cx.execute("discover", request).await?;
        let status = response.status();
        let context = cx.context("discover").with_status(status);
        if !status.is_success() {
            return Err(Error::protocol(
                context,
                ProtocolViolation::UnexpectedStatus,
            ));
        }
        let body = body::read_limited(&context, response, MAX_DOCUMENT_BYTES).await?;
        let root: EnterpriseManager = match self.format.parse(&body) {
            Ok(root) => root,
            Err(error) => {
                // The logon address is documented (EM-02); a root document this client cannot
                // read does not stop the logon. The version is then checked by the logon itself.
                tracing::debug!(
                    product = PRODUCT,
                    error = %malformed(context, &error),
                    "unreadable EnterpriseManager document; using the documented logon address"
                );
                return Ok(format!("api/sessionMngr/?v={}", self.version));
            }
        };
        if !root.supports(&self.version) {
            return Err(Error::Config(ConfigError::Invalid(
                "em version not supported by the server",
            )));
        }
        let href = root
            .logon_link(&self.version)
            .map(|link| link.href.clone())
            .unwrap_or_else(|| format!("api/sessionMngr/?v={}", self.version));
        let mut discovered = self.discovered();
        discovered.logon_href = Some(href.clone());
        discovered.sessions_href = root.logon_sessions_link().map(|l| l.href.clone());
        Ok(href)
    }
}

impl Authenticator for EmAuth {
    fn product(&self) -> &'static str {
        PRODUCT
    }

    async fn logon(&self, cx: &AuthContext<'_>) -> Result<Token> {
        let href = self.discover(cx).await?;
        let request = cx
            .http()
            .post(self.resolve(&href)?)
            .header(AUTHORIZATION, self.credentials.basic_auth_header())
            .header(ACCEPT, self.format.accept())
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("logon"), e))?;
        let response = cx.execute("logon", request).await?;
        let status = response.status();
        let context = cx.context("logon").with_status(status);
        match status {
            StatusCode::UNAUTHORIZED => {
                return Err(Error::auth(context, AuthError::WrongCredentials));
            }
            StatusCode::FORBIDDEN => return Err(Error::auth(context, AuthError::Forbidden)),
            StatusCode::BAD_REQUEST => {
                // EM-13: an unknown or retired version is refused.
                return Err(Error::Config(ConfigError::Invalid(
                    "em version not supported by the server",
                )));
            }
            s if !s.is_success() => {
                return Err(Error::protocol(
                    context,
                    ProtocolViolation::UnexpectedStatus,
                ));
            }
            _ => {}
        }
        // Two session ids are ambiguous: refused like a malformed one (as ZVM's doubled
        // `x-zerto-session`).
        if response.headers().get_all(SESSION_HEADER).iter().count() > 1 {
            return Err(Error::protocol(
                context,
                ProtocolViolation::InvalidHeader {
                    name: SESSION_HEADER,
                },
            ));
        }
        let token = response
            .headers()
            .get(SESSION_HEADER)
            .ok_or_else(|| {
                Error::protocol(
                    context.clone(),
                    ProtocolViolation::MissingHeader {
                        name: SESSION_HEADER,
                    },
                )
            })?
            .to_str()
            .ok()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::protocol(
                    context.clone(),
                    ProtocolViolation::InvalidHeader {
                        name: SESSION_HEADER,
                    },
                )
            })?;
        let body = body::read_limited(&context, response, MAX_DOCUMENT_BYTES).await?;
        let logon_session: LogonSession = self
            .format
            .parse(&body)
            .map_err(|e| malformed(context.clone(), &e))?;
        let delete = logon_session
            .logoff_href()
            .or_else(|| logon_session.href())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::protocol(
                    context.clone(),
                    ProtocolViolation::Missing {
                        what: "Rel=\"Delete\" link of the LogonSession",
                    },
                )
            })?;
        self.discovered().logon_session = Some(logon_session);
        Ok(Token::new(token).with_logout_href(delete))
    }

    async fn logout(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let href = token.logout_href().ok_or_else(|| {
            Error::protocol(
                cx.context("logout"),
                ProtocolViolation::Missing {
                    what: "Rel=\"Delete\" link of the LogonSession",
                },
            )
        })?;
        let mut request = cx
            .http()
            .delete(self.resolve(href)?)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("logout"), e))?;
        self.authorize(&mut request, token)?;
        let response = cx.execute("logout", request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let context = cx.context("logout").with_status(status);
        Err(match status {
            StatusCode::UNAUTHORIZED => Error::auth(context, AuthError::TokenRefused),
            _ => Error::protocol(context, ProtocolViolation::UnexpectedStatus),
        })
    }

    async fn keep_alive(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let href = self
            .discovered()
            .sessions_href
            .clone()
            .unwrap_or_else(|| "api/logonSessions".to_owned());
        let mut request = cx
            .http()
            .get(self.resolve(&href)?)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("keep-alive"), e))?;
        self.authorize(&mut request, token)?;
        let response = cx.execute("keep-alive", request).await?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Error::auth(
                cx.context("keep-alive").with_status(status),
                AuthError::TokenRefused,
            ))
        }
    }

    fn idle_timeout(&self) -> Option<Duration> {
        Some(IDLE_TIMEOUT)
    }

    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()> {
        let value = token.header_value().ok_or_else(|| {
            Error::protocol(
                Context::new(PRODUCT, "authorize"),
                ProtocolViolation::InvalidHeader {
                    name: SESSION_HEADER,
                },
            )
        })?;
        let headers = request.headers_mut();
        // EM-06: a cookie beats the header, so never send one.
        headers.remove(COOKIE);
        headers.insert(HeaderName::from_static("x-restsvcsessionid"), value);
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static(self.format.accept()));
        }
        Ok(())
    }
}

/// An EM session: the session core over [`EmAuth`]. Derefs to [`Session`] for `send`,
/// `authorize`, `execute_with_relogon`, `logout`, `stats`.
#[derive(Clone, Debug)]
pub struct EmSession {
    session: Session<EmAuth>,
}

impl std::ops::Deref for EmSession {
    type Target = Session<EmAuth>;

    fn deref(&self) -> &Session<EmAuth> {
        &self.session
    }
}

impl EmSession {
    /// Starts building a session with the server at `base_url` (e.g. `https://em:9398`; a
    /// trailing `/api/` is accepted).
    pub fn builder(base_url: impl AsRef<str>) -> EmSessionBuilder {
        EmSessionBuilder {
            base_url: base_url.as_ref().to_owned(),
            credentials: None,
            version: Version::Latest,
            format: EmFormat::Xml,
            http: Ok(HttpOptions::new()),
            options: SessionOptions::new(),
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            lazy: false,
        }
    }

    /// The session core underneath.
    pub fn session(&self) -> &Session<EmAuth> {
        &self.session
    }

    /// The body format of this session.
    pub fn format(&self) -> EmFormat {
        self.session.authenticator().format()
    }

    /// The last `LogonSession` (its links lead to backup servers, jobs, ...).
    pub fn logon_session(&self) -> Option<LogonSession> {
        self.session.authenticator().logon_session()
    }

    /// `GET` an `Href` (absolute or relative) with the session, answered in the session's
    /// format.
    pub async fn get(&self, href: &str) -> Result<reqwest::Response> {
        let url = self.session.authenticator().resolve(href)?;
        let request = self
            .http()
            .get(url)
            .build()
            .map_err(|e| Error::from_reqwest(Context::new(PRODUCT, "get"), e))?;
        self.send(request).await
    }

    /// `POST` to an `Href` with an empty body (EM actions such as `?action=start`, answered
    /// with a `Task`).
    pub async fn post(&self, href: &str) -> Result<reqwest::Response> {
        let url = self.session.authenticator().resolve(href)?;
        let request = self
            .http()
            .post(url)
            .build()
            .map_err(|e| Error::from_reqwest(Context::new(PRODUCT, "post"), e))?;
        self.send(request).await
    }

    /// `GET` an `Href` and read the answer as the resource `T`. A non-success status is an
    /// [`Error::Api`] with EM's `Error` message available through `ApiError::message`.
    pub async fn get_resource<T: Resource>(&self, href: &str) -> Result<T> {
        let response = self.get(href).await?;
        let status = response.status();
        let context = Context::new(PRODUCT, format!("GET {}", T::ROOT)).with_status(status);
        if let Some(throttled) = Error::throttled(&context, response.headers()) {
            return Err(throttled);
        }
        let body = body::read_limited(&context, response, MAX_DOCUMENT_BYTES).await?;
        if !status.is_success() {
            let Ok(error) = self.format().parse::<crate::ApiError>(&body) else {
                // No EM `Error` document (a redirect, an HTML error page): the status is all
                // the server said.
                return Err(Error::protocol(
                    context,
                    ProtocolViolation::UnexpectedStatus,
                ));
            };
            let message = error.message.clone();
            return Err(Error::Api {
                context,
                error: restpoint_session::ApiError::new(None, message),
            });
        }
        self.format()
            .parse(&body)
            .map_err(|e| malformed(context, &e))
    }
}

/// Builds an [`EmSession`].
pub struct EmSessionBuilder {
    pub(crate) base_url: String,
    credentials: Option<Credentials>,
    version: Version,
    format: EmFormat,
    pub(crate) http: Result<HttpOptions>,
    options: SessionOptions,
    keep_alive: Option<Duration>,
    lazy: bool,
}

impl EmSessionBuilder {
    /// Logs on with these credentials (Basic, EM-02).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The API version: [`Version::Latest`] (default) or a named one such as `v1_6`.
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// XML (default) or JSON bodies.
    pub fn format(mut self, format: EmFormat) -> Self {
        self.format = format;
        self
    }

    restpoint_session::connection_setters!();

    /// Keep-alive interval (default 5 minutes); `None` lets an idle session lapse, and the next
    /// call then logs on again (losing the old session's tasks, EM-12).
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Does not log on in `build`; the first call does.
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }

    /// Builds the HTTP client and logs on (unless `lazy`).
    pub async fn build(self) -> Result<EmSession> {
        let http = self.http?;
        let allow_http = http.allows_insecure_http();
        let base_url = origin::parse_base_url(PRODUCT, &self.base_url, Some("/api"), allow_http)?;
        let credentials = self
            .credentials
            .ok_or(Error::Config(ConfigError::MissingCredentials))?;
        let http = http.build_client(PRODUCT)?;
        let options = self.options.keep_alive(self.keep_alive);
        let auth = EmAuth::new(base_url, credentials, self.version, self.format)
            .with_insecure_http(allow_http);
        let session = Session::with_options(auth, http, options);
        if !self.lazy {
            session.logon().await?;
        }
        Ok(EmSession { session })
    }
}
