//! Where `substituteFrom` objects come from: the ConfigMaps and Secrets a cluster rendered
//! before the Kustomization (what Flux finds in the cluster), by kind, namespace and name.

use std::collections::BTreeMap;

use super::graph::KsNode;
use super::postbuild::{SubstituteRef, object_data};
use crate::resource::Resource;

/// The ConfigMaps and Secrets rendered so far in a cluster, by kind, namespace and name.
pub struct SubstituteObjects<'a> {
    by_id: BTreeMap<(&'static str, String, String), &'a Resource>,
}

impl<'a> SubstituteObjects<'a> {
    /// Indexes the objects of every rendered node.
    pub fn of(nodes: &'a BTreeMap<String, KsNode>) -> Self {
        let mut by_id = BTreeMap::new();
        for r in nodes.values().flat_map(|n| n.resources.iter()) {
            let kind = match r.kind() {
                "ConfigMap" => "ConfigMap",
                "Secret" => "Secret",
                _ => continue,
            };
            let ns = match r.namespace() {
                "" => "default".to_owned(),
                ns => ns.to_owned(),
            };
            by_id.entry((kind, ns, r.name().to_owned())).or_insert(r);
        }
        SubstituteObjects { by_id }
    }

    /// Flux looks `substituteFrom` objects up in the Kustomization's own namespace.
    pub fn find(&self, namespace: &str, r: &SubstituteRef) -> Option<BTreeMap<String, String>> {
        let key = (r.kind.as_str(), namespace.to_owned(), r.name.clone());
        let res = self.by_id.get(&(key.0, key.1, key.2))?;
        object_data(r.kind, &res.node).ok()
    }
}
