//! `fleetcheck images list|plan|update|set`: image automation offline.

mod output;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::{LimitArgs, report};
use crate::diagnostic::Diagnostic;
use crate::images::discover::Repo;
use crate::images::marker::Setter;
use crate::images::plan::{Plan, Selection};
use crate::images::rewrite::rewritten_files;
use crate::images::tags::Tags;
use crate::images::template::commit_message;
use crate::source::DiskTree;

/// Arguments of `fleetcheck images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// The action.
    #[command(subcommand)]
    pub command: ImagesCommand,
}

/// `fleetcheck images` actions.
#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// List every `$imagepolicy` marker: file, line, policy, covering automation, value.
    List {
        /// The repository.
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Text)]
        output: Format,
        /// YAML limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Show what each ImageUpdateAutomation would commit, per file and marker.
    Plan {
        /// The repository.
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// YAML or JSON file mapping each image to its tags.
        #[arg(long, value_name = "FILE")]
        tags: PathBuf,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Text)]
        output: Format,
        /// YAML limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Rewrite the markers in place as the automations would, and print the commit messages.
    Update {
        /// The repository.
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// YAML or JSON file mapping each image to its tags.
        #[arg(long, value_name = "FILE")]
        tags: PathBuf,
        /// Print what would change without writing files.
        #[arg(long)]
        dry_run: bool,
        /// YAML limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Set every marker of one ImagePolicy to TAG (under the automations' update.path).
    Set {
        /// The ImagePolicy as `NAMESPACE:NAME`.
        policy: String,
        /// The tag to set.
        tag: String,
        /// The repository.
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// Print what would change without writing files.
        #[arg(long)]
        dry_run: bool,
        /// YAML limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// `-o` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// JSON.
    Json,
}

/// Runs an `images` action; `Ok(false)` when problems were reported.
pub fn run(args: &ImagesArgs) -> Result<bool, Diagnostic> {
    match &args.command {
        ImagesCommand::List {
            repo,
            output,
            limits,
        } => {
            let repo = scan(repo, limits)?;
            let (text, ok) = output::list(&repo, *output);
            super::write_stdout(text.as_bytes())?;
            Ok(finish(&repo, &[]) && ok)
        }
        ImagesCommand::Plan {
            repo,
            tags,
            output,
            limits,
        } => {
            let repo = scan(repo, limits)?;
            let tags = Tags::load(&DiskTree, tags, &limits.limits())?;
            let plan = Plan::new(&repo, Selection::Evaluate(&tags));
            let (messages, ok) = messages(&repo, &plan);
            let text = output::plan(&repo, &plan, &messages, *output);
            super::write_stdout(text.as_bytes())?;
            Ok(finish(&repo, &plan.errors) && ok && plan.errors.is_empty())
        }
        ImagesCommand::Update {
            repo,
            tags,
            dry_run,
            limits,
        } => {
            let repo = scan(repo, limits)?;
            let tags = Tags::load(&DiskTree, tags, &limits.limits())?;
            let plan = Plan::new(&repo, Selection::Evaluate(&tags));
            apply(&repo, &plan, *dry_run)
        }
        ImagesCommand::Set {
            policy,
            tag,
            repo,
            dry_run,
            limits,
        } => {
            let repo = scan(repo, limits)?;
            check_set(&repo, policy, tag)?;
            let plan = Plan::new(
                &repo,
                Selection::Set {
                    policy: policy.as_str(),
                    tag: tag.as_str(),
                },
            );
            for d in uncovered(&repo, policy) {
                report(&d);
            }
            apply(&repo, &plan, *dry_run)
        }
    }
}

fn scan(repo: &Path, limits: &LimitArgs) -> Result<Repo, Diagnostic> {
    let root = std::fs::canonicalize(repo).map_err(|e| {
        Diagnostic::new(format!("cannot open repository '{}': {e}", repo.display()))
            .with_hint("pass the repository's root directory")
    })?;
    Repo::scan(&DiskTree, &root, &limits.limits())
}

/// Reports warnings and errors; true when there were no errors.
fn finish(repo: &Repo, errors: &[Diagnostic]) -> bool {
    for d in repo.warnings.iter().chain(errors) {
        report(d);
    }
    errors.is_empty()
}

/// Each run's commit message (or its error, reported); false when one failed.
fn messages(repo: &Repo, plan: &Plan) -> (Vec<Option<String>>, bool) {
    let mut ok = true;
    let messages = plan
        .runs
        .iter()
        .map(|run| match commit_message(repo, run) {
            Ok(m) => Some(m),
            Err(d) => {
                report(&d);
                ok = false;
                None
            }
        })
        .collect();
    (messages, ok)
}

/// Prints the plan and writes the rewritten files (unless `dry_run`, or a commit message
/// failed to render: the controller would not commit then either).
fn apply(repo: &Repo, plan: &Plan, dry_run: bool) -> Result<bool, Diagnostic> {
    let (messages, ok) = messages(repo, plan);
    let mut text = output::plan(repo, plan, &messages, Format::Text);
    if ok && !dry_run {
        for (file, content) in rewritten_files(repo, plan) {
            let rel = &repo.files[file].rel;
            std::fs::write(repo.path_of(rel), content).map_err(|e| {
                Diagnostic::new(format!("cannot write {rel}: {e}"))
                    .with_hint("check the file's permissions")
            })?;
            text.push_str(&format!("wrote {rel}\n"));
        }
    }
    super::write_stdout(text.as_bytes())?;
    for d in &plan.notes {
        report(d);
    }
    Ok(finish(repo, &plan.errors) && ok)
}

/// `images set` needs a known policy with an image, and a tag.
fn check_set(repo: &Repo, policy: &str, tag: &str) -> Result<(), Diagnostic> {
    let setter = Setter::parse(policy)
        .filter(|s| s.policy_key() == policy)
        .ok_or_else(|| {
            Diagnostic::new(format!("{policy:?} is not NAMESPACE:NAME"))
                .with_hint("name the ImagePolicy as its markers do, e.g. flux-system:podinfo")
        })?;
    let known: Vec<String> = repo.policies.iter().map(|p| p.key()).collect();
    let Some(p) = repo.policy(&setter.policy_key()) else {
        let hint = if known.is_empty() {
            "the repository declares no ImagePolicy".to_string()
        } else {
            format!("known policies: {}", known.join(", "))
        };
        return Err(Diagnostic::new(format!("unknown ImagePolicy {policy}")).with_hint(hint));
    };
    if tag.is_empty() || tag.contains(['/', ':', '@', ' ']) {
        return Err(Diagnostic::new(format!("{tag:?} is not an image tag"))
            .with_hint("give the tag alone, e.g. 1.2.3"));
    }
    if repo.image_of(p).is_none() {
        return Err(Diagnostic::at(
            format!(
                "ImageRepository {}/{} of ImagePolicy {policy} not found",
                p.repository.0, p.repository.1
            ),
            repo.path_of(&p.origin.file),
            p.origin.pos,
        )
        .with_hint("add the ImageRepository named by spec.imageRepositoryRef"));
    }
    Ok(())
}

/// Warnings for the policy's markers that no automation updates.
fn uncovered(repo: &Repo, policy: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in &repo.files {
        for m in &file.markers.markers {
            let Some(setter) = m.setter.as_ref().filter(|s| s.policy_key() == policy) else {
                continue;
            };
            if output::automations_for(repo, &file.rel, setter).is_empty() {
                out.push(
                    Diagnostic::at(
                        format!("warning: marker of {policy} left unchanged: no ImageUpdateAutomation covers it"),
                        repo.path_of(&file.rel),
                        m.pos,
                    )
                    .with_hint("an automation updates files under its spec.update.path, for policies in its namespace"),
                );
            }
        }
    }
    out
}
