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
    /// VBR-01: the `vbr_token` grant is refused.
    VbrTokenGrantRefused,
    /// VBR-02: the token answer leaves out `.issued` and `.expires`.
    VbrTokenAnswerWithoutTimes,
    /// VBR-04: `use_short_term_refresh=true` is ignored (the refresh token lives 14 days).
    VbrShortTermRefreshIgnored,
    /// VBR-05: `/api/oauth2/authorization_code` is still served for 1.3 revisions.
    VbrAuthorizationCodeOn13,
    /// VBR-06: logout expires the access token but not the refresh token.
    VbrLogoutKeepsRefreshToken,
    /// VBR-07: a malformed or incomplete token request is answered without `errorCode`.
    VbrBadRequestWithoutErrorCode,
    /// VBR-08: the token endpoint checks the credentials before `x-api-version`.
    VbrVersionCheckedAfterCredentials,
    /// VBR-09: a password grant for an account with MFA turned on is accepted.
    VbrMfaAccountAccepted,
    /// VBR-10: a refresh token can be used more than once.
    VbrReusableRefreshToken,
    /// VBR-10: an access token is still accepted after it expired.
    VbrBearerAcceptedAfterExpiry,
    /// VBR-11: grant types are compared with regard to case (only lower case accepted).
    VbrGrantTypeCaseSensitive,
    /// VBR-13: the oldest revision, `1.0-rev1`, is refused.
    VbrOldestRevisionRefused,
    /// VBR-14: empty optional form fields (`refresh_token=`) are refused.
    VbrEmptyFieldsRefused,
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
        Break::VbrTokenGrantRefused,
        Break::VbrTokenAnswerWithoutTimes,
        Break::VbrShortTermRefreshIgnored,
        Break::VbrAuthorizationCodeOn13,
        Break::VbrLogoutKeepsRefreshToken,
        Break::VbrBadRequestWithoutErrorCode,
        Break::VbrVersionCheckedAfterCredentials,
        Break::VbrMfaAccountAccepted,
        Break::VbrReusableRefreshToken,
        Break::VbrBearerAcceptedAfterExpiry,
        Break::VbrGrantTypeCaseSensitive,
        Break::VbrOldestRevisionRefused,
        Break::VbrEmptyFieldsRefused,
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
            Break::VbrTokenGrantRefused => "VBR-01",
            Break::VbrTokenAnswerWithoutTimes => "VBR-02",
            Break::VbrShortTermRefreshIgnored => "VBR-04",
            Break::VbrAuthorizationCodeOn13 => "VBR-05",
            Break::VbrLogoutKeepsRefreshToken => "VBR-06",
            Break::VbrBadRequestWithoutErrorCode => "VBR-07",
            Break::VbrVersionCheckedAfterCredentials => "VBR-08",
            Break::VbrMfaAccountAccepted => "VBR-09",
            Break::VbrReusableRefreshToken | Break::VbrBearerAcceptedAfterExpiry => "VBR-10",
            Break::VbrGrantTypeCaseSensitive => "VBR-11",
            Break::VbrOldestRevisionRefused => "VBR-13",
            Break::VbrEmptyFieldsRefused => "VBR-14",
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
            Break::VbrTokenGrantRefused => "the vbr_token grant is refused",
            Break::VbrTokenAnswerWithoutTimes => "the token answer has no .issued/.expires",
            Break::VbrShortTermRefreshIgnored => "use_short_term_refresh is ignored",
            Break::VbrAuthorizationCodeOn13 => "authorization_code is served on 1.3 revisions",
            Break::VbrLogoutKeepsRefreshToken => "logout leaves the refresh token usable",
            Break::VbrBadRequestWithoutErrorCode => "a bad token request has no errorCode",
            Break::VbrVersionCheckedAfterCredentials => {
                "the token endpoint checks credentials before x-api-version"
            }
            Break::VbrMfaAccountAccepted => "an MFA-enabled account logs on with a password",
            Break::VbrReusableRefreshToken => "a refresh token works more than once",
            Break::VbrBearerAcceptedAfterExpiry => "an expired access token is still accepted",
            Break::VbrGrantTypeCaseSensitive => "grant types are case-sensitive",
            Break::VbrOldestRevisionRefused => "x-api-version 1.0-rev1 is refused",
            Break::VbrEmptyFieldsRefused => "empty optional form fields are refused",
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
