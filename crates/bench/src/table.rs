//! The result table: one [`Row`] per figure, printed as text and written as Markdown.

use serde::{Deserialize, Serialize};

/// Whether a figure meets its target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The target is met.
    Met,
    /// The target is not met.
    NotMet,
    /// A comparison without a target.
    Info,
    /// Not measured, with the reason.
    Skipped(String),
    /// The measurement failed, with the error.
    Failed(String),
}

impl Verdict {
    /// `met` when `ok`, `NOT MET` otherwise.
    pub fn of(ok: bool) -> Verdict {
        if ok { Verdict::Met } else { Verdict::NotMet }
    }

    /// The text of the last column.
    pub fn label(&self) -> String {
        match self {
            Verdict::Met => "met".into(),
            Verdict::NotMet => "NOT MET".into(),
            Verdict::Info => "(no target)".into(),
            Verdict::Skipped(why) => format!("skipped: {why}"),
            Verdict::Failed(why) => {
                let short: String = why.chars().take(160).collect();
                let more = if short.len() < why.len() { "…" } else { "" };
                format!("FAILED: {short}{more}")
            }
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `P1` … `P7`, `Py`.
    pub id: String,
    /// What is measured, briefly.
    pub figure: String,
    /// Our figure.
    pub ours: String,
    /// The baseline's figure.
    pub baseline: String,
    /// Ours ÷ baseline (or the count the target names).
    pub ratio: String,
    /// The target.
    pub target: String,
    /// Met or not.
    pub verdict: Verdict,
}

/// The prefix of the line by which a figure's child process hands a row to `all`.
pub const ROW_PREFIX: &str = "@row ";

impl Row {
    /// A row of a figure that could not be measured.
    pub fn failed(id: &str, figure: &str, target: &str, error: &anyhow::Error) -> Row {
        Row {
            id: id.into(),
            figure: figure.into(),
            ours: "-".into(),
            baseline: "-".into(),
            ratio: "-".into(),
            target: target.into(),
            verdict: Verdict::Failed(format!("{error:#}").replace('\n', " ")),
        }
    }

    /// The row as one line for the parent process.
    pub fn to_line(&self) -> String {
        format!(
            "{ROW_PREFIX}{}",
            serde_json::to_string(self).expect("a row serialises")
        )
    }

    /// The row of a line written by [`Row::to_line`].
    pub fn from_line(line: &str) -> Option<Row> {
        serde_json::from_str(line.strip_prefix(ROW_PREFIX)?).ok()
    }

    fn cells(&self) -> [String; 7] {
        [
            self.id.clone(),
            self.figure.clone(),
            self.ours.clone(),
            self.baseline.clone(),
            self.ratio.clone(),
            self.target.clone(),
            self.verdict.label(),
        ]
    }
}

const HEADER: [&str; 7] = [
    "id", "figure", "ours", "baseline", "ratio", "target", "result",
];

/// The rows as an aligned text table.
pub fn render_text(rows: &[Row]) -> String {
    let cells: Vec<[String; 7]> = rows.iter().map(Row::cells).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            out.push_str(c);
            if i + 1 < cols.len() {
                out.extend(std::iter::repeat_n(' ', w - c.chars().count()));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&HEADER.map(String::from));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule).replace(" | ", "-+-"));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

/// The rows as a Markdown table.
pub fn render_markdown(rows: &[Row]) -> String {
    let escape = |s: &str| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", HEADER.join(" | "));
    out.push_str(&format!("|{}\n", " --- |".repeat(HEADER.len())));
    for row in rows {
        let cells = row.cells().map(|c| escape(&c));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            id: "P1".into(),
            figure: "client overhead".into(),
            ours: "412.0 µs".into(),
            baseline: "400.0 µs".into(),
            ratio: "1.03".into(),
            target: "≤ 1.05".into(),
            verdict: Verdict::Met,
        }
    }

    #[test]
    fn rows_travel_as_lines() {
        let r = row();
        assert_eq!(Row::from_line(&r.to_line()), Some(r));
        assert_eq!(Row::from_line("conformance: 3 passed"), None);
    }

    #[test]
    fn text_and_markdown_tables() {
        let text = render_text(&[row()]);
        assert!(text.lines().count() == 3, "{text}");
        assert!(text.contains("412.0 µs | 400.0 µs | 1.03"), "{text}");
        let md = render_markdown(&[row()]);
        assert!(md.starts_with("| id | figure |"), "{md}");
        assert!(md.contains("| P1 | client overhead |"), "{md}");
    }
}
