//! JSON 6902 patches written in YAML go through `sigs.k8s.io/yaml.YAMLToJSON` (go-yaml v2,
//! YAML 1.1), and patched objects go through Go's JSON decoding: these adjust nodes read with
//! YAML 1.2 typing to what kustomize sees.

use crate::yaml::{Mapping, Node, Value};

/// Re-types plain scalars of a YAML-form patch as YAML 1.1 does: `y`, `yes`, `on`, ... are
/// booleans (keys too), and dates stay the text written. `src` is the text `node` was read
/// from (positions index into it).
pub fn retype(node: &mut Node, src: &str) {
    let lines: Vec<&str> = src.lines().collect();
    retype_in(node, &lines);
}

fn retype_in(node: &mut Node, lines: &[&str]) {
    match &mut node.value {
        Value::Map(m) => {
            let entries = std::mem::take(&mut m.entries);
            let mut out = Mapping::default();
            for (mut k, mut v) in entries {
                retype_in(&mut k, lines);
                retype_in(&mut v, lines);
                // JSON keys are strings
                if let Value::Bool(b) = k.value {
                    k.value = Value::Str(b.to_string());
                }
                // later duplicates win, as when decoding into a Go map
                if let Some(pos) = out.entries.iter().position(|(e, _)| e.value == k.value) {
                    out.entries.remove(pos);
                }
                out.entries.push((k, v));
            }
            *m = out;
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| retype_in(i, lines)),
        Value::Str(s) if is_plain(node.pos, lines) => {
            if let Some(b) = yaml11_bool(s) {
                node.value = Value::Bool(b);
            }
        }
        Value::Timestamp(_) => {
            if let Some(raw) = raw_plain(node.pos, lines) {
                node.value = Value::Str(raw);
            }
        }
        _ => {}
    }
}

fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn char_at(pos: crate::yaml::Pos, lines: &[&str]) -> Option<char> {
    let line = lines.get((pos.line as usize).checked_sub(1)?)?;
    line.chars().nth((pos.col as usize).checked_sub(1)?)
}

/// Whether the scalar at `pos` is written plain (not quoted, not a block scalar).
fn is_plain(pos: crate::yaml::Pos, lines: &[&str]) -> bool {
    char_at(pos, lines).is_some_and(|c| !matches!(c, '"' | '\'' | '|' | '>' | '!' | '&' | '*'))
}

/// The text of a one-line plain scalar at `pos`.
fn raw_plain(pos: crate::yaml::Pos, lines: &[&str]) -> Option<String> {
    if !is_plain(pos, lines) {
        return None;
    }
    let line = lines.get((pos.line as usize).checked_sub(1)?)?;
    let rest: String = line.chars().skip(pos.col as usize - 1).collect();
    let end = rest
        .find(" #")
        .into_iter()
        .chain(rest.find([',', ']', '}']))
        .min()
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end().to_owned())
}

/// Numbers of a JSON-patched object are decoded by Go into float64: integers beyond 2^53 lose
/// precision and unsigned 64-bit values become floats.
pub fn through_float64(node: &mut Node) {
    match &mut node.value {
        Value::Map(m) => m.entries.iter_mut().for_each(|(_, v)| through_float64(v)),
        Value::Seq(items) => items.iter_mut().for_each(through_float64),
        Value::UInt(u) => node.value = Value::Float(*u as f64),
        Value::Int(i) if i.unsigned_abs() > (1u64 << 53) => node.value = Value::Float(*i as f64),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    #[test]
    fn yaml11_bools_and_dates() {
        let src = "a: yes\nb: \"yes\"\non: 1\nd: 2024-01-01\ne: [n, 'n']\n";
        let mut n = parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root;
        retype(&mut n, src);
        let m = n.as_map().unwrap();
        assert_eq!(m.entries[0].1.value, Value::Bool(true));
        assert_eq!(m.entries[1].1.value, Value::Str("yes".into()));
        assert_eq!(m.entries[2].0.value, Value::Str("true".into()));
        assert_eq!(m.entries[3].1.value, Value::Str("2024-01-01".into()));
        let e = m.entries[4].1.as_seq().unwrap();
        assert_eq!(e[0].value, Value::Bool(false));
        assert_eq!(e[1].value, Value::Str("n".into()));
    }
}
