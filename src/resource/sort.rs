//! kustomize's output orders: FIFO (accumulation order) and the legacy kind ranking.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::{Gvk, ResId, Resource};

/// Kinds placed first by the legacy order, in this order.
pub const DEFAULT_ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds placed last by the legacy order, in this order.
pub const DEFAULT_ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The kind lists of a legacy sort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyOrder {
    /// Kinds that go first, in order.
    pub order_first: Vec<String>,
    /// Kinds that go last, in order.
    pub order_last: Vec<String>,
}

impl Default for LegacyOrder {
    fn default() -> Self {
        LegacyOrder {
            order_first: DEFAULT_ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            order_last: DEFAULT_ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// How to order the final resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortOrder {
    /// Accumulation order (what Flux uses).
    Fifo,
    /// kustomize's legacy ranking by kind, then GVK, namespace and name.
    Legacy(LegacyOrder),
}

/// Sorts resources in place.
pub fn sort_resources(resources: &mut Vec<Resource>, order: &SortOrder) {
    let SortOrder::Legacy(legacy) = order else {
        return;
    };
    let mut ranks: HashMap<&str, i64> = HashMap::new();
    let first_len = legacy.order_first.len() as i64;
    for (i, k) in legacy.order_first.iter().enumerate() {
        ranks.insert(k, i as i64 - first_len);
    }
    for (i, k) in legacy.order_last.iter().enumerate() {
        ranks.insert(k, 1 + i as i64);
    }
    let mut keyed: Vec<(SortKey, Resource)> = std::mem::take(resources)
        .into_iter()
        .map(|r| (SortKey::new(r.id(), &ranks), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| a.compare(b));
    *resources = keyed.into_iter().map(|(_, r)| r).collect();
}

/// Precomputed comparison data of one resource (kustomize's `legacyIDSorter`).
struct SortKey {
    gvk: Gvk,
    rank: i64,
    gvk_string: String,
    id_string: String,
}

impl SortKey {
    fn new(id: ResId, ranks: &HashMap<&str, i64>) -> SortKey {
        let rank = ranks.get(id.gvk.kind.as_str()).copied().unwrap_or(0);
        SortKey {
            rank,
            gvk_string: gvk_sort_string(&id.gvk),
            id_string: id_sort_string(&id),
            gvk: id.gvk,
        }
    }

    fn compare(&self, other: &SortKey) -> Ordering {
        if self.gvk == other.gvk {
            return self.id_string.cmp(&other.id_string);
        }
        if self.rank != other.rank {
            return self.rank.cmp(&other.rank);
        }
        let ord = self.gvk_string.cmp(&other.gvk_string);
        let (a, b) = (&self.gvk, &other.gvk);
        if a.kind == "Namespace"
            && b.kind == "Namespace"
            && (a.group.is_empty() || b.group.is_empty())
        {
            ord.reverse()
        } else {
            ord
        }
    }
}

fn gvk_sort_string(g: &Gvk) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

fn id_sort_string(id: &ResId) -> String {
    let ns = if id.namespace.is_empty() {
        "~X"
    } else {
        &id.namespace
    };
    let name = if id.name.is_empty() { "~N" } else { &id.name };
    format!("{}|{}|{}", id.gvk, ns, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use crate::yaml::{Limits, parse_stream};

    fn resources(src: &str) -> Vec<Resource> {
        parse_stream(src, &Limits::default())
            .unwrap()
            .into_iter()
            .map(|d| {
                Resource::new(
                    d.root,
                    Origin {
                        file: std::path::Path::new("/t.yaml").into(),
                        doc_index: d.index,
                        pos: Default::default(),
                    },
                )
            })
            .collect()
    }

    fn order(rs: &[Resource]) -> Vec<String> {
        rs.iter()
            .map(|r| format!("{}/{}", r.kind(), r.name()))
            .collect()
    }

    #[test]
    fn legacy_order_matches_kustomize() {
        // The verified example of the spec (kustomize v5.5.0).
        let mut rs = resources(
            "kind: ValidatingWebhookConfiguration\napiVersion: admissionregistration.k8s.io/v1\nmetadata: {name: vwc}\n---\n\
             kind: Zebra\napiVersion: example.com/v1\nmetadata: {name: z}\n---\n\
             kind: Apple\napiVersion: example.com/v1\nmetadata: {name: a}\n---\n\
             kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d2, namespace: ns2}\n---\n\
             kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d1, namespace: ns2}\n---\n\
             kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d3}\n---\n\
             kind: Namespace\napiVersion: v1\nmetadata: {name: ns}\n---\n\
             kind: Pod\napiVersion: v1\nmetadata: {name: p}\n---\n\
             kind: Job\napiVersion: batch/v1\nmetadata: {name: j}\n---\n\
             kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n",
        );
        sort_resources(&mut rs, &SortOrder::Legacy(LegacyOrder::default()));
        assert_eq!(
            order(&rs),
            [
                "Namespace/ns",
                "ConfigMap/c",
                "Deployment/d1",
                "Deployment/d2",
                "Deployment/d3",
                "Job/j",
                "Apple/a",
                "Zebra/z",
                "Pod/p",
                "ValidatingWebhookConfiguration/vwc"
            ]
        );
    }

    #[test]
    fn fifo_keeps_order() {
        let mut rs = resources("kind: B\nmetadata: {name: b}\n---\nkind: A\nmetadata: {name: a}\n");
        sort_resources(&mut rs, &SortOrder::Fifo);
        assert_eq!(order(&rs), ["B/b", "A/a"]);
    }
}
