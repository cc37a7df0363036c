//! `namePrefix` / `nameSuffix`: kustomize's PrefixTransformer and SuffixTransformer
//! (api/internal/builtins/{Prefix,Suffix}Transformer.go, api/filters/{prefix,suffix}).

use super::apply_spec;
use super::args::{err_at, field_pos, string_value};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::kustomization::Kustomization;
use crate::resource::{Gvk, Resource};
use crate::yaml::Value;

/// Which end of the name a transformer adds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `namePrefix`.
    Prefix,
    /// `nameSuffix`.
    Suffix,
}

/// Runs the prefix transformer when `namePrefix` is set.
pub fn apply_prefix(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    apply(kust, layer, End::Prefix)
}

/// Runs the suffix transformer when `nameSuffix` is set.
pub fn apply_suffix(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    apply(kust, layer, End::Suffix)
}

fn apply(kust: &Kustomization, layer: &mut Layer, end: End) -> Result<(), Diagnostic> {
    let field = match end {
        End::Prefix => "namePrefix",
        End::Suffix => "nameSuffix",
    };
    let Some(node) = kust.field(field) else {
        return Ok(());
    };
    let text = string_value(kust, node, &format!("Kustomization.{field}"))?;
    if text.is_empty() {
        return Ok(());
    }
    let specs = match end {
        End::Prefix => layer.config.name_prefix.clone(),
        End::Suffix => layer.config.name_suffix.clone(),
    };
    for r in &mut layer.resources {
        add_to_name(r, &text, &specs, end).map_err(|e| {
            err_at(kust, field_pos(kust, field), e)
                .with_hint(format!("while applying `{field}` to {}", r.id()))
        })?;
    }
    Ok(())
}

/// kinds whose names are never prefixed or suffixed (by their original id).
fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Applies one prefix or suffix to a resource: field specs are selected by the ORIGINAL id's
/// kind, the `metadata/name` spec records the affix and the previous id.
pub fn add_to_name(
    r: &mut Resource,
    text: &str,
    specs: &[FieldSpec],
    end: End,
) -> Result<(), String> {
    let org = r.org_id().gvk;
    if skipped(&org) {
        return Ok(());
    }
    for fs in specs {
        if !fs.selects(&org) {
            continue;
        }
        if fs.path == "metadata/name" {
            match end {
                End::Prefix => r.book.prefixes.push(text.to_owned()),
                End::Suffix => r.book.suffixes.push(text.to_owned()),
            }
            r.store_previous_id();
        }
        let gvk = r.id().gvk;
        apply_spec(r, &gvk, fs, None, &mut |leaf| {
            let current = match &leaf.value {
                Value::Str(s) | Value::Timestamp(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::UInt(u) => u.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => return Err(super::wrong_kind("ScalarNode", leaf)),
            };
            leaf.value = Value::Str(match end {
                End::Prefix => format!("{text}{current}"),
                End::Suffix => format!("{current}{text}"),
            });
            Ok(())
        })?;
    }
    Ok(())
}
