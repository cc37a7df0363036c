//! The content hash kustomize appends to generated names (api/hasher/hasher.go,
//! api/internal/builtins/HashTransformer.go).
//!
//! The hash is the sha256 of a Go `encoding/json` text, cut to 10 hex digits and mapped to
//! avoid vowels and look-alike digits. For ConfigMaps and Secrets the JSON holds only the kind,
//! the data maps and (Secrets) the type; `name` is always `""` because kustomize looks up the
//! path `metadata/name` as one literal key, which never exists.

use sha2::{Digest, Sha256};

use crate::resource::Resource;
use crate::yaml::gojson::write_str;
use crate::yaml::{Node, Value};

/// Appends the content hash to the name of every resource that needs it, recording the
/// previous id first (kustomize's HashTransformer, run once at the top level).
pub fn apply_hash_suffixes(resources: &mut [Resource]) {
    for r in resources.iter_mut().filter(|r| r.book.needs_hash) {
        let hash = content_hash(&r.node);
        r.store_previous_id();
        let name = format!("{}-{hash}", r.name());
        r.set_name(&name);
    }
}

/// The 10-character content hash of an object.
pub fn content_hash(node: &Node) -> String {
    let json = hash_input(node);
    let digest = Sha256::digest(json.as_bytes());
    let mut out = String::with_capacity(10);
    for b in digest.iter().take(5) {
        for nibble in [b >> 4, b & 0xf] {
            out.push(match nibble {
                0 => 'g',
                1 => 'h',
                3 => 'k',
                0xa => 'm',
                0xe => 't',
                n => char::from_digit(u32::from(n), 16).unwrap_or('0'),
            });
        }
    }
    out
}

/// The JSON text kustomize hashes for an object.
pub fn hash_input(node: &Node) -> String {
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
    let mut fields: Vec<(&str, Json<'_>)> = Vec::new();
    match kind {
        "ConfigMap" => {
            fields.push(("kind", Json::Str("ConfigMap")));
            fields.push(("name", Json::Str("")));
            fields.push(("data", lookup(node, "data")));
            if let Some(bin) = node.get("binaryData").filter(|n| n.as_map().is_some()) {
                fields.push(("binaryData", Json::Node(bin)));
            }
        }
        "Secret" => {
            fields.push(("kind", Json::Str("Secret")));
            fields.push(("type", lookup(node, "type")));
            fields.push(("name", Json::Str("")));
            fields.push(("data", lookup(node, "data")));
            if let Some(sd) = node.get("stringData").filter(|n| n.as_map().is_some()) {
                fields.push(("stringData", Json::Node(sd)));
            }
        }
        _ => {
            let mut out = String::new();
            write_node(node, &mut out, false);
            return out;
        }
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(k, &mut out);
        out.push(':');
        match v {
            Json::Str(s) => write_str(s, &mut out),
            Json::Null => out.push_str("null"),
            // The data maps went through JSON into Go `interface{}` and back: numbers are
            // float64 by then.
            Json::Node(n) => write_node(n, &mut out, true),
        }
    }
    out.push('}');
    out
}

enum Json<'a> {
    Str(&'a str),
    Null,
    Node(&'a Node),
}

/// kustomize's `getNodeValues`: absent → `""`; a scalar → its text; a mapping → the mapping;
/// anything else (a sequence) fails to unmarshal into a map and becomes `null`.
fn lookup<'a>(node: &'a Node, key: &str) -> Json<'a> {
    match node.get(key) {
        None => Json::Str(""),
        Some(n) => match &n.value {
            Value::Map(_) => Json::Node(n),
            Value::Seq(_) => Json::Null,
            Value::Str(s) | Value::Timestamp(s) => Json::Str(s),
            _ => Json::Node(n),
        },
    }
}

/// Go `encoding/json` of a decoded YAML value: map keys sorted, compact.
fn write_node(node: &Node, out: &mut String, floats: bool) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) if !floats => out.push_str(&i.to_string()),
        Value::UInt(u) if !floats => out.push_str(&u.to_string()),
        Value::Int(i) => out.push_str(&go_float(*i as f64)),
        Value::UInt(u) => out.push_str(&go_float(*u as f64)),
        Value::Float(f) => out.push_str(&go_float(*f)),
        Value::Str(s) | Value::Timestamp(s) => write_str(s, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_node(item, out, floats);
            }
            out.push(']');
        }
        Value::Map(map) => {
            let mut entries: Vec<(String, &Node)> =
                map.entries.iter().map(|(k, v)| (key_text(k), v)).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|a, b| a.0 == b.0);
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_node(v, out, floats);
            }
            out.push('}');
        }
    }
}

fn key_text(k: &Node) -> String {
    match &k.value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => go_float(*f),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// Go's `json.Marshal` of a float64 (`'f'` format, `'e'` below 1e-6 or from 1e21).
pub fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(src: &str) -> Node {
        parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    #[test]
    fn configmap_example_from_the_spec() {
        let n = node(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  foo: bar\n  baz: qux\n",
        );
        assert_eq!(
            hash_input(&n),
            r#"{"data":{"baz":"qux","foo":"bar"},"kind":"ConfigMap","name":""}"#
        );
        assert_eq!(content_hash(&n), "6b85g79g7g");
    }

    #[test]
    fn secret_example_from_the_spec() {
        let n = node(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secret\ntype: Opaque\ndata:\n  password: czNjcjN0\n",
        );
        assert_eq!(
            hash_input(&n),
            r#"{"data":{"password":"czNjcjN0"},"kind":"Secret","name":"","type":"Opaque"}"#
        );
        assert_eq!(content_hash(&n), "25k92892fb");
    }

    #[test]
    fn html_escaping() {
        let n = node("kind: ConfigMap\ndata:\n  k: <a&b>\n  u: héllo\n");
        assert_eq!(
            hash_input(&n),
            r#"{"data":{"k":"\u003ca\u0026b\u003e","u":"héllo"},"kind":"ConfigMap","name":""}"#
        );
        assert_eq!(content_hash(&n), "62tcmh8b99");
    }

    #[test]
    fn absent_data_and_binary_data() {
        let n = node("kind: ConfigMap\nbinaryData:\n  b: AAE=\n");
        assert_eq!(
            hash_input(&n),
            r#"{"binaryData":{"b":"AAE="},"data":"","kind":"ConfigMap","name":""}"#
        );
    }

    #[test]
    fn suffix_is_applied_once_and_the_old_name_kept() {
        use crate::resource::{Origin, Resource};
        use std::sync::Arc;
        let n = node(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: x\ndata:\n  foo: bar\n  baz: qux\n",
        );
        let origin = Origin {
            file: Arc::from(std::path::Path::new("/k/kustomization.yaml")),
            doc_index: 0,
            pos: crate::yaml::Pos::new(1, 1),
        };
        let mut rs = vec![
            Resource::new(n.clone(), origin.clone()),
            Resource::new(n, origin),
        ];
        rs[0].book.needs_hash = true;
        apply_hash_suffixes(&mut rs);
        assert_eq!(rs[0].name(), "app-config-6b85g79g7g");
        assert_eq!(rs[0].book.prev_ids[0].name, "app-config");
        assert_eq!(rs[0].book.prev_ids[0].namespace, "x");
        assert_eq!(rs[1].name(), "app-config");
        assert!(rs[1].book.prev_ids.is_empty());
    }

    #[test]
    fn numbers_like_go() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1.5e-7), "1.5e-7");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(12345678901234567890.0), "12345678901234567000");
        let n = node("kind: ConfigMap\ndata:\n  a: 1\n  b: true\n");
        assert_eq!(
            hash_input(&n),
            r#"{"data":{"a":1,"b":true},"kind":"ConfigMap","name":""}"#
        );
    }
}
