//! `fleetcheck diff [REPO] --base REV [--head REV]`: what a change does to every cluster, both
//! revisions rendered straight from git objects (the head defaults to the work tree).

pub mod json;
pub mod markdown;
pub mod out;
pub mod sides;
pub mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::fleet::FleetArgs;
use crate::diagnostic::Diagnostic;
use crate::diff::diff_fleets;
use crate::redact::Redaction;

/// Arguments of `fleetcheck diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The fleet repository (a git work tree, or a directory inside one).
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// The base revision: any git rev-spec (branch, tag, sha, `HEAD~1`, `origin/main`).
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The head revision (default: the work tree on disk, uncommitted changes included).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Only clusters whose name matches this glob (`*` and `?`).
    #[arg(long, value_name = "GLOB")]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Also write the full diff to DIR: `<cluster>.diff` per changed cluster, `diff.md`
    /// (untruncated) and `diff.json`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit with 1 when anything changed, 0 when nothing did (errors exit with 2).
    #[arg(long)]
    pub exit_code: bool,
    /// Print Secret values and values decrypted from SOPS instead of digests (never in CI).
    #[arg(long)]
    pub show_secrets: bool,
    /// Sources, vars files, SOPS keys, strictness, quiet, limits (applied to both sides).
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Per cluster and Kustomization, unified YAML diffs (coloured on a terminal).
    Text,
    /// Like text, with field paths (`spec.replicas: 2 → 3`) instead of line hunks.
    Fields,
    /// A pull-request comment: summary table, one collapsible section per cluster, a Mermaid
    /// graph of the affected Kustomizations; fits GitHub's comment limit.
    Markdown,
    /// Everything, as JSON (see the README for the fields).
    Json,
}

/// Runs `diff` and maps the outcome to the exit code: 0 (no change, or changes without
/// `--exit-code`), 1 (changes with `--exit-code`), 2 (error).
pub fn main(args: &DiffArgs) -> ExitCode {
    match run(args) {
        Ok(changed) if changed && args.exit_code => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(d) => {
            super::report(&d);
            ExitCode::from(super::EXIT_ERROR)
        }
    }
}

/// A revision as shown: a full commit id shortened to 12 digits, anything else as given.
pub fn short_rev(rev: &str) -> String {
    if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        rev[..12].to_owned()
    } else {
        rev.to_owned()
    }
}

/// Renders both sides, compares them and prints the diff; `Ok(true)` when anything changed.
pub fn run(args: &DiffArgs) -> Result<bool, Diagnostic> {
    let sides = sides::render_sides(args)?;
    let redaction = Redaction::choose(args.show_secrets);
    let diff = diff_fleets(&sides.base, &sides.head, &sides.changed_files, &redaction)?;
    let labels = sides::Labels {
        base: short_rev(&args.base),
        head: args
            .head
            .as_deref()
            .map_or_else(|| "work tree".to_owned(), short_rev),
    };
    let text = match args.format {
        DiffFormat::Text | DiffFormat::Fields => {
            let color = text::color_wanted();
            text::render(&diff, &labels, args.format == DiffFormat::Fields, color)
        }
        DiffFormat::Markdown => {
            markdown::render(&diff, &labels, markdown::COMMENT_LIMIT, args.out.as_deref())
        }
        DiffFormat::Json => match args.fleet.shard {
            Some(s) => s.tag(json::render(&diff, &labels), ""),
            None => json::render(&diff, &labels),
        },
    };
    if let Some(dir) = &args.out {
        out::write(dir, &diff, &labels)?;
    }
    super::write_stdout(text.as_bytes())?;
    for d in super::render::all_diagnostics(&sides.head) {
        super::report(d);
    }
    Ok(diff.has_changes())
}
