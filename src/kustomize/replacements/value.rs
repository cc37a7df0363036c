//! How a replacement value lands in a target field: kustomize copies only the text into an
//! existing scalar (which keeps its YAML tag), and the whole node into anything else.

use crate::yaml::Node;
use crate::yaml::Value;
use crate::yaml::resolve::{Resolved, resolve_plain};

use super::path::scalar_text;

/// A replacement value: a node read from the source object, or an untagged `sourceValue`.
#[derive(Clone, Debug)]
pub struct SourceVal {
    /// The value.
    pub node: Node,
    /// Whether the value is an untagged scalar (typed by YAML resolution where it lands).
    pub untagged: bool,
}

/// `options` of a source or target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldOptions {
    /// Split/join delimiter ("" = none).
    pub delimiter: String,
    /// Position in the split.
    pub index: i64,
    /// Create missing target fields.
    pub create: bool,
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Map(_) | Value::Seq(_))
}

fn resolved(text: &str) -> Value {
    match resolve_plain(text) {
        Resolved::Value(v) => v,
        Resolved::Merge => Value::Str(text.to_owned()),
    }
}

fn tag(v: &Value) -> &'static str {
    match v {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Int(_) | Value::UInt(_) => "!!int",
        Value::Float(_) => "!!float",
        Value::Timestamp(_) => "!!timestamp",
        Value::Str(_) => "!!str",
        Value::Seq(_) => "!!seq",
        Value::Map(_) => "!!map",
    }
}

/// The value a scalar of type `old` holds once its text is replaced by `text`: kustomize keeps
/// the tag, so the text must decode as that type (`yaml: cannot decode !!str `x` as a !!int`).
pub fn retype(old: &Value, text: &str) -> Result<Value, String> {
    if let Value::Str(_) = old {
        return Ok(Value::Str(text.to_owned()));
    }
    let new = resolved(text);
    let ok = matches!(
        (old, &new),
        (
            Value::Int(_) | Value::UInt(_),
            Value::Int(_) | Value::UInt(_)
        ) | (
            Value::Float(_),
            Value::Float(_) | Value::Int(_) | Value::UInt(_)
        ) | (Value::Bool(_), Value::Bool(_))
            | (Value::Null, Value::Null)
            | (Value::Timestamp(_), Value::Timestamp(_))
    );
    if ok {
        Ok(new)
    } else {
        Err(format!(
            "yaml: cannot decode {} `{text}` as a {}",
            tag(&new),
            tag(old)
        ))
    }
}

/// The value an existing scalar (`created` = false, keeps its type) or a freshly created,
/// untagged scalar (typed by YAML resolution) holds once its text becomes `text`.
pub fn retype_or_resolve(old: &Value, created: bool, text: &str) -> Result<Value, String> {
    if created {
        Ok(resolved(text))
    } else {
        retype(old, text)
    }
}

/// kustomize's `getRefinedValue`: with a delimiter, the source scalar is split and element
/// `index` is used.
pub fn refine(options: &FieldOptions, value: SourceVal) -> Result<SourceVal, String> {
    if options.delimiter.is_empty() {
        return Ok(value);
    }
    if !is_scalar(&value.node.value) {
        return Err("delimiter option can only be used with scalar nodes".into());
    }
    let text = scalar_text(&value.node);
    let parts: Vec<&str> = text.split(options.delimiter.as_str()).collect();
    let part = usize::try_from(options.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            format!(
                "options.index {} is out of bounds for value {text}",
                options.index
            )
        })?;
    let mut node = value.node;
    node.value = match &node.value {
        Value::Str(_) => Value::Str((*part).to_owned()),
        old => retype(old, part).unwrap_or_else(|_| Value::Str((*part).to_owned())),
    };
    Ok(SourceVal {
        node,
        untagged: value.untagged,
    })
}

/// Marks a scalar a replacement wrote without a tag: kustomize's refvar (`vars`) takes such a
/// node for a string (`IsYNodeString`), whatever its text resolves to.
pub const UNTAGGED: crate::yaml::Pos = crate::yaml::Pos {
    line: 0,
    col: u32::MAX - 1,
};

/// kustomize's `setFieldValue`: writes `value` into `target` (`created` = an untagged scalar the
/// path walk just made), joining with the target's own text when a delimiter is set.
pub fn set_field(
    options: &FieldOptions,
    target: &mut Node,
    created: bool,
    value: &SourceVal,
) -> Result<(), String> {
    let mut text = scalar_text(&value.node);
    let mut node = value.node.clone();
    let mut untagged = value.untagged;
    if !options.delimiter.is_empty() {
        if !is_scalar(&target.value) {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let own = scalar_text(target);
        let mut parts: Vec<String> = own
            .split(options.delimiter.as_str())
            .map(str::to_owned)
            .collect();
        match usize::try_from(options.index) {
            Err(_) => parts.insert(0, text.clone()),
            Ok(i) if i >= parts.len() => parts.push(text.clone()),
            Ok(i) => parts[i] = text.clone(),
        }
        text = parts.join(&options.delimiter);
        // The joined text keeps the value node's tag, as kustomize edits the copy's text.
        node.value = match &node.value {
            Value::Str(_) => Value::Str(text.clone()),
            _ => {
                untagged = true;
                Value::Str(text.clone())
            }
        };
    }
    if is_scalar(&target.value) {
        target.value = if created {
            target.pos = UNTAGGED;
            resolved(&text)
        } else {
            retype(&target.value, &text)?
        };
    } else if untagged && is_scalar(&node.value) {
        target.pos = UNTAGGED;
        target.value = resolved(&text);
    } else {
        target.value = node.value;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(v: Value) -> SourceVal {
        SourceVal {
            node: Node::new(v),
            untagged: false,
        }
    }

    #[test]
    fn scalar_targets_keep_their_type() {
        assert_eq!(retype(&Value::Int(5), "5432"), Ok(Value::Int(5432)));
        assert_eq!(retype(&Value::Int(5), "07"), Ok(Value::Int(7)));
        assert_eq!(
            retype(&Value::Str("x".into()), "5"),
            Ok(Value::Str("5".into()))
        );
        assert_eq!(retype(&Value::Float(2.5), "1.50"), Ok(Value::Float(1.5)));
        assert_eq!(
            retype(&Value::Int(5), "abc").unwrap_err(),
            "yaml: cannot decode !!str `abc` as a !!int"
        );
        assert_eq!(
            retype(&Value::Int(5), "1e3").unwrap_err(),
            "yaml: cannot decode !!float `1e3` as a !!int"
        );
        assert!(retype(&Value::Null, "abc").is_err());
        assert!(retype(&Value::Bool(true), "5432").is_err());
    }

    #[test]
    fn created_fields_resolve_and_delimiters_join() {
        let opts = FieldOptions::default();
        let mut t = Node::new(Value::Null);
        set_field(&opts, &mut t, true, &sv(Value::Str("5432".into()))).unwrap();
        assert_eq!(t.value, Value::Int(5432));
        let opts = FieldOptions {
            delimiter: "@".into(),
            index: 1,
            create: false,
        };
        let mut t = Node::new(Value::Str("placeholder".into()));
        set_field(&opts, &mut t, false, &sv(Value::Str("db".into()))).unwrap();
        assert_eq!(t.value, Value::Str("placeholder@db".into()));
        let opts = FieldOptions { index: -1, ..opts };
        set_field(&opts, &mut t, false, &sv(Value::Str("x".into()))).unwrap();
        assert_eq!(t.value, Value::Str("x@placeholder@db".into()));
        let src = refine(
            &FieldOptions {
                delimiter: ":".into(),
                index: 1,
                create: false,
            },
            sv(Value::Str("img:1.2".into())),
        )
        .unwrap();
        assert_eq!(src.node.value, Value::Str("1.2".into()));
    }
}
