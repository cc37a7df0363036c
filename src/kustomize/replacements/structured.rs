//! kustomize v5.8 (api v0.21): a target field path may continue into JSON held in a string
//! field (`data.[config.json].server.host`). The JSON is parsed, the value set inside it, and the
//! text re-serialised as Go's `encoding/json` would (keys sorted, compact unless the original
//! was indented). YAML-in-string targets are not rewritten here (see the module report).

use crate::yaml::{Limits, Node, Value, parse_stream};

use super::path::{self, Create};
use super::value::SourceVal;

/// Tries the structured-data path; `None` means "not structured, use the normal path".
pub fn try_set(obj: &mut Node, parts: &[String], create: Create, value: &SourceVal) -> Option<()> {
    if parts.len() < 2 {
        return None;
    }
    let split = (1..parts.len()).find(|&i| {
        path::lookup(obj, &parts[..i])
            .ok()
            .flatten()
            .and_then(|n| n.as_str())
            .is_some_and(|s| parse_json_like(s).is_some())
    })?;
    let (head, rest) = parts.split_at(split);
    let text = path::lookup(obj, head).ok()??.as_str()?.to_owned();
    let mut doc = parse_json_like(&text)?;
    let mut failed = false;
    let count = path::matches(&mut doc, rest, create, &mut |t, created| {
        if matches!(t.value, Value::Map(_) | Value::Seq(_)) {
            t.value = value.node.value.clone();
        } else {
            let v = path::scalar_text(&value.node);
            match super::value::retype_or_resolve(&t.value, created, &v) {
                Ok(nv) => t.value = nv,
                Err(_) => failed = true,
            }
        }
        Ok(())
    })
    .ok()?;
    if failed || count == 0 {
        return None;
    }
    let pretty = text.contains('\n') && text.contains("  ");
    let mut out = String::new();
    go_json(&doc, pretty, 0, &mut out)?;
    set_at(obj, head, out)
}

/// Whether the path runs into a string field holding YAML (not JSON) structure, which kustomize
/// v5.8 would edit in place but fleetcheck does not.
pub fn is_yaml_in_string(obj: &Node, parts: &[String]) -> bool {
    (1..parts.len()).any(|i| {
        path::lookup(obj, &parts[..i])
            .ok()
            .flatten()
            .and_then(|n| n.as_str())
            .and_then(|s| parse_stream(s, &Limits::default()).ok())
            .and_then(|docs| docs.into_iter().next())
            .is_some_and(|d| matches!(d.root.value, Value::Map(_) | Value::Seq(_)))
    })
}

/// A string holding a JSON object or array (the only structured form rewritten here).
fn parse_json_like(s: &str) -> Option<Node> {
    let first = s.trim_start().chars().next()?;
    if first != '{' && first != '[' {
        return None;
    }
    let doc = parse_stream(s, &Limits::default())
        .ok()?
        .into_iter()
        .next()?;
    matches!(doc.root.value, Value::Map(_) | Value::Seq(_)).then_some(doc.root)
}

fn set_at(obj: &mut Node, head: &[String], text: String) -> Option<()> {
    let mut done = false;
    let mut text = Some(text);
    path::matches(obj, head, Create::No, &mut |n, _| {
        if let Some(t) = text.take() {
            n.value = Value::Str(t);
            done = true;
        }
        Ok(())
    })
    .ok()?;
    done.then_some(())
}

fn go_json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e')?;
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        let pad = if digits.len() < 2 { "0" } else { "" };
        Some(format!("{mant}e{sign}{pad}{digits}"))
    } else {
        Some(format!("{f}"))
    }
}

/// Go `json.Marshal` / `json.MarshalIndent(v, "", "  ")` of a decoded YAML value.
fn go_json(n: &Node, pretty: bool, depth: usize, out: &mut String) -> Option<()> {
    let nl = |out: &mut String, d: usize| {
        if pretty {
            out.push('\n');
            out.push_str(&"  ".repeat(d));
        }
    };
    match &n.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::UInt(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&go_json_float(*f)?),
        Value::Timestamp(t) | Value::Str(t) => crate::yaml::gojson::write_str(t, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                go_json(item, pretty, depth + 1, out)?;
            }
            if !items.is_empty() {
                nl(out, depth);
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut entries: Vec<(&str, &Node)> = Vec::new();
            for (k, v) in &m.entries {
                let key = k.as_str()?;
                entries.retain(|(ek, _)| *ek != key);
                entries.push((key, v));
            }
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                crate::yaml::gojson::write_str(k, out);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                go_json(v, pretty, depth + 1, out)?;
            }
            if !entries.is_empty() {
                nl(out, depth);
            }
            out.push('}');
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(src: &str) -> Node {
        parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    fn sv(s: &str) -> SourceVal {
        SourceVal {
            node: Node::new(Value::Str(s.into())),
            untagged: false,
        }
    }

    #[test]
    fn rewrites_json_in_a_string() {
        let mut o = obj("data:\n  config.json: '{\"z\": 1, \"server\": {\"host\": \"old\"}}'\n");
        let parts = path::split("data.[config.json].server.host");
        try_set(&mut o, &parts, Create::No, &sv("db<1>")).unwrap();
        assert_eq!(
            o.get_path(&["data", "config.json"]).and_then(Node::as_str),
            Some("{\"server\":{\"host\":\"db\\u003c1\\u003e\"},\"z\":1}")
        );
        let mut o = obj("data:\n  c: |\n    {\n      \"a\": [1, 2]\n    }\n");
        try_set(&mut o, &path::split("data.c.b"), Create::Scalar, &sv("5")).unwrap();
        assert_eq!(
            o.get_path(&["data", "c"]).and_then(Node::as_str),
            Some("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 5\n}")
        );
    }

    #[test]
    fn yaml_in_strings_is_detected() {
        let o = obj("data:\n  c: |\n    a:\n      b: 1\n  p: plain\n");
        assert!(is_yaml_in_string(&o, &path::split("data.c.a.b")));
        assert!(!is_yaml_in_string(&o, &path::split("data.p.x")));
    }

    #[test]
    fn plain_strings_are_not_structured() {
        let mut o = obj("data:\n  c: plain\n");
        assert!(try_set(&mut o, &path::split("data.c.x"), Create::No, &sv("v")).is_none());
        assert!(try_set(&mut o, &path::split("data.c"), Create::No, &sv("v")).is_none());
    }
}
