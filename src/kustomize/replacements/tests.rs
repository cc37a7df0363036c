//! Replacement behaviours pinned to kustomize v5.8.1 (some differ from kubectl's v5.5.0).

use std::path::Path;

use super::spec::{IdSpec, ReplacementSpec, SelectSpec, SourceSpec, TargetSpec};
use super::*;
use crate::resource::Origin;
use crate::resource::selector::SelectorSpec;
use crate::yaml::{Limits, parse_stream};

fn resources(src: &str) -> Vec<Resource> {
    parse_stream(src, &Limits::default())
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            Resource::new(
                d.root,
                Origin {
                    file: Path::new("/r.yaml").into(),
                    doc_index: i,
                    pos: Pos::NONE,
                },
            )
        })
        .collect()
}

fn repl(
    source: Option<SourceSpec>,
    value: Option<&str>,
    select: SelectorSpec,
    fp: &str,
) -> ReplacementSpec {
    ReplacementSpec {
        source,
        source_value: value.map(str::to_owned),
        targets: Some(vec![TargetSpec {
            select: Some(SelectSpec {
                spec: select,
                pos: Pos::NONE,
            }),
            reject: Vec::new(),
            field_paths: vec![(fp.to_owned(), Pos::NONE)],
            options: Default::default(),
            pos: Pos::NONE,
        }]),
        file: "/k.yaml".into(),
        pos: Pos::NONE,
    }
}

const OBJS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-a}\ndata: {k: old}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-b, namespace: prod}\ndata: {k: old}\n";

fn data_k(r: &Resource) -> &str {
    r.node
        .get_path(&["data", "k"])
        .and_then(Node::as_str)
        .unwrap_or("")
}

#[test]
fn source_value_and_regex_target_selection_v58() {
    // kustomize v5.7+ only: `sourceValue`, and regexes in target selectors (v5.5 matched names
    // literally, so `web-.*` selected nothing there).
    let mut rs = resources(OBJS);
    let r = repl(
        None,
        Some("new"),
        SelectorSpec {
            name: "web-.*".into(),
            ..Default::default()
        },
        "data.k",
    );
    apply(&r, &mut rs).unwrap();
    assert_eq!(data_k(&rs[0]), "new");
    assert_eq!(data_k(&rs[1]), "new");
}

#[test]
fn target_namespace_is_matched_raw_v58() {
    // v5.8 compares the written namespace, so `default` does not select an object without one
    // (v5.5 compared effective namespaces and did).
    let mut rs = resources(OBJS);
    let r = repl(
        None,
        Some("new"),
        SelectorSpec {
            namespace: "default".into(),
            ..Default::default()
        },
        "data.k",
    );
    apply(&r, &mut rs).unwrap();
    assert_eq!(data_k(&rs[0]), "old");
    let r = repl(
        None,
        Some("new"),
        SelectorSpec {
            namespace: "pro.*".into(),
            ..Default::default()
        },
        "data.k",
    );
    apply(&r, &mut rs).unwrap();
    assert_eq!(data_k(&rs[1]), "new");
}

#[test]
fn source_is_exact_with_effective_namespace() {
    let mut rs = resources(OBJS);
    let src = SourceSpec {
        id: IdSpec {
            kind: "ConfigMap".into(),
            namespace: "default".into(),
            ..Default::default()
        },
        field_path: String::new(),
        options: Default::default(),
    };
    let r = repl(
        Some(src),
        None,
        SelectorSpec {
            name: "web-b".into(),
            ..Default::default()
        },
        "data.k",
    );
    apply(&r, &mut rs).unwrap();
    assert_eq!(data_k(&rs[1]), "web-a");
    let src = SourceSpec {
        id: IdSpec {
            kind: "ConfigMap".into(),
            ..Default::default()
        },
        field_path: String::new(),
        options: Default::default(),
    };
    let r = repl(Some(src), None, SelectorSpec::default(), "data.k");
    let e = apply(&r, &mut rs).unwrap_err();
    assert!(
        e.message
            .starts_with("multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]"),
        "{}",
        e.message
    );
}

#[test]
fn both_source_kinds_are_refused() {
    let mut rs = resources(OBJS);
    let src = SourceSpec {
        id: IdSpec::default(),
        field_path: String::new(),
        options: Default::default(),
    };
    let r = repl(Some(src), Some("x"), SelectorSpec::default(), "data.k");
    let e = apply(&r, &mut rs).unwrap_err();
    assert_eq!(
        e.message,
        "value and resource selectors are mutually exclusive"
    );
}

#[test]
fn source_value_is_typed_where_it_lands() {
    let mut rs = resources("apiVersion: v1\nkind: X\nmetadata: {name: a}\nspec: {m: {a: b}}\n");
    let r = repl(None, Some("5"), SelectorSpec::default(), "spec.m");
    apply(&r, &mut rs).unwrap();
    assert_eq!(
        rs[0].node.get_path(&["spec", "m"]).map(|n| n.value.clone()),
        Some(Value::Int(5))
    );
}
