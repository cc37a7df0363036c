//! `--schema-dir`: schemas for kinds the embedded ones and the fleet's CRDs do not cover.
//!
//! Every file under the directory (recursively, in name order) is read:
//! - `*.yaml`, `*.yml`: CustomResourceDefinition documents (other documents are skipped); each
//!   served version's `openAPIV3Schema` is registered, as for CRDs found in the fleet.
//! - `*.json`: one JSON schema per file (local `#/definitions/..` and `#/$defs/..` references are
//!   followed). Its kinds come from `x-kubernetes-group-version-kind` when the schema has it,
//!   otherwise from the name in kubeconform's CRD-catalog convention `GROUP/KIND_VERSION.json`
//!   (`kustomize.toolkit.fluxcd.io/kustomization_v1.json`; the kind is matched without case,
//!   and a file directly in the directory matches the kind in any group).
//!
//! Other files are ignored.

use std::path::Path;

use super::SchemaSet;
use super::crd::is_crd;
use super::error::SchemaError;
use crate::resource::Gvk;
use crate::source::{EntryKind, Tree};
use crate::yaml::{Limits, Node, parse_stream};

/// Where a JSON schema file says it applies.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Exact kinds from `x-kubernetes-group-version-kind`.
    Exact(Vec<Gvk>),
    /// From the file name: group (`None`: any group), version, lower-case kind.
    Named {
        group: Option<String>,
        version: String,
        kind: String,
    },
}

/// Loads every schema file under `dir` into `set`; returns how many kinds were registered.
pub(crate) fn load_dir(
    set: &mut SchemaSet,
    tree: &dyn Tree,
    dir: &Path,
) -> Result<usize, SchemaError> {
    if tree.kind(dir) != Some(EntryKind::Dir) {
        return Err(SchemaError::new(format!(
            "schema directory {} does not exist or is not a directory",
            dir.display()
        ))
        .with_hint("pass --schema-dir a directory of CRD YAML files or JSON schemas"));
    }
    walk(set, tree, dir, dir)
}

fn walk(
    set: &mut SchemaSet,
    tree: &dyn Tree,
    root: &Path,
    dir: &Path,
) -> Result<usize, SchemaError> {
    let entries = tree
        .read_dir(dir)
        .map_err(|e| SchemaError::new(format!("cannot list {}: {e}", dir.display())))?;
    let mut count = 0;
    for (name, kind) in entries {
        let path = dir.join(&name);
        match kind {
            EntryKind::Dir => count += walk(set, tree, root, &path)?,
            EntryKind::File if name.ends_with(".yaml") || name.ends_with(".yml") => {
                count += load_yaml(set, tree, &path)?
            }
            EntryKind::File if name.ends_with(".json") => {
                count += load_json(set, tree, root, &path)?
            }
            EntryKind::File => {}
        }
    }
    Ok(count)
}

fn read(tree: &dyn Tree, path: &Path) -> Result<Vec<Node>, SchemaError> {
    let text = tree
        .read_to_string(path)
        .map_err(|e| SchemaError::new(format!("cannot read {}: {e}", path.display())))?;
    let docs = parse_stream(&text, &Limits::default()).map_err(|e| {
        let err = SchemaError::at(e.message, e.pos).in_file(path);
        match e.hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    })?;
    Ok(docs.into_iter().map(|d| d.root).collect())
}

fn load_yaml(set: &mut SchemaSet, tree: &dyn Tree, path: &Path) -> Result<usize, SchemaError> {
    let mut count = 0;
    for doc in read(tree, path)? {
        if is_crd(&doc) {
            count += set.add_crd(&doc).map_err(|e| e.in_file(path))?;
        }
    }
    Ok(count)
}

fn load_json(
    set: &mut SchemaSet,
    tree: &dyn Tree,
    root: &Path,
    path: &Path,
) -> Result<usize, SchemaError> {
    let Some(schema) = read(tree, path)?.into_iter().next() else {
        return Ok(0);
    };
    let target = target(&schema, root, path).map_err(|e| e.in_file(path))?;
    let source = format!(
        "schema {}",
        path.strip_prefix(root).unwrap_or(path).display()
    );
    set.add_schema(&schema, target, source)
        .map_err(|e| e.in_file(path))
}

/// The kinds a JSON schema file applies to.
pub(crate) fn target(schema: &Node, root: &Path, path: &Path) -> Result<Target, SchemaError> {
    if let Some(list) = schema
        .get("x-kubernetes-group-version-kind")
        .and_then(Node::as_seq)
    {
        let text = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
        let gvks: Vec<Gvk> = list
            .iter()
            .map(|n| Gvk {
                group: text(n, "group"),
                version: text(n, "version"),
                kind: text(n, "kind"),
            })
            .filter(|g| !g.version.is_empty() && !g.kind.is_empty())
            .collect();
        if !gvks.is_empty() {
            return Ok(Target::Exact(gvks));
        }
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let Some((kind, version)) = stem
        .rsplit_once('_')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
    else {
        return Err(SchemaError::new(format!(
            "cannot tell which kind the schema {} is for",
            path.display()
        ))
        .with_hint(
            "name it GROUP/KIND_VERSION.json (kubeconform's CRD catalog) or give it \
             x-kubernetes-group-version-kind",
        ));
    };
    let group = path
        .parent()
        .filter(|p| *p != root)
        .and_then(|p| p.file_name())
        .and_then(|g| g.to_str())
        .map(str::to_owned);
    Ok(Target::Named {
        group,
        version: version.to_owned(),
        kind: kind.to_lowercase(),
    })
}
