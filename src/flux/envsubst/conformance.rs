//! Opt-in conformance run against the tables exported from fluxcd/pkg (`cases.json`,
//! `parse_cases.json`). Run with
//! `FLUX_CONFORMANCE_DIR=/work/shared/conformance/flux cargo test --lib flux -- --ignored`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::yaml::{Limits, Node as Y, Value, parse_stream};

fn load(name: &str) -> Option<Y> {
    let dir = std::env::var_os("FLUX_CONFORMANCE_DIR")?;
    let path = PathBuf::from(dir).join("envsubst").join(name);
    let text = std::fs::read_to_string(&path).expect("read conformance file");
    let mut docs = parse_stream(&text, &Limits::default()).expect("parse JSON");
    Some(docs.remove(0).root)
}

fn s<'a>(n: &'a Y, key: &str) -> &'a str {
    n.get(key).and_then(Y::as_str).unwrap_or("")
}

#[test]
#[ignore = "needs FLUX_CONFORMANCE_DIR"]
fn flux_eval_cases() {
    let Some(cases) = load("cases.json") else {
        panic!("set FLUX_CONFORMANCE_DIR");
    };
    let mut n = 0;
    for case in cases.as_seq().unwrap_or_default() {
        let env: BTreeMap<String, String> = case
            .get("env")
            .and_then(Y::as_map)
            .map(|m| {
                m.entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().unwrap_or("").into(),
                            v.as_str().unwrap_or("").into(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let strict = matches!(
            case.get("strict").map(|v| &v.value),
            Some(Value::Bool(true))
        );
        let got = substitute(s(case, "input"), &|k| env.get(k).cloned(), strict);
        let wants_error = matches!(case.get("error").map(|v| &v.value), Some(Value::Bool(true)));
        if wants_error {
            let Err(e) = got else {
                panic!("{}: expected an error", s(case, "source"));
            };
            assert!(
                e.message().starts_with(s(case, "error_is")),
                "{}",
                s(case, "source")
            );
        } else {
            assert_eq!(
                got.as_deref(),
                Ok(s(case, "expected")),
                "{}",
                s(case, "source")
            );
        }
        n += 1;
    }
    assert!(n > 0);
    eprintln!("{n} eval cases passed");
}

fn shape_of(n: &Y) -> GoShape {
    match s(n, "type") {
        "TextNode" => GoShape::Text(s(n, "Value").into()),
        "FuncNode" => GoShape::Func(
            s(n, "Param").into(),
            s(n, "Name").into(),
            n.get("Args")
                .and_then(Y::as_seq)
                .unwrap_or_default()
                .iter()
                .map(shape_of)
                .collect(),
        ),
        _ => GoShape::List(
            n.get("Nodes")
                .and_then(Y::as_seq)
                .unwrap_or_default()
                .iter()
                .map(shape_of)
                .collect(),
        ),
    }
}

#[test]
#[ignore = "needs FLUX_CONFORMANCE_DIR"]
fn flux_parse_cases() {
    let Some(cases) = load("parse_cases.json") else {
        panic!("set FLUX_CONFORMANCE_DIR");
    };
    let mut n = 0;
    for case in cases.as_seq().unwrap_or_default() {
        let want = shape_of(case.get("root").expect("root"));
        let got = parse(s(case, "text"))
            .unwrap_or_else(|e| panic!("{}: {e}", s(case, "source")))
            .to_go_shape();
        assert_eq!(got, want, "{}", s(case, "source"));
        n += 1;
    }
    assert!(n > 0);
    eprintln!("{n} parse cases passed");
}
