//! The field-spec transformers of one kustomization layer (kustomize's builtin
//! NamespaceTransformer, Prefix/SuffixTransformer, LabelTransformer, AnnotationsTransformer,
//! ReplicaCountTransformer and ImageTagTransformer), and the `configurations`/`crds` fields that
//! extend their field specs.

pub mod args;
#[cfg(test)]
#[path = "tests.rs"]
mod behaviour_tests;
pub mod configs;
pub mod crds;
pub mod images;
pub mod labels;
pub mod name;
pub mod namespace;
pub mod replicas;
pub mod yaml11;

use crate::kustomize::config::TransformerConfig;
use crate::kustomize::fieldspec::{CreateKind, FieldSpec, walk};
use crate::resource::{Gvk, Resource};
use crate::yaml::{Node, Value};

/// kustomize's `FieldSpec.effectivelyEquals`: `existing` is selected by `other`'s GVK and has the
/// same path (the create flag is not compared).
fn effectively_equal(existing: &FieldSpec, other: &FieldSpec) -> bool {
    existing.path == other.path
        && (other.group.is_empty() || other.group == existing.group)
        && (other.version.is_empty() || other.version == existing.version)
        && (other.kind.is_empty() || other.kind == existing.kind)
}

/// kustomize's `FsSlice.MergeAll`: appends the specs not yet present; a present one with a
/// different create flag is the error `conflicting fieldspecs`.
pub fn merge_specs(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) -> Result<(), String> {
    // Merging a list into an equal list changes nothing (every layer merges the defaults).
    if into.as_slice() == from {
        return Ok(());
    }
    for fs in from {
        match into.iter().find(|e| effectively_equal(e, fs)) {
            Some(e) if e.create != fs.create => return Err("conflicting fieldspecs".into()),
            Some(_) => {}
            None => into.push(fs.clone()),
        }
    }
    Ok(())
}

/// kustomize's `TransformerConfig.Merge`, with its conflict errors.
pub fn merge_config(into: &mut TransformerConfig, other: TransformerConfig) -> Result<(), String> {
    let sections: [(&mut Vec<FieldSpec>, &Vec<FieldSpec>, &str); 10] = [
        (&mut into.name_prefix, &other.name_prefix, "NamePrefix"),
        (&mut into.name_suffix, &other.name_suffix, "NameSuffix"),
        (&mut into.namespace, &other.namespace, "NameSpace"),
        (
            &mut into.common_labels,
            &other.common_labels,
            "CommonLabels",
        ),
        (
            &mut into.template_labels,
            &other.template_labels,
            "TemplateLabels",
        ),
        (&mut into.labels, &other.labels, "Labels"),
        (
            &mut into.common_annotations,
            &other.common_annotations,
            "CommonAnnotations",
        ),
        (
            &mut into.var_reference,
            &other.var_reference,
            "VarReference",
        ),
        (&mut into.images, &other.images, "Images"),
        (&mut into.replicas, &other.replicas, "Replicas"),
    ];
    for (mine, theirs, name) in sections {
        merge_specs(mine, theirs).map_err(|e| format!("failed to merge {name} fieldSpec: {e}"))?;
    }
    let refs = TransformerConfig {
        name_reference: other.name_reference,
        ..TransformerConfig::default()
    };
    into.merge(refs);
    Ok(())
}

/// Applies one field spec to a resource selected by its current GVK (kustomize's
/// `fieldspec.Filter`); errors read "considering field 'PATH' of object ID: ...".
pub fn apply_spec(
    res: &mut Resource,
    gvk: &Gvk,
    spec: &FieldSpec,
    create: Option<CreateKind>,
    leaf: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    if !spec.selects(gvk) {
        return Ok(());
    }
    let result = walk(&mut res.node, spec, create, leaf);
    result.map_err(|e| {
        let id = res.id();
        let detail = e
            .split_once("': ")
            .map_or(e.as_str(), |(_, rest)| rest)
            .to_owned();
        format!("considering field '{}' of object {id}: {detail}", spec.path)
    })
}

/// kustomize's `SetEntry("", value, !!str)` on a field: a scalar (or null) becomes the string.
pub fn set_scalar(leaf: &mut Node, value: &str) -> Result<(), String> {
    match leaf.value {
        Value::Map(_) | Value::Seq(_) => Err(wrong_kind("ScalarNode", leaf)),
        _ => {
            leaf.value = Value::Str(value.to_owned());
            Ok(())
        }
    }
}

/// kustomize's `SetEntry(key, value, !!str)` on a mapping: sets one entry; a null leaf is left
/// alone (kyaml appends to a null node without effect), other kinds are errors.
pub fn set_entry(leaf: &mut Node, key: &str, value: &str) -> Result<(), String> {
    match &mut leaf.value {
        Value::Map(m) => {
            m.insert(key, Node::string(value));
            Ok(())
        }
        Value::Null => Ok(()),
        _ => Err(wrong_kind("MappingNode", leaf)),
    }
}

/// kyaml's `ErrorIfInvalid` message.
pub fn wrong_kind(expected: &str, node: &Node) -> String {
    let got = match node.value {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    };
    format!("wrong node kind: expected {expected} but got {got}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(kind: &str, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            kind: kind.into(),
            path: path.into(),
            create,
            ..Default::default()
        }
    }

    #[test]
    fn merge_dedups_and_detects_conflicts() {
        let mut into = vec![fs("Service", "spec/selector", true)];
        merge_specs(&mut into, &[fs("Service", "spec/selector", true)]).unwrap();
        assert_eq!(into.len(), 1);
        merge_specs(&mut into, &[fs("", "spec/selector", true)]).unwrap();
        assert_eq!(into.len(), 1, "a kindless spec selects the existing one");
        merge_specs(&mut into, &[fs("Foo", "spec/selector", true)]).unwrap();
        assert_eq!(into.len(), 2);
        let err = merge_specs(&mut into, &[fs("Service", "spec/selector", false)]).unwrap_err();
        assert_eq!(err, "conflicting fieldspecs");
    }

    #[test]
    fn builtin_tables_are_kustomize_sized() {
        let cfg = TransformerConfig::builtin();
        assert_eq!(cfg.name_prefix.len(), 1);
        assert_eq!(cfg.name_suffix.len(), 1);
        assert_eq!(cfg.namespace.len(), 6);
        assert_eq!(cfg.template_labels.len(), 10);
        assert_eq!(cfg.common_labels.len(), 32);
        assert_eq!(cfg.common_annotations.len(), 9);
        assert_eq!(cfg.images.len(), 6);
        assert_eq!(cfg.replicas.len(), 4);
    }
}
