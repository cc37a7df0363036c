//! `labels`, `commonLabels` and `commonAnnotations`: kustomize's LabelTransformer and
//! AnnotationsTransformer (api/filters/labels, api/filters/annotations; field specs per
//! api/internal/target/kusttarget_configplugin.go).

use super::args::{bool_value, entry, err_at, field_pos, field_specs, get, list, string_map};
use super::{apply_spec, merge_specs, set_entry};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::{CreateKind, FieldSpec};
use crate::kustomize::kustomization::Kustomization;
use crate::yaml::Pos;

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
pub fn apply_pairs(r: &mut crate::resource::Resource, t: &MetaTransformer) -> Result<(), String> {
    let gvk = r.id().gvk;
    for (k, v) in &t.pairs {
        for fs in &t.specs {
            apply_spec(r, &gvk, fs, Some(CreateKind::Map), &mut |leaf| {
                set_entry(leaf, k, v)
            })?;
        }
    }
    Ok(())
}
