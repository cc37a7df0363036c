//! `-o junit`: one test suite per cluster (and one for the repository), one test case per
//! finding; findings at or above `--fail-on` are failures. A cluster without findings has one
//! passing case, so CI dashboards list it.

use std::fmt::Write as _;

use super::{CheckReport, relative_location};
use crate::check::finding::Finding;

/// Escapes text for XML attributes and content.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as JUnit XML.
pub fn render(report: &CheckReport<'_>) -> String {
    let mut suites: Vec<(String, Vec<&Finding>)> = Vec::new();
    let repo: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.cluster.is_empty())
        .collect();
    if !repo.is_empty() {
        suites.push(("repository".to_owned(), repo));
    }
    for c in report.clusters {
        let list = report.findings.iter().filter(|f| &f.cluster == c).collect();
        suites.push((c.clone(), list));
    }
    let failing = |f: &Finding| f.severity >= report.fail_on;
    let total: usize = suites.iter().map(|(_, l)| l.len().max(1)).sum();
    let failures: usize = report.findings.iter().filter(|f| failing(f)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"fleetcheck\" tests=\"{total}\" failures=\"{failures}\">"
    );
    for (name, list) in &suites {
        let fails = list.iter().filter(|f| failing(f)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\">",
            escape(name),
            list.len().max(1)
        );
        if list.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"fleetcheck check\"/>",
                escape(name)
            );
        }
        for f in list {
            case(&mut out, name, f, failing(f), report);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn case(out: &mut String, suite: &str, f: &Finding, fails: bool, report: &CheckReport<'_>) {
    let mut name = f.rule.id.to_owned();
    if let Some(k) = &f.kustomization {
        let _ = write!(name, " {k}");
    }
    if let Some(o) = &f.object {
        let _ = write!(name, " {o}");
    }
    let place = relative_location(f, report.root)
        .map(|(file, line, col)| format!("{file}:{line}:{col}: "))
        .unwrap_or_default();
    let body = format!("{place}{}\nhint: {}", f.message, f.hint);
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\">",
        escape(suite),
        escape(&name)
    );
    if fails {
        let _ = write!(
            out,
            "<failure type=\"{}\" message=\"{}\">{}</failure>",
            f.rule.id,
            escape(&f.message),
            escape(&body)
        );
    } else {
        let _ = write!(
            out,
            "<system-out>{}: {}</system-out>",
            f.severity,
            escape(&body)
        );
    }
    out.push_str("</testcase>\n");
}
