//! `-o json`: a stable, documented format (see the README's "fleetcheck check").
//!
//! ```json
//! {"version":1,
//!  "clusters":["production/eu-west-1"],
//!  "findings":[{"rule":"FC201","severity":"error","cluster":"production/eu-west-1",
//!    "kustomization":"payments/app","object":{"apiVersion":"v1","kind":"Secret",
//!    "namespace":"payments","name":"db"},"message":"...","hint":"...",
//!    "location":{"file":"apps/db.yaml","line":1,"column":1}}],
//!  "summary":{"error":1,"warning":0,"info":0,"suppressed":0,"failed":true}}
//! ```
//! `kustomization`, `object` and `location` are `null` when they do not apply; `cluster` is ""
//! for findings about the repository as a whole. Keys keep this order; new keys may be added.

use std::fmt::Write as _;

use super::{CheckReport, relative_location};
use crate::check::finding::Finding;

/// Renders the report as one JSON document (with a trailing newline).
pub fn render(report: &CheckReport<'_>) -> String {
    let mut out = String::from("{\"version\":1,\"clusters\":[");
    for (i, c) in report.clusters.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, c);
    }
    out.push_str("],\"findings\":[");
    for (i, f) in report.findings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        finding(&mut out, f, report);
    }
    let (e, w, n) = report.counts();
    let _ = writeln!(
        out,
        "],\"summary\":{{\"error\":{e},\"warning\":{w},\"info\":{n},\"suppressed\":{},\"failed\":{}}}}}",
        report.suppressed,
        report.fails()
    );
    out
}

fn finding(out: &mut String, f: &Finding, report: &CheckReport<'_>) {
    out.push_str("{\"rule\":");
    string(out, f.rule.id);
    out.push_str(",\"severity\":");
    string(out, f.severity.name());
    out.push_str(",\"cluster\":");
    string(out, &f.cluster);
    out.push_str(",\"kustomization\":");
    match &f.kustomization {
        Some(k) => string(out, k),
        None => out.push_str("null"),
    }
    out.push_str(",\"object\":");
    match &f.object {
        Some(o) => {
            out.push_str("{\"apiVersion\":");
            string(out, &o.api_version);
            out.push_str(",\"kind\":");
            string(out, &o.kind);
            out.push_str(",\"namespace\":");
            string(out, &o.namespace);
            out.push_str(",\"name\":");
            string(out, &o.name);
            out.push('}');
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"message\":");
    string(out, &f.message);
    out.push_str(",\"hint\":");
    string(out, &f.hint);
    out.push_str(",\"location\":");
    match relative_location(f, report.root) {
        Some((file, line, col)) => {
            out.push_str("{\"file\":");
            string(out, &file);
            let _ = write!(out, ",\"line\":{line},\"column\":{col}}}");
        }
        None => out.push_str("null"),
    }
    out.push('}');
}

/// Appends `s` as a JSON string (Go's escaping, as everywhere in fleetcheck).
pub fn string(out: &mut String, s: &str) {
    crate::yaml::gojson::write_str(s, out);
}
