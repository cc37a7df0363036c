//! Flux's path for built resources (spec §12.2): a parsed object with a `sops` field is
//! decrypted as the JSON store would see it after kustomize's `MarshalJSON`.

use crate::yaml::{Mapping, Node, Value as Y};

use super::error::SopsError;
use super::tree::{Item, Value};

/// Converts a parsed YAML node to the tree the JSON store builds (timestamps become strings, as
/// JSON has none; integers that fit int64 stay integers, as sops 3.13 in Flux reads them).
pub fn to_tree(node: &Node) -> Value {
    match &node.value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Int(i) => Value::Int(*i),
        Y::UInt(u) => Value::Float(*u as f64),
        Y::Float(f) => Value::Float(*f),
        Y::Timestamp(s) | Y::Str(s) => Value::Str(s.clone()),
        Y::Seq(items) => Value::List(items.iter().map(to_tree).collect()),
        Y::Map(m) => Value::Map(
            m.entries
                .iter()
                .map(|(k, v)| {
                    Item::Entry(
                        k.text().map(|t| t.into_owned()).unwrap_or_default(),
                        to_tree(v),
                    )
                })
                .collect(),
        ),
    }
}

/// Converts a decrypted tree back to a node, typed as the JSON store's output reads back.
pub fn from_tree(v: &Value) -> Result<Node, SopsError> {
    Ok(Node::new(match v {
        Value::Null => Y::Null,
        Value::Bool(b) => Y::Bool(*b),
        Value::Int(i) => Y::Int(*i),
        Value::Float(f) if !f.is_finite() => {
            return Err(SopsError::UnsupportedStore {
                what: "a decrypted float is infinite or NaN, which JSON cannot hold".into(),
            });
        }
        Value::Float(f) => Y::Float(*f),
        Value::Str(s) | Value::Time(s) => Y::Str(s.clone()),
        Value::Bytes(b) => Y::Str(String::from_utf8_lossy(b).into_owned()),
        // sops marshals its Comment struct as `{"Value": text}`.
        Value::Comment(c) => Y::Map(Mapping {
            entries: vec![(Node::string("Value"), Node::string(c.clone()))],
        }),
        Value::List(l) => Y::Seq(l.iter().map(from_tree).collect::<Result<_, _>>()?),
        Value::Map(items) => Y::Map(from_items(items)?),
    }))
}

/// Converts mapping items (comments dropped, as JSON has none).
pub fn from_items(items: &[Item]) -> Result<Mapping, SopsError> {
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        if let Item::Entry(k, v) = item {
            entries.push((Node::string(k.clone()), from_tree(v)?));
        }
    }
    Ok(Mapping { entries })
}
