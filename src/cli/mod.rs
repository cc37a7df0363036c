//! The command line: argument parsing and one module per subcommand.

pub mod build;
pub mod check;
pub mod decrypt;
pub mod diff;
pub mod fleet;
pub mod graph;
pub mod images;
pub mod json;
pub mod merge;
pub mod render;
pub mod shard;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::Diagnostic;
use crate::yaml::Limits;

/// Render and verify a Flux CD fleet repository offline.
#[derive(Debug, Parser)]
#[command(name = "fleetcheck", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// fleetcheck's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a kustomization directory, byte-identical to `kustomize build`.
    Build(build::BuildArgs),
    /// Render every cluster's Flux Kustomizations as Flux would build them.
    Render(render::RenderArgs),
    /// Show each cluster's Flux Kustomizations in dependsOn waves.
    Graph(graph::GraphArgs),
    /// Image automation offline: list, plan and apply `$imagepolicy` marker updates.
    Images(images::ImagesArgs),
    /// Render the fleet and report findings: tenancy and RBAC, reconcile graph, secrets.
    Check(check::CheckArgs),
    /// Decrypt sops files like `sops -d` (age and SSH keys).
    Decrypt(decrypt::DecryptArgs),
    /// Show what a change does to every cluster: two git revisions (or a revision and the
    /// work tree) rendered and compared per Kustomization and object.
    Diff(diff::DiffArgs),
    /// Combine the JSON results of `--shard I/N` runs into the unsharded run's result.
    Merge(merge::MergeArgs),
}

/// Bounds on the YAML fleetcheck reads (hostile or broken input fails fast with these).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Largest YAML file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    pub max_file_size: usize,
    /// Deepest nesting of YAML collections.
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,
    /// Most nodes YAML aliases may expand to in one file.
    #[arg(long, value_name = "NODES", default_value_t = Limits::default().max_alias_nodes)]
    pub max_alias_nodes: usize,
}

impl LimitArgs {
    /// The limits these flags select.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_size,
            max_depth: self.max_depth,
            max_alias_nodes: self.max_alias_nodes,
        }
    }
}

/// Exit code of a failed build or check (usage errors exit with 2, as clap does).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of `check` when it could not run (usage or internal error).
pub const EXIT_ERROR: u8 = 2;

/// Parses the command line and runs the subcommand.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let error_code = match cli.command {
        Command::Check(_) => EXIT_ERROR,
        _ => EXIT_FAILURE,
    };
    let result = match cli.command {
        Command::Build(args) => build::run(&args).map(|()| true),
        Command::Render(args) => render::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Images(args) => images::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Decrypt(args) => decrypt::run(&args),
        Command::Diff(args) => return diff::main(&args),
        Command::Merge(args) => return merge::main(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILURE),
        Err(diag) => {
            report(&diag);
            ExitCode::from(error_code)
        }
    }
}

/// Prints a diagnostic to stderr, with colour on a terminal unless `NO_COLOR` is set.
pub fn report(diag: &Diagnostic) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let cwd = std::env::current_dir().unwrap_or_default();
    let text = crate::report::diagnostic::render(diag, &cwd, color);
    let _ = stderr.lock().write_all(text.as_bytes());
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Diagnostic> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Diagnostic::new(format!("cannot write to stdout: {e}"))),
    }
}
