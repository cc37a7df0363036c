//! Patches: `patchesStrategicMerge`, `patches` and `patchesJson6902` (kustomize's
//! PatchStrategicMergeTransformer, PatchTransformer and PatchJson6902Transformer).

mod elements;
pub mod entries;
pub mod jsonpatch;
pub mod merge;
pub mod schema;
pub mod yaml11;

use crate::diagnostic::{Diagnostic, Location};
use crate::resource::Resource;
use crate::yaml::{Node, Pos, Value};

use super::kustomization::Kustomization;
use super::loader::Loader;
use entries::{
    Content, PatchEntry, parse_json6902_entries, parse_patch_entries, parse_psm_entries,
};

/// The schema strategic merge patches use in one build: kustomize's global `openapi`
/// setting. The top-level kustomization's value applies; without one, the first kustomization
/// (in accumulation order) that sets it wins from then on.
///
/// kyaml adds a custom schema's definitions to its global schema, which holds the builtin
/// Kubernetes definitions only if a strategic merge already used them in this build; the custom
/// schema then resolves references to Kubernetes types, otherwise it stands alone.
#[derive(Debug, Default)]
pub struct OpenApi {
    set: bool,
    custom: Option<schema::Schema>,
    builtin_loaded: std::cell::Cell<bool>,
}

impl OpenApi {
    /// Takes a kustomization's `openapi` field into account as it is loaded (`top`: the
    /// kustomization being built, which resets the setting).
    pub fn configure(
        &mut self,
        kust: &Kustomization,
        loader: &Loader,
        top: bool,
    ) -> Result<(), Diagnostic> {
        if top {
            *self = OpenApi::default();
        }
        if self.set {
            return Ok(());
        }
        let Some(node) = kust.field("openapi") else {
            return Ok(());
        };
        let file = kust.file.as_path();
        let Some(m) = node.as_map() else {
            return Err(Diagnostic::at(
                "`openapi` must be a mapping",
                file,
                node.pos,
            ));
        };
        let get = |k: &str| m.get(k).and_then(Node::as_str).filter(|v| !v.is_empty());
        match (get("path"), get("version")) {
            (Some(_), Some(_)) => Err(Diagnostic::at(
                "builtin version and custom schema provided, cannot use both",
                file,
                node.pos,
            )
            .with_hint("keep either `openapi.path` or `openapi.version`")),
            (Some(path), None) => {
                let pos = m.get("path").map_or(node.pos, |n| n.pos);
                let at = Location {
                    file: kust.file.clone(),
                    pos,
                };
                let loaded = loader.read_file(kust.dir(), path, &at)?;
                let docs = loader.parse_yaml(&loaded.path, &loaded.text)?;
                let doc = docs
                    .into_iter()
                    .next()
                    .map(|d| d.root)
                    .unwrap_or(Node::new(Value::Null));
                let base = self.builtin_loaded.get().then(schema::builtin);
                self.custom = Some(schema::Schema::from_openapi(&doc, base));
                self.set = true;
                Ok(())
            }
            (None, Some("v1.21.2")) => {
                self.set = true;
                Ok(())
            }
            (None, Some(v)) => Err(Diagnostic::at(
                format!("the specified OpenAPI version {v:?} is not built in"),
                file,
                node.pos,
            )
            .with_hint("kustomize only embeds Kubernetes OpenAPI v1.21.2")),
            (None, None) => Ok(()),
        }
    }

    /// Notes resources read from a file: kyaml loads the builtin schema to learn the scope of a
    /// type the Kubernetes API does not define.
    pub fn note_loaded(&self, resources: &[Resource]) {
        if self.custom.is_none()
            && resources.iter().any(|r| {
                let id = r.id();
                !schema::builtin().knows(&id.gvk.api_version(), &id.gvk.kind)
            })
        {
            self.builtin_loaded.set(true);
        }
    }

    fn schema(&self) -> &schema::Schema {
        match &self.custom {
            Some(c) => c,
            None => {
                self.builtin_loaded.set(true);
                schema::builtin()
            }
        }
    }
}

/// Runs `patchesStrategicMerge` (all entries, one transformer; first in a layer's transformers).
pub fn apply_patches_strategic_merge(
    kust: &Kustomization,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patchesStrategicMerge") else {
        return Ok(());
    };
    let patches = parse_psm_entries(node, kust, loader)?;
    for (mut patch, at) in patches {
        // kustomize applies these through `resWrangler.ApplySmPatch` too
        copy_merge_metadata(&mut patch.node);
        apply_by_id(&patch, resources, &at, loader, openapi, (false, false))?;
    }
    Ok(())
}

/// Runs each `patches` entry in order (after `patchesStrategicMerge`, before the namespace).
pub fn apply_patches(
    kust: &Kustomization,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    apply_patches_each(kust, loader, openapi, resources, &mut |_| Ok(()))
}

/// [`apply_patches`], calling `after_each` after each entry (one kustomize transformer each).
pub fn apply_patches_each(
    kust: &Kustomization,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
    after_each: &mut dyn FnMut(&mut Vec<Resource>) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patches") else {
        return Ok(());
    };
    for entry in parse_patch_entries(node, kust, loader)? {
        apply_entry(&entry, loader, openapi, resources)?;
        after_each(resources)?;
    }
    Ok(())
}

/// Runs each `patchesJson6902` entry in order (after labels and annotations).
pub fn apply_patches_json6902(
    kust: &Kustomization,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
    apply_patches_json6902_each(kust, loader, openapi, resources, &mut |_| Ok(()))
}

/// [`apply_patches_json6902`], calling `after_each` after each entry (one kustomize transformer
/// each).
pub fn apply_patches_json6902_each(
    kust: &Kustomization,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
    after_each: &mut dyn FnMut(&mut Vec<Resource>) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("patchesJson6902") else {
        return Ok(());
    };
    for entry in parse_json6902_entries(node, kust, loader)? {
        apply_entry(&entry, loader, openapi, resources)?;
        after_each(resources)?;
    }
    Ok(())
}

fn apply_entry(
    entry: &PatchEntry,
    loader: &Loader,
    openapi: &OpenApi,
    resources: &mut Vec<Resource>,
) -> Result<(), Diagnostic> {
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
                if entry.store_prev_id {
                    r.store_previous_id();
                }
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
                    apply_by_id(
                        p,
                        resources,
                        at,
                        loader,
                        openapi,
                        (entry.allow_name, entry.allow_kind),
                    )?;
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
                let mut p = p.clone();
                copy_merge_metadata(&mut p.node);
                apply_to_ids(
                    &p,
                    resources,
                    &ids,
                    at,
                    loader,
                    openapi,
                    (entry.allow_name, entry.allow_kind),
                )
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
    yaml11::through_float64(&mut r.node);
    forget_null_positions(&mut r.node);
    if let Some(m) = metadata_mut(&mut r.node) {
        let empty = match m.get_mut("annotations").map(|a| &mut a.value) {
            Some(Value::Map(a)) => {
                // kustomize re-reads annotations as strings when it restores its own; Go's
                // JSON decoding made every number a float64, which go-yaml writes with %g
                for (_, v) in a.entries.iter_mut() {
                    let number = match v.value {
                        Value::Int(i) => Some(i as f64),
                        Value::UInt(u) => Some(u as f64),
                        Value::Float(f) => Some(f),
                        _ => None,
                    };
                    if let Some(f) = number {
                        v.value = Value::Str(crate::yaml::emit::go_yaml_float(f));
                        v.raw = None;
                    } else if !matches!(v.value, Value::Null | Value::Map(_) | Value::Seq(_)) {
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

/// Marks a string known to be written double-quoted (a `*List` item re-read from JSON).
pub const QUOTED: Pos = Pos {
    line: 0,
    col: u32::MAX - 2,
};

/// Whether the text at `pos` (1-based line and character column) is an empty value rather
/// than a written `null` or `~`.
fn written_empty(source: &str, pos: Pos) -> bool {
    let Some(line) = source.lines().nth((pos.line as usize).saturating_sub(1)) else {
        return false;
    };
    let rest: String = line
        .chars()
        .skip((pos.col as usize).saturating_sub(1))
        .collect();
    let t = rest.trim_start();
    !["null", "Null", "NULL", "~"]
        .iter()
        .any(|w| t.starts_with(w))
}

/// Whether the scalar at `pos` is written quoted or as a block scalar.
fn written_quoted(source: &str, pos: Pos) -> bool {
    let Some(line) = source.lines().nth((pos.line as usize).saturating_sub(1)) else {
        return false;
    };
    let c = line.chars().nth((pos.col as usize).saturating_sub(1));
    matches!(c, Some('\'' | '"' | '|' | '>'))
}

/// Nulls of a JSON-patched object come back from JSON as written `null`s, and its strings
/// lose their quoting style (see [`written_quoted`]).
fn forget_null_positions(n: &mut Node) {
    match &mut n.value {
        Value::Null | Value::Str(_) => n.pos = Pos::NONE,
        Value::Map(m) => m
            .entries
            .iter_mut()
            .for_each(|(_, v)| forget_null_positions(v)),
        Value::Seq(s) => s.iter_mut().for_each(forget_null_positions),
        _ => {}
    }
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
    loader: &Loader,
    openapi: &OpenApi,
    allow: (bool, bool),
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
            apply_to_ids(patch, resources, &[one], at, loader, openapi, allow)
        }
        _ => Err(diag(
            at,
            format!("multiple matches for Id {id}; failed to find unique target for patch {id}"),
        )
        .with_hint("add `target:` to select the objects explicitly")),
    }
}

/// kustomize `resWrangler.ApplySmPatch` rewrites the patch copy of a targeted strategic merge
/// patch with `CopyMergeMetaDataFieldsFrom`: its labels and annotations become a map of strings
/// (each value's source text, so `~` stays `"~"`) in sorted key order, removed when empty.
fn copy_merge_metadata(patch: &mut Node) {
    let Some(meta) = metadata_mut(patch) else {
        return;
    };
    for field in ["labels", "annotations"] {
        let Some(node) = meta.get(field) else {
            continue;
        };
        let mut pairs = std::collections::BTreeMap::new();
        if let Value::Map(m) = &node.value {
            for (k, v) in &m.entries {
                let key = k.text().map(|t| t.into_owned()).unwrap_or_default();
                pairs.insert(key, v.text().map(|t| t.into_owned()).unwrap_or_default());
            }
        }
        if pairs.is_empty() {
            meta.remove(field);
            continue;
        }
        let mut m = crate::yaml::Mapping::default();
        for (k, v) in pairs {
            m.insert(&k, Node::string(v));
        }
        meta.insert(field, Node::new(Value::Map(m)));
    }
}

/// kustomize `resWrangler.ApplySmPatch`: patches every resource whose current id is listed.
fn apply_to_ids(
    patch: &Resource,
    resources: &mut Vec<Resource>,
    ids: &[crate::resource::ResId],
    at: &Location,
    loader: &Loader,
    openapi: &OpenApi,
    (allow_name, allow_kind): (bool, bool),
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
        // kyaml returns the patch itself for a top-level `$patch: replace`, and
        // `Resource.ApplyFilter` ignores the returned node: the object stays as it was
        if p.get("$patch").and_then(Node::as_str) == Some("replace") {
            out.push(r);
            continue;
        }
        let schema = openapi.schema().for_type(&cur.gvk.api_version(), &kind);
        let source = loader.read_text(&r.origin.file).unwrap_or_default();
        let empty = |pos: Pos| written_empty(&source, pos);
        let quoted = |pos: Pos| written_quoted(&source, pos);
        let merged = merge::merge(r.node.clone(), p, schema, &empty, &quoted).map_err(|e| {
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
    if allow_name || allow_kind {
        // kustomize re-appends the patched objects, refusing a duplicate id
        let ids: Vec<_> = out.iter().map(Resource::id).collect();
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].iter().any(|o| o.same_as(id)) {
                return Err(diag(
                    at,
                    format!("may not add resource with an already registered id: {id}"),
                )
                .with_hint(
                    "with allowNameChange/allowKindChange the patch gave two objects the same id",
                ));
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::kustomize::{BuildOptions, build};
    use crate::source::disk::DiskTree;

    fn build_dir(name: &str, files: &[(&str, &str)]) -> Result<usize, String> {
        let dir =
            std::env::temp_dir().join(format!("fleetcheck-patch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for (f, text) in files {
            std::fs::write(dir.join(f), text).map_err(|e| e.to_string())?;
        }
        let out = build(&DiskTree, &dir, &BuildOptions::default());
        std::fs::remove_dir_all(&dir).ok();
        out.map(|r| r.len()).map_err(|d| d.message)
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

    /// v5.8.1 types `patches[].options`: unknown keys are errors there, while kubectl's
    /// kustomize v5.5 ignores them. fleetcheck follows v5.8.1.
    #[test]
    fn unknown_patch_option_is_an_error_as_in_v5_8() {
        let k = "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n  options: {bogus: true}\n  patch: '[]'\n";
        let e = build_dir("opt", &[("kustomization.yaml", k), ("cm.yaml", CM)]).unwrap_err();
        assert!(e.contains("unknown field \"bogus\""), "{e}");
        let k = "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n  options: {allowNoTargetMatch: true}\n  patch: |-\n    - {op: add, path: /data, value: {}}\n";
        assert_eq!(
            build_dir("opt2", &[("kustomization.yaml", k), ("cm.yaml", CM)]),
            Ok(1)
        );
    }
}
