//! Compares two OpenAPI 3.x documents the way a client sees them, and reports what would break a
//! program written against the first when it talks to a server of the second.
//!
//! ```no_run
//! let old = restpoint_drift::Spec::load("specs/vbr/openapi.yaml")?;
//! let new = restpoint_drift::Spec::load("vbr-1.3-rev1.json")?;
//! let report = restpoint_drift::compare(&old, &new);
//! print!("{}", report.render(restpoint_drift::Format::Text));
//! std::process::exit(if report.is_breaking() { 1 } else { 0 });
//! # Ok::<(), restpoint_drift::DriftError>(())
//! ```
//!
//! What is compared, per operation (matched by method and path template, path parameter names
//! ignored):
//!
//! - the operation itself: removed (breaking), added, `operationId` renamed (tolerated);
//! - parameters (query, header, cookie): required ones added or optional ones made required
//!   (breaking), optional ones added, removed ones (tolerated), and their schemas;
//! - the request body: made required, its media type gone, required fields added, optional fields
//!   made required (breaking), fields removed (breaking only when the model forbids other
//!   properties);
//! - the success answers (2xx): a status or media type gone, fields removed (breaking when they
//!   were required), required fields made optional, fields retyped (breaking), fields added;
//! - enumerations everywhere: values removed or renamed (breaking), values re-cased (tolerated:
//!   restpoint's lenient decoding ignores case, VBR-11), values added.
//!
//! Schemas are followed through `$ref`, `allOf` (merged), `oneOf`/`anyOf` (variants matched by
//! name) and array items; each pair of named schemas is compared once per location, which ends
//! recursive models.

mod change;
mod compare;
mod error;
mod operation;
mod report;
mod schema;
mod spec;

pub use change::{Change, ChangeKind, Severity};
pub use compare::compare;
pub use error::DriftError;
pub use operation::{Method, template_key};
pub use report::{
    Document, Format, OperationDrift, OperationStatus, Report, SCHEMA_VERSION, Summary,
};
pub use spec::Spec;
