//! The typed ZVM client: the generated operations, sent through a logged-on [`ZvmSession`].
//!
//! Every generated call goes through the session: it is authorised with the current
//! `x-zerto-session` id (or Appliance bearer token), and after a 401 the session logs on once more and retries once.
//! Each generated builder's `send()` names its operation id (written by `cargo xtask regen`
//! from the spec) and answers [`restpoint_session::Error`], which never shows a header, a body
//! or a token: `zvm.api().<operation>()...send().await?`. progenitor's own error type is not
//! part of the public interface.

use restpoint_session::Session;
use restpoint_session::progenitor::TypedClient;

use crate::generated;
use crate::session::{ZvmAuth, ZvmSession};

/// The session the generated [`generated::Client`] carries as its inner value.
pub type ApiSession = Session<ZvmAuth>;

restpoint_session::impl_client_hooks!(generated::Client, ApiSession);

/// A logged-on ZVM client: the typed operations of `specs/zvm/openapi.yaml` over a session.
///
/// ```ignore
/// let session = ZvmSession::builder("https://zvm.example.com:9669")
///     .credentials(Credentials::from_env("ZVM_USER", "ZVM_PASSWORD")?)
///     .build()
///     .await?;
/// let zvm = session.client();
/// let vpgs = zvm.api().get_vpgs().send().await?;
/// zvm.logout().await?;
/// ```
pub type ZvmClient = TypedClient<generated::Client, ZvmAuth>;

impl ZvmSession {
    /// The typed client whose calls go through this session.
    pub fn client(&self) -> ZvmClient {
        let session = self.session().clone();
        let base = self.base_url().as_str().trim_end_matches('/');
        let api = generated::Client::new_with_client(base, session.http().clone(), session.clone());
        TypedClient::new(api, session)
    }
}

#[cfg(feature = "full-api")]
restpoint_session::impl_client_hooks!(crate::full_api::Client, ApiSession);

/// The whole API of your spec (feature `full-api`, generated at build time from
/// `RESTPOINT_ZVM_SPEC`) over a session: `session.full_api().api().<operation>()...send().await?`,
/// with the same authorisation, re-logon, retries and typed errors as [`ZvmClient`].
#[cfg(feature = "full-api")]
pub type ZvmFullApiClient = TypedClient<crate::full_api::Client, ZvmAuth>;

#[cfg(feature = "full-api")]
impl ZvmSession {
    /// The build-time full API (feature `full-api`) whose calls go through this session.
    pub fn full_api(&self) -> ZvmFullApiClient {
        let session = self.session().clone();
        let base = self.base_url().as_str().trim_end_matches('/');
        let api =
            crate::full_api::Client::new_with_client(base, session.http().clone(), session.clone());
        TypedClient::new(api, session)
    }
}
