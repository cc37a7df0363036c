//! Var binding and resolution.

use std::path::{Path, PathBuf};

use super::*;
use crate::resource::{Origin, PrevId};
use crate::yaml::{Limits, parse_stream};

fn nodes(src: &str) -> Vec<Node> {
    parse_stream(src, &Limits::default())
        .unwrap()
        .into_iter()
        .map(|d| d.root)
        .collect()
}

fn resources(src: &str) -> Vec<Resource> {
    nodes(src)
        .into_iter()
        .map(|n| {
            Resource::new(
                n,
                Origin {
                    file: Path::new("/r.yaml").into(),
                    doc_index: 0,
                    pos: Pos::NONE,
                },
            )
        })
        .collect()
}

fn kust(src: &str) -> Kustomization {
    let root = nodes(src).remove(0);
    Kustomization::from_node(&root, Path::new("/k/kustomization.yaml")).unwrap()
}

const OBJS: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {ports: [{port: 5432}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    args: [\"$(PORT)\", \"$(NAME)-x\", \"$$(NAME)\"]\n";

#[test]
fn binds_by_original_id_and_resolves_typed_values() {
    let mut rs = resources(OBJS);
    // A renamed Service is still found by its original name.
    rs[0].book.prev_ids.push(PrevId {
        kind: "Service".into(),
        name: "db".into(),
        namespace: String::new(),
    });
    rs[0].set_name("p-db");
    let k = kust(
        "resources: [r.yaml]\nvars:\n- name: NAME\n  objref: {apiVersion: v1, kind: Service, name: db}\n- name: PORT\n  objref: {apiVersion: v1, kind: Service, name: db}\n  fieldref: {fieldPath: 'spec.ports[0].port'}\n",
    );
    let mut vars: Vec<(PathBuf, Node)> = Vec::new();
    merge_layer_vars(&k, &mut rs, &mut vars).unwrap();
    assert_eq!(rs[0].book.ref_var_names, ["NAME", "PORT"]);
    resolve(&mut rs, &vars, TransformerConfig::builtin()).unwrap();
    let args = rs[1]
        .node
        .get_path(&["spec", "containers"])
        .and_then(Node::as_seq)
        .and_then(|c| c[0].get("args"))
        .and_then(Node::as_seq)
        .unwrap();
    assert_eq!(args[0].value, Value::Int(5432));
    assert_eq!(args[1].value, Value::Str("p-db-x".into()));
    assert_eq!(args[2].value, Value::Str("$(NAME)".into()));
}

#[test]
fn objref_without_version_matches_nothing() {
    let mut rs = resources(OBJS);
    let k = kust("resources: [r.yaml]\nvars:\n- name: NAME\n  objref: {kind: Service, name: db}\n");
    let mut vars = Vec::new();
    merge_layer_vars(&k, &mut rs, &mut vars).unwrap();
    let e = resolve(&mut rs, &vars, TransformerConfig::builtin()).unwrap_err();
    assert_eq!(
        e.message,
        "var '{NAME Service.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
    );
}

#[test]
fn duplicate_names_and_unknown_fields_are_errors() {
    let mut rs = resources(OBJS);
    let k = kust(
        "resources: [r.yaml]\nvars:\n- name: A\n  objref: {apiVersion: v1, kind: Service, name: db}\n- name: A\n  objref: {apiVersion: v1, kind: Pod, name: p}\n",
    );
    let e = merge_layer_vars(&k, &mut rs, &mut Vec::new()).unwrap_err();
    assert_eq!(e.message, "var 'A' already encountered");
    let k = kust("resources: [r.yaml]\nvars:\n- name: A\n  objref: {kind: Service, nam: db}\n");
    let e = merge_layer_vars(&k, &mut rs, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.message,
        "invalid Kustomization: json: unknown field \"nam\""
    );
}

#[test]
fn field_path_brackets_become_indexes() {
    assert_eq!(
        field_path_parts("spec.containers[0].ports[1].containerPort"),
        ["spec", "containers", "0", "ports", "1", "containerPort"]
    );
    assert_eq!(field_path_parts("a.[b.c]"), ["a", "b.c"]);
}
