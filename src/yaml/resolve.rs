//! Scalar typing as go-yaml v3 resolves untagged plain scalars (the typing kustomize reads input with).

use super::timestamp;
use super::value::Value;

/// What a plain scalar resolves to.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    /// A typed value.
    Value(Value),
    /// The merge key `<<`.
    Merge,
}

/// Resolves an untagged plain scalar the way go-yaml v3 does.
pub fn resolve_plain(text: &str) -> Resolved {
    Resolved::Value(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        "<<" => return Resolved::Merge,
        _ => resolve_other(text).unwrap_or_else(|| Value::Str(text.to_owned())),
    })
}

fn resolve_other(text: &str) -> Option<Value> {
    let first = *text.as_bytes().first()?;
    match first {
        b'0'..=b'9' | b'+' | b'-' => {
            if first.is_ascii_digit()
                && let Some(ts) = timestamp::parse(text)
            {
                return Some(Value::Timestamp(ts.to_rfc3339()));
            }
            resolve_number(text)
        }
        b'.' => parse_go_float(text).map(Value::Float),
        _ => None,
    }
}

/// The number branch of go-yaml's resolver: underscores dropped, then Go's `ParseInt(s, 0, 64)`,
/// `ParseUint(s, 0, 64)`, and a YAML-style float.
pub fn resolve_number(text: &str) -> Option<Value> {
    let plain: std::borrow::Cow<str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    if let Some(v) = go_parse_int(&plain) {
        return Some(v);
    }
    if is_yaml_style_float(&plain) {
        return parse_go_float(&plain).map(Value::Float);
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)` for large values.
fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let signed = s.len() != body.len();
    let (radix, digits) = split_radix(body)?;
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !digits.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None; // from_str_radix accepts a leading '+', Go does not after the prefix
    }
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Value::Int((magnitude as i64).wrapping_neg()));
        }
        return None;
    }
    if magnitude <= i64::MAX as u64 {
        Some(Value::Int(magnitude as i64))
    } else if signed {
        None // ParseUint rejects signs
    } else {
        Some(Value::UInt(magnitude))
    }
}

fn split_radix(body: &str) -> Option<(u32, &str)> {
    let b = body.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b[0] == b'0' && b.len() > 1 {
        return Some(match b[1] {
            b'x' | b'X' => (16, &body[2..]),
            b'o' | b'O' => (8, &body[2..]),
            b'b' | b'B' => (2, &body[2..]),
            _ => (8, &body[1..]),
        })
        .filter(|(_, d)| !d.is_empty());
    }
    Some((10, body))
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input: overflow is an error, not infinity.
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None; // Go accepts "inf"/"nan" spellings, but never after the YAML checks above
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        match resolve_plain(s) {
            Resolved::Value(v) => v,
            Resolved::Merge => panic!("merge"),
        }
    }

    #[test]
    fn yaml_1_2_booleans_and_nulls() {
        assert_eq!(v("True"), Value::Bool(true));
        assert_eq!(v("FALSE"), Value::Bool(false));
        for s in ["yes", "on", "y", "Y", "off", "no", "n"] {
            assert_eq!(v(s), Value::Str(s.into()));
        }
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(v(s), Value::Null);
        }
        assert_eq!(v("nULL"), Value::Str("nULL".into()));
    }

    #[test]
    fn go_integers() {
        assert_eq!(v("0755"), Value::Int(493));
        assert_eq!(v("0o17"), Value::Int(15));
        assert_eq!(v("0x1F"), Value::Int(31));
        assert_eq!(v("0b101"), Value::Int(5));
        assert_eq!(v("-0b101"), Value::Int(-5));
        assert_eq!(v("1_000"), Value::Int(1000));
        assert_eq!(v("+12"), Value::Int(12));
        assert_eq!(v("-0"), Value::Int(0));
        assert_eq!(v("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(v("12345678901234567890"), Value::UInt(12345678901234567890));
        assert_eq!(v("0x"), Value::Str("0x".into()));
        assert_eq!(v("0x+1"), Value::Str("0x+1".into()));
    }

    #[test]
    fn go_floats() {
        assert_eq!(v("08"), Value::Float(8.0));
        assert_eq!(v("1.5"), Value::Float(1.5));
        assert_eq!(v(".5"), Value::Float(0.5));
        assert_eq!(v("1e3"), Value::Float(1000.0));
        assert_eq!(v("1."), Value::Float(1.0));
        assert_eq!(v("-0.0"), Value::Float(-0.0));
        assert_eq!(
            v("123456789012345678901234567890"),
            Value::Float(123456789012345678901234567890.0)
        );
        assert_eq!(v("1e400"), Value::Str("1e400".into()));
        assert_eq!(v("1e"), Value::Str("1e".into()));
        assert_eq!(v("1:20"), Value::Str("1:20".into()));
        assert!(matches!(v(".inf"), Value::Float(f) if f.is_infinite()));
        assert_eq!(v(".Nan"), Value::Str(".Nan".into()));
    }

    #[test]
    fn timestamps_and_merge() {
        assert_eq!(
            v("2024-01-01"),
            Value::Timestamp("2024-01-01T00:00:00Z".into())
        );
        assert_eq!(v("2024-02-30"), Value::Str("2024-02-30".into()));
        assert_eq!(resolve_plain("<<"), Resolved::Merge);
    }
}
