//! The `configurations` and `crds` fields: extra field specs merged into the layer's transformer
//! configuration (which then propagates to the parents); also the YAML 1.1 check of the
//! transformer fields' string values.

use super::args::{err_at, field_pos, list};
use super::{crds, merge_config, yaml11};

/// Fields whose string values `yaml11::check` inspects.
const YAML11_FIELDS: &[&str] = &[
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "commonAnnotations",
    "labels",
    "images",
    "imageTags",
    "replicas",
    "vars",
];
use crate::diagnostic::{Diagnostic, Location};
use crate::kustomize::build::Layer;
use crate::kustomize::config::TransformerConfig;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Loader;
use crate::yaml::{Node, Value};

/// Reads `configurations` then `crds` and merges them into the layer's configuration.
pub fn merge_into_layer(
    loader: &Loader,
    kust: &Kustomization,
    layer: &mut Layer,
) -> Result<(), Diagnostic> {
    if kust
        .fields
        .iter()
        .any(|(n, _, _)| YAML11_FIELDS.contains(n))
    {
        let text = loader.read_text(&kust.file)?;
        yaml11::check(kust, &text)?;
    }
    // kustomize's MakeTransformerConfig: the `configurations` files, then the defaults appended
    // (only exact duplicates dropped); that whole config is then merged into the layer's with
    // kustomize's fieldspec semantics, so a default a custom spec already selects is dropped and
    // one that differs from it only in `create` is a conflict (pinned by fixtures t65-t67).
    let mut config = TransformerConfig::default();
    if let Some(node) = kust.field("configurations") {
        for item in list(kust, node, "Kustomization.configurations", "string")? {
            let rel = entry_path(kust, item, "configurations")?;
            let at = Location {
                file: kust.file.clone(),
                pos: item.pos,
            };
            let file = loader.read_file(kust.dir(), &rel, &at)?;
            let parsed = TransformerConfig::parse(&file.text, &file.path)?;
            merge_config(&mut config, parsed).map_err(|e| {
                err_at(kust, item.pos, e).with_hint(
                    "a field spec repeats one of an earlier configuration file with a different `create`",
                )
            })?;
        }
    }
    if config == TransformerConfig::default() && layer.config == TransformerConfig::default() {
        // The common case, a layer without `configurations` and nothing merged yet: the result
        // of merging the defaults into an empty configuration, computed once.
        layer.config = defaults_merged().clone();
    } else if config == TransformerConfig::default() && layer.config == *defaults_merged() {
        // Merging the defaults into themselves changes nothing.
    } else {
        config.merge(TransformerConfig::builtin().clone());
        merge_config(&mut layer.config, config).map_err(|e| {
        err_at(kust, field_pos(kust, "configurations"), format!("merging config: {e}")).with_hint(
            "a field spec of `configurations` repeats one of kustomize's defaults (or of a base) with a different `create`",
        )
        })?;
    }
    if let Some(node) = kust.field("crds") {
        for item in list(kust, node, "Kustomization.crds", "string")? {
            let rel = entry_path(kust, item, "crds")?;
            let at = Location {
                file: kust.file.clone(),
                pos: item.pos,
            };
            let file = loader.read_file(kust.dir(), &rel, &at)?;
            let docs = loader.parse_yaml(&file.path, &file.text)?;
            let root = docs
                .into_iter()
                .next()
                .map(|d| d.root)
                .unwrap_or_else(|| Node::new(Value::Null));
            let config = crds::config_from_definitions(&root).map_err(|e| {
                err_at(
                    kust,
                    item.pos,
                    format!("unable to parse open API definition from '{rel}': {e}"),
                )
                .with_hint("`crds` entries are OpenAPI definition documents (name → {Schema, Dependencies}), not CustomResourceDefinition manifests")
            })?;
            merge_config(&mut layer.config, config)
                .map_err(|e| err_at(kust, field_pos(kust, "crds"), e))?;
        }
    }
    Ok(())
}

/// kustomize's defaults merged into an empty configuration (what every plain layer starts with).
fn defaults_merged() -> &'static TransformerConfig {
    static MERGED: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
    MERGED.get_or_init(|| {
        let mut merged = TransformerConfig::default();
        // The builtin tables merge without conflicts (pinned by the transformer tests).
        let _ = merge_config(&mut merged, TransformerConfig::builtin().clone());
        merged
    })
}

fn entry_path(kust: &Kustomization, item: &Node, field: &str) -> Result<String, Diagnostic> {
    match &item.value {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(err_at(
            kust,
            item.pos,
            format!("`{field}` entries must be file paths (strings)"),
        )),
    }
}

#[cfg(test)]
mod defaults_tests {
    use super::*;

    #[test]
    fn builtin_tables_merge_without_conflicts() {
        let mut merged = TransformerConfig::default();
        merge_config(&mut merged, TransformerConfig::builtin().clone()).unwrap();
        assert_eq!(&merged, defaults_merged());
        let again = merged.clone();
        merge_config(&mut merged, TransformerConfig::builtin().clone()).unwrap();
        assert_eq!(merged, again, "merging the defaults twice changes nothing");
    }
}
