//! Where ZVM logs on: the Windows ZVM's `x-zerto-session` logon and the ZVM Appliance's OpenID
//! Connect logon, written against raw reqwest so the protocol is readable in one place.
//!
//! Windows ZVM:
//! - Logon (ZVM-01, ZVM-02): `POST /v1/session/add` with `Authorization: Basic ..` and an empty
//!   body or `{"AuthenticationMethod": 0|1}`; the session id comes back in the `x-zerto-session`
//!   response header.
//! - Every later request carries `x-zerto-session: <id>` (ZVM-03).
//! - Logout (ZVM-04): `DELETE /v1/session` with the header.
//! - A session idle for 30 minutes ends (ZVM-05): the session core treats a token idle that long
//!   as expired and logs on again; with [`ZvmSessionBuilder::keep_alive`] it sends a cheap
//!   `GET /v1/localsite` instead.
//!
//! ZVM Appliance (ZVM-09):
//! - Logon: `POST /auth/realms/zerto/protocol/openid-connect/token`, form-urlencoded,
//!   `grant_type=password` with `client_id=zerto-client`, `username`, `password`; or
//!   `grant_type=client_credentials` with a client id and secret. Both send `scope=openid`
//!   (ZVM-11: a realm may refuse tokens issued without it).
//! - Requests carry `Authorization: Bearer <access_token>`. The lifetimes are the realm's and
//!   short (ZVM-12: `expires_in` 300 s by default, 60 s on some realms; `refresh_expires_in`
//!   1,800 s): the session core renews the token with a `refresh_token` grant `expiry_margin`
//!   (at most half the lifetime) before `expires_in` runs out, and logs on again once the
//!   refresh token has lapsed.
//! - Logout (ZVM-13): `POST /auth/realms/zerto/protocol/openid-connect/logout` with `client_id`
//!   and the `refresh_token` (form): `204`, after which both tokens are refused.
//!
//! [`ZvmFlavor::Detect`] (the default) tells the two apart before any credential is sent: it
//! posts an empty `POST /v1/session/add` **without** an `Authorization` header. An Appliance
//! answers `404` (ZVM-10), a Windows ZVM `401` (ZVM-07); any other answer is a protocol error.
//! Only then do the credentials go to the one endpoint of that kind, so Basic credentials never
//! reach an Appliance and a password never reaches an endpoint of the other kind. The answer is
//! remembered; naming the flavor skips the probe.

use std::time::Duration;

use parking_lot::Mutex;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderName};
use restpoint_session::{
    AuthContext, AuthError, Authenticator, ConfigError, Context, Credentials, Error, ExposeSecret,
    HttpOptions, ProtocolViolation, Result, SecretString, Session, SessionOptions, Token,
    decode_json,
};
use restpoint_session::{body, lifetime, origin};
use serde::Deserialize;

/// The product name in errors and spans.
pub const PRODUCT: &str = "zvm";
/// The session header of the Windows ZVM (ZVM-02, ZVM-03).
pub const SESSION_HEADER: &str = "x-zerto-session";
/// The OpenID Connect token endpoint of the ZVM Appliance (ZVM-09).
pub const OIDC_TOKEN_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/token";
/// The OpenID Connect logout endpoint of the ZVM Appliance's realm.
pub const OIDC_LOGOUT_PATH: &str = "/auth/realms/zerto/protocol/openid-connect/logout";
/// The public client of the Appliance's password grant.
pub const OIDC_PASSWORD_CLIENT: &str = "zerto-client";
/// The scope every Appliance grant asks for (ZVM-11).
pub const OIDC_SCOPE: &str = "openid";
/// How long a Windows ZVM keeps an idle session (ZVM-05).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// `AuthenticationMethod` of `POST /v1/session/add` (ZVM-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticationMethod {
    /// 0: a Windows account.
    Windows,
    /// 1: a vCenter or SCVMM account.
    HypervisorManager,
}

impl AuthenticationMethod {
    fn code(self) -> u8 {
        match self {
            AuthenticationMethod::Windows => 0,
            AuthenticationMethod::HypervisorManager => 1,
        }
    }
}

/// Which logon protocol the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ZvmFlavor {
    /// Probe `POST /v1/session/add` without credentials first: `404` → Appliance (ZVM-10),
    /// `401` → Windows.
    #[default]
    Detect,
    /// The Windows ZVM: `/v1/session/add` and `x-zerto-session`. `None` sends an empty body.
    Windows(Option<AuthenticationMethod>),
    /// The ZVM Appliance: OpenID Connect and bearer tokens.
    Appliance,
}

/// What the Appliance's password or client-credentials grant uses.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ZvmCredentials {
    /// A user (Windows: Basic; Appliance: `grant_type=password`, `client_id=zerto-client`).
    User(Credentials),
    /// An Appliance client: `grant_type=client_credentials`, username = client id, password =
    /// client secret. Not usable with the Windows ZVM.
    Client(Credentials),
}

/// The protocol the authenticator settled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    Windows(Option<AuthenticationMethod>),
    Appliance,
}

/// The ZVM logon protocols, for the session core.
pub struct ZvmAuth {
    base_url: url::Url,
    credentials: ZvmCredentials,
    flavor: ZvmFlavor,
    resolved: Mutex<Option<Resolved>>,
}

impl std::fmt::Debug for ZvmAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZvmAuth")
            .field("base_url", &self.base_url.as_str())
            .field("credentials", &self.credentials)
            .field("flavor", &self.flavor)
            .field("resolved", &*self.resolved.lock())
            .finish()
    }
}

/// The Appliance's token set (ZVM-09).
#[derive(Deserialize)]
struct OidcTokens {
    access_token: SecretString,
    expires_in: Option<u64>,
    refresh_token: Option<SecretString>,
    refresh_expires_in: Option<u64>,
}

impl ZvmAuth {
    /// A ZVM authenticator for the server at `base_url` (e.g. `https://zvm:9669`).
    pub fn new(base_url: url::Url, credentials: ZvmCredentials, flavor: ZvmFlavor) -> Self {
        let resolved = match flavor {
            ZvmFlavor::Detect => None,
            ZvmFlavor::Windows(method) => Some(Resolved::Windows(method)),
            ZvmFlavor::Appliance => Some(Resolved::Appliance),
        };
        Self {
            base_url,
            credentials,
            flavor,
            resolved: Mutex::new(resolved),
        }
    }

    /// The server's base URL (without `/v1`).
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// The flavor in use: the configured one, or the detected one once the first logon is done.
    pub fn flavor(&self) -> ZvmFlavor {
        match *self.resolved.lock() {
            Some(Resolved::Windows(method)) => ZvmFlavor::Windows(method),
            Some(Resolved::Appliance) => ZvmFlavor::Appliance,
            None => self.flavor,
        }
    }

    fn url(&self, path: &str) -> Result<url::Url> {
        self.base_url
            .join(path.trim_start_matches('/'))
            .map_err(|_| Error::Config(ConfigError::InvalidUrl))
    }

    /// The Windows logon: `POST /v1/session/add` (ZVM-01, ZVM-02).
    async fn logon_windows(
        &self,
        cx: &AuthContext<'_>,
        method: Option<AuthenticationMethod>,
    ) -> Result<Token> {
        let ZvmCredentials::User(credentials) = &self.credentials else {
            return Err(Error::Config(ConfigError::Invalid(
                "client credentials need the zvm appliance",
            )));
        };
        let mut builder = cx
            .http()
            .post(self.url("/v1/session/add")?)
            .header(AUTHORIZATION, credentials.basic_auth_header());
        if let Some(method) = method {
            builder = builder.json(&serde_json::json!({"AuthenticationMethod": method.code()}));
        }
        let request = builder
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
            s if !s.is_success() => {
                return Err(Error::protocol(
                    context,
                    ProtocolViolation::UnexpectedStatus,
                ));
            }
            _ => {}
        }
        session_token_from_headers(context, response.headers())
    }

    /// Posts a grant to the Appliance's token endpoint. `Ok(None)`: the server has no such
    /// endpoint (404/405), so it is not an Appliance.
    async fn oidc_grant(
        &self,
        cx: &AuthContext<'_>,
        operation: &'static str,
        form: &[(&str, &str)],
    ) -> Result<Option<Token>> {
        let request = cx
            .http()
            .post(self.url(OIDC_TOKEN_PATH)?)
            .form(form)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context(operation), e))?;
        let response = cx.execute(operation, request).await?;
        let status = response.status();
        let context = cx.context(operation).with_status(status);
        if matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ) {
            return Ok(None);
        }
        let body = body::read_limited(&context, response, body::MAX_TOKEN_ANSWER_BYTES).await?;
        oidc_answer(context, operation, status, &body).map(Some)
    }

    /// ZVM-10: `POST /v1/session/add` with an empty body and no `Authorization` header. `404`
    /// → an Appliance, `401` → a Windows ZVM; anything else is a protocol error (no credential
    /// has been sent, whatever the answer).
    async fn probe(&self, cx: &AuthContext<'_>) -> Result<Resolved> {
        let request = cx
            .http()
            .post(self.url("/v1/session/add")?)
            .build()
            .map_err(|e| Error::from_reqwest(cx.context("detect"), e))?;
        debug_assert!(request.headers().get(AUTHORIZATION).is_none());
        let response = cx.execute("detect", request).await?;
        let status = response.status();
        match status {
            StatusCode::NOT_FOUND => {
                tracing::debug!(
                    product = PRODUCT,
                    "zvm appliance detected (404 on session/add)"
                );
                Ok(Resolved::Appliance)
            }
            StatusCode::UNAUTHORIZED => {
                tracing::debug!(
                    product = PRODUCT,
                    "windows zvm detected (401 on session/add)"
                );
                Ok(Resolved::Windows(None))
            }
            _ => Err(Error::protocol(
                cx.context("detect").with_status(status),
                ProtocolViolation::UnexpectedStatus,
            )),
        }
    }

    fn client_id(&self) -> &str {
        match &self.credentials {
            ZvmCredentials::User(_) => OIDC_PASSWORD_CLIENT,
            ZvmCredentials::Client(client) => client.username(),
        }
    }

    async fn logon_appliance(&self, cx: &AuthContext<'_>) -> Result<Option<Token>> {
        match &self.credentials {
            ZvmCredentials::User(credentials) => {
                self.oidc_grant(
                    cx,
                    "logon",
                    &[
                        ("grant_type", "password"),
                        ("client_id", OIDC_PASSWORD_CLIENT),
                        ("username", credentials.username()),
                        ("password", credentials.password().expose_secret()),
                        ("scope", OIDC_SCOPE),
                    ],
                )
                .await
            }
            ZvmCredentials::Client(client) => {
                self.oidc_grant(
                    cx,
                    "logon",
                    &[
                        ("grant_type", "client_credentials"),
                        ("client_id", client.username()),
                        ("client_secret", client.password().expose_secret()),
                        ("scope", OIDC_SCOPE),
                    ],
                )
                .await
            }
        }
    }

    fn resolved(&self) -> Option<Resolved> {
        *self.resolved.lock()
    }
}

impl Authenticator for ZvmAuth {
    fn product(&self) -> &'static str {
        PRODUCT
    }

    async fn logon(&self, cx: &AuthContext<'_>) -> Result<Token> {
        let resolved = match self.resolved() {
            Some(resolved) => resolved,
            None => {
                let found = self.probe(cx).await?;
                *self.resolved.lock() = Some(found);
                found
            }
        };
        match resolved {
            Resolved::Windows(method) => self.logon_windows(cx, method).await,
            Resolved::Appliance => self.logon_appliance(cx).await?.ok_or_else(|| {
                Error::protocol(
                    cx.context("logon").with_status(StatusCode::NOT_FOUND),
                    ProtocolViolation::Missing {
                        what: "openid connect token endpoint",
                    },
                )
            }),
        }
    }

    async fn refresh(&self, cx: &AuthContext<'_>, token: &Token) -> Result<Option<Token>> {
        if self.resolved() != Some(Resolved::Appliance) {
            return Ok(None);
        }
        let Some(refresh) = token.refresh_token() else {
            return Ok(None);
        };
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id()),
            ("refresh_token", refresh.expose_secret()),
        ];
        if let ZvmCredentials::Client(client) = &self.credentials {
            form.push(("client_secret", client.password().expose_secret()));
        }
        match self.oidc_grant(cx, "refresh", &form).await? {
            Some(token) => Ok(Some(token)),
            None => Err(Error::auth(
                cx.context("refresh").with_status(StatusCode::NOT_FOUND),
                AuthError::RefreshRefused,
            )),
        }
    }

    async fn logout(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let request = match self.resolved() {
            Some(Resolved::Appliance) => {
                let Some(refresh) = token.refresh_token() else {
                    // A client-credentials token has no refresh token and no session to end;
                    // it lapses at its expiry.
                    return Ok(());
                };
                let mut form = vec![
                    ("client_id", self.client_id()),
                    ("refresh_token", refresh.expose_secret()),
                ];
                if let ZvmCredentials::Client(client) = &self.credentials {
                    form.push(("client_secret", client.password().expose_secret()));
                }
                // ZVM-13: the refresh token names the realm session; no bearer header needed.
                cx.http()
                    .post(self.url(OIDC_LOGOUT_PATH)?)
                    .form(&form)
                    .build()
                    .map_err(|e| Error::from_reqwest(cx.context("logout"), e))?
            }
            _ => {
                let mut request = cx
                    .http()
                    .delete(self.url("/v1/session")?)
                    .build()
                    .map_err(|e| Error::from_reqwest(cx.context("logout"), e))?;
                self.authorize(&mut request, token)?;
                request
            }
        };
        let appliance = self.resolved() == Some(Resolved::Appliance);
        let response = cx.execute("logout", request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if appliance && status == StatusCode::NOT_FOUND {
            // A realm without the logout endpoint (older Keycloak layouts) cannot revoke; the
            // token lapses at its expiry.
            tracing::debug!(
                product = PRODUCT,
                "appliance has no openid connect logout endpoint; the token lapses at its expiry"
            );
            return Ok(());
        }
        let context = cx.context("logout").with_status(status);
        Err(match status {
            StatusCode::UNAUTHORIZED => Error::auth(context, AuthError::TokenRefused),
            _ => Error::protocol(context, ProtocolViolation::UnexpectedStatus),
        })
    }

    async fn keep_alive(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let mut request = cx
            .http()
            .get(self.url("/v1/localsite")?)
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
        match self.resolved() {
            Some(Resolved::Windows(_)) => Some(IDLE_TIMEOUT),
            _ => None,
        }
    }

    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()> {
        let invalid = |name| {
            Error::protocol(
                Context::new(PRODUCT, "authorize"),
                ProtocolViolation::InvalidHeader { name },
            )
        };
        match self.resolved() {
            Some(Resolved::Appliance) => {
                let value = token
                    .bearer_header_value()
                    .ok_or_else(|| invalid("access_token"))?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            _ => {
                let value = token
                    .header_value()
                    .ok_or_else(|| invalid(SESSION_HEADER))?;
                request
                    .headers_mut()
                    .insert(HeaderName::from_static(SESSION_HEADER), value);
            }
        }
        Ok(())
    }
}

/// Reads one answer of the Appliance's token endpoint to `operation` (`logon` or `refresh`):
/// the token with its lifetimes checked (ZVM-09, ZVM-12), or the typed refusal.
fn oidc_answer(
    context: Context,
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
) -> Result<Token> {
    if !status.is_success() {
        // Keycloak answers a bad password or a used refresh token with 400/401
        // `invalid_grant`, a bad client with 401 `invalid_client`.
        let kind = match (operation, status) {
            ("refresh", _) => AuthError::RefreshRefused,
            (_, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED) => AuthError::WrongCredentials,
            (_, StatusCode::FORBIDDEN) => AuthError::Forbidden,
            _ => {
                return Err(Error::protocol(
                    context,
                    ProtocolViolation::UnexpectedStatus,
                ));
            }
        };
        return Err(Error::auth(context, kind));
    }
    let tokens: OidcTokens = decode_json(&context, body)?;
    let mut token = Token::new(tokens.access_token);
    if let Some(seconds) = tokens.expires_in {
        token = token.with_lifetime(lifetime::checked_seconds(&context, "expires_in", seconds)?);
    }
    if let Some(refresh) = tokens.refresh_token {
        token = token.with_refresh_token(refresh);
    }
    // Keycloak's `refresh_expires_in: 0` means "no expiry of its own" (offline tokens).
    if let Some(seconds) = tokens.refresh_expires_in.filter(|s| *s > 0) {
        token = token.with_refresh_lifetime(lifetime::checked_seconds(
            &context,
            "refresh_expires_in",
            seconds,
        )?);
    }
    Ok(token)
}

/// Reads one answer of the Appliance's token endpoint as a password logon does: the token with
/// its lifetimes checked, or the typed error. For the fuzz targets and the hardening tests; not
/// part of the stable API.
#[doc(hidden)]
pub fn read_oidc_token_answer(status: u16, body: &[u8]) -> Result<Token> {
    let context = Context::new(PRODUCT, "logon");
    let Ok(status) = StatusCode::from_u16(status) else {
        return Err(Error::protocol(
            context,
            ProtocolViolation::UnexpectedStatus,
        ));
    };
    oidc_answer(context.with_status(status), "logon", status, body)
}

/// Reads the session id of a Windows logon answer from its `x-zerto-session` header (ZVM-02):
/// missing, repeated, empty or non-visible-ASCII values are typed errors. Public for the fuzz
/// targets and the hardening tests; not part of the stable API.
#[doc(hidden)]
pub fn session_token_from_headers(
    context: Context,
    headers: &reqwest::header::HeaderMap,
) -> Result<Token> {
    if headers.get_all(SESSION_HEADER).iter().count() > 1 {
        return Err(Error::protocol(
            context,
            ProtocolViolation::InvalidHeader {
                name: SESSION_HEADER,
            },
        ));
    }
    let id = headers.get(SESSION_HEADER).ok_or_else(|| {
        Error::protocol(
            context.clone(),
            ProtocolViolation::MissingHeader {
                name: SESSION_HEADER,
            },
        )
    })?;
    let id = id.to_str().map_err(|_| {
        Error::protocol(
            context.clone(),
            ProtocolViolation::InvalidHeader {
                name: SESSION_HEADER,
            },
        )
    })?;
    if id.is_empty() {
        return Err(Error::protocol(
            context,
            ProtocolViolation::InvalidHeader {
                name: SESSION_HEADER,
            },
        ));
    }
    Ok(Token::new(id.to_owned()))
}

/// A ZVM session: the session core over [`ZvmAuth`]. Derefs to [`Session`] for `send`,
/// `authorize`, `execute_with_relogon`, `logout`, `stats`.
#[derive(Clone, Debug)]
pub struct ZvmSession {
    session: Session<ZvmAuth>,
}

impl std::ops::Deref for ZvmSession {
    type Target = Session<ZvmAuth>;

    fn deref(&self) -> &Session<ZvmAuth> {
        &self.session
    }
}

impl ZvmSession {
    /// Starts building a session with the server at `base_url` (e.g. `https://zvm:9669`; a
    /// trailing `/v1` is accepted and removed).
    pub fn builder(base_url: impl AsRef<str>) -> ZvmSessionBuilder {
        ZvmSessionBuilder {
            base_url: base_url.as_ref().to_owned(),
            credentials: None,
            flavor: ZvmFlavor::Detect,
            http: Ok(HttpOptions::new()),
            options: SessionOptions::new(),
            keep_alive: None,
            lazy: false,
        }
    }

    /// The session core underneath.
    pub fn session(&self) -> &Session<ZvmAuth> {
        &self.session
    }

    /// The server's base URL (without `/v1`).
    pub fn base_url(&self) -> &url::Url {
        self.session.authenticator().base_url()
    }

    /// The protocol in use (after detection, the detected one).
    pub fn flavor(&self) -> ZvmFlavor {
        self.session.authenticator().flavor()
    }
}

/// Builds a [`ZvmSession`].
pub struct ZvmSessionBuilder {
    base_url: String,
    credentials: Option<ZvmCredentials>,
    flavor: ZvmFlavor,
    http: Result<HttpOptions>,
    options: SessionOptions,
    keep_alive: Option<Duration>,
    lazy: bool,
}

impl ZvmSessionBuilder {
    /// Logs on as a user.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(ZvmCredentials::User(credentials));
        self
    }

    /// Logs on as an Appliance client (`grant_type=client_credentials`): client id and secret.
    pub fn client_credentials(mut self, client: Credentials) -> Self {
        self.credentials = Some(ZvmCredentials::Client(client));
        self
    }

    /// Names the protocol instead of detecting it.
    pub fn flavor(mut self, flavor: ZvmFlavor) -> Self {
        self.flavor = flavor;
        self
    }

    restpoint_session::connection_setters!();

    /// Sends `GET /v1/localsite` after `interval` without traffic, so a Windows ZVM session
    /// never reaches its 30-minute idle timeout (ZVM-05).
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = Some(interval);
        self
    }

    /// Does not log on in `build`; the first call does.
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }

    /// Builds the HTTP client and logs on (unless `lazy`), detecting the protocol if asked.
    pub async fn build(self) -> Result<ZvmSession> {
        let allow_http = self.http.as_ref().is_ok_and(|h| h.allows_insecure_http());
        let base_url = origin::parse_base_url(PRODUCT, &self.base_url, Some("/v1"), allow_http)?;
        let credentials = self
            .credentials
            .ok_or(Error::Config(ConfigError::MissingCredentials))?;
        let http = self.http?.build_client(PRODUCT)?;
        let mut options = self.options;
        if self.keep_alive.is_some() {
            options = options.keep_alive(self.keep_alive);
        }
        let auth = ZvmAuth::new(base_url, credentials, self.flavor);
        let session = Session::with_options(auth, http, options);
        if !self.lazy {
            session.logon().await?;
        }
        Ok(ZvmSession { session })
    }
}
