//! The JUnit XML rendering: one test suite, one test case per operation of the first document,
//! failed when the operation has a breaking change; its other changes go to `system-out`.

use std::fmt::Write as _;

use super::{OperationStatus, Report};
use crate::change::{Change, Severity};

pub(super) fn render(r: &Report) -> String {
    let cases: Vec<_> = r
        .operations
        .iter()
        .filter(|o| o.status != OperationStatus::Added)
        .collect();
    let failures = cases
        .iter()
        .filter(|o| o.count(Severity::Breaking) > 0)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let suite = format!("restpoint drift: {} → {}", r.old.title, r.new.title);
    let _ = writeln!(
        out,
        "<testsuites name=\"restpoint drift\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        esc(&suite),
        cases.len()
    );
    for o in cases {
        let name = match &o.operation_id {
            Some(id) => format!("{} ({id})", o.title()),
            None => o.title(),
        };
        let _ = write!(
            out,
            "    <testcase classname=\"drift\" name=\"{}\"",
            esc(&name)
        );
        let breaking: Vec<&Change> = o
            .changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .collect();
        let other: Vec<&Change> = o
            .changes
            .iter()
            .filter(|c| c.severity != Severity::Breaking)
            .collect();
        if breaking.is_empty() && other.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if !breaking.is_empty() {
            let _ = writeln!(
                out,
                "      <failure type=\"breaking\" message=\"{} breaking change(s)\">{}</failure>",
                breaking.len(),
                esc(&lines(&breaking))
            );
        }
        if !other.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                esc(&lines(&other))
            );
        }
        out.push_str("    </testcase>\n");
    }
    let added: Vec<String> = r
        .operations
        .iter()
        .filter(|o| o.status == OperationStatus::Added)
        .map(|o| format!("added: {}\n", o.title()))
        .collect();
    if !added.is_empty() {
        let _ = writeln!(out, "    <system-out>{}</system-out>", esc(&added.concat()));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn lines(changes: &[&Change]) -> String {
    let mut s = String::new();
    for c in changes {
        let _ = write!(
            s,
            "{} {} at {}",
            c.severity.as_str(),
            c.kind.as_str(),
            c.location
        );
        if !c.field.is_empty() {
            let _ = write!(s, " {}", c.field);
        }
        if let Some(schema) = &c.schema {
            let _ = write!(s, " [{schema}]");
        }
        let _ = writeln!(s, ": {}", c.detail);
    }
    s
}

/// Escapes text for XML content and attribute values; drops characters XML 1.0 cannot carry.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
