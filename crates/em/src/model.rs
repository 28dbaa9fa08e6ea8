//! Accessors on the generated resources: versions of the root resource, the logon link, the
//! session id of a LogonSession, the state of a Task.

use std::borrow::Borrow;
use std::fmt;

use crate::generated as g;
use crate::links::{HasLinks, Rel};

/// An EM API version to log on with (EM-02, EM-13).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Version {
    /// `?v=latest`: the newest version the server serves.
    Latest,
    /// A named version such as `v1_7`, as listed in `SupportedVersion Name=".."`.
    Named(String),
}

impl Version {
    /// The value of the `v` query parameter.
    pub fn as_str(&self) -> &str {
        match self {
            Version::Latest => "latest",
            Version::Named(name) => name,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl g::EnterpriseManagerType {
    /// The `SupportedVersion` entries, in document order.
    pub fn supported_versions(&self) -> &[g::SupportedVersionType] {
        self.supported_versions
            .as_ref()
            .map(|list| list.supported_version.as_slice())
            .unwrap_or(&[])
    }

    /// The names of the supported versions (`v1_5`, `v1_6`, `v1_7`, ...).
    pub fn version_names(&self) -> impl Iterator<Item = &str> {
        self.supported_versions()
            .iter()
            .map(|version| version.name.as_str())
    }

    /// Whether the server lists this version (`Latest` is always served).
    pub fn supports(&self, version: impl Borrow<Version>) -> bool {
        match version.borrow() {
            Version::Latest => true,
            Version::Named(name) => self.version_names().any(|known| known == name),
        }
    }

    /// The logon link (`Type="LogonSession" Rel="Create"`) for a version: for `Latest` the root's
    /// own link, for a named version the link inside its `SupportedVersion`. Takes the version
    /// by value or by reference.
    pub fn logon_link(&self, version: impl Borrow<Version>) -> Option<&g::LinkType> {
        match version.borrow() {
            Version::Latest => self.links().find(Rel::Create, "LogonSession"),
            Version::Named(name) => self
                .supported_versions()
                .iter()
                .find(|supported| &supported.name == name)?
                .links()
                .find(Rel::Create, "LogonSession"),
        }
    }

    /// The `LogonSessionList` link (`GET /api/logonSessions`, EM-10).
    pub fn logon_sessions_link(&self) -> Option<&g::LinkType> {
        self.links().find(Rel::Down, "LogonSessionList")
    }
}

impl g::LogonSessionType {
    /// The session id (`SessionId` element).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The user the session belongs to (`UserName` element).
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// The session's own address (`Href` attribute), when present.
    pub fn href(&self) -> Option<&str> {
        self.href.as_deref()
    }

    /// The logoff address: the `Rel="Delete"` link (`/api/logonSessions/ID`, EM-09).
    pub fn logoff_href(&self) -> Option<&str> {
        self.links().delete().map(|link| link.href.as_str())
    }
}

/// The state of an asynchronous task (EM-12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Still running: poll the task's href again.
    Running,
    /// Finished: the task has a `Result`.
    Finished,
    /// A state this version does not know, kept verbatim.
    Other(String),
}

impl TaskState {
    /// Reads a `State` value; unknown values become [`TaskState::Other`].
    pub fn parse(value: &str) -> TaskState {
        match value {
            "Running" => TaskState::Running,
            "Finished" => TaskState::Finished,
            other => TaskState::Other(other.to_owned()),
        }
    }
}

impl g::TaskType {
    /// The task's state.
    pub fn task_state(&self) -> TaskState {
        TaskState::parse(&self.state)
    }

    /// `Some(true)` when finished successfully, `Some(false)` when finished with a failure, `None`
    /// while there is no result yet.
    pub fn succeeded(&self) -> Option<bool> {
        self.result.as_ref().map(|result| result.success)
    }
}
