//! `labels`, `commonLabels` and `commonAnnotations`: kustomize's LabelTransformer and
//! AnnotationsTransformer (api/filters/labels, api/filters/annotations; field specs per
//! api/internal/target/kusttarget_configplugin.go).

use super::args::{bool_value, entry, err_at, field_pos, field_specs, get, list, string_map};
use super::{apply_spec, merge_specs, set_entry};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::{CreateKind, FieldSpec};
use crate::kustomize::kustomization::Kustomization;
use crate::yaml::{Node, Pos, Value};
use std::sync::atomic::{AtomicU32, Ordering};

/// One label or annotation transformer: the pairs and where they go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetaTransformer {
    /// Key/value pairs, sorted by key.
    pub pairs: Vec<(String, String)>,
    /// Fields (mappings) receiving the pairs.
    pub specs: Vec<FieldSpec>,
}

/// Runs one LabelTransformer per `labels` entry, then the `commonLabels` one.
pub fn apply_labels(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    if let Some(node) = kust.field("labels") {
        for item in list(kust, node, "Kustomization.labels", "Label")? {
            let t = label_entry(kust, item, layer)?;
            run(&t, layer, kust, item.pos)?;
        }
    }
    if let Some(node) = kust.field("commonLabels") {
        let t = MetaTransformer {
            pairs: string_map(kust, node, "Kustomization.commonLabels")?,
            specs: layer.config.common_labels.clone(),
        };
        run(&t, layer, kust, field_pos(kust, "commonLabels"))?;
    }
    Ok(())
}

/// Runs the AnnotationsTransformer for `commonAnnotations`.
pub fn apply_annotations(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("commonAnnotations") else {
        return Ok(());
    };
    let t = MetaTransformer {
        pairs: string_map(kust, node, "Kustomization.commonAnnotations")?,
        specs: layer.config.common_annotations.clone(),
    };
    run(&t, layer, kust, field_pos(kust, "commonAnnotations"))
}

/// The transformer of one `labels` entry: its `fields`, then the selector/template/metadata
/// specs its flags ask for, then the `labels` section of the transformer configuration.
fn label_entry(
    kust: &Kustomization,
    item: &crate::yaml::Node,
    layer: &Layer,
) -> Result<MetaTransformer, Diagnostic> {
    let Some(map) = entry(
        kust,
        item,
        "Kustomization.labels",
        "Label",
        &["pairs", "includeSelectors", "includeTemplates", "fields"],
    )?
    else {
        return Ok(MetaTransformer::default());
    };
    let pairs = match get(map, "pairs") {
        Some(n) => string_map(kust, n, "Label.labels.pairs")?,
        None => Vec::new(),
    };
    let flag = |key: &str| -> Result<bool, Diagnostic> {
        get(map, key).map_or(Ok(false), |n| {
            bool_value(kust, n, &format!("Label.labels.{key}"))
        })
    };
    let selectors = flag("includeSelectors")?;
    let templates = flag("includeTemplates")?;
    let mut specs = match get(map, "fields") {
        Some(n) => field_specs(kust, n, "labels.fields")?,
        None => Vec::new(),
    };
    let conflict = |e: String| {
        err_at(kust, item.pos, format!("failed to merge labels: {e}")).with_hint(
            "a `fields` entry repeats a default or configured field spec with a different `create`",
        )
    };
    if selectors {
        merge_specs(&mut specs, &layer.config.common_labels).map_err(conflict)?;
    } else {
        let meta = FieldSpec {
            path: "metadata/labels".into(),
            create: true,
            ..Default::default()
        };
        merge_specs(&mut specs, &[meta]).map_err(conflict)?;
        if templates {
            merge_specs(&mut specs, &layer.config.template_labels).map_err(conflict)?;
        }
    }
    merge_specs(&mut specs, &layer.config.labels).map_err(conflict)?;
    Ok(MetaTransformer { pairs, specs })
}

fn run(
    t: &MetaTransformer,
    layer: &mut Layer,
    kust: &Kustomization,
    pos: Pos,
) -> Result<(), Diagnostic> {
    if t.pairs.is_empty() {
        return Ok(());
    }
    for r in &mut layer.resources {
        apply_pairs(r, t).map_err(|e| err_at(kust, pos, e))?;
    }
    Ok(())
}

/// Sets every pair in every field the specs select (mappings created where `create`).
///
/// kustomize's `SetEntry` makes one YAML node per key and resource: every field that gets the
/// key newly appended holds that same node, and setting an existing field copies the value into
/// its node in place. So a label a base added to `metadata.labels` and the selectors shares one
/// node, and an overlay changing it in `metadata.labels` alone changes it everywhere. Shared
/// nodes are marked by a synthetic position (line 0, column = the node's id).
pub fn apply_pairs(r: &mut crate::resource::Resource, t: &MetaTransformer) -> Result<(), String> {
    let gvk = r.id().gvk;
    for (k, v) in &t.pairs {
        let shared = Pos {
            line: 0,
            col: SHARED_NODES.fetch_add(1, Ordering::Relaxed),
        };
        let mut written = Vec::new();
        for fs in &t.specs {
            apply_spec(r, &gvk, fs, Some(CreateKind::Map), &mut |leaf| {
                if let Value::Map(m) = &mut leaf.value
                    && let Some(slot) = m.get_mut(k)
                {
                    if let Some(id) = shared_id(slot) {
                        written.push(id);
                    }
                    let pos = slot.pos;
                    *slot = Node::string(v.as_str());
                    slot.pos = pos;
                    return Ok(());
                }
                set_entry(leaf, k, v)?;
                if let Some(slot) = leaf.as_map_mut().and_then(|m| m.get_mut(k)) {
                    slot.pos = shared;
                }
                Ok(())
            })?;
        }
        if !written.is_empty() {
            set_shared(&mut r.node, &written, &Node::string(v.as_str()));
        }
    }
    Ok(())
}

/// Ids of the shared label/annotation value nodes (column of their synthetic position).
static SHARED_NODES: AtomicU32 = AtomicU32::new(1);

/// The id of a shared node made by [`apply_pairs`], if `n` is one.
pub fn shared_id(n: &Node) -> Option<u32> {
    (n.pos.line == 0 && n.pos.col != 0 && n.pos.col < 1 << 31).then_some(n.pos.col)
}

/// Writes `value` into every node sharing one of the `ids` (kyaml `SetYNode` on a shared node).
pub fn set_shared(n: &mut Node, ids: &[u32], value: &Node) {
    let mine = shared_id(n).is_some_and(|id| ids.contains(&id));
    match &mut n.value {
        Value::Map(m) => m
            .entries
            .iter_mut()
            .for_each(|(_, v)| set_shared(v, ids, value)),
        Value::Seq(s) => s.iter_mut().for_each(|v| set_shared(v, ids, value)),
        _ if mine => {
            let pos = n.pos;
            *n = value.clone();
            n.pos = pos;
        }
        _ => {}
    }
}
