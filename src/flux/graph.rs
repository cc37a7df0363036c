//! The fleet graph: per cluster, the Flux Kustomizations reached from its entry point, rendered
//! in dependsOn order. A broken Kustomization blocks its dependents; everything else renders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::api::{FluxKustomization, HealthCheck, SourceRef, parse_kustomization};
use super::decrypt::DecryptReport;
use super::discover::{ClusterEntry, explicit_clusters, find_clusters, repo_sources, scan_repo};
use super::generate::GeneratedFile;
use super::lookup::SubstituteObjects;
use super::postbuild::{STRICT_DEFAULT, SubstituteRef};
pub use super::render::BuildCache;
use super::render::{RenderEnv, render_kustomization_cached};
use super::varsfile::{ClusterVars, VarsFile};
use crate::diagnostic::{Code, Diagnostic};
use crate::resource::Resource;
use crate::source::Tree;
use crate::yaml::Limits;

/// How the fleet is rendered.
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// YAML reading limits.
    pub limits: Limits,
    /// Other sources mapped to local directories (absolute paths).
    pub sources: BTreeMap<SourceRef, PathBuf>,
    /// Most Kustomizations one cluster may have (bounds runaway recursion).
    pub max_kustomizations: usize,
    /// Strict substitution (the kustomize-controller's `StrictPostBuildSubstitutions` gate).
    pub strict: bool,
    /// Vars files standing in for `substituteFrom` objects only the live cluster has (later
    /// files win).
    pub vars: Vec<VarsFile>,
    /// An explicit cluster list (`.fleetcheck.yaml`) replacing discovery.
    pub clusters: Option<Vec<ClusterSpec>>,
    /// SOPS identities for Kustomizations with `spec.decryption` (none: values stay encrypted).
    pub keys: Option<std::sync::Arc<crate::sops::KeyRing>>,
}

/// A cluster given explicitly, with the vars files and sources that apply to it (replacing
/// [`FleetOptions::vars`] and [`FleetOptions::sources`] for this cluster).
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// The cluster's name.
    pub name: String,
    /// Its directory (absolute).
    pub dir: PathBuf,
    /// Its vars files, later files winning.
    pub vars: Vec<VarsFile>,
    /// Its source mappings.
    pub sources: BTreeMap<SourceRef, PathBuf>,
}

/// Called after each Flux Kustomization is built, with the cluster's name and its key.
pub type Progress<'a> = &'a (dyn Fn(&str, &str) + Sync);

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            limits: Limits::default(),
            sources: BTreeMap::new(),
            max_kustomizations: 5_000,
            strict: STRICT_DEFAULT,
            vars: Vec::new(),
            clusters: None,
            keys: None,
        }
    }
}

/// What happened to one Flux Kustomization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting to be built (only while the graph is being rendered).
    Pending,
    /// Built; its objects are in `resources`.
    Rendered,
    /// Its build or a check failed; see `diagnostics`.
    Failed,
    /// Not rendered because a dependency (named) failed or is blocked.
    Blocked(String),
    /// Not rendered, with the reason (another source, suspended).
    Skipped(String),
}

/// One Flux Kustomization of a cluster and its render.
#[derive(Clone, Debug)]
pub struct KsNode {
    /// The Kustomization.
    pub ks: FluxKustomization,
    /// The key (`namespace/name`) of the Kustomization whose output holds it.
    pub parent: Option<String>,
    /// Outcome.
    pub status: Status,
    /// Rendered objects (empty unless rendered).
    pub resources: Vec<Resource>,
    /// The kustomization Flux generated or rewrote, if any.
    pub kustomization_file: Option<GeneratedFile>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// What SOPS decryption did (empty without `spec.decryption`).
    pub decryption: DecryptReport,
}

/// One cluster's render.
#[derive(Clone, Debug)]
pub struct ClusterRender {
    /// The cluster's name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its Kustomizations by `namespace/name`.
    pub nodes: BTreeMap<String, KsNode>,
}

impl ClusterRender {
    /// Whether anything failed or was blocked.
    pub fn has_errors(&self) -> bool {
        self.nodes.values().any(|n| {
            !n.diagnostics.is_empty() || matches!(n.status, Status::Failed | Status::Blocked(_))
        })
    }

    /// Whether the object a health check names is among this cluster's rendered objects
    /// (matching kind, name, namespace unless the kind is cluster-scoped — built in, or by a CRD
    /// of the cluster — and the API group when the check names an apiVersion).
    pub fn renders(&self, h: &HealthCheck) -> bool {
        let group = h.api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        let objects = || self.nodes.values().flat_map(|n| &n.resources);
        // Kinds the cluster's own CRDs declare cluster-scoped (e.g. cert-manager's ClusterIssuer).
        let crd_cluster_scoped = objects().any(|r| {
            r.kind() == "CustomResourceDefinition"
                && crate::resource::str_at(&r.node, &["spec", "names", "kind"]) == h.kind
                && crate::resource::str_at(&r.node, &["spec", "scope"]) == "Cluster"
        });
        objects().any(|r| {
            let id = r.id();
            id.gvk.kind == h.kind
                && r.name() == h.name
                && (crd_cluster_scoped
                    || id.gvk.is_cluster_scoped()
                    || id.effective_namespace() == h.namespace)
                && (h.api_version.is_empty() || id.gvk.group == group)
        })
    }
}

/// The whole fleet's render.
#[derive(Clone, Debug)]
pub struct FleetRender {
    /// The repository root.
    pub root: PathBuf,
    /// Clusters, sorted by name.
    pub clusters: Vec<ClusterRender>,
    /// Problems not tied to one cluster.
    pub diagnostics: Vec<Diagnostic>,
}

impl FleetRender {
    /// Whether anything failed.
    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty() || self.clusters.iter().any(ClusterRender::has_errors)
    }
}

/// Discovers the clusters of the repository at `root` (absolute, real) and renders those whose
/// name `select` accepts.
pub fn render_fleet(
    tree: &dyn Tree,
    root: &Path,
    options: &FleetOptions,
    select: &(dyn Fn(&str) -> bool + Sync),
) -> FleetRender {
    render_fleet_with_progress(tree, root, options, select, &|_, _| {})
}

/// [`render_fleet`], reporting each built Kustomization to `progress`.
pub fn render_fleet_with_progress(
    tree: &dyn Tree,
    root: &Path,
    options: &FleetOptions,
    select: &(dyn Fn(&str) -> bool + Sync),
    progress: Progress<'_>,
) -> FleetRender {
    render_fleet_shared(
        tree,
        root,
        options,
        select,
        progress,
        &BuildCache::default(),
    )
}

/// [`render_fleet_with_progress`] building through `cache`, which may outlive the render (a
/// cache made with [`BuildCache::checking_inputs`] serves both sides of a diff).
pub fn render_fleet_shared(
    tree: &dyn Tree,
    root: &Path,
    options: &FleetOptions,
    select: &(dyn Fn(&str) -> bool + Sync),
    progress: Progress<'_>,
    cache: &BuildCache,
) -> FleetRender {
    let scan = scan_repo(tree, root, &options.limits);
    let sources = repo_sources(&scan, root);
    if let Some(specs) = &options.clusters {
        let entries = explicit_clusters(&scan, root, specs);
        let clusters: Vec<ClusterRender> = entries
            .par_iter()
            .zip(specs)
            .filter(|(c, _)| select(&c.name))
            .map(|(c, spec)| {
                let options = FleetOptions {
                    sources: spec.sources.clone(),
                    vars: spec.vars.clone(),
                    clusters: None,
                    ..options.clone()
                };
                render_cluster_with(tree, root, c, &sources, &options, cache, progress)
            })
            .collect();
        return FleetRender {
            root: root.to_owned(),
            clusters,
            diagnostics: scan_errors_to_report(scan.diagnostics, entries.is_empty()),
        };
    }
    let clusters = find_clusters(&scan, root, &sources);
    let mut diagnostics = scan_errors_to_report(scan.diagnostics, clusters.is_empty());
    if clusters.is_empty() {
        diagnostics.push(
            Diagnostic::at(
                "no Flux cluster found: no Kustomization points at a GitRepository of this repository",
                root,
                crate::yaml::Pos::NONE,
            )
            .with_hint("fleetcheck looks for clusters/<name>/flux-system/gotk-sync.yaml (flux bootstrap) or a directory of Kustomizations with sourceRef GitRepository flux-system"),
        );
    }
    let (synced, candidates): (Vec<&ClusterEntry>, Vec<&ClusterEntry>) =
        clusters.iter().partition(|c| c.candidate_files.is_empty());
    // Self-synced clusters render first; a candidate entry directory is a cluster only when no
    // render reaches its Kustomizations (they are not included from elsewhere, e.g. via `../`).
    let render_all = !candidates.is_empty();
    let mut rendered: Vec<ClusterRender> = synced
        .par_iter()
        .filter(|c| render_all || select(&c.name))
        .map(|c| render_cluster_with(tree, root, c, &sources, options, cache, progress))
        .collect();
    let reached: BTreeSet<&Path> = rendered
        .iter()
        .flat_map(|c| c.nodes.values().map(|n| n.ks.origin.file.as_path()))
        .collect();
    let extra: Vec<&ClusterEntry> = candidates
        .into_iter()
        .filter(|c| select(&c.name))
        .filter(|c| {
            !c.candidate_files
                .iter()
                .any(|f| reached.contains(f.as_path()))
        })
        .collect();
    let more: Vec<ClusterRender> = extra
        .par_iter()
        .map(|c| render_cluster_with(tree, root, c, &sources, options, cache, progress))
        .collect();
    rendered.retain(|c| select(&c.name));
    rendered.extend(more);
    rendered.sort_by(|a, b| a.name.cmp(&b.name));
    FleetRender {
        root: root.to_owned(),
        clusters: rendered,
        diagnostics,
    }
}

/// The repository scan reads every file, but a Flux object that does not parse is Flux's error
/// only where a build applies it, and each build reports those it reaches. Files no build
/// reaches (a patch holding part of a Kustomization, an example) are never applied, so their
/// scan errors are kept only when no cluster was found: then they may be why.
fn scan_errors_to_report(scan: Vec<Diagnostic>, no_cluster: bool) -> Vec<Diagnostic> {
    if no_cluster { scan } else { Vec::new() }
}

/// Renders one cluster from its entry Kustomization: follows the Flux Kustomizations found in
/// each output, building each once its dependencies rendered. `repo` are the sources served by
/// `root`; other sources render only when `options.sources` maps them.
pub fn render_cluster(
    tree: &dyn Tree,
    root: &Path,
    cluster: &ClusterEntry,
    repo: &BTreeSet<SourceRef>,
    options: &FleetOptions,
    cache: &BuildCache,
) -> ClusterRender {
    render_cluster_with(tree, root, cluster, repo, options, cache, &|_, _| {})
}

/// [`render_cluster`], reporting each built Kustomization to `progress`.
pub fn render_cluster_with(
    tree: &dyn Tree,
    root: &Path,
    cluster: &ClusterEntry,
    repo: &BTreeSet<SourceRef>,
    options: &FleetOptions,
    cache: &BuildCache,
    progress: Progress<'_>,
) -> ClusterRender {
    let live = ClusterVars::new(&options.vars, &cluster.name);
    let mut nodes: BTreeMap<String, KsNode> = BTreeMap::new();
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let entry_key = cluster.entry.key();
    add_node(
        &mut nodes,
        &mut pending,
        cluster.entry.clone(),
        None,
        repo,
        options,
    );
    loop {
        block_dependents(&mut nodes, &mut pending);
        let ready: Vec<String> = pending
            .iter()
            .filter(|k| {
                nodes[*k].ks.depends_on.iter().all(|d| {
                    let dk = dep_key(d);
                    nodes
                        .get(&dk)
                        .is_some_and(|n| matches!(n.status, Status::Rendered | Status::Skipped(_)))
                })
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            break;
        }
        // substituteFrom finds ConfigMaps and Secrets among what the cluster rendered so far.
        let objects = SubstituteObjects::of(&nodes);
        let results: Vec<_> = ready
            .par_iter()
            .map(|k| {
                let ks = &nodes[k].ks;
                let src_root = match options.sources.get(&ks.source_ref) {
                    Some(mapped) if !repo.contains(&ks.source_ref) => mapped.as_path(),
                    _ => root,
                };
                // Rendered objects first; the vars files stand in for the live cluster's.
                let lookup = |r: &SubstituteRef| {
                    objects
                        .find(&ks.namespace, r)
                        .or_else(|| live.find(&ks.namespace, r))
                };
                let env = RenderEnv {
                    cache: Some(cache),
                    lookup: &lookup,
                    strict: options.strict,
                    keys: options.keys.as_deref(),
                };
                let built = render_kustomization_cached(tree, src_root, ks, &options.limits, &env);
                progress(&cluster.name, k);
                built
            })
            .collect();
        for (key, result) in ready.into_iter().zip(results) {
            pending.remove(&key);
            let mut children = Vec::new();
            if let Some(node) = nodes.get_mut(&key) {
                match result {
                    Ok(built) => {
                        node.status = Status::Rendered;
                        for r in &built.resources {
                            match parse_kustomization(r) {
                                Ok(Some(child)) => children.push(child),
                                Ok(None) => {}
                                Err(d) => node.diagnostics.push(d),
                            }
                        }
                        if !node.diagnostics.is_empty() {
                            node.status = Status::Failed;
                        }
                        node.resources = built.resources;
                        node.kustomization_file = built.kustomization_file;
                        node.decryption = built.decryption;
                    }
                    Err(d) => {
                        node.status = Status::Failed;
                        node.diagnostics.push(d);
                    }
                }
            }
            for child in children {
                let ck = child.key();
                if ck == key || ck == entry_key {
                    continue; // the sync Kustomization applying itself
                }
                if let Some(existing) = nodes.get(&ck) {
                    let first = existing.parent.clone().unwrap_or_default();
                    let d = Diagnostic::at(
                        format!("Flux Kustomization {ck} is also applied by {first}"),
                        &child.origin.file,
                        child.origin.pos,
                    )
                    .with_hint(
                        "each Flux Kustomization must be applied by one parent; remove one copy",
                    )
                    .with_code(Code::FluxKustomizationAppliedTwice);
                    if let Some(node) = nodes.get_mut(&key) {
                        node.diagnostics.push(d);
                        node.status = Status::Failed;
                    }
                    continue;
                }
                if nodes.len() >= options.max_kustomizations {
                    if let Some(node) = nodes.get_mut(&key) {
                        node.diagnostics.push(Diagnostic::at(
                            format!(
                                "cluster has more than {} Flux Kustomizations; stopped following",
                                options.max_kustomizations
                            ),
                            &child.origin.file,
                            child.origin.pos,
                        ));
                        node.status = Status::Failed;
                    }
                    break;
                }
                add_node(
                    &mut nodes,
                    &mut pending,
                    child,
                    Some(key.clone()),
                    repo,
                    options,
                );
            }
        }
    }
    fail_unresolved(&mut nodes, &mut pending);
    ClusterRender {
        name: cluster.name.clone(),
        dir: cluster.dir.clone(),
        nodes,
    }
}

fn dep_key(d: &super::api::DependsOn) -> String {
    format!("{}/{}", d.namespace, d.name)
}

fn add_node(
    nodes: &mut BTreeMap<String, KsNode>,
    pending: &mut BTreeSet<String>,
    ks: FluxKustomization,
    parent: Option<String>,
    repo: &BTreeSet<SourceRef>,
    options: &FleetOptions,
) {
    let key = ks.key();
    let status = if ks.suspend {
        Status::Skipped("suspended (spec.suspend: true)".into())
    } else if repo.contains(&ks.source_ref) || options.sources.contains_key(&ks.source_ref) {
        pending.insert(key.clone());
        Status::Pending
    } else {
        Status::Skipped(format!(
            "source {} is not this repository; map it with --source {}=PATH",
            ks.source_ref, ks.source_ref
        ))
    };
    nodes.insert(
        key,
        KsNode {
            ks,
            parent,
            status,
            resources: Vec::new(),
            kustomization_file: None,
            diagnostics: Vec::new(),
            decryption: DecryptReport::default(),
        },
    );
}

/// Marks pending nodes whose dependency failed or is blocked as blocked, until nothing changes.
fn block_dependents(nodes: &mut BTreeMap<String, KsNode>, pending: &mut BTreeSet<String>) {
    loop {
        let mut blocked = Vec::new();
        for k in pending.iter() {
            for d in &nodes[k].ks.depends_on {
                let dk = dep_key(d);
                if let Some(dep) = nodes.get(&dk)
                    && matches!(dep.status, Status::Failed | Status::Blocked(_))
                {
                    blocked.push((k.clone(), dk));
                    break;
                }
            }
        }
        if blocked.is_empty() {
            return;
        }
        for (k, by) in blocked {
            pending.remove(&k);
            if let Some(n) = nodes.get_mut(&k) {
                n.status = Status::Blocked(by);
            }
        }
    }
}

/// Whatever is still pending waits on a missing dependency or a cycle: both are errors.
fn fail_unresolved(nodes: &mut BTreeMap<String, KsNode>, pending: &mut BTreeSet<String>) {
    let stuck: Vec<String> = pending.iter().cloned().collect();
    for k in &stuck {
        let missing: Vec<_> = nodes[k]
            .ks
            .depends_on
            .iter()
            .filter(|d| !nodes.contains_key(&dep_key(d)))
            .cloned()
            .collect();
        if missing.is_empty() {
            continue;
        }
        let Some(node) = nodes.get_mut(k) else {
            continue;
        };
        for d in missing {
            node.diagnostics.push(
                Diagnostic::at(
                    format!("dependsOn {} not found in this cluster", dep_key(&d)),
                    &node.ks.origin.file,
                    d.pos,
                )
                .with_hint("check the name and namespace (dependsOn defaults to the Kustomization's own namespace)")
                .with_code(Code::FluxMissingDependency),
            );
        }
        node.status = Status::Failed;
        pending.remove(k);
    }
    block_dependents(nodes, pending);
    // The rest form or wait on cycles.
    let stuck: Vec<String> = pending.iter().cloned().collect();
    for k in &stuck {
        if let Some(cycle) = find_cycle(nodes, pending, k) {
            let Some(node) = nodes.get_mut(k) else {
                continue;
            };
            node.diagnostics.push(
                Diagnostic::at(
                    format!("dependsOn cycle: {}", cycle.join(" -> ")),
                    &node.ks.origin.file,
                    node.ks.origin.pos,
                )
                .with_hint("Flux never reconciles Kustomizations that wait on each other; remove one dependsOn edge")
                .with_code(Code::FluxDependencyCycle),
            );
            node.status = Status::Failed;
        }
    }
    for k in &stuck {
        if nodes[k].status == Status::Failed {
            pending.remove(k);
        }
    }
    block_dependents(nodes, pending);
    for k in std::mem::take(pending) {
        if let Some(n) = nodes.get_mut(&k) {
            n.status = Status::Blocked("a dependency cycle".into());
        }
    }
}

/// A path from `start` back to itself through pending dependencies, if there is one.
fn find_cycle(
    nodes: &BTreeMap<String, KsNode>,
    pending: &BTreeSet<String>,
    start: &str,
) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((k, path)) = stack.pop() {
        for d in &nodes.get(&k)?.ks.depends_on {
            let dk = dep_key(d);
            if dk == start {
                let mut p = path.clone();
                p.push(dk);
                return Some(p);
            }
            if pending.contains(&dk) && seen.insert(dk.clone()) {
                let mut p = path.clone();
                p.push(dk.clone());
                stack.push((dk, p));
            }
        }
    }
    None
}

/// Apply waves: each Kustomization's wave is one more than the deepest of its dependencies and
/// of the parent Kustomization that applies it (a child cannot reconcile before it exists).
pub fn waves(cluster: &ClusterRender) -> Vec<Vec<String>> {
    let mut level: BTreeMap<&str, usize> = BTreeMap::new();
    let keys: Vec<&String> = cluster.nodes.keys().collect();
    // Bellman-style relaxation, bounded by the node count (cycles stop growing).
    for _ in 0..=keys.len() {
        let mut changed = false;
        for k in &keys {
            let node = &cluster.nodes[*k];
            let parent = node
                .parent
                .as_deref()
                .and_then(|p| level.get(p))
                .map(|l| l + 1);
            let l = node
                .ks
                .depends_on
                .iter()
                .filter_map(|d| level.get(dep_key(d).as_str()).map(|l| l + 1))
                .chain(parent)
                .max()
                .unwrap_or(0)
                .min(keys.len());
            if level.get(k.as_str()) != Some(&l) {
                level.insert(k.as_str(), l);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for (k, l) in level {
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(k.to_owned());
    }
    out.retain(|w| !w.is_empty());
    out
}
