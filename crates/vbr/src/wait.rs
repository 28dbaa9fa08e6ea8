//! Waiting for a VBR session (`GET /api/v1/sessions/{id}`) until its state is `Stopped`.
//!
//! A job start (`POST /api/v1/jobs/{id}/start`) answers with the session that runs it; the
//! session's `result.result` (`Success`, `Warning`, `Failed`) and `result.message` become the
//! typed [`Outcome`]. The poll loop is [`restpoint_session::poll::Wait`], on the session's
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

use std::future::Future;

use restpoint_session::Error;
use restpoint_session::poll::{Outcome, Status, Wait};
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

/// A wait for one VBR session (`GET /api/v1/sessions/{id}` until `Stopped`); `.await` it.
pub type SessionWait = Wait<SessionModel>;

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
        let client = self.clone();
        let clock = client.session().clock().clone();
        Wait::new(clock, PRODUCT, format!("session {id}"), move || {
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
        })
    }

    async fn start_job(&self, job_id: Uuid) -> Result<SessionWait, Error> {
        let session = self.api().start_job().id(job_id).send().await?;
        tracing::info!(product = PRODUCT, job = %job_id, session = %session.id, "job started");
        Ok(self.wait_for_session(session.id).with_started(session))
    }
}
