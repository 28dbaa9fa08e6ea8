//! How an emulator is set up: addresses, clock, users, TLS, versions, lifetimes and limits.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use restpoint_clock::{ManualClock, SharedClock, SystemClock};
use serde::{Deserialize, Serialize};

use crate::behaviour::Behaviour;
use crate::breaks::{Break, Breaks};
use crate::defaults;
use crate::inventory::Inventory;

/// A role of Veeam Backup Enterprise Manager. Only these three may log on to the EM REST API
/// (EM-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmRole {
    /// Portal Administrator.
    PortalAdministrator,
    /// Portal User.
    PortalUser,
    /// Restore Operator.
    RestoreOperator,
    /// A Cloud Connect tenant: logs on with a `LoginSpec` body (EM-02), not with Basic
    /// credentials (it has no portal role, EM-05).
    Tenant,
}

impl EmRole {
    /// Whether the role may log on with Basic credentials (the three portal roles, EM-05).
    pub fn may_use_basic(self) -> bool {
        self != EmRole::Tenant
    }
}

/// A role on Veeam Backup & Replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VbrRole {
    /// Veeam Backup Administrator: may read and act (start, stop and retry jobs).
    Administrator,
    /// Veeam Backup Viewer: may read; an action answers `403 AccessDenied` (VBR-07).
    Viewer,
}

/// One account known to the emulator. The same account can be allowed on several products.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Logon name; compared without regard to case, like a Windows account name.
    pub name: String,
    /// Password; compared in constant time, never logged.
    pub password: String,
    /// EM role; `None` means the account is refused by EM with 401 (EM-05).
    #[serde(default)]
    pub em_role: Option<EmRole>,
    /// VBR role; `None` means the account is refused by VBR with 401.
    #[serde(default)]
    pub vbr_role: Option<VbrRole>,
    /// Whether the account may log on to ZVM (legacy session and the Appliance's OIDC password grant).
    #[serde(default)]
    pub zvm: bool,
    /// Whether VBR multi-factor authentication is on for this account (VBR-09).
    #[serde(default)]
    pub mfa: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("em_role", &self.em_role)
            .field("vbr_role", &self.vbr_role)
            .field("zvm", &self.zvm)
            .field("mfa", &self.mfa)
            .finish()
    }
}

impl User {
    /// An account with the given name and password and no product access.
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            password: password.into(),
            em_role: None,
            vbr_role: None,
            zvm: false,
            mfa: false,
        }
    }

    /// Sets the EM role.
    pub fn with_em_role(mut self, role: EmRole) -> Self {
        self.em_role = Some(role);
        self
    }

    /// Sets the VBR role.
    pub fn with_vbr_role(mut self, role: VbrRole) -> Self {
        self.vbr_role = Some(role);
        self
    }

    /// Allows the account on ZVM.
    pub fn with_zvm(mut self) -> Self {
        self.zvm = true;
        self
    }

    /// Turns VBR multi-factor authentication on: the REST API then refuses the account's password
    /// grant (VBR-09).
    pub fn with_mfa(mut self) -> Self {
        self.mfa = true;
        self
    }
}

/// Token and session lifetimes. Every one runs on the emulator's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetimes {
    /// EM idle timeout, reset by each request (EM-08). Default 15 minutes.
    #[serde(with = "secs")]
    pub em_idle: Duration,
    /// VBR access token lifetime (VBR-02). Default 900 s.
    #[serde(with = "secs")]
    pub vbr_access: Duration,
    /// VBR refresh token lifetime (VBR-10). Default 14 days.
    #[serde(with = "secs")]
    pub vbr_refresh: Duration,
    /// Extra lifetime of a short-term refresh token over the access token (VBR-04). Default 15 minutes.
    #[serde(with = "secs")]
    pub vbr_short_refresh_extra: Duration,
    /// Lifetime of a VBR authorization code (VBR-05). Default 300 s.
    #[serde(with = "secs")]
    pub vbr_code: Duration,
    /// ZVM dormancy timeout, reset by each request (ZVM-05). Default 30 minutes.
    #[serde(with = "secs")]
    pub zvm_dormancy: Duration,
    /// ZVM Appliance OIDC access token lifetime (ZVM-09). Default 300 s.
    #[serde(with = "secs")]
    pub oidc_access: Duration,
    /// ZVM Appliance OIDC refresh token lifetime (ZVM-09). Default 1800 s.
    #[serde(with = "secs")]
    pub oidc_refresh: Duration,
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            em_idle: Duration::from_secs(15 * 60),
            vbr_access: Duration::from_secs(900),
            vbr_refresh: Duration::from_secs(14 * 24 * 3600),
            vbr_short_refresh_extra: Duration::from_secs(15 * 60),
            vbr_code: Duration::from_secs(300),
            zvm_dormancy: Duration::from_secs(30 * 60),
            oidc_access: Duration::from_secs(300),
            oidc_refresh: Duration::from_secs(1800),
        }
    }
}

/// Where the TLS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// A CA and a server certificate for `localhost` and `127.0.0.1`, made at start.
    Generate,
    /// PEM files: a certificate chain and its private key. The chain is what [`crate::Emulator::ca_pem`] returns.
    PemFiles {
        /// Certificate (chain) PEM file.
        cert: PathBuf,
        /// Private key PEM file.
        key: PathBuf,
    },
}

/// How VBR answers a refused or expired access token (VBR-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Vbr401Body {
    /// `401` with the JSON error model (the reference's reading; default).
    #[default]
    Json,
    /// `401` with an empty body (what real servers are observed to do).
    Empty,
}

/// Limits that protect the emulator from unbounded memory (R1, P3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Live sessions (or tokens) per product before logons answer 503. Default 250,000.
    pub session_cap: usize,
    /// Largest request body accepted, in bytes; larger answers 413. Default 64 KiB.
    pub body_bytes: usize,
    /// Largest total size of request headers, in bytes; larger answers 431. Default 16 KiB.
    pub header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            session_cap: 250_000,
            body_bytes: 64 * 1024,
            header_bytes: 16 * 1024,
        }
    }
}

/// The whole set-up of an [`crate::Emulator`].
///
/// [`Default`] is a real server on the default ports (9398, 9419, 9669) on 127.0.0.1 with real
/// time; [`EmulatorConfig::for_tests`] is ephemeral ports and a virtual clock.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Address every listener binds to. Default 127.0.0.1.
    pub bind: IpAddr,
    /// EM port (0 = ephemeral). Default 9398.
    pub em_port: u16,
    /// VBR port (0 = ephemeral). Default 9419.
    pub vbr_port: u16,
    /// ZVM port (0 = ephemeral). Default 9669.
    pub zvm_port: u16,
    /// Admin HTTP listener port on 127.0.0.1 (0 = ephemeral); `None` = no admin listener.
    pub admin_port: Option<u16>,
    /// The clock every expiry and task runs on.
    pub clock: SharedClock,
    /// The same clock as a [`ManualClock`] when time is virtual, so it can be advanced.
    pub manual_clock: Option<ManualClock>,
    /// Accounts.
    pub users: Vec<User>,
    /// Certificate source.
    pub tls: TlsSource,
    /// Supported EM versions, oldest first; the last is `latest` (EM-13).
    pub em_versions: Vec<String>,
    /// Supported VBR `x-api-version` values (VBR-08).
    pub vbr_api_versions: Vec<String>,
    /// VBR-12 reading.
    pub vbr_401_body: Vbr401Body,
    /// The readings of disputed and release-dependent rules (EM-14, EM-15, VBR-08, ZVM-10,
    /// ZVM-11, ZVM-14).
    pub behaviour: Behaviour,
    /// Lifetimes.
    pub lifetimes: Lifetimes,
    /// Limits.
    pub limits: Limits,
    /// Seeded resources.
    pub inventory: Inventory,
    /// The VBR specs published at `/swagger/v<revision>/swagger.json` (default: the project's
    /// own spec under the revision it models); see [`EmulatorConfig::with_vbr_spec`].
    pub vbr_specs: crate::vbr::spec::VbrSpecs,
    /// Vendor documents whose every operation is answered (`emulate --spec`); see
    /// [`EmulatorConfig::with_spec`]. Empty by default.
    pub served_specs: crate::spec_driven::ServedSpecs,
    /// Deliberately broken rules (the sensitivity test only); empty by default.
    pub(crate) breaks: Breaks,
    /// Thresholds of the session-hygiene report (see [`crate::hygiene`]).
    pub hygiene: crate::hygiene::HygieneSettings,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("bind", &self.bind)
            .field("em_port", &self.em_port)
            .field("vbr_port", &self.vbr_port)
            .field("zvm_port", &self.zvm_port)
            .field("admin_port", &self.admin_port)
            .field("virtual_clock", &self.manual_clock.is_some())
            .field("users", &self.users)
            .field("tls", &self.tls)
            .field("em_versions", &self.em_versions)
            .field("vbr_api_versions", &self.vbr_api_versions)
            .field("vbr_401_body", &self.vbr_401_body)
            .field("behaviour", &self.behaviour)
            .field("lifetimes", &self.lifetimes)
            .field("limits", &self.limits)
            .field("breaks", &self.breaks)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            em_port: 9398,
            vbr_port: 9419,
            zvm_port: 9669,
            admin_port: None,
            clock: SystemClock::shared(),
            manual_clock: None,
            users: defaults::users(),
            tls: TlsSource::Generate,
            em_versions: defaults::EM_VERSIONS
                .iter()
                .map(|v| v.to_string())
                .collect(),
            vbr_api_versions: defaults::VBR_API_VERSIONS
                .iter()
                .map(|v| v.to_string())
                .collect(),
            vbr_401_body: Vbr401Body::Json,
            behaviour: Behaviour::default(),
            lifetimes: Lifetimes::default(),
            limits: Limits::default(),
            inventory: Inventory::default(),
            vbr_specs: crate::vbr::spec::VbrSpecs::default(),
            served_specs: crate::spec_driven::ServedSpecs::default(),
            breaks: Breaks::default(),
            hygiene: crate::hygiene::HygieneSettings::default(),
        }
    }
}

impl EmulatorConfig {
    /// 127.0.0.1, ephemeral ports everywhere, no admin listener, a virtual [`ManualClock`],
    /// default users and inventory.
    pub fn for_tests() -> Self {
        let clock = ManualClock::new();
        Self {
            em_port: 0,
            vbr_port: 0,
            zvm_port: 0,
            clock: clock.shared(),
            manual_clock: Some(clock),
            ..Self::default()
        }
    }

    /// Sets the bind address.
    pub fn with_bind(mut self, bind: IpAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Sets the three product ports.
    pub fn with_ports(mut self, em: u16, vbr: u16, zvm: u16) -> Self {
        self.em_port = em;
        self.vbr_port = vbr;
        self.zvm_port = zvm;
        self
    }

    /// Turns the admin listener on (127.0.0.1, `port`; 0 = ephemeral) or off.
    pub fn with_admin_port(mut self, port: Option<u16>) -> Self {
        self.admin_port = port;
        self
    }

    /// Runs on real time.
    pub fn with_system_clock(mut self) -> Self {
        self.clock = SystemClock::shared();
        self.manual_clock = None;
        self
    }

    /// Runs on the given virtual clock (shared, for example, with a client under test).
    pub fn with_manual_clock(mut self, clock: ManualClock) -> Self {
        self.clock = clock.shared();
        self.manual_clock = Some(clock);
        self
    }

    /// Runs on any clock; it cannot be advanced through the emulator.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self.manual_clock = None;
        self
    }

    /// Replaces the accounts.
    pub fn with_users(mut self, users: Vec<User>) -> Self {
        self.users = users;
        self
    }

    /// Adds (or replaces, by name) one account.
    pub fn with_user(mut self, user: User) -> Self {
        self.users
            .retain(|u| !u.name.eq_ignore_ascii_case(&user.name));
        self.users.push(user);
        self
    }

    /// Sets the certificate source.
    pub fn with_tls(mut self, tls: TlsSource) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the supported EM versions, oldest first (the last is `latest`).
    pub fn with_em_versions<S: Into<String>>(
        mut self,
        versions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.em_versions = versions.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the supported VBR `x-api-version` values.
    pub fn with_vbr_api_versions<S: Into<String>>(
        mut self,
        versions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.vbr_api_versions = versions.into_iter().map(Into::into).collect();
        self
    }

    /// Publishes an OpenAPI document at `/swagger/v<revision>/swagger.json` for the revision
    /// its `info.version` names (while that revision is served); it replaces the project's own
    /// spec when that is the same revision.
    pub fn with_vbr_spec(
        mut self,
        document: serde_json::Value,
    ) -> Result<Self, crate::vbr::spec::SpecDocumentError> {
        self.vbr_specs.insert(document)?;
        Ok(self)
    }

    /// Sets the thresholds of the session-hygiene report.
    pub fn with_hygiene(mut self, settings: crate::hygiene::HygieneSettings) -> Self {
        self.hygiene = settings;
        self
    }

    /// Answers every operation of a vendor's OpenAPI 3 document behind the product's session
    /// layer (`emulate --spec`, see [`crate::spec_driven`]); a VBR document is also published at
    /// `/swagger/v<revision>/swagger.json` under its `info.version`.
    pub fn with_spec(
        mut self,
        product: crate::Product,
        document: serde_json::Value,
    ) -> Result<Self, crate::spec_driven::SpecError> {
        let served = crate::spec_driven::ServedSpec::new(product, document.clone())?;
        if product == crate::Product::Vbr {
            self.vbr_specs.insert(document)?;
        }
        self.served_specs.insert(served);
        Ok(self)
    }

    /// Sets the VBR-12 reading.
    pub fn with_vbr_401_body(mut self, body: Vbr401Body) -> Self {
        self.vbr_401_body = body;
        self
    }

    /// Sets the readings of the disputed and release-dependent rules.
    pub fn with_behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Sets the lifetimes.
    pub fn with_lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the session cap only.
    pub fn with_session_cap(mut self, cap: usize) -> Self {
        self.limits.session_cap = cap;
        self
    }

    /// Sets the inventory.
    pub fn with_inventory(mut self, inventory: Inventory) -> Self {
        self.inventory = inventory;
        self
    }

    /// Breaks one rule on purpose (see [`Break`]): for tests that prove the suite notices.
    pub fn with_break(mut self, b: Break) -> Self {
        self.breaks.insert(b);
        self
    }
}
