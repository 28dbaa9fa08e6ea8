//! The embedded emulator as a target (stub until restpoint-emulator's API lands).

use std::time::Duration;

use url::Url;

use crate::facts::Product;
use crate::target::{Credential, EmulatorAccounts};

/// The emulator, started in-process on ephemeral ports with a virtual clock.
pub struct EmbeddedEmulator;

impl EmbeddedEmulator {
    /// Starts the emulator with its test configuration.
    pub async fn start() -> anyhow::Result<EmbeddedEmulator> {
        anyhow::bail!("the embedded emulator is not available yet")
    }
    /// The base URL of `product`.
    pub fn url(&self, _product: Product) -> anyhow::Result<Url> {
        unreachable!()
    }
    /// The PEM of the CA.
    pub fn ca_pem(&self) -> String {
        unreachable!()
    }
    /// Advances the virtual clock.
    pub fn advance(&self, _duration: Duration) -> anyhow::Result<()> {
        unreachable!()
    }
    /// VBR-12 setting.
    pub fn set_vbr_empty_401(&self, _empty: bool) -> anyhow::Result<()> {
        unreachable!()
    }
    /// Fault.
    pub fn fail_next(&self, _product: Product, _status: u16) -> anyhow::Result<()> {
        unreachable!()
    }
    /// Reset.
    pub fn reset_settings(&self) -> anyhow::Result<()> {
        unreachable!()
    }
    /// Admin credential.
    pub fn admin_credential() -> Credential {
        Credential::new("admin", "x")
    }
    /// Accounts.
    pub fn accounts() -> EmulatorAccounts {
        unreachable!()
    }
}
