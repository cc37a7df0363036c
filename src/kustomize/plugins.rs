//! Builtin transformer plugins listed under `transformers:` (objects of `apiVersion: builtin`),
//! run by the same code as the kustomization fields they correspond to.
//!
//! Each plugin config becomes a one-field kustomization (`PrefixTransformer` → `namePrefix`,
//! `PatchTransformer` → `patches`, ...) that the field's transformer runs with the plugin's own
//! `fieldSpecs` in place of the defaults, as kustomize's builtin plugins do.

use std::mem;
use std::path::Path;

use super::build::Layer;
use super::fieldspec::FieldSpec;
use super::finish::relative;
use super::kustomization::Kustomization;
use super::loader::Loader;
use super::patch::{self, OpenApi};
use super::transform;
use super::transformations::{self, Transformation};
use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::{Mapping, Node, Pos, Value};

/// Which section of the layer's field specs a plugin's `fieldSpecs` replace while it runs.
#[derive(Clone, Copy)]
enum Specs {
    Namespace,
    Prefix,
    Suffix,
    Labels,
    Annotations,
    Images,
    Replicas,
    None,
}

/// Runs the transformer plugin configs of `kust`'s `transformers:` in order. With `top_dir`
/// (transformer annotations asked for), each config is then recorded on every resource.
pub fn run_transformer_plugins(
    kust: &Kustomization,
    configs: Vec<Resource>,
    layer: &mut Layer,
    loader: &Loader<'_>,
    openapi: &OpenApi,
    top_dir: Option<&Path>,
) -> Result<(), Diagnostic> {
    for cfg in configs {
        run_one(kust, &cfg, layer, loader, openapi)?;
        if let Some(top) = top_dir {
            transformations::record(&mut layer.resources, &plugin_origin(&cfg, top), 1)?;
        }
    }
    Ok(())
}

/// A plugin config's origin (kustomize's `OriginFromCustomPlugin`): the file it was read from
/// (the kustomization for an inline config) and its apiVersion, kind, name and namespace.
fn plugin_origin(cfg: &Resource, top_dir: &Path) -> Transformation {
    let configured_in = match (&cfg.book.generated_by, &cfg.book.origin_path) {
        // A generated config's origin has no path.
        (Some(_), _) => String::new(),
        (None, Some(path)) => path.clone(),
        (None, None) => relative(top_dir, &cfg.origin.file),
    };
    Transformation {
        configured_in,
        api_version: cfg
            .node
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        kind: cfg.kind().to_owned(),
        name: cfg.name().to_owned(),
        namespace: cfg.namespace().to_owned(),
        ..Transformation::default()
    }
}

fn run_one(
    kust: &Kustomization,
    cfg: &Resource,
    layer: &mut Layer,
    loader: &Loader<'_>,
    openapi: &OpenApi,
) -> Result<(), Diagnostic> {
    let file = cfg.origin.file.to_path_buf();
    let pos = cfg.origin.pos;
    let at = |msg: String| Diagnostic::at(msg, &file, pos);
    let api_version = cfg
        .node
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or("");
    let kind = cfg.kind().to_owned();
    if api_version != "builtin" {
        return Err(at(format!(
            "external plugins disabled; unable to load external plugin '{kind}' (apiVersion '{api_version}')"
        ))
        .with_hint("kustomize (and Flux) only run builtin plugins, `apiVersion: builtin`"));
    }
    let get = |key: &str| cfg.node.get(key).cloned();
    let specs = plugin_field_specs(cfg);
    let mut fields: Vec<(&'static str, Node)> = Vec::new();
    let section = match kind.as_str() {
        "NamespaceTransformer" => {
            for option in ["unsetOnly", "setRoleBindingSubjects"] {
                if cfg.node.get(option).is_some() {
                    return Err(at(format!(
                        "NamespaceTransformer option `{option}` is not supported yet"
                    )));
                }
            }
            let ns = cfg.namespace().to_owned();
            fields.push(("namespace", Node::string(ns)));
            Specs::Namespace
        }
        "PrefixTransformer" => {
            fields.extend(get("prefix").map(|n| ("namePrefix", n)));
            Specs::Prefix
        }
        "SuffixTransformer" => {
            fields.extend(get("suffix").map(|n| ("nameSuffix", n)));
            Specs::Suffix
        }
        "PrefixSuffixTransformer" => {
            // The legacy plugin: prefix and suffix with the same field specs.
            let prefix = get("prefix");
            let suffix = get("suffix");
            if let Some(p) = prefix {
                run_fields(
                    kust,
                    vec![("namePrefix", p)],
                    Specs::Prefix,
                    specs.clone(),
                    layer,
                    loader,
                    openapi,
                    pos,
                )?;
            }
            if let Some(s) = suffix {
                run_fields(
                    kust,
                    vec![("nameSuffix", s)],
                    Specs::Suffix,
                    specs,
                    layer,
                    loader,
                    openapi,
                    pos,
                )?;
            }
            return Ok(());
        }
        "LabelTransformer" => {
            fields.extend(get("labels").map(|n| ("commonLabels", n)));
            Specs::Labels
        }
        "AnnotationsTransformer" => {
            fields.extend(get("annotations").map(|n| ("commonAnnotations", n)));
            Specs::Annotations
        }
        "ImageTagTransformer" => {
            fields.extend(get("imageTag").map(|n| ("images", seq(vec![n]))));
            Specs::Images
        }
        "ReplicaCountTransformer" => {
            fields.extend(get("replica").map(|n| ("replicas", seq(vec![n]))));
            Specs::Replicas
        }
        "PatchTransformer" => {
            let mut entry = Mapping::default();
            for key in ["patch", "path", "target", "options"] {
                if let Some(v) = get(key) {
                    entry.insert(key, v);
                }
            }
            fields.push(("patches", seq(vec![Node::at(Value::Map(entry), pos)])));
            Specs::None
        }
        "PatchStrategicMergeTransformer" => {
            let mut items = Vec::new();
            for key in ["paths", "patches"] {
                match get(key).map(|n| n.value) {
                    Some(Value::Seq(list)) => items.extend(list),
                    Some(Value::Str(s)) => items.push(Node::at(Value::Str(s), pos)),
                    _ => {}
                }
            }
            fields.push(("patchesStrategicMerge", seq(items)));
            Specs::None
        }
        "PatchJson6902Transformer" => {
            let mut entry = Mapping::default();
            for (from, to) in [("target", "target"), ("path", "path"), ("jsonOp", "patch")] {
                if let Some(v) = get(from) {
                    entry.insert(to, v);
                }
            }
            fields.push((
                "patchesJson6902",
                seq(vec![Node::at(Value::Map(entry), pos)]),
            ));
            Specs::None
        }
        "ReplacementTransformer" => {
            fields.extend(get("replacements").map(|n| ("replacements", n)));
            Specs::None
        }
        other => {
            return Err(at(format!(
                "builtin transformer plugin `{other}` is not supported yet"
            ))
            .with_hint(
                "fleetcheck runs the builtin transformers that kustomization fields also offer",
            ));
        }
    };
    run_fields(kust, fields, section, specs, layer, loader, openapi, pos)
}

/// Runs the field transformers on a one-off kustomization holding `fields`, with `specs` in place
/// of the layer's field specs for `section`.
#[allow(clippy::too_many_arguments)]
fn run_fields(
    kust: &Kustomization,
    fields: Vec<(&'static str, Node)>,
    section: Specs,
    specs: Vec<FieldSpec>,
    layer: &mut Layer,
    loader: &Loader<'_>,
    openapi: &OpenApi,
    pos: Pos,
) -> Result<(), Diagnostic> {
    let plugin = Kustomization {
        file: kust.file.clone(),
        kind: kust.kind,
        resources: Vec::new(),
        sort_order: None,
        fields: fields.into_iter().map(|(n, v)| (n, pos, v)).collect(),
    };
    let slot = match section {
        Specs::Namespace => Some(&mut layer.config.namespace),
        Specs::Prefix => Some(&mut layer.config.name_prefix),
        Specs::Suffix => Some(&mut layer.config.name_suffix),
        Specs::Labels => Some(&mut layer.config.common_labels),
        Specs::Annotations => Some(&mut layer.config.common_annotations),
        Specs::Images => Some(&mut layer.config.images),
        Specs::Replicas => Some(&mut layer.config.replicas),
        Specs::None => None,
    };
    let saved = slot.map(|s| mem::replace(s, specs));
    let result = run_transformers(&plugin, layer, loader, openapi, None);
    if let Some(saved) = saved {
        let slot = match section {
            Specs::Namespace => &mut layer.config.namespace,
            Specs::Prefix => &mut layer.config.name_prefix,
            Specs::Suffix => &mut layer.config.name_suffix,
            Specs::Labels => &mut layer.config.common_labels,
            Specs::Annotations => &mut layer.config.common_annotations,
            Specs::Images => &mut layer.config.images,
            Specs::Replicas => &mut layer.config.replicas,
            Specs::None => unreachable!("no specs were saved for Specs::None"),
        };
        *slot = saved;
    }
    result
}

/// The builtin transformers of one kustomization layer, in kustomize's fixed order
/// (spec §2.2 step 6, builtins 1–11). With `configured_in` (transformer annotations asked for:
/// the kustomization's path from the top-level directory), each instance is recorded on every
/// resource after it ran.
pub fn run_transformers(
    kust: &Kustomization,
    layer: &mut Layer,
    loader: &Loader<'_>,
    openapi: &OpenApi,
    configured_in: Option<&str>,
) -> Result<(), Diagnostic> {
    let step = |layer: &mut Layer, kind: &str| -> Result<(), Diagnostic> {
        match configured_in {
            Some(file) => {
                let times = transformations::instances(kust, kind);
                let origin = Transformation::builtin(file, kind);
                transformations::record(&mut layer.resources, &origin, times)
            }
            None => Ok(()),
        }
    };
    patch::apply_patches_strategic_merge(kust, loader, openapi, &mut layer.resources)?;
    step(layer, "PatchStrategicMergeTransformer")?;
    // Patches record after each entry: an entry may remove the annotations holding the records.
    let each = |kind: &str| {
        let origin = configured_in.map(|file| Transformation::builtin(file, kind));
        move |resources: &mut Vec<Resource>| match &origin {
            Some(origin) => transformations::record(resources, origin, 1),
            None => Ok(()),
        }
    };
    patch::apply_patches_each(
        kust,
        loader,
        openapi,
        &mut layer.resources,
        &mut each("PatchTransformer"),
    )?;
    transform::namespace::apply(kust, layer)?;
    step(layer, "NamespaceTransformer")?;
    transform::name::apply_prefix(kust, layer)?;
    step(layer, "PrefixTransformer")?;
    transform::name::apply_suffix(kust, layer)?;
    step(layer, "SuffixTransformer")?;
    transform::labels::apply_labels(kust, layer)?;
    step(layer, "LabelTransformer")?;
    transform::labels::apply_annotations(kust, layer)?;
    step(layer, "AnnotationsTransformer")?;
    patch::apply_patches_json6902_each(
        kust,
        loader,
        openapi,
        &mut layer.resources,
        &mut each("PatchJson6902Transformer"),
    )?;
    transform::replicas::apply(kust, layer)?;
    step(layer, "ReplicaCountTransformer")?;
    transform::images::apply(kust, layer)?;
    step(layer, "ImageTagTransformer")?;
    super::replacements::run(kust, loader, &mut layer.resources)?;
    step(layer, "ReplacementTransformer")?;
    Ok(())
}

fn seq(items: Vec<Node>) -> Node {
    Node::new(Value::Seq(items))
}

/// A plugin's `fieldSpecs`, read leniently as kustomize's plugin config decoding does
/// (unknown keys such as `name` are ignored).
fn plugin_field_specs(cfg: &Resource) -> Vec<FieldSpec> {
    let Some(items) = cfg.node.get("fieldSpecs").and_then(Node::as_seq) else {
        return Vec::new();
    };
    let text = |m: &Mapping, k: &str| {
        m.get(k)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    items
        .iter()
        .filter_map(Node::as_map)
        .map(|m| FieldSpec {
            group: text(m, "group"),
            version: text(m, "version"),
            kind: text(m, "kind"),
            path: text(m, "path"),
            create: matches!(m.get("create").map(|n| &n.value), Some(Value::Bool(true))),
        })
        .collect()
}
