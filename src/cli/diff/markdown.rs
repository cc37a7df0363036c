//! The diff as a pull-request comment: a hidden marker (so the action updates one sticky
//! comment), the blast radius as tables, a Mermaid graph of the affected Kustomizations, and one
//! collapsible section per cluster. The whole comment fits `limit` bytes (GitHub allows 65,536
//! characters): each cluster gets a fair share and is truncated between blocks, never inside a
//! code block, with a pointer to the full diff files.

use std::fmt::Write as _;
use std::path::Path;

use super::sides::Labels;
use super::text::{counts_text, headline, ks_line, object_line, plural};
use crate::cli::graph::node_id;
use crate::diff::{Change, ClusterDiff, FleetDiff, KsDiff, ObjectDiff};

/// GitHub's limit on a comment's length.
pub const COMMENT_LIMIT: usize = 65_536;

/// The hidden marker that identifies fleetcheck's comment.
pub const MARKER: &str = "<!-- fleetcheck-diff -->";

/// Most rows of the cluster and source tables.
const MAX_ROWS: usize = 50;

/// Most clusters drawn in the Mermaid graph.
const MAX_GRAPH_CLUSTERS: usize = 8;

/// Room kept for the closing lines of a section and the truncation notes.
const RESERVE: usize = 600;

/// The whole diff as markdown of at most `limit` bytes. `out` is the `--out` directory whose
/// files the truncation notes point to.
pub fn render(diff: &FleetDiff, labels: &Labels, limit: usize, out: Option<&Path>) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{MARKER}");
    let _ = writeln!(
        md,
        "### fleetcheck diff `{}` → `{}`\n\n**{}**\n",
        labels.base,
        labels.head,
        headline(diff)
    );
    if !diff.has_changes() {
        return md;
    }
    summary_table(&mut md, diff);
    sources_table(&mut md, diff);
    let graph = mermaid(diff);
    if md.len() + graph.len() + RESERVE < limit / 4 {
        md.push_str(&graph);
    }
    let clusters: Vec<&ClusterDiff> = diff.changed_clusters().collect();
    for (i, c) in clusters.iter().enumerate() {
        let left = limit.saturating_sub(md.len() + RESERVE);
        let share = left / (clusters.len() - i);
        let section = cluster_section(c, share, out);
        if section.len() > left {
            let _ = writeln!(
                md,
                "_{} more cluster{} not shown: {}_\n",
                clusters.len() - i,
                plural(clusters.len() - i),
                pointer(out, None)
            );
            break;
        }
        md.push_str(&section);
    }
    md
}

fn pointer(out: Option<&Path>, cluster: Option<&str>) -> String {
    let name = out
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the --out directory".to_owned());
    match cluster {
        Some(c) => format!("the full diff is in `{name}/{c}.diff` (the workflow's diff artifact)"),
        None => format!("the full diff is in `{name}/` (the workflow's diff artifact)"),
    }
}

fn summary_table(md: &mut String, diff: &FleetDiff) {
    md.push_str("| Cluster | Change | Added | Removed | Changed | Moved | Failed |\n");
    md.push_str("|---|---|--:|--:|--:|--:|--:|\n");
    let changed: Vec<&ClusterDiff> = diff.changed_clusters().collect();
    for c in changed.iter().take(MAX_ROWS) {
        let n = &c.counts;
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            c.name,
            c.change.word(),
            n.added,
            n.removed,
            n.changed,
            n.moved,
            n.failed
        );
    }
    if changed.len() > MAX_ROWS {
        let _ = writeln!(md, "| _{} more_ | | | | | | |", changed.len() - MAX_ROWS);
    }
    md.push('\n');
}

fn sources_table(md: &mut String, diff: &FleetDiff) {
    if diff.sources.is_empty() {
        return;
    }
    md.push_str("**Changed sources**\n\n| Source | Clusters changed |\n|---|--:|\n");
    for s in diff.sources.iter().take(MAX_ROWS) {
        let _ = writeln!(md, "| `{}` | {} of {} |", s.path, s.clusters.len(), s.of);
    }
    if diff.sources.len() > MAX_ROWS {
        let _ = writeln!(md, "| _{} more_ | |", diff.sources.len() - MAX_ROWS);
    }
    md.push('\n');
}

/// A Mermaid flowchart of the changed Kustomizations and the ones they depend on, one
/// subgraph per cluster (the first few clusters), edges from dependency to dependent.
fn mermaid(diff: &FleetDiff) -> String {
    let mut g = String::from("```mermaid\nflowchart LR\n");
    g.push_str("  classDef added fill:#d4f8d4\n  classDef removed fill:#f8d4d4\n");
    g.push_str("  classDef changed fill:#fff3c4\n  classDef failed stroke:#d00,stroke-width:3px\n");
    let clusters: Vec<(usize, &ClusterDiff)> = diff
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.change != Change::Unchanged)
        .take(MAX_GRAPH_CLUSTERS)
        .collect();
    for (ci, c) in &clusters {
        let _ = writeln!(g, "  subgraph c{ci}[\"{}\"]", label(&c.name));
        let mut drawn: Vec<&str> = Vec::new();
        for k in &c.kustomizations {
            let failed = matches!(k.head_status.as_deref(), Some("failed" | "blocked"));
            let class = if failed { "failed" } else { k.change.word() };
            let _ = writeln!(
                g,
                "    {}[\"{}\"]:::{class}",
                node_id(*ci, &k.key),
                label(&k.key)
            );
            drawn.push(&k.key);
        }
        for k in &c.kustomizations {
            for d in &k.depends_on {
                if !drawn.contains(&d.as_str()) {
                    let _ = writeln!(g, "    {}[\"{}\"]", node_id(*ci, d), label(d));
                    drawn.push(d);
                }
                let _ = writeln!(g, "    {} --> {}", node_id(*ci, d), node_id(*ci, &k.key));
            }
        }
        g.push_str("  end\n");
    }
    g.push_str("```\n");
    let more = diff
        .changed_clusters()
        .count()
        .saturating_sub(clusters.len());
    let note = if more > 0 {
        format!("\n_{more} more cluster{} not drawn._\n", plural(more))
    } else {
        String::new()
    };
    format!(
        "<details><summary>Affected Kustomizations (dependsOn order)</summary>\n\n{g}{note}\n</details>\n\n"
    )
}

fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// A fence longer than any run of backticks in `content`.
fn fence(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for ch in content.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat(longest.max(2) + 1)
}

/// One block per object: its line, its secret-key notes, its diff in a fenced block.
fn object_block(o: &ObjectDiff) -> String {
    let mut b = format!("- `{}`\n", object_line(o).replace('`', "'"));
    for s in &o.secret_keys {
        let _ = writeln!(b, "  - {}", s.message());
    }
    if !o.unified.is_empty() {
        let f = fence(&o.unified);
        let _ = write!(b, "\n{f}diff\n{}{f}\n", o.unified);
    }
    b.push('\n');
    b
}

fn ks_heading(k: &KsDiff) -> String {
    let mut h = format!("**{}**\n\n", ks_line(k));
    for e in &k.errors {
        let _ = writeln!(h, "- :x: `{}`", e.replace('`', "'"));
    }
    if !k.errors.is_empty() {
        h.push('\n');
    }
    h
}

/// A cluster's collapsible section of at most `budget` bytes when possible (the opening, the
/// first Kustomization heading and the notes always fit in the reserve).
fn cluster_section(c: &ClusterDiff, budget: usize, out: Option<&Path>) -> String {
    let mut s = format!(
        "<details><summary><code>{}</code>: {} ({})</summary>\n\n",
        c.name,
        c.change.word(),
        counts_text(c)
    );
    let close = "</details>\n\n";
    let mut skipped = 0usize;
    for k in &c.kustomizations {
        let heading = ks_heading(k);
        if skipped > 0 || s.len() + heading.len() + close.len() > budget {
            skipped += k.objects.len().max(1);
            continue;
        }
        s.push_str(&heading);
        for (i, o) in k.objects.iter().enumerate() {
            let block = object_block(o);
            if s.len() + block.len() + close.len() > budget {
                skipped += k.objects.len() - i;
                break;
            }
            s.push_str(&block);
        }
        if k.objects.is_empty() && k.errors.is_empty() {
            s.push_str("_no object changes_\n\n");
        }
    }
    if skipped > 0 {
        let _ = writeln!(
            s,
            "_Truncated: {skipped} more change{} not shown; {}._\n",
            plural(skipped),
            pointer(out, Some(&c.name))
        );
    }
    s.push_str(close);
    s
}
