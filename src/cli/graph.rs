//! `fleetcheck graph [REPO]`: each cluster's Flux Kustomizations in dependsOn waves.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::fleet::FleetArgs;
use super::render::{all_diagnostics, render};
use crate::diagnostic::Diagnostic;
use crate::flux::api::HealthCheck;
use crate::flux::graph::{ClusterRender, FleetRender, KsNode, Status, waves};

/// Arguments of `fleetcheck graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The fleet repository.
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// Only clusters whose name matches this glob.
    #[arg(long, value_name = "GLOB")]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
    /// Sources, vars files, strictness, quiet, limits.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Waves as indented text.
    Text,
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Runs `graph`; `Ok(false)` when some Kustomization failed.
pub fn run(args: &GraphArgs) -> Result<bool, Diagnostic> {
    let fleet = render(&args.repo, args.cluster.as_deref(), &args.fleet)?;
    let text = match args.format {
        GraphFormat::Text => text(&fleet),
        GraphFormat::Mermaid => mermaid(&fleet),
        GraphFormat::Dot => dot(&fleet),
    };
    super::write_stdout(text.as_bytes())?;
    for d in all_diagnostics(&fleet) {
        super::report(d);
    }
    Ok(!fleet.has_errors())
}

fn mark(status: &Status) -> &'static str {
    match status {
        Status::Pending => " [pending]",
        Status::Rendered => "",
        Status::Failed => " [failed]",
        Status::Blocked(_) => " [blocked]",
        Status::Skipped(_) => " [skipped]",
    }
}

/// Waves per cluster: wave 1 has no dependencies, wave n waits on wave n-1.
pub fn text(fleet: &FleetRender) -> String {
    let mut out = String::new();
    for c in &fleet.clusters {
        let _ = writeln!(out, "cluster {}", c.name);
        for (i, wave) in waves(c).iter().enumerate() {
            let _ = writeln!(out, "  wave {}:", i + 1);
            for k in wave {
                let n = &c.nodes[k];
                let deps: Vec<String> =
                    n.ks.depends_on
                        .iter()
                        .map(|d| format!("{}/{}", d.namespace, d.name))
                        .collect();
                let after = if deps.is_empty() {
                    String::new()
                } else {
                    format!(" (after {})", deps.join(", "))
                };
                let _ = writeln!(out, "    {k}{}{after}", mark(&n.status));
                if let Some(line) = readiness(c, n) {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    out
}

/// `apiVersion kind namespace/name` of a health check, as Flux names it in its events.
pub fn health_check_text(h: &HealthCheck) -> String {
    let gv = if h.api_version.is_empty() {
        String::new()
    } else {
        format!("{} ", h.api_version)
    };
    format!("{gv}{} {}/{}", h.kind, h.namespace, h.name)
}

/// What a Kustomization waits for before its dependents start: `wait: true` (every object) or
/// its `healthChecks`, each marked when the render does not hold it; `None` when it waits for
/// nothing.
fn readiness(cluster: &ClusterRender, n: &KsNode) -> Option<String> {
    let timeout =
        n.ks.timeout
            .as_deref()
            .map(|t| format!(" (timeout {t})"))
            .unwrap_or_default();
    if n.ks.wait {
        return Some(format!("waits for: every applied object{timeout}"));
    }
    if n.ks.health_checks.is_empty() {
        return None;
    }
    let checks: Vec<String> =
        n.ks.health_checks
            .iter()
            .map(|h| {
                let missing = if cluster.renders(h) {
                    ""
                } else {
                    " [not in render]"
                };
                format!("{}{missing}", health_check_text(h))
            })
            .collect();
    Some(format!("health checks: {}{timeout}", checks.join(", ")))
}

fn id(cluster: usize, key: &str) -> String {
    let clean: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("c{cluster}_{clean}")
}

/// A Mermaid flowchart, one subgraph per cluster, edges from dependency to dependent.
pub fn mermaid(fleet: &FleetRender) -> String {
    let mut out = String::from("flowchart LR\n");
    for (ci, c) in fleet.clusters.iter().enumerate() {
        let _ = writeln!(out, "  subgraph c{ci}[\"{}\"]", c.name);
        for (k, n) in &c.nodes {
            let _ = writeln!(out, "    {}[\"{k}{}\"]", id(ci, k), mark(&n.status));
        }
        for (k, n) in &c.nodes {
            for d in &n.ks.depends_on {
                let dk = format!("{}/{}", d.namespace, d.name);
                let _ = writeln!(out, "    {} --> {}", id(ci, &dk), id(ci, k));
            }
        }
        out.push_str("  end\n");
    }
    out
}

/// Graphviz DOT, one cluster subgraph per cluster.
pub fn dot(fleet: &FleetRender) -> String {
    let mut out = String::from("digraph fleet {\n  rankdir=LR;\n");
    for (ci, c) in fleet.clusters.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{ci} {{\n    label=\"{}\";", c.name);
        for (k, n) in &c.nodes {
            let _ = writeln!(out, "    {} [label=\"{k}{}\"];", id(ci, k), mark(&n.status));
        }
        for (k, n) in &c.nodes {
            for d in &n.ks.depends_on {
                let dk = format!("{}/{}", d.namespace, d.name);
                let _ = writeln!(out, "    {} -> {};", id(ci, &dk), id(ci, k));
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}
