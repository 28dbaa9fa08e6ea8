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
    /// EM-01: GET /api/ puts SupportedVersion and Link directly in EnterpriseManager, without the Links and SupportedVersions wrappers.
    EmRootWithoutWrappers,
    /// EM-02: a tenant's LoginSpec body is ignored, so a tenant logon without Basic credentials is refused.
    EmTenantLogonRefused,
    /// EM-03: the logon answer sets no X-RestSvcSessionId cookie.
    EmNoCookie,
    /// EM-04: the logon session's Rel="Delete" link carries Type="LogonSession".
    EmDeleteLinkTyped,
    /// EM-04: the link to /api/jobs?format=Entity has Type="Jobs" instead of JobList.
    EmJobsLinkType,
    /// EM-05: a refused logon carries no WWW-Authenticate challenge.
    EmNoWwwAuthenticate,
    /// EM-06: the `X-RestSvcSessionId` header is used before the cookie.
    EmHeaderBeatsCookie,
    /// EM-07: answers are XML even when the request asks for JSON.
    EmJsonIgnoresAccept,
    /// EM-08: requests do not restart the idle clock: a session expires 15 minutes after logon.
    EmIdleNotReset,
    /// EM-09: logout answers 204 but the token keeps working.
    EmLogoutKeepsSession,
    /// EM-09: logout answers 200 OK with a body instead of 204 No Content.
    EmLogout200,
    /// EM-10: GET /api/logonSessions lists other users' sessions too.
    EmListsOtherUsers,
    /// EM-11: a logon that carries only a live session token is refused.
    EmTokenLogonRefused,
    /// EM-12: a task can be read from any logon session of any user.
    EmTaskVisibleToAll,
    /// EM-13: the deprecated v1_5 is refused at logon (still listed at /api/).
    EmV15Refused,
    /// EM-14: the token is 24 random bytes: neither base64(SessionId) nor 16 bytes.
    EmTokenOtherForm,
    /// EM-16: 401 answers carry no Error element (empty body).
    Em401WithoutError,
    // ---- VBR ----
    // ---- ZVM ----
}

impl Break {
    /// Every break, each to be caught by the scenarios of its rule.
    pub const ALL: &'static [Break] = &[
        // EM
        Break::EmRootWithoutWrappers,
        Break::EmTenantLogonRefused,
        Break::EmNoCookie,
        Break::EmDeleteLinkTyped,
        Break::EmJobsLinkType,
        Break::EmNoWwwAuthenticate,
        Break::EmHeaderBeatsCookie,
        Break::EmJsonIgnoresAccept,
        Break::EmIdleNotReset,
        Break::EmLogoutKeepsSession,
        Break::EmLogout200,
        Break::EmListsOtherUsers,
        Break::EmTokenLogonRefused,
        Break::EmTaskVisibleToAll,
        Break::EmV15Refused,
        Break::EmTokenOtherForm,
        Break::Em401WithoutError,
        // VBR
        // ZVM
    ];

    /// The rule id this break violates (`EM-06`).
    pub fn rule(self) -> &'static str {
        match self {
            Break::EmRootWithoutWrappers => "EM-01",
            Break::EmTenantLogonRefused => "EM-02",
            Break::EmNoCookie => "EM-03",
            Break::EmDeleteLinkTyped => "EM-04",
            Break::EmJobsLinkType => "EM-04",
            Break::EmNoWwwAuthenticate => "EM-05",
            Break::EmHeaderBeatsCookie => "EM-06",
            Break::EmJsonIgnoresAccept => "EM-07",
            Break::EmIdleNotReset => "EM-08",
            Break::EmLogoutKeepsSession => "EM-09",
            Break::EmLogout200 => "EM-09",
            Break::EmListsOtherUsers => "EM-10",
            Break::EmTokenLogonRefused => "EM-11",
            Break::EmTaskVisibleToAll => "EM-12",
            Break::EmV15Refused => "EM-13",
            Break::EmTokenOtherForm => "EM-14",
            Break::Em401WithoutError => "EM-16",
        }
    }

    /// What the broken emulator does, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Break::EmRootWithoutWrappers => {
                "the entry point leaves out the Links and SupportedVersions wrappers"
            }
            Break::EmTenantLogonRefused => "a tenant logon by LoginSpec body is refused",
            Break::EmNoCookie => "the logon answer sets no cookie",
            Break::EmDeleteLinkTyped => "the Delete link carries a Type",
            Break::EmJobsLinkType => "the JobList link says Jobs",
            Break::EmNoWwwAuthenticate => "401 without WWW-Authenticate",
            Break::EmHeaderBeatsCookie => "the X-RestSvcSessionId header wins over the cookie",
            Break::EmJsonIgnoresAccept => "JSON asked for, XML answered",
            Break::EmIdleNotReset => "requests do not restart the idle clock",
            Break::EmLogoutKeepsSession => "logout does not end the session",
            Break::EmLogout200 => "logout answers 200",
            Break::EmListsOtherUsers => "another user's sessions are listed",
            Break::EmTokenLogonRefused => "a token-only logon is refused",
            Break::EmTaskVisibleToAll => "a task is visible from another session",
            Break::EmV15Refused => "v1_5 is no longer served",
            Break::EmTokenOtherForm => "a token of neither documented form",
            Break::Em401WithoutError => "401 without the Error element",
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
