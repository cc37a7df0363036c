//! Writes decrypted branches as sops' YAML store does: go-yaml v3's encoder with a 4-space
//! indent, no line folding, sequences indented under their key, comments as `#` lines before
//! the item they precede (or after the last item of their collection).

use base64::Engine as _;

use crate::sops::error::SopsError;
use crate::sops::tree::{Item, Value};
use crate::yaml::emit::go_yaml_float;
use crate::yaml::emit::resolve::is_base60_float;
use crate::yaml::emit::scalar::{Style, analyze_with, select_style};
use crate::yaml::emit::writer::Writer;
use crate::yaml::resolve::{Resolved, resolve_plain};

/// sops' encoder indentation.
const INDENT: i32 = 4;

/// go-yaml v3's `isOldBool`: YAML 1.1 booleans that v3 reads as strings but still quotes.
fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// go-yaml v3 `encoder.stringv`'s requested style.
fn requested_style(s: &str) -> Style {
    let plain = matches!(
        resolve_plain(s),
        Resolved::Value(crate::yaml::Value::Str(_))
    ) && !is_base60_float(s)
        && !is_old_bool(s);
    if s.contains('\n') {
        Style::Literal
    } else if plain {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// go-yaml v3 `increase_indent` for block collections and scalars.
fn child_indent(indent: i32, in_sequence_item: bool) -> i32 {
    if indent < 0 {
        0
    } else if in_sequence_item {
        indent + 2
    } else {
        INDENT * ((indent + INDENT) / INDENT)
    }
}

fn comment(w: &mut Writer<'_>, indent: i32, text: &str) {
    w.indent = indent;
    w.write_indent();
    w.out.push('#');
    w.out.push_str(text);
    w.column += 1 + text.chars().count();
    w.whitespace = false;
    w.indention = false;
}

fn string(w: &mut Writer<'_>, s: &str, simple_key: bool, content_indent: i32) {
    if s == "<<" {
        // go-yaml v3 writes the merge key's text with its tag.
        w.write_indicator("!!merge", true, false, false);
        w.write_plain(s, false);
        return;
    }
    let analysis = analyze_with(s, true);
    let style = select_style(requested_style(s), &analysis, s, simple_key);
    match style {
        Style::Plain => w.write_plain(s, false),
        Style::SingleQuoted => w.write_single_quoted(s, false),
        Style::DoubleQuoted => w.write_double_quoted(s, false),
        Style::Literal => {
            let saved = w.indent;
            w.indent = content_indent;
            w.write_literal(s);
            w.indent = saved;
        }
    }
}

/// Writes a scalar after a `key:` or `-` indicator.
fn scalar(w: &mut Writer<'_>, v: &Value, content_indent: i32) {
    let plain = |w: &mut Writer<'_>, s: &str| w.write_plain(s, false);
    match v {
        Value::Null => plain(w, "null"),
        Value::Bool(b) => plain(w, if *b { "true" } else { "false" }),
        Value::Int(i) => plain(w, &i.to_string()),
        Value::Float(f) => plain(w, &go_yaml_float(*f)),
        Value::Time(t) => plain(w, t),
        Value::Str(s) => string(w, s, false, content_indent),
        Value::Bytes(b) => {
            w.write_indicator("!!binary", true, false, false);
            let enc = base64::engine::general_purpose::STANDARD.encode(b);
            if enc.len() >= 70 {
                let mut text = String::new();
                for chunk in enc.as_bytes().chunks(70) {
                    text.push_str(std::str::from_utf8(chunk).unwrap_or(""));
                    text.push('\n');
                }
                let saved = w.indent;
                w.indent = content_indent;
                w.write_literal(&text);
                w.indent = saved;
            } else {
                w.write_plain(&enc, false);
            }
        }
        Value::Comment(_) | Value::List(_) | Value::Map(_) => {}
    }
}

fn is_empty_collection(v: &Value) -> Option<&'static str> {
    match v {
        Value::Map(items) if !items.iter().any(|i| matches!(i, Item::Entry(..))) => Some("{}"),
        Value::List(l) if !l.iter().any(|v| !matches!(v, Value::Comment(_))) => Some("[]"),
        _ => None,
    }
}

/// Writes a value that follows an indicator (`key:` or `-`) of a collection at `indent`.
fn value(
    w: &mut Writer<'_>,
    v: &Value,
    indent: i32,
    in_sequence_item: bool,
) -> Result<(), SopsError> {
    let inner = child_indent(indent, in_sequence_item);
    if let Some(flow) = is_empty_collection(v) {
        w.write_indicator(flow, true, false, false);
        return Ok(());
    }
    match v {
        Value::Map(items) => mapping(w, items, inner),
        Value::List(list) => sequence(w, list, inner),
        other => {
            scalar(w, other, inner);
            Ok(())
        }
    }
}

fn mapping(w: &mut Writer<'_>, items: &[Item], indent: i32) -> Result<(), SopsError> {
    for item in items {
        match item {
            Item::Comment(text) => comment(w, indent, text),
            Item::Entry(key, v) => {
                w.indent = indent;
                w.write_indent();
                string(w, key, true, indent);
                w.write_indicator(":", false, false, false);
                value(w, v, indent, false)?;
            }
        }
    }
    Ok(())
}

fn sequence(w: &mut Writer<'_>, list: &[Value], indent: i32) -> Result<(), SopsError> {
    for v in list {
        if let Value::Comment(text) = v {
            comment(w, indent, text);
            continue;
        }
        w.indent = indent;
        w.write_indent();
        w.write_indicator("-", true, false, true);
        value(w, v, indent, true)?;
    }
    Ok(())
}

/// Writes every branch as one YAML document (`---` between documents).
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let mut out = String::new();
    for (n, branch) in branches.iter().enumerate() {
        if n > 0 {
            out.push_str("---\n");
        }
        let mut w = Writer::new(&mut out);
        w.best_indent = INDENT;
        if branch.iter().any(|i| matches!(i, Item::Entry(..))) {
            mapping(&mut w, branch, 0)?;
        } else {
            for item in branch {
                if let Item::Comment(text) = item {
                    comment(&mut w, 0, text);
                }
            }
            w.indent = 0;
            w.write_indent();
            w.write_indicator("{}", false, false, false);
        }
        if w.column > 0 {
            w.put_break();
        }
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(k: &str, v: Value) -> Item {
        Item::Entry(k.into(), v)
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn go_yaml_v3_layout() {
        let doc = vec![
            Item::Comment(" head".into()),
            e(
                "app",
                Value::Map(vec![
                    e(
                        "list",
                        Value::List(vec![
                            Value::Map(vec![
                                e("name", s("x")),
                                e("sub", Value::Map(vec![e("deep", Value::Int(1))])),
                            ]),
                            s("lit\n"),
                            Value::List(vec![s("y")]),
                            Value::Comment(" in list".into()),
                            Value::Float(1.5e10),
                        ]),
                    ),
                    Item::Comment(" trailing".into()),
                ]),
            ),
            e("q", s("has: colon")),
            e("lead", s("  lead")),
            e("tab", s("a\tb")),
            e("emoji", s("😀")),
            e("plus", s("a\n\n")),
            e("em", Value::Map(vec![])),
            e("el", Value::List(vec![])),
            e("t", Value::Time("2024-01-15T00:00:00Z".into())),
            e("ts", s("2024-01-15")),
            e("<<", s("<<")),
            e("tabs", s("a\tb\nc")),
        ];
        let out = String::from_utf8(write(&[doc, vec![]]).unwrap()).unwrap();
        let expected = "# head\napp:\n    list:\n        - name: x\n          sub:\n            deep: 1\n        - |\n          lit\n        - - \"y\"\n        # in list\n        - 1.5e+10\n    # trailing\nq: 'has: colon'\nlead: '  lead'\ntab: \"a\\tb\"\nemoji: \"\\U0001F600\"\nplus: |+\n    a\n\nem: {}\nel: []\nt: 2024-01-15T00:00:00Z\nts: \"2024-01-15\"\n!!merge <<: !!merge <<\ntabs: |-\n    a\tb\n    c\n---\n{}\n";
        assert_eq!(out, expected);
    }
}
