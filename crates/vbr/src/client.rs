//! The typed VBR client: the generated operations, sent through a logged-on [`VbrSession`].
//!
//! Every generated call goes through the session: it is authorised with the current bearer
//! token and `x-api-version`, and after a 401 the session logs on once more and retries once.
//! Each generated builder's `send()` names its operation id (written by `cargo xtask regen`
//! from the spec) and answers [`restpoint_session::Error`], which never shows a header, a body
//! or a token: `vbr.api().<operation>()...send().await?`. progenitor's own error type is not
//! part of the public interface.

use restpoint_session::Session;
use restpoint_session::progenitor::TypedClient;

use crate::generated;
use crate::session::{VbrAuth, VbrSession};

/// The session the generated [`generated::Client`] carries as its inner value.
pub type ApiSession = Session<VbrAuth>;

restpoint_session::impl_client_hooks!(generated::Client, ApiSession);

/// A logged-on VBR client: the typed operations of `specs/vbr/openapi.yaml` over a session.
///
/// ```ignore
/// let session = VbrSession::builder("https://vbr.example.com:9419")
///     .credentials(Credentials::from_env("VBR_USER", "VBR_PASSWORD")?)
///     .build()
///     .await?;
/// let vbr = session.client();
/// let jobs = vbr.api().get_all_jobs().limit(50).send().await?;
/// vbr.logout().await?;
/// ```
pub type VbrClient = TypedClient<generated::Client, VbrAuth>;

impl VbrSession {
    /// The typed client whose calls go through this session.
    pub fn client(&self) -> VbrClient {
        let session = self.session().clone();
        let base = self.base_url().as_str().trim_end_matches('/');
        let api = generated::Client::new_with_client(base, session.http().clone(), session.clone());
        TypedClient::new(api, session)
    }
}

#[cfg(feature = "full-api")]
restpoint_session::impl_client_hooks!(crate::full_api::Client, ApiSession);

/// The whole API of your server's spec (feature `full-api`, generated at build time from
/// `RESTPOINT_VBR_SPEC`) over a session: `session.full_api().api().<operation>()...send().await?`,
/// with the same authorisation, re-logon, retries and typed errors as [`VbrClient`].
#[cfg(feature = "full-api")]
pub type VbrFullApiClient = TypedClient<crate::full_api::Client, VbrAuth>;

#[cfg(feature = "full-api")]
impl VbrSession {
    /// The build-time full API (feature `full-api`) whose calls go through this session.
    pub fn full_api(&self) -> VbrFullApiClient {
        let session = self.session().clone();
        let base = self.base_url().as_str().trim_end_matches('/');
        let api =
            crate::full_api::Client::new_with_client(base, session.http().clone(), session.clone());
        TypedClient::new(api, session)
    }
}
