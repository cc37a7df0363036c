//! Kubernetes resources as kustomize sees them: identity, scope and output order.

pub mod id;
pub mod scope;
pub mod selector;
pub mod sort;

use std::path::Path;
use std::sync::Arc;

use crate::yaml::{Node, Pos, Value};

pub use id::{Gvk, ResId};

/// Where a resource was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (absolute path, as read).
    pub file: Arc<Path>,
    /// Zero-based index of the document in the file.
    pub doc_index: usize,
    /// Position of the resource's root node.
    pub pos: Pos,
}

/// One Kubernetes object: its YAML tree (a mapping), where it came from, and kustomize's
/// build-time bookkeeping (which kustomize keeps in `internal.config.kubernetes.io/*` annotations).
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The object.
    pub node: Node,
    /// Its source.
    pub origin: Origin,
    /// Build bookkeeping, never printed.
    pub book: Bookkeeping,
    /// Key paths (mapping keys from the root; list items share their list's path) of values
    /// decrypted from SOPS: output masks them unless secrets are shown.
    pub secret_paths: Vec<Vec<String>>,
}

/// A previous identity of a resource: kind, name and namespace before a transformer renamed it
/// (group and version are always the current ones, as in kustomize's `PrevIds`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PrevId {
    /// Kind before the change.
    pub kind: String,
    /// Name before the change.
    pub name: String,
    /// Namespace before the change ("" when none).
    pub namespace: String,
}

/// kustomize's build annotations, as data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bookkeeping {
    /// Earlier ids, oldest first (`previousNames`/`previousKinds`/`previousNamespaces`).
    pub prev_ids: Vec<PrevId>,
    /// Name prefixes applied, innermost layer first (`prefixes`).
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost layer first (`suffixes`).
    pub suffixes: Vec<String>,
    /// A generated object whose name gets the content hash at the end (`needsHashSuffix`).
    pub needs_hash: bool,
    /// Ids of the resources that refer to this one (`refBy`), as their `ResId` strings.
    pub ref_by: Vec<String>,
    /// For generated objects: the kustomization file and the generator kind that made it
    /// (the `configuredIn`/`configuredBy` of the origin annotation).
    pub generated_by: Option<(std::path::PathBuf, String)>,
    /// For objects made by a plugin config of `generators:`: that config's `metadata.name` and
    /// `metadata.namespace` (the `configuredBy.name`/`namespace` of the origin annotation).
    pub generator_name: Option<(String, String)>,
    /// Names of the `vars` whose objref picked this object (`refVarNames`).
    pub ref_var_names: Vec<String>,
    /// kustomize's origin path, built from the `resources`/`components` entries joined from the
    /// top-level directory: the file an object was read from (`config.kubernetes.io/origin`
    /// `path`), or for a generated object the file that configured its generator
    /// (`configuredIn`), when known.
    pub origin_path: Option<String>,
    /// The text last written to the object's `alpha.config.kubernetes.io/transformations`
    /// annotation (a cache: the annotation itself is the record, as in kustomize).
    pub transformations: String,
    /// The origin kustomize gives an object whose origin annotation a transformer removed: the
    /// next transformer's (`AddTransformerAnnotation` sets it instead of recording a transformation).
    pub origin_override: Option<crate::kustomize::transformations::Transformation>,
}

impl Resource {
    /// The resource's id from its current apiVersion, kind, name and namespace.
    pub fn id(&self) -> ResId {
        ResId::of(&self.node)
    }

    /// Makes a resource read from a file, with empty bookkeeping.
    pub fn new(node: Node, origin: Origin) -> Resource {
        Resource {
            node,
            origin,
            book: Bookkeeping::default(),
            secret_paths: Vec::new(),
        }
    }

    /// The earlier ids, as full ids (current group and version).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.id().gvk;
        self.book
            .prev_ids
            .iter()
            .map(|p| ResId {
                gvk: Gvk {
                    kind: p.kind.clone(),
                    ..gvk.clone()
                },
                name: p.name.clone(),
                namespace: p.namespace.clone(),
            })
            .collect()
    }

    /// The original id: the first previous id, or the current one (kustomize's `OrgId`).
    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.id())
    }

    /// Every id the resource has had: previous ids then the current one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.prev_ids();
        ids.push(self.id());
        ids
    }

    /// Records the current kind, name and namespace as a previous id (`StorePreviousId`).
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        self.book.prev_ids.push(PrevId {
            kind: id.gvk.kind,
            name: id.name,
            namespace: id.namespace,
        });
    }

    /// Sets `metadata.name`, creating `metadata` when needed.
    pub fn set_name(&mut self, name: &str) {
        self.set_metadata_string("name", name);
    }

    /// Sets `metadata.namespace`, creating `metadata` when needed.
    pub fn set_namespace(&mut self, namespace: &str) {
        self.set_metadata_string("namespace", namespace);
    }

    fn set_metadata_string(&mut self, key: &str, value: &str) {
        let Value::Map(root) = &mut self.node.value else {
            return;
        };
        if root.get("metadata").is_none_or(|m| m.as_map().is_none()) {
            root.insert("metadata", Node::new(Value::Map(Default::default())));
        }
        if let Some(meta) = root.get_mut("metadata").and_then(Node::as_map_mut) {
            match meta.get_mut(key) {
                Some(slot) => slot.value = Value::Str(value.to_owned()),
                None => meta.insert(key, Node::string(value)),
            }
        }
    }

    /// `metadata.namespace`, or "" when absent.
    pub fn namespace(&self) -> &str {
        str_at(&self.node, &["metadata", "namespace"])
    }

    /// A label value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.node
            .get_path(&["metadata", "labels", key])
            .and_then(Node::as_str)
    }

    /// `metadata.labels` as string pairs (non-string values are skipped).
    pub fn labels(&self) -> Vec<(&str, &str)> {
        string_pairs(self.node.get_path(&["metadata", "labels"]))
    }

    /// `metadata.annotations` as string pairs (non-string values are skipped).
    pub fn annotations(&self) -> Vec<(&str, &str)> {
        string_pairs(self.node.get_path(&["metadata", "annotations"]))
    }

    /// `metadata.<field>` (labels or annotations) as kyaml's `GetLabels`/`GetAnnotations` read
    /// it: every scalar value as its text, e.g. `note: 79394` is `("note", "79394")`.
    pub fn meta_text_pairs(&self, field: &str) -> Vec<(String, String)> {
        let Some(Value::Map(m)) = self.node.get_path(&["metadata", field]).map(|n| &n.value) else {
            return Vec::new();
        };
        m.entries
            .iter()
            .filter_map(|(k, v)| Some((k.text()?.into_owned(), v.text()?.into_owned())))
            .collect()
    }

    /// `kind`, or "" when absent.
    pub fn kind(&self) -> &str {
        str_at(&self.node, &["kind"])
    }

    /// `metadata.name`, or "" when absent.
    pub fn name(&self) -> &str {
        str_at(&self.node, &["metadata", "name"])
    }
}

fn string_pairs(node: Option<&Node>) -> Vec<(&str, &str)> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `metadata.<field>.<key>` (labels, annotations) to a string, creating the maps as needed
/// (a non-map value in their place is replaced).
pub fn set_metadata_entry(node: &mut Node, field: &str, key: &str, value: &str) {
    let Value::Map(root) = &mut node.value else {
        return;
    };
    let Some(meta) = ensure_map(root, "metadata") else {
        return;
    };
    if let Some(map) = ensure_map(meta, field) {
        map.insert(key, Node::string(value));
    }
}

/// The mapping under `key`, created (or replacing a non-map value) when needed.
pub fn ensure_map<'m>(
    map: &'m mut crate::yaml::Mapping,
    key: &str,
) -> Option<&'m mut crate::yaml::Mapping> {
    if map.get(key).is_none_or(|n| n.as_map().is_none()) {
        map.insert(key, Node::new(Value::Map(crate::yaml::Mapping::default())));
    }
    map.get_mut(key).and_then(Node::as_map_mut)
}

/// A scalar's text as kyaml reads it into a string field: "" when absent, null or a collection.
pub fn scalar_text(node: Option<&Node>) -> String {
    match node {
        Some(n) if !n.is_null() => n.text().map(|t| t.into_owned()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The string at a path of mapping keys, or "" when absent or not a string.
pub fn str_at<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    match node.get_path(path).map(|n| &n.value) {
        Some(Value::Str(s)) => s,
        _ => "",
    }
}
