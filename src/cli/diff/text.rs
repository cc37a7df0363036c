//! The diff for a terminal: the blast radius first, then per cluster and Kustomization each
//! changed object with its unified YAML diff (or its field paths with `--format fields`).

use std::fmt::Write as _;
use std::io::IsTerminal;

use super::sides::Labels;
use crate::diff::{ClusterDiff, FleetDiff, KsDiff, ObjectChange, ObjectDiff};

/// Whether stdout gets colour: a terminal, and `NO_COLOR` unset or empty.
pub fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

struct Paint(bool);

impl Paint {
    fn code(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn line(&self, line: &str) -> String {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "1"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with("@@") {
            "36"
        } else {
            return line.to_owned();
        };
        self.code(code, line)
    }
}

/// "2 of 3 clusters change: 1 object added, ..." (the headline of every format).
pub fn headline(diff: &FleetDiff) -> String {
    let changed = diff.changed_clusters().count();
    let total = diff.clusters.len();
    if changed == 0 {
        return format!("no change in {total} cluster{}", plural(total));
    }
    let mut sum = crate::diff::Counts::default();
    for c in &diff.clusters {
        sum.added += c.counts.added;
        sum.removed += c.counts.removed;
        sum.changed += c.counts.changed;
        sum.moved += c.counts.moved;
        sum.failed += c.counts.failed;
    }
    let mut parts = vec![
        format!("{} added", sum.added),
        format!("{} removed", sum.removed),
        format!("{} changed", sum.changed),
    ];
    if sum.moved > 0 {
        parts.push(format!("{} moved", sum.moved));
    }
    let mut line = format!(
        "{changed} of {total} cluster{} change{}: objects {}",
        plural(total),
        if changed == 1 { "s" } else { "" },
        parts.join(", ")
    );
    if sum.failed > 0 {
        let _ = write!(
            line,
            "; {} Kustomization{} failed",
            sum.failed,
            plural(sum.failed)
        );
    }
    line
}

/// `s` unless `n` is one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The marker of an object's change (`+`, `-`, `~`, `>`).
pub fn marker(change: &ObjectChange) -> char {
    match change {
        ObjectChange::Added => '+',
        ObjectChange::Removed => '-',
        ObjectChange::Changed => '~',
        ObjectChange::Moved { .. } => '>',
    }
}

/// One line describing an object's change (`~ Deployment.apps podinfo/podinfo`, `> ... moved
/// from flux-system/apps`).
pub fn object_line(o: &ObjectDiff) -> String {
    match &o.change {
        ObjectChange::Moved { from } => {
            format!("{} {} (moved from {from})", marker(&o.change), o.id)
        }
        other => format!("{} {}", marker(other), o.id),
    }
}

/// The Kustomization's heading: key, change, and statuses when they differ.
pub fn ks_line(k: &KsDiff) -> String {
    let status = match (&k.base_status, &k.head_status) {
        (Some(b), Some(h)) if b != h => format!(", {b} → {h}"),
        (_, Some(h)) if h != "rendered" => format!(", {h}"),
        _ => String::new(),
    };
    format!("Kustomization {} ({}{status})", k.key, k.change.word())
}

/// Per-cluster counts: `+1 -0 ~2 >0`, with failures when any.
pub fn counts_text(c: &ClusterDiff) -> String {
    let n = &c.counts;
    let mut s = format!("+{} -{} ~{}", n.added, n.removed, n.changed);
    if n.moved > 0 {
        let _ = write!(s, " >{}", n.moved);
    }
    if n.failed > 0 {
        let _ = write!(s, " ({} failed)", n.failed);
    }
    s
}

/// The whole diff as text.
pub fn render(diff: &FleetDiff, labels: &Labels, fields: bool, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let _ = writeln!(out, "fleetcheck diff {} → {}", labels.base, labels.head);
    let _ = writeln!(out, "{}", p.code("1", &headline(diff)));
    if !diff.has_changes() {
        return out;
    }
    out.push('\n');
    let width = diff
        .changed_clusters()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for c in diff.changed_clusters() {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<8} {}",
            c.name,
            c.change.word(),
            counts_text(c)
        );
    }
    if !diff.sources.is_empty() {
        out.push_str("\nchanged sources:\n");
        for s in &diff.sources {
            let _ = writeln!(
                out,
                "  {} changes {} of {} cluster{}",
                s.path,
                s.clusters.len(),
                s.of,
                plural(s.of)
            );
        }
    }
    for c in diff.changed_clusters() {
        let _ = writeln!(
            out,
            "\n{}",
            p.code("1", &format!("cluster {} ({})", c.name, c.change.word()))
        );
        for k in &c.kustomizations {
            cluster_ks(&mut out, &p, k, fields);
        }
    }
    out
}

fn cluster_ks(out: &mut String, p: &Paint, k: &KsDiff, fields: bool) {
    let _ = writeln!(out, "  {}", p.code("1", &ks_line(k)));
    for e in &k.errors {
        let _ = writeln!(out, "    {}", p.code("31", &format!("error: {e}")));
    }
    for o in &k.objects {
        let code = match o.change {
            ObjectChange::Added => "32",
            ObjectChange::Removed => "31",
            _ => "33",
        };
        let _ = writeln!(out, "    {}", p.code(code, &object_line(o)));
        for s in &o.secret_keys {
            let _ = writeln!(out, "      {}", s.message());
        }
        if fields && o.change != ObjectChange::Added && o.change != ObjectChange::Removed {
            for f in &o.fields {
                let _ = writeln!(
                    out,
                    "      {}: {} → {}",
                    f.path,
                    f.before.as_deref().unwrap_or("(none)"),
                    f.after.as_deref().unwrap_or("(none)")
                );
            }
        } else if !fields {
            for line in o.unified.lines() {
                let _ = writeln!(out, "      {}", p.line(line));
            }
        }
    }
    if k.objects.is_empty() && k.errors.is_empty() {
        let _ = writeln!(out, "    (no object changes)");
    }
}
