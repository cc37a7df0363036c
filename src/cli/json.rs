//! A small JSON writer for command output: YAML nodes (keys sorted, for deterministic output)
//! and plain values.

use std::fmt::Write;

use crate::yaml::{Node, Value};

/// Appends `s` as a JSON string (Go's escaping, as everywhere else in fleetcheck).
pub fn string(out: &mut String, s: &str) {
    crate::yaml::gojson::write_str(s, out);
}

/// Appends a YAML node as JSON; mapping keys are sorted, non-finite floats become strings.
pub fn node(out: &mut String, n: &Node) {
    match &n.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        Value::Float(f) => string(out, &f.to_string()),
        Value::Timestamp(s) | Value::Str(s) => string(out, s),
        Value::Seq(items) => list(out, items, node),
        Value::Map(m) => {
            let mut entries: Vec<(String, &Node)> = m
                .entries
                .iter()
                .map(|(k, v)| (k.text().map(|t| t.into_owned()).unwrap_or_default(), v))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                node(out, v);
            }
            out.push('}');
        }
    }
}

/// Appends a list of strings as a JSON array.
pub fn strings(out: &mut String, items: &[String]) {
    list(out, items, |out, s| string(out, s));
}

/// Appends `items` as a JSON array, each written by `each`.
pub fn list<T>(out: &mut String, items: &[T], each: impl Fn(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}
