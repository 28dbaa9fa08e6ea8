//! The resources the emulator serves: an embedded default, or a TOML file of the same shape.
//!
//! Ids left out of a file are derived from the resource's kind and name, so the same file gives
//! the same ids on every run.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A Veeam backup server as EM lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupServer {
    /// Id (a UUID); derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Host name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Port of the backup service.
    #[serde(default = "default_backup_port")]
    pub port: u16,
    /// Product version.
    #[serde(default = "default_vbr_version")]
    pub version: String,
}

fn default_backup_port() -> u16 {
    9392
}

fn default_vbr_version() -> String {
    "12.3.1.1139".to_string()
}

/// A backup repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    /// Id (a UUID); derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// VBR repository type, e.g. `WinLocal`, `LinuxLocal`, `Nfs`.
    #[serde(default = "default_repo_kind")]
    pub kind: String,
    /// Path on the repository host.
    #[serde(default)]
    pub path: String,
    /// Capacity in GB.
    #[serde(default = "default_capacity")]
    pub capacity_gb: u64,
    /// Free space in GB.
    #[serde(default = "default_free")]
    pub free_gb: u64,
}

fn default_repo_kind() -> String {
    "WinLocal".to_string()
}
fn default_capacity() -> u64 {
    2048
}
fn default_free() -> u64 {
    1024
}

/// A job. Starting it creates a run that progresses on the emulator's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Id (a UUID); derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// VBR job type: `Backup`, `VSphereReplica`, `FileBackupCopy`, ...
    #[serde(default = "default_job_kind")]
    pub kind: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Name of the target repository.
    #[serde(default)]
    pub repository: String,
    /// How long a run takes on the emulator's clock, in seconds.
    #[serde(default = "default_duration")]
    pub duration_secs: u64,
    /// Outcome of a run that is not stopped: `Success`, `Warning` or `Failed`.
    #[serde(default = "default_result")]
    pub result: String,
    /// Whether the job is disabled.
    #[serde(default)]
    pub disabled: bool,
    /// Names of the protected VMs.
    #[serde(default)]
    pub vms: Vec<String>,
}

fn default_job_kind() -> String {
    "Backup".to_string()
}
fn default_duration() -> u64 {
    120
}
fn default_result() -> String {
    "Success".to_string()
}

/// A backup (the restore points of one job).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Id (a UUID); derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Name of the job that made it.
    pub job: String,
    /// Name of the repository that holds it.
    #[serde(default)]
    pub repository: String,
    /// Number of restore points.
    #[serde(default = "default_points")]
    pub restore_points: u32,
}

fn default_points() -> u32 {
    7
}

/// The local ZVM site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZvmSite {
    /// Site identifier; derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Site name.
    pub name: String,
    /// Location.
    #[serde(default)]
    pub location: String,
    /// ZVM version.
    #[serde(default = "default_zvm_version")]
    pub version: String,
}

fn default_zvm_version() -> String {
    "10.0.60".to_string()
}

/// A Zerto virtual protection group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vpg {
    /// VPG identifier; derived from the name when empty.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Zerto `VpgStatus` number (1 = MeetingSLA).
    #[serde(default = "default_vpg_status")]
    pub status: u32,
    /// Zerto priority number (0 Low, 1 Medium, 2 High).
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Configured RPO in seconds.
    #[serde(default = "default_rpo")]
    pub rpo_seconds: u32,
    /// Target site name.
    #[serde(default = "default_target")]
    pub target_site: String,
    /// Names of the protected VMs.
    #[serde(default)]
    pub vms: Vec<String>,
}

fn default_vpg_status() -> u32 {
    1
}
fn default_priority() -> u32 {
    1
}
fn default_rpo() -> u32 {
    300
}
fn default_target() -> String {
    "DR-Site".to_string()
}

/// A ZVM alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Alert identifier; derived from the description when empty.
    #[serde(default)]
    pub id: String,
    /// `Warning` or `Error`.
    #[serde(default = "default_level")]
    pub level: String,
    /// Zerto help identifier, e.g. `VPG0009`.
    #[serde(default)]
    pub help_identifier: String,
    /// Text.
    pub description: String,
    /// Name of the VPG concerned, if any.
    #[serde(default)]
    pub vpg: String,
}

fn default_level() -> String {
    "Warning".to_string()
}

/// A ZVM task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZvmTask {
    /// Task identifier; derived from the description when empty.
    #[serde(default)]
    pub id: String,
    /// Zerto task type, e.g. `FailOverTest`.
    #[serde(default)]
    pub kind: String,
    /// Text.
    pub description: String,
    /// How long the task runs from the emulator's start, in seconds (0 = already finished).
    #[serde(default)]
    pub duration_secs: u64,
    /// Name of the VPG concerned, if any.
    #[serde(default)]
    pub vpg: String,
}

/// Everything the emulator serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// EM backup servers.
    #[serde(default)]
    pub backup_servers: Vec<BackupServer>,
    /// Repositories.
    #[serde(default)]
    pub repositories: Vec<Repository>,
    /// Jobs (EM and VBR).
    #[serde(default)]
    pub jobs: Vec<Job>,
    /// Backups.
    #[serde(default)]
    pub backups: Vec<Backup>,
    /// ZVM local site.
    pub zvm_site: ZvmSite,
    /// VPGs.
    #[serde(default)]
    pub vpgs: Vec<Vpg>,
    /// Alerts.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// ZVM tasks.
    #[serde(default)]
    pub zvm_tasks: Vec<ZvmTask>,
}

/// Errors reading an inventory file.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be read.
    #[error("cannot read inventory file")]
    Io(#[from] std::io::Error),
    /// The file is not a valid inventory.
    #[error("invalid inventory")]
    Toml(#[from] toml::de::Error),
}

/// A stable UUID for `kind` + `name` (FNV-1a over both, twice with different seeds).
pub(crate) fn stable_id(kind: &str, name: &str) -> String {
    fn fnv(seed: u64, bytes: impl Iterator<Item = u8>) -> u64 {
        let mut h = seed;
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        h
    }
    let data = || kind.bytes().chain([0u8]).chain(name.bytes());
    let hi = fnv(0xcbf29ce484222325, data());
    let lo = fnv(0x84222325cbf29ce4, data());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl Inventory {
    /// Parses a TOML inventory and fills in missing ids.
    pub fn from_toml_str(text: &str) -> Result<Self, InventoryError> {
        let mut inv: Inventory = toml::from_str(text)?;
        inv.fill_ids();
        Ok(inv)
    }

    /// Reads a TOML inventory file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, InventoryError> {
        let text = std::fs::read_to_string(path)?;
        Self::from_toml_str(&text)
    }

    /// Fills every empty id with a stable one (lower case).
    pub fn fill_ids(&mut self) {
        fn fill(id: &mut String, kind: &str, name: &str) {
            if id.is_empty() {
                *id = stable_id(kind, name);
            }
            *id = id.to_ascii_lowercase();
        }
        for s in &mut self.backup_servers {
            fill(&mut s.id, "BackupServer", &s.name);
        }
        for r in &mut self.repositories {
            fill(&mut r.id, "Repository", &r.name);
        }
        for j in &mut self.jobs {
            fill(&mut j.id, "Job", &j.name);
        }
        for b in &mut self.backups {
            fill(&mut b.id, "Backup", &b.name);
        }
        let site_name = self.zvm_site.name.clone();
        fill(&mut self.zvm_site.id, "Site", &site_name);
        for v in &mut self.vpgs {
            fill(&mut v.id, "Vpg", &v.name);
        }
        for a in &mut self.alerts {
            fill(&mut a.id, "Alert", &a.description);
        }
        for t in &mut self.zvm_tasks {
            fill(&mut t.id, "ZvmTask", &t.description);
        }
    }

    /// The job with this id (case-insensitive).
    pub(crate) fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id.eq_ignore_ascii_case(id))
    }

    /// The backup with this id (case-insensitive).
    pub(crate) fn backup(&self, id: &str) -> Option<&Backup> {
        self.backups.iter().find(|b| b.id.eq_ignore_ascii_case(id))
    }

    /// The repository with this id (case-insensitive).
    pub(crate) fn repository(&self, id: &str) -> Option<&Repository> {
        self.repositories
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// The VPG with this id (case-insensitive).
    pub(crate) fn vpg(&self, id: &str) -> Option<&Vpg> {
        self.vpgs.iter().find(|v| v.id.eq_ignore_ascii_case(id))
    }

    /// The ZVM task with this id (case-insensitive).
    pub(crate) fn zvm_task(&self, id: &str) -> Option<&ZvmTask> {
        self.zvm_tasks
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// The repository with this name.
    pub(crate) fn repository_by_name(&self, name: &str) -> Option<&Repository> {
        self.repositories.iter().find(|r| r.name == name)
    }
}

impl Default for Inventory {
    /// One backup server, 3 repositories, 25 jobs (22 backup, 2 file backup copy, 1 replica), a backup
    /// for each backup job, 3 VPGs with 2 VMs each, 2 alerts and 2 ZVM tasks.
    fn default() -> Self {
        let repositories = vec![
            Repository {
                id: String::new(),
                name: "Default Backup Repository".into(),
                description: "Created by Veeam Backup".into(),
                kind: "WinLocal".into(),
                path: "C:\\Backup".into(),
                capacity_gb: 2048,
                free_gb: 1200,
            },
            Repository {
                id: String::new(),
                name: "Linux Hardened Repository".into(),
                description: "Immutable".into(),
                kind: "LinuxHardened".into(),
                path: "/mnt/backup".into(),
                capacity_gb: 8192,
                free_gb: 5000,
            },
            Repository {
                id: String::new(),
                name: "NAS Repository".into(),
                description: String::new(),
                kind: "Nfs".into(),
                path: "nas01:/export/veeam".into(),
                capacity_gb: 4096,
                free_gb: 300,
            },
        ];
        let mut jobs = Vec::new();
        for n in 1..=22 {
            jobs.push(Job {
                id: String::new(),
                name: format!("Backup Job {n:02}"),
                kind: "Backup".into(),
                description: format!("Nightly backup {n:02}"),
                repository: repositories[n % 2].name.clone(),
                duration_secs: 120,
                result: if n == 3 {
                    "Warning".into()
                } else if n == 4 {
                    "Failed".into()
                } else {
                    "Success".into()
                },
                disabled: n == 22,
                vms: vec![format!("vm-app-{n:02}"), format!("vm-db-{n:02}")],
            });
        }
        for n in 1..=2 {
            jobs.push(Job {
                id: String::new(),
                name: format!("Backup Copy Job {n:02}"),
                kind: "FileBackupCopy".into(),
                description: "Offsite copy".into(),
                repository: repositories[2].name.clone(),
                duration_secs: 300,
                result: "Success".into(),
                disabled: false,
                vms: Vec::new(),
            });
        }
        jobs.push(Job {
            id: String::new(),
            name: "Replication Job 01".into(),
            kind: "VSphereReplica".into(),
            description: "DR replica".into(),
            repository: String::new(),
            duration_secs: 180,
            result: "Success".into(),
            disabled: false,
            vms: vec!["vm-web-01".into()],
        });
        let backups = jobs
            .iter()
            .filter(|j| j.kind == "Backup" && !j.disabled)
            .map(|j| Backup {
                id: String::new(),
                name: j.name.clone(),
                job: j.name.clone(),
                repository: j.repository.clone(),
                restore_points: 7,
            })
            .collect();
        let vpg = |name: &str, status: u32, priority: u32, vms: &[&str]| Vpg {
            id: String::new(),
            name: name.into(),
            status,
            priority,
            rpo_seconds: 300,
            target_site: "DR-Site".into(),
            vms: vms.iter().map(|s| s.to_string()).collect(),
        };
        let mut inv = Inventory {
            backup_servers: vec![BackupServer {
                id: String::new(),
                name: "vbr01.lab.local".into(),
                description: "Main backup server".into(),
                port: 9392,
                version: default_vbr_version(),
            }],
            repositories,
            jobs,
            backups,
            zvm_site: ZvmSite {
                id: String::new(),
                name: "Prod-Site".into(),
                location: "Datacenter A".into(),
                version: default_zvm_version(),
            },
            vpgs: vec![
                vpg("VPG-Web", 1, 2, &["web-01", "web-02"]),
                vpg("VPG-Db", 1, 2, &["db-01", "db-02"]),
                vpg("VPG-Files", 2, 0, &["files-01", "files-02"]),
            ],
            alerts: vec![
                Alert {
                    id: String::new(),
                    level: "Warning".into(),
                    help_identifier: "VPG0009".into(),
                    description: "VPG VPG-Files is not meeting its SLA".into(),
                    vpg: "VPG-Files".into(),
                },
                Alert {
                    id: String::new(),
                    level: "Error".into(),
                    help_identifier: "ZVM0002".into(),
                    description: "The license expires in 10 days".into(),
                    vpg: String::new(),
                },
            ],
            zvm_tasks: vec![
                ZvmTask {
                    id: String::new(),
                    kind: "CreateProtectionGroup".into(),
                    description: "Initial sync of VPG-Web".into(),
                    duration_secs: 0,
                    vpg: "VPG-Web".into(),
                },
                ZvmTask {
                    id: String::new(),
                    kind: "FailOverTest".into(),
                    description: "Test failover of VPG-Db".into(),
                    duration_secs: 600,
                    vpg: "VPG-Db".into(),
                },
            ],
        };
        inv.fill_ids();
        inv
    }
}
