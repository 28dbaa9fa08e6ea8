//! Retries of transient failures: exponential backoff with jitter, on the session's clock.
//!
//! What is retried, by [`RetryPolicy`] (on by default: 3 attempts, 500 ms doubling up to 10 s):
//! - Idempotent methods (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`): a connection
//!   error, a timeout or a dropped answer, and the statuses `429`, `502`, `503` and `504`.
//! - Other methods (`POST`, `PATCH`: a job start): only a failure to *connect*, which proves the
//!   server never saw the request. A timeout, a dropped answer or an error status is returned at
//!   once: the server may have acted on it, and a job must not be started twice.
//! - A `Retry-After` header (seconds or an HTTP date) on a retryable answer (a `429` most of
//!   all) sets the wait instead of the backoff; the wait counts as one attempt of the budget.
//!   A wait longer than [`RetryPolicy::max_retry_after`] (60 s by default) is not made, and the
//!   answer is returned to the caller at once. A non-idempotent call is never repeated after a
//!   `429`, whatever the header says.
//! - A TLS failure (an untrusted certificate) is never retried, nor is a request whose body
//!   cannot be replayed (a stream).
//!
//! - The backoff sleeps on the session clock (so a virtual clock with auto-advance retries at
//!   once), bounded by the same delay of real time (so a virtual clock nobody advances cannot
//!   stall a retry).
//!
//! When the budget is spent, the last answer (a `503`, say) or the last transport error is what
//! the caller gets; [`is_transient`] tells such an error apart. A `429` given up on becomes
//! [`Error::Throttled`](crate::Error::Throttled), which names the server's [`RetryAfter`].

use std::time::{Duration, SystemTime};

use rand::Rng as _;
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use restpoint_clock::SharedClock;

use crate::error::Error;

/// How transient failures are retried. The default makes at most 3 attempts, waiting about
/// 500 ms and then 1 s (each with jitter), and never more than 10 s of backoff; a server's
/// `Retry-After` is honoured up to 60 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts, 500 ms base delay, 10 s maximum delay, jitter on.
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries: every request is sent once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// How many times a request may be sent in all (1 = no retries; 0 is taken as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; it doubles before each further one.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest backoff between two attempts (when the server sent no `Retry-After`).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest wait a server's `Retry-After` is honoured for (60 s by default). A
    /// `Retry-After` asking for more is not honoured by waiting: the answer goes back to the
    /// caller at once (as [`Error::Throttled`](crate::Error::Throttled) for a `429`).
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Whether backoff delays are randomised (between half and all of the delay); on by
    /// default so that many clients do not retry in step.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before retry number `retry` (1 for the first retry), capped and jittered.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let delay = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if !self.jitter || delay.is_zero() {
            return delay;
        }
        let millis = delay.as_millis().min(u128::from(u64::MAX)) as u64;
        let jittered = rand::rng().random_range(millis / 2..=millis);
        Duration::from_millis(jittered)
    }
}

/// Whether `method` may be sent twice without changing the outcome (RFC 9110 §9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether an answer with `status` is worth retrying (for an idempotent request).
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Whether a session error is a transient failure: a transport error other than TLS, or a
/// `429`/`502`/`503`/`504` answer. Such errors are what remains after the retry budget is spent.
pub fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport { .. } => true,
        Error::Tls { .. } => false,
        other => other.status().is_some_and(is_retryable_status),
    }
}

/// What a server's `Retry-After` header asked for (RFC 9110 §10.2.3), in either of its forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Delta-seconds: wait this many seconds.
    Seconds(u64),
    /// An HTTP date: wait until then.
    At(SystemTime),
}

impl RetryAfter {
    /// Reads the `Retry-After` header of an answer; `None` when absent or unreadable (neither
    /// a number of seconds nor an HTTP date).
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Option<Self> {
        let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(RetryAfter::Seconds(seconds));
        }
        let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        Some(RetryAfter::At(SystemTime::from(date)))
    }

    /// The wait it asks for, measured from `now` (zero for a date already past).
    pub fn wait(&self, now: SystemTime) -> Duration {
        match *self {
            RetryAfter::Seconds(seconds) => Duration::from_secs(seconds),
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

impl std::fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            RetryAfter::Seconds(seconds) => write!(f, "retry after {seconds} s"),
            RetryAfter::At(at) => {
                let at = chrono::DateTime::<chrono::Utc>::from(at);
                write!(f, "retry after {}", at.format("%a, %d %b %Y %H:%M:%S GMT"))
            }
        }
    }
}

/// The wait a `Retry-After` value asks for: delta-seconds or an HTTP date (measured from `now`,
/// zero if already past). `None` when absent or unreadable.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    RetryAfter::from_headers(headers).map(|r| r.wait(now))
}

fn is_tls(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<rustls::Error>() {
            return true;
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// Whether a transport failure of a request with `method` may be retried.
fn may_retry_error(error: &reqwest::Error, idempotent: bool) -> bool {
    if is_tls(error) {
        return false;
    }
    if error.is_connect() {
        // The connection was never made: the server has not seen the request.
        return true;
    }
    idempotent && (error.is_timeout() || error.is_request() || error.is_body())
}

/// Waits `delay` on the session clock, but never longer than `delay` of real time: on a virtual
/// clock that nobody advances (a test that does not expect a retry) the backoff ends after the
/// real delay instead of hanging; on an auto-advancing clock it ends at once.
async fn backoff_sleep(clock: &SharedClock, delay: Duration) {
    let on_clock = clock.sleep(delay);
    let real = Box::pin(tokio::time::sleep(delay));
    futures::future::select(on_clock, real).await;
}

/// Sends `request` with `http`, retrying transient failures by `policy` and sleeping on `clock`.
/// Returns the last answer or error, as `reqwest::Client::execute` does.
pub async fn execute(
    http: &reqwest::Client,
    clock: &SharedClock,
    policy: &RetryPolicy,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let idempotent = is_idempotent(request.method());
    let mut request = request;
    let mut attempt = 1u32;
    loop {
        let last = attempt >= policy.max_attempts;
        let spare = if last { None } else { request.try_clone() };
        let result = http.execute(request).await;
        let Some(spare) = spare else {
            return result;
        };
        let delay = match &result {
            Ok(response) => {
                if !idempotent || !is_retryable_status(response.status()) {
                    return result;
                }
                match retry_after(response.headers(), clock.now()) {
                    Some(wait) if wait > policy.max_retry_after => {
                        tracing::debug!(
                            status = response.status().as_u16(),
                            retry_after_ms = wait.as_millis() as u64,
                            "retry-after beyond the longest wait honoured; not retrying"
                        );
                        return result;
                    }
                    Some(wait) => wait,
                    None => policy.backoff(attempt),
                }
            }
            Err(error) => {
                if !may_retry_error(error, idempotent) {
                    return result;
                }
                policy.backoff(attempt)
            }
        };
        tracing::debug!(
            attempt,
            status = result.as_ref().ok().map(|r| r.status().as_u16()),
            delay_ms = delay.as_millis() as u64,
            "transient failure; retrying"
        );
        drop(result);
        backoff_sleep(clock, delay).await;
        request = spare;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use axum::Router;
    use axum::http::{HeaderMap, HeaderValue, StatusCode as AxStatus};
    use axum::response::IntoResponse;
    use axum::routing::any;
    use restpoint_clock::{Clock, ManualClock};

    use super::*;

    /// A plain-HTTP server whose first `failures` answers are `status` with `headers`.
    async fn flaky(
        failures: u32,
        status: u16,
        retry_after: Option<String>,
    ) -> (String, Arc<AtomicU32>) {
        let hits = Arc::new(AtomicU32::new(0));
        let seen = hits.clone();
        let app = Router::new().route(
            "/thing",
            any(move || {
                let seen = seen.clone();
                let retry_after = retry_after.clone();
                async move {
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    if n < failures {
                        let mut headers = HeaderMap::new();
                        if let Some(value) = retry_after {
                            headers.insert("retry-after", HeaderValue::from_str(&value).unwrap());
                        }
                        (AxStatus::from_u16(status).unwrap(), headers, "busy").into_response()
                    } else {
                        "ok".into_response()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}/thing"), hits)
    }

    fn request(http: &reqwest::Client, method: Method, url: &str) -> reqwest::Request {
        http.request(method, url).body("x").build().unwrap()
    }

    #[tokio::test]
    async fn get_is_retried_through_503s_with_backoff_on_the_clock() {
        let (url, hits) = flaky(2, 503, None).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance();
        let policy = RetryPolicy::new().jitter(false);
        let response = execute(
            &http,
            &clock.shared(),
            &policy,
            request(&http, Method::GET, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(hits.load(Ordering::SeqCst), 3);
        // 500 ms, then 1 s, on the virtual clock.
        assert_eq!(clock.elapsed(), Duration::from_millis(1500));
    }

    #[tokio::test]
    async fn post_is_not_retried_after_an_answer() {
        let (url, hits) = flaky(1, 503, None).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance().shared();
        let response = execute(
            &http,
            &clock,
            &RetryPolicy::new(),
            request(&http, Method::POST, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retry_after_seconds_and_dates_are_honoured() {
        let (url, hits) = flaky(1, 429, Some("7".into())).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance();
        let response = execute(
            &http,
            &clock.shared(),
            &RetryPolicy::new(),
            request(&http, Method::PUT, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        assert_eq!(clock.elapsed(), Duration::from_secs(7));

        let clock = ManualClock::with_auto_advance();
        let at = chrono::DateTime::<chrono::Utc>::from(clock.now() + Duration::from_secs(4));
        let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let (url, hits) = flaky(1, 503, Some(date)).await;
        let response = execute(
            &http,
            &clock.shared(),
            &RetryPolicy::new(),
            request(&http, Method::DELETE, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        // Whole seconds on the wire: the wait is between 3 and 4 s.
        assert!(
            clock.elapsed() > Duration::from_secs(3),
            "{:?}",
            clock.elapsed()
        );
        assert!(
            clock.elapsed() <= Duration::from_secs(4),
            "{:?}",
            clock.elapsed()
        );
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_maximum_is_returned() {
        let (url, hits) = flaky(1, 503, Some("3600".into())).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance();
        let response = execute(
            &http,
            &clock.shared(),
            &RetryPolicy::new(),
            request(&http, Method::GET, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(clock.elapsed(), Duration::ZERO);
    }

    #[tokio::test]
    async fn the_budget_ends_with_the_last_answer() {
        let (url, hits) = flaky(10, 502, None).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance().shared();
        let policy = RetryPolicy::new().max_attempts(4);
        let response = execute(&http, &clock, &policy, request(&http, Method::GET, &url))
            .await
            .unwrap();
        assert_eq!(response.status(), 502);
        assert_eq!(hits.load(Ordering::SeqCst), 4);
        let none = RetryPolicy::none();
        let response = execute(&http, &clock, &none, request(&http, Method::GET, &url))
            .await
            .unwrap();
        assert_eq!(response.status(), 502);
        assert_eq!(hits.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_even_for_post() {
        // Bind, learn the port, and close: connecting is refused.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance();
        let policy = RetryPolicy::new().jitter(false);
        let url = format!("http://{addr}/thing");
        let error = execute(
            &http,
            &clock.shared(),
            &policy,
            request(&http, Method::POST, &url),
        )
        .await
        .unwrap_err();
        assert!(error.is_connect());
        assert_eq!(clock.elapsed(), Duration::from_millis(1500), "two backoffs");
    }

    #[tokio::test]
    async fn a_virtual_clock_nobody_advances_does_not_stall_a_retry() {
        let (url, hits) = flaky(1, 503, None).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::new();
        let policy = RetryPolicy::new()
            .base_delay(Duration::from_millis(20))
            .jitter(false);
        let response = tokio::time::timeout(
            Duration::from_secs(5),
            execute(
                &http,
                &clock.shared(),
                &policy,
                request(&http, Method::GET, &url),
            ),
        )
        .await
        .expect("no hang")
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        assert_eq!(clock.elapsed(), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_retry_after_within_the_cap_is_honoured_even_beyond_the_backoff_maximum() {
        let (url, hits) = flaky(1, 429, Some("30".into())).await;
        let http = reqwest::Client::new();
        let clock = ManualClock::with_auto_advance();
        let response = execute(
            &http,
            &clock.shared(),
            &RetryPolicy::new(),
            request(&http, Method::GET, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        assert_eq!(clock.elapsed(), Duration::from_secs(30));
        // A lower cap returns the 429 at once.
        let (url, hits) = flaky(1, 429, Some("30".into())).await;
        let policy = RetryPolicy::new().max_retry_after(Duration::from_secs(20));
        let response = execute(
            &http,
            &clock.shared(),
            &policy,
            request(&http, Method::GET, &url),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn retry_after_forms_are_read_and_printed() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(RetryAfter::from_headers(&headers), None);
        headers.insert(RETRY_AFTER, " 120 ".parse().unwrap());
        let seconds = RetryAfter::from_headers(&headers).unwrap();
        assert_eq!(seconds, RetryAfter::Seconds(120));
        assert_eq!(seconds.to_string(), "retry after 120 s");
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        let date = RetryAfter::from_headers(&headers).unwrap();
        assert_eq!(
            date.to_string(),
            "retry after Wed, 21 Oct 2015 07:28:00 GMT"
        );
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(date, RetryAfter::At(at));
        assert_eq!(
            date.wait(at - Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(date.wait(at + Duration::from_secs(5)), Duration::ZERO);
        for garbage in ["-1", "soon", "1.5", ""] {
            headers.insert(RETRY_AFTER, garbage.parse().unwrap());
            assert_eq!(RetryAfter::from_headers(&headers), None, "{garbage:?}");
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitters_downwards() {
        let policy = RetryPolicy::new()
            .base_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(5))
            .jitter(false);
        assert_eq!(policy.backoff(1), Duration::from_secs(1));
        assert_eq!(policy.backoff(2), Duration::from_secs(2));
        assert_eq!(policy.backoff(3), Duration::from_secs(4));
        assert_eq!(policy.backoff(4), Duration::from_secs(5));
        assert_eq!(policy.backoff(40), Duration::from_secs(5));
        let jittery = policy.jitter(true);
        for _ in 0..50 {
            let d = jittery.backoff(2);
            assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(2));
        }
    }

    #[test]
    fn idempotency_and_statuses() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::PUT));
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
        for code in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [400, 401, 404, 500, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
    }
}
