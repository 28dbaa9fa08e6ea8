//! Typed client for the Veeam Backup & Replication (VBR) REST API.
//!
//! The operations and models in [`generated`] are produced by `cargo xtask regen` from
//! `specs/vbr/openapi.yaml`; never edit them by hand.
//!
//! Everyday helpers beside them: [`paging`] (`vbr.jobs().page_size(10).into_stream()`),
//! [`wait`] (`vbr.start_job(id).await?.await?` polls the job's session to its end) and
//! [`version`] (`VbrSessionBuilder::build_negotiated`, the newest common `x-api-version`);
//! [`published_spec`] fetches the OpenAPI document the server publishes (no credential sent).
//! Transient failures are retried by the session core (`restpoint_session::retry`).

#[rustfmt::skip]
#[allow(missing_docs, clippy::all)]
pub mod generated;

pub mod client;
pub mod paging;
pub mod published_spec;
pub mod session;
pub mod version;
pub mod wait;

pub use client::VbrClient;
pub use paging::VbrPaging;
pub use session::VbrSession;
pub use wait::VbrWait;
