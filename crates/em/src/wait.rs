//! Waiting for an EM task (`GET /api/tasks/{id}`, EM-12) until its `State` is `Finished`.
//!
//! A job action (`POST /api/jobs/{id}?action=start`) answers `202` with a `Task`; the task's
//! `Result Success=".."` and `Message` become the typed [`Outcome`] (EM has no warning result:
//! a task ends as success or failure). The poll loop is
//! [`restpoint_session::poll::Wait`], on the session's clock.
//!
//! ```ignore
//! let finished = em
//!     .start_job(&job_href)
//!     .await?
//!     .interval(Duration::from_secs(5))
//!     .on_progress(|s| println!("{}", s.state))
//!     .await?;
//! ```
//!
//! A task belongs to the logon session that started it (EM-12): a new logon in the middle of a
//! wait (after the session lapsed) loses it, and the wait ends with a `404` error. Keep the
//! session's keep-alive on (the default of [`EmSession`]) for long waits. EM reports no
//! progress percentage; [`Status::percent`] stays `None`.

use restpoint_session::poll::{Outcome, Status, Wait};
use restpoint_session::{Context, Error, ProtocolViolation, Result};

use crate::Task;
use crate::model::TaskState;
use crate::session::{EmSession, PRODUCT};

/// Reads an EM task as a poll [`Status`]: final once its state is `Finished`.
pub fn task_status(task: Task) -> Status<Task> {
    let state = task.state.clone();
    let outcome = (task.task_state() == TaskState::Finished).then(|| {
        let message = task
            .result
            .as_ref()
            .and_then(|r| r.message.clone())
            .filter(|m| !m.is_empty());
        match task.succeeded() {
            Some(true) => Outcome::Success,
            _ => Outcome::Failed { message },
        }
    });
    Status {
        value: task,
        state,
        percent: None,
        outcome,
    }
}

/// A wait for one EM task (its `Href` until `Finished`); `.await` it.
pub type TaskWait = Wait<Task>;

impl EmSession {
    /// A wait for the task at `href` (a `Task`'s `Href`, absolute or relative).
    pub fn wait_for_task(&self, href: impl Into<String>) -> TaskWait {
        let session = self.clone();
        let href: String = href.into();
        let what = format!("task {}", href.rsplit('/').next().unwrap_or(&href));
        Wait::new(self.clock().clone(), PRODUCT, what, move || {
            let session = session.clone();
            let href = href.clone();
            async move { session.get_resource::<Task>(&href).await.map(task_status) }
        })
    }

    /// Runs a job action (`POST {job_href}?action=start|stop|retry`, never retried once sent)
    /// and reads the `Task` it answers with.
    pub async fn job_action(&self, job_href: &str, action: &str) -> Result<Task> {
        let separator = if job_href.contains('?') { '&' } else { '?' };
        let response = self
            .post(&format!("{job_href}{separator}action={action}"))
            .await?;
        let status = response.status();
        let context = Context::new(PRODUCT, format!("POST job {action}")).with_status(status);
        if let Some(throttled) = Error::throttled(&context, response.headers()) {
            return Err(throttled);
        }
        let body = restpoint_session::body::read_limited(
            &context,
            response,
            crate::xml::MAX_DOCUMENT_BYTES,
        )
        .await?;
        if !status.is_success() {
            let message = self
                .format()
                .parse::<crate::ApiError>(&body)
                .ok()
                .and_then(|e| e.message.clone());
            return Err(Error::Api {
                context,
                error: restpoint_session::ApiError::new(None, message),
            });
        }
        self.format().parse::<Task>(&body).map_err(|e| {
            Error::protocol(
                context,
                ProtocolViolation::MalformedBody {
                    format: "em",
                    path: e.to_string(),
                    category: "invalid document",
                },
            )
        })
    }

    /// Starts the job at `job_href` (`?action=start`) and returns the wait for its task.
    pub async fn start_job(&self, job_href: &str) -> Result<TaskWait> {
        let task = self.job_action(job_href, "start").await?;
        let href = task.href.clone().ok_or_else(|| {
            Error::protocol(
                Context::new(PRODUCT, "POST job start"),
                ProtocolViolation::Missing {
                    what: "Href of the Task",
                },
            )
        })?;
        tracing::info!(product = PRODUCT, task = %task.task_id, "job started");
        Ok(self.wait_for_task(href).with_started(task))
    }
}
