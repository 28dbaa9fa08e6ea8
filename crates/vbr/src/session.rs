//! Where VBR logs on: the OAuth2 token endpoint of the Veeam Backup & Replication REST API,
//! written against raw reqwest so the protocol is readable in one place.
//!
//! - Logon: `POST /api/oauth2/token`, form-urlencoded, `grant_type=password` with `username`
//!   and `password` (VBR-01), or `authorization_code` with `code` (VBR-05), or `vbr_token`.
//!   The answer is `{access_token, token_type, refresh_token, expires_in, .issued, .expires}`
//!   (VBR-02). The client assumes no lifetime (the documents say 900 s and 60 minutes): it reads
//!   `expires_in`, else `.expires` (minus `.issued`, else minus the session clock's now), with
//!   or without a UTC offset; with neither, the token is used until it is refused.
//! - MFA (VBR-09): the REST API has no second factor. A password grant for an account with MFA
//!   turned on is refused; that refusal is [`AuthError::MfaRequired`] ("use a service account
//!   with MFA turned off"), not a wrong-credentials error.
//! - Every request carries `Authorization: Bearer <access_token>` (VBR-03) and
//!   `x-api-version` (set once per client as a default header, VBR-08).
//! - Refresh (VBR-04, VBR-10): `grant_type=refresh_token`; a refresh token works once. The session
//!   core refreshes `expiry_margin` before `expires_in` runs out and falls back to a password
//!   logon when the refresh is refused.
//! - Logout (VBR-06): `POST /api/oauth2/logout`, authenticated; both tokens are refused
//!   afterwards.
//!
//! ```ignore
//! let vbr = VbrSession::builder("https://vbr.example:9419")
//!     .credentials(Credentials::from_env("RESTPOINT_VBR_USER", "RESTPOINT_VBR_PASSWORD")?)
//!     .ca_pem(std::fs::read("ca.pem")?)
//!     .api_version("1.2-rev1")
//!     .build()
//!     .await?;
//! // ... vbr.send(request) or the generated client with vbr as its inner type ...
//! vbr.logout().await?;
//! ```

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use restpoint_session::{
    ApiError, AuthContext, AuthError, Authenticator, ConfigError, Context, Credentials, Error,
    ExposeSecret, HttpOptions, ProtocolViolation, Result, SecretString, Session, SessionOptions,
    Token, decode_json,
};
use restpoint_session::{body, lifetime, origin};
use serde::Deserialize;

/// The product name in errors and spans.
pub const PRODUCT: &str = "vbr";
/// The `x-api-version` sent when none is chosen: the revision the typed models follow.
pub const DEFAULT_API_VERSION: &str = "1.2-rev1";
/// The name of the header that carries the API version (VBR-08).
pub const API_VERSION_HEADER: &str = "x-api-version";

/// How the session logs on.
#[derive(Clone)]
#[non_exhaustive]
pub enum VbrGrant {
    /// `grant_type=password` with a username and password.
    Password(Credentials),
    /// `grant_type=authorization_code` with a code made by another session (VBR-05). A code
    /// works once: when the tokens it gave are gone, the session cannot log on again.
    AuthorizationCode(SecretString),
    /// `grant_type=vbr_token` with a token issued by the VBR console.
    VbrToken(SecretString),
}

impl std::fmt::Debug for VbrGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VbrGrant::Password(c) => f.debug_tuple("Password").field(c).finish(),
            VbrGrant::AuthorizationCode(_) => f.write_str("AuthorizationCode([redacted])"),
            VbrGrant::VbrToken(_) => f.write_str("VbrToken([redacted])"),
        }
    }
}

/// The VBR logon protocol, for the session core.
pub struct VbrAuth {
    base_url: url::Url,
    grant: VbrGrant,
    short_term_refresh: bool,
}

impl std::fmt::Debug for VbrAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VbrAuth")
            .field("base_url", &self.base_url.as_str())
            .field("grant", &self.grant)
            .field("short_term_refresh", &self.short_term_refresh)
            .finish()
    }
}

/// The token endpoint's answer (VBR-02). Unknown fields (`token_type`, anything new) are
/// ignored; an `expires_in` that is not a non-negative integer is a malformed answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
    expires_in: Option<u64>,
    #[serde(rename = ".issued")]
    issued: Option<String>,
    #[serde(rename = ".expires")]
    expires: Option<String>,
}

impl TokenResponse {
    /// The access token's lifetime: `expires_in`, else `.expires` minus `.issued`, else
    /// `.expires` minus `now` (when given). `Ok(None)` when the answer says nothing usable; an
    /// `expires_in` of zero or absurdly long, or a `.expires` not after `.issued` (or `now`), is
    /// a protocol error that says what the server sent. Sane long lifetimes are clamped.
    fn lifetime(&self, context: &Context, now: Option<SystemTime>) -> Result<Option<Duration>> {
        if let Some(seconds) = self.expires_in {
            return lifetime::checked_seconds(context, "expires_in", seconds).map(Some);
        }
        let Some(text) = self.expires.as_deref() else {
            return Ok(None);
        };
        let Some(expires) = parse_time(text) else {
            return Ok(None);
        };
        let from = match self.issued.as_deref().and_then(parse_time) {
            Some(issued) => issued,
            None => match now {
                Some(now) => chrono::DateTime::<chrono::Utc>::from(now),
                None => return Ok(None),
            },
        };
        match (expires - from).to_std() {
            Ok(span) if !span.is_zero() => {
                lifetime::checked_seconds(context, ".expires", span.as_secs().max(1)).map(Some)
            }
            _ => Err(lifetime::invalid(
                context,
                ".expires",
                format!("{text} (not after the time of issue)"),
            )),
        }
    }
}

/// An ISO 8601 time of a token answer: with a UTC offset (`2022-04-24T14:24:18+01:00`), with
/// `Z`, or without any (read as UTC); fractions of a second allowed. RFC 1123 is read too.
fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    chrono::DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|t| t.to_utc())
}

/// VBR's error model (VBR-07).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    error_code: Option<String>,
    message: Option<String>,
}

impl ErrorBody {
    /// Whether a refused logon's message says the account has multi-factor authentication on
    /// (VBR-09; the wording is not documented, so any mention of MFA counts).
    fn says_mfa(&self) -> bool {
        self.message.as_deref().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("mfa") || m.contains("multi-factor") || m.contains("multifactor")
        })
    }
}

impl VbrAuth {
    /// A VBR authenticator for the server at `base_url` (e.g. `https://vbr:9419`).
    pub fn new(base_url: url::Url, grant: VbrGrant) -> Self {
        Self {
            base_url,
            grant,
            short_term_refresh: false,
        }
    }

    /// Asks for a short-term refresh token (`use_short_term_refresh=true`, VBR-04).
    pub fn with_short_term_refresh(mut self, on: bool) -> Self {
        self.short_term_refresh = on;
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    fn url(&self, path: &str) -> Result<url::Url> {
        self.base_url
            .join(path.trim_start_matches('/'))
            .map_err(|_| Error::Config(ConfigError::InvalidUrl))
    }

    /// Posts a grant to the token endpoint and reads the answer.
    async fn grant(
        &self,
        cx: &AuthContext<'_>,
        operation: &'static str,
        form: &[(&str, &str)],
    ) -> Result<(Context, TokenResponse)> {
        let mut form = form.to_vec();
        if self.short_term_refresh {
            form.push(("use_short_term_refresh", "true"));
        }
        let request = cx
            .http()
            .post(self.url("/api/oauth2/token")?)
            .form(&form)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context(operation), e))?;
        let response = cx.execute(operation, request).await?;
        let status = response.status();
        let context = cx.context(operation).with_status(status);
        let body = body::read_limited(&context, response, body::MAX_TOKEN_ANSWER_BYTES).await?;
        if !status.is_success() {
            return Err(error_from(context, status, &body, operation));
        }
        Ok((context.clone(), decode_json(&context, &body)?))
    }

    /// The token of an answer; `now` (the session clock) is used only when the answer gives
    /// `.expires` without `expires_in` and `.issued`.
    fn token_from(
        context: &Context,
        body: TokenResponse,
        now: Option<SystemTime>,
    ) -> Result<Token> {
        let lifetime = body.lifetime(context, now)?;
        let access = body.access_token.ok_or_else(|| {
            Error::protocol(
                context.clone(),
                ProtocolViolation::Missing {
                    what: "access_token",
                },
            )
        })?;
        let mut token = Token::new(access);
        if let Some(refresh) = body.refresh_token {
            token = token.with_refresh_token(refresh);
        }
        if let Some(lifetime) = lifetime {
            token = token.with_lifetime(lifetime);
        }
        Ok(token)
    }
}

/// Reads one answer of the token endpoint (VBR-02, VBR-07, VBR-09) as a password logon does:
/// the token, or the typed error for a refused (wrong credentials, MFA turned on) or malformed
/// answer. For the fuzz targets and
/// the hardening tests; not part of the stable API.
#[doc(hidden)]
pub fn read_token_answer(status: u16, body: &[u8]) -> Result<Token> {
    read_token_answer_at(status, body, None)
}

/// [`read_token_answer`] with the session clock's `now`, used when the answer gives `.expires`
/// without `expires_in` and `.issued` (as a logon does). For the fuzz targets and the hardening
/// tests; not part of the stable API.
#[doc(hidden)]
pub fn read_token_answer_at(status: u16, body: &[u8], now: Option<SystemTime>) -> Result<Token> {
    let context = Context::new(PRODUCT, "logon");
    let Ok(status) = StatusCode::from_u16(status) else {
        return Err(Error::protocol(
            context,
            ProtocolViolation::UnexpectedStatus,
        ));
    };
    let context = context.with_status(status);
    if !status.is_success() {
        return Err(error_from(context, status, body, "logon"));
    }
    let body: TokenResponse = decode_json(&context, body)?;
    VbrAuth::token_from(&context, body, now)
}

/// Maps a refused token-endpoint or API answer to a typed error.
fn error_from(context: Context, status: StatusCode, body: &[u8], operation: &str) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    match status {
        StatusCode::UNAUTHORIZED => {
            let kind = if operation == "refresh" {
                AuthError::RefreshRefused
            } else if operation == "logon" && parsed.as_ref().is_some_and(ErrorBody::says_mfa) {
                // VBR-09: an account with MFA turned on cannot use the REST API.
                AuthError::MfaRequired
            } else {
                AuthError::WrongCredentials
            };
            Error::auth(context, kind)
        }
        StatusCode::FORBIDDEN => Error::auth(context, AuthError::Forbidden),
        _ => {
            // A refused refresh grant may come back as 400 (invalid grant).
            if operation == "refresh" && status == StatusCode::BAD_REQUEST {
                return Error::auth(context, AuthError::RefreshRefused);
            }
            // No error model at all (a redirect, an HTML error page): the status is all the
            // server said.
            let Some(parsed) = parsed.filter(|b| b.error_code.is_some() || b.message.is_some())
            else {
                return Error::protocol(context, ProtocolViolation::UnexpectedStatus);
            };
            let (code, message) = (parsed.error_code, parsed.message);
            Error::Api {
                context,
                error: ApiError::new(code, message),
            }
        }
    }
}

impl Authenticator for VbrAuth {
    fn product(&self) -> &'static str {
        PRODUCT
    }

    async fn logon(&self, cx: &AuthContext<'_>) -> Result<Token> {
        let (context, body) = match &self.grant {
            VbrGrant::Password(credentials) => {
                self.grant(
                    cx,
                    "logon",
                    &[
                        ("grant_type", "password"),
                        ("username", credentials.username()),
                        ("password", credentials.password().expose_secret()),
                    ],
                )
                .await?
            }
            VbrGrant::AuthorizationCode(code) => {
                self.grant(
                    cx,
                    "logon",
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", code.expose_secret()),
                    ],
                )
                .await?
            }
            VbrGrant::VbrToken(token) => {
                self.grant(
                    cx,
                    "logon",
                    &[
                        ("grant_type", "vbr_token"),
                        ("vbr_token", token.expose_secret()),
                    ],
                )
                .await?
            }
        };
        Self::token_from(&context, body, Some(cx.clock().now()))
    }

    async fn refresh(&self, cx: &AuthContext<'_>, token: &Token) -> Result<Option<Token>> {
        let Some(refresh) = token.refresh_token() else {
            return Ok(None);
        };
        let (context, body) = self
            .grant(
                cx,
                "refresh",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.expose_secret()),
                ],
            )
            .await?;
        Self::token_from(&context, body, Some(cx.clock().now())).map(Some)
    }

    async fn logout(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let mut request = cx
            .http()
            .post(self.url("/api/oauth2/logout")?)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("logout"), e))?;
        self.authorize(&mut request, token)?;
        let response = cx.execute("logout", request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let context = cx.context("logout").with_status(status);
        let body = body::read_limited(&context, response, body::MAX_TOKEN_ANSWER_BYTES)
            .await
            .unwrap_or_default();
        Err(error_from(context, status, &body, "logout"))
    }

    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()> {
        let value = token.bearer_header_value().ok_or_else(|| {
            Error::protocol(
                Context::new(PRODUCT, "authorize"),
                ProtocolViolation::InvalidHeader {
                    name: "access_token",
                },
            )
        })?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// A VBR session: the session core over [`VbrAuth`]. Derefs to [`Session`] for `send`,
/// `authorize`, `execute_with_relogon`, `logout`, `stats`.
#[derive(Clone, Debug)]
pub struct VbrSession {
    session: Session<VbrAuth>,
    api_version: String,
}

impl std::ops::Deref for VbrSession {
    type Target = Session<VbrAuth>;

    fn deref(&self) -> &Session<VbrAuth> {
        &self.session
    }
}

impl VbrSession {
    /// Starts building a session with the server at `base_url` (e.g. `https://vbr:9419`).
    pub fn builder(base_url: impl AsRef<str>) -> VbrSessionBuilder {
        VbrSessionBuilder {
            base_url: base_url.as_ref().to_owned(),
            grant: None,
            api_version: DEFAULT_API_VERSION.to_owned(),
            http: Ok(HttpOptions::new()),
            options: SessionOptions::new(),
            short_term_refresh: false,
            lazy: false,
        }
    }

    /// The session core underneath.
    pub fn session(&self) -> &Session<VbrAuth> {
        &self.session
    }

    /// The `x-api-version` this session sends.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &url::Url {
        self.session.authenticator().base_url()
    }

    /// Asks the server for an authorization code (VBR-05) with which another client can log
    /// on as this session's user (`VbrGrant::AuthorizationCode`).
    pub async fn create_authorization_code(&self) -> Result<SecretString> {
        #[derive(Deserialize)]
        struct CodeBody {
            code: SecretString,
        }
        let url = self
            .base_url()
            .join("api/oauth2/authorization_code")
            .map_err(|_| Error::Config(ConfigError::InvalidUrl))?;
        let context = Context::new(PRODUCT, "create authorization code");
        let request = self
            .http()
            .post(url)
            .build()
            .map_err(|e| Error::from_reqwest(context.clone(), e))?;
        let response = self.send(request).await?;
        let status = response.status();
        let context = context.with_status(status);
        let body = body::read_limited(&context, response, body::MAX_TOKEN_ANSWER_BYTES).await?;
        if !status.is_success() {
            return Err(error_from(context, status, &body, "authorization_code"));
        }
        let body: CodeBody = decode_json(&context, &body)?;
        Ok(body.code)
    }
}

/// Builds a [`VbrSession`].
pub struct VbrSessionBuilder {
    pub(crate) base_url: String,
    grant: Option<VbrGrant>,
    api_version: String,
    pub(crate) http: Result<HttpOptions>,
    options: SessionOptions,
    short_term_refresh: bool,
    lazy: bool,
}

impl VbrSessionBuilder {
    /// Logs on with a username and password (`grant_type=password`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.grant = Some(VbrGrant::Password(credentials));
        self
    }

    /// Logs on with another grant (authorization code, console token).
    pub fn grant(mut self, grant: VbrGrant) -> Self {
        self.grant = Some(grant);
        self
    }

    /// The `x-api-version` sent with every request (default [`DEFAULT_API_VERSION`]): any
    /// `major.minor-revN` (`"1.3-rev2"`), also one newer than this client knows; the typed models
    /// follow [`DEFAULT_API_VERSION`] and read other revisions leniently. Anything not of that
    /// form fails [`build`](Self::build) with a configuration error.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    restpoint_session::connection_setters!();

    /// Refreshes the access token in the background before it expires, even when no call needs
    /// it (by default the first call after `expires_in` minus the margin refreshes it).
    pub fn refresh_ahead(mut self, on: bool) -> Self {
        self.options = self.options.refresh_ahead(on);
        self
    }

    /// Asks for short-term refresh tokens (VBR-04).
    pub fn short_term_refresh(mut self, on: bool) -> Self {
        self.short_term_refresh = on;
        self
    }

    /// Does not log on in `build`; the first call does.
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }

    /// Builds the HTTP client and logs on (unless `lazy`), so that wrong credentials or an
    /// untrusted certificate fail here.
    pub async fn build(self) -> Result<VbrSession> {
        let allow_http = self.http.as_ref().is_ok_and(|h| h.allows_insecure_http());
        let base_url = origin::parse_base_url(PRODUCT, &self.base_url, None, allow_http)?;
        let grant = self
            .grant
            .ok_or(Error::Config(ConfigError::MissingCredentials))?;
        if crate::version::ApiVersion::parse(&self.api_version).is_none() {
            return Err(Error::Config(ConfigError::Invalid(
                "api version: expected major.minor-revN, e.g. 1.2-rev1",
            )));
        }
        let version = HeaderValue::from_str(self.api_version.trim())
            .map_err(|_| Error::Config(ConfigError::Invalid("api version")))?;
        let http = self
            .http?
            .default_header(HeaderName::from_static(API_VERSION_HEADER), version)
            .build_client(PRODUCT)?;
        let auth = VbrAuth::new(base_url, grant).with_short_term_refresh(self.short_term_refresh);
        let session = Session::with_options(auth, http, self.options);
        if !self.lazy {
            session.logon().await?;
        }
        Ok(VbrSession {
            session,
            api_version: self.api_version,
        })
    }
}
