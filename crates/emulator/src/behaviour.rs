//! Readings of disputed or release-dependent rules that the emulator can take either way (EM-14,
//! EM-15, VBR-08, ZVM-10, ZVM-11, ZVM-14). A server profile sets them as a whole
//! ([`crate::EmulatorConfig`]); the defaults are the ones the protocol facts name.

use serde::{Deserialize, Serialize};

/// What an EM token (`X-RestSvcSessionId`) is made of (EM-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EmTokenForm {
    /// `base64` of the UTF-8 text of the session's `SessionId` GUID (what scripts run against
    /// real servers rely on; the default).
    #[default]
    Base64SessionId,
    /// 16 random bytes in base64, unrelated to the `SessionId` (the logon guide's sample).
    RandomBytes,
}

/// Which kinds of Zerto Virtual Manager the ZVM listener plays (ZVM-09, ZVM-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ZvmKind {
    /// Both logons at once: `POST /v1/session/add` and the Appliance's OpenID Connect (default).
    #[default]
    Both,
    /// A Windows ZVM: `x-zerto-session` only; the Keycloak paths do not exist.
    Windows,
    /// A ZVM Appliance: OpenID Connect only; `POST /v1/session/add` answers 404 (ZVM-10).
    Appliance,
}

/// What VBR does with a request that carries no `x-api-version` header (VBR-08).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum VbrMissingVersion {
    /// `400` with the error model naming the supported revisions (the reference; default).
    #[default]
    Refuse,
    /// Answered in the newest revision served (what a 13.x CLI that sends none relies on).
    Newest,
}

/// The switchable readings, read on every request that depends on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Behaviour {
    /// EM-14: the form of the EM token.
    pub em_token_form: EmTokenForm,
    /// EM-15: whether EM JSON answers begin with a UTF-8 byte-order mark. Default off.
    pub em_json_bom: bool,
    /// VBR-08: a request without `x-api-version`.
    pub vbr_missing_version: VbrMissingVersion,
    /// ZVM-09/ZVM-10: which ZVM kinds are served.
    pub zvm_kind: ZvmKind,
    /// ZVM-11: whether `/v1/...` refuses an Appliance token issued without `scope=openid`.
    /// Default off (both accepted).
    pub zvm_require_openid_scope: bool,
    /// ZVM-14: whether ZVM answers write property names in camelCase (the Appliance's OpenAPI
    /// file) instead of PascalCase (default).
    pub zvm_camel_case: bool,
}
