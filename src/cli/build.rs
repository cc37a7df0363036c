//! `fleetcheck build DIR`: a drop-in for `kustomize build`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::LimitArgs;
use crate::diagnostic::Diagnostic;
use crate::kustomize::output::to_yaml;
use crate::kustomize::{BuildOptions, LoadRestrictor, Reorder, build};
use crate::source::DiskTree;

/// Arguments of `fleetcheck build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The directory holding kustomization.yaml.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output order when the kustomization has no `sortOptions`: `legacy` (kustomize's default)
    /// or `none` (accumulation order, as Flux builds).
    #[arg(long, value_enum, default_value_t = ReorderArg::Legacy)]
    pub reorder: ReorderArg,
    /// Whether files may be loaded from outside their kustomization's directory.
    #[arg(long, value_enum, default_value_t = LoadRestrictorArg::LoadRestrictionsRootOnly)]
    pub load_restrictor: LoadRestrictorArg,
    /// Write the output to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Input bounds.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `--reorder` values, as kustomize spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReorderArg {
    /// kustomize's legacy kind ranking.
    Legacy,
    /// Keep the order resources were accumulated in.
    None,
}

/// `--load-restrictor` values, as kustomize spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[allow(clippy::enum_variant_names)]
pub enum LoadRestrictorArg {
    /// Files must be in or below their kustomization.
    #[value(name = "LoadRestrictionsRootOnly")]
    LoadRestrictionsRootOnly,
    /// Files may be loaded from anywhere.
    #[value(name = "LoadRestrictionsNone")]
    LoadRestrictionsNone,
}

/// Runs the build and writes the YAML stream.
pub fn run(args: &BuildArgs) -> Result<(), Diagnostic> {
    let options = BuildOptions {
        reorder: match args.reorder {
            ReorderArg::Legacy => Reorder::Legacy,
            ReorderArg::None => Reorder::None,
        },
        load_restrictor: match args.load_restrictor {
            LoadRestrictorArg::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
            LoadRestrictorArg::LoadRestrictionsNone => LoadRestrictor::None,
        },
        limits: args.limits.limits(),
        display_base: None,
    };
    let resources = build(&DiskTree, &args.dir, &options)?;
    let yaml = to_yaml(&resources)?;
    write_output(args.output.as_ref(), yaml.as_bytes())
}

fn write_output(path: Option<&PathBuf>, bytes: &[u8]) -> Result<(), Diagnostic> {
    match path {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Diagnostic::new(format!("cannot write '{}': {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Diagnostic::new(format!("cannot write to stdout: {e}"))),
            }
        }
    }
}
