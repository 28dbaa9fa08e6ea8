//! Waiting for a ZVM task (`GET /v1/tasks/{taskIdentifier}`) until it completes or fails.
//!
//! A task's `Status.State` is a number: `1` InProgress, `3` Paused, `4` Failed, `6` Completed,
//! `7` Cancelling. `6` is a success, `4` a failure with `CompleteReason` as the server's
//! message; every other state is polled on (a paused task waits for an operator, and the
//! timeout bounds the wait). `Status.Progress` is reported as the percentage. The poll loop is
//! [`restpoint_session::poll::wait_for`], on the session's clock.
//!
//! ```ignore
//! use restpoint_zvm::wait::ZvmWait as _;
//! let finished = zvm.wait_for_task(&task_id).interval(Duration::from_secs(10)).await?;
//! ```
//!
//! Not covered: ZVM has no warning result, and its list operations (`/v1/vpgs`, `/v1/tasks`,
//! ...) answer whole arrays without paging parameters, so there is no ZVM paging helper. Task
//! starting actions (a failover test, a VPG creation) are not in restpoint's ZVM spec: wait for
//! the task id such an action returns, or one read from `GET /v1/tasks`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use restpoint_session::poll::{
    self, Finished, OnProgress, Outcome, Status, WaitError, WaitOptions,
};

use crate::ZvmClient;
use crate::generated::types::Task;
use crate::session::PRODUCT;

/// `Status.State` of a task in progress.
pub const STATE_IN_PROGRESS: i32 = 1;
/// `Status.State` of a paused task.
pub const STATE_PAUSED: i32 = 3;
/// `Status.State` of a failed task (final).
pub const STATE_FAILED: i32 = 4;
/// `Status.State` of a completed task (final).
pub const STATE_COMPLETED: i32 = 6;
/// `Status.State` of a task being cancelled.
pub const STATE_CANCELLING: i32 = 7;

/// The name of a `Status.State` number.
pub fn state_name(state: i32) -> String {
    match state {
        STATE_IN_PROGRESS => "InProgress".to_owned(),
        STATE_PAUSED => "Paused".to_owned(),
        STATE_FAILED => "Failed".to_owned(),
        STATE_COMPLETED => "Completed".to_owned(),
        STATE_CANCELLING => "Cancelling".to_owned(),
        other => format!("State{other}"),
    }
}

/// Reads a ZVM task as a poll [`Status`]: final once it is `Completed` or `Failed`.
pub fn task_status(task: Task) -> Status<Task> {
    let state = task.status.state;
    let message = task.complete_reason.clone().filter(|m| !m.is_empty());
    let outcome = match state {
        STATE_COMPLETED => Some(Outcome::Success),
        STATE_FAILED => Some(Outcome::Failed { message }),
        _ => None,
    };
    Status {
        state: state_name(state),
        percent: u32::try_from(task.status.progress).ok(),
        value: task,
        outcome,
    }
}

/// A wait for one ZVM task; `.await` it (or call [`TaskWait::run`]).
#[must_use = "a wait does nothing until it is awaited"]
pub struct TaskWait {
    client: ZvmClient,
    id: String,
    options: WaitOptions,
    on_progress: Option<OnProgress<'static, Task>>,
}

impl std::fmt::Debug for TaskWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskWait")
            .field("id", &self.id)
            .field("options", &self.options)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl TaskWait {
    /// The task's identifier.
    pub fn id(&self) -> &str {
        &self.id
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

    /// Called with every reading of the task.
    pub fn on_progress(mut self, callback: impl FnMut(&Status<Task>) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Polls until the task is final or the timeout runs out.
    pub async fn run(self) -> Result<Finished<Task>, WaitError> {
        let Self {
            client,
            id,
            options,
            on_progress,
        } = self;
        let clock = client.session().clock().clone();
        let what = format!("task {id}");
        poll::wait_for(
            &clock,
            PRODUCT,
            &what,
            &options,
            || {
                let client = client.clone();
                let id = id.clone();
                async move {
                    client
                        .api()
                        .get_task()
                        .task_identifier(id.as_str())
                        .send()
                        .await
                        .map(task_status)
                }
            },
            on_progress,
        )
        .await
    }
}

impl IntoFuture for TaskWait {
    type Output = Result<Finished<Task>, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Waits on ZVM tasks with the typed client.
pub trait ZvmWait {
    /// A wait for the task `id` (`GET /v1/tasks/{id}` until `Completed` or `Failed`).
    fn wait_for_task(&self, id: impl Into<String>) -> TaskWait;
}

impl ZvmWait for ZvmClient {
    fn wait_for_task(&self, id: impl Into<String>) -> TaskWait {
        TaskWait {
            client: self.clone(),
            id: id.into(),
            options: WaitOptions::default(),
            on_progress: None,
        }
    }
}
