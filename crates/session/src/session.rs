//! [`Session`]: the token cache, single-flight logon and refresh, one re-logon after a 401,
//! keep-alive and logout, for any product that implements [`Authenticator`].

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, RwLock};
use restpoint_clock::{SharedClock, SystemClock};
use tracing::Instrument as _;

use crate::error::{AuthError, Context, Error, Result};
use crate::lifetime;
use crate::relogon;
use crate::retry::{self, RetryPolicy};
use crate::token::Token;

/// What the session core needs from the protocol of a product: how to log on, refresh, keep
/// alive, log out, and put the token on a request.
///
/// Implementations talk to the server with the `reqwest::Client` of the [`AuthContext`]; they
/// never cache tokens themselves. Every method that the session calls is called by at most one
/// task at a time for a given session, except [`Authenticator::authorize`].
pub trait Authenticator: Send + Sync + 'static {
    /// The product's short name for errors and spans: `vbr`, `em`, `zvm`.
    fn product(&self) -> &'static str;

    /// Logs on with the credentials and returns the new token. Wrong credentials must be
    /// reported as [`AuthError::WrongCredentials`]; the session does not retry them.
    fn logon(&self, cx: &AuthContext<'_>) -> impl Future<Output = Result<Token>> + Send;

    /// Renews `token` without the password, if the protocol can. `Ok(None)` means the protocol
    /// has no refresh (the default) and the session logs on instead. A refused refresh should be
    /// an [`AuthError::RefreshRefused`]; the session then falls back to a full logon.
    fn refresh(
        &self,
        cx: &AuthContext<'_>,
        token: &Token,
    ) -> impl Future<Output = Result<Option<Token>>> + Send {
        let _ = (cx, token);
        async { Ok(None) }
    }

    /// Ends the session on the server so that `token` is refused afterwards.
    fn logout(
        &self,
        cx: &AuthContext<'_>,
        token: &Token,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Keeps an idle session alive with a cheap authenticated request. The default does
    /// nothing.
    fn keep_alive(
        &self,
        cx: &AuthContext<'_>,
        token: &Token,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (cx, token);
        async { Ok(()) }
    }

    /// How long the server keeps an idle session (EM: 15 min, ZVM: 30 min), if it has such a
    /// rule. The session treats a token idle for that long (minus the margin) as expired.
    fn idle_timeout(&self) -> Option<Duration> {
        None
    }

    /// Puts `token` on `request` (a bearer header, a session header), replacing any earlier
    /// value. Header values must be marked sensitive.
    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()>;

    /// Whether `response` says the token was refused (by default: status 401).
    fn is_token_refused(&self, response: &reqwest::Response) -> bool {
        response.status() == reqwest::StatusCode::UNAUTHORIZED
    }
}

/// What an [`Authenticator`] gets to talk to the server.
#[derive(Debug)]
pub struct AuthContext<'a> {
    http: &'a reqwest::Client,
    clock: &'a SharedClock,
    product: &'static str,
}

impl<'a> AuthContext<'a> {
    /// A context over `http` and `clock` for `product` (for authenticator tests).
    pub fn new(http: &'a reqwest::Client, clock: &'a SharedClock, product: &'static str) -> Self {
        Self {
            http,
            clock,
            product,
        }
    }

    /// The HTTP client of the session (TLS options, default headers, timeouts).
    pub fn http(&self) -> &'a reqwest::Client {
        self.http
    }

    /// The session's clock.
    pub fn clock(&self) -> &'a SharedClock {
        self.clock
    }

    /// An error context for `operation` of this product.
    pub fn context(&self, operation: impl Into<Cow<'static, str>>) -> Context {
        Context::new(self.product, operation)
    }

    /// Sends `request` and maps a transport failure to a typed error for `operation`.
    pub async fn execute(
        &self,
        operation: &'static str,
        request: reqwest::Request,
    ) -> Result<reqwest::Response> {
        self.http
            .execute(request)
            .await
            .map_err(|e| Error::from_reqwest(self.context(operation), e))
    }
}

/// Tuning of a [`Session`].
#[derive(Clone, Debug)]
pub struct SessionOptions {
    clock: SharedClock,
    expiry_margin: Duration,
    keep_alive: Option<Duration>,
    retry: RetryPolicy,
    refresh_ahead: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            clock: SystemClock::shared(),
            expiry_margin: Duration::from_secs(60),
            keep_alive: None,
            retry: RetryPolicy::default(),
            refresh_ahead: false,
        }
    }
}

impl SessionOptions {
    /// Defaults: real time, a 60 s expiry margin, no keep-alive, no refresh ahead.
    pub fn new() -> Self {
        Self::default()
    }

    /// The clock expiries and keep-alives run on (a `ManualClock` in tests).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// How long before a token's expiry (or idle timeout) it is renewed. Capped at half the
    /// token's lifetime.
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// Sends a keep-alive request after `interval` without traffic, so an idle-timeout session
    /// (EM, ZVM) stays open. EM tasks belong to their logon session (EM-12), so an EM client
    /// keeps its session alive rather than logging on again mid-task.
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }

    /// How transient failures of calls are retried (see [`crate::retry`]); on by default with
    /// 3 attempts. [`RetryPolicy::none`] sends every call once.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refreshes a token with a lifetime and a refresh token in the background, `expiry_margin`
    /// before it expires, even when no call needs it (by default the first call after that
    /// point refreshes it).
    pub fn refresh_ahead(mut self, on: bool) -> Self {
        self.refresh_ahead = on;
        self
    }
}

/// Counts of what the session sent to the server, for tests and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionStats {
    /// Logon requests sent (first logons, fall-backs after a refused refresh, and re-logons).
    pub n_logons: u64,
    /// Logon requests sent because a token was refused with a 401 (a subset of `n_logons`).
    pub n_relogons: u64,
    /// Refresh requests sent.
    pub n_refreshes: u64,
    /// Refresh requests the server refused (each followed by a logon).
    pub n_refresh_refused: u64,
    /// Keep-alive requests sent.
    pub n_keep_alives: u64,
    /// Logouts sent.
    pub n_logouts: u64,
    /// Calls retried once after a re-logon.
    pub n_retries: u64,
}

#[derive(Default)]
struct Counters {
    logons: AtomicU64,
    relogons: AtomicU64,
    refreshes: AtomicU64,
    refresh_refused: AtomicU64,
    keep_alives: AtomicU64,
    logouts: AtomicU64,
    retries: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct Inner<A: Authenticator> {
    auth: A,
    http: reqwest::Client,
    options: SessionOptions,
    current: RwLock<Option<Arc<Token>>>,
    /// Milliseconds since the Unix epoch, on the session clock, of the last authenticated call.
    last_used_ms: AtomicU64,
    /// Held by the one task that logs on, refreshes or logs out.
    flight: tokio::sync::Mutex<()>,
    /// Completed logon/refresh attempts; a waiter that sees it move knows the outcome is ready.
    attempts: AtomicU64,
    last_failure: Mutex<Option<Error>>,
    next_generation: AtomicU64,
    logged_out: AtomicBool,
    counters: Counters,
    maintenance_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// A logged-on (or lazily logging-on) session with one product. Cheap to clone: every clone
/// shares the token cache.
///
/// - [`Session::token`] returns a fresh token, logging on or refreshing first if needed; when
///   many tasks find the token missing or expired at once, exactly one logon or refresh goes to
///   the server and all wait for it.
/// - [`Session::send`] authorises a request, sends it, and after a 401 logs on once more and
///   retries once if the request can be cloned — never more.
/// - [`Session::logout`] ends the session on the server.
pub struct Session<A: Authenticator> {
    inner: Arc<Inner<A>>,
}

impl<A: Authenticator> Clone for Session<A> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<A: Authenticator> std::fmt::Debug for Session<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("product", &self.inner.auth.product())
            .field("logged_on", &self.inner.current.read().is_some())
            .field("logged_out", &self.inner.logged_out.load(Ordering::Relaxed))
            .finish()
    }
}

/// Whether an error from a refresh means "refused" (so a full logon may fix it) rather than a
/// failure to reach the server.
fn is_refusal(error: &Error) -> bool {
    !matches!(
        error,
        Error::Transport { .. } | Error::Tls { .. } | Error::Config(_)
    )
}

impl<A: Authenticator> Session<A> {
    /// A session over `http` with default options (real clock, 60 s margin, no keep-alive).
    /// Nothing is sent until the first call or [`Session::logon`].
    pub fn new(auth: A, http: reqwest::Client) -> Self {
        Self::with_options(auth, http, SessionOptions::default())
    }

    /// A session with the given options.
    pub fn with_options(auth: A, http: reqwest::Client, options: SessionOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                auth,
                http,
                options,
                current: RwLock::new(None),
                last_used_ms: AtomicU64::new(0),
                flight: tokio::sync::Mutex::new(()),
                attempts: AtomicU64::new(0),
                last_failure: Mutex::new(None),
                next_generation: AtomicU64::new(1),
                logged_out: AtomicBool::new(false),
                counters: Counters::default(),
                maintenance_task: Mutex::new(None),
            }),
        }
    }

    /// The product's authenticator.
    pub fn authenticator(&self) -> &A {
        &self.inner.auth
    }

    /// The HTTP client every request of this session goes through.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The session's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.options.clock
    }

    /// The product's short name.
    pub fn product(&self) -> &'static str {
        self.inner.auth.product()
    }

    /// What the session has sent so far.
    pub fn stats(&self) -> SessionStats {
        let c = &self.inner.counters;
        SessionStats {
            n_logons: c.logons.load(Ordering::Relaxed),
            n_relogons: c.relogons.load(Ordering::Relaxed),
            n_refreshes: c.refreshes.load(Ordering::Relaxed),
            n_refresh_refused: c.refresh_refused.load(Ordering::Relaxed),
            n_keep_alives: c.keep_alives.load(Ordering::Relaxed),
            n_logouts: c.logouts.load(Ordering::Relaxed),
            n_retries: c.retries.load(Ordering::Relaxed),
        }
    }

    /// Whether [`Session::logout`] has been called.
    pub fn is_logged_out(&self) -> bool {
        self.inner.logged_out.load(Ordering::Acquire)
    }

    fn context(&self, operation: impl Into<Cow<'static, str>>) -> Context {
        Context::new(self.product(), operation)
    }

    fn auth_context(&self) -> AuthContext<'_> {
        AuthContext::new(&self.inner.http, &self.inner.options.clock, self.product())
    }

    fn now(&self) -> SystemTime {
        self.inner.options.clock.now()
    }

    /// Records traffic sent at `sent_at` (restarts the idle clock). The time a request was
    /// sent, not answered, errs on the early side: the server's idle clock restarts between.
    fn touch_at(&self, sent_at: SystemTime) {
        self.inner
            .last_used_ms
            .fetch_max(lifetime::millis(sent_at), Ordering::Relaxed);
    }

    /// Whether `token` can still be used at `now` without renewal.
    fn is_fresh(&self, token: &Token, now: SystemTime) -> bool {
        let margin = self.inner.options.expiry_margin;
        if let Some(lifetime) = token.lifetime()
            && !lifetime::lives_at(token.issued_at(), lifetime, now, margin)
        {
            return false;
        }
        if let Some(idle) = self.inner.auth.idle_timeout() {
            let last = self.inner.last_used_ms.load(Ordering::Relaxed);
            if lifetime::idle_at(last, now, idle, margin) {
                return false;
            }
        }
        true
    }

    fn current_fresh(&self) -> Option<Arc<Token>> {
        let token = self.inner.current.read().clone()?;
        self.is_fresh(&token, self.now()).then_some(token)
    }

    /// Logs on now if there is no fresh token (useful to fail early on wrong credentials).
    pub async fn logon(&self) -> Result<()> {
        self.token().await.map(|_| ())
    }

    /// A fresh token: the cached one, or a new one from a refresh or a logon. Concurrent
    /// callers share one logon or refresh.
    pub async fn token(&self) -> Result<Arc<Token>> {
        if self.is_logged_out() {
            return Err(Error::LoggedOut {
                context: self.context("token"),
            });
        }
        if let Some(token) = self.current_fresh() {
            return Ok(token);
        }
        self.renew(None).await
    }

    /// Single-flight renewal. With `failed = Some(generation)`, the token of that generation
    /// was refused by the server: log on afresh unless another task already replaced it.
    async fn renew(&self, failed: Option<u64>) -> Result<Arc<Token>> {
        let inner = &self.inner;
        let seen_attempts = inner.attempts.load(Ordering::Acquire);
        let _flight = inner.flight.lock().await;
        if self.is_logged_out() {
            return Err(Error::LoggedOut {
                context: self.context("token"),
            });
        }
        let current = inner.current.read().clone();
        let now = self.now();
        if let Some(token) = &current {
            let replaced = failed.is_some_and(|g| g != token.generation());
            if (failed.is_none() || replaced) && self.is_fresh(token, now) {
                return Ok(token.clone());
            }
        }
        if inner.attempts.load(Ordering::Acquire) != seen_attempts {
            // Another task finished an attempt while this one waited: share its failure rather
            // than sending another logon (a wrong password is tried once, not once per caller).
            if let Some(error) = inner.last_failure.lock().clone() {
                return Err(error);
            }
        }

        let outcome = self.obtain(current.as_deref(), failed.is_some()).await;
        inner.attempts.fetch_add(1, Ordering::AcqRel);
        match outcome {
            Ok(mut token) => {
                token.generation = inner.next_generation.fetch_add(1, Ordering::Relaxed);
                let token = Arc::new(token);
                *inner.current.write() = Some(token.clone());
                *inner.last_failure.lock() = None;
                self.touch_at(token.issued_at());
                self.start_maintenance();
                Ok(token)
            }
            Err(error) => {
                *inner.current.write() = None;
                *inner.last_failure.lock() = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Sends the refresh or logon request(s). Called with the flight lock held.
    async fn obtain(&self, current: Option<&Token>, after_refusal: bool) -> Result<Token> {
        let inner = &self.inner;
        let cx = self.auth_context();
        let issued_at = self.now();
        if !after_refusal
            && let Some(token) = current
            && token.refresh_token().is_some()
            && !token.refresh_expired(issued_at)
        {
            bump(&inner.counters.refreshes);
            match inner
                .auth
                .refresh(&cx, token)
                .instrument(tracing::debug_span!(
                    "restpoint.refresh",
                    product = self.product()
                ))
                .await
            {
                Ok(Some(mut new)) => {
                    new.issued_at = issued_at;
                    tracing::debug!(product = self.product(), "token refreshed");
                    return Ok(new);
                }
                Ok(None) => {
                    // The protocol has no refresh after all; do not count it.
                    inner.counters.refreshes.fetch_sub(1, Ordering::Relaxed);
                }
                Err(error) if is_refusal(&error) => {
                    bump(&inner.counters.refresh_refused);
                    tracing::debug!(
                        product = self.product(),
                        error = %error,
                        "refresh refused; logging on again"
                    );
                }
                Err(error) => return Err(error),
            }
        }
        bump(&inner.counters.logons);
        if after_refusal {
            bump(&inner.counters.relogons);
        }
        let mut token = inner
            .auth
            .logon(&cx)
            .instrument(tracing::debug_span!(
                "restpoint.logon",
                product = self.product()
            ))
            .await?;
        token.issued_at = issued_at;
        tracing::debug!(
            product = self.product(),
            relogon = after_refusal,
            "logged on"
        );
        Ok(token)
    }

    fn start_maintenance(&self) {
        let options = &self.inner.options;
        if options.keep_alive.is_none() && !options.refresh_ahead {
            return;
        }
        let mut task = self.inner.maintenance_task.lock();
        if task.is_some() || self.is_logged_out() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        let clock = options.clock.clone();
        *task = Some(runtime.spawn(maintenance_loop(weak, clock)));
    }

    /// Puts a fresh token on `request` (logging on first if needed). For a progenitor
    /// `ClientHooks::pre`.
    pub async fn authorize(&self, request: &mut reqwest::Request) -> Result<()> {
        let token = self.token().await?;
        self.inner.auth.authorize(request, &token)
    }

    /// Authorises, sends, and after a 401 on a call that carried a token logs on once more
    /// (single-flight, only if that token is still the current one) and retries once when the
    /// request can be cloned. A 401 means the server did not act on the call, so any method may
    /// be retried. Other statuses are returned as they are, for the caller to decode.
    pub async fn send(&self, request: reqwest::Request) -> Result<reqwest::Response> {
        let operation = operation_of(&request);
        let span = call_span(self.product(), &operation);
        let context = || self.context(operation.clone());
        match self.call(request, &operation).instrument(span).await {
            Ok(Answer::Accepted(response)) => Ok(response),
            Ok(Answer::RefusedAgain(response)) => Err(Error::auth(
                context().with_status(response.status()),
                AuthError::TokenRefused,
            )),
            Ok(Answer::Refused { cause, .. }) => Err(cause),
            Err(Unsent::NoToken(error)) => Err(error),
            Err(Unsent::Transport(error)) => Err(Error::from_reqwest(context(), error)),
        }
    }

    /// The `exec` half of a progenitor `ClientHooks` integration: `request` was authorised by
    /// [`Session::authorize`] in `pre`. Re-authorises with the current token, sends, and after
    /// a 401 logs on once and retries once (when the request can be cloned).
    ///
    /// Returns reqwest's own result type as `exec` must. A call never goes out without a token:
    /// when no token can be had (the logon failed) or it cannot be put on the request (not a
    /// valid header value), nothing is sent and the result is an error. The session error
    /// itself (the real cause: wrong password, account locked, TLS failure, …) is handed to
    /// [`crate::progenitor::send`], which answers it instead of the generated client's error;
    /// the same happens when the call could not be sent again after a 401 (the re-logon failed,
    /// or the request could not be cloned): the 401 response is returned to the generated code,
    /// but `send` answers the cause.
    pub async fn execute_with_relogon(
        &self,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let span = call_span(self.product(), operation);
        match self.call(request, operation).instrument(span).await {
            Ok(Answer::Accepted(response) | Answer::RefusedAgain(response)) => Ok(response),
            Ok(Answer::Refused { response, cause }) => {
                relogon::report(cause);
                Ok(response)
            }
            Err(Unsent::NoToken(error)) => self.not_sent(error).await,
            Err(Unsent::Transport(error)) => Err(error),
        }
    }

    /// The one call path of [`Session::send`] and [`Session::execute_with_relogon`]: the current
    /// token on the request, the retry policy, and after a 401 one re-logon and one more send.
    /// Records the call's span fields.
    async fn call(
        &self,
        mut request: reqwest::Request,
        operation: &str,
    ) -> std::result::Result<Answer, Unsent> {
        let started = Instant::now();
        let token = self.token().await.map_err(Unsent::NoToken)?;
        let auth = &self.inner.auth;
        auth.authorize(&mut request, &token)
            .map_err(Unsent::NoToken)?;
        let retry = request.try_clone();
        let response = self.execute_retrying(request).await?;
        if !auth.is_token_refused(&response) {
            record(&response, started, false);
            return Ok(Answer::Accepted(response));
        }
        record(&response, started, false);
        tracing::debug!("token refused; logging on again once");
        let refused = |response: reqwest::Response, cause: Error| {
            tracing::debug!(error = %cause, "not sent again after the 401");
            Ok(Answer::Refused { response, cause })
        };
        let fresh = match self.renew(Some(token.generation())).await {
            Ok(fresh) => fresh,
            Err(cause) => return refused(response, cause),
        };
        let Some(mut retry) = retry else {
            let context = self.context(operation.to_owned());
            let cause = Error::auth(
                context.with_status(response.status()),
                AuthError::NotRetried,
            );
            return refused(response, cause);
        };
        if let Err(cause) = auth.authorize(&mut retry, &fresh) {
            return refused(response, cause);
        }
        drop(response);
        bump(&self.inner.counters.retries);
        let response = self.execute_retrying(retry).await?;
        record(&response, started, true);
        if auth.is_token_refused(&response) {
            return Ok(Answer::RefusedAgain(response));
        }
        Ok(Answer::Accepted(response))
    }

    /// Sends with the retry policy of the session (transient failures only, see
    /// [`crate::retry`]), sleeping on the session clock; a call that reached the server keeps
    /// the session's idle timer fresh.
    async fn execute_retrying(
        &self,
        request: reqwest::Request,
    ) -> std::result::Result<reqwest::Response, Unsent> {
        let options = &self.inner.options;
        let sent_at = self.now();
        let response = retry::execute(&self.inner.http, &options.clock, &options.retry, request)
            .await
            .map_err(Unsent::Transport)?;
        self.touch_at(sent_at);
        Ok(response)
    }

    /// Reports `error` to the enclosing [`crate::progenitor::send`] and answers reqwest's error
    /// for "not sent": a request to an empty URL, which reqwest refuses before any connection
    /// (it carries nothing of the call).
    async fn not_sent(&self, error: Error) -> reqwest::Result<reqwest::Response> {
        tracing::debug!(error = %error, "call not sent: no usable token");
        relogon::report(error);
        self.inner.http.get("").send().await
    }

    /// Ends the session on the server (the token is refused afterwards) and stops the
    /// keep-alive. Later calls fail with [`Error::LoggedOut`], even when the server refused the
    /// logout. Logging out a session that never logged on sends nothing; an expired token with a
    /// live refresh token is refreshed first, so that the logout revokes the refresh token too.
    pub async fn logout(&self) -> Result<()> {
        let inner = &self.inner;
        let _flight = inner.flight.lock().await;
        if inner.logged_out.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        if let Some(task) = inner.maintenance_task.lock().take() {
            task.abort();
        }
        let mut token = inner.current.write().take();
        // An expired access token cannot log out, but its refresh token may live for days
        // (VBR: 14): renew it first so that the logout revokes both.
        if let Some(stale) = token.as_deref()
            && !self.is_fresh(stale, self.now())
            && stale.refresh_token().is_some()
            && !stale.refresh_expired(self.now())
        {
            bump(&inner.counters.refreshes);
            let issued_at = self.now();
            if let Ok(Some(mut fresh)) = inner.auth.refresh(&self.auth_context(), stale).await {
                fresh.issued_at = issued_at;
                token = Some(Arc::new(fresh));
            }
        }
        if let Some(token) = token {
            bump(&inner.counters.logouts);
            inner
                .auth
                .logout(&self.auth_context(), &token)
                .instrument(tracing::debug_span!(
                    "restpoint.logout",
                    product = self.product()
                ))
                .await?;
            tracing::debug!(product = self.product(), "logged out");
        }
        Ok(())
    }

    /// Forgets the cached token without telling the server (the next call logs on again).
    pub fn invalidate(&self) {
        *self.inner.current.write() = None;
    }
}

/// `GET /api/jobs/{id}`: the method and path, every GUID-shaped segment replaced by `{id}`, so
/// that a span never records an id that may be a secret (an EM `SessionId` is, on some
/// releases, the token: EM-14) and labels stay few.
fn operation_of(request: &reqwest::Request) -> String {
    let path: Vec<&str> = request
        .url()
        .path()
        .split('/')
        .map(|segment| {
            let guid = segment.len() == 36
                && segment.bytes().enumerate().all(|(i, b)| match i {
                    8 | 13 | 18 | 23 => b == b'-',
                    _ => b.is_ascii_hexdigit(),
                });
            if guid { "{id}" } else { segment }
        })
        .collect();
    format!("{} {}", request.method(), path.join("/"))
}

fn call_span(product: &'static str, operation: &str) -> tracing::Span {
    tracing::debug_span!(
        "restpoint.call",
        product,
        operation,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        retried = tracing::field::Empty,
    )
}

/// What a call through [`Session::call`] came to.
enum Answer {
    /// The server's answer, not a refusal of the token (the first one, or the one after a
    /// re-logon).
    Accepted(reqwest::Response),
    /// The token was refused, a re-logon succeeded, and its token was refused too.
    RefusedAgain(reqwest::Response),
    /// The token was refused and the call could not be sent again; `cause` says why (the
    /// re-logon failed, the request could not be cloned, the new token fits no header).
    Refused {
        response: reqwest::Response,
        cause: Error,
    },
}

/// Why a call through [`Session::call`] has no answer.
enum Unsent {
    /// No token could be had or put on the request: nothing was sent.
    NoToken(Error),
    /// The transport failed (after the retry policy).
    Transport(reqwest::Error),
}

fn record(response: &reqwest::Response, started: Instant, retried: bool) {
    let span = tracing::Span::current();
    span.record("status", response.status().as_u16());
    span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
    span.record("retried", retried);
}

/// How long the maintenance task waits when nothing is due (on the session clock).
const RECHECK: Duration = Duration::from_secs(60);

/// What the maintenance task does next.
enum Chore {
    Sleep(Duration),
    KeepAlive,
    Refresh,
}

/// The next chore of the maintenance task: the earliest of the keep-alive (after `keep_alive`
/// without traffic) and the refresh ahead of expiry (at the lifetime minus the margin).
fn next_chore<A: Authenticator>(inner: &Inner<A>, now: SystemTime) -> Chore {
    let mut due: Option<(SystemTime, Chore)> = None;
    if let Some(interval) = inner.options.keep_alive {
        let last = inner.last_used_ms.load(Ordering::Relaxed);
        if let Some(at) = UNIX_EPOCH
            .checked_add(Duration::from_millis(last))
            .and_then(|t| lifetime::add(t, interval))
        {
            due = Some((at, Chore::KeepAlive));
        }
    }
    if inner.options.refresh_ahead
        && let Some(token) = inner.current.read().clone()
        && let Some(lifetime) = token.lifetime()
        && token.refresh_token().is_some()
        && !token.refresh_expired(now)
    {
        // The same arithmetic as `is_fresh`: once due, the token is no longer fresh.
        let at = lifetime::renew_at(token.issued_at(), lifetime, inner.options.expiry_margin);
        if let Some(at) = at
            && due.as_ref().is_none_or(|(other, _)| at < *other)
        {
            due = Some((at, Chore::Refresh));
        }
    }
    match due {
        Some((at, chore)) if at <= now => chore,
        Some((at, _)) => Chore::Sleep(at.duration_since(now).unwrap_or_default()),
        None => Chore::Sleep(RECHECK),
    }
}

/// The background task of a session with keep-alive or refresh-ahead: sleeps on the session
/// clock until the next chore is due. Holds no strong handle while sleeping, so dropping the
/// last session ends it.
async fn maintenance_loop<A: Authenticator>(weak: Weak<Inner<A>>, clock: SharedClock) {
    loop {
        let chore = {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            if inner.logged_out.load(Ordering::Acquire) {
                return;
            }
            next_chore(&inner, clock.now())
        };
        let session = match chore {
            Chore::Sleep(wait) => {
                clock.sleep(wait).await;
                continue;
            }
            _ => match weak.upgrade() {
                Some(inner) => Session { inner },
                None => return,
            },
        };
        let ok = match chore {
            Chore::Refresh => {
                let before = session
                    .inner
                    .current
                    .read()
                    .as_ref()
                    .map(|t| t.generation());
                match session.renew(None).await {
                    // Nothing renewed (cannot happen with a due chore, but never spin on it).
                    Ok(token) => before != Some(token.generation()),
                    Err(error) => {
                        tracing::debug!(product = session.product(), error = %error, "refresh ahead of expiry failed");
                        false
                    }
                }
            }
            _ => keep_alive_once(&session).await,
        };
        if !ok {
            // Not retried at once: the next call finds out (and logs on again if refused).
            let wait = session.inner.options.keep_alive.unwrap_or(RECHECK);
            drop(session);
            clock.sleep(wait).await;
        }
    }
}

/// Sends one keep-alive; false if there was nothing to keep alive or it failed.
async fn keep_alive_once<A: Authenticator>(session: &Session<A>) -> bool {
    // Hold the flight lock so a keep-alive never races a logon or logout.
    let flight = session.inner.flight.lock().await;
    let token = session.inner.current.read().clone();
    let Some(token) = token.filter(|t| session.is_fresh(t, session.now())) else {
        // Nothing to keep alive: the next call logs on.
        return false;
    };
    bump(&session.inner.counters.keep_alives);
    let sent_at = session.now();
    let result = session
        .inner
        .auth
        .keep_alive(&session.auth_context(), &token)
        .await;
    drop(flight);
    match result {
        Ok(()) => {
            session.touch_at(sent_at);
            tracing::trace!(product = session.product(), "keep-alive sent");
            true
        }
        Err(error) => {
            tracing::debug!(product = session.product(), error = %error, "keep-alive failed");
            false
        }
    }
}

impl<A: Authenticator> Drop for Inner<A> {
    fn drop(&mut self) {
        if let Some(task) = self.maintenance_task.get_mut().take() {
            task.abort();
        }
        if !*self.logged_out.get_mut() && self.current.get_mut().is_some() {
            tracing::debug!(
                product = self.auth.product(),
                "session dropped without logout; the server keeps it until it times out"
            );
        }
    }
}
