//! `fleetcheck check [REPO]`: render the fleet, run the rules, report findings. Exit 0 when no
//! finding reaches `--fail-on`, 1 when one does (render errors are errors), 2 on usage or
//! internal errors.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::fleet::FleetArgs;
use super::render::render;
use crate::check::report::{CheckReport, json, junit, sarif, text};
use crate::check::rule::Severity;
use crate::check::schema::SchemaOptions;
use crate::check::suppress::{self, CheckConfig};
use crate::check::{CheckOptions, check_fleet};
use crate::diagnostic::Diagnostic;
use crate::flux::config::RepoConfig;
use crate::schema::SchemaSet;
use crate::source::DiskTree;

/// Arguments of `fleetcheck check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The fleet repository.
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// Only clusters whose name matches this glob (`*` and `?`).
    #[arg(long, value_name = "GLOB")]
    pub cluster: Option<String>,
    /// Kubernetes version whose embedded schemas validate objects (1.34 to 1.37; default the
    /// newest).
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Strict schemas: unknown fields and duplicate keys are violations.
    #[arg(long)]
    pub strict: bool,
    /// Also validate against the CRD YAML files and JSON schemas in DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Vec<PathBuf>,
    /// kustomize-controller's `--default-service-account`: Kustomizations without
    /// `spec.serviceAccountName` are applied as this ServiceAccount of their namespace.
    #[arg(long, value_name = "NAME")]
    pub default_service_account: Option<String>,
    /// The controllers' `--no-cross-namespace-refs`: a sourceRef to another namespace is an error.
    #[arg(long)]
    pub no_cross_namespace_refs: bool,
    /// The lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Text)]
    pub output: CheckFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Sources, vars files, strictness, quiet, limits.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Info,
}

impl FailOn {
    /// The severity.
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// `-o` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics with source snippets, grouped per cluster.
    Text,
    /// The documented JSON format.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML.
    Junit,
}

/// Runs `check`; `Ok(false)` when a finding reaches `--fail-on`.
pub fn run(args: &CheckArgs) -> Result<bool, Diagnostic> {
    let fleet = render(&args.repo, args.cluster.as_deref(), &args.fleet)?;
    let limits = args.fleet.limits.limits();
    let config = match RepoConfig::load(&DiskTree, &fleet.root, &limits)? {
        Some(RepoConfig {
            check: Some(node),
            file,
            ..
        }) => CheckConfig::parse(&node, &file)?,
        _ => CheckConfig::default(),
    };
    let kube_version = args
        .kube_version
        .as_deref()
        .unwrap_or(SchemaSet::kube_versions()[0]);
    let mut base = SchemaSet::builtin(kube_version).map_err(Diagnostic::from)?;
    for dir in &args.schema_dir {
        base.add_dir(dir).map_err(Diagnostic::from)?;
    }
    let options = CheckOptions {
        default_service_account: args.default_service_account.clone(),
        no_cross_namespace_refs: args.no_cross_namespace_refs,
        limits,
        schemas: Some(SchemaOptions {
            base,
            strict: args.strict,
        }),
    };
    let findings = check_fleet(&DiskTree, &fleet, &options);
    let repository_findings = findings.iter().filter(|f| f.cluster.is_empty()).count();
    let (findings, suppressed) = suppress::apply(findings, &config, &fleet.root);
    let repository_suppressed =
        repository_findings - findings.iter().filter(|f| f.cluster.is_empty()).count();
    let clusters: Vec<String> = fleet.clusters.iter().map(|c| c.name.clone()).collect();
    let report = CheckReport {
        root: &fleet.root,
        clusters: &clusters,
        findings: &findings,
        suppressed,
        fail_on: args.fail_on.severity(),
    };
    let out = match args.output {
        CheckFormat::Text => {
            let to_terminal = args.out.is_none() && std::io::stdout().is_terminal();
            let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let cwd = std::env::current_dir().unwrap_or_default();
            text::render(&report, &cwd, color)
        }
        CheckFormat::Json => match args.fleet.shard {
            // Findings about the repository as a whole are in every shard; merge counts
            // their suppressed ones once.
            Some(s) => s.tag(
                json::render(&report),
                &format!(",\"repositorySuppressed\":{repository_suppressed}"),
            ),
            None => json::render(&report),
        },
        CheckFormat::Sarif => sarif::render(&report),
        CheckFormat::Junit => junit::render(&report),
    };
    match &args.out {
        Some(file) => std::fs::write(file, out)
            .map_err(|e| Diagnostic::new(format!("cannot write '{}': {e}", file.display())))?,
        None => super::write_stdout(out.as_bytes())?,
    }
    Ok(!report.fails())
}
