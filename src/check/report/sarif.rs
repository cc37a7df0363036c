//! `-o sarif`: SARIF 2.1.0 for GitHub code scanning. Locations are repository-relative URIs
//! (`uriBaseId` `%SRCROOT%`); the same finding in several clusters is one result listing them.

use std::fmt::Write as _;

use super::json::string;
use super::{CheckReport, relative_location};
use crate::check::finding::Finding;
use crate::check::rule::{RULES, Severity};

/// The SARIF schema this output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Renders the report as a SARIF 2.1.0 log.
pub fn render(report: &CheckReport<'_>) -> String {
    let mut out = String::from("{\"$schema\":");
    string(&mut out, SCHEMA);
    out.push_str(",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"fleetcheck\",\"version\":");
    string(&mut out, env!("CARGO_PKG_VERSION"));
    out.push_str(",\"rules\":[");
    for (i, r) in RULES.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        string(&mut out, r.id);
        out.push_str(",\"name\":");
        string(&mut out, r.name);
        out.push_str(",\"shortDescription\":{\"text\":");
        string(&mut out, r.explanation);
        out.push_str("},\"help\":{\"text\":");
        string(&mut out, r.hint);
        out.push_str("},\"defaultConfiguration\":{\"level\":");
        string(&mut out, level(r.severity));
        out.push_str("}}");
    }
    out.push_str("]}},\"originalUriBaseIds\":{\"%SRCROOT%\":{\"uri\":\"file:///\"}},\"results\":[");
    let mut groups: Vec<(&Finding, Vec<&str>)> = Vec::new();
    for f in report.findings {
        let same = |g: &Finding| {
            g.rule.id == f.rule.id && g.message == f.message && g.location == f.location
        };
        match groups.iter_mut().find(|(g, _)| same(g)) {
            Some((_, clusters)) => clusters.push(&f.cluster),
            None => groups.push((f, vec![&f.cluster])),
        }
    }
    for (i, (f, clusters)) in groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        result(&mut out, f, clusters, report);
    }
    out.push_str("]}]}\n");
    out
}

fn result(out: &mut String, f: &Finding, clusters: &[&str], report: &CheckReport<'_>) {
    let index = RULES.iter().position(|r| r.id == f.rule.id).unwrap_or(0);
    out.push_str("{\"ruleId\":");
    string(out, f.rule.id);
    let _ = write!(out, ",\"ruleIndex\":{index},\"level\":");
    string(out, level(f.severity));
    out.push_str(",\"message\":{\"text\":");
    let mut text = f.message.clone();
    let named: Vec<&str> = clusters.iter().copied().filter(|c| !c.is_empty()).collect();
    if !named.is_empty() {
        let _ = write!(text, " (clusters: {})", named.join(", "));
    }
    let _ = write!(text, "\nhint: {}", f.hint);
    string(out, &text);
    out.push_str("},\"locations\":[");
    // Files outside the repository (other sources) have no repository-relative URI.
    if let Some((file, line, col)) =
        relative_location(f, report.root).filter(|(file, ..)| !file.starts_with('/'))
    {
        out.push_str("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
        string(out, &file);
        let _ = write!(
            out,
            ",\"uriBaseId\":\"%SRCROOT%\"}},\"region\":{{\"startLine\":{line},\"startColumn\":{col}}}}}}}"
        );
    }
    out.push_str("],\"properties\":{\"clusters\":[");
    for (i, c) in clusters.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, c);
    }
    out.push(']');
    if let Some(k) = &f.kustomization {
        out.push_str(",\"kustomization\":");
        string(out, k);
    }
    out.push_str("}}");
}
