//! The live bookkeeping of the hygiene report: which credential belongs to which session and
//! client, what each session's state was when a request arrived, and the event log.
//!
//! Credentials are kept only as 64-bit hashes keyed by a random key of this emulator
//! ([`std::collections::hash_map::RandomState`]): nothing here can be turned back into a token.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};
use std::net::SocketAddr;

use parking_lot::{Mutex, RwLock};

use super::HygieneSettings;
use crate::config::Lifetimes;
use crate::state::{Product, dur_ms};

/// What a request is, for the session bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// A logon: `password` for a password (or Basic) logon; `user` when the request names one.
    Logon {
        user: Option<String>,
        password: bool,
    },
    /// A refresh grant presenting this refresh token (hash); `reuse_allowed` where the rules
    /// let a refresh token be used again (ZVM-12).
    Refresh { presented: u64, reuse_allowed: bool },
    /// A logoff: of the session holding this refresh token (ZVM-13), of the EM session with this
    /// id (EM-09), or else of the caller's session.
    Logout {
        refresh: Option<u64>,
        em_target: Option<u128>,
    },
    /// Any other call.
    Call,
}

/// What the observing layer saw of a request when it arrived.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    pub product: Product,
    pub peer: Option<SocketAddr>,
    pub method: String,
    pub path: String,
    pub action: Action,
    /// The credential presented (the token the server will use), hashed.
    pub credential: Option<u64>,
    pub missing_version: bool,
    pub cookie_mismatch: bool,
    /// For a non-idempotent call: the hash of method, path, query and body.
    pub request_key: Option<u64>,
    /// An EM job action (its success starts a task, EM-12).
    pub starts_task: bool,
}

/// What the answer taught: the new credentials of a logon or refresh.
#[derive(Debug, Clone, Default)]
pub(crate) struct Learned {
    /// New access token or session token hashes.
    pub credentials: Vec<u64>,
    /// The new refresh token's hash and when it expires (emulator ms).
    pub refresh: Option<(u64, u64)>,
    /// When the new access token expires (emulator ms); `None` for idle-timed sessions.
    pub access_expires_ms: Option<u64>,
    /// The account the answer names (VBR's `unique_name`).
    pub user: Option<String>,
    /// The EM session's id (to match a logoff by its link).
    pub em_id: Option<u128>,
    /// A ZVM Appliance (OpenID Connect) session.
    pub oidc: bool,
}

/// Facts a request showed on arrival.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    pub missing_version: bool,
    pub cookie_mismatch: bool,
    pub after_expiry: bool,
    pub after_401: bool,
    pub refresh_storm: bool,
    pub spent_reuse: bool,
    /// A password grant while this session held a valid refresh token.
    pub live_refresh: Option<usize>,
    /// An EM logon while this session's task was running.
    pub running_task: Option<usize>,
    pub repeat: bool,
}

/// The kind of an event, after its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A logon; `ok` when it opened a session.
    Logon { ok: bool },
    /// A refresh grant.
    Refresh,
    /// A logoff.
    Logout,
    /// Anything else.
    Call,
}

/// One exchange with the facts it showed.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub seq: u64,
    pub at_ms: u64,
    pub product: Product,
    pub conn: u32,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub user: String,
    pub session: Option<usize>,
    pub kind: EventKind,
    pub flags: Flags,
}

/// One session as the client sees it: a logon and what followed (a VBR or Appliance session
/// is the chain of refreshes from one logon).
#[derive(Debug, Clone)]
pub(crate) struct SessionRec {
    pub product: Product,
    pub ordinal: u32,
    pub user: String,
    pub oidc: bool,
    pub logged_off: bool,
    /// Whether the client had a way to log it off (an Appliance client-credentials session
    /// without a refresh token has none, ZVM-13).
    pub can_logoff: bool,
    pub last_ok_ms: u64,
    pub access_expires_ms: Option<u64>,
    pub refresh: Option<(u64, u64)>,
    pub em_id: Option<u128>,
    pub task_until_ms: u64,
}

impl SessionRec {
    /// `VBR#2`.
    pub fn label(&self) -> String {
        format!("{}#{}", self.product.label(), self.ordinal)
    }
}

/// A request between its arrival and its answer.
#[derive(Debug)]
pub(crate) struct Pending {
    seq: u64,
    at_ms: u64,
    conn: u32,
    arrival: Arrival,
    session: Option<usize>,
    user: String,
    flags: Flags,
}

#[derive(Default)]
pub(crate) struct Ledger {
    pub sessions: Vec<SessionRec>,
    pub events: VecDeque<Event>,
    pub dropped: u64,
    pub sessions_dropped: u64,
    ordinals: [u32; 3],
    credentials: HashMap<u64, usize>,
    refused: HashSet<u64>,
    refresh_presented: HashMap<u64, u64>,
    spent: HashSet<u64>,
    done: HashMap<(Product, String, u64), u64>,
    conns: HashMap<SocketAddr, u32>,
    seq: u64,
}

impl Ledger {
    /// Keeps the remembered credentials and requests within `max_events` each: refused
    /// credentials and refresh tokens are forgotten as a whole beyond it, successful requests
    /// older than the repeat window first.
    fn bound(&mut self, settings: &HygieneSettings, now_ms: u64) {
        let max = settings.max_events.max(1);
        if self.refused.len() > max {
            self.refused = HashSet::new();
        }
        if self.refresh_presented.len() > max || self.spent.len() > max {
            self.refresh_presented = HashMap::new();
            self.spent = HashSet::new();
        }
        if self.done.len() > max {
            let window = dur_ms(settings.repeat_window);
            self.done
                .retain(|_, at| now_ms.saturating_sub(*at) <= window);
            if self.done.len() > max {
                self.done = HashMap::new();
            }
        }
    }
}

/// The recorder the observing layer writes to and the report reads.
pub(crate) struct Recorder {
    keys: RandomState,
    settings: RwLock<HygieneSettings>,
    ledger: Mutex<Ledger>,
    /// The emulator clock at start (ms since the epoch).
    pub start_ms: u64,
}

/// EM job tasks run this long on the emulator's clock (`em::tasks`).
const EM_TASK_MS: u64 = crate::em::tasks::TASK_SECS * 1000;

const UNKNOWN: &str = "(unknown)";

fn product_index(p: Product) -> usize {
    match p {
        Product::Em => 0,
        Product::Vbr => 1,
        Product::Zvm => 2,
    }
}

impl Recorder {
    pub(crate) fn new(settings: HygieneSettings, start_ms: u64) -> Self {
        Self {
            keys: RandomState::new(),
            settings: RwLock::new(settings),
            ledger: Mutex::new(Ledger::default()),
            start_ms,
        }
    }

    /// The keyed hash of a credential or request.
    pub(crate) fn hash(&self, value: impl Hash) -> u64 {
        self.keys.hash_one(value)
    }

    pub(crate) fn settings(&self) -> HygieneSettings {
        *self.settings.read()
    }

    pub(crate) fn set_settings(&self, settings: HygieneSettings) {
        *self.settings.write() = settings;
    }

    pub(crate) fn enabled(&self) -> bool {
        self.settings.read().enabled
    }

    /// Forgets every session and event.
    pub(crate) fn clear(&self) {
        *self.ledger.lock() = Ledger::default();
    }

    /// Runs `f` over the ledger (the analysis).
    pub(crate) fn with_ledger<R>(&self, f: impl FnOnce(&Ledger) -> R) -> R {
        f(&self.ledger.lock())
    }

    /// Records a request's arrival and the facts it shows now.
    pub(crate) fn begin(&self, arrival: Arrival, now_ms: u64, lifetimes: Lifetimes) -> Pending {
        let settings = self.settings();
        let mut l = self.ledger.lock();
        l.bound(&settings, now_ms);
        l.seq += 1;
        let seq = l.seq;
        let conn = match arrival.peer {
            Some(peer) => {
                let next = u32::try_from(l.conns.len() + 1).unwrap_or(u32::MAX);
                *l.conns.entry(peer).or_insert(next)
            }
            None => 0,
        };
        let mut flags = Flags {
            missing_version: arrival.missing_version,
            cookie_mismatch: arrival.cookie_mismatch,
            ..Flags::default()
        };
        let mut session = arrival
            .credential
            .and_then(|c| l.credentials.get(&c).copied());
        if let Some(c) = arrival.credential {
            flags.after_401 = l.refused.contains(&c);
        }
        if let Some(i) = session {
            let s = &l.sessions[i];
            let idle_ms = match (s.product, s.oidc) {
                (Product::Em, _) => Some(dur_ms(lifetimes.em_idle)),
                (Product::Zvm, false) => Some(dur_ms(lifetimes.zvm_dormancy)),
                _ => None,
            };
            let idle_expired =
                idle_ms.is_some_and(|idle| now_ms >= s.last_ok_ms.saturating_add(idle));
            let access_expired = s.access_expires_ms.is_some_and(|e| now_ms >= e);
            flags.after_expiry = !s.logged_off && (idle_expired || access_expired);
        }
        let mut user = session.map(|i| l.sessions[i].user.clone());
        match &arrival.action {
            Action::Logon {
                user: named,
                password,
            } => {
                if named.is_some() {
                    user.clone_from(named);
                }
                if let Some(name) = named {
                    let mine = |s: &SessionRec| {
                        s.product == arrival.product
                            && !s.logged_off
                            && s.user.eq_ignore_ascii_case(name)
                    };
                    if *password && arrival.product == Product::Vbr {
                        flags.live_refresh = l.sessions.iter().position(|s| {
                            mine(s)
                                && s.refresh
                                    .is_some_and(|(h, exp)| now_ms < exp && !l.spent.contains(&h))
                        });
                    }
                    if arrival.product == Product::Em {
                        flags.running_task = l
                            .sessions
                            .iter()
                            .position(|s| mine(s) && now_ms < s.task_until_ms);
                    }
                }
                // A logon is not a call of the session whose token it may carry.
                session = None;
            }
            Action::Refresh {
                presented,
                reuse_allowed,
            } => {
                session = l.credentials.get(presented).copied();
                if let Some(i) = session {
                    user = Some(l.sessions[i].user.clone());
                }
                if !reuse_allowed {
                    let window = dur_ms(settings.refresh_storm_window);
                    match l.refresh_presented.get(presented).copied() {
                        Some(first) if now_ms.saturating_sub(first) <= window => {
                            flags.refresh_storm = true;
                        }
                        Some(_) if l.spent.contains(presented) => flags.spent_reuse = true,
                        Some(_) => {}
                        None => {
                            l.refresh_presented.insert(*presented, now_ms);
                        }
                    }
                }
            }
            Action::Logout { refresh, em_target } => {
                if let Some(i) = refresh.and_then(|h| l.credentials.get(&h).copied()) {
                    session = Some(i);
                    user = Some(l.sessions[i].user.clone());
                }
                if let Some(i) =
                    em_target.and_then(|id| l.sessions.iter().position(|s| s.em_id == Some(id)))
                {
                    session = Some(i);
                }
            }
            Action::Call => {}
        }
        let user = user.unwrap_or_else(|| UNKNOWN.to_owned());
        if let Some(key) = arrival.request_key {
            let window = dur_ms(settings.repeat_window);
            flags.repeat = l
                .done
                .get(&(arrival.product, user.clone(), key))
                .is_some_and(|at| now_ms.saturating_sub(*at) <= window);
        }
        Pending {
            seq,
            at_ms: now_ms,
            conn,
            arrival,
            session,
            user,
            flags,
        }
    }

    /// Records the answer of a request begun with [`Recorder::begin`].
    pub(crate) fn finish(&self, p: Pending, status: u16, learned: Learned, now_ms: u64) {
        let settings = self.settings();
        let max_events = settings.max_events;
        let ok = (200..300).contains(&status);
        let mut l = self.ledger.lock();
        let mut session = p.session;
        let mut user = p.user;
        let kind = match &p.arrival.action {
            Action::Logon { .. } => EventKind::Logon {
                ok: ok && !learned.credentials.is_empty(),
            },
            Action::Refresh { .. } => EventKind::Refresh,
            Action::Logout { .. } => EventKind::Logout,
            Action::Call => EventKind::Call,
        };
        match (&p.arrival.action, ok) {
            (Action::Logon { .. }, true)
                if !learned.credentials.is_empty() && l.sessions.len() >= settings.max_sessions =>
            {
                l.sessions_dropped += 1;
            }
            (Action::Logon { .. }, true) if !learned.credentials.is_empty() => {
                if let Some(name) = &learned.user {
                    user.clone_from(name);
                }
                let idx = product_index(p.arrival.product);
                l.ordinals[idx] += 1;
                let rec = SessionRec {
                    product: p.arrival.product,
                    ordinal: l.ordinals[idx],
                    user: user.clone(),
                    oidc: learned.oidc,
                    logged_off: false,
                    can_logoff: p.arrival.product != Product::Zvm
                        || !learned.oidc
                        || learned.refresh.is_some(),
                    last_ok_ms: now_ms,
                    access_expires_ms: learned.access_expires_ms,
                    refresh: learned.refresh,
                    em_id: learned.em_id,
                    task_until_ms: 0,
                };
                l.sessions.push(rec);
                let i = l.sessions.len() - 1;
                for c in &learned.credentials {
                    l.credentials.insert(*c, i);
                }
                if let Some((h, _)) = learned.refresh {
                    l.credentials.insert(h, i);
                }
                session = Some(i);
            }
            (Action::Refresh { presented, .. }, true) => {
                l.spent.insert(*presented);
                if let Some(i) = session {
                    for c in &learned.credentials {
                        l.credentials.insert(*c, i);
                    }
                    if let Some((h, _)) = learned.refresh {
                        l.credentials.insert(h, i);
                    }
                    let s = &mut l.sessions[i];
                    s.refresh = learned.refresh;
                    s.access_expires_ms = learned.access_expires_ms;
                    s.last_ok_ms = now_ms;
                }
            }
            (Action::Logout { .. }, true) => {
                if let Some(i) = session {
                    l.sessions[i].logged_off = true;
                }
            }
            (Action::Call, _) if status != 401 => {
                if let Some(i) = session {
                    let s = &mut l.sessions[i];
                    s.last_ok_ms = now_ms;
                    if ok && p.arrival.starts_task {
                        s.task_until_ms = now_ms.saturating_add(EM_TASK_MS);
                    }
                }
                if ok && let Some(key) = p.arrival.request_key {
                    l.done
                        .insert((p.arrival.product, user.clone(), key), now_ms);
                }
            }
            _ => {}
        }
        if status == 401
            && let Some(c) = p.arrival.credential
            && !matches!(p.arrival.action, Action::Logon { .. })
        {
            l.refused.insert(c);
        }
        let event = Event {
            seq: p.seq,
            at_ms: p.at_ms,
            product: p.arrival.product,
            conn: p.conn,
            method: p.arrival.method,
            path: p.arrival.path,
            status,
            user,
            session,
            kind,
            flags: p.flags,
        };
        if l.events.len() >= max_events.max(1) {
            l.events.pop_front();
            l.dropped += 1;
        }
        l.events.push_back(event);
    }
}
