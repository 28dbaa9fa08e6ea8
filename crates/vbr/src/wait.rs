//! Waiting for a VBR session (`GET /api/v1/sessions/{id}`) until its state is `Stopped`.
//!
//! A job start (`POST /api/v1/jobs/{id}/start`) answers with the session that runs it; the
//! session's `result.result` (`Success`, `Warning`, `Failed`) and `result.message` become the
//! typed [`Outcome`]. The poll loop is [`restpoint_session::poll::wait_for`], on the session's
//! clock: on the emulator's virtual clock a job of an hour is waited for in milliseconds.
//!
//! ```ignore
//! use restpoint_vbr::wait::VbrWait as _;
//! let finished = vbr
//!     .start_job(job_id)
//!     .await?
//!     .interval(Duration::from_secs(10))
//!     .timeout(Duration::from_secs(3600))
//!     .on_progress(|s| println!("{} {:?}%", s.state, s.percent))
//!     .await?;
//! match finished.outcome {
//!     Outcome::Success => {}
//!     Outcome::Warning { message } | Outcome::Failed { message } => eprintln!("{message:?}"),
//!     _ => {}
//! }
//! ```
//!
//! Not covered: the start itself is never retried after it reached the server (see
//! [`restpoint_session::retry`]); a `Stopped` session with the result `None` (the server ended
//! it without one) or a cancelled session counts as failed.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use restpoint_session::Error;
use restpoint_session::poll::{
    self, Finished, OnProgress, Outcome, Status, WaitError, WaitOptions,
};
use uuid::Uuid;

use crate::VbrClient;
use crate::generated::types::{ESessionResult, ESessionState, SessionModel};
use crate::session::PRODUCT;

/// Reads a VBR session as a poll [`Status`]: final once its state is `Stopped`.
pub fn session_status(session: SessionModel) -> Status<SessionModel> {
    let state = session.state.as_str().to_owned();
    let percent = session.progress_percent.and_then(|p| u32::try_from(p).ok());
    let outcome = (session.state == ESessionState::Stopped).then(|| outcome_of(&session));
    Status {
        value: session,
        state,
        percent,
        outcome,
    }
}

fn outcome_of(session: &SessionModel) -> Outcome {
    let Some(result) = &session.result else {
        return Outcome::Failed { message: None };
    };
    let message = result.message.clone().filter(|m| !m.is_empty());
    if result.is_canceled == Some(true) {
        return Outcome::Failed { message };
    }
    match &result.result {
        ESessionResult::Success => Outcome::Success,
        ESessionResult::Warning => Outcome::Warning { message },
        ESessionResult::Failed | ESessionResult::None | ESessionResult::Other(_) => {
            Outcome::Failed { message }
        }
    }
}

/// A wait for one VBR session; `.await` it (or call [`SessionWait::run`]).
#[must_use = "a wait does nothing until it is awaited"]
pub struct SessionWait {
    client: VbrClient,
    id: Uuid,
    options: WaitOptions,
    on_progress: Option<OnProgress<'static, SessionModel>>,
    started: Option<SessionModel>,
}

impl std::fmt::Debug for SessionWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWait")
            .field("id", &self.id)
            .field("options", &self.options)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl SessionWait {
    /// The session waited for.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The session as the job start answered it, when this wait came from
    /// [`VbrWait::start_job`].
    pub fn started(&self) -> Option<&SessionModel> {
        self.started.as_ref()
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

    /// Called with every reading of the session (state, percent, the `SessionModel`).
    pub fn on_progress(
        mut self,
        callback: impl FnMut(&Status<SessionModel>) + Send + 'static,
    ) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Polls until the session is `Stopped` or the timeout runs out.
    pub async fn run(self) -> Result<Finished<SessionModel>, WaitError> {
        let Self {
            client,
            id,
            options,
            on_progress,
            ..
        } = self;
        let clock = client.session().clock().clone();
        let what = format!("session {id}");
        poll::wait_for(
            &clock,
            PRODUCT,
            &what,
            &options,
            || {
                let client = client.clone();
                async move {
                    client
                        .api()
                        .get_session()
                        .id(id)
                        .send()
                        .await
                        .map(session_status)
                }
            },
            on_progress,
        )
        .await
    }
}

impl IntoFuture for SessionWait {
    type Output = Result<Finished<SessionModel>, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Waits on VBR sessions with the typed client.
pub trait VbrWait {
    /// A wait for the session `id` (`GET /api/v1/sessions/{id}` until `Stopped`).
    fn wait_for_session(&self, id: Uuid) -> SessionWait;

    /// Starts the job `job_id` (`POST /api/v1/jobs/{id}/start`, never retried once sent) and
    /// returns the wait for the session that runs it.
    fn start_job(&self, job_id: Uuid) -> impl Future<Output = Result<SessionWait, Error>> + Send;
}

impl VbrWait for VbrClient {
    fn wait_for_session(&self, id: Uuid) -> SessionWait {
        SessionWait {
            client: self.clone(),
            id,
            options: WaitOptions::default(),
            on_progress: None,
            started: None,
        }
    }

    async fn start_job(&self, job_id: Uuid) -> Result<SessionWait, Error> {
        let session = self.api().start_job().id(job_id).send().await?;
        tracing::info!(product = PRODUCT, job = %job_id, session = %session.id, "job started");
        let mut wait = self.wait_for_session(session.id);
        wait.started = Some(session);
        Ok(wait)
    }
}
