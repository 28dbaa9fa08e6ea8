//! Deliberate departures from single rules, so that a test can prove the conformance suite
//! notices a server that breaks a rule (F1 of the targets).
//!
//! A [`Break`] changes exactly one documented behaviour of one product and nothing else; it is
//! off unless a test turns it on with [`crate::EmulatorConfig::with_break`]. Real users never
//! need one.

use serde::{Deserialize, Serialize};

/// One deliberately broken behaviour of the emulator, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Break {
    // ---- EM ----
    /// EM-06: the `X-RestSvcSessionId` header is used before the cookie.
    EmHeaderBeatsCookie,
    // ---- VBR ----
    // ---- ZVM ----
}

impl Break {
    /// Every break, each to be caught by the scenarios of its rule.
    pub const ALL: &'static [Break] = &[
        // EM
        Break::EmHeaderBeatsCookie,
        // VBR
        // ZVM
    ];

    /// The rule id this break violates (`EM-06`).
    pub fn rule(self) -> &'static str {
        match self {
            Break::EmHeaderBeatsCookie => "EM-06",
        }
    }

    /// What the broken emulator does, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Break::EmHeaderBeatsCookie => "the X-RestSvcSessionId header wins over the cookie",
        }
    }
}

/// The set of breaks an emulator runs with; empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Breaks(Vec<Break>);

impl Breaks {
    pub(crate) fn insert(&mut self, b: Break) {
        if !self.0.contains(&b) {
            self.0.push(b);
        }
    }

    /// Whether `b` is on (a short linear scan: the set is empty outside the sensitivity test).
    pub(crate) fn has(&self, b: Break) -> bool {
        !self.0.is_empty() && self.0.contains(&b)
    }
}
