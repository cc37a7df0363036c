//! The two sides of a diff: the base revision read from git objects, the head revision from git
//! or the work tree, rendered through one build cache that reuses a Kustomization's build when
//! its inputs are the same on both sides (and a single render when the trees are identical).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::DiffArgs;
use crate::cli::fleet::{FleetArgs, ProgressReporter, fleet_options};
use crate::diagnostic::Diagnostic;
use crate::flux::graph::{BuildCache, FleetRender, render_fleet_shared};
use crate::flux::varsfile::glob_match;
use crate::source::record::{Fingerprint, Probe, RecordingTree, answer};
use crate::source::{DiskTree, GitTree, Tree};

/// How the two sides are named in output.
#[derive(Clone, Debug)]
pub struct Labels {
    /// The base rev-spec.
    pub base: String,
    /// The head rev-spec, or "work tree".
    pub head: String,
}

/// Both renders and the source files that differ between them.
pub struct Sides {
    /// The base revision's render.
    pub base: FleetRender,
    /// The head revision's render.
    pub head: FleetRender,
    /// Source files (absolute) that either render read and whose contents differ.
    pub changed_files: Vec<PathBuf>,
}

fn open(root: &Path, rev: &str) -> Result<GitTree, Diagnostic> {
    GitTree::open(root, rev).map_err(|e| {
        Diagnostic::new(e).with_hint(
            "give a revision git knows (`git rev-parse REV`); in CI fetch enough history (actions/checkout with fetch-depth: 0)",
        )
    })
}

/// Renders the base and head sides of `args`.
pub fn render_sides(args: &DiffArgs) -> Result<Sides, Diagnostic> {
    let root = std::fs::canonicalize(&args.repo).map_err(|e| {
        Diagnostic::new(format!(
            "cannot open repository '{}': {e}",
            args.repo.display()
        ))
    })?;
    let base = open(&root, &args.base)?;
    let head = args
        .head
        .as_deref()
        .map(|rev| open(&root, rev))
        .transpose()?;
    let cache = BuildCache::checking_inputs();
    let select = |name: &str| {
        args.cluster.as_deref().is_none_or(|g| glob_match(g, name))
            && crate::cli::shard::selects(args.fleet.shard, name)
    };
    let render =
        |tree: &dyn Tree| -> Result<(FleetRender, Vec<(PathBuf, Fingerprint)>), Diagnostic> {
            let recording = RecordingTree::new(tree);
            let fleet = render_one(&recording, &root, &args.fleet, &select, &cache)?;
            Ok((fleet, recording.reads()))
        };
    if let Some(h) = &head
        && h.tree_id() == base.tree_id()
    {
        // The same tree on both sides: one render, no change.
        let (fleet, _) = render(&base)?;
        return Ok(Sides {
            base: fleet.clone(),
            head: fleet,
            changed_files: Vec::new(),
        });
    }
    let (base_fleet, base_reads) = render(&base)?;
    let head_tree: &dyn Tree = match &head {
        Some(h) => h,
        None => &DiskTree,
    };
    let (head_fleet, head_reads) = render(head_tree)?;
    if let Some(g) = &args.cluster
        && base_fleet.clusters.is_empty()
        && head_fleet.clusters.is_empty()
    {
        return Err(Diagnostic::new(format!("no cluster matches '{g}'"))
            .with_hint("run `fleetcheck render` without --cluster to list the clusters"));
    }
    let changed_files = match &head {
        Some(h) => {
            // The tree diff, less the files neither render read (docs, other tools' files).
            let read: BTreeSet<&PathBuf> = base_reads
                .iter()
                .chain(&head_reads)
                .map(|(p, _)| p)
                .collect();
            base.changed_files(h)
                .map_err(|e| Diagnostic::new(format!("cannot compare the git trees: {e}")))?
                .into_iter()
                .filter(|f| read.contains(f))
                .collect()
        }
        None => changed_reads(&base, head_tree, &base_reads, &head_reads),
    };
    Ok(Sides {
        base: base_fleet,
        head: head_fleet,
        changed_files,
    })
}

fn render_one(
    tree: &dyn Tree,
    root: &Path,
    args: &FleetArgs,
    select: &(dyn Fn(&str) -> bool + Sync),
    cache: &BuildCache,
) -> Result<FleetRender, Diagnostic> {
    let options = fleet_options(tree, root, args)?;
    let progress = ProgressReporter::new(args.quiet);
    let fleet = render_fleet_shared(
        tree,
        root,
        &options,
        select,
        &|c, k| progress.tick(c, k),
        cache,
    );
    progress.finish();
    Ok(fleet)
}

/// The files either render read whose contents differ between the trees (a file read on one
/// side only is asked of the other).
fn changed_reads(
    base: &dyn Tree,
    head: &dyn Tree,
    base_reads: &[(PathBuf, Fingerprint)],
    head_reads: &[(PathBuf, Fingerprint)],
) -> Vec<PathBuf> {
    let b: BTreeMap<&PathBuf, &Fingerprint> = base_reads.iter().map(|(p, f)| (p, f)).collect();
    let h: BTreeMap<&PathBuf, &Fingerprint> = head_reads.iter().map(|(p, f)| (p, f)).collect();
    let mut out: BTreeSet<PathBuf> = BTreeSet::new();
    for path in b.keys().chain(h.keys()) {
        let probe = Probe::Read((*path).clone());
        let before = b.get(path).map_or_else(|| answer(base, &probe), |f| **f);
        let after = h.get(path).map_or_else(|| answer(head, &probe), |f| **f);
        if before != after {
            out.insert((*path).clone());
        }
    }
    out.into_iter().collect()
}
