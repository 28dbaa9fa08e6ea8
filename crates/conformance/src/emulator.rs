//! The embedded emulator as a target: start, addresses, virtual clock, settings and faults.
//!
//! Everything this crate knows about `restpoint-emulator` is in this file.

use std::time::Duration;

use anyhow::Context as _;
use restpoint_emulator::{Emulator, EmulatorConfig, defaults};
use url::Url;

use crate::facts::Product;
use crate::target::{Credential, EmulatorAccounts};

/// The emulator, started in-process on ephemeral ports with a virtual clock.
pub struct EmbeddedEmulator {
    emulator: Emulator,
    /// The settings it started with (a server profile's, or the defaults): what
    /// [`EmbeddedEmulator::reset_settings`] puts back.
    start: EmulatorConfig,
}

impl EmbeddedEmulator {
    /// Starts the emulator with `config` (default: its test configuration: ephemeral ports, a
    /// virtual clock).
    pub async fn start(config: Option<EmulatorConfig>) -> anyhow::Result<EmbeddedEmulator> {
        let config = config.unwrap_or_else(EmulatorConfig::for_tests);
        let start = config.clone();
        let emulator = Emulator::start(config)
            .await
            .context("cannot start the embedded emulator")?;
        Ok(EmbeddedEmulator { emulator, start })
    }

    /// The base URL of `product`.
    pub fn url(&self, product: Product) -> anyhow::Result<Url> {
        let s = match product {
            Product::Em => self.emulator.em_url().to_string(),
            Product::Vbr => self.emulator.vbr_url().to_string(),
            Product::Zvm => self.emulator.zvm_url().to_string(),
        };
        Url::parse(&s).with_context(|| format!("the emulator's URL {s} does not parse"))
    }

    /// The PEM of the CA that signed the emulator's certificate.
    pub fn ca_pem(&self) -> String {
        self.emulator.ca_pem().to_string()
    }

    /// Advances the virtual clock.
    pub fn advance(&self, duration: Duration) -> anyhow::Result<()> {
        self.emulator.advance(duration);
        Ok(())
    }

    /// Makes VBR answer a refused or expired token `401` with an empty body (`true`) or with the
    /// JSON error model (`false`, the default) (VBR-12).
    pub fn set_vbr_empty_401(&self, empty: bool) -> anyhow::Result<()> {
        use restpoint_emulator::Vbr401Body;
        self.emulator.admin().set_vbr_401_body(if empty {
            Vbr401Body::Empty
        } else {
            Vbr401Body::Json
        });
        Ok(())
    }

    /// Makes VBR answer a request without `x-api-version` in its newest revision (`true`) or
    /// refuse it (`false`, the default) (VBR-08).
    pub fn set_vbr_missing_version_newest(&self, newest: bool) -> anyhow::Result<()> {
        use restpoint_emulator::VbrMissingVersion;
        let admin = self.emulator.admin();
        let mut behaviour = admin.behaviour();
        behaviour.vbr_missing_version = if newest {
            VbrMissingVersion::Newest
        } else {
            VbrMissingVersion::Refuse
        };
        admin.set_behaviour(behaviour);
        Ok(())
    }

    /// Makes the next request to `product` fail with `status`.
    pub fn fail_next(&self, product: Product, status: u16) -> anyhow::Result<()> {
        use restpoint_emulator::{Fault, Product as P};
        let p = match product {
            Product::Em => P::Em,
            Product::Vbr => P::Vbr,
            Product::Zvm => P::Zvm,
        };
        self.emulator
            .admin()
            .inject_fault(p, Fault::Status(status), 1);
        Ok(())
    }

    /// The `x-api-version` values the emulator was started serving (VBR-13).
    pub fn vbr_api_versions(&self) -> &[String] {
        &self.start.vbr_api_versions
    }

    /// Puts every setting a scenario may change back to what the emulator started with (the
    /// defaults, or the server profile's).
    pub fn reset_settings(&self) -> anyhow::Result<()> {
        let admin = self.emulator.admin();
        admin.set_vbr_401_body(self.start.vbr_401_body);
        admin.set_behaviour(self.start.behaviour);
        admin.set_lifetimes(self.start.lifetimes);
        admin.set_em_versions(self.start.em_versions.clone());
        admin.set_vbr_api_versions(self.start.vbr_api_versions.clone());
        admin.clear_faults();
        Ok(())
    }

    /// Plays a Windows ZVM, a ZVM Appliance or both (ZVM-09, ZVM-10).
    pub fn set_zvm_kind(&self, kind: crate::args::ZvmKind) -> anyhow::Result<()> {
        use restpoint_emulator::ZvmKind as K;
        let admin = self.emulator.admin();
        admin.set_behaviour(restpoint_emulator::Behaviour {
            zvm_kind: match kind {
                crate::args::ZvmKind::Both => K::Both,
                crate::args::ZvmKind::Windows => K::Windows,
                crate::args::ZvmKind::Appliance => K::Appliance,
            },
            ..admin.behaviour()
        });
        Ok(())
    }

    /// Makes `/v1` refuse Appliance tokens issued without `scope=openid` (ZVM-11).
    pub fn set_zvm_require_openid_scope(&self, on: bool) -> anyhow::Result<()> {
        let admin = self.emulator.admin();
        admin.set_behaviour(restpoint_emulator::Behaviour {
            zvm_require_openid_scope: on,
            ..admin.behaviour()
        });
        Ok(())
    }

    /// The account the suite logs on with.
    pub fn admin_credential() -> Credential {
        Credential::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
    }

    /// The other accounts of the emulator.
    pub fn accounts() -> EmulatorAccounts {
        EmulatorAccounts {
            em_no_role: Credential::new(defaults::VIEWER_USER, defaults::VIEWER_PASSWORD),
            em_other: Credential::new(defaults::PORTAL_USER, defaults::PORTAL_PASSWORD),
            em_tenant: Credential::new(defaults::TENANT_USER, defaults::TENANT_PASSWORD),
            vbr_viewer: Credential::new(defaults::VIEWER_USER, defaults::VIEWER_PASSWORD),
            vbr_mfa: Credential::new(defaults::MFA_USER, defaults::MFA_PASSWORD),
            em_by_role: vec![
                (
                    "Portal Administrator".to_owned(),
                    Credential::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
                ),
                (
                    "Portal User".to_owned(),
                    Credential::new(defaults::PORTAL_USER, defaults::PORTAL_PASSWORD),
                ),
                (
                    "Restore Operator".to_owned(),
                    Credential::new(defaults::RESTORE_USER, defaults::RESTORE_PASSWORD),
                ),
            ],
            vbr_token: defaults::VBR_TOKEN.to_owned(),
            zvm_client_credentials: (
                defaults::ZVM_OIDC_CLIENT_ID.to_owned(),
                defaults::ZVM_OIDC_CLIENT_SECRET.to_owned(),
            ),
        }
    }
}
