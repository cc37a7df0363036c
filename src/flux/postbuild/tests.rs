//! Unit tests of post-build substitution.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::resource::Origin;

fn resources(yaml: &str) -> Vec<Resource> {
    let file: Arc<Path> = Arc::from(Path::new("/repo/app.yaml"));
    parse_stream(yaml, &Limits::default())
        .expect("yaml")
        .into_iter()
        .map(|d| {
            let origin = Origin {
                file: file.clone(),
                doc_index: d.index,
                pos: d.root.pos,
            };
            Resource::new(d.root, origin)
        })
        .collect()
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn render(res: &[Resource]) -> String {
    let mut out = String::new();
    for r in res {
        write_document(&r.node, &mut out).expect("emit");
    }
    out
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n";

#[test]
fn values_are_retyped_as_flux_reads_them() {
    let mut res = resources(&format!(
        "{CM}data:\n  port: \"${{PORT}}\"\n  flag: ${{F}}\n  off: '${{G}}'\n  day: ${{D}}\n  oct: ${{O}}\n  s: \"${{S}}x\"\n"
    ));
    let v = vars(&[
        ("PORT", "8080"),
        ("F", "yes"),
        ("G", "off"),
        ("D", "2024-01-02"),
        ("O", "0o17"),
        ("S", "on"),
    ]);
    apply(&mut res, &v, true, SubstituteStrategy::WithVariables).unwrap();
    let data = res[0].node.get("data").unwrap();
    assert_eq!(data.get("port").unwrap().value, Value::Int(8080));
    assert_eq!(data.get("flag").unwrap().value, Value::Bool(true));
    assert_eq!(data.get("off").unwrap().value, Value::Bool(false));
    assert_eq!(
        data.get("day").unwrap().value,
        Value::Str("2024-01-02".into())
    );
    // Go's ParseInt(s, 0, 64) reads `0o17` for go-yaml v2 too.
    assert_eq!(data.get("oct").unwrap().value, Value::Int(15));
    assert_eq!(data.get("s").unwrap().value, Value::Str("onx".into()));
    assert!(render(&res).contains("day: \"2024-01-02\"\n"));
}

#[test]
fn disabled_objects_and_empty_vars_are_untouched() {
    let yaml = format!(
        "{CM}  labels:\n    {SUBSTITUTE_KEY}: disabled\ndata:\n  a: ${{X}}\n---\n{CM}  annotations:\n    {SUBSTITUTE_KEY}: disabled\ndata:\n  a: ${{X}}\n---\n{CM}  labels:\n    {SUBSTITUTE_KEY}: Disabled\ndata:\n  a: ${{X:=d}}\n"
    );
    let mut res = resources(&yaml);
    let before = res.clone();
    apply(
        &mut res,
        &vars(&[]),
        true,
        SubstituteStrategy::WithVariables,
    )
    .unwrap();
    assert_eq!(res, before);
    apply(&mut res, &vars(&[]), true, SubstituteStrategy::Always).unwrap();
    assert_eq!(res[0], before[0]);
    assert_eq!(res[1], before[1]);
    assert_eq!(
        res[2].node.get_path(&["data", "a"]).unwrap().as_str(),
        Some("d")
    );
}

#[test]
fn strict_failure_names_object_and_variable_not_values() {
    let mut res = resources(&format!(
        "{CM}data:\n  a: ${{SECRET_VALUE_X}}\n  b: ${{MISSING}}\n"
    ));
    let err = apply(
        &mut res,
        &vars(&[("SECRET_VALUE_X", "hunter2")]),
        true,
        SubstituteStrategy::WithVariables,
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "post build failed for 'ConfigMap/ns/c': envsubst error: variable substitution failed: \
         variable not set (strict mode): \"MISSING\""
    );
    let loc = err.location.clone().unwrap();
    assert_eq!(loc.file, Path::new("/repo/app.yaml"));
    assert_eq!(loc.pos.line, 1);
    assert!(!format!("{err:?}").contains("hunter2"));
    assert!(err.hint.unwrap().contains("MISSING"));
    // Non-strict: unset reads as empty (then null).
    apply(
        &mut res,
        &vars(&[("SECRET_VALUE_X", "v")]),
        false,
        SubstituteStrategy::WithVariables,
    )
    .unwrap();
    assert!(res[0].node.get_path(&["data", "b"]).unwrap().is_null());
}

#[test]
fn syntax_errors_and_broken_yaml_fail() {
    let mut res = resources(&format!("{CM}data:\n  a: ${{X-y}}\n"));
    let err = apply(
        &mut res,
        &vars(&[("X", "1")]),
        false,
        SubstituteStrategy::WithVariables,
    )
    .unwrap_err();
    assert!(
        err.message.ends_with("missing closing brace"),
        "{}",
        err.message
    );
    let mut res = resources(&format!("{CM}data:\n  a: ${{X}}\n"));
    let err = apply(
        &mut res,
        &vars(&[("X", "[unclosed")]),
        false,
        SubstituteStrategy::WithVariables,
    )
    .unwrap_err();
    assert!(err.message.contains("YAMLToJSON"), "{}", err.message);
    assert!(!err.message.contains("unclosed"));
}

#[test]
fn invalid_var_names_fail_every_substituted_object() {
    let mut res = resources(&format!("{CM}data:\n  a: b\n"));
    let err = apply(
        &mut res,
        &vars(&[("my-var", "1")]),
        false,
        SubstituteStrategy::WithVariables,
    )
    .unwrap_err();
    assert!(
        err.message.contains("'my-var' var name is invalid"),
        "{}",
        err.message
    );
    assert!(valid_var_name("_a1") && valid_var_name("A") && !valid_var_name("1a"));
    assert!(!valid_var_name("") && !valid_var_name("é"));
}

#[test]
fn positions_survive_where_the_shape_did_not_change() {
    let mut res = resources(&format!("{CM}data:\n  a: ${{X}}\n  b: plain\n"));
    let b_pos = res[0].node.get_path(&["data", "b"]).unwrap().pos;
    apply(
        &mut res,
        &vars(&[("X", "1")]),
        false,
        SubstituteStrategy::WithVariables,
    )
    .unwrap();
    assert_eq!(res[0].node.get_path(&["data", "b"]).unwrap().pos, b_pos);
    assert_eq!(
        res[0].node.get_path(&["data", "a"]).unwrap().value,
        Value::Int(1)
    );
    assert_eq!(res[0].origin.pos.line, 1);
}

fn spec(yaml: &str) -> Node {
    parse_stream(yaml, &Limits::default())
        .unwrap()
        .remove(0)
        .root
}

#[test]
fn parse_post_build_reads_the_api() {
    let file = Path::new("/repo/ks.yaml");
    assert_eq!(parse_post_build(&spec("path: ./x\n"), file).unwrap(), None);
    let pb = parse_post_build(
        &spec(
            "postBuild:\n  substitute:\n    a: \"1\"\n  substituteFrom:\n  - kind: ConfigMap\n    name: one\n  - kind: Secret\n    name: two\n    optional: true\n  substituteStrategy: Always\n",
        ),
        file,
    )
    .unwrap()
    .unwrap();
    assert_eq!(pb.substitute, vars(&[("a", "1")]));
    assert_eq!(pb.substitute_from.len(), 2);
    assert_eq!(pb.substitute_from[1].kind, SubstituteKind::Secret);
    assert!(pb.substitute_from[1].optional);
    assert_eq!(pb.substitute_from[1].pos.line, 7);
    assert_eq!(pb.strategy, SubstituteStrategy::Always);
    for bad in [
        "postBuild:\n  substitute:\n    port: 8080\n",
        "postBuild:\n  substituteFrom:\n  - kind: Namespace\n    name: x\n",
        "postBuild:\n  substituteFrom:\n  - kind: Secret\n",
        "postBuild:\n  substituteStrategy: Sometimes\n",
        "postBuild: [1]\n",
    ] {
        let e = parse_post_build(&spec(bad), file).unwrap_err();
        assert_eq!(e.location.unwrap().file, file, "{bad}");
    }
}

#[test]
fn variable_precedence_and_missing_objects() {
    let file = Path::new("/repo/ks.yaml");
    let pb = parse_post_build(
        &spec(
            "postBuild:\n  substitute:\n    inline: \"in\\nline\"\n    shared: inline\n  substituteFrom:\n  - kind: ConfigMap\n    name: first\n  - kind: Secret\n    name: second\n  - kind: ConfigMap\n    name: gone\n    optional: true\n",
        ),
        file,
    )
    .unwrap()
    .unwrap();
    let cm = spec("kind: ConfigMap\ndata:\n  shared: cm\n  a: from-cm\n  b: from-cm\n");
    // "from-secret\n" and "c2VjcmV0" ("secret").
    let secret = spec(
        "kind: Secret\ndata:\n  b: ZnJvbS1zZWNyZXQK\n  c: c2VjcmV0\nstringData:\n  c: plain\n  shared: s\n",
    );
    let lookup = |r: &SubstituteRef| match r.name.as_str() {
        "first" => Some(object_data(r.kind, &cm).unwrap()),
        "second" => Some(object_data(r.kind, &secret).unwrap()),
        _ => None,
    };
    let v = resolve_vars(&pb, &lookup).unwrap();
    assert_eq!(
        v,
        vars(&[
            ("a", "from-cm"),
            ("b", "from-secret"),
            ("c", "plain"),
            ("inline", "inline"),
            ("shared", "inline")
        ])
    );
    let mut strict = pb.clone();
    strict.substitute_from[2].optional = false;
    let e = resolve_vars(&strict, &lookup).unwrap_err();
    assert_eq!(
        e.message,
        "substitute from 'ConfigMap/gone' error: configmaps \"gone\" not found"
    );
    assert_eq!(e.location.unwrap().pos.line, 10);
    let bad = spec("kind: Secret\ndata:\n  k: \"!!notbase64\"\n");
    assert_eq!(
        object_data(SubstituteKind::Secret, &bad).unwrap_err(),
        "data.k is not valid base64"
    );
}

#[test]
fn run_resolves_and_applies() {
    let file = Path::new("/repo/ks.yaml");
    let pb = parse_post_build(
        &spec("postBuild:\n  substitute:\n    X: inline\n  substituteFrom:\n  - kind: ConfigMap\n    name: vals\n"),
        file,
    )
    .unwrap()
    .unwrap();
    let cm = spec("kind: ConfigMap\ndata:\n  Y: from-cm\n  X: loses\n");
    let lookup = |r: &SubstituteRef| (r.name == "vals").then(|| object_data(r.kind, &cm).unwrap());
    let mut res = resources(&format!("{CM}data:\n  a: ${{X}}-${{Y}}\n"));
    run(&mut res, &pb, &lookup, STRICT_DEFAULT).unwrap();
    assert_eq!(
        res[0].node.get_path(&["data", "a"]).unwrap().as_str(),
        Some("inline-from-cm")
    );
    let none = |_: &SubstituteRef| None;
    let err = run(&mut res, &pb, &none, STRICT_DEFAULT).unwrap_err();
    assert!(err.message.contains("ConfigMap/vals"));
}
