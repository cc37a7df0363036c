//! The human report: per cluster, each finding as a miette diagnostic with a snippet of the
//! original file (none for files holding secrets), then a summary line.

use std::fmt::Write as _;
use std::path::Path;

use super::CheckReport;
use crate::check::finding::Finding;
use crate::diagnostic::Diagnostic;

/// The finding as a diagnostic: `severity[ID]: message`, the hint, and where in the fleet.
pub fn diagnostic(f: &Finding) -> Diagnostic {
    let mut d = Diagnostic::new(format!("{}[{}]: {}", f.severity, f.rule.id, f.message))
        .with_hint(f.hint.clone());
    d.location = f.location.clone();
    d.sensitive = f.sensitive;
    let mut place = Vec::new();
    if !f.cluster.is_empty() {
        place.push(format!("cluster {}", f.cluster));
    }
    if let Some(ks) = &f.kustomization {
        place.push(format!("Kustomization {ks}"));
    }
    if !place.is_empty() {
        d = d.within(format!("in {}", place.join(", ")), None);
    }
    d
}

/// Renders the report for a terminal (`cwd` for relative paths, `color` for ANSI colours).
pub fn render(report: &CheckReport<'_>, cwd: &Path, color: bool) -> String {
    let mut out = String::new();
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in report.findings {
        match groups.last_mut() {
            Some((c, list)) if *c == f.cluster => list.push(f),
            _ => groups.push((&f.cluster, vec![f])),
        }
    }
    for (cluster, list) in groups {
        let title = if cluster.is_empty() {
            "repository".to_owned()
        } else {
            format!("cluster {cluster}")
        };
        let _ = writeln!(out, "== {title}: {}", plural(list.len(), "finding"));
        for f in list {
            out.push_str(&crate::report::diagnostic::render(
                &diagnostic(f),
                cwd,
                color,
            ));
        }
        out.push('\n');
    }
    let (e, w, i) = report.counts();
    let _ = write!(
        out,
        "{} checked: {}, {}, {} info",
        plural(report.clusters.len(), "cluster"),
        plural(e, "error"),
        plural(w, "warning"),
        i
    );
    if report.suppressed > 0 {
        let _ = write!(out, " ({} suppressed)", report.suppressed);
    }
    out.push('\n');
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
