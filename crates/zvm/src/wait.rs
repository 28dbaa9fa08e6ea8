//! Waiting for a ZVM task (`GET /v1/tasks/{taskIdentifier}`) until it completes or fails.
//!
//! A task's `Status.State` is a number: `1` InProgress, `3` Paused, `4` Failed, `6` Completed,
//! `7` Cancelling. `6` is a success, `4` a failure with `CompleteReason` as the server's
//! message; every other state is polled on (a paused task waits for an operator, and the
//! timeout bounds the wait). `Status.Progress` is reported as the percentage. The poll loop is
//! [`restpoint_session::poll::Wait`], on the session's clock.
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

use restpoint_session::poll::{Outcome, Status, Wait};

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

/// A wait for one ZVM task (`GET /v1/tasks/{id}` until `Completed` or `Failed`); `.await` it.
pub type TaskWait = Wait<Task>;

/// Waits on ZVM tasks with the typed client.
pub trait ZvmWait {
    /// A wait for the task `id` (`GET /v1/tasks/{id}` until `Completed` or `Failed`).
    fn wait_for_task(&self, id: impl Into<String>) -> TaskWait;
}

impl ZvmWait for ZvmClient {
    fn wait_for_task(&self, id: impl Into<String>) -> TaskWait {
        let client = self.clone();
        let id: String = id.into();
        let clock = client.session().clock().clone();
        Wait::new(clock, PRODUCT, format!("task {id}"), move || {
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
        })
    }
}
