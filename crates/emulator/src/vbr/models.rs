//! VBR answers in the models of the revision a request asked for (VBR-11, VBR-13).
//!
//! The differences between revisions are data here, read from nothing at run time:
//!
//! | what | up to 1.2-rev1 | 1.3-rev0 | from 1.3-rev1 |
//! | --- | --- | --- | --- |
//! | job type of a vSphere backup job | `Backup` | `VSphereBackup` | `VSphereBackup` |
//! | `platform` of an inventory object | `VMware` | `VSphere` | `VSphere` |
//! | `serverInfo.platform`, `.veeamRegistration` | absent | required | required |
//! | repository `mountServer` | one mount server | `mountServerSettingsType` + `windows` | same |
//! | enumerations that changed case (VBR-11) | `monday`, `windows` | `monday`, `windows` | `Monday`, `Windows` |
//!
//! Every model the vendor marks required is written, with values derived from the inventory:
//! a vSphere backup job's `guestProcessing`, `schedule`, `storage.backupProxies` and
//! `virtualMachines`; a replica's `destination`; a file backup copy's `primaryJobId` and
//! `backupRepositoryId`; a repository's `hostId`, `repository`, `mountServer` and, for shares,
//! `share`.

use serde::Serialize;
use serde_json::{Value, json};

use super::revision::ApiRevision;
use crate::inventory::{Backup, Job, Repository, stable_id};
use crate::state::{State, rfc3339};

/// The newest revision whose models the emulator writes; a request without a recorded revision
/// (VBR-08 "newest" reading) is answered in the newest revision the server accepts.
const NEWEST: ApiRevision = ApiRevision::new(1, 3, 2);

/// The models of one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Models {
    rev: ApiRevision,
}

impl Models {
    /// The models of `rev`, or of the newest revision `st` accepts when the request recorded
    /// none.
    pub(crate) fn for_request(st: &State, rev: Option<ApiRevision>) -> Self {
        let rev = rev.unwrap_or_else(|| {
            st.vbr_versions
                .read()
                .iter()
                .filter_map(|v| v.parse::<ApiRevision>().ok())
                .max()
                .unwrap_or(NEWEST)
        });
        Self { rev }
    }

    /// The models of `rev`.
    #[cfg(test)]
    pub(crate) fn of(rev: ApiRevision) -> Self {
        Self { rev }
    }

    /// 1.3 renamed values and added required fields.
    fn v13(self) -> bool {
        self.rev.at_least(1, 3)
    }

    /// VBR-11: from 1.3-rev1 on, the enumerations written in lower camel case before are
    /// capitalised (`monday` → `Monday`, `windows` → `Windows`).
    fn spell(self, lower_camel: &str) -> String {
        if self.rev >= ApiRevision::new(1, 3, 1) {
            let mut chars = lower_camel.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        } else {
            lower_camel.to_string()
        }
    }

    /// The job type as this revision names it: 1.2's `Backup` is `VSphereBackup` from 1.3
    /// (the inventory may use either name).
    pub(crate) fn job_type(self, kind: &str) -> String {
        let backup =
            kind.eq_ignore_ascii_case("Backup") || kind.eq_ignore_ascii_case("VSphereBackup");
        match (backup, self.v13()) {
            (true, true) => "VSphereBackup".to_string(),
            (true, false) => "Backup".to_string(),
            (false, _) => kind.to_string(),
        }
    }

    /// `platform` of a VMware inventory object (`EPlatformType` up to 1.2, then
    /// `EInventoryPlatformType`).
    fn vsphere_platform(self) -> &'static str {
        if self.v13() { "VSphere" } else { "VMware" }
    }

    /// A VMware vSphere inventory object.
    fn vmware_object(self, kind: &str, host: &str, name: &str) -> Value {
        json!({
            "platform": self.vsphere_platform(),
            "type": kind,
            "hostName": host,
            "name": name,
            "objectId": stable_id(kind, name),
        })
    }

    /// `GET /api/v1/serverInfo`.
    pub(crate) fn server_info(self, st: &State) -> String {
        let server = st.inventory.backup_servers.first();
        let name = server.map_or("vbr01.lab.local", |s| s.name.as_str());
        let version = server.map_or("12.3.1.1139", |s| s.version.as_str());
        let id = server.map_or_else(
            || std::borrow::Cow::Owned(stable_id("Vbr", name)),
            |s| std::borrow::Cow::Borrowed(s.id.as_str()),
        );
        let info = ServerInfo {
            build_version: version,
            database_content_version: version,
            database_schema_version: version,
            database_vendor: "PostgreSQL",
            name,
            patches: &[],
            sql_server_edition: "",
            sql_server_version: "15.4",
            vbr_id: &id,
            platform: self.v13().then_some("Windows"),
            veeam_registration: self.v13().then_some(VeeamRegistration {
                is_registered: false,
            }),
        };
        // Serialising plain strings and booleans cannot fail; an empty object is the fallback.
        serde_json::to_string(&info).unwrap_or_else(|_| "{}".to_string())
    }

    /// A job (`JobModel` and the subschema its `type` selects).
    pub(crate) fn job(self, st: &State, job: &Job) -> Value {
        let kind = self.job_type(&job.kind);
        let mut v = json!({
            "id": job.id,
            "name": job.name,
            "type": kind,
            "description": job.description,
            "isDisabled": job.disabled,
        });
        let vcenter = "vcenter.lab.local";
        let vms: Vec<Value> = job
            .vms
            .iter()
            .map(|vm| self.vmware_object("VirtualMachine", vcenter, vm))
            .collect();
        match kind.as_str() {
            "Backup" | "VSphereBackup" => {
                let repo = st.inventory.repository_by_name(&job.repository);
                let repo_id = repo.map_or_else(
                    || stable_id("Repository", &job.repository),
                    |r| r.id.clone(),
                );
                v["isHighPriority"] = json!(false);
                v["virtualMachines"] = json!({"includes": vms});
                v["storage"] = json!({
                    "backupRepositoryId": repo_id,
                    "backupProxies": {"autoSelectEnabled": true},
                    "retentionPolicy": {"type": "RestorePoints", "quantity": 7},
                });
                v["guestProcessing"] = json!({
                    "appAwareProcessing": {"isEnabled": false},
                    "guestFSIndexing": {"isEnabled": false},
                });
                let days: Vec<String> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
                    .iter()
                    .map(|d| self.spell(d))
                    .collect();
                v["schedule"] = json!({
                    "runAutomatically": !job.disabled,
                    "daily": {
                        "isEnabled": true,
                        "localTime": "22:00",
                        "dailyKind": "SelectedDays",
                        "days": days,
                    },
                });
            }
            "VSphereReplica" => {
                v["virtualMachines"] = json!({"includes": vms});
                v["destination"] = json!({
                    "host": self.vmware_object("Host", vcenter, "esx-dr-01.lab.local"),
                    "resourcePool": self.vmware_object("ResourcePool", vcenter, "Resources"),
                    "folder": self.vmware_object("Folder", vcenter, "Replicas"),
                    "datastore": self.vmware_object("Datastore", vcenter, "dr-datastore-01"),
                });
            }
            "FileBackupCopy" => {
                // The primary job: the first job of the inventory that is not a copy itself.
                let primary = st
                    .inventory
                    .jobs
                    .iter()
                    .find(|j| !j.kind.to_ascii_lowercase().contains("copy"));
                let repo = st.inventory.repository_by_name(&job.repository);
                v["primaryJobId"] = json!(primary.map_or_else(
                    || stable_id("Job", &format!("{} primary", job.name)),
                    |j| j.id.clone()
                ));
                v["backupRepositoryId"] = json!(repo.map_or_else(
                    || stable_id("Repository", &job.repository),
                    |r| r.id.clone()
                ));
            }
            _ => {}
        }
        v
    }

    /// A backup (`BackupModel`).
    pub(crate) fn backup(self, st: &State, b: &Backup) -> Value {
        let job = st.inventory.jobs.iter().find(|j| j.name == b.job);
        let repo = st.inventory.repository_by_name(&b.repository);
        json!({
            "id": b.id,
            "name": b.name,
            "jobId": job.map(|j| j.id.clone()),
            "policyUniqueId": job.map(|j| j.id.clone()),
            "jobType": self.job_type(job.map_or("Backup", |j| j.kind.as_str())),
            "platformName": "VMware",
            "platformId": stable_id("Platform", "VMware"),
            "creationTime": rfc3339(st.start_ms.saturating_sub(7 * 86_400_000)),
            "repositoryId": repo.map_or_else(|| stable_id("Repository", &b.repository), |r| r.id.clone()),
        })
    }

    /// A repository (`RepositoryModel` and the subschema its `type` selects).
    pub(crate) fn repository(self, st: &State, r: &Repository) -> Value {
        let host = st.inventory.backup_servers.first();
        let host_id = host.map_or_else(|| stable_id("Vbr", "vbr01.lab.local"), |h| h.id.clone());
        let mut v = json!({
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "uniqueId": r.id,
            "type": r.kind,
            "hostId": host_id,
            "hostName": host.map(|h| h.name.clone()),
            "path": r.path,
            "repository": {"path": r.path, "maxTaskCount": 4},
        });
        if matches!(r.kind.as_str(), "Nfs" | "Smb") {
            v["share"] = json!({"sharePath": r.path});
            v["repository"] = json!({"maxTaskCount": 4});
        }
        let mount = json!({
            "mountServerId": host_id,
            "writeCacheFolder": "C:\\ProgramData\\Veeam\\Backup\\IRCache\\",
            "vPowerNFSEnabled": true,
        });
        v["mountServer"] = if self.v13() {
            json!({"mountServerSettingsType": self.spell("windows"), "windows": mount})
        } else {
            mount
        };
        v
    }
}

/// `serverInfo`, written without building a `Value` (the body is hot in benchmarks); field
/// order is the sorted order a `Value` object writes, so both forms give the same text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerInfo<'a> {
    build_version: &'a str,
    database_content_version: &'a str,
    database_schema_version: &'a str,
    database_vendor: &'static str,
    name: &'a str,
    patches: &'static [()],
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<&'static str>,
    sql_server_edition: &'static str,
    sql_server_version: &'static str,
    vbr_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    veeam_registration: Option<VeeamRegistration>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VeeamRegistration {
    is_registered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_info_body_matches_the_value_form() {
        let info = ServerInfo {
            build_version: "12.3.1.1139",
            database_content_version: "12.3.1.1139",
            database_schema_version: "12.3.1.1139",
            database_vendor: "PostgreSQL",
            name: "vbr\"01",
            patches: &[],
            platform: Some("Windows"),
            sql_server_edition: "",
            sql_server_version: "15.4",
            vbr_id: "id-1",
            veeam_registration: Some(VeeamRegistration {
                is_registered: false,
            }),
        };
        let value = json!({
            "vbrId": "id-1",
            "name": "vbr\"01",
            "buildVersion": "12.3.1.1139",
            "patches": [],
            "databaseVendor": "PostgreSQL",
            "sqlServerEdition": "",
            "sqlServerVersion": "15.4",
            "databaseSchemaVersion": "12.3.1.1139",
            "databaseContentVersion": "12.3.1.1139",
            "platform": "Windows",
            "veeamRegistration": {"isRegistered": false},
        });
        assert_eq!(serde_json::to_string(&info).unwrap(), value.to_string());
    }

    #[test]
    fn values_follow_the_revision() {
        let r12 = Models::of(ApiRevision::new(1, 2, 1));
        let r130 = Models::of(ApiRevision::new(1, 3, 0));
        let r131 = Models::of(ApiRevision::new(1, 3, 1));
        assert_eq!(r12.job_type("Backup"), "Backup");
        assert_eq!(r12.job_type("VSphereBackup"), "Backup");
        assert_eq!(r130.job_type("Backup"), "VSphereBackup");
        assert_eq!(r131.job_type("VSphereReplica"), "VSphereReplica");
        assert_eq!(r130.spell("windows"), "windows");
        assert_eq!(r131.spell("windows"), "Windows");
        assert_eq!(
            Models::of(ApiRevision::new(1, 3, 2)).spell("monday"),
            "Monday"
        );
        assert_eq!(r12.vsphere_platform(), "VMware");
        assert_eq!(r131.vsphere_platform(), "VSphere");
    }
}
