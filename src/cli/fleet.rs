//! Options shared by the commands that render a fleet (`render`, `graph`): source mappings,
//! vars files, strictness, `.fleetcheck.yaml`, and the progress bar.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::LimitArgs;
use super::shard::Shard;
use crate::diagnostic::Diagnostic;
use crate::flux::api::SourceRef;
use crate::flux::config::RepoConfig;
use crate::flux::graph::{ClusterSpec, FleetOptions};
use crate::flux::postbuild::STRICT_DEFAULT;
use crate::flux::varsfile::VarsFile;
use crate::sops::KeyRing;
use crate::source::{DiskTree, Tree};

/// How a fleet is rendered: flags shared by `render` and `graph`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Map another Flux source to a local directory: `KIND/NAMESPACE/NAME=PATH` (wins over
    /// `.fleetcheck.yaml`).
    #[arg(long = "source", value_name = "KIND/NAMESPACE/NAME=PATH")]
    pub sources: Vec<String>,
    /// A vars file: values of `substituteFrom` objects that only the live cluster has
    /// (repeatable; later files win; see the README's "Vars files").
    #[arg(long = "vars", value_name = "FILE")]
    pub vars: Vec<PathBuf>,
    /// Fail on variables without a value (`${VAR}` unset), as the kustomize-controller's
    /// `StrictPostBuildSubstitutions` feature gate does (default: current Flux, on; `false`
    /// for kustomize-controller up to v1.8).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub strict_substitution: Option<bool>,
    /// An age keys file for Kustomizations with `spec.decryption` (repeatable; merged with
    /// sops' own lookup: `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, `SOPS_AGE_SSH_PRIVATE_KEY_FILE`,
    /// `~/.config/sops/age/keys.txt`, `~/.ssh/id_ed25519`).
    #[arg(long = "age-key-file", value_name = "FILE")]
    pub age_key_files: Vec<PathBuf>,
    /// Only this shard of the clusters: `I/N`, 1 <= I <= N; a cluster's shard is the FNV-1a
    /// hash of its name mod N (combine the shards' JSON with `fleetcheck merge`).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// No progress bar and no summary table; errors are still reported.
    #[arg(short, long)]
    pub quiet: bool,
    /// Input bounds.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Parses `--source` values into a source map (paths made absolute and real).
pub fn parse_sources(values: &[String]) -> Result<BTreeMap<SourceRef, PathBuf>, Diagnostic> {
    let mut out = BTreeMap::new();
    for v in values {
        let bad = || {
            Diagnostic::new(format!("invalid --source '{v}'")).with_hint(
                "write KIND/NAMESPACE/NAME=PATH, e.g. GitRepository/flux-system/tenants=../tenants",
            )
        };
        let (id, path) = v.split_once('=').ok_or_else(bad)?;
        let parts: Vec<&str> = id.split('/').collect();
        let [kind, namespace, name] = parts.as_slice() else {
            return Err(bad());
        };
        let real = std::fs::canonicalize(path)
            .map_err(|e| Diagnostic::new(format!("--source path '{path}': {e}")))?;
        out.insert(
            SourceRef {
                kind: (*kind).to_owned(),
                namespace: (*namespace).to_owned(),
                name: (*name).to_owned(),
            },
            real,
        );
    }
    Ok(out)
}

/// The render options for the repository at `root` (absolute, real): `.fleetcheck.yaml` when
/// present, with the command-line flags winning over it (`--source` over its mappings,
/// `--vars` files over a cluster's `vars`, which they follow, `--strict-substitution` over
/// `strictSubstitution`).
/// `--vars` files are read from disk (they hold values of the live cluster and usually live
/// outside the repository); `.fleetcheck.yaml` and the vars files it names come from `tree`.
pub fn fleet_options(
    tree: &dyn Tree,
    root: &Path,
    args: &FleetArgs,
) -> Result<FleetOptions, Diagnostic> {
    let limits = args.limits.limits();
    let config = RepoConfig::load(tree, root, &limits)?.unwrap_or_default();
    let cli_sources = parse_sources(&args.sources)?;
    let cli_vars = args
        .vars
        .iter()
        .map(|p| VarsFile::load(&DiskTree, p, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sources = config.sources.clone();
    sources.extend(cli_sources.clone());
    let clusters = match config.clusters {
        None => None,
        Some(list) => {
            let mut specs = Vec::new();
            for c in list {
                let mut s = config.sources.clone();
                s.extend(c.sources);
                s.extend(cli_sources.clone());
                let mut vars = Vec::new();
                if let Some(v) = &c.vars {
                    vars.push(VarsFile::load(tree, v, &limits)?);
                }
                vars.extend(cli_vars.iter().cloned());
                specs.push(ClusterSpec {
                    name: c.name,
                    dir: c.dir,
                    vars,
                    sources: s,
                });
            }
            Some(specs)
        }
    };
    let keys = KeyRing::from_environment(&args.age_key_files, &|k| std::env::var(k).ok()).map_err(
        |e| {
            Diagnostic::new(format!("cannot load SOPS keys: {e}"))
                .with_hint("check --age-key-file and the SOPS_AGE_* environment variables")
        },
    )?;
    Ok(FleetOptions {
        keys: Some(Arc::new(keys)),
        limits,
        sources,
        strict: args
            .strict_substitution
            .or(config.strict_substitution)
            .unwrap_or(STRICT_DEFAULT),
        vars: cli_vars,
        clusters,
        ..FleetOptions::default()
    })
}

/// Whether to draw a progress bar: stderr is a terminal, not `--quiet`, not in CI.
pub fn progress_wanted(quiet: bool, stderr_is_terminal: bool, ci: bool) -> bool {
    !quiet && stderr_is_terminal && !ci
}

/// A spinner on stderr counting built Kustomizations; it appears only once the run has taken
/// [`ProgressReporter::DELAY`], and is cleared at the end.
pub struct ProgressReporter {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

impl ProgressReporter {
    /// How long a run takes before the bar appears.
    pub const DELAY: Duration = Duration::from_millis(700);

    /// A reporter for this process (drawing only when [`progress_wanted`]).
    pub fn new(quiet: bool) -> ProgressReporter {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        let wanted = progress_wanted(quiet, std::io::stderr().is_terminal(), ci);
        let bar = wanted.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} Kustomizations {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        ProgressReporter {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Records one built Kustomization.
    pub fn tick(&self, cluster: &str, key: &str) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.inc(1);
        bar.set_message(format!("{cluster}: {key}"));
        if self.start.elapsed() >= Self::DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Clears the bar before output is written.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_outside_ci_and_quiet() {
        assert!(progress_wanted(false, true, false));
        assert!(!progress_wanted(true, true, false));
        assert!(!progress_wanted(false, false, false));
        assert!(!progress_wanted(false, true, true));
    }

    #[test]
    fn source_flags_need_kind_namespace_name_and_an_existing_path() {
        assert!(parse_sources(&["GitRepository/ns/name".into()]).is_err());
        assert!(parse_sources(&["GitRepository/name=.".into()]).is_err());
        let m = parse_sources(&["OCIRepository/ns/name=.".into()]).unwrap();
        assert_eq!(
            m.keys().next().unwrap().to_string(),
            "OCIRepository/ns/name"
        );
    }
}
