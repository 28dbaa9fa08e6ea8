//! The link catalogue of EM (EM-04): which collections and services the server offers, and the
//! `Links` of a `LogonSession`, in the order the vendor's samples show them.
//!
//! The catalogue is data: a table of collections (each offered as a reference list and as a list
//! of entities), a table of service documents, and the ordered entries of a logon session's
//! `Links`. Link types are derived from a collection's item name: `Job` gives
//! `JobReferenceList` (`/api/jobs`) and `JobList` (`/api/jobs?format=Entity`, root element
//! `Jobs`).

/// A collection below `/api/`, answered as `EntityReferences` (plain) or as a list of entities
/// (`?format=Entity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Collection {
    /// The path below `/api/` (`jobs`, `catalog/vms`).
    pub path: &'static str,
    /// The name of one item (`Job`): the entity's element and type, `<item>Reference`,
    /// `<item>ReferenceList`, `<item>List`.
    pub item: &'static str,
    /// The root element of the `?format=Entity` form: the item's plural (`Jobs`,
    /// `Repositories`); always `plural` of `item` (a test checks it).
    pub list: &'static str,
}

impl Collection {
    /// The `Type` of the link to the plain collection (`JobReferenceList`).
    pub(crate) fn reference_list_type(&self) -> String {
        format!("{}ReferenceList", self.item)
    }

    /// The `Type` of the link to the `?format=Entity` form (`JobList`).
    pub(crate) fn entity_list_type(&self) -> String {
        format!("{}List", self.item)
    }
}

/// English plural of an item name, as EM writes its list elements.
#[cfg(test)]
pub(crate) fn plural(item: &str) -> String {
    match item.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{item}s"),
    }
}

const fn c(path: &'static str, item: &'static str, list: &'static str) -> Collection {
    Collection { path, item, list }
}

/// Every collection the emulator answers. The first block is linked from a logon session; the
/// second is reachable by path only (older releases' or other pages' collections).
pub(crate) const COLLECTIONS: &[Collection] = &[
    c("backupServers", "BackupServer", "BackupServers"),
    c("managedServers", "ManagedServer", "ManagedServers"),
    c("jobs", "Job", "Jobs"),
    c("failoverPlans", "FailoverPlan", "FailoverPlans"),
    c("hierarchyRoots", "HierarchyRoot", "HierarchyRoots"),
    c("repositories", "Repository", "Repositories"),
    c("backups", "Backup", "Backups"),
    c("restorePoints", "RestorePoint", "RestorePoints"),
    c("vmRestorePoints", "VmRestorePoint", "VmRestorePoints"),
    c("vAppRestorePoints", "VAppRestorePoint", "VAppRestorePoints"),
    c("replicas", "Replica", "Replicas"),
    c("vmReplicaPoints", "VmReplicaPoint", "VmReplicaPoints"),
    c("catalog/vms", "CatalogVm", "CatalogVms"),
    c("backupSessions", "BackupJobSession", "BackupJobSessions"),
    c("restoreSessions", "RestoreSession", "RestoreSessions"),
    c("replicaSessions", "ReplicaJobSession", "ReplicaJobSessions"),
    c(
        "backupTaskSessions",
        "BackupTaskSession",
        "BackupTaskSessions",
    ),
    c(
        "replicaTaskSessions",
        "ReplicaTaskSession",
        "ReplicaTaskSessions",
    ),
    c("wanAccelerators", "WanAccelerator", "WanAccelerators"),
    c("backupFiles", "BackupFile", "BackupFiles"),
    c(
        "externalRepositories",
        "ExternalRepository",
        "ExternalRepositories",
    ),
    c("cdpPolicies", "CdpPolicy", "CdpPolicies"),
    c(
        "cdpReplicaSessions",
        "CdpReplicaSession",
        "CdpReplicaSessions",
    ),
    c(
        "cdpReplicaTaskSessions",
        "CdpReplicaTaskSession",
        "CdpReplicaTaskSessions",
    ),
    c("vAppReplicaPoints", "VAppReplicaPoint", "VAppReplicaPoints"),
    c("cdpReplica/vms", "VmCdpReplica", "VmCdpReplicas"),
    c("cdpReplica/vApps", "VAppCdpReplica", "VAppCdpReplicas"),
    // System sessions are backup job sessions of the server's own jobs.
    c("systemSessions", "BackupJobSession", "BackupJobSessions"),
    // Reachable by path, not linked from a logon session.
    c(
        "agentBackupSessions",
        "AgentBackupJobSession",
        "AgentBackupJobSessions",
    ),
    c("agentJobs", "AgentJob", "AgentJobs"),
    c("agentBackups", "AgentBackup", "AgentBackups"),
    c(
        "replicaRestorePoints",
        "ReplicaRestorePoint",
        "ReplicaRestorePoints",
    ),
    c("tapeLibraries", "TapeLibrary", "TapeLibraries"),
    c("tapeJobs", "TapeJob", "TapeJobs"),
    c("fileServers", "FileServer", "FileServers"),
    c("nasJobs", "NASJob", "NASJobs"),
    c("nasBackups", "NASBackup", "NASBackups"),
    c(
        "nasBackupSessions",
        "NASBackupJobSession",
        "NASBackupJobSessions",
    ),
    c(
        "vCloudOrganizationConfigs",
        "VCloudOrganizationConfig",
        "VCloudOrganizationConfigs",
    ),
];

/// A service document: a resource whose root element is its type, with links of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Service {
    /// The path below `/api/` (`querySvc`, `reports/summary`).
    pub path: &'static str,
    /// The link `Type` and the root element (`QueryService`).
    pub ty: &'static str,
    /// The link's `Name`, when it has one.
    pub name: Option<&'static str>,
}

const fn s(path: &'static str, ty: &'static str) -> Service {
    Service {
        path,
        ty,
        name: None,
    }
}

/// The service documents of a logon session's links.
pub(crate) const SERVICES: &[Service] = &[
    s("security", "EnterpriseSecuritySettings"),
    s("querySvc", "QueryService"),
    s("lookupSvc", "LookupService"),
    Service {
        path: "reports/summary",
        ty: "Report",
        name: Some("Summary"),
    },
    s("vCloud", "VCloudService"),
    s("agents", "AgentsService"),
    s("selfService/vSphere", "VSphereSelfService"),
    s("nas", "NasService"),
];

/// The path and type of the task list (`/api/tasks`, `TaskList`, root element `Tasks`).
pub(crate) const TASKS: (&str, &str) = ("tasks", "TaskList");

/// One entry of a logon session's `Links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `Rel="Up"` to the `EnterpriseManager` root, `/api/`.
    Up,
    /// `Rel="Down"` to a collection's references (`Type="<item>ReferenceList"`).
    References(&'static str),
    /// `Rel="Down"` to a collection's entities (`?format=Entity`, `Type="<item>List"`).
    Entities(&'static str),
    /// `Rel="Down"` to a service document (by path).
    Service(&'static str),
    /// `Rel="Down"` to the calling session's tasks (`TaskList`).
    Tasks,
    /// `Rel="Create"`, no `Type`: register a backup server (`/api/backupServers?action=create`).
    CreateBackupServer,
    /// `Rel="Delete"`, no `Type`: this logon session, `/api/logonSessions/<id>` (EM-09).
    Delete,
}

use Entry::{Entities as E, References as R, Service as S};

/// The links of a `LogonSession`, in the order of the vendor's samples (EM-04).
pub(crate) const LOGON_SESSION: &[Entry] = &[
    Entry::Up,
    R("backupServers"),
    R("managedServers"),
    R("jobs"),
    R("failoverPlans"),
    R("hierarchyRoots"),
    R("repositories"),
    R("backups"),
    R("restorePoints"),
    R("vmRestorePoints"),
    R("vAppRestorePoints"),
    R("replicas"),
    R("vmReplicaPoints"),
    R("catalog/vms"),
    R("backupSessions"),
    R("restoreSessions"),
    R("replicaSessions"),
    R("backupTaskSessions"),
    R("replicaTaskSessions"),
    S("security"),
    R("wanAccelerators"),
    R("backupFiles"),
    R("externalRepositories"),
    R("cdpPolicies"),
    R("cdpReplicaSessions"),
    R("cdpReplicaTaskSessions"),
    R("vAppReplicaPoints"),
    R("cdpReplica/vms"),
    R("cdpReplica/vApps"),
    R("systemSessions"),
    Entry::Tasks,
    S("querySvc"),
    S("lookupSvc"),
    S("reports/summary"),
    E("backupServers"),
    E("managedServers"),
    Entry::CreateBackupServer,
    E("jobs"),
    E("failoverPlans"),
    E("hierarchyRoots"),
    E("repositories"),
    E("backups"),
    E("restorePoints"),
    E("vmRestorePoints"),
    E("vAppRestorePoints"),
    E("replicas"),
    E("vmReplicaPoints"),
    E("catalog/vms"),
    E("backupSessions"),
    E("restoreSessions"),
    E("replicaSessions"),
    E("backupTaskSessions"),
    E("replicaTaskSessions"),
    E("wanAccelerators"),
    S("vCloud"),
    E("backupFiles"),
    S("agents"),
    S("selfService/vSphere"),
    E("externalRepositories"),
    S("nas"),
    E("cdpPolicies"),
    E("cdpReplicaSessions"),
    E("cdpReplicaTaskSessions"),
    E("vAppReplicaPoints"),
    E("cdpReplica/vms"),
    E("cdpReplica/vApps"),
    E("systemSessions"),
    Entry::Delete,
];

/// A link as data: `Rel`, `Type` (none for Create and Delete), the path below `/api/` with its
/// query, and `Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkData {
    /// `Rel`.
    pub rel: &'static str,
    /// `Type`, absent on the Create and Delete links.
    pub ty: Option<String>,
    /// Path below `/api/`, with its query (`jobs?format=Entity`); the logon session's own path
    /// for [`Entry::Delete`].
    pub path: String,
    /// `Name`, when the link has one.
    pub name: Option<&'static str>,
}

/// The collection at `path` (compared without regard to case).
pub(crate) fn collection(path: &str) -> Option<&'static Collection> {
    COLLECTIONS
        .iter()
        .find(|c| c.path.eq_ignore_ascii_case(path.trim_matches('/')))
}

/// The service document at `path` (compared without regard to case).
pub(crate) fn service(path: &str) -> Option<&'static Service> {
    SERVICES
        .iter()
        .find(|s| s.path.eq_ignore_ascii_case(path.trim_matches('/')))
}

impl Entry {
    /// The link this entry stands for; `own_session` is `logonSessions/<id>`.
    pub(crate) fn data(self, own_session: &str) -> LinkData {
        let down = |ty: String, path: String| LinkData {
            rel: "Down",
            ty: Some(ty),
            path,
            name: None,
        };
        let coll = |p: &str| collection(p).copied().unwrap_or(c("", "", ""));
        match self {
            Entry::Up => LinkData {
                rel: "Up",
                ty: Some("EnterpriseManager".into()),
                path: String::new(),
                name: None,
            },
            Entry::References(p) => down(coll(p).reference_list_type(), p.to_owned()),
            Entry::Entities(p) => down(coll(p).entity_list_type(), format!("{p}?format=Entity")),
            Entry::Service(p) => {
                let svc = service(p);
                LinkData {
                    rel: "Down",
                    ty: svc.map(|s| s.ty.to_owned()),
                    path: p.to_owned(),
                    name: svc.and_then(|s| s.name),
                }
            }
            Entry::Tasks => down(TASKS.1.to_owned(), TASKS.0.to_owned()),
            Entry::CreateBackupServer => LinkData {
                rel: "Create",
                ty: None,
                path: "backupServers?action=create".to_owned(),
                name: None,
            },
            Entry::Delete => LinkData {
                rel: "Delete",
                ty: None,
                path: own_session.to_owned(),
                name: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_names_a_known_collection_or_service() {
        for e in LOGON_SESSION {
            match e {
                Entry::References(p) | Entry::Entities(p) => {
                    assert!(collection(p).is_some(), "{p}")
                }
                Entry::Service(p) => assert!(service(p).is_some(), "{p}"),
                _ => {}
            }
        }
        assert_eq!(LOGON_SESSION.len(), 68);
    }

    #[test]
    fn types_and_roots_follow_the_item_name() {
        let jobs = collection("JOBS").unwrap();
        assert_eq!(jobs.reference_list_type(), "JobReferenceList");
        assert_eq!(jobs.entity_list_type(), "JobList");
        assert_eq!(jobs.list, "Jobs");
        for c in COLLECTIONS {
            assert_eq!(c.list, plural(c.item), "{}", c.path);
        }
        assert_eq!(plural("Repository"), "Repositories");
        assert_eq!(plural("CdpPolicy"), "CdpPolicies");
        assert_eq!(plural("VmCdpReplica"), "VmCdpReplicas");
        assert_eq!(plural("TapeLibrary"), "TapeLibraries");
    }
}
