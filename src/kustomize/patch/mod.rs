//! Patches: `patchesStrategicMerge`, `patches` and `patchesJson6902` (kustomize's
//! PatchStrategicMergeTransformer, PatchTransformer and PatchJson6902Transformer).

mod elements;
pub mod entries;
pub mod jsonpatch;
pub mod merge;
pub mod schema;

use crate::diagnostic::{Diagnostic, Location};
use crate::resource::Resource;
use crate::yaml::{Node, Value};

use super::kustomization::Kustomization;
use super::loader::Loader;
use entries::{
    Content, PatchEntry, parse_json6902_entries, parse_patch_entries, parse_psm_entries,
};

/// Runs `patchesStrategicMerge` (all entries, one transformer; first in a layer's transformers).
pub fn apply_patches_strategic_merge(
    kust: &Kustomization,
    loader: &Loader,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patchesStrategicMerge") else {
        return Ok(());
    };
    let patches = parse_psm_entries(node, kust, loader)?;
    for (patch, at) in patches {
        apply_by_id(&patch, resources, &at, false, false)?;
    }
    Ok(())
}

/// Runs each `patches` entry in order (after `patchesStrategicMerge`, before the namespace).
pub fn apply_patches(
    kust: &Kustomization,
    loader: &Loader,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patches") else {
        return Ok(());
    };
    for entry in parse_patch_entries(node, kust, loader)? {
        apply_entry(&entry, resources)?;
    }
    Ok(())
}

/// Runs each `patchesJson6902` entry in order (after labels and annotations).
pub fn apply_patches_json6902(
    kust: &Kustomization,
    loader: &Loader,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patchesJson6902") else {
        return Ok(());
    };
    for entry in parse_json6902_entries(node, kust, loader)? {
        apply_entry(&entry, resources)?;
    }
    Ok(())
}

fn apply_entry(entry: &PatchEntry, resources: &mut Vec<Resource>) -> Result<(), Diagnostic> {
    let at = &entry.at;
    match &entry.content {
        Content::Json(ops) => {
            let Some(sel) = &entry.target else {
                return Err(diag(
                    at,
                    format!(
                        "must specify a target for JSON patch [patch: {:?}]",
                        entry.text
                    ),
                )
                .with_hint("JSON 6902 patches need `target:` naming the objects to patch"));
            };
            for r in resources.iter_mut().filter(|r| sel.matches(r)) {
                r.store_previous_id();
                json_patch_resource(r, ops).map_err(|e| {
                    diag(at, e.to_string())
                        .with_hint("JSON patch paths must exist for remove, replace and test; check the target object")
                })?;
            }
            Ok(())
        }
        Content::Strategic(patches) => match &entry.target {
            None => {
                for p in patches {
                    apply_by_id(p, resources, at, entry.allow_name, entry.allow_kind)?;
                }
                Ok(())
            }
            Some(sel) => {
                let Some(p) = patches.first() else {
                    return Ok(());
                };
                let ids: Vec<_> = resources
                    .iter()
                    .filter(|r| sel.matches(r))
                    .map(Resource::id)
                    .collect();
                apply_to_ids(p, resources, &ids, at, entry.allow_name, entry.allow_kind)
            }
        },
    }
}

/// Applies JSON patch operations to a resource. During a kustomize build every object carries
/// internal annotations, so `metadata.annotations` always exists for the patch; an annotations
/// map left empty is removed with them at the end.
fn json_patch_resource(r: &mut Resource, ops: &[jsonpatch::Op]) -> Result<(), String> {
    if let Some(m) = metadata_mut(&mut r.node)
        && m.get("annotations").is_none()
    {
        m.insert("annotations", Node::new(Value::Map(Default::default())));
    }
    let result = jsonpatch::apply(&mut r.node, ops);
    if let Some(m) = metadata_mut(&mut r.node) {
        let empty = match m.get_mut("annotations").map(|a| &mut a.value) {
            Some(Value::Map(a)) => {
                // kustomize re-reads annotations as strings when it restores its own
                for (_, v) in a.entries.iter_mut() {
                    if !matches!(v.value, Value::Null | Value::Map(_) | Value::Seq(_)) {
                        v.value = Value::Str(merge::scalar_text(v));
                    }
                }
                a.is_empty()
            }
            _ => false,
        };
        if empty {
            m.remove("annotations");
        }
    }
    result
}

fn metadata_mut(n: &mut Node) -> Option<&mut crate::yaml::Mapping> {
    n.as_map_mut()?.get_mut("metadata")?.as_map_mut()
}

fn diag(at: &Location, msg: String) -> Diagnostic {
    Diagnostic::at(msg, &at.file, at.pos)
}

/// SMP without a target: the unique resource having the patch's id among its current and
/// previous ids (kustomize `GetById(patch.OrgId())`).
fn apply_by_id(
    patch: &Resource,
    resources: &mut Vec<Resource>,
    at: &Location,
    allow_name: bool,
    allow_kind: bool,
) -> Result<(), Diagnostic> {
    let id = patch.id();
    let matches: Vec<_> = resources
        .iter()
        .filter(|r| r.all_ids().iter().any(|i| i.same_as(&id)))
        .map(Resource::id)
        .collect();
    match matches.as_slice() {
        [] => Err(diag(
            at,
            format!("no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique target for patch {id}"),
        )
        .with_hint("a strategic merge patch without `target` must name an existing object (apiVersion, kind, name, namespace)")),
        [one] => {
            let one = one.clone();
            apply_to_ids(patch, resources, &[one], at, allow_name, allow_kind)
        }
        _ => Err(diag(
            at,
            format!("multiple matches for Id {id}; failed to find unique target for patch {id}"),
        )
        .with_hint("add `target:` to select the objects explicitly")),
    }
}

/// kustomize `resWrangler.ApplySmPatch`: patches every resource whose current id is listed.
fn apply_to_ids(
    patch: &Resource,
    resources: &mut Vec<Resource>,
    ids: &[crate::resource::ResId],
    at: &Location,
    allow_name: bool,
    allow_kind: bool,
) -> Result<(), Diagnostic> {
    let mut out = Vec::with_capacity(resources.len());
    for mut r in std::mem::take(resources) {
        let cur = r.id();
        if !ids.contains(&cur) {
            out.push(r);
            continue;
        }
        let mut p = patch.node.clone();
        if let Some(m) = p.as_map_mut() {
            m.insert("apiVersion", Node::string(cur.gvk.api_version()));
        }
        let (name, ns, kind) = (
            cur.name.clone(),
            cur.namespace.clone(),
            cur.gvk.kind.clone(),
        );
        if allow_name || allow_kind {
            r.store_previous_id();
        }
        let schema = schema::Sch::for_type(&cur.gvk.api_version(), &kind);
        let merged = merge::merge(r.node.clone(), p, schema).map_err(|e| {
            diag(at, format!("applying strategic merge patch to {cur}: {e}")).with_hint(
                "the patch's structure must match the object's (a mapping where it has a mapping)",
            )
        })?;
        let Some(node) = merged.filter(|n| n.as_map().is_some_and(|m| !m.is_empty())) else {
            continue;
        };
        r.node = node;
        if !allow_kind && let Some(m) = r.node.as_map_mut() {
            m.insert("kind", Node::string(kind));
        }
        if !allow_name {
            r.set_name(&name);
        }
        set_namespace(&mut r, &ns);
        out.push(r);
    }
    *resources = out;
    Ok(())
}

/// kyaml `SetNamespace`: an empty namespace removes the field.
fn set_namespace(r: &mut Resource, ns: &str) {
    if !ns.is_empty() {
        r.set_namespace(ns);
        return;
    }
    if let Some(meta) = r.node.as_map_mut().and_then(|m| m.get_mut("metadata"))
        && let Value::Map(m) = &mut meta.value
    {
        m.remove("namespace");
    }
}
