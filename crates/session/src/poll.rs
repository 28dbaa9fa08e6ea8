//! Waiting for a server-side task (a VBR session, an EM task, a ZVM task) to reach a final state.
//!
//! The product crates supply one closure that fetches the task once and reads it into a
//! [`Status`]; [`wait_for`] calls it every [`WaitOptions::interval`] until the status carries an
//! [`Outcome`] or [`WaitOptions::timeout`] has passed. Sleeps and the timeout run on the
//! session's clock, so on a virtual clock a wait of an hour takes milliseconds. Each poll is
//! reported to the progress callback and as a `tracing` event (`debug`, target
//! `restpoint_session::poll`); the end is reported at `info`.
//!
//! A finished task is an `Ok` whatever its result: [`Finished::outcome`] says success, warning
//! or failure with the server's message. Errors are for the wait itself: a call that failed
//! (after the session's own retries) or the timeout.
//!
//! [`Wait`] is the one builder every product hands out (`vbr.wait_for_session(id)`,
//! `em.wait_for_task(href)`, `zvm.wait_for_task(id)`): interval, timeout and progress callback
//! are set on it, and it is `.await`ed.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use restpoint_clock::SharedClock;

use crate::error::Error;

/// How a finished task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Finished successfully.
    Success,
    /// Finished, with warnings; the server's message, if any.
    Warning {
        /// The server's message.
        message: Option<String>,
    },
    /// Finished without success (failed, stopped, cancelled); the server's message, if any.
    Failed {
        /// The server's message.
        message: Option<String>,
    },
}

impl Outcome {
    /// Whether the task succeeded (a warning counts as success).
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success | Outcome::Warning { .. })
    }

    /// The server's message for a warning or a failure.
    pub fn message(&self) -> Option<&str> {
        match self {
            Outcome::Success => None,
            Outcome::Warning { message } | Outcome::Failed { message } => message.as_deref(),
        }
    }
}

/// One reading of a task: the product's value, its state as the server names it, its progress,
/// and its outcome once it is final.
#[derive(Debug, Clone)]
pub struct Status<T> {
    /// The task as the server sent it (`SessionModel`, `Task`, ...).
    pub value: T,
    /// The state as the server names it (`Working`, `Running`, `InProgress`, ...).
    pub state: String,
    /// Progress in percent, if the server reports it.
    pub percent: Option<u32>,
    /// `Some` once the task is in a final state.
    pub outcome: Option<Outcome>,
}

/// Poll interval and overall timeout of a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// The time between two polls (default 5 s).
    pub interval: Duration,
    /// The longest the wait may take in all (default 1 hour).
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(3600),
        }
    }
}

impl WaitOptions {
    /// The defaults: a poll every 5 s, at most 1 hour.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the poll interval (at least 1 ms).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Sets the overall timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A task in a final state.
#[derive(Debug, Clone)]
pub struct Finished<T> {
    /// How it ended.
    pub outcome: Outcome,
    /// The last reading of the task.
    pub value: T,
    /// How long the wait took on the session's clock.
    pub waited: Duration,
    /// How many times the task was read.
    pub n_polls: u32,
}

impl<T> Finished<T> {
    /// Whether the task succeeded (a warning counts as success).
    pub fn is_success(&self) -> bool {
        self.outcome.is_success()
    }
}

/// Why a wait ended without a final state.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// Reading the task (or starting it) failed.
    #[error(transparent)]
    Call(#[from] Error),
    /// The task was not final when the timeout ran out.
    #[error("{product} {what}: not finished after {} s (last state {last_state})", waited.as_secs())]
    TimedOut {
        /// The product, e.g. `vbr`.
        product: &'static str,
        /// What was waited for, e.g. `session 3f2a...`.
        what: String,
        /// How long the wait took on the session's clock.
        waited: Duration,
        /// The last state the server reported.
        last_state: String,
    },
}

impl WaitError {
    /// Whether the wait timed out (the task may still finish on the server).
    pub fn is_timeout(&self) -> bool {
        matches!(self, WaitError::TimedOut { .. })
    }
}

/// A progress callback: called with each reading of the task.
pub type OnProgress<'a, T> = Box<dyn FnMut(&Status<T>) + Send + 'a>;

/// One reading of a task, boxed so that [`Wait`] does not carry the product's future type.
type ReadOnce<T> = Box<dyn FnMut() -> BoxedRead<T> + Send>;
type BoxedRead<T> = Pin<Box<dyn Future<Output = Result<Status<T>, Error>> + Send>>;

/// A wait for one server-side task; `.await` it (or call [`Wait::run`]).
///
/// Built by the product crates with [`Wait::new`] and a closure that reads the task once; the
/// caller sets [`interval`](Wait::interval), [`timeout`](Wait::timeout) and
/// [`on_progress`](Wait::on_progress).
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<T> {
    clock: SharedClock,
    product: &'static str,
    what: String,
    options: WaitOptions,
    read: ReadOnce<T>,
    on_progress: Option<OnProgress<'static, T>>,
    started: Option<T>,
}

impl<T> std::fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("product", &self.product)
            .field("what", &self.what)
            .field("options", &self.options)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl<T: Send + 'static> Wait<T> {
    /// A wait on `clock` for the task named `what` (e.g. `session 3f2a...`) of `product`;
    /// `read` fetches it once and reads it into a [`Status`].
    pub fn new<F, Fut>(clock: SharedClock, product: &'static str, what: String, mut read: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Status<T>, Error>> + Send + 'static,
    {
        Self {
            clock,
            product,
            what,
            options: WaitOptions::default(),
            read: Box::new(move || Box::pin(read())),
            on_progress: None,
            started: None,
        }
    }

    /// Keeps the task as the call that started it answered (see [`Wait::started`]).
    pub fn with_started(mut self, started: T) -> Self {
        self.started = Some(started);
        self
    }

    /// The task as the call that started it answered, when this wait came from such a call
    /// (a VBR or EM job start).
    pub fn started(&self) -> Option<&T> {
        self.started.as_ref()
    }

    /// What is waited for, as logs and errors name it.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The time between two polls (default 5 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.options = self.options.interval(interval);
        self
    }

    /// The longest the wait may take (default 1 hour).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.timeout(timeout);
        self
    }

    /// Replaces interval and timeout.
    pub fn options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    /// Called with every reading of the task (state, percent, the product's value).
    pub fn on_progress(mut self, callback: impl FnMut(&Status<T>) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Polls until the task is final or the timeout runs out.
    pub async fn run(self) -> Result<Finished<T>, WaitError> {
        let Self {
            clock,
            product,
            what,
            options,
            mut read,
            on_progress,
            ..
        } = self;
        wait_for(&clock, product, &what, &options, &mut read, on_progress).await
    }
}

impl<T: Send + 'static> IntoFuture for Wait<T> {
    type Output = Result<Finished<T>, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

fn since(clock: &SharedClock, start: SystemTime) -> Duration {
    clock.now().duration_since(start).unwrap_or(Duration::ZERO)
}

/// Polls `read` every `options.interval` on `clock` until it reports an [`Outcome`] or
/// `options.timeout` has passed; `on_progress` sees every reading. `product` and `what` name the
/// task in logs and errors.
pub async fn wait_for<T, F, Fut>(
    clock: &SharedClock,
    product: &'static str,
    what: &str,
    options: &WaitOptions,
    mut read: F,
    mut on_progress: Option<OnProgress<'_, T>>,
) -> Result<Finished<T>, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Status<T>, Error>>,
{
    let start = clock.now();
    let mut n_polls = 0u32;
    loop {
        let status = read().await?;
        n_polls += 1;
        let waited = since(clock, start);
        tracing::debug!(
            product,
            task = what,
            state = %status.state,
            percent = status.percent,
            waited_s = waited.as_secs(),
            "task progress"
        );
        if let Some(callback) = on_progress.as_mut() {
            callback(&status);
        }
        if let Some(outcome) = status.outcome {
            tracing::info!(
                product,
                task = what,
                success = outcome.is_success(),
                waited_s = waited.as_secs(),
                n_polls,
                "task finished"
            );
            return Ok(Finished {
                outcome,
                value: status.value,
                waited,
                n_polls,
            });
        }
        if waited >= options.timeout {
            tracing::info!(
                product,
                task = what,
                waited_s = waited.as_secs(),
                "wait timed out"
            );
            return Err(WaitError::TimedOut {
                product,
                what: what.to_owned(),
                waited,
                last_state: status.state,
            });
        }
        let remaining = options.timeout - waited;
        clock.sleep(options.interval.min(remaining)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use restpoint_clock::{Clock, ManualClock};

    use super::*;

    fn running(percent: u32) -> Status<u32> {
        Status {
            value: percent,
            state: "Working".into(),
            percent: Some(percent),
            outcome: None,
        }
    }

    #[tokio::test]
    async fn polls_until_final_on_the_clock_and_reports_progress() {
        let clock = ManualClock::with_auto_advance();
        let shared = clock.shared();
        let start = clock.now();
        let readings = Arc::new(Mutex::new(Vec::new()));
        let seen = readings.clone();
        let finished = wait_for(
            &shared,
            "test",
            "task 1",
            &WaitOptions::new().interval(Duration::from_secs(10)),
            || {
                let elapsed = clock.now().duration_since(start).unwrap().as_secs() as u32;
                let status = if elapsed >= 40 {
                    Status {
                        value: 100,
                        state: "Stopped".into(),
                        percent: Some(100),
                        outcome: Some(Outcome::Warning {
                            message: Some("disk almost full".into()),
                        }),
                    }
                } else {
                    running(elapsed * 2)
                };
                std::future::ready(Ok(status))
            },
            Some(Box::new(move |s: &Status<u32>| {
                seen.lock().unwrap().push(s.percent)
            })),
        )
        .await
        .unwrap();
        assert!(finished.is_success());
        assert_eq!(finished.outcome.message(), Some("disk almost full"));
        assert_eq!(finished.n_polls, 5);
        assert_eq!(finished.waited, Duration::from_secs(40));
        assert_eq!(
            *readings.lock().unwrap(),
            vec![Some(0), Some(20), Some(40), Some(60), Some(100)]
        );
    }

    #[tokio::test]
    async fn times_out_on_the_clock() {
        let clock = ManualClock::with_auto_advance();
        let error = wait_for(
            &clock.shared(),
            "test",
            "task 2",
            &WaitOptions::new()
                .interval(Duration::from_secs(30))
                .timeout(Duration::from_secs(100)),
            || std::future::ready(Ok(running(5))),
            None,
        )
        .await
        .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(clock.elapsed(), Duration::from_secs(100));
        assert_eq!(
            error.to_string(),
            "test task 2: not finished after 100 s (last state Working)"
        );
    }
}
