//! `fleetcheck render [REPO]`: every cluster's Flux Kustomizations, built as Flux builds them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::fleet::{FleetArgs, ProgressReporter, fleet_options};
use super::{json, report, shard};
use crate::diagnostic::Diagnostic;
use crate::flux::graph::{FleetRender, KsNode, Status, render_fleet_with_progress};
use crate::kustomize::output::to_yaml_with;
use crate::redact::Redaction;
use crate::source::DiskTree;
use crate::source::path::display_relative;

/// Arguments of `fleetcheck render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The fleet repository.
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// Only clusters whose name matches this glob (`*` and `?`; e.g. `production/*`).
    #[arg(long, value_name = "GLOB")]
    pub cluster: Option<String>,
    /// What to print: a summary table, the objects as YAML, or everything as JSON.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Summary)]
    pub output: OutputFormat,
    /// Also write `DIR/<cluster>/<namespace>.<name>.yaml` per Flux Kustomization.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print Secret values and values decrypted from SOPS instead of masks (never in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Sources, vars files, strictness, quiet, limits.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `-o` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per cluster.
    Summary,
    /// The rendered objects.
    Yaml,
    /// Clusters, Kustomizations, statuses and objects.
    Json,
}

pub use super::fleet::parse_sources;
pub use crate::flux::varsfile::glob_match;

/// Renders the fleet at `repo` with the options of `args` and `.fleetcheck.yaml`, drawing a
/// progress bar on a terminal when the run is long.
pub fn render(
    repo: &Path,
    cluster: Option<&str>,
    args: &FleetArgs,
) -> Result<FleetRender, Diagnostic> {
    let root = std::fs::canonicalize(repo).map_err(|e| {
        Diagnostic::new(format!("cannot open repository '{}': {e}", repo.display()))
    })?;
    let options = fleet_options(&DiskTree, &root, args)?;
    let select = |name: &str| {
        cluster.is_none_or(|g| glob_match(g, name)) && shard::selects(args.shard, name)
    };
    let progress = ProgressReporter::new(args.quiet);
    let fleet = render_fleet_with_progress(&DiskTree, &root, &options, &select, &|c, k| {
        progress.tick(c, k)
    });
    progress.finish();
    if let Some(g) = cluster
        && args.shard.is_none()
        && fleet.clusters.is_empty()
    {
        return Err(Diagnostic::new(format!("no cluster matches '{g}'"))
            .with_hint("run `fleetcheck render` without --cluster to list the clusters"));
    }
    Ok(fleet)
}

/// Runs `render`; `Ok(false)` when some Kustomization failed (diagnostics already printed).
/// With `--quiet`, the summary table is not printed (YAML and JSON still are).
pub fn run(args: &RenderArgs) -> Result<bool, Diagnostic> {
    let fleet = render(&args.repo, args.cluster.as_deref(), &args.fleet)?;
    let redaction = Redaction::choose(args.show_secrets);
    let text = match args.output {
        OutputFormat::Summary if args.fleet.quiet => String::new(),
        OutputFormat::Summary => summary(&fleet),
        OutputFormat::Yaml => yaml(&fleet, &redaction)?,
        OutputFormat::Json => match args.fleet.shard {
            Some(s) => s.tag(json_report(&fleet, &redaction)?, ""),
            None => json_report(&fleet, &redaction)?,
        },
    };
    if let Some(dir) = &args.out {
        write_dir(&fleet, dir, &redaction)?;
    }
    super::write_stdout(text.as_bytes())?;
    for d in all_diagnostics(&fleet) {
        report(d);
    }
    Ok(!fleet.has_errors())
}

/// Every diagnostic of the render, in output order, each once (clusters sharing a broken file
/// report it once).
pub fn all_diagnostics(fleet: &FleetRender) -> Vec<&Diagnostic> {
    let mut out: Vec<&Diagnostic> = Vec::new();
    let all = fleet.diagnostics.iter().chain(
        fleet
            .clusters
            .iter()
            .flat_map(|c| c.nodes.values().flat_map(|n| &n.diagnostics)),
    );
    for d in all {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

fn status_text(n: &KsNode) -> (&'static str, String) {
    match &n.status {
        Status::Pending => ("pending", String::new()),
        Status::Rendered => ("rendered", String::new()),
        Status::Failed => ("failed", String::new()),
        Status::Blocked(by) => ("blocked", format!("dependency {by} did not render")),
        Status::Skipped(why) => ("skipped", why.clone()),
    }
}

/// The summary table, then the skipped and blocked Kustomizations with their reasons.
pub fn summary(fleet: &FleetRender) -> String {
    let mut rows = vec![[
        "CLUSTER".to_owned(),
        "KUSTOMIZATIONS".into(),
        "OBJECTS".into(),
        "SKIPPED".into(),
        "ERRORS".into(),
    ]];
    let mut notes = String::new();
    for c in &fleet.clusters {
        let count = |f: &dyn Fn(&KsNode) -> bool| c.nodes.values().filter(|n| f(n)).count();
        let objects: usize = c.nodes.values().map(|n| n.resources.len()).sum();
        let skipped = count(&|n| matches!(n.status, Status::Skipped(_)));
        let errors = count(&|n| matches!(n.status, Status::Failed | Status::Blocked(_)));
        rows.push([
            c.name.clone(),
            c.nodes.len().to_string(),
            objects.to_string(),
            skipped.to_string(),
            errors.to_string(),
        ]);
        for (key, n) in &c.nodes {
            let (status, why) = status_text(n);
            if !why.is_empty() {
                let _ = writeln!(notes, "{}: {key} {status}: {why}", c.name);
            }
            let d = &n.decryption;
            if !d.undecrypted.is_empty() {
                let keys: Vec<&str> = d.missing_keys.iter().map(String::as_str).collect();
                let _ = writeln!(
                    notes,
                    "{}: {key} not decrypted: no identity for {} ({}); pass --age-key-file",
                    c.name,
                    keys.join(", "),
                    d.undecrypted.join(", ")
                );
            }
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}

/// Every rendered Kustomization's objects as one YAML stream, each group headed by a comment.
/// Secret values are shown as `redaction` says.
pub fn yaml(fleet: &FleetRender, redaction: &Redaction) -> Result<String, Diagnostic> {
    let mut out = String::new();
    for c in &fleet.clusters {
        for (key, n) in &c.nodes {
            if n.resources.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push_str("---\n");
            }
            let _ = writeln!(out, "# cluster: {}, kustomization: {key}", c.name);
            out.push_str(&to_yaml_with(&n.resources, &|r| redaction.apply(r))?);
        }
    }
    Ok(out)
}

/// The render as JSON: clusters, Kustomizations (status, reason, path, dependsOn, objects).
/// Secret values are shown as `redaction` says.
pub fn json_report(fleet: &FleetRender, redaction: &Redaction) -> Result<String, Diagnostic> {
    let mut out = String::from("{\"clusters\":[");
    for (ci, c) in fleet.clusters.iter().enumerate() {
        if ci > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json::string(&mut out, &c.name);
        out.push_str(",\"dir\":");
        json::string(&mut out, &display_relative(&c.dir, &fleet.root));
        out.push_str(",\"kustomizations\":[");
        for (ni, n) in c.nodes.values().enumerate() {
            if ni > 0 {
                out.push(',');
            }
            let (status, why) = status_text(n);
            let fields = [
                ("namespace", n.ks.namespace.as_str()),
                ("name", n.ks.name.as_str()),
                ("path", n.ks.path.as_str()),
                ("status", status),
                ("reason", why.as_str()),
            ];
            out.push('{');
            for (k, v) in fields {
                json::string(&mut out, k);
                out.push(':');
                json::string(&mut out, v);
                out.push(',');
            }
            out.push_str("\"dependsOn\":[");
            for (i, d) in n.ks.depends_on.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::string(&mut out, &format!("{}/{}", d.namespace, d.name));
            }
            out.push_str("],\"wait\":");
            out.push_str(if n.ks.wait { "true" } else { "false" });
            out.push_str(",\"timeout\":");
            match &n.ks.timeout {
                Some(t) => json::string(&mut out, t),
                None => out.push_str("null"),
            }
            out.push_str(",\"healthChecks\":[");
            for (i, h) in n.ks.health_checks.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                for (k, v) in [
                    ("apiVersion", &h.api_version),
                    ("kind", &h.kind),
                    ("namespace", &h.namespace),
                    ("name", &h.name),
                ] {
                    json::string(&mut out, k);
                    out.push(':');
                    json::string(&mut out, v);
                    out.push(',');
                }
                out.push_str("\"rendered\":");
                out.push_str(if c.renders(h) { "true" } else { "false" });
                out.push('}');
            }
            out.push_str("],\"decryption\":{\"decrypted\":");
            json::strings(&mut out, &n.decryption.decrypted);
            out.push_str(",\"undecrypted\":");
            json::strings(&mut out, &n.decryption.undecrypted);
            out.push_str(",\"missingKeys\":");
            let missing: Vec<String> = n.decryption.missing_keys.iter().cloned().collect();
            json::strings(&mut out, &missing);
            out.push_str("},\"errors\":[");
            for (i, d) in n.diagnostics.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::string(&mut out, &d.relative_message(&fleet.root));
            }
            out.push_str("],\"objects\":[");
            for (i, r) in n.resources.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::node(&mut out, &redaction.apply(r));
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    Ok(out)
}

/// Writes `DIR/<cluster>/<namespace>.<name>.yaml` for every rendered Kustomization.
/// Secret values are written as `redaction` says.
pub fn write_dir(fleet: &FleetRender, dir: &Path, redaction: &Redaction) -> Result<(), Diagnostic> {
    let io = |p: &Path, e: std::io::Error| {
        Diagnostic::new(format!("cannot write '{}': {e}", p.display()))
    };
    for c in &fleet.clusters {
        let cdir = dir.join(&c.name);
        std::fs::create_dir_all(&cdir).map_err(|e| io(&cdir, e))?;
        for n in c.nodes.values() {
            if n.status != Status::Rendered {
                continue;
            }
            let file = cdir.join(format!("{}.{}.yaml", n.ks.namespace, n.ks.name));
            let text = to_yaml_with(&n.resources, &|r| redaction.apply(r))?;
            std::fs::write(&file, text).map_err(|e| io(&file, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob_match("production/*", "production/eu-west-1"));
        assert!(glob_match("*west*", "production/europe-west1"));
        assert!(glob_match("staging/eu-central-?", "staging/eu-central-1"));
        assert!(!glob_match("staging/*", "production/eu-west-1"));
        assert!(!glob_match("prod", "production"));
    }
}
