//! Schemas (FC1xx): every rendered object validated against the embedded Kubernetes schemas of
//! `--kube-version`, the embedded Flux schemas, the cluster's own CRDs and `--schema-dir`.

use std::borrow::Cow;

use super::finding::{Finding, ObjectRef};
use super::index::ClusterIndex;
use super::rule;
use crate::schema::SchemaSet;
use crate::yaml::Node;

/// How objects are validated.
#[derive(Clone, Debug)]
pub struct SchemaOptions {
    /// Built-in schemas plus `--schema-dir`; each cluster adds its CRDs to a copy.
    pub base: SchemaSet,
    /// `--strict`: unknown fields and duplicate keys are violations.
    pub strict: bool,
}

fn is_crd(r: &crate::resource::Resource) -> bool {
    let id = r.id();
    id.gvk.kind == "CustomResourceDefinition" && id.gvk.group == "apiextensions.k8s.io"
}

/// The object without its top-level `sops` metadata: an object left encrypted (no key was
/// given) is validated as kustomize-controller would apply it, decrypted and without it.
fn without_sops(node: &Node) -> Cow<'_, Node> {
    if node.get("sops").is_none() {
        return Cow::Borrowed(node);
    }
    let mut copy = node.clone();
    if let Some(m) = copy.as_map_mut() {
        m.remove("sops");
    }
    Cow::Owned(copy)
}

/// Runs FC101-FC103 over one cluster.
pub fn check(index: &ClusterIndex<'_>, options: &SchemaOptions, out: &mut Vec<Finding>) {
    let mut set = options.base.clone();
    for (key, r) in index.objects.iter().filter(|(_, r)| is_crd(r)) {
        if let Err(e) = set.add_crd(&r.node) {
            let f = index
                .object_finding(rule::CRD_SCHEMA_INVALID, key, r, e.message.clone())
                .at_pos(e.pos);
            out.push(match e.hint {
                Some(h) => f.with_hint(h),
                None => f,
            });
        }
    }
    for (key, r) in &index.objects {
        let obj = ObjectRef::of(r);
        match set.validate(&without_sops(&r.node), options.strict) {
            None => out.push(index.object_finding(
                rule::SCHEMA_UNKNOWN,
                key,
                r,
                format!(
                    "no schema for {} {}: {obj} is not validated",
                    obj.api_version, obj.kind
                ),
            )),
            Some(violations) => {
                let secret = obj.kind == "Secret" && obj.api_version == "v1";
                // A Secret's data that is not base64 is FC403's (one finding, not two).
                for v in violations
                    .into_iter()
                    .filter(|v| !(secret && v.path.starts_with("data.")))
                {
                    let at = if v.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", v.path)
                    };
                    let mut f = index
                        .object_finding(
                            rule::SCHEMA_VIOLATION,
                            key,
                            r,
                            format!("{obj}{at}: {} ({})", v.message, v.source),
                        )
                        .at_pos(v.pos);
                    if secret {
                        f = f.sensitive();
                    }
                    out.push(f);
                }
            }
        }
    }
}
