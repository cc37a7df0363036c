//! The template functions fleetcheck supports: Go's builtins that commit messages use and a few
//! Sprig string functions. Anything else is an error naming the function.

use sha2::{Digest, Sha256};

use super::data::Data;

/// The supported function names, for the error hint.
pub const NAMES: &str = "and, or, not, eq, ne, len, index, print, printf, println, lower, upper, \
    title, trim, trimPrefix, trimSuffix, contains, hasPrefix, hasSuffix, replace, join, quote, \
    toString, trunc, default, sha256sum";

/// Calls a function with its evaluated arguments (a piped value comes last).
pub fn call(name: &str, args: Vec<Data>) -> Result<Data, String> {
    let s = |i: usize| -> Result<String, String> {
        args.get(i)
            .map(Data::print)
            .ok_or_else(|| format!("wrong number of args for {name}"))
    };
    let n = args.len();
    let want = |count: usize| -> Result<(), String> {
        if n == count {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {count} got {n}"
            ))
        }
    };
    Ok(match name {
        "and" => args
            .iter()
            .find(|a| !a.truthy())
            .or(args.last())
            .cloned()
            .unwrap_or(Data::Missing),
        "or" => args
            .iter()
            .find(|a| a.truthy())
            .or(args.last())
            .cloned()
            .unwrap_or(Data::Missing),
        "not" => {
            want(1)?;
            Data::Bool(!args[0].truthy())
        }
        "eq" | "ne" => {
            if n < 2 {
                return Err(format!("wrong number of args for {name}"));
            }
            let mut equal = false;
            for other in &args[1..] {
                if std::mem::discriminant(other) != std::mem::discriminant(&args[0]) {
                    return Err("incompatible types for comparison".into());
                }
                equal |= *other == args[0];
            }
            Data::Bool(if name == "eq" { equal } else { !equal })
        }
        "len" => {
            want(1)?;
            Data::Int(match &args[0] {
                Data::Str(t) => t.len(),
                Data::List(l) => l.len(),
                Data::Map(m) => m.len(),
                other => return Err(format!("len of type {}", other.type_name())),
            } as i64)
        }
        "index" => {
            let mut value = args
                .first()
                .cloned()
                .ok_or("wrong number of args for index")?;
            for key in &args[1..] {
                value = match (&value, key) {
                    (Data::List(l), Data::Int(i)) => l
                        .get(usize::try_from(*i).map_err(|_| "index out of range")?)
                        .cloned()
                        .ok_or_else(|| format!("index out of range: {i}"))?,
                    (Data::Map(m), k) => m
                        .iter()
                        .find(|(mk, _)| mk == k)
                        .map_or(Data::Missing, |(_, v)| v.clone()),
                    (other, _) => {
                        return Err(format!("can't index item of type {}", other.type_name()));
                    }
                };
            }
            value
        }
        "print" | "toString" => Data::Str(go_print(&args)),
        "println" => Data::Str(args.iter().map(Data::print).collect::<Vec<_>>().join(" ") + "\n"),
        "printf" => Data::Str(printf(&s(0)?, &args[1..])?),
        "lower" => {
            want(1)?;
            Data::Str(s(0)?.to_lowercase())
        }
        "upper" => {
            want(1)?;
            Data::Str(s(0)?.to_uppercase())
        }
        "title" => {
            want(1)?;
            Data::Str(title(&s(0)?))
        }
        "trim" => {
            want(1)?;
            Data::Str(s(0)?.trim().to_string())
        }
        "trimPrefix" | "trimSuffix" => {
            want(2)?;
            let (affix, text) = (s(0)?, s(1)?);
            let out = if name == "trimPrefix" {
                text.strip_prefix(affix.as_str())
            } else {
                text.strip_suffix(affix.as_str())
            };
            Data::Str(out.unwrap_or(&text).to_string())
        }
        "contains" | "hasPrefix" | "hasSuffix" => {
            want(2)?;
            let (needle, text) = (s(0)?, s(1)?);
            Data::Bool(match name {
                "contains" => text.contains(&needle),
                "hasPrefix" => text.starts_with(&needle),
                _ => text.ends_with(&needle),
            })
        }
        "replace" => {
            want(3)?;
            Data::Str(s(2)?.replace(&s(0)?, &s(1)?))
        }
        "join" => {
            want(2)?;
            let sep = s(0)?;
            match &args[1] {
                Data::List(items) => {
                    Data::Str(items.iter().map(Data::print).collect::<Vec<_>>().join(&sep))
                }
                other => Data::Str(other.print()),
            }
        }
        "quote" => Data::Str(
            args.iter()
                .map(|a| format!("{:?}", a.print()))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "trunc" => {
            want(2)?;
            let Data::Int(len) = args[0] else {
                return Err("trunc wants a number first".into());
            };
            let text = s(1)?;
            let chars: Vec<char> = text.chars().collect();
            let len = len.unsigned_abs() as usize;
            Data::Str(if args[0] == Data::Int(len as i64) {
                chars.iter().take(len).collect()
            } else {
                chars[chars.len().saturating_sub(len)..].iter().collect()
            })
        }
        "default" => {
            want(2)?;
            if args[1].truthy() {
                args[1].clone()
            } else {
                args[0].clone()
            }
        }
        "sha256sum" => {
            want(1)?;
            let digest = Sha256::digest(s(0)?.as_bytes());
            Data::Str(digest.iter().map(|b| format!("{b:02x}")).collect())
        }
        other => {
            return Err(format!(
                "function {other:?} is not supported by fleetcheck (supported: {NAMES})"
            ));
        }
    })
}

/// Go's `fmt.Sprint`: spaces between operands when neither side is a string.
fn go_print(args: &[Data]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Data::Str(_)) && !matches!(args[i - 1], Data::Str(_)) {
            out.push(' ');
        }
        out.push_str(&a.print());
    }
    out
}

/// Go's `fmt.Sprintf` for the verbs `%s`, `%v`, `%d`, `%q` and `%%`.
fn printf(format: &str, args: &[Data]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = format.chars();
    let mut next = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars.next().ok_or("printf: format ends with %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = next.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        match verb {
            's' | 'v' | 'd' => out.push_str(&arg.print()),
            'q' => out.push_str(&format!("{:?}", arg.print())),
            other => {
                return Err(format!(
                    "printf verb %{other} is not supported by fleetcheck"
                ));
            }
        }
    }
    Ok(out)
}

fn title(s: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    out
}
