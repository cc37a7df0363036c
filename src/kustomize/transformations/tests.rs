use super::*;
use crate::kustomize::kustomization::Kustomization;
use crate::resource::Origin;
use crate::yaml::{Limits, Pos, parse_stream};
use std::sync::Arc;

#[test]
fn logical_paths_follow_go_path_join() {
    assert_eq!(join_logical("", "kustomization.yaml"), "kustomization.yaml");
    assert_eq!(join_logical("", "./base/"), "base");
    assert_eq!(join_logical("ov", "../e1/base"), "e1/base");
    assert_eq!(join_logical("", "../e1/base"), "../e1/base");
    assert_eq!(join_logical("../a", "../../b"), "../../b");
    assert_eq!(join_logical("a", ".."), ".");
    assert_eq!(join_logical("", ""), "");
}

#[test]
fn annotation_text_is_a_sequence_in_struct_order() {
    let records = vec![
        Transformation::builtin("../base/kustomization.yaml", "PrefixTransformer"),
        Transformation {
            configured_in: "kustomization.yaml".into(),
            api_version: "builtin".into(),
            kind: "NamespaceTransformer".into(),
            name: "n".into(),
            namespace: "yes".into(),
            ..Transformation::default()
        },
    ];
    assert_eq!(
        annotation_text(&records),
        "- configuredIn: ../base/kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: PrefixTransformer\n\
         - configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: NamespaceTransformer\n    name: \"n\"\n    namespace: \"yes\"\n"
    );
}

fn kust(text: &str) -> Kustomization {
    let root = parse_stream(text, &Limits::default())
        .unwrap()
        .remove(0)
        .root;
    Kustomization::from_node(&root, Path::new("/k/kustomization.yaml")).unwrap()
}

fn resource(text: &str) -> Resource {
    let root = parse_stream(text, &Limits::default())
        .unwrap()
        .remove(0)
        .root;
    Resource::new(
        root,
        Origin {
            file: Arc::from(Path::new("/k/r.yaml")),
            doc_index: 0,
            pos: Pos::new(1, 1),
        },
    )
}

#[test]
fn instances_follow_the_set_fields() {
    let k = kust(
        "resources: [a]\nnamePrefix: p-\nnameSuffix: ''\nlabels: [{pairs: {a: b}}, {pairs: {}}]\nimages: [{name: a}, {name: b}]\nimageTags: [{name: c}]\n",
    );
    assert_eq!(instances(&k, "PrefixTransformer"), 1);
    assert_eq!(instances(&k, "SuffixTransformer"), 0);
    // One per `labels` entry, plus the `commonLabels` one even when it is unset.
    assert_eq!(instances(&k, "LabelTransformer"), 3);
    assert_eq!(instances(&k, "ImageTagTransformer"), 3);
    assert_eq!(instances(&k, "NamespaceTransformer"), 0);
    let k = kust("resources: [a]\ncommonLabels: {a: b}\n");
    assert_eq!(instances(&k, "LabelTransformer"), 1);
}

#[test]
fn records_append_or_become_the_origin_when_it_is_gone() {
    let t = Transformation::builtin("kustomization.yaml", "PrefixTransformer");
    let mut rs = vec![
        resource(
            "kind: A\nmetadata:\n  name: a\n  annotations: {config.kubernetes.io/origin: x}\n",
        ),
        resource("kind: B\nmetadata: {name: b}\n"),
    ];
    record(&mut rs, &t, 2).unwrap();
    let anno = |r: &Resource, k: &str| annotation(&r.node, k);
    assert_eq!(
        anno(&rs[0], KEY),
        Some(annotation_text(&[t.clone(), t.clone()]))
    );
    assert_eq!(
        anno(&rs[1], KEY),
        Some(annotation_text(std::slice::from_ref(&t)))
    );
    assert_eq!(rs[1].book.origin_override.as_ref(), Some(&t));
    assert_eq!(anno(&rs[1], ORIGIN), Some(t.origin_text()));
}
