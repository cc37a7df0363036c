//! Absorbing a generated object into a layer (kustomize's `appendReplaceOrMerge`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::resource::Resource;
use crate::yaml::{Mapping, Node, Pos, Value};

use super::args::Behavior;

/// Adds `res` to `layer` according to `behavior`: a new id is appended (create) or an error
/// (merge/replace); one existing object with the id (current or any previous) is merged into or
/// replaced (create is an error); several are an error.
pub fn absorb(
    layer: &mut Layer,
    mut res: Resource,
    behavior: Behavior,
    file: &Path,
    pos: Pos,
) -> Result<(), Diagnostic> {
    let id = res.id();
    let matches: Vec<usize> = layer
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|other| other.same_as(&id)))
        .map(|(i, _)| i)
        .collect();
    let err =
        |msg: String, hint: &str| Err(Diagnostic::at(msg, file, pos).with_hint(hint.to_owned()));
    match matches.as_slice() {
        [] => match behavior {
            Behavior::Merge | Behavior::Replace => err(
                format!("id {id} does not exist; cannot merge or replace"),
                "merge and replace need an object of the same kind, name and namespace from a base or an earlier generator; use behavior create (the default) for a new object",
            ),
            Behavior::Create | Behavior::Unknown => {
                layer.resources.push(res);
                Ok(())
            }
        },
        [i] => {
            let old = &layer.resources[*i];
            match behavior {
                Behavior::Replace => copy_merge_metadata(&mut res, old),
                Behavior::Merge => {
                    copy_merge_metadata(&mut res, old);
                    merge_string_map(&mut res.node, &old.node, "data");
                    merge_string_map(&mut res.node, &old.node, "binaryData");
                }
                Behavior::Create | Behavior::Unknown => {
                    return err(
                        format!("id {id} exists; behavior must be merge or replace"),
                        "an object with this id already exists; set `behavior: merge` or `behavior: replace`, or choose another name",
                    );
                }
            }
            let generated_by = res.book.generated_by.take();
            let generator_name = res.book.generator_name.take();
            let origin_path = res.book.origin_path.take();
            res.book = Bookkeeping {
                needs_hash: old.book.needs_hash && res.book.needs_hash,
                ..old.book.clone()
            };
            if behavior == Behavior::Merge {
                // kustomize keeps the merged-into object's origin; a replacement brings its own.
                res.origin = old.origin.clone();
            } else {
                res.book.generated_by = generated_by;
                res.book.generator_name = generator_name;
                res.book.origin_path = origin_path;
            }
            layer.resources[*i] = res;
            Ok(())
        }
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|i| layer.resources[*i].id().to_string())
                .collect();
            err(
                format!(
                    "found multiple objects [{}] that could accept merge of {id}",
                    ids.join(", ")
                ),
                "give the objects distinct names or namespaces",
            )
        }
    }
}

use crate::resource::Bookkeeping;

/// kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations merged (the new object's
/// win), name and namespace taken from the old object.
fn copy_merge_metadata(res: &mut Resource, old: &Resource) {
    for field in ["labels", "annotations"] {
        let mut merged = string_map(old.node.get_path(&["metadata", field]));
        merged.extend(string_map(res.node.get_path(&["metadata", field])));
        set_meta_map(&mut res.node, field, merged);
    }
    res.set_name(old.name());
    let ns = old.namespace().to_owned();
    if ns.is_empty() {
        if let Some(meta) = res
            .node
            .as_map_mut()
            .and_then(|m| m.get_mut("metadata"))
            .and_then(Node::as_map_mut)
        {
            meta.remove("namespace");
        }
    } else {
        res.set_namespace(&ns);
    }
}

/// A mapping's scalar values as text (what kyaml's `GetDataMap`/`GetLabels` read).
fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(map) = node.and_then(Node::as_map) {
        for (k, v) in &map.entries {
            let Some(key) = k.as_str() else { continue };
            out.insert(key.to_owned(), scalar_text(v));
        }
    }
    out
}

/// A scalar's text as written (`30000000000.0`, `0x1F`, `True`); "" for a null or a
/// collection.
fn scalar_text(v: &Node) -> String {
    if v.is_null() {
        return String::new();
    }
    v.text().map(|t| t.into_owned()).unwrap_or_default()
}

fn string_mapping(m: BTreeMap<String, String>) -> Mapping {
    let mut out = Mapping::default();
    for (k, v) in m {
        out.insert(&k, Node::string(v));
    }
    out
}

/// Replaces `metadata.<field>` with the map, removing it when empty.
fn set_meta_map(node: &mut Node, field: &str, m: BTreeMap<String, String>) {
    let Some(root) = node.as_map_mut() else {
        return;
    };
    if root.get("metadata").and_then(Node::as_map).is_none() {
        root.insert("metadata", Node::new(Value::Map(Mapping::default())));
    }
    let Some(meta) = root.get_mut("metadata").and_then(Node::as_map_mut) else {
        return;
    };
    meta.remove(field);
    if !m.is_empty() {
        meta.insert(field, Node::new(Value::Map(string_mapping(m))));
    }
}

/// `data`/`binaryData` of the old object overlaid with the new one's, as strings; the field is
/// removed when the result is empty.
fn merge_string_map(node: &mut Node, old: &Node, field: &str) {
    let mut merged = string_map(old.get(field));
    merged.extend(string_map(node.get(field)));
    let Some(root) = node.as_map_mut() else {
        return;
    };
    root.remove(field);
    if !merged.is_empty() {
        root.insert(field, Node::new(Value::Map(string_mapping(merged))));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::resource::{Origin, PrevId};
    use crate::yaml::{Limits, parse_stream};

    fn res(src: &str, needs_hash: bool) -> Resource {
        let node = parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root;
        let mut r = Resource::new(
            node,
            Origin {
                file: Arc::from(Path::new("/k/kustomization.yaml")),
                doc_index: 0,
                pos: Pos::new(1, 1),
            },
        );
        r.book.needs_hash = needs_hash;
        r
    }

    fn run(layer: &mut Layer, r: Resource, b: Behavior) -> Result<(), Diagnostic> {
        absorb(
            layer,
            r,
            b,
            Path::new("/k/kustomization.yaml"),
            Pos::new(2, 3),
        )
    }

    #[test]
    fn merge_matches_a_previous_id_and_keeps_its_bookkeeping() {
        let mut layer = Layer::default();
        let mut base = res(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-cfg\n  labels: {a: base, b: base}\ndata:\n  x: \"1\"\n  y: 2\nimmutable: true\n",
            true,
        );
        base.book.prev_ids.push(PrevId {
            kind: "ConfigMap".into(),
            name: "cfg".into(),
            namespace: String::new(),
        });
        base.book.prefixes.push("p-".into());
        layer.resources.push(base);
        let overlay = res(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {b: overlay}\ndata:\n  x: \"2\"\n",
            false,
        );
        run(&mut layer, overlay, Behavior::Merge).unwrap();
        let r = &layer.resources[0];
        assert_eq!(r.name(), "p-cfg");
        assert_eq!(r.label("a"), Some("base"));
        assert_eq!(r.label("b"), Some("overlay"));
        assert_eq!(r.node.get_path(&["data", "x"]).unwrap().as_str(), Some("2"));
        assert_eq!(r.node.get_path(&["data", "y"]).unwrap().as_str(), Some("2"));
        assert!(
            r.node.get("immutable").is_none(),
            "the base's immutable is lost"
        );
        assert!(!r.book.needs_hash, "hash only when both sides want it");
        assert_eq!(r.book.prefixes, ["p-"]);
        assert_eq!(r.book.prev_ids.len(), 1);
    }

    #[test]
    fn behaviors_against_existing_and_missing_ids() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
        let mut layer = Layer::default();
        assert!(run(&mut layer, res(cm, true), Behavior::Merge).is_err());
        assert!(run(&mut layer, res(cm, true), Behavior::Replace).is_err());
        run(&mut layer, res(cm, true), Behavior::Unknown).unwrap();
        assert!(run(&mut layer, res(cm, true), Behavior::Create).is_err());
        assert!(run(&mut layer, res(cm, true), Behavior::Unknown).is_err());
        let replacement = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n  b: \"2\"\n";
        run(&mut layer, res(replacement, true), Behavior::Replace).unwrap();
        let r = &layer.resources[0];
        assert!(r.node.get_path(&["data", "a"]).is_none());
        assert_eq!(
            r.namespace(),
            "",
            "namespace comes from the replaced object"
        );
        assert!(r.book.needs_hash);
    }
}
