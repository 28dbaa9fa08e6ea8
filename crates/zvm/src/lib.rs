//! Typed client for the Zerto Virtual Manager (ZVM) REST API: the Windows ZVM's
//! `x-zerto-session` logon and the ZVM Appliance's OpenID Connect logon.
//!
//! The operations and models in [`generated`] are produced by `cargo xtask regen` from
//! `specs/zvm/openapi.yaml`; never edit them by hand.
//!
//! [`wait`] polls a task (`zvm.wait_for_task(id).await?`) to `Completed` or `Failed`. ZVM's
//! lists answer whole arrays, so there is no paging helper.

#[rustfmt::skip]
#[allow(missing_docs, clippy::all)]
pub mod generated;

pub mod client;
pub mod session;
pub mod wait;

pub use client::ZvmClient;
pub use session::ZvmSession;
pub use wait::ZvmWait;
