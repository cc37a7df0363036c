//! Finding each cluster's entry point in a fleet repository: a directory whose Flux
//! `Kustomization` objects point at a GitRepository of this repository.
//!
//! The repository's own sources are the GitRepository that a "self-sync" Kustomization points at
//! (one whose `spec.path` holds the file that defines it, as `flux bootstrap` writes in
//! `clusters/<name>/flux-system/gotk-sync.yaml`), plus the conventional
//! `GitRepository/flux-system/flux-system`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::api::{FluxKustomization, FluxSource, SourceRef, parse_kustomization, parse_source};
use crate::diagnostic::Diagnostic;
use crate::kustomize::resources::resources_from_documents;
use crate::source::path::join_clean;
use crate::source::{EntryKind, Tree, collect_files};
use crate::yaml::{Limits, Pos, parse_stream};

/// Flux objects found in the repository's files, read as plain YAML (not built).
#[derive(Debug, Default)]
pub struct RepoScan {
    /// Every Flux Kustomization, in path order.
    pub kustomizations: Vec<FluxKustomization>,
    /// Every Flux source object, in path order.
    pub sources: Vec<FluxSource>,
    /// Flux objects that could not be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// One cluster: where it starts and the Kustomization Flux starts from.
#[derive(Clone, Debug)]
pub struct ClusterEntry {
    /// The cluster's name: its directory relative to the root, without a leading `clusters/`.
    pub name: String,
    /// The cluster directory (absolute).
    pub dir: PathBuf,
    /// The Kustomization that syncs the directory (synthesised when the repository has none,
    /// as with a Flux Operator `FluxInstance` syncing `kubernetes/flux/cluster`).
    pub entry: FluxKustomization,
    /// For a synthesised entry: the files holding its Kustomizations. Such a directory is a
    /// cluster only if no other cluster's render reaches these files.
    pub candidate_files: Vec<PathBuf>,
}

/// Reads every `.yaml`/`.yml` file under `root` (hidden directories skipped) for Flux objects.
/// Files that are not Kubernetes YAML are ignored here; builds report them where they matter.
pub fn scan_repo(tree: &dyn Tree, root: &Path, limits: &Limits) -> RepoScan {
    let mut scan = RepoScan::default();
    let files = collect_files(tree, root, &|name, kind| {
        !name.starts_with('.')
            && (kind == EntryKind::Dir || name.ends_with(".yaml") || name.ends_with(".yml"))
    });
    for file in files {
        let Ok(text) = tree.read_to_string(&file) else {
            continue;
        };
        if !text.contains("toolkit.fluxcd.io") {
            continue;
        }
        let Ok(docs) = parse_stream(&text, limits) else {
            continue;
        };
        let Ok(resources) = resources_from_documents(docs, &file) else {
            continue;
        };
        for r in &resources {
            match parse_kustomization(r) {
                Ok(Some(ks)) => scan.kustomizations.push(ks),
                Ok(None) => {
                    if let Some(src) = parse_source(r) {
                        scan.sources.push(src);
                    }
                }
                Err(d) => scan.diagnostics.push(d),
            }
        }
    }
    scan
}

/// The conventional source `flux bootstrap` and the Flux Operator create for the fleet repo.
pub fn bootstrap_source() -> SourceRef {
    SourceRef {
        kind: "GitRepository".into(),
        namespace: "flux-system".into(),
        name: "flux-system".into(),
    }
}

/// A Kustomization that applies the directory holding it syncs this repository. `path: ./`
/// holds every file of the repository, so there only the bootstrap source counts: a tenant
/// Kustomization of another repository at its root is not this repository's sync.
fn is_self_sync(ks: &FluxKustomization, root: &Path) -> bool {
    let dir = join_clean(root, &ks.path);
    ks.source_ref.kind == "GitRepository"
        && dir.starts_with(root)
        && ks.origin.file.starts_with(&dir)
        && (dir != root || ks.source_ref == bootstrap_source())
}

/// The sources that serve this repository itself.
pub fn repo_sources(scan: &RepoScan, root: &Path) -> BTreeSet<SourceRef> {
    let mut out: BTreeSet<SourceRef> = scan
        .kustomizations
        .iter()
        .filter(|ks| is_self_sync(ks, root))
        .map(|ks| ks.source_ref.clone())
        .collect();
    out.insert(bootstrap_source());
    out
}

/// The clusters of the repository, sorted by name.
pub fn find_clusters(
    scan: &RepoScan,
    root: &Path,
    sources: &BTreeSet<SourceRef>,
) -> Vec<ClusterEntry> {
    let from_repo: Vec<&FluxKustomization> = scan
        .kustomizations
        .iter()
        .filter(|ks| sources.contains(&ks.source_ref))
        .collect();
    let mut clusters: Vec<ClusterEntry> = Vec::new();
    // Self-sync Kustomizations: the cluster is the directory they sync.
    for ks in from_repo.iter().filter(|ks| is_self_sync(ks, root)) {
        let dir = join_clean(root, &ks.path);
        if !clusters.iter().any(|c| c.dir == dir) {
            clusters.push(ClusterEntry {
                name: cluster_name(root, &dir),
                dir,
                entry: (*ks).clone(),
                candidate_files: Vec::new(),
            });
        }
    }
    // Directories with repo Kustomizations that no Kustomization's path covers are entry points
    // applied from outside the repository.
    // A set, looked up with each ancestor of a Kustomization's directory (`dir.starts_with(c)`
    // for some `c`): linear in the number of Kustomizations, not quadratic.
    let covered: BTreeSet<PathBuf> = from_repo
        .iter()
        .map(|ks| join_clean(root, &ks.path))
        .collect();
    let mut extra: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for ks in &from_repo {
        let Some(dir) = ks.origin.file.parent() else {
            continue;
        };
        let is_covered =
            covered.contains(Path::new("")) || dir.ancestors().any(|a| covered.contains(a));
        if !is_covered {
            extra
                .entry(dir.to_owned())
                .or_default()
                .insert(ks.origin.file.clone());
        }
    }
    for (dir, files) in &extra {
        if extra.keys().any(|o| o != dir && dir.starts_with(o)) {
            continue;
        }
        clusters.push(ClusterEntry {
            name: cluster_name(root, dir),
            dir: dir.clone(),
            entry: synthesised_entry(root, dir),
            candidate_files: files.iter().cloned().collect(),
        });
    }
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    clusters
}

/// The entry `flux-system/flux-system` Kustomization syncing `dir` from the bootstrap source.
fn synthesised_entry(root: &Path, dir: &Path) -> FluxKustomization {
    let rel = dir.strip_prefix(root).unwrap_or(dir).display().to_string();
    FluxKustomization {
        api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
        name: "flux-system".into(),
        namespace: "flux-system".into(),
        origin: super::api::ObjectOrigin {
            file: dir.to_owned(),
            pos: Pos::NONE,
        },
        path: format!("./{rel}"),
        path_pos: Pos::NONE,
        source_ref: bootstrap_source(),
        ..empty_kustomization()
    }
}

/// The entries of an explicit cluster list, in its order: the self-sync Kustomization that syncs
/// each directory when the repository has one, else a synthesised `flux-system` one.
pub fn explicit_clusters(
    scan: &RepoScan,
    root: &Path,
    specs: &[super::graph::ClusterSpec],
) -> Vec<ClusterEntry> {
    specs
        .iter()
        .map(|spec| {
            let entry = scan
                .kustomizations
                .iter()
                .find(|ks| is_self_sync(ks, root) && join_clean(root, &ks.path) == spec.dir)
                .cloned()
                .unwrap_or_else(|| synthesised_entry(root, &spec.dir));
            ClusterEntry {
                name: spec.name.clone(),
                dir: spec.dir.clone(),
                entry,
                candidate_files: Vec::new(),
            }
        })
        .collect()
}

fn cluster_name(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let rel = rel.strip_prefix("clusters").unwrap_or(rel);
    let name = rel.display().to_string();
    if name.is_empty() { ".".into() } else { name }
}

/// A Kustomization with every field empty (a base for synthesised entries).
pub fn empty_kustomization() -> FluxKustomization {
    FluxKustomization {
        api_version: String::new(),
        name: String::new(),
        namespace: String::new(),
        origin: super::api::ObjectOrigin {
            file: PathBuf::new(),
            pos: Pos::NONE,
        },
        path: String::new(),
        path_pos: Pos::NONE,
        source_ref: bootstrap_source(),
        depends_on: Vec::new(),
        target_namespace: None,
        name_prefix: None,
        name_suffix: None,
        patches: Vec::new(),
        components: Vec::new(),
        ignore_missing_components: false,
        images: Vec::new(),
        patches_strategic_merge: Vec::new(),
        patches_json6902: Vec::new(),
        build_metadata: Vec::new(),
        common_metadata: None,
        post_build: None,
        service_account_name: None,
        prune: false,
        wait: false,
        timeout: None,
        health_checks: Vec::new(),
        suspend: false,
        decryption: None,
    }
}
