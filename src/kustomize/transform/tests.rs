//! Unit tests of the transformers over small in-memory layers, including the behaviours where
//! kustomize v5.8.1 (the target) differs from v5.5.0 (`kubectl kustomize`), which fixtures cannot
//! pin because their goldens come from kubectl.

use std::path::Path;

use super::{images, labels, name, namespace, replicas};
use crate::kustomize::build::Layer;
use crate::kustomize::config::TransformerConfig;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::resources::resources_from_documents;
use crate::yaml::{Limits, Node, parse_stream};

fn kust(text: &str) -> Kustomization {
    let root = parse_stream(text, &Limits::default())
        .unwrap()
        .remove(0)
        .root;
    Kustomization::from_node(&root, Path::new("/k/kustomization.yaml")).unwrap()
}

fn layer(text: &str) -> Layer {
    let docs = parse_stream(text, &Limits::default()).unwrap();
    Layer {
        resources: resources_from_documents(docs, Path::new("/k/r.yaml")).unwrap(),
        config: TransformerConfig::builtin().clone(),
        vars: Vec::new(),
    }
}

fn str_at<'a>(n: &'a Node, path: &[&str]) -> Option<&'a str> {
    n.get_path(path).and_then(Node::as_str)
}

#[test]
fn validating_admission_policies_are_cluster_scoped_in_v5_8() {
    let k = kust("namespace: ns\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\n",
    );
    namespace::apply(&k, &mut l).unwrap();
    for r in &l.resources {
        assert_eq!(r.namespace(), "", "{} must stay cluster-scoped", r.kind());
        assert_eq!(r.book.prev_ids.len(), 1, "prev id stored on every resource");
    }
}

#[test]
fn namespace_records_previous_ids_and_renames_v1_namespaces() {
    let k = kust("namespace: prod\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: old\n",
    );
    namespace::apply(&k, &mut l).unwrap();
    assert_eq!(l.resources[0].name(), "prod");
    assert_eq!(l.resources[0].org_id().name, "dev");
    assert_eq!(l.resources[1].namespace(), "prod");
    assert_eq!(l.resources[1].org_id().namespace, "old");
}

#[test]
fn namespace_conflict_is_an_error() {
    let k = kust("namespace: one\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: b\n",
    );
    let e = namespace::apply(&k, &mut l).unwrap_err();
    assert!(
        e.message
            .contains("namespace transformation produces ID conflict")
    );
}

#[test]
fn prefix_and_suffix_record_affixes_and_skip_by_original_kind() {
    let k = kust("namePrefix: p-\nnameSuffix: -s\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n",
    );
    name::apply_prefix(&k, &mut l).unwrap();
    name::apply_suffix(&k, &mut l).unwrap();
    let cm = &l.resources[0];
    assert_eq!(cm.name(), "p-c-s");
    assert_eq!(cm.book.prefixes, ["p-"]);
    assert_eq!(cm.book.suffixes, ["-s"]);
    assert_eq!(cm.org_id().name, "c");
    assert_eq!(cm.book.prev_ids.len(), 2);
    assert_eq!(l.resources[1].name(), "n");
    assert!(l.resources[1].book.prefixes.is_empty());
}

#[test]
fn include_templates_labels_volume_claim_templates_until_v5_8_1() {
    let k = kust("labels:\n- pairs: {a: b}\n  includeTemplates: true\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  volumeClaimTemplates:\n  - metadata:\n      name: d\n",
    );
    labels::apply_labels(&k, &mut l).unwrap();
    let n = &l.resources[0].node;
    assert_eq!(
        str_at(n, &["spec", "template", "metadata", "labels", "a"]),
        Some("b")
    );
    let vct = &n
        .get_path(&["spec", "volumeClaimTemplates"])
        .unwrap()
        .as_seq()
        .unwrap()[0];
    assert_eq!(str_at(vct, &["metadata", "labels", "a"]), Some("b"));
    assert!(n.get_path(&["spec", "selector"]).is_none());
}

#[test]
fn label_values_must_be_strings() {
    let k = kust("commonLabels: {a: 1}\nresources: [r.yaml]\n");
    let mut l = layer("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
    let e = labels::apply_labels(&k, &mut l).unwrap_err();
    assert!(
        e.message.contains("cannot unmarshal number"),
        "{}",
        e.message
    );
}

#[test]
fn replicas_match_any_previous_name() {
    let k = kust("namePrefix: x-\nreplicas:\n- name: d\n  count: 3\nresources: [r.yaml]\n");
    let mut l = layer("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
    name::apply_prefix(&k, &mut l).unwrap();
    replicas::apply(&k, &mut l).unwrap();
    let n = &l.resources[0].node;
    assert_eq!(
        n.get_path(&["spec", "replicas"]).map(|r| &r.value),
        Some(&crate::yaml::Value::Int(3))
    );
}

/// kustomize v5.8.1 also rewrites image volumes (`spec/volumes[]/image/reference`); v5.5.0 does not.
#[test]
fn image_volumes_are_rewritten_in_v5_8() {
    let k = kust("images:\n- name: nginx\n  newTag: '2'\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    image:\n      reference: nginx:1\n  - name: w\n    emptyDir: {}\n",
    );
    images::apply(&k, &mut l).unwrap();
    let vols = l.resources[0].node.get_path(&["spec", "volumes"]).unwrap();
    let vols = vols.as_seq().unwrap();
    assert_eq!(str_at(&vols[0], &["image", "reference"]), Some("nginx:2"));
    assert!(
        vols[1].get("image").is_none(),
        "image volumes are never created"
    );
}

/// kustomize v5.8.1 ignores an `images[].name` that is not a valid regexp; v5.5.0 crashes.
#[test]
fn invalid_image_name_pattern_changes_nothing() {
    let k = kust("images:\n- name: '['\n  newTag: v2\nresources: [r.yaml]\n");
    let mut l = layer(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: '['\n",
    );
    images::apply(&k, &mut l).unwrap();
    let c = &l.resources[0]
        .node
        .get_path(&["spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap()[0];
    assert_eq!(str_at(c, &["image"]), Some("["));
}
