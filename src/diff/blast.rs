//! The blast radius: which changed source directories reach which clusters. A changed file is
//! attributed to a changed Kustomization when one of its objects (on either side) was read from
//! that file or from a file beside it (the same kustomization directory: patches, generator
//! inputs, the kustomization file), when a generator configured in it made one of the objects,
//! or when the file lies under the Kustomization's `spec.path`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{Change, ClusterDiff};
use crate::flux::graph::{ClusterRender, KsNode};
use crate::source::path::{display_relative, join_clean};

/// One changed source directory and the clusters it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceImpact {
    /// The directory, relative to the repository (`.` for the top).
    pub path: String,
    /// The changed files in it (relative to the repository), sorted.
    pub files: Vec<String>,
    /// The clusters whose render it changes, sorted.
    pub clusters: Vec<String>,
    /// How many clusters either revision has (the "of N").
    pub of: usize,
}

/// The files and directories one Kustomization's render came from.
#[derive(Default)]
struct Inputs {
    files: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    spec_dirs: Vec<PathBuf>,
}

impl Inputs {
    fn add(&mut self, node: &KsNode, root: &Path) {
        for r in &node.resources {
            let mut note = |f: &Path| {
                self.files.insert(f.to_path_buf());
                if let Some(d) = f.parent() {
                    self.dirs.insert(d.to_path_buf());
                }
            };
            note(&r.origin.file);
            if let Some((f, _)) = &r.book.generated_by {
                note(f);
            }
        }
        self.spec_dirs.push(join_clean(root, &node.ks.path));
    }

    fn reaches(&self, file: &Path) -> bool {
        self.files.contains(file)
            || file.parent().is_some_and(|d| self.dirs.contains(d))
            || self.spec_dirs.iter().any(|d| file.starts_with(d))
    }
}

/// Groups `changed` files by directory and finds the clusters each group changes, the groups
/// reaching most clusters first (then by path). Groups that reach no cluster are left out.
pub fn impacts(
    diffs: &[ClusterDiff],
    pairs: &[(Option<&ClusterRender>, Option<&ClusterRender>)],
    changed: &[PathBuf],
    root: &Path,
) -> Vec<SourceImpact> {
    let of = pairs.len();
    let mut groups: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (diff, (base, head)) in diffs.iter().zip(pairs) {
        if diff.change == Change::Unchanged {
            continue;
        }
        let mut inputs = Inputs::default();
        for k in &diff.kustomizations {
            for c in [base, head].into_iter().flatten() {
                if let Some(n) = c.nodes.get(&k.key) {
                    inputs.add(n, root);
                }
            }
        }
        for file in changed.iter().filter(|f| inputs.reaches(f)) {
            let dir = display_relative(file.parent().unwrap_or(root), root);
            let entry = groups.entry(dir).or_default();
            entry.0.insert(display_relative(file, root));
            entry.1.insert(diff.name.clone());
        }
    }
    let mut out: Vec<SourceImpact> = groups
        .into_iter()
        .map(|(path, (files, clusters))| SourceImpact {
            path,
            files: files.into_iter().collect(),
            clusters: clusters.into_iter().collect(),
            of,
        })
        .collect();
    out.sort_by(|a, b| {
        b.clusters
            .len()
            .cmp(&a.clusters.len())
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}
