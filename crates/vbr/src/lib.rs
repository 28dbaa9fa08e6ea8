//! Typed client for the Veeam Backup & Replication (VBR) REST API.
//!
//! The operations and models in [`generated`] are produced by `cargo xtask regen` from
//! `specs/vbr/openapi.yaml`; never edit them by hand.

#[rustfmt::skip]
#[allow(missing_docs, clippy::all)]
pub mod generated;

pub mod client;
pub mod paging;
pub mod session;
pub mod version;
pub mod wait;

pub use client::VbrClient;
pub use paging::VbrPaging;
pub use session::VbrSession;
pub use wait::VbrWait;
