//! Shared state of one emulator: users, sessions and tokens of each product, job runs, faults and
//! counters. Sessions are compact fixed-size structs keyed by raw token bytes (P3).
//!
//! This module holds [`State`] itself, the products and the injected faults; the rest is in:
//!
//! - [`sessions`]: the per-product session and token stores, the EM token's text forms, and
//!   expiry, counting and revocation of sessions;
//! - [`counters`]: the traffic counters and their snapshot;
//! - [`primitives`]: times (milliseconds, RFC 3339), random bytes and ids, base64url.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use restpoint_clock::{ManualClock, SharedClock};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::config::{EmulatorConfig, Lifetimes, Limits, User, Vbr401Body};
use crate::inventory::Inventory;

mod counters;
mod primitives;
mod sessions;

use counters::AtomicCounters;
pub(crate) use counters::Count;
pub use counters::{Counters, ProductCounters};
pub(crate) use primitives::{
    b64url, decode_b64url, dur_ms, random_bytes, random_uuid, rfc3339, to_ms,
};
pub(crate) use sessions::{
    EmSession, EmStore, EmTask, EmToken, EmTokenShape, OIDC_CLIENT, OidcToken, Token32, VbrAccess,
    VbrRefresh, VbrStore, ZvmSession, ZvmStore, decode_em_token, encode_em_token,
};

/// One of the three emulated products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Veeam Backup Enterprise Manager.
    Em,
    /// Veeam Backup & Replication.
    Vbr,
    /// Zerto Virtual Manager (legacy session and Appliance OIDC).
    Zvm,
}

impl Product {
    /// `EM`, `VBR` or `ZVM`.
    pub fn label(self) -> &'static str {
        match self {
            Product::Em => "EM",
            Product::Vbr => "VBR",
            Product::Zvm => "ZVM",
        }
    }

    fn index(self) -> usize {
        match self {
            Product::Em => 0,
            Product::Vbr => 1,
            Product::Zvm => 2,
        }
    }
}

impl std::str::FromStr for Product {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "em" => Ok(Product::Em),
            "vbr" => Ok(Product::Vbr),
            "zvm" => Ok(Product::Zvm),
            _ => Err(format!("unknown product {s:?} (em, vbr or zvm)")),
        }
    }
}

/// A fault the emulator injects into the next requests of one product (R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and the product's error body (401 also invalidates nothing: the
    /// token stays valid, as after a transient refusal).
    Status(u16),
    /// Answer normally after this real-time delay.
    Delay(#[serde(with = "millis")] Duration),
    /// Close the connection without a complete response.
    DropConnection,
    /// Answer `200` with a truncated, unparseable body in the product's format.
    MalformedBody,
    /// Answer `429 Too Many Requests` with the product's error body and `Retry-After: N` (this
    /// many seconds), as a server that throttles its callers does.
    Throttle(u64),
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// A run of a job, started through EM or VBR; its state follows the clock.
#[derive(Clone)]
pub(crate) struct JobRun {
    pub id: String,
    pub job: usize,
    pub started_ms: u64,
    pub stopped_ms: Option<u64>,
}

pub(crate) struct PendingFault {
    pub product: Product,
    pub fault: Fault,
    pub remaining: u32,
}

/// Base URLs, known once the listeners are bound.
#[derive(Clone)]
pub(crate) struct Bases {
    /// `https://localhost:PORT` without a final slash.
    pub em: String,
    pub zvm: String,
}

pub(crate) struct State {
    pub clock: SharedClock,
    pub manual: Option<ManualClock>,
    pub users: RwLock<Vec<Option<User>>>,
    pub lifetimes: RwLock<Lifetimes>,
    pub em_versions: RwLock<Vec<String>>,
    pub vbr_versions: RwLock<Vec<String>>,
    pub vbr_401: RwLock<Vbr401Body>,
    /// The VBR specs published per revision (`/swagger/v<revision>/swagger.json`).
    pub vbr_specs: RwLock<crate::vbr::spec::VbrSpecs>,
    /// Vendor documents answered operation by operation (`emulate --spec`).
    pub served_specs: crate::spec_driven::ServedSpecs,
    pub behaviour: RwLock<crate::behaviour::Behaviour>,
    pub limits: Limits,
    pub breaks: crate::breaks::Breaks,
    pub inventory: Inventory,
    pub start_ms: u64,
    pub bases: Bases,
    pub em: Mutex<EmStore>,
    pub vbr: Mutex<VbrStore>,
    pub zvm: Mutex<ZvmStore>,
    pub runs: Mutex<Vec<JobRun>>,
    faults: Mutex<Vec<PendingFault>>,
    counters: [AtomicCounters; 3],
    /// Requests per (product, method) and route; looked up without allocating.
    endpoints: Mutex<HashMap<(Product, http::Method), HashMap<String, u64>>>,
    /// Number of pending fault entries, so requests skip the fault lock when there are none.
    faults_pending: std::sync::atomic::AtomicUsize,
    /// Wrong passwords for existing accounts, by lower-case account name.
    wrong_passwords: Mutex<std::collections::BTreeMap<String, u64>>,
    /// What the clients do with their sessions (the hygiene report).
    pub hygiene: crate::hygiene::Recorder,
}

impl State {
    pub(crate) fn new(config: &EmulatorConfig, bases: Bases) -> Self {
        let start_ms = to_ms(config.clock.now());
        let mut inventory = config.inventory.clone();
        inventory.fill_ids();
        Self {
            clock: config.clock.clone(),
            manual: config.manual_clock.clone(),
            users: RwLock::new(config.users.iter().cloned().map(Some).collect()),
            lifetimes: RwLock::new(config.lifetimes),
            em_versions: RwLock::new(config.em_versions.clone()),
            vbr_versions: RwLock::new(config.vbr_api_versions.clone()),
            vbr_401: RwLock::new(config.vbr_401_body),
            vbr_specs: RwLock::new(config.vbr_specs.clone()),
            served_specs: config.served_specs.clone(),
            behaviour: RwLock::new(config.behaviour),
            limits: config.limits,
            breaks: config.breaks.clone(),
            inventory,
            start_ms,
            bases,
            em: Mutex::new(EmStore::default()),
            vbr: Mutex::new(VbrStore::default()),
            zvm: Mutex::new(ZvmStore::default()),
            runs: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            counters: Default::default(),
            endpoints: Mutex::new(HashMap::new()),
            faults_pending: std::sync::atomic::AtomicUsize::new(0),
            wrong_passwords: Mutex::new(std::collections::BTreeMap::new()),
            hygiene: crate::hygiene::Recorder::new(config.hygiene, start_ms),
        }
    }

    pub(crate) fn now_ms(&self) -> u64 {
        to_ms(self.clock.now())
    }

    pub(crate) fn behaviour(&self) -> crate::behaviour::Behaviour {
        *self.behaviour.read()
    }

    pub(crate) fn lifetimes(&self) -> Lifetimes {
        *self.lifetimes.read()
    }

    /// Checks a name and password. The password is compared in constant time, and a comparison is
    /// made even for an unknown name.
    pub(crate) fn authenticate(&self, name: &str, password: &str) -> Option<(u32, User)> {
        let users = self.users.read();
        let found = users.iter().enumerate().find_map(|(i, u)| {
            u.as_ref()
                .filter(|u| u.name.eq_ignore_ascii_case(name))
                .map(|u| (i, u))
        });
        match found {
            Some((i, user)) => {
                let ok: bool = user.password.as_bytes().ct_eq(password.as_bytes()).into();
                if ok {
                    Some((u32::try_from(i).ok()?, user.clone()))
                } else {
                    *self
                        .wrong_passwords
                        .lock()
                        .entry(user.name.to_ascii_lowercase())
                        .or_default() += 1;
                    None
                }
            }
            None => {
                let _ = b"not-a-user-password-placeholder".ct_eq(password.as_bytes());
                None
            }
        }
    }

    pub(crate) fn user(&self, index: u32) -> Option<User> {
        self.users.read().get(index as usize).cloned().flatten()
    }

    /// Takes one pending fault for `product`, if any.
    pub(crate) fn take_fault(&self, product: Product) -> Option<Fault> {
        if self.faults_pending.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut faults = self.faults.lock();
        let pos = faults.iter().position(|f| f.product == product)?;
        let fault = faults[pos].fault;
        faults[pos].remaining = faults[pos].remaining.saturating_sub(1);
        if faults[pos].remaining == 0 {
            faults.remove(pos);
        }
        self.faults_pending.store(faults.len(), Ordering::Release);
        Some(fault)
    }

    /// Queues a fault for the next `times` requests of `product`.
    pub(crate) fn push_fault(&self, product: Product, fault: Fault, times: u32) {
        let mut faults = self.faults.lock();
        faults.push(PendingFault {
            product,
            fault,
            remaining: times,
        });
        self.faults_pending.store(faults.len(), Ordering::Release);
    }

    /// Removes every pending fault.
    pub(crate) fn clear_faults(&self) {
        let mut faults = self.faults.lock();
        faults.clear();
        self.faults_pending.store(0, Ordering::Release);
    }
}
