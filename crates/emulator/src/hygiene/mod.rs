//! The session-hygiene report of the client under test (issue 17): the emulator watches every
//! client (a product and a user name, with its sessions and connections) against the session rules
//! and reports what it does wrong with its sessions.
//!
//! - `observe`: the outer layer of each product's router; it reads method, path, headers and,
//!   for token and logon endpoints, the small form and token answer, and hands the facts to
//!   the ledger. It changes no answer.
//! - `ledger`: the live bookkeeping: sessions and their credentials (kept as keyed hashes,
//!   never the values), connections, and the event log with the facts each event showed when it
//!   arrived (expired session, refused credential, running task, …).
//! - `analysis`: the events and sessions turned into findings per client, with the
//!   [`HygieneSettings`] thresholds.
//! - [`report`]: the typed report ([`HygieneReport`]), its JSON form and its text table.
//!
//! No token, password, refresh token or EM `SessionId` is ever stored or shown: a session is
//! named by its ordinal (`VBR#2`), a credential only by a keyed 64-bit hash that never leaves
//! the process.

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) mod analysis;
pub(crate) mod ledger;
pub(crate) mod observe;
pub mod report;

pub(crate) use ledger::Recorder;
pub use report::{ClientReport, Exchange, FailOn, Finding, FindingKind, HygieneReport, Severity};

/// Thresholds of the hygiene report: what counts as a re-logon per call, a refresh storm, a
/// repeated request. Every test runs with the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HygieneSettings {
    /// Whether the emulator watches its clients at all. Default `true`.
    pub enabled: bool,
    /// More successful logons than this by one client within any 60 s of the emulator's clock
    /// is a [`FindingKind::RelogonPerCall`]. Default 5.
    pub max_logons_per_minute: u32,
    /// Two refreshes presenting the same refresh token within this time (emulator clock) are a
    /// [`FindingKind::RefreshStorm`]; later, a [`FindingKind::SpentRefreshReuse`]. Default 1 s.
    #[serde(with = "millis")]
    pub refresh_storm_window: Duration,
    /// The same non-idempotent request (method, path, query and body) of one client answered
    /// with success and sent again within this time is a
    /// [`FindingKind::NonIdempotentRepeat`]. Default 30 s.
    #[serde(with = "millis")]
    pub repeat_window: Duration,
    /// Exchanges shown per finding (the count covers them all). Default 10.
    pub exchanges_per_finding: usize,
    /// Events kept; older ones are dropped (and counted) beyond it. It also bounds the
    /// remembered refused credentials, presented refresh tokens and successful requests (each
    /// forgotten as a whole beyond it). Default 100,000.
    pub max_events: usize,
    /// Sessions tracked; later logons are not tracked (and counted). Default 50,000.
    pub max_sessions: usize,
}

impl Default for HygieneSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_logons_per_minute: 5,
            refresh_storm_window: Duration::from_secs(1),
            repeat_window: Duration::from_secs(30),
            exchanges_per_finding: 10,
            max_events: 100_000,
            max_sessions: 50_000,
        }
    }
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
