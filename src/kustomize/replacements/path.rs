//! Replacement field paths: kyaml's `SmarterPathSplitter`, the `PathGetter` used to read a
//! source field and the `PathMatcher` used to reach (and create) target fields.

use regex::Regex;

use crate::yaml::{Mapping, Node, Value};

/// kyaml's `PathSplitter`: splits on `delim`, a part ending in `\` joins the next one.
fn path_splitter(path: &str, delim: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split(delim) {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push(delim);
                last.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

/// kyaml's `SmarterPathSplitter(path, ".")`: dots inside `[...]` are kept; a bracketed part
/// without `=` (`[a.b]`) loses its brackets and names a map key.
pub fn split(path: &str) -> Vec<String> {
    let parts = path_splitter(path, '.');
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = elem.clone();
            while i + 1 < parts.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&parts[i]);
                if parts[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_owned());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

fn is_list_index(part: &str) -> bool {
    part.starts_with('[') && part.ends_with(']')
}

/// `[name=value]` → (`name`, `value`); `[=value]` matches primitive elements.
fn split_name_value(part: &str) -> Result<(&str, &str), String> {
    let inner = part.strip_suffix(']').unwrap_or(part);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    inner.split_once('=').ok_or_else(|| {
        "list path element must contain fieldName=fieldValue for element to match".to_owned()
    })
}

/// The text of a scalar as kyaml keeps it (the node's source spelling); "" for null, maps and
/// sequences.
pub fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Null if node.raw.is_none() => String::new(),
        Value::Seq(_) | Value::Map(_) => String::new(),
        Value::Float(f) if node.raw.is_none() => format_float(*f),
        _ => node.text().map(|t| t.into_owned()).unwrap_or_default(),
    }
}

fn format_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        format!("{f}")
    }
}

fn kind_name(node: &Node) -> &'static str {
    match node.value {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn wrong_kind(expected: &str, node: &Node) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        kind_name(node)
    )
}

/// kyaml's `Lookup(path...)` (a `PathGetter` without create): the node at `path`, `None` when a
/// field or element is missing.
pub fn lookup<'a>(node: &'a Node, path: &[String]) -> Result<Option<&'a Node>, String> {
    let Some((part, rest)) = path.split_first() else {
        return Ok(Some(node));
    };
    if node.is_null() {
        return Ok(None);
    }
    let next = if let Ok(idx) = part.parse::<i64>() {
        if idx < 0 {
            return Err(format!("array index {idx} cannot be negative"));
        }
        let Value::Seq(items) = &node.value else {
            return Err(wrong_kind("SequenceNode", node));
        };
        usize::try_from(idx).ok().and_then(|i| items.get(i))
    } else if part == "-" {
        let Value::Seq(items) = &node.value else {
            return Err(wrong_kind("SequenceNode", node));
        };
        items.last()
    } else if part == "*" {
        return Err("wildcard is not supported in PathGetter".into());
    } else if is_list_index(part) {
        let (name, value) = split_name_value(part)?;
        let Value::Seq(items) = &node.value else {
            return Err(wrong_kind("SequenceNode", node));
        };
        items.iter().find(|item| {
            if name.is_empty() {
                !matches!(item.value, Value::Map(_) | Value::Seq(_)) && scalar_text(item) == value
            } else {
                item.get(name)
                    .is_some_and(|v| !v.is_null() && scalar_text(v) == value)
            }
        })
    } else {
        let Value::Map(map) = &node.value else {
            return Err(wrong_kind("MappingNode", node));
        };
        map.get(part)
    };
    match next {
        Some(n) => lookup(n, rest),
        None => Ok(None),
    }
}

/// What kyaml's `PathMatcher` creates for a missing leaf (the kind of the replacement value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Nothing is created.
    No,
    /// A scalar leaf (untagged, so the value written into it is typed by YAML resolution).
    Scalar,
    /// A mapping leaf.
    Map,
    /// A sequence leaf.
    Seq,
}

impl Create {
    fn on(self) -> bool {
        self != Create::No
    }
}

/// kyaml's `getPathPartKind`: what to create for the part after the current one.
fn part_kind(next: Option<&String>, create: Create) -> Value {
    match next {
        None => match create {
            Create::Map => Value::Map(Mapping::default()),
            Create::Seq => Value::Seq(Vec::new()),
            _ => Value::Null,
        },
        Some(p) if is_list_index(p) || p.parse::<i64>().is_ok() => Value::Seq(Vec::new()),
        Some(_) => Value::Map(Mapping::default()),
    }
}

/// A field reached by [`matches`]; `created` marks an untagged scalar the walk just made.
pub type Visit<'f> = dyn FnMut(&mut Node, bool) -> Result<(), String> + 'f;

/// kyaml's `PathMatcher{Path, Create}`: calls `visit` on every node the path reaches (list
/// elements `[k=regex]` match by unanchored regex, `*` visits every element, numbers index);
/// returns how many were visited.
pub fn matches(
    node: &mut Node,
    path: &[String],
    create: Create,
    visit: &mut Visit<'_>,
) -> Result<usize, String> {
    walk(node, path, create, false, visit)
}

fn walk(
    node: &mut Node,
    path: &[String],
    create: Create,
    created: bool,
    visit: &mut Visit<'_>,
) -> Result<usize, String> {
    let Some((part, rest)) = path.split_first() else {
        visit(
            node,
            created && !matches!(node.value, Value::Map(_) | Value::Seq(_)),
        )?;
        return Ok(1);
    };
    if part.parse::<i64>().is_ok_and(|i| i >= 0) {
        return index_seq(node, part, rest, create, visit);
    }
    if is_list_index(part) {
        return match_seq(node, part, rest, create, visit);
    }
    if part == "*" {
        if node.is_null() {
            return Ok(0);
        }
        let Value::Seq(items) = &mut node.value else {
            return Err(wrong_kind("SequenceNode", node));
        };
        let mut n = 0;
        for item in items {
            n += walk(item, rest, create, false, visit)?;
        }
        return Ok(n);
    }
    if node.is_null() {
        if !create.on() {
            return Ok(0);
        }
        node.value = Value::Map(Mapping::default());
    }
    let Value::Map(map) = &mut node.value else {
        return Err(wrong_kind("MappingNode", node));
    };
    let mut made = false;
    if map.get(part).is_none() {
        if !create.on() {
            return Ok(0);
        }
        map.entries.push((
            Node::string(part.as_str()),
            Node::new(part_kind(rest.first(), create)),
        ));
        made = true;
    }
    match map.get_mut(part) {
        Some(field) => walk(field, rest, create, made, visit),
        None => Ok(0),
    }
}

fn index_seq(
    node: &mut Node,
    part: &str,
    rest: &[String],
    create: Create,
    visit: &mut Visit<'_>,
) -> Result<usize, String> {
    let idx: i64 = part.parse().map_err(|_| format!("invalid index {part}"))?;
    if node.is_null() {
        return Err(format!("index {idx} specified but only 0 elements found"));
    }
    let Value::Seq(items) = &mut node.value else {
        return Err(wrong_kind("SequenceNode", node));
    };
    let mut made = false;
    if usize::try_from(idx).is_ok_and(|i| i == items.len()) && create.on() {
        items.push(Node::new(part_kind(rest.first(), create)));
        made = true;
    }
    let len = items.len();
    let Some(item) = usize::try_from(idx).ok().and_then(|i| items.get_mut(i)) else {
        return Err(format!(
            "index {idx} specified but only {len} elements found"
        ));
    };
    walk(item, rest, create, made, visit)
}

fn match_seq(
    node: &mut Node,
    part: &str,
    rest: &[String],
    create: Create,
    visit: &mut Visit<'_>,
) -> Result<usize, String> {
    let (field, pattern) = split_name_value(part)?;
    let re = Regex::new(pattern).map_err(|e| format!("error parsing regexp: {e}"))?;
    if node.is_null() {
        return Ok(0);
    }
    let Value::Seq(items) = &mut node.value else {
        return Err(wrong_kind("SequenceNode", node));
    };
    let selected = |item: &Node| -> bool {
        if field.is_empty() {
            re.is_match(scalar_text(item).trim())
        } else {
            item.get(field)
                .is_some_and(|v| !v.is_null() && re.is_match(scalar_text(v).trim()))
        }
    };
    let any = items.iter().any(selected);
    let mut made = false;
    if !any {
        if !create.on() {
            return Ok(0);
        }
        let value = Node::string(pattern);
        if field.is_empty() {
            items.push(value);
        } else {
            let mut m = Mapping::default();
            m.entries.push((Node::string(field), value));
            items.push(Node::new(Value::Map(m)));
        }
        made = true;
    }
    let mut n = 0;
    for item in items.iter_mut() {
        if selected(item) {
            // A primitive element created from `[=value]` is untagged, like the leaf create.
            n += walk(item, rest, create, made && field.is_empty(), visit)?;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(src: &str) -> Node {
        parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    fn sp(p: &str) -> Vec<String> {
        split(p)
    }

    #[test]
    fn smarter_split() {
        assert_eq!(
            sp("spec.containers.[name=a.b].image"),
            ["spec", "containers", "[name=a.b]", "image"]
        );
        assert_eq!(
            sp("metadata.annotations.[a.b/c]"),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(sp(r"data.config\.json"), ["data", "config.json"]);
        assert_eq!(sp("a.[x]"), ["a", "[x]"]);
    }

    #[test]
    fn getter_reads_fields_elements_and_indexes() {
        let n = node("spec:\n  c:\n  - name: a\n    v: 1\n  - name: b\n    v: 2\n  l: [x, y]\n");
        let get = |p: &str| lookup(&n, &sp(p)).unwrap().map(scalar_text);
        assert_eq!(get("spec.c.[name=b].v").as_deref(), Some("2"));
        assert_eq!(get("spec.c.[name=.*].v"), None, "getter matches exactly");
        assert_eq!(get("spec.c.0.v").as_deref(), Some("1"));
        assert_eq!(get("spec.c.-.v").as_deref(), Some("2"));
        assert_eq!(get("spec.l.[=y]").as_deref(), Some("y"));
        assert_eq!(get("spec.c.5"), None);
        assert!(lookup(&n, &sp("spec.c.*")).is_err());
        assert!(lookup(&n, &sp("spec.c.x")).is_err());
    }

    #[test]
    fn matcher_regex_wildcard_and_create() {
        let mut n = node("c:\n- name: app\n- name: app2\n- name: side\n");
        let mut seen = 0;
        let count = matches(&mut n, &sp("c.[name=app].x"), Create::No, &mut |_, _| {
            seen += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!((count, seen), (0, 0), "missing leaf, no create");
        let count = matches(&mut n, &sp("c.[name=app].name"), Create::No, &mut |_, _| {
            Ok(())
        })
        .unwrap();
        assert_eq!(count, 2, "unanchored regex");
        let count = matches(&mut n, &sp("c.*.name"), Create::No, &mut |_, _| Ok(())).unwrap();
        assert_eq!(count, 3);
        let count = matches(
            &mut n,
            &sp("c.[name=new].img"),
            Create::Scalar,
            &mut |t, c| {
                assert!(c);
                t.value = Value::Str("v".into());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(count, 1);
        assert_eq!(
            n.as_map()
                .unwrap()
                .get("c")
                .unwrap()
                .as_seq()
                .unwrap()
                .len(),
            4
        );
        let err = matches(&mut n, &sp("c.9.name"), Create::No, &mut |_, _| Ok(())).unwrap_err();
        assert_eq!(err, "index 9 specified but only 4 elements found");
    }
}
