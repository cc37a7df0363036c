//! `fleetcheck merge FILE...`: the JSON results of `render`, `check` or `diff` runs with
//! `--shard I/N` combined into exactly the JSON the unsharded run prints, with that command's
//! exit code.

pub mod diff_model;
pub mod kinds;
pub mod value;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::diff::{markdown, text};
use crate::diagnostic::Diagnostic;
use value::Json;

/// Arguments of `fleetcheck merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON outputs (`render -o json`, `check -o json` or `diff --format json`),
    /// all of one command.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What to print: the merged JSON, or its one-line summary.
    #[arg(short, long, value_enum, default_value_t = MergeFormat::Json)]
    pub output: MergeFormat,
    /// For diff results: exit with 1 when anything changed, as `diff --exit-code` does.
    #[arg(long)]
    pub exit_code: bool,
}

/// `-o` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// The merged document, identical to the unsharded run's JSON.
    Json,
    /// Diff results only: `diff --format markdown` (the pull-request comment).
    Markdown,
    /// Diff results only: `diff --format text` (without colours).
    Text,
    /// One line: the diff headline, the check counts or the render totals.
    Summary,
}

/// Which command wrote a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `render -o json`.
    Render,
    /// `check -o json`.
    Check,
    /// `diff --format json`.
    Diff,
}

impl Kind {
    /// The kind of a result, told by its top-level members.
    pub fn of(doc: &Json) -> Option<Kind> {
        if doc.get("findings").is_some() && doc.get("summary").is_some() {
            Some(Kind::Check)
        } else if doc.get("headline").is_some() && doc.get("sources").is_some() {
            Some(Kind::Diff)
        } else if let Json::Obj(m) = doc
            && m.iter().all(|(k, _)| k == "clusters" || k == "shard")
            && doc.get("clusters").is_some()
        {
            Some(Kind::Render)
        } else {
            None
        }
    }

    fn command(self) -> &'static str {
        match self {
            Kind::Render => "render -o json",
            Kind::Check => "check -o json",
            Kind::Diff => "diff --format json",
        }
    }
}

/// One shard's result.
#[derive(Debug)]
pub struct Part {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its document.
    pub doc: Json,
}

impl Part {
    /// Member `key` of the shard's `"shard"` object, if any.
    pub fn shard_field(&self, key: &str) -> Option<u64> {
        self.doc.get("shard")?.get(key).map(Json::uint)
    }
}

/// The merged result: the document and whether the command would have failed.
#[derive(Debug)]
pub struct Merged {
    /// The command the parts came from.
    pub kind: Kind,
    /// The unsharded run's JSON document.
    pub doc: Json,
    /// Exit 1 as the command does: a check finding at `--fail-on`, a render error, or (with
    /// `--exit-code`) a diff change.
    pub fails: bool,
    /// The one-line summary.
    pub summary: String,
}

fn read(file: &PathBuf) -> Result<Part, Diagnostic> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Diagnostic::new(format!("cannot read '{}': {e}", file.display())))?;
    let doc = value::parse(&text).map_err(|e| {
        Diagnostic::new(format!("{}:{e}", file.display()))
            .with_hint("give the JSON output of render, check or diff (-o json)")
    })?;
    Ok(Part {
        file: file.clone(),
        doc,
    })
}

/// Checks that the parts are all of one kind and, when sharded, are every shard exactly once.
pub fn kind_of(parts: &[Part]) -> Result<Kind, Diagnostic> {
    let mut kind: Option<Kind> = None;
    for p in parts {
        let k = Kind::of(&p.doc).ok_or_else(|| {
            Diagnostic::new(format!(
                "'{}' is not a render, check or diff JSON result",
                p.file.display()
            ))
            .with_hint("merge the files written by `render -o json`, `check -o json` or `diff --format json`")
        })?;
        match kind {
            Some(first) if first != k => {
                return Err(Diagnostic::new(format!(
                    "'{}' is a `{}` result, the others are `{}` results",
                    p.file.display(),
                    k.command(),
                    first.command()
                ))
                .with_hint("merge the shards of one command at a time"));
            }
            _ => kind = Some(k),
        }
    }
    let sharded = parts
        .iter()
        .filter(|p| p.doc.get("shard").is_some())
        .count();
    if sharded > 0 {
        let count = parts[0].shard_field("count").unwrap_or(0);
        let mut seen = BTreeSet::new();
        for p in parts {
            let (i, n) = (p.shard_field("index"), p.shard_field("count"));
            if n != Some(count) || !i.is_some_and(|i| (1..=count).contains(&i) && seen.insert(i)) {
                return Err(Diagnostic::new(format!(
                    "'{}' is not one more shard of {count}",
                    p.file.display()
                ))
                .with_hint(
                    "pass each shard's file once, all from runs with the same --shard I/N count",
                ));
            }
        }
        if let Some(missing) = (1..=count).find(|i| !seen.contains(i)) {
            return Err(
                Diagnostic::new(format!("shard {missing}/{count} is missing"))
                    .with_hint("pass the JSON file of every shard"),
            );
        }
    }
    kind.ok_or_else(|| Diagnostic::new("no file to merge"))
}

/// Reads, merges and prints; the exit code is the merged command's.
pub fn main(args: &MergeArgs) -> ExitCode {
    match run(args) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(super::EXIT_FAILURE),
        Err(d) => {
            super::report(&d);
            ExitCode::from(super::EXIT_ERROR)
        }
    }
}

/// Runs `merge`; `Ok(true)` when the merged result fails as the command would.
pub fn run(args: &MergeArgs) -> Result<bool, Diagnostic> {
    let parts = args.files.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let merged = merge(&parts, args.exit_code)?;
    let text = match args.output {
        MergeFormat::Json => value::document(&merged.doc),
        MergeFormat::Summary => format!("{}\n", merged.summary),
        MergeFormat::Markdown | MergeFormat::Text if merged.kind != Kind::Diff => {
            return Err(Diagnostic::new(format!(
                "-o markdown and -o text are for diff results, these are `{}` results",
                merged.kind.command()
            ))
            .with_hint("use -o json or -o summary"));
        }
        MergeFormat::Markdown => {
            let (diff, labels) = diff_model::read(&merged.doc);
            markdown::render(&diff, &labels, markdown::COMMENT_LIMIT, None)
        }
        MergeFormat::Text => {
            let (diff, labels) = diff_model::read(&merged.doc);
            text::render(&diff, &labels, false, false)
        }
    };
    super::write_stdout(text.as_bytes())?;
    Ok(merged.fails)
}

/// Merges parts of one kind (see [`kind_of`]); `exit_code` is diff's `--exit-code`.
pub fn merge(parts: &[Part], exit_code: bool) -> Result<Merged, Diagnostic> {
    match kind_of(parts)? {
        Kind::Render => kinds::render(parts),
        Kind::Check => kinds::check(parts),
        Kind::Diff => kinds::diff(parts, exit_code),
    }
}
