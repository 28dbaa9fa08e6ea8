//! Hypermedia navigation: typed `Rel` and `Type` of a link, and finding links on a resource.
//!
//! EM adds link types with every release, so both enums keep what they do not know in an
//! `Other(String)` variant instead of failing.

use std::borrow::Borrow;
use std::fmt;

use crate::generated as g;

/// What following a link does (`Rel` attribute).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rel {
    /// The parent resource.
    Up,
    /// A child resource or collection.
    Down,
    /// The same resource in another form (reference ↔ entity).
    Alternate,
    /// Creates a resource (`POST`), e.g. a logon.
    Create,
    /// Deletes the resource (`DELETE`), e.g. a logoff.
    Delete,
    /// Edits the resource (`PUT`).
    Edit,
    /// Starts a job (`POST ...?action=start`).
    Start,
    /// Stops a job.
    Stop,
    /// Retries a job.
    Retry,
    /// A resource related to this one (e.g. the session a finished task started).
    Related,
    /// A value this version does not know, kept verbatim.
    Other(String),
}

impl Rel {
    /// Reads a `Rel` value; unknown values become [`Rel::Other`].
    pub fn parse(value: &str) -> Rel {
        match value {
            "Up" => Rel::Up,
            "Down" => Rel::Down,
            "Alternate" => Rel::Alternate,
            "Create" => Rel::Create,
            "Delete" => Rel::Delete,
            "Edit" => Rel::Edit,
            "Start" => Rel::Start,
            "Stop" => Rel::Stop,
            "Retry" => Rel::Retry,
            "Related" => Rel::Related,
            other => Rel::Other(other.to_owned()),
        }
    }

    /// The wire form of the value.
    pub fn as_str(&self) -> &str {
        match self {
            Rel::Up => "Up",
            Rel::Down => "Down",
            Rel::Alternate => "Alternate",
            Rel::Create => "Create",
            Rel::Delete => "Delete",
            Rel::Edit => "Edit",
            Rel::Start => "Start",
            Rel::Stop => "Stop",
            Rel::Retry => "Retry",
            Rel::Related => "Related",
            Rel::Other(other) => other,
        }
    }
}

impl fmt::Display for Rel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The type of the resource a link points to (`Type` attribute), for the types restpoint uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkKind {
    /// `EnterpriseManager`, the root resource.
    EnterpriseManager,
    /// `LogonSession`.
    LogonSession,
    /// `LogonSessionList`.
    LogonSessionList,
    /// `BackupServerReferenceList`.
    BackupServerReferenceList,
    /// `BackupServerReference`.
    BackupServerReference,
    /// `BackupServer`.
    BackupServer,
    /// `JobReferenceList`.
    JobReferenceList,
    /// `JobReference`.
    JobReference,
    /// `Job`.
    Job,
    /// `RepositoryReferenceList`.
    RepositoryReferenceList,
    /// `Repository`.
    Repository,
    /// `BackupJobSessionReferenceList`.
    BackupJobSessionReferenceList,
    /// `BackupJobSessionReference`.
    BackupJobSessionReference,
    /// `BackupJobSession`.
    BackupJobSession,
    /// `Task`.
    Task,
    /// `TaskReferenceList`.
    TaskReferenceList,
    /// `QueryService`.
    QueryService,
    /// A type this version does not know, kept verbatim.
    Other(String),
}

impl LinkKind {
    /// Reads a `Type` value; unknown values become [`LinkKind::Other`].
    pub fn parse(value: &str) -> LinkKind {
        match value {
            "EnterpriseManager" => LinkKind::EnterpriseManager,
            "LogonSession" => LinkKind::LogonSession,
            "LogonSessionList" => LinkKind::LogonSessionList,
            "BackupServerReferenceList" => LinkKind::BackupServerReferenceList,
            "BackupServerReference" => LinkKind::BackupServerReference,
            "BackupServer" => LinkKind::BackupServer,
            "JobReferenceList" => LinkKind::JobReferenceList,
            "JobReference" => LinkKind::JobReference,
            "Job" => LinkKind::Job,
            "RepositoryReferenceList" => LinkKind::RepositoryReferenceList,
            "Repository" => LinkKind::Repository,
            "BackupJobSessionReferenceList" => LinkKind::BackupJobSessionReferenceList,
            "BackupJobSessionReference" => LinkKind::BackupJobSessionReference,
            "BackupJobSession" => LinkKind::BackupJobSession,
            "Task" => LinkKind::Task,
            "TaskReferenceList" => LinkKind::TaskReferenceList,
            "QueryService" => LinkKind::QueryService,
            other => LinkKind::Other(other.to_owned()),
        }
    }

    /// The wire form of the value.
    pub fn as_str(&self) -> &str {
        match self {
            LinkKind::EnterpriseManager => "EnterpriseManager",
            LinkKind::LogonSession => "LogonSession",
            LinkKind::LogonSessionList => "LogonSessionList",
            LinkKind::BackupServerReferenceList => "BackupServerReferenceList",
            LinkKind::BackupServerReference => "BackupServerReference",
            LinkKind::BackupServer => "BackupServer",
            LinkKind::JobReferenceList => "JobReferenceList",
            LinkKind::JobReference => "JobReference",
            LinkKind::Job => "Job",
            LinkKind::RepositoryReferenceList => "RepositoryReferenceList",
            LinkKind::Repository => "Repository",
            LinkKind::BackupJobSessionReferenceList => "BackupJobSessionReferenceList",
            LinkKind::BackupJobSessionReference => "BackupJobSessionReference",
            LinkKind::BackupJobSession => "BackupJobSession",
            LinkKind::Task => "Task",
            LinkKind::TaskReferenceList => "TaskReferenceList",
            LinkKind::QueryService => "QueryService",
            LinkKind::Other(other) => other,
        }
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl g::LinkType {
    /// The link's `Rel`, `None` when the attribute is absent.
    pub fn rel(&self) -> Option<Rel> {
        self.rel.as_deref().map(Rel::parse)
    }

    /// The link's `Type`, `None` when the attribute is absent.
    pub fn kind(&self) -> Option<LinkKind> {
        self.type_.as_deref().map(LinkKind::parse)
    }

    /// Where the link points.
    pub fn href(&self) -> &str {
        &self.href
    }

    /// Whether the link has this `Rel` and `Type` (compared with the wire strings).
    pub fn is(&self, rel: &Rel, kind: &str) -> bool {
        self.rel.as_deref() == Some(rel.as_str()) && self.type_.as_deref() == Some(kind)
    }
}

/// The links of a resource, borrowed, with finders.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a>(&'a [g::LinkType]);

impl<'a> Links<'a> {
    /// Wraps a slice of links.
    pub fn new(links: &'a [g::LinkType]) -> Self {
        Links(links)
    }

    /// All links, in document order.
    pub fn iter(&self) -> std::slice::Iter<'a, g::LinkType> {
        self.0.iter()
    }

    /// The number of links.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no link.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first link with this `Rel` and `Type` (e.g. `find(Rel::Down, "JobReferenceList")`).
    /// `rel` may be given by value or by reference.
    pub fn find(&self, rel: impl Borrow<Rel>, kind: &str) -> Option<&'a g::LinkType> {
        let rel = rel.borrow();
        self.0.iter().find(|link| link.is(rel, kind))
    }

    /// The first link with this `Rel`, whatever its type.
    pub fn by_rel(&self, rel: impl Borrow<Rel>) -> Option<&'a g::LinkType> {
        let rel = rel.borrow().as_str();
        self.0.iter().find(|link| link.rel.as_deref() == Some(rel))
    }

    /// All links with this `Rel`.
    pub fn all_by_rel(&self, rel: Rel) -> impl Iterator<Item = &'a g::LinkType> + use<'a> {
        self.0
            .iter()
            .filter(move |link| link.rel.as_deref() == Some(rel.as_str()))
    }

    /// The `Rel="Delete"` link: for a LogonSession, the logoff (`DELETE /api/logonSessions/ID`).
    pub fn delete(&self) -> Option<&'a g::LinkType> {
        self.by_rel(Rel::Delete)
    }

    /// The `Rel="Up"` link (the parent resource).
    pub fn up(&self) -> Option<&'a g::LinkType> {
        self.by_rel(Rel::Up)
    }

    /// The `Rel="Down"` link to a resource of this type (`down("JobReferenceList")`).
    pub fn down(&self, kind: &str) -> Option<&'a g::LinkType> {
        self.find(Rel::Down, kind)
    }

    /// The `Rel="Start"` link of a job.
    pub fn start(&self) -> Option<&'a g::LinkType> {
        self.by_rel(Rel::Start)
    }
}

impl<'a> IntoIterator for Links<'a> {
    type Item = &'a g::LinkType;
    type IntoIter = std::slice::Iter<'a, g::LinkType>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A resource that carries a `Links` element.
pub trait HasLinks {
    /// The resource's links (empty when it has no `Links` element).
    fn links(&self) -> Links<'_>;
}

macro_rules! has_links {
    ($($ty:ident),*) => {$(
        impl HasLinks for g::$ty {
            fn links(&self) -> Links<'_> {
                Links(self.links.as_ref().map(|list| list.link.as_slice()).unwrap_or(&[]))
            }
        }
    )*};
}

has_links!(
    EnterpriseManagerType,
    SupportedVersionType,
    LogonSessionType,
    ReferenceType,
    BackupServerType,
    JobType,
    RepositoryType,
    BackupJobSessionType,
    TaskType,
    PagingInfoType
);
