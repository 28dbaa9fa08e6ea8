//! Typed client for the Veeam Backup Enterprise Manager (EM) REST API.
//!
//! EM is a hypermedia XML API (JSON on request): a client starts at `GET /api/`, follows links,
//! logs on with a `LogonSession` and logs off through that session's `Rel="Delete"` link.
//!
//! # Models
//!
//! The types of EM's documents are generated from restpoint's own schema, `specs/em/em.xsd`, by
//! `cargo xtask regen` (xsd-parser, native quick-xml mode) into [`generated`]; they are never
//! edited by hand. Before generating, the xtask adds `xs:any` / `xs:anyAttribute` wildcards to
//! every complex type, so unknown elements and attributes sent by newer servers are kept in the
//! `any` / `any_attribute` fields rather than rejected. Beside the generated code:
//! [`xml`] (`parse_xml`, `to_xml`, root/namespace/DOCTYPE checks), [`json`] (`parse_json`,
//! `to_json`), [`links`] (`Rel`, `LinkKind`, `Links::find`) and [`model`] (versions, session
//! id, task state). Errors are [`ParseError`], naming the resource and field.
//!
//! # JSON
//!
//! EM answers JSON with `Accept: application/json` (EM-07). JSON is read into the *same*
//! generated types, through a hand-written mapping in [`json`] (one line per field), not through
//! serde derives and not through a second generated set. Why: the generated quick-xml types hold
//! `AnyAttributes`/`AnyElement` wildcard fields that have no serde form; xsd-parser's serde mode
//! drops the namespace and names attributes `@Href`, while EM's JSON flattens attributes and
//! elements into plain properties and turns list elements (`Links`) into bare arrays, a shape
//! neither generated mode produces. One set of types means a value read from XML and from JSON
//! compares equal, which the tests check on the same documents. The mapping's struct literals
//! are exhaustive, so a field added to the schema breaks the build until it is mapped.

#[rustfmt::skip]
#[allow(dead_code, unused_variables, unused_mut, missing_docs, unreachable_pub, clippy::all)]
pub mod generated;

pub mod error;
pub mod json;
pub mod links;
pub mod model;
pub mod redact;
pub mod xml;

pub use error::ParseError;
pub use generated::{
    BackupJobSession, BackupServer, EnterpriseManager, Entities, EntityReferences, Job,
    LinkType as Link, LogonSession, LogonSessionListType as LogonSessionList, LogonSessions,
    PagingInfoType as PagingInfo, QueryResult, Repository, Task, Tasks,
};
pub use json::{parse_json, to_json};
pub use links::{HasLinks, LinkKind, Links, Rel};
pub use model::{TaskState, Version};
pub use xml::{Resource, parse_xml, to_xml};

/// The body of an EM error response (`<Error StatusCode=".." Message=".."/>`).
pub type ApiError = generated::ErrorType;

pub mod paging;
pub mod session;
pub mod version;
pub mod wait;

pub use session::EmSession;
