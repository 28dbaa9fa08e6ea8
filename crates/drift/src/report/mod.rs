//! The result of a comparison and its three renderings: text for people, JSON for programs,
//! JUnit XML for CI systems.

mod json;
mod junit;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::change::{Change, ChangeKind, Severity};
use crate::operation::Method;
use crate::spec::Spec;

/// The version of the JSON report's schema (`schema_version`); raised when a field changes
/// meaning or disappears (new fields may appear without a raise).
pub const SCHEMA_VERSION: u32 = 1;

/// One compared document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The name it was loaded under (the file's path).
    pub name: String,
    /// `info.title` and `info.version`.
    pub title: String,
    /// How many operations it has.
    pub operations: usize,
}

impl Document {
    pub(crate) fn of(spec: &Spec, operations: usize) -> Document {
        Document {
            name: spec.name().to_owned(),
            title: spec.title(),
            operations,
        }
    }
}

/// What became of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationStatus {
    /// In both documents, with no difference.
    Unchanged,
    /// In both documents, with differences (see its changes).
    Changed,
    /// Only in the first document.
    Removed,
    /// Only in the second document.
    Added,
}

/// One operation of either document and its changes.
#[derive(Debug, Clone, Serialize)]
pub struct OperationDrift {
    /// Its method.
    pub method: Method,
    /// Its path in the first document (in the second for an added operation).
    pub path: String,
    /// Its path in the second document when the parameter names differ (`/jobs/{jobId}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_path: Option<String>,
    /// Its `operationId` in the first document (in the second for an added operation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// What became of it.
    pub status: OperationStatus,
    /// Its changes (for an added or removed operation, one saying so).
    pub changes: Vec<Change>,
}

impl OperationDrift {
    /// How many of its changes have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    /// `GET /api/v1/jobs`.
    pub fn title(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Breaking changes, counted per operation (a schema shared by ten operations counts ten).
    pub breaking: usize,
    /// Tolerated changes, counted per operation.
    pub tolerated: usize,
    /// Additions, counted per operation (an added operation counts one).
    pub added: usize,
    /// Distinct breaking changes: the same `kind`, `schema` (or `location`) and `detail` seen
    /// from several operations, or at several fields, counts once.
    pub distinct_breaking: usize,
    /// Distinct tolerated changes, counted as `distinct_breaking`.
    pub distinct_tolerated: usize,
    /// Distinct additions, counted as `distinct_breaking` (each added operation counts one).
    pub distinct_added: usize,
    /// Operations of the first document that are gone.
    pub operations_removed: usize,
    /// Operations only the second document has.
    pub operations_added: usize,
    /// Operations in both, with at least one breaking change.
    pub operations_broken: usize,
    /// Operations in both, with changes but none breaking.
    pub operations_changed: usize,
    /// Operations in both, with no change.
    pub operations_unchanged: usize,
    /// Changes per kind (`enum-value-recased` → 43), counted per operation.
    pub kinds: BTreeMap<ChangeKind, usize>,
}

/// The result of [`crate::compare`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The first document: the one a program was written against.
    pub old: Document,
    /// The second document: the server's.
    pub new: Document,
    /// The counts.
    pub summary: Summary,
    /// Every operation of the first document (in path order), then the added ones.
    pub operations: Vec<OperationDrift>,
}

impl Report {
    pub(crate) fn new(old: Document, new: Document, operations: Vec<OperationDrift>) -> Report {
        let mut s = Summary::default();
        let mut distinct = std::collections::HashSet::new();
        for op in &operations {
            for c in &op.changes {
                *s.kinds.entry(c.kind).or_default() += 1;
                match c.severity {
                    Severity::Breaking => s.breaking += 1,
                    Severity::Tolerated => s.tolerated += 1,
                    Severity::Added => s.added += 1,
                }
                // A change of a named schema is the same wherever it is seen; any other change
                // belongs to its operation.
                let place = match &c.schema {
                    Some(schema) => schema.clone(),
                    None => format!("{} {} {}", op.title(), c.location, c.field),
                };
                distinct.insert((c.severity, c.kind, place, c.detail.clone()));
            }
            match op.status {
                OperationStatus::Removed => s.operations_removed += 1,
                OperationStatus::Added => s.operations_added += 1,
                OperationStatus::Unchanged => s.operations_unchanged += 1,
                OperationStatus::Changed if op.count(Severity::Breaking) > 0 => {
                    s.operations_broken += 1;
                }
                OperationStatus::Changed => s.operations_changed += 1,
            }
        }
        let count = |sev: Severity| distinct.iter().filter(|d| d.0 == sev).count();
        s.distinct_breaking = count(Severity::Breaking);
        s.distinct_tolerated = count(Severity::Tolerated);
        s.distinct_added = count(Severity::Added);
        Report {
            schema_version: SCHEMA_VERSION,
            old,
            new,
            summary: s,
            operations,
        }
    }

    /// Whether anything would break a program written against the first document.
    pub fn is_breaking(&self) -> bool {
        self.summary.breaking > 0
    }

    /// The operation with this method and path (as written in the first document, or in the
    /// second for an added one).
    pub fn operation(&self, method: Method, path: &str) -> Option<&OperationDrift> {
        self.operations
            .iter()
            .find(|o| o.method == method && o.path == path)
    }

    /// Every change of every operation, with its operation.
    pub fn changes(&self) -> impl Iterator<Item = (&OperationDrift, &Change)> {
        self.operations
            .iter()
            .flat_map(|o| o.changes.iter().map(move |c| (o, c)))
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Json => json::render(self),
            Format::Junit => junit::render(self),
        }
    }
}

/// The renderings of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A summary, a table of the operations with changes, then every change.
    Text,
    /// The [`Report`] as JSON (pretty-printed), `schema_version` [`SCHEMA_VERSION`].
    Json,
    /// JUnit XML: one test case per operation of the first document, failed when it has a
    /// breaking change.
    Junit,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            other => Err(format!("unknown format {other:?} (text, json or junit)")),
        }
    }
}
