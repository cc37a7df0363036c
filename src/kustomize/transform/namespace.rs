//! `namespace`: kustomize's NamespaceTransformer (api/internal/builtins/NamespaceTransformer.go,
//! api/filters/namespace/namespace.go).

use std::collections::HashMap;

use super::args::{err_at, field_pos, string_value};
use super::{apply_spec, set_scalar, wrong_kind};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::{CreateKind, FieldSpec};
use crate::kustomize::kustomization::Kustomization;
use crate::resource::{Gvk, Resource};
use crate::yaml::{Node, Value};

/// Runs the transformer when the kustomization sets `namespace`.
pub fn apply(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("namespace") else {
        return Ok(());
    };
    let namespace = string_value(kust, node, "Kustomization.namespace")?;
    if namespace.is_empty() {
        return Ok(());
    }
    let pos = field_pos(kust, "namespace");
    let specs = layer.config.namespace.clone();
    let mut counts: HashMap<(Gvk, String, String), usize> = HashMap::new();
    for r in &layer.resources {
        *counts.entry(key(r)).or_default() += 1;
    }
    for r in &mut layer.resources {
        let before = key(r);
        r.store_previous_id();
        set_namespace(r, &namespace, &specs).map_err(|e| {
            err_at(kust, pos, format!("namespace transformation failed: {e}"))
                .with_hint(format!("while setting the namespace of {}", r.id()))
        })?;
        if let Some(c) = counts.get_mut(&before) {
            *c -= 1;
        }
        let after = key(r);
        let count = counts.entry(after).or_default();
        *count += 1;
        if *count != 1 {
            return Err(err_at(
                kust,
                pos,
                format!(
                    "namespace transformation produces ID conflict: {} collides with another resource",
                    r.id()
                ),
            )
            .with_hint("two objects of the same kind and name end up in the same namespace"));
        }
    }
    Ok(())
}

fn key(r: &Resource) -> (Gvk, String, String) {
    let id = r.id();
    let ns = id.effective_namespace().to_owned();
    (id.gvk, id.name, ns)
}

/// The namespace filter on one resource.
pub fn set_namespace(r: &mut Resource, namespace: &str, specs: &[FieldSpec]) -> Result<(), String> {
    let id = r.id();
    let gvk = id.gvk;
    let api_version = r
        .node
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned();
    // metadata.namespace is set by hand (never on cluster-scoped kinds); metadata.name only for
    // the v1 Namespace.
    let mut specs: Vec<FieldSpec> = specs
        .iter()
        .filter(|fs| fs.path != "metadata/namespace")
        .filter(|fs| api_version == "v1" || fs.path != "metadata/name")
        .cloned()
        .collect();
    let setter = &mut |leaf: &mut Node| set_scalar(leaf, namespace);
    if !gvk.is_cluster_scoped() {
        let meta = FieldSpec {
            path: "metadata/namespace".into(),
            create: true,
            ..Default::default()
        };
        apply_spec(r, &gvk, &meta, Some(CreateKind::Scalar), setter)?;
    }
    if is_role_binding(&gvk.kind) {
        specs.retain(|fs| {
            !(is_role_binding(&fs.kind)
                && (fs.path == "subjects[]/namespace" || fs.path == "subjects"))
        });
        role_binding_subjects(r, namespace)?;
    }
    for fs in &specs {
        apply_spec(r, &gvk, fs, Some(CreateKind::Scalar), setter)?;
    }
    Ok(())
}

fn is_role_binding(kind: &str) -> bool {
    kind == "RoleBinding" || kind == "ClusterRoleBinding"
}

/// Subjects named `default` get the namespace (kustomize's default `defaultOnly` mode).
fn role_binding_subjects(r: &mut Resource, namespace: &str) -> Result<(), String> {
    let Some(root) = r.node.as_map_mut() else {
        return Ok(());
    };
    let Some(subjects) = root.get_mut("subjects") else {
        return Ok(());
    };
    let items = match &mut subjects.value {
        Value::Null => return Ok(()),
        Value::Seq(items) => items,
        _ => {
            return Err(format!(
                "setting namespace on (cluster)role binding subjects: {}",
                wrong_kind("SequenceNode", subjects)
            ));
        }
    };
    for item in items {
        let Some(map) = item.as_map_mut() else {
            return Err(format!(
                "setting namespace on (cluster)role binding subjects: looking up name on (cluster)role binding subject: {}",
                wrong_kind("MappingNode", item)
            ));
        };
        if map.get("name").and_then(Node::as_str) == Some("default") {
            map.insert("namespace", Node::string(namespace));
        }
    }
    Ok(())
}
