//! The comparison itself: clusters by name, Kustomizations by key, objects by id; an object
//! that leaves one Kustomization and appears in another of the same cluster is a move.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::object::{ObjectChange, ObjectDiff, compare, object_id};
use super::{Change, ClusterDiff, Counts, FleetDiff, KsDiff, blast};
use crate::diagnostic::Diagnostic;
use crate::flux::graph::{ClusterRender, FleetRender, KsNode, Status};
use crate::redact::Redaction;
use crate::resource::Resource;
use crate::source::path::display_relative;

/// Compares two renders of the same repository. `changed_files` are the source files (absolute)
/// that differ between the revisions; they are attributed to the changed Kustomizations for the
/// blast radius. Secret values are compared and printed as `redaction` says.
pub fn diff_fleets(
    base: &FleetRender,
    head: &FleetRender,
    changed_files: &[PathBuf],
    redaction: &Redaction,
) -> Result<FleetDiff, Diagnostic> {
    let names: BTreeSet<&str> = base
        .clusters
        .iter()
        .chain(&head.clusters)
        .map(|c| c.name.as_str())
        .collect();
    let find = |f: &'_ FleetRender, n: &str| -> Option<usize> {
        f.clusters.iter().position(|c| c.name == n)
    };
    let pairs: Vec<(Option<&ClusterRender>, Option<&ClusterRender>)> = names
        .iter()
        .map(|n| {
            (
                find(base, n).map(|i| &base.clusters[i]),
                find(head, n).map(|i| &head.clusters[i]),
            )
        })
        .collect();
    let clusters = pairs
        .par_iter()
        .map(|(b, h)| diff_cluster(*b, *h, &head.root, redaction))
        .collect::<Result<Vec<_>, _>>()?;
    let sources = blast::impacts(&clusters, &pairs, changed_files, &head.root);
    let changed_files = changed_files
        .iter()
        .map(|f| display_relative(f, &head.root))
        .collect();
    Ok(FleetDiff {
        clusters,
        sources,
        changed_files,
    })
}

/// The status word of a Kustomization (`rendered`, `failed`, `blocked`, `skipped`).
pub fn status_word(n: &KsNode) -> &'static str {
    match n.status {
        Status::Pending => "pending",
        Status::Rendered => "rendered",
        Status::Failed => "failed",
        Status::Blocked(_) => "blocked",
        Status::Skipped(_) => "skipped",
    }
}

/// Objects of a cluster's rendered Kustomizations by id: which Kustomization holds each (the
/// first one, when two apply the same object).
fn holders(c: Option<&ClusterRender>) -> HashMap<String, (&str, &Resource)> {
    let mut out = HashMap::new();
    for (key, n) in c.iter().flat_map(|c| &c.nodes) {
        if n.status != Status::Rendered {
            continue;
        }
        for r in &n.resources {
            out.entry(object_id(r)).or_insert((key.as_str(), r));
        }
    }
    out
}

fn diff_cluster(
    base: Option<&ClusterRender>,
    head: Option<&ClusterRender>,
    root: &Path,
    redaction: &Redaction,
) -> Result<ClusterDiff, Diagnostic> {
    let name = head.or(base).map(|c| c.name.clone()).unwrap_or_default();
    let (in_base, in_head) = (holders(base), holders(head));
    let empty = BTreeMap::new();
    let base_nodes = base.map_or(&empty, |c| &c.nodes);
    let head_nodes = head.map_or(&empty, |c| &c.nodes);
    let keys: BTreeSet<&String> = base_nodes.keys().chain(head_nodes.keys()).collect();
    let mut kustomizations = Vec::new();
    let mut counts = Counts::default();
    for key in keys {
        let (bn, hn) = (base_nodes.get(key), head_nodes.get(key));
        let ctx = Sides {
            key,
            in_base: &in_base,
            in_head: &in_head,
            cluster: &name,
            redaction,
        };
        let objects = ctx.objects(bn, hn)?;
        let (bs, hs) = (bn.map(status_word), hn.map(status_word));
        let change = match (bn, hn) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            _ if !objects.is_empty() || bs != hs => Change::Changed,
            _ => Change::Unchanged,
        };
        let failed = hn.is_some_and(|n| matches!(n.status, Status::Failed | Status::Blocked(_)));
        if failed {
            counts.failed += 1;
        }
        if change == Change::Unchanged && !failed {
            continue;
        }
        for o in &objects {
            match o.change {
                ObjectChange::Added => counts.added += 1,
                ObjectChange::Removed => counts.removed += 1,
                ObjectChange::Changed => counts.changed += 1,
                ObjectChange::Moved { .. } => counts.moved += 1,
            }
        }
        let node = hn.or(bn);
        kustomizations.push(KsDiff {
            key: key.clone(),
            change,
            base_status: bs.map(str::to_owned),
            head_status: hs.map(str::to_owned),
            errors: hn
                .map(|n| {
                    n.diagnostics
                        .iter()
                        .map(|d| d.relative_message(root))
                        .collect()
                })
                .unwrap_or_default(),
            depends_on: node
                .map(|n| {
                    n.ks.depends_on
                        .iter()
                        .map(|d| format!("{}/{}", d.namespace, d.name))
                        .collect()
                })
                .unwrap_or_default(),
            objects,
        });
    }
    let change = match (base, head) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        _ if kustomizations.iter().any(|k| k.change != Change::Unchanged) => Change::Changed,
        _ => Change::Unchanged,
    };
    Ok(ClusterDiff {
        name,
        change,
        kustomizations,
        counts,
    })
}

/// The objects of a Kustomization that rendered (none otherwise).
fn rendered(n: Option<&KsNode>) -> Vec<&Resource> {
    n.filter(|n| n.status == Status::Rendered)
        .map(|n| n.resources.iter().collect())
        .unwrap_or_default()
}

/// What comparing one Kustomization's objects needs to know about its cluster.
struct Sides<'a> {
    key: &'a str,
    in_base: &'a HashMap<String, (&'a str, &'a Resource)>,
    in_head: &'a HashMap<String, (&'a str, &'a Resource)>,
    cluster: &'a str,
    redaction: &'a Redaction,
}

impl Sides<'_> {
    /// The objects of one Kustomization that differ. A Kustomization that did not render in the
    /// head revision has no object list to compare (its status says why).
    fn objects(
        &self,
        bn: Option<&KsNode>,
        hn: Option<&KsNode>,
    ) -> Result<Vec<ObjectDiff>, Diagnostic> {
        if hn.is_some_and(|n| n.status != Status::Rendered) {
            return Ok(Vec::new());
        }
        let base = rendered(bn);
        let head = rendered(hn);
        let base_ids: HashMap<String, &Resource> =
            base.iter().rev().map(|r| (object_id(r), *r)).collect();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for h in &head {
            let id = object_id(h);
            if !seen.insert(id.clone()) {
                continue;
            }
            let label = format!("{}/{}/{id}", self.cluster, self.key);
            if let Some(b) = base_ids.get(&id) {
                out.extend(compare(Some(b), Some(h), &label, self.redaction)?);
                continue;
            }
            // Not here before: moved from another Kustomization that no longer holds it?
            let from = self.in_base.get(&id).filter(|(k, _)| {
                *k != self.key && self.in_head.get(&id).is_none_or(|(hk, _)| *hk == self.key)
            });
            match from {
                Some((from, b)) => {
                    let mut d =
                        compare(Some(b), Some(h), &label, self.redaction)?.unwrap_or_else(|| {
                            ObjectDiff {
                                id: id.clone(),
                                change: ObjectChange::Changed,
                                unified: String::new(),
                                fields: Vec::new(),
                                secret_keys: Vec::new(),
                            }
                        });
                    d.change = ObjectChange::Moved {
                        from: (*from).to_owned(),
                    };
                    out.push(d);
                }
                None => out.extend(compare(None, Some(h), &label, self.redaction)?),
            }
        }
        let head_ids: BTreeSet<String> = head.iter().map(|r| object_id(r)).collect();
        for b in &base {
            let id = object_id(b);
            if head_ids.contains(&id) || !seen.insert(id.clone()) {
                continue;
            }
            // Reported as a move by the Kustomization that holds it now.
            let moved = self.in_head.get(&id).is_some_and(|(k, _)| {
                *k != self.key && self.in_base.get(&id).is_some_and(|(bk, _)| *bk == self.key)
            });
            if moved {
                continue;
            }
            let label = format!("{}/{}/{id}", self.cluster, self.key);
            out.extend(compare(Some(b), None, &label, self.redaction)?);
        }
        Ok(out)
    }
}
