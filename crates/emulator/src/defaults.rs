//! The public test credentials and defaults every emulator starts with.
//!
//! These are not secrets: they are printed by `restpoint emulate` and used by the conformance
//! suite. Each account's name says what it is for.

use crate::config::{EmRole, User, VbrRole};

/// All products, full rights: EM Portal Administrator, VBR Administrator, ZVM.
pub const ADMIN_USER: &str = "admin";
/// Password of [`ADMIN_USER`].
pub const ADMIN_PASSWORD: &str = "Restpoint-Admin-1";
/// EM Portal User.
pub const PORTAL_USER: &str = "portaluser";
/// Password of [`PORTAL_USER`].
pub const PORTAL_PASSWORD: &str = "Restpoint-Portal-1";
/// EM Restore Operator.
pub const RESTORE_USER: &str = "restoreop";
/// Password of [`RESTORE_USER`].
pub const RESTORE_PASSWORD: &str = "Restpoint-Restore-1";
/// EM Cloud Connect tenant: logs on with a `LoginSpec` body (EM-02).
pub const TENANT_USER: &str = "tenant1";
/// Password of [`TENANT_USER`].
pub const TENANT_PASSWORD: &str = "Restpoint-Tenant-1";
/// No EM role (EM refuses it with 401), VBR Viewer (actions answer 403), ZVM allowed.
pub const VIEWER_USER: &str = "viewer";
/// Password of [`VIEWER_USER`].
pub const VIEWER_PASSWORD: &str = "Restpoint-Viewer-1";
/// VBR Administrator with multi-factor authentication on: the REST API has no second factor, so
/// its password grant is refused (`401`, VBR-09).
pub const MFA_USER: &str = "mfauser";
/// Password of [`MFA_USER`].
pub const MFA_PASSWORD: &str = "Restpoint-Mfa-1";
/// The `vbr_token` accepted by `grant_type=vbr_token` (VBR-01); it logs on as [`ADMIN_USER`].
pub const VBR_TOKEN: &str = "restpoint-vbr-console-token";
/// `client_id` that the ZVM Appliance's password grant requires (ZVM-09).
pub const ZVM_OIDC_PASSWORD_CLIENT: &str = "zerto-client";
/// `client_id` of the ZVM Appliance's client-credentials client (ZVM-09).
pub const ZVM_OIDC_CLIENT_ID: &str = "restpoint-automation";
/// `client_secret` of [`ZVM_OIDC_CLIENT_ID`].
pub const ZVM_OIDC_CLIENT_SECRET: &str = "Restpoint-Client-Secret-1";
/// EM versions served by default, oldest first; the last one is `latest` (EM-13).
pub const EM_VERSIONS: &[&str] = &["v1_5", "v1_6", "v1_7"];
/// VBR `x-api-version` values accepted by default, oldest first (VBR-08, VBR-13): every revision
/// from `1.0-rev1` up to `1.3-rev2` (13.1), with the `1.1-rev2` that public clients send.
pub const VBR_API_VERSIONS: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1", "1.3-rev0",
    "1.3-rev1", "1.3-rev2",
];
/// Default EM port.
pub const EM_PORT: u16 = 9398;
/// Default VBR port.
pub const VBR_PORT: u16 = 9419;
/// Default ZVM port.
pub const ZVM_PORT: u16 = 9669;

/// The default accounts.
pub fn users() -> Vec<User> {
    vec![
        User::new(ADMIN_USER, ADMIN_PASSWORD)
            .with_em_role(EmRole::PortalAdministrator)
            .with_vbr_role(VbrRole::Administrator)
            .with_zvm(),
        User::new(PORTAL_USER, PORTAL_PASSWORD).with_em_role(EmRole::PortalUser),
        User::new(RESTORE_USER, RESTORE_PASSWORD).with_em_role(EmRole::RestoreOperator),
        User::new(TENANT_USER, TENANT_PASSWORD).with_em_role(EmRole::Tenant),
        User::new(VIEWER_USER, VIEWER_PASSWORD)
            .with_vbr_role(VbrRole::Viewer)
            .with_zvm(),
        User::new(MFA_USER, MFA_PASSWORD)
            .with_vbr_role(VbrRole::Administrator)
            .with_mfa(),
    ]
}
