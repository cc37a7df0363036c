//! `replicas`: kustomize's ReplicaCountTransformer (api/internal/builtins/ReplicaCountTransformer.go,
//! api/filters/replicacount).

use super::apply_spec;
use super::args::{entry, err_at, get, int_value, list, string_value};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::CreateKind;
use crate::kustomize::kustomization::Kustomization;
use crate::resource::Gvk;
use crate::yaml::Value;

/// Runs one transformer per `replicas` entry, in order.
pub fn apply(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    let Some(node) = kust.field("replicas") else {
        return Ok(());
    };
    for item in list(kust, node, "Kustomization.replicas", "Replica")? {
        let (name, count) = match entry(
            kust,
            item,
            "Kustomization.replicas",
            "Replica",
            &["name", "count"],
        )? {
            Some(map) => (
                get(map, "name").map_or(Ok(String::new()), |n| {
                    string_value(kust, n, "Replica.replicas.name")
                })?,
                get(map, "count")
                    .map_or(Ok(0), |n| int_value(kust, n, "Replica.replicas.count"))?,
            ),
            None => (String::new(), 0),
        };
        set_count(layer, &name, count).map_err(|e| {
            err_at(kust, item.pos, e).with_hint(
                "`replicas[].name` must be the name (before this layer's prefix/suffix) of a Deployment, ReplicationController, ReplicaSet or StatefulSet",
            )
        })?;
    }
    Ok(())
}

/// Sets `count` on every resource whose any id has the name and a kind the specs select.
pub fn set_count(layer: &mut Layer, name: &str, count: i64) -> Result<(), String> {
    let specs = layer.config.replicas.clone();
    let mut found = false;
    for fs in &specs {
        for r in &mut layer.resources {
            let matched = r
                .all_ids()
                .iter()
                .any(|id| id.name == name && fs.selects(&id.gvk));
            if !matched {
                continue;
            }
            found = true;
            let gvk = r.id().gvk;
            apply_spec(r, &gvk, fs, Some(CreateKind::Scalar), &mut |leaf| {
                if matches!(leaf.value, Value::Map(_) | Value::Seq(_)) {
                    return Err(super::wrong_kind("ScalarNode", leaf));
                }
                // kyaml keeps the old scalar's style: a quoted "1" stays a (quoted) string.
                leaf.value = match leaf.value {
                    Value::Str(_) => Value::Str(count.to_string()),
                    _ => Value::Int(count),
                };
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs
            .iter()
            .map(|fs| {
                Gvk {
                    group: fs.group.clone(),
                    version: fs.version.clone(),
                    kind: fs.kind.clone(),
                }
                .to_string()
            })
            .collect();
        return Err(format!(
            "resource with name {name} does not match a config with the following GVK [{}]",
            gvks.join(" ")
        ));
    }
    Ok(())
}
