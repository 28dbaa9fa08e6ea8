//! The HTML report (`--html FILE`): one self-contained page (inline CSS and script, no network,
//! a Content-Security-Policy that allows nothing else) with a rule × run matrix per product.
//! Each cell is coloured and labelled by its outcome and opens the exchanges that decided it.
//!
//! The page is written through [`Page`], whose only ways to add text are static templates
//! (`&'static str`) and escaped values: nothing a server answered can become markup.

use std::fmt::Write as _;

use super::evidence::Exchange;
use super::summary::{RuleOutcome, RuleSummary, RunSummary, ScenarioSummary};
use crate::facts::Product;

/// HTML under construction. Markup comes only from `&'static str` templates; every value is
/// escaped.
struct Page {
    out: String,
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

impl Page {
    /// Adds static markup.
    fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Fills `template`'s `{}` placeholders with `values`, each escaped.
    fn fill(&mut self, template: &'static str, values: &[&str]) -> &mut Self {
        let mut values = values.iter();
        let mut parts = template.split("{}");
        if let Some(first) = parts.next() {
            self.out.push_str(first);
        }
        for part in parts {
            if let Some(v) = values.next() {
                self.out.push_str(&escape(v));
            }
            self.out.push_str(part);
        }
        self
    }
}

fn class_of(o: RuleOutcome) -> &'static str {
    match o {
        RuleOutcome::Failed => "o-failed",
        RuleOutcome::Recorded => "o-recorded",
        RuleOutcome::Passed => "o-passed",
        RuleOutcome::Skipped => "o-skipped",
        RuleOutcome::Uncovered => "o-uncovered",
    }
}

fn border_of(o: RuleOutcome) -> &'static str {
    match o {
        RuleOutcome::Failed => "b-failed",
        RuleOutcome::Recorded => "b-recorded",
        RuleOutcome::Passed => "b-passed",
        RuleOutcome::Skipped | RuleOutcome::Uncovered => "b-other",
    }
}

fn mark_of(o: RuleOutcome) -> &'static str {
    match o {
        RuleOutcome::Failed => "✗",
        RuleOutcome::Recorded => "◆",
        RuleOutcome::Passed => "✓",
        RuleOutcome::Skipped => "–",
        RuleOutcome::Uncovered => "!",
    }
}

const STYLE: &str = r#"
:root{--fg:#1b1b1f;--muted:#4a4a55;--line:#c9c9d1;--bg:#fff;
--failed:#9f1c12;--failed-bg:#fde4e1;--passed:#0b6b3a;--passed-bg:#ddf3e6;
--recorded:#1849a9;--recorded-bg:#e0eafc;--skipped:#4a4a55;--skipped-bg:#ececf0;
--uncovered:#7a4100;--uncovered-bg:#fff0d6}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:1.25rem;max-width:78rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .4rem}h3{font-size:1.05rem;margin:.2rem 0 .5rem}
.meta,.muted{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.legend li,.cell{display:inline-block;border-radius:.3rem;padding:.1rem .5rem;font-weight:600;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top}
thead th{background:#f6f6f8;font-size:.85rem}
td.stmt{font-size:.85rem;color:var(--muted);max-width:34rem}
a.cell{text-decoration:none;color:inherit;border:2px solid transparent}
a.cell:hover{text-decoration:underline}
a.cell:focus-visible{outline:3px solid #111;outline-offset:2px}
a.cell[aria-expanded=true]{border-color:currentColor}
.o-failed{color:var(--failed);background:var(--failed-bg)}
.o-passed{color:var(--passed);background:var(--passed-bg)}
.o-recorded{color:var(--recorded);background:var(--recorded-bg)}
.o-skipped{color:var(--skipped);background:var(--skipped-bg)}
.o-uncovered{color:var(--uncovered);background:var(--uncovered-bg)}
.evidence{display:none;border:2px solid var(--line);border-radius:.4rem;padding:.8rem 1rem;background:#fbfbfc}
.evidence:target,.evidence.open{display:block;position:fixed;top:1rem;right:1rem;bottom:1rem;width:min(48rem,62vw);overflow:auto;z-index:10;box-shadow:0 .4rem 1.6rem rgba(0,0,0,.3)}
.evidence.b-failed{border-color:var(--failed)}.evidence.b-recorded{border-color:var(--recorded)}.evidence.b-passed{border-color:var(--passed)}
@media (max-width:50rem){.evidence:target,.evidence.open{left:.5rem;right:.5rem;width:auto}}
.scenario{border-top:1px solid var(--line);padding-top:.5rem;margin-top:.6rem}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f3f6;padding:.5rem;border-radius:.3rem;margin:.3rem 0}
code{font-size:.85rem}
tr.decided{outline:2px solid var(--failed)}
.exchanges{table-layout:fixed}.exchanges td,.exchanges th{font-size:.85rem;overflow-wrap:anywhere}
.exchanges th:first-child{width:5.5rem}.small{display:block;color:var(--muted);font-size:.8rem}
.close{float:right}
@media print{.evidence{display:block;position:static;box-shadow:none}}
"#;

const SCRIPT: &str = r#"
(function(){
  var open=null;
  function show(id,cell){
    var panel=document.getElementById(id);
    if(!panel)return;
    if(open&&open!==panel)open.classList.remove('open');
    document.querySelectorAll('a.cell[aria-expanded=true]').forEach(function(c){c.setAttribute('aria-expanded','false');});
    panel.classList.add('open');open=panel;
    if(cell)cell.setAttribute('aria-expanded','true');
    panel.focus({preventScroll:true});
  }
  function hide(p){p.classList.remove('open');open=null;
    var c=document.querySelector('a.cell[aria-controls="'+p.id+'"][aria-expanded=true]')||document.querySelector('a.cell[aria-controls="'+p.id+'"]');
    if(c){c.setAttribute('aria-expanded','false');c.focus();}}
  document.addEventListener('keydown',function(e){if(e.key==='Escape'&&open)hide(open);});
  document.addEventListener('click',function(e){
    var cell=e.target.closest('a.cell');
    if(cell){e.preventDefault();show(cell.getAttribute('aria-controls'),cell);return;}
    var close=e.target.closest('button.close');
    if(close)hide(close.closest('.evidence'));
  });
})();
"#;

/// The report as one HTML page.
pub fn render(summary: &RunSummary) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut p = Page {
        out: String::with_capacity(64 * 1024),
    };
    p.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .fill(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{}'; img-src data:; base-uri 'none'; form-action 'none'\">",
            &[&nonce],
        )
        .raw("<meta name=\"referrer\" content=\"no-referrer\">")
        .raw("<title>restpoint conformance report</title><style>")
        .raw(STYLE)
        .raw("</style></head><body><header><h1>restpoint conformance report</h1>");
    let t = summary.totals;
    p.fill(
        "<p class=\"meta\">{} · against {} · <strong>{} passed, {} failed, {} skipped</strong></p>",
        &[
            &summary.generator,
            if summary.mode == "real" {
                "real servers"
            } else {
                "the embedded emulator (virtual clock)"
            },
            &t.passed.to_string(),
            &t.failed.to_string(),
            &t.skipped.to_string(),
        ],
    );
    if let Some(c) = &summary.coverage {
        p.fill(
            "<p class=\"meta\">Coverage: {} of {} rules have scenarios.</p>",
            &[&c.covered.to_string(), &c.rules.to_string()],
        );
        if !c.problems.is_empty() {
            p.raw("<ul>");
            for problem in &c.problems {
                p.fill("<li>{}</li>", &[problem]);
            }
            p.raw("</ul>");
        }
    }
    p.raw("<ul class=\"legend\" aria-label=\"Legend\">")
        .raw("<li class=\"o-passed\">✓ passed</li>")
        .raw("<li class=\"o-failed\">✗ failed</li>")
        .raw("<li class=\"o-recorded\">◆ recorded reading (doc-conflict / undocumented)</li>")
        .raw("<li class=\"o-skipped\">– skipped (reason inside)</li>")
        .raw("<li class=\"o-uncovered\">! not covered</li>")
        .raw("</ul><p class=\"muted\">Select a cell to see the exchanges that decided it: request line, status, content type, size and header names. Header values and bodies are never shown.</p></header><main>");

    // Failures first, as links to their cells' evidence.
    let ids: Vec<String> = (0..summary.rules.len())
        .map(|i| format!("ev-{i}"))
        .collect();
    let failed: Vec<usize> = (0..summary.rules.len())
        .filter(|&i| summary.rules[i].outcome == RuleOutcome::Failed)
        .collect();
    if !failed.is_empty() {
        p.raw("<section aria-labelledby=\"failures\"><h2 id=\"failures\">Failures</h2><ul>");
        for &i in &failed {
            let r = &summary.rules[i];
            p.fill(
                "<li><a class=\"cell o-failed\" href=\"#{}\" aria-controls=\"{}\" aria-expanded=\"false\">✗ {} · {}</a></li>",
                &[&ids[i], &ids[i], &r.rule, run_name(r.profile.as_deref())],
            );
        }
        p.raw("</ul></section>");
    }

    for product in Product::ALL {
        let rows: Vec<usize> = (0..summary.rules.len())
            .filter(|&i| summary.rules[i].product == product.short())
            .collect();
        if rows.is_empty() {
            continue;
        }
        // The runs that checked this product: the default, then its profiles.
        let runs: Vec<Option<&str>> = summary
            .runs
            .iter()
            .filter(|r| r.product.is_none_or(|x| x == product.short()))
            .map(|r| r.profile.as_deref())
            .collect();
        let mut rule_ids: Vec<&str> = Vec::new();
        for &i in &rows {
            if !rule_ids.contains(&summary.rules[i].rule.as_str()) {
                rule_ids.push(&summary.rules[i].rule);
            }
        }
        rule_ids.sort_by_key(|id| super::summary::rule_key(id));
        let target = summary
            .runs
            .iter()
            .find_map(|r| r.targets.get(product.short()))
            .map(String::as_str)
            .unwrap_or("no target");
        p.fill(
            "<section aria-labelledby=\"p-{}\"><h2 id=\"p-{}\">{}</h2>",
            &[product.short(), product.short(), product.title()],
        )
        .fill(
            "<table><caption>{} rules × server ({})</caption><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Statement</th>",
            &[product.title(), target],
        );
        for run in &runs {
            p.fill("<th scope=\"col\">{}</th>", &[run_name(*run)]);
        }
        p.raw("</tr></thead><tbody>");
        for id in rule_ids {
            let statement = rows
                .iter()
                .find_map(|&i| {
                    (summary.rules[i].rule == id)
                        .then_some(summary.rules[i].statement.as_deref())
                        .flatten()
                })
                .unwrap_or("");
            p.fill(
                "<tr><th scope=\"row\">{}</th><td class=\"stmt\">{}</td>",
                &[id, statement],
            );
            for run in &runs {
                match rows.iter().find(|&&i| {
                    summary.rules[i].rule == id && summary.rules[i].profile.as_deref() == *run
                }) {
                    Some(&i) => {
                        let o = summary.rules[i].outcome;
                        p.fill("<td class=\"{}\">", &[class_of(o)]).fill(
                            "<a class=\"cell {}\" href=\"#{}\" aria-controls=\"{}\" aria-expanded=\"false\" aria-label=\"{} {}: {}\">{} {}</a></td>",
                            &[
                                class_of(o),
                                &ids[i],
                                &ids[i],
                                id,
                                run_name(*run),
                                o.word(),
                                mark_of(o),
                                o.word(),
                            ],
                        );
                    }
                    None => {
                        p.raw("<td class=\"muted\">not run</td>");
                    }
                }
            }
            p.raw("</tr>");
        }
        p.raw("</tbody></table></section>");
    }

    p.raw("<section aria-labelledby=\"evidence-h\"><h2 id=\"evidence-h\">Evidence</h2><p class=\"muted\">The panel of the selected cell opens beside the matrix; Close or Escape hides it.</p>");
    for (i, r) in summary.rules.iter().enumerate() {
        evidence_panel(&mut p, &ids[i], r);
    }
    p.raw("</section></main>")
        .fill("<script nonce=\"{}\">", &[&nonce])
        .raw(SCRIPT)
        .raw("</script></body></html>\n");
    p.out
}

fn run_name(profile: Option<&str>) -> &str {
    profile.unwrap_or("default")
}

fn evidence_panel(p: &mut Page, id: &str, r: &RuleSummary) {
    p.fill(
        "<article class=\"evidence {}\" id=\"{}\" tabindex=\"-1\" aria-label=\"Evidence for {} ({})\">",
        &[border_of(r.outcome), id, &r.rule, run_name(r.profile.as_deref())],
    )
    .raw("<button type=\"button\" class=\"close\">Close</button>")
    .fill(
        "<h3>{} · {} · {} {}</h3>",
        &[
            &r.rule,
            run_name(r.profile.as_deref()),
            mark_of(r.outcome),
            r.outcome.word(),
        ],
    );
    if let Some(s) = &r.statement {
        p.fill("<p>{}</p>", &[s]);
    }
    if !r.readings.is_empty() {
        p.raw("<p><strong>Readings recorded</strong></p><ul>");
        for reading in &r.readings {
            p.fill("<li>{}</li>", &[reading]);
        }
        p.raw("</ul>");
    }
    if r.scenarios.is_empty() {
        p.raw("<p>No scenario checks this rule.</p>");
    }
    for s in &r.scenarios {
        scenario_block(p, s);
    }
    p.raw("</article>");
}

fn scenario_block(p: &mut Page, s: &ScenarioSummary) {
    p.fill(
        "<div class=\"scenario\"><p><span class=\"cell {}\">{} {}</span> <strong>{}</strong> <code>{}</code></p>",
        &[
            class_of(s.outcome),
            mark_of(s.outcome),
            s.outcome.word(),
            &s.scenario,
            &s.location,
        ],
    );
    if let Some(m) = &s.message {
        p.fill("<pre class=\"message\">{}</pre>", &[m]);
    }
    for reading in &s.readings {
        p.fill("<p class=\"reading\">◆ {}</p>", &[reading]);
    }
    if s.exchanges.is_empty() {
        p.raw("<p class=\"muted\">No request was sent.</p></div>");
        return;
    }
    p.raw("<table class=\"exchanges\"><caption>Exchanges (the last one decided the outcome)</caption><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Request (header names)</th><th scope=\"col\">Answer (content type, size)</th><th scope=\"col\">Answer header names</th></tr></thead><tbody>");
    let last = s.exchanges.len() - 1;
    for (n, e) in s.exchanges.iter().enumerate() {
        exchange_row(p, n, e, n == last);
    }
    p.raw("</tbody></table></div>");
}

fn exchange_row(p: &mut Page, n: usize, e: &Exchange, deciding: bool) {
    let mut number = (n + 1).to_string();
    if deciding {
        let _ = write!(number, " (decided)");
    }
    p.raw(if deciding {
        "<tr class=\"decided\">"
    } else {
        "<tr>"
    })
    .fill(
        "<td>{}</td><td><code>{}</code><span class=\"small\">{}</span></td><td>{}<span class=\"small\">{} {}</span></td><td><code>{}</code></td></tr>",
        &[
            &number,
            &e.request,
            &e.request_headers.join(", "),
            &e.status_line,
            &e.content_type,
            &format!("{} bytes", e.size),
            &e.response_headers.join(", "),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{RunInfo, Totals};
    use std::collections::BTreeMap;

    fn hostile_summary() -> RunSummary {
        let evil = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";
        let exchange = Exchange {
            request: format!("GET /api/{evil}"),
            request_headers: vec!["x-api-version".into()],
            status: Some(500),
            status_line: "500 Internal Server Error".into(),
            content_type: format!("text/html{evil}"),
            size: 12,
            response_headers: vec![format!("x-evil{evil}")],
        };
        RunSummary {
            format: super::super::summary::FORMAT,
            generator: "restpoint-conformance test".into(),
            mode: "real",
            runs: vec![RunInfo {
                profile: None,
                title: "real servers".into(),
                product: None,
                targets: BTreeMap::from([("em", format!("https://em.example/{evil}"))]),
                totals: Totals::default(),
            }],
            totals: Totals::default(),
            coverage: None,
            rules: vec![RuleSummary {
                rule: "EM-06".into(),
                product: "em",
                profile: None,
                outcome: RuleOutcome::Failed,
                statement: Some(evil.into()),
                readings: vec![format!("undocumented: this server answered {evil}")],
                evidence: Some(exchange.clone()),
                scenarios: vec![ScenarioSummary {
                    scenario: evil.into(),
                    location: "features/em/x.feature:3".into(),
                    outcome: RuleOutcome::Failed,
                    message: Some(format!("expected 401; the server answered {evil}")),
                    readings: vec![evil.into()],
                    exchanges: vec![exchange],
                }],
            }],
        }
    }

    #[test]
    fn a_hostile_servers_text_is_escaped_everywhere() {
        let html = render(&hostile_summary());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("onerror=alert(1)>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"),
            "{html}"
        );
        // Exactly one script element: ours, with the nonce the policy allows.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        let nonce = html
            .split("script-src 'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .unwrap();
        assert!(html.contains(&format!("<script nonce=\"{nonce}\">")));
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn a_failed_cell_links_to_its_evidence() {
        let html = render(&hostile_summary());
        assert!(
            html.contains("<a class=\"cell o-failed\" href=\"#ev-0\" aria-controls=\"ev-0\""),
            "{html}"
        );
        assert!(html.contains("<article class=\"evidence b-failed\" id=\"ev-0\""));
        assert!(html.contains("(decided)"));
        assert!(!html.contains("http://") && !html.contains("src=\"http"));
    }

    #[test]
    fn templates_escape_each_value() {
        let mut p = Page { out: String::new() };
        p.fill("<a title=\"{}\">{}</a>", &["\"><b>", "<i>"]);
        assert_eq!(p.out, "<a title=\"&quot;&gt;&lt;b&gt;\">&lt;i&gt;</a>");
        assert_eq!(escape("a\u{7}b"), "a\u{FFFD}b");
    }
}
