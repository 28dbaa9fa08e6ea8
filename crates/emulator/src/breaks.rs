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
    /// ZVM-01: an `AuthenticationMethod` sent as a string is refused.
    ZvmAuthMethodStringRefused,
    /// ZVM-02: the logon answers `201 Created`.
    ZvmLogonCreated,
    /// ZVM-03: a request without a session id is served.
    ZvmSessionNotRequired,
    /// ZVM-04: `DELETE /v1/session` answers 200 and leaves the session alive.
    ZvmLogoutKeepsSession,
    /// ZVM-05: a request does not reset the dormancy timer.
    ZvmDormancyNotReset,
    /// ZVM-07: wrong credentials answer `403`.
    ZvmWrongPasswordForbidden,
    /// ZVM-09: a bearer token the realm never issued (not of its form) is accepted.
    ZvmForgedBearerAccepted,
    /// ZVM-10: the Appliance answers `POST /v1/session/add` with `401`.
    ZvmApplianceSessionAdd401,
    /// ZVM-11: with the setting on, a token issued without `scope=openid` is still accepted.
    ZvmOpenidScopeIgnored,
    /// ZVM-12: a refresh token works only once.
    ZvmRefreshSingleUse,
    /// ZVM-13: the Keycloak logout leaves the refresh token usable.
    ZvmKeycloakLogoutKeepsRefresh,
}

impl Break {
    /// Every break, each to be caught by the scenarios of its rule.
    pub const ALL: &'static [Break] = &[
        // EM
        Break::EmHeaderBeatsCookie,
        // VBR
        // ZVM
        Break::ZvmAuthMethodStringRefused,
        Break::ZvmLogonCreated,
        Break::ZvmSessionNotRequired,
        Break::ZvmLogoutKeepsSession,
        Break::ZvmDormancyNotReset,
        Break::ZvmWrongPasswordForbidden,
        Break::ZvmForgedBearerAccepted,
        Break::ZvmApplianceSessionAdd401,
        Break::ZvmOpenidScopeIgnored,
        Break::ZvmRefreshSingleUse,
        Break::ZvmKeycloakLogoutKeepsRefresh,
    ];

    /// The rule id this break violates (`EM-06`).
    pub fn rule(self) -> &'static str {
        match self {
            Break::EmHeaderBeatsCookie => "EM-06",
            // ZVM
            Break::ZvmAuthMethodStringRefused => "ZVM-01",
            Break::ZvmLogonCreated => "ZVM-02",
            Break::ZvmSessionNotRequired => "ZVM-03",
            Break::ZvmLogoutKeepsSession => "ZVM-04",
            Break::ZvmDormancyNotReset => "ZVM-05",
            Break::ZvmWrongPasswordForbidden => "ZVM-07",
            Break::ZvmForgedBearerAccepted => "ZVM-09",
            Break::ZvmApplianceSessionAdd401 => "ZVM-10",
            Break::ZvmOpenidScopeIgnored => "ZVM-11",
            Break::ZvmRefreshSingleUse => "ZVM-12",
            Break::ZvmKeycloakLogoutKeepsRefresh => "ZVM-13",
        }
    }

    /// What the broken emulator does, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Break::EmHeaderBeatsCookie => "the X-RestSvcSessionId header wins over the cookie",
            // ZVM
            Break::ZvmAuthMethodStringRefused => {
                "an AuthenticationMethod sent as a string (\"1\") is refused with 400"
            }
            Break::ZvmLogonCreated => "the logon answers 201 Created instead of 200 OK",
            Break::ZvmSessionNotRequired => "a request without any session id or token is served",
            Break::ZvmLogoutKeepsSession => {
                "DELETE /v1/session answers 200 but the session stays usable"
            }
            Break::ZvmDormancyNotReset => "requests do not reset the 30-minute dormancy timer",
            Break::ZvmWrongPasswordForbidden => "a wrong password is answered 403 instead of 401",
            Break::ZvmForgedBearerAccepted => "a bearer token the realm never issued is accepted",
            Break::ZvmApplianceSessionAdd401 => {
                "the Appliance answers POST /v1/session/add with 401 instead of 404"
            }
            Break::ZvmOpenidScopeIgnored => {
                "tokens issued without scope=openid are accepted although the setting refuses them"
            }
            Break::ZvmRefreshSingleUse => "a refresh token is usable only once",
            Break::ZvmKeycloakLogoutKeepsRefresh => {
                "the Keycloak logout ends the access tokens but not the refresh token"
            }
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
