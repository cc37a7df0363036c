//! Scalars as the API server sees them after YAML → JSON: their JSON type, how they compare to
//! `enum` values, the `byte` and `date-time` formats, and how messages show them.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

use super::model::types;
use crate::yaml::{Node, Value};

/// Whether `node`'s JSON type is one of `bits`. Integers are numbers too; a float without a
/// fraction is an integer (Go marshals the float 1 as `1`); NaN and infinities have no JSON form.
pub(crate) fn json_type_matches(bits: u8, node: &Node) -> bool {
    let want = |b: u8| bits & b != 0;
    match &node.value {
        Value::Null => want(types::NULL),
        Value::Bool(_) => want(types::BOOLEAN),
        Value::Int(_) | Value::UInt(_) => want(types::INTEGER | types::NUMBER),
        Value::Float(f) => {
            f.is_finite() && (want(types::NUMBER) || (want(types::INTEGER) && f.fract() == 0.0))
        }
        Value::Str(_) | Value::Timestamp(_) => want(types::STRING),
        Value::Seq(_) => want(types::ARRAY),
        Value::Map(_) => want(types::OBJECT),
    }
}

/// Longest string quoted in a message.
const QUOTE_MAX: usize = 60;

/// The value for a message: `string "80"`, `integer 80`, `boolean true`, `object`. With `quote`
/// false (Secrets) only the type is named.
pub(crate) fn describe(node: &Node, quote: bool) -> String {
    let (name, text) = match &node.value {
        Value::Null => return "null".to_owned(),
        Value::Seq(_) => return "array".to_owned(),
        Value::Map(_) => return "object".to_owned(),
        Value::Bool(b) => ("boolean", b.to_string()),
        Value::Int(i) => ("integer", i.to_string()),
        Value::UInt(u) => ("integer", u.to_string()),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 => ("integer", format!("{f}")),
        Value::Float(f) if f.is_finite() => ("number", format!("{f}")),
        Value::Float(_) => ("number", node.text().unwrap_or_default().into_owned()),
        Value::Str(s) | Value::Timestamp(s) => {
            if !quote {
                return "a string".to_owned();
            }
            let mut shown: String = s.chars().take(QUOTE_MAX).collect();
            if shown.len() < s.len() {
                shown.push_str("...");
            }
            return format!("string {shown:?}");
        }
    };
    if quote {
        format!("{name} {text}")
    } else {
        name.to_owned()
    }
}

/// Whether `value` equals the `enum` entry `allowed`, comparing as JSON values.
pub(crate) fn enum_matches(allowed: &Node, value: &Node) -> bool {
    fn number(v: &Value) -> Option<f64> {
        match *v {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }
    fn text(v: &Value) -> Option<&str> {
        match v {
            Value::Str(s) | Value::Timestamp(s) => Some(s),
            _ => None,
        }
    }
    match (&allowed.value, &value.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (a, b) if text(a).is_some() => text(a) == text(b),
        (a, b) if number(a).is_some() => number(a) == number(b),
        (Value::Seq(a), Value::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| enum_matches(x, y))
        }
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.entries.iter().all(|(k, v)| {
                    let key = k.text().unwrap_or_default();
                    b.get(&key).is_some_and(|w| enum_matches(v, w))
                })
        }
        _ => false,
    }
}

/// Whether `text` decodes as Go's `encoding/json` decodes a `[]byte`: standard base64 with
/// padding, line breaks ignored, trailing bits not checked.
pub(crate) fn is_base64(text: &str) -> bool {
    static ENGINE: OnceLock<GeneralPurpose> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        )
    });
    let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    engine.decode(compact).is_ok()
}

/// Whether `text` is an RFC 3339 date-time, as Go's `time.Time` unmarshals it.
pub(crate) fn is_date_time(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$",
        )
        .expect("the date-time pattern is valid")
    });
    re.is_match(text)
}
