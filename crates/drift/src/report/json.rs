//! The JSON rendering: the [`Report`] serialised as is.

use super::Report;

/// Pretty-printed JSON of the report.
pub(super) fn render(report: &Report) -> String {
    // A tree of strings, numbers and maps with string keys: serialising it cannot fail.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_default();
    out.push('\n');
    out
}
