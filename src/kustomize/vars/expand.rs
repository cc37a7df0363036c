//! `$(VAR)` expansion (kustomize's api/filters/refvar/expand.go, from Kubernetes' expansion).

use crate::yaml::Value;

/// A var's value as kustomize reads it (`RNode.GetFieldValue`).
#[derive(Clone, Debug, PartialEq)]
pub enum VarValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A map or list: never substituted (`$(NAME)` stays).
    Other,
}

impl VarValue {
    /// `fmt.Sprintf("%v", value)` for a var used inside a longer string.
    fn text(&self, name: &str) -> String {
        match self {
            VarValue::Str(s) => s.clone(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Float(f) => go_float_v(*f),
            VarValue::Bool(b) => b.to_string(),
            VarValue::Other => format!("$({name})"),
        }
    }

    /// The typed value a string that is exactly `$(NAME)` becomes.
    fn typed(&self, name: &str) -> Value {
        match self {
            VarValue::Str(s) => Value::Str(s.clone()),
            VarValue::Int(i) => Value::Int(*i),
            VarValue::Float(f) => Value::Float(*f),
            VarValue::Bool(b) => Value::Bool(*b),
            VarValue::Other => Value::Str(format!("$({name})")),
        }
    }
}

/// Go's `%v` of a float64 (`%g` with the shortest representation, exponent from 1e21).
fn go_float_v(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust writes `1e21`/`1.5e-5`; Go writes `1e+21`/`1.5e-05`.
        if let Some((mant, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_owned()
            };
            return format!("{mant}e{sign}{digits}");
        }
        s
    } else {
        format!("{f}")
    }
}

/// Expands `$(NAME)` references in `input`; `lookup` gives a var's value (`None` = unknown,
/// left as written). `$$` is a literal `$`. A string that is exactly one reference becomes the
/// var's typed value; anything else stays a string.
pub fn expand(input: &str, lookup: &mut dyn FnMut(&str) -> Option<VarValue>) -> Value {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance;
            match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    advance = 1;
                }
                b'(' => match rest.find(')') {
                    Some(close) => {
                        let name = &rest[1..close];
                        let mapped = lookup(name);
                        if input.len() == name.len() + 3 && input.starts_with("$(") {
                            return match mapped {
                                Some(v) => v.typed(name),
                                None => Value::Str(input.to_owned()),
                            };
                        }
                        match mapped {
                            Some(v) => out.push_str(&v.text(name)),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        advance = close + 1;
                    }
                    None => {
                        out.push_str("$(");
                        advance = 1;
                    }
                },
                _ => {
                    // `$x`: the operator and the next character are copied.
                    let ch = rest.chars().next().unwrap_or('$');
                    out.push('$');
                    out.push(ch);
                    advance = ch.len_utf8();
                }
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(&input[checkpoint.min(input.len())..]);
    Value::Str(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Value {
        expand(s, &mut |n| match n {
            "A" => Some(VarValue::Str("a".into())),
            "P" => Some(VarValue::Int(80)),
            "F" => Some(VarValue::Float(1.5)),
            "B" => Some(VarValue::Bool(true)),
            "M" => Some(VarValue::Other),
            _ => None,
        })
    }

    #[test]
    fn expansion_rules() {
        assert_eq!(run("$(A)"), Value::Str("a".into()));
        assert_eq!(run("$(P)"), Value::Int(80));
        assert_eq!(run("$(B)"), Value::Bool(true));
        assert_eq!(
            run("x$(B)$(F)$$(A)$(NOPE)$"),
            Value::Str("xtrue1.5$(A)$(NOPE)$".into())
        );
        assert_eq!(run("$(A"), Value::Str("$(A".into()));
        assert_eq!(run("a$b$(P)"), Value::Str("a$b80".into()));
        assert_eq!(run("$(M)"), Value::Str("$(M)".into()));
        assert_eq!(run("é$(A)é"), Value::Str("éaé".into()));
        assert_eq!(run("$é"), Value::Str("$é".into()));
    }

    #[test]
    fn go_float_formatting() {
        assert_eq!(go_float_v(1.5), "1.5");
        assert_eq!(go_float_v(1e21), "1e+21");
        assert_eq!(go_float_v(0.00001), "1e-05");
    }
}
