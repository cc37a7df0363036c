//! One cluster's render indexed for the rules: every rendered object with the Kustomization that
//! applies it, and the Kustomization objects themselves.

use std::path::Path;

use crate::check::finding::{Finding, ignored_rules};
use crate::check::rule::Rule;
use crate::flux::api::{FluxKustomization, is_flux_kustomization};
use crate::flux::graph::{ClusterRender, KsNode, Status};
use crate::resource::Resource;

/// A cluster's rendered objects, in Kustomization order.
pub struct ClusterIndex<'a> {
    /// The cluster.
    pub cluster: &'a ClusterRender,
    /// Every rendered object and the key of the Kustomization applying it.
    pub objects: Vec<(&'a str, &'a Resource)>,
    /// The repository root (messages name files relative to it).
    pub root: &'a Path,
}

impl<'a> ClusterIndex<'a> {
    /// Indexes `cluster` of the repository at `root`.
    pub fn new(cluster: &'a ClusterRender, root: &'a Path) -> ClusterIndex<'a> {
        let objects = cluster
            .nodes
            .iter()
            .flat_map(|(k, n)| n.resources.iter().map(move |r| (k.as_str(), r)))
            .collect();
        ClusterIndex {
            cluster,
            objects,
            root,
        }
    }

    /// The cluster's name.
    pub fn name(&self) -> &'a str {
        &self.cluster.name
    }

    /// Whether some Kustomization of the cluster did not render (its objects are unknown).
    pub fn incomplete(&self) -> bool {
        self.cluster
            .nodes
            .values()
            .any(|n| n.status != Status::Rendered)
    }

    /// The rendered object that defines Kustomization `ks` (for its ignore annotation).
    pub fn kustomization_object(&self, ks: &FluxKustomization) -> Option<&'a Resource> {
        self.objects.iter().map(|(_, r)| *r).find(|r| {
            is_flux_kustomization(r)
                && r.name() == ks.name
                && (r.namespace() == ks.namespace
                    || (r.namespace().is_empty() && ks.namespace == "default"))
        })
    }

    /// A finding about Kustomization `node`, located at its definition.
    pub fn ks_finding(&self, rule: &'static Rule, node: &KsNode, message: String) -> Finding {
        let mut f = Finding::new(rule, self.name(), message)
            .in_kustomization(node.ks.key())
            .at(&node.ks.origin.file, node.ks.origin.pos);
        if let Some(r) = self.kustomization_object(&node.ks) {
            f.ignored_by_object = ignored_rules(r);
        }
        f
    }

    /// A finding about object `r` applied by Kustomization `ks`.
    pub fn object_finding(
        &self,
        rule: &'static Rule,
        ks: &str,
        r: &Resource,
        message: String,
    ) -> Finding {
        Finding::new(rule, self.name(), message)
            .in_kustomization(ks)
            .on_object(r)
    }
}
