//! Reading transformer arguments from kustomization fields with the typing kustomize applies
//! (YAML to JSON, then Go `encoding/json` into typed structs): strings must be strings, counts
//! integers, and unknown keys of typed entries are errors.

use crate::diagnostic::Diagnostic;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::kustomization::Kustomization;
use crate::yaml::{Mapping, Node, Pos, Value};

/// The key position of a set kustomization field (the file start when unknown).
pub fn field_pos(kust: &Kustomization, name: &str) -> Pos {
    kust.fields
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or(Pos::new(1, 1), |(_, p, _)| *p)
}

/// A diagnostic at `pos` of the kustomization file.
pub fn err_at(kust: &Kustomization, pos: Pos, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::at(msg, &kust.file, pos)
}

/// The JSON type name Go's decoder reports for a node.
fn json_type(node: &Node) -> &'static str {
    match &node.value {
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
        _ => "string",
    }
}

fn type_error(kust: &Kustomization, node: &Node, field: &str, want: &str) -> Diagnostic {
    err_at(
        kust,
        node.pos,
        format!(
            "invalid Kustomization: json: cannot unmarshal {} into Go struct field {field} of type {want}",
            json_type(node)
        ),
    )
    .with_hint(format!(
        "kustomize reads this value of `{}` as a Go {want}{}",
        field.rsplit('.').next().unwrap_or(field),
        if want == "string" { "; quote it" } else { "" }
    ))
}

/// A string value (`null` reads as ""); `field` names it in Go's error (`Image.images.newTag`).
pub fn string_value(kust: &Kustomization, node: &Node, field: &str) -> Result<String, Diagnostic> {
    match &node.value {
        Value::Str(s) | Value::Timestamp(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(type_error(kust, node, field, "string")),
    }
}

/// A boolean value (`null` reads as false).
pub fn bool_value(kust: &Kustomization, node: &Node, field: &str) -> Result<bool, Diagnostic> {
    match &node.value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        _ => Err(type_error(kust, node, field, "bool")),
    }
}

/// An integer value (`null` reads as 0).
pub fn int_value(kust: &Kustomization, node: &Node, field: &str) -> Result<i64, Diagnostic> {
    match &node.value {
        Value::Int(i) => Ok(*i),
        Value::Null => Ok(0),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(*f as i64),
        _ => Err(type_error(kust, node, field, "int64")),
    }
}

/// The text of a mapping key as JSON sees it.
fn key_text(key: &Node) -> String {
    match &key.value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => String::new(),
    }
}

/// A `map[string]string` field: string values only, later duplicate keys win, sorted by key.
pub fn string_map(
    kust: &Kustomization,
    node: &Node,
    field: &str,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Map(m) => m,
        _ => return Err(type_error(kust, node, field, "map[string]string")),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in &map.entries {
        let key = key_text(k);
        let value = string_value(kust, v, field)?;
        match out.iter_mut().find(|(existing, _)| *existing == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    out.sort();
    Ok(out)
}

/// The entries of a list field (null = none).
pub fn list<'a>(
    kust: &Kustomization,
    node: &'a Node,
    field: &str,
    item: &str,
) -> Result<&'a [Node], Diagnostic> {
    match &node.value {
        Value::Null => Ok(&[]),
        Value::Seq(items) => Ok(items),
        _ => {
            let want = if item == "string" {
                "[]string".to_owned()
            } else {
                format!("[]types.{item}")
            };
            Err(type_error(kust, node, field, &want))
        }
    }
}

/// A typed entry (a mapping) whose keys must be among `known`.
pub fn entry<'a>(
    kust: &Kustomization,
    node: &'a Node,
    owner: &str,
    item: &str,
    known: &[&str],
) -> Result<Option<&'a Mapping>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(None),
        Value::Map(m) => m,
        _ => {
            return Err(type_error(kust, node, owner, &format!("types.{item}")));
        }
    };
    for (k, _) in &map.entries {
        let name = key_text(k);
        if !known.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(err_at(
                kust,
                k.pos,
                format!("invalid Kustomization: json: unknown field \"{name}\""),
            )
            .with_hint(format!("a {item} entry has the keys {}", known.join(", "))));
        }
    }
    Ok(Some(map))
}

/// Looks up a key of a typed entry the way Go's JSON decoder does (case-insensitively, the last
/// matching key wins).
pub fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Node> {
    map.entries
        .iter()
        .rev()
        .find(|(k, _)| key_text(k).eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// `fields`-style field specs in a kustomization entry.
pub fn field_specs(
    kust: &Kustomization,
    node: &Node,
    owner: &str,
) -> Result<Vec<FieldSpec>, Diagnostic> {
    let mut out = Vec::new();
    let parent = format!("Label.{owner}");
    for item in list(kust, node, &parent, "FieldSpec")? {
        let Some(map) = entry(
            kust,
            item,
            &parent,
            "FieldSpec",
            &["group", "version", "kind", "path", "create"],
        )?
        else {
            out.push(FieldSpec::default());
            continue;
        };
        let s = |key: &str| -> Result<String, Diagnostic> {
            get(map, key).map_or(Ok(String::new()), |n| {
                string_value(kust, n, &format!("FieldSpec.{owner}.{key}"))
            })
        };
        out.push(FieldSpec {
            group: s("group")?,
            version: s("version")?,
            kind: s("kind")?,
            path: s("path")?,
            create: get(map, "create").map_or(Ok(false), |n| {
                bool_value(kust, n, &format!("FieldSpec.{owner}.create"))
            })?,
        });
    }
    Ok(out)
}
