//! The text rendering: the verdict and counts, a table per kind of change, a table of the
//! operations with changes, then every change of every operation.

use std::fmt::Write as _;

use super::{OperationStatus, Report};
use crate::change::Severity;

pub(super) fn render(r: &Report) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "restpoint drift");
    for (label, d) in [("old", &r.old), ("new", &r.new)] {
        let _ = writeln!(
            out,
            "  {label}: {} ({}, {} operations)",
            d.name, d.title, d.operations
        );
    }
    let verdict = if r.is_breaking() {
        "BREAKING"
    } else {
        "compatible"
    };
    let _ = writeln!(
        out,
        "Result: {verdict}: {} breaking, {} tolerated, {} added (distinct: {} / {} / {})",
        s.breaking,
        s.tolerated,
        s.added,
        s.distinct_breaking,
        s.distinct_tolerated,
        s.distinct_added
    );
    let _ = writeln!(
        out,
        "Operations of old: {} removed, {} broken, {} changed, {} unchanged; {} added in new",
        s.operations_removed,
        s.operations_broken,
        s.operations_changed,
        s.operations_unchanged,
        s.operations_added
    );

    if !s.kinds.is_empty() {
        let _ = writeln!(out, "\nChanges by kind");
        let rows: Vec<[String; 4]> = s
            .kinds
            .keys()
            .map(|kind| {
                let n = |sev: Severity| {
                    r.changes()
                        .filter(|(_, c)| c.kind == *kind && c.severity == sev)
                        .count()
                        .to_string()
                };
                [
                    kind.as_str().to_owned(),
                    n(Severity::Breaking),
                    n(Severity::Tolerated),
                    n(Severity::Added),
                ]
            })
            .collect();
        table(
            &mut out,
            ["kind", "breaking", "tolerated", "added"],
            &rows,
            &[false, true, true, true],
        );
    }

    let changed: Vec<_> = r
        .operations
        .iter()
        .filter(|o| o.status != OperationStatus::Unchanged)
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "\nOperations with changes");
        let rows: Vec<[String; 6]> = changed
            .iter()
            .map(|o| {
                let status = match o.status {
                    OperationStatus::Changed if o.count(Severity::Breaking) > 0 => "broken",
                    OperationStatus::Changed => "changed",
                    OperationStatus::Removed => "removed",
                    OperationStatus::Added => "added",
                    OperationStatus::Unchanged => "unchanged",
                };
                [
                    status.to_owned(),
                    o.method.to_string(),
                    o.path.clone(),
                    o.count(Severity::Breaking).to_string(),
                    o.count(Severity::Tolerated).to_string(),
                    o.count(Severity::Added).to_string(),
                ]
            })
            .collect();
        table(
            &mut out,
            ["status", "method", "path", "breaking", "tolerated", "added"],
            &rows,
            &[false, false, false, true, true, true],
        );
    }

    let detailed: Vec<_> = changed
        .iter()
        .filter(|o| o.status != OperationStatus::Added)
        .collect();
    if !detailed.is_empty() {
        let _ = writeln!(out, "\nDetails");
        for o in detailed {
            let id = o
                .operation_id
                .as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
            let renamed = o
                .new_path
                .as_deref()
                .map(|p| format!(" → {p}"))
                .unwrap_or_default();
            let _ = writeln!(out, "{}{renamed}{id}", o.title());
            for c in &o.changes {
                let field = if c.field.is_empty() {
                    String::new()
                } else {
                    format!(" {}", c.field)
                };
                let schema = c
                    .schema
                    .as_deref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<9} {} at {}{field}{schema}: {}",
                    c.severity.as_str().to_ascii_uppercase(),
                    c.kind.as_str(),
                    c.location,
                    c.detail
                );
            }
        }
    }
    out
}

/// A plain-text table with a header line and a rule; `right` aligns a column to the right.
fn table<const N: usize>(out: &mut String, head: [&str; N], rows: &[[String; N]], right: &[bool]) {
    let mut widths = head.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: Vec<&str>| {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            text.push(' ');
            if right.get(i).copied().unwrap_or(false) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(out, head.to_vec());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, rule.iter().map(String::as_str).collect());
    for row in rows {
        line(out, row.iter().map(String::as_str).collect());
    }
}
