//! Kubernetes resources as kustomize sees them: identity, scope and output order.

pub mod id;
pub mod scope;
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

/// One Kubernetes object: its YAML tree (a mapping) and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The object.
    pub node: Node,
    /// Its source.
    pub origin: Origin,
}

impl Resource {
    /// The resource's id from its current apiVersion, kind, name and namespace.
    pub fn id(&self) -> ResId {
        ResId::of(&self.node)
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

/// The string at a path of mapping keys, or "" when absent or not a string.
pub fn str_at<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    match node.get_path(path).map(|n| &n.value) {
        Some(Value::Str(s)) => s,
        _ => "",
    }
}
