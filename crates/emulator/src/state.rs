//! Shared state of one emulator: users, sessions and tokens of each product, job runs, faults and
//! counters. Sessions are compact fixed-size structs keyed by raw token bytes (P3).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use parking_lot::{Mutex, RwLock};
use rand::RngCore;
use restpoint_clock::{ManualClock, SharedClock};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::config::{EmulatorConfig, Lifetimes, Limits, User, Vbr401Body};
use crate::inventory::Inventory;

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

/// Counts of one product's traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCounters {
    /// Successful logons (EM sessions, VBR password/code/vbr_token grants, ZVM sessions and
    /// OIDC password/client-credentials grants).
    pub logons: u64,
    /// Refused logons.
    pub failed_logons: u64,
    /// Successful refresh-token grants.
    pub refreshes: u64,
    /// Logouts.
    pub logouts: u64,
    /// Every request that reached the product's listener.
    pub requests: u64,
}

/// A snapshot of the emulator's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// EM counts.
    pub em: ProductCounters,
    /// VBR counts.
    pub vbr: ProductCounters,
    /// ZVM counts.
    pub zvm: ProductCounters,
    /// Requests per endpoint, keyed `"<PRODUCT> <METHOD> <route>"`, e.g.
    /// `"VBR GET /api/v1/jobs/{id}"`, `"EM POST /api/sessionMngr/"`; unmatched paths count under
    /// route `*`.
    pub endpoints: BTreeMap<String, u64>,
}

impl Counters {
    /// The counts of one product.
    pub fn product(&self, product: Product) -> &ProductCounters {
        match product {
            Product::Em => &self.em,
            Product::Vbr => &self.vbr,
            Product::Zvm => &self.zvm,
        }
    }

    /// Requests to one endpoint, e.g. `requests(Product::Vbr, "GET", "/api/v1/jobs")`.
    pub fn requests(&self, product: Product, method: &str, route: &str) -> u64 {
        self.endpoints
            .get(&format!("{} {} {}", product.label(), method, route))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Default)]
pub(crate) struct AtomicCounters {
    logons: AtomicU64,
    failed_logons: AtomicU64,
    refreshes: AtomicU64,
    logouts: AtomicU64,
    requests: AtomicU64,
}

/// Which counter to bump.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    Logon,
    FailedLogon,
    Refresh,
    Logout,
}

/// An EM logon session: 48 bytes plus the 16-byte token key.
#[derive(Clone, Copy)]
pub(crate) struct EmSession {
    pub id: u128,
    pub user: u32,
    pub created_ms: u64,
    pub last_ms: u64,
    /// The form its token was issued in (EM-14); a token is accepted only in that form.
    pub form: EmTokenShape,
}

/// The shapes of an EM token (EM-14): what the base64 text decodes to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum EmTokenShape {
    /// The UTF-8 text of the session's `SessionId` GUID (36 bytes): the key is the session id.
    GuidText,
    /// 16 random bytes: the key is those bytes.
    Bytes16,
    /// 24 bytes (16 random and 8 zero): a form no document names (`Break::EmTokenOtherForm`).
    Bytes24,
}

/// An EM task (EM-12): belongs to one logon session.
#[derive(Clone)]
pub(crate) struct EmTask {
    pub owner: u128,
    pub created_ms: u64,
    pub operation: &'static str,
    pub job_id: String,
}

/// The key of an EM token in the session table (see [`EmTokenShape`]).
pub(crate) type EmToken = u128;
pub(crate) type Token32 = [u8; 32];

#[derive(Default)]
pub(crate) struct EmStore {
    pub by_token: HashMap<EmToken, EmSession>,
    pub by_id: HashMap<u128, EmToken>,
    pub tasks: HashMap<u64, EmTask>,
    pub next_task: u64,
}

#[derive(Clone, Copy)]
pub(crate) struct VbrAccess {
    pub user: u32,
    pub expires_ms: u64,
    pub refresh: Token32,
}

#[derive(Clone, Copy)]
pub(crate) struct VbrRefresh {
    pub user: u32,
    pub expires_ms: u64,
    pub short: bool,
}

#[derive(Default)]
pub(crate) struct VbrStore {
    pub access: HashMap<Token32, VbrAccess>,
    pub refresh: HashMap<Token32, VbrRefresh>,
    /// Authorization codes (VBR-05): user, expiry.
    pub codes: HashMap<Token32, (u32, u64)>,
}

#[derive(Clone, Copy)]
pub(crate) struct ZvmSession {
    pub user: u32,
    pub last_ms: u64,
}

/// Subject of an OIDC token: a user index, or [`OIDC_CLIENT`] for the client-credentials client.
#[derive(Clone, Copy)]
pub(crate) struct OidcToken {
    pub subject: u32,
    /// The realm session the token belongs to (ZVM-13: a logout ends all its tokens).
    pub sid: u32,
    pub expires_ms: u64,
    /// Whether the grant asked for `scope=openid` (ZVM-11).
    pub openid: bool,
}

pub(crate) const OIDC_CLIENT: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct ZvmStore {
    pub sessions: HashMap<u128, ZvmSession>,
    pub access: HashMap<Token32, OidcToken>,
    pub refresh: HashMap<Token32, OidcToken>,
    /// The next realm session number (ZVM-13).
    pub next_sid: u32,
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
}

pub(crate) fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn dur_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-23T03:00:00.000Z`.
pub(crate) fn rfc3339(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(0);
    let nanos = u32::try_from((ms % 1000) * 1_000_000).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, nanos)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::rng().fill_bytes(&mut buf);
    buf
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn decode_b64url<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim();
    if s.len() > 2 * N + 8 {
        return None;
    }
    let v = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    v.try_into().ok()
}

/// A random UUID from the CSPRNG.
pub(crate) fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(random_bytes::<16>()).into_uuid()
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

    pub(crate) fn count(&self, product: Product, what: Count) {
        let c = &self.counters[product.index()];
        let field = match what {
            Count::Logon => &c.logons,
            Count::FailedLogon => &c.failed_logons,
            Count::Refresh => &c.refreshes,
            Count::Logout => &c.logouts,
        };
        field.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_request(&self, product: Product, method: &http::Method, route: &str) {
        self.counters[product.index()]
            .requests
            .fetch_add(1, Ordering::Relaxed);
        let mut map = self.endpoints.lock();
        let routes = map.entry((product, method.clone())).or_default();
        if let Some(n) = routes.get_mut(route) {
            *n += 1;
        } else if routes.len() < 1_000 {
            routes.insert(route.to_string(), 1);
        }
    }

    pub(crate) fn counters(&self) -> Counters {
        let snap = |c: &AtomicCounters| ProductCounters {
            logons: c.logons.load(Ordering::Relaxed),
            failed_logons: c.failed_logons.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            logouts: c.logouts.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
        };
        Counters {
            em: snap(&self.counters[0]),
            vbr: snap(&self.counters[1]),
            zvm: snap(&self.counters[2]),
            endpoints: self
                .endpoints
                .lock()
                .iter()
                .flat_map(|((product, method), routes)| {
                    routes.iter().map(move |(route, n)| {
                        (format!("{} {} {}", product.label(), method, route), *n)
                    })
                })
                .collect(),
        }
    }

    pub(crate) fn reset_counters(&self) {
        for c in &self.counters {
            c.logons.store(0, Ordering::Relaxed);
            c.failed_logons.store(0, Ordering::Relaxed);
            c.refreshes.store(0, Ordering::Relaxed);
            c.logouts.store(0, Ordering::Relaxed);
            c.requests.store(0, Ordering::Relaxed);
        }
        self.endpoints.lock().clear();
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

    /// Removes expired sessions and tokens of every product; gives back memory after a big drop.
    pub(crate) fn purge_expired(&self) {
        let now = self.now_ms();
        let lt = self.lifetimes();
        {
            let idle = dur_ms(lt.em_idle);
            let mut em = self.em.lock();
            let EmStore {
                by_token,
                by_id,
                tasks,
                ..
            } = &mut *em;
            by_token.retain(|_, s| {
                let live = now < s.last_ms.saturating_add(idle);
                if !live {
                    by_id.remove(&s.id);
                }
                live
            });
            tasks.retain(|_, t| by_id.contains_key(&t.owner));
            shrink(by_token);
            shrink(by_id);
        }
        {
            let mut vbr = self.vbr.lock();
            vbr.access.retain(|_, a| now < a.expires_ms);
            vbr.refresh.retain(|_, r| now < r.expires_ms);
            vbr.codes.retain(|_, c| now < c.1);
            shrink(&mut vbr.access);
            shrink(&mut vbr.refresh);
        }
        {
            let dormancy = dur_ms(lt.zvm_dormancy);
            let mut zvm = self.zvm.lock();
            zvm.sessions
                .retain(|_, s| now < s.last_ms.saturating_add(dormancy));
            zvm.access.retain(|_, t| now < t.expires_ms);
            zvm.refresh.retain(|_, t| now < t.expires_ms);
            shrink(&mut zvm.sessions);
            shrink(&mut zvm.access);
            shrink(&mut zvm.refresh);
        }
    }

    /// Live (unexpired) sessions: EM logon sessions, VBR access tokens, ZVM sessions plus OIDC
    /// access tokens.
    pub(crate) fn live_sessions(&self, product: Product) -> usize {
        let now = self.now_ms();
        let lt = self.lifetimes();
        match product {
            Product::Em => {
                let idle = dur_ms(lt.em_idle);
                self.em
                    .lock()
                    .by_token
                    .values()
                    .filter(|s| now < s.last_ms.saturating_add(idle))
                    .count()
            }
            Product::Vbr => self
                .vbr
                .lock()
                .access
                .values()
                .filter(|a| now < a.expires_ms)
                .count(),
            Product::Zvm => {
                let dormancy = dur_ms(lt.zvm_dormancy);
                let zvm = self.zvm.lock();
                zvm.sessions
                    .values()
                    .filter(|s| now < s.last_ms.saturating_add(dormancy))
                    .count()
                    + zvm.access.values().filter(|t| now < t.expires_ms).count()
            }
        }
    }

    /// Revokes every session of `product`, or only those of the user named `user`. Returns how
    /// many were revoked.
    pub(crate) fn revoke(&self, product: Product, user: Option<&str>) -> usize {
        let wanted: Option<Vec<u32>> = user.map(|name| {
            self.users
                .read()
                .iter()
                .enumerate()
                .filter(|(_, u)| {
                    u.as_ref()
                        .is_some_and(|u| u.name.eq_ignore_ascii_case(name))
                })
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect()
        });
        let hit = |u: u32| wanted.as_ref().is_none_or(|w| w.contains(&u));
        match product {
            Product::Em => {
                let mut em = self.em.lock();
                let EmStore {
                    by_token, by_id, ..
                } = &mut *em;
                let before = by_token.len();
                by_token.retain(|_, s| {
                    let keep = !hit(s.user);
                    if !keep {
                        by_id.remove(&s.id);
                    }
                    keep
                });
                before - by_token.len()
            }
            Product::Vbr => {
                let mut vbr = self.vbr.lock();
                let before = vbr.access.len();
                vbr.access.retain(|_, a| !hit(a.user));
                vbr.refresh.retain(|_, r| !hit(r.user));
                before - vbr.access.len()
            }
            Product::Zvm => {
                let mut zvm = self.zvm.lock();
                let before = zvm.sessions.len() + zvm.access.len();
                zvm.sessions.retain(|_, s| !hit(s.user));
                zvm.access.retain(|_, t| !hit(t.subject));
                zvm.refresh.retain(|_, t| !hit(t.subject));
                before - zvm.sessions.len() - zvm.access.len()
            }
        }
    }

    /// Revokes one session or token by the string a client holds (EM token or session id, VBR
    /// access or refresh token, ZVM session id or OIDC access token).
    pub(crate) fn revoke_token(&self, product: Product, token: &str) -> bool {
        match product {
            Product::Em => {
                let mut em = self.em.lock();
                if let Some((key, _)) = decode_em_token(token)
                    && let Some(s) = em.by_token.remove(&key)
                {
                    em.by_id.remove(&s.id);
                    return true;
                }
                if let Ok(id) = uuid::Uuid::parse_str(token.trim())
                    && let Some(key) = em.by_id.remove(&id.as_u128())
                {
                    em.by_token.remove(&key);
                    return true;
                }
                false
            }
            Product::Vbr => {
                let Some(key) = crate::vbr::token::key_of(token) else {
                    return false;
                };
                let mut vbr = self.vbr.lock();
                if let Some(a) = vbr.access.remove(&key) {
                    vbr.refresh.remove(&a.refresh);
                    return true;
                }
                vbr.refresh.remove(&key).is_some()
            }
            Product::Zvm => {
                let mut zvm = self.zvm.lock();
                if let Ok(id) = uuid::Uuid::parse_str(token.trim()) {
                    return zvm.sessions.remove(&id.as_u128()).is_some();
                }
                match decode_b64url::<32>(token) {
                    Some(key) => zvm.access.remove(&key).is_some(),
                    None => false,
                }
            }
        }
    }
}

fn shrink<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() < map.capacity() / 4 {
        map.shrink_to_fit();
    }
}

/// An EM token's text: standard base64 of what `shape` says (EM-14).
pub(crate) fn encode_em_token(key: EmToken, shape: EmTokenShape) -> String {
    let b64 = &base64::engine::general_purpose::STANDARD;
    match shape {
        EmTokenShape::GuidText => b64.encode(uuid::Uuid::from_u128(key).to_string()),
        EmTokenShape::Bytes16 => b64.encode(key.to_be_bytes()),
        EmTokenShape::Bytes24 => {
            let mut bytes = [0u8; 24];
            bytes[..16].copy_from_slice(&key.to_be_bytes());
            b64.encode(bytes)
        }
    }
}

/// The key and shape of an EM token's text; `None` for anything else.
pub(crate) fn decode_em_token(s: &str) -> Option<(EmToken, EmTokenShape)> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    let v = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    match v.len() {
        16 => Some((
            u128::from_be_bytes(v.try_into().ok()?),
            EmTokenShape::Bytes16,
        )),
        24 if v[16..].iter().all(|b| *b == 0) => Some((
            u128::from_be_bytes(v[..16].try_into().ok()?),
            EmTokenShape::Bytes24,
        )),
        36 => {
            let text = std::str::from_utf8(&v).ok()?;
            let id = uuid::Uuid::try_parse(text).ok()?;
            // Only the canonical lower-case text the server issued.
            (id.to_string() == text).then_some((id.as_u128(), EmTokenShape::GuidText))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let key = u128::from_be_bytes(random_bytes());
        for shape in [
            EmTokenShape::GuidText,
            EmTokenShape::Bytes16,
            EmTokenShape::Bytes24,
        ] {
            assert_eq!(
                decode_em_token(&encode_em_token(key, shape)),
                Some((key, shape))
            );
        }
        assert_eq!(decode_em_token("garbage"), None);
        assert_eq!(decode_em_token(&"A".repeat(10_000)), None);
        let key: Token32 = random_bytes();
        assert_eq!(decode_b64url::<32>(&b64url(&key)), Some(key));
        assert_eq!(decode_b64url::<32>("!!"), None);
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
    }

    #[test]
    fn stable_ids_are_deterministic_uuids() {
        let a = crate::inventory::stable_id("Job", "Backup Job 01");
        assert_eq!(a, crate::inventory::stable_id("Job", "Backup Job 01"));
        assert_ne!(a, crate::inventory::stable_id("Job", "Backup Job 02"));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }

    #[test]
    fn session_records_stay_small_p3() {
        assert!(std::mem::size_of::<EmSession>() <= 48);
        assert!(std::mem::size_of::<VbrAccess>() <= 48);
        assert!(std::mem::size_of::<ZvmSession>() <= 16);
    }
}
