//! CustomResourceDefinitions: the `openAPIV3Schema` of each served version of an
//! `apiextensions.k8s.io/v1` CRD, as the API server would validate its custom resources.

use std::collections::HashMap;

use super::error::SchemaError;
use super::model::{Catalog, SchemaId};
use crate::resource::Gvk;
use crate::yaml::{Node, Value};

/// One served version of a CRD, compiled.
#[derive(Debug)]
pub(crate) struct CrdVersion {
    /// The kind it validates.
    pub gvk: Gvk,
    /// Its root schema.
    pub id: SchemaId,
}

/// Whether `node` is a CustomResourceDefinition (any `apiextensions.k8s.io` version).
pub(crate) fn is_crd(node: &Node) -> bool {
    node.get("kind").and_then(Node::as_str) == Some("CustomResourceDefinition")
        && node
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
}

/// The CRD's name, for messages (`kustomizations.kustomize.toolkit.fluxcd.io`).
pub(crate) fn crd_name(crd: &Node) -> String {
    crd.get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("(unnamed)")
        .to_owned()
}

/// Compiles the schema of every served version of `crd` into `catalog`.
pub(crate) fn harvest(crd: &Node, catalog: &mut Catalog) -> Result<Vec<CrdVersion>, SchemaError> {
    let name = crd_name(crd);
    let api = crd.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    if !is_crd(crd) {
        return Err(SchemaError::at(
            format!(
                "expected a CustomResourceDefinition, found {} {}",
                api,
                crd.get("kind")
                    .and_then(Node::as_str)
                    .unwrap_or("(no kind)")
            ),
            crd.pos,
        ));
    }
    if api != "apiextensions.k8s.io/v1" {
        return Err(SchemaError::at(
            format!("CRD {name}: {api} is not served since Kubernetes 1.22"),
            crd.pos,
        )
        .with_hint("convert the CRD to apiextensions.k8s.io/v1"));
    }
    let field = |path: &[&str]| {
        crd.get_path(path)
            .and_then(Node::as_str)
            .ok_or_else(|| SchemaError::at(format!("CRD {name}: no {}", path.join(".")), crd.pos))
    };
    let group = field(&["spec", "group"])?;
    let kind = field(&["spec", "names", "kind"])?;
    let versions = crd
        .get_path(&["spec", "versions"])
        .and_then(Node::as_seq)
        .ok_or_else(|| SchemaError::at(format!("CRD {name}: no spec.versions list"), crd.pos))?;
    let mut out = Vec::new();
    for version in versions {
        let served = matches!(
            version.get("served").map(|n| &n.value),
            Some(Value::Bool(true))
        );
        let Some(vname) = version.get("name").and_then(Node::as_str) else {
            return Err(SchemaError::at(
                format!("CRD {name}: a version has no name"),
                version.pos,
            ));
        };
        let Some(schema) = version.get_path(&["schema", "openAPIV3Schema"]) else {
            continue;
        };
        if !served {
            continue;
        }
        let id = catalog
            .compile(schema, &HashMap::new())
            .map_err(|e| e.context(format!("CRD {name} version {vname}")))?;
        out.push(CrdVersion {
            gvk: Gvk {
                group: group.to_owned(),
                version: vname.to_owned(),
                kind: kind.to_owned(),
            },
            id,
        });
    }
    Ok(out)
}
