//! A field-path diff of two objects, like dyff: `spec.replicas: 2 → 3`. Mappings compare by
//! key; lists whose items are all mappings with a `name` compare by that name
//! (`containers[name=app].image`), other lists by index.

use crate::yaml::{Node, Value};

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// The field path (`spec.template.spec.containers[name=app].image`, `args[0]`).
    pub path: String,
    /// The value before, in compact flow style; `None` when the field was added.
    pub before: Option<String>,
    /// The value after; `None` when the field was removed.
    pub after: Option<String>,
}

/// The fields that differ between `base` and `head`, in document order.
pub fn field_changes(base: &Node, head: &Node) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(&mut String::new(), Some(base), Some(head), &mut out);
    out
}

fn walk(path: &mut String, a: Option<&Node>, b: Option<&Node>, out: &mut Vec<FieldChange>) {
    match (a.map(|n| &n.value), b.map(|n| &n.value)) {
        (Some(Value::Map(x)), Some(Value::Map(y))) => {
            let mut keys: Vec<String> = Vec::new();
            for (k, _) in x.entries.iter().chain(&y.entries) {
                let k = k.text().unwrap_or_default().into_owned();
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            for k in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&k);
                walk(path, x.get(&k), y.get(&k), out);
                path.truncate(len);
            }
        }
        (Some(Value::Seq(x)), Some(Value::Seq(y))) => match (named(x), named(y)) {
            (Some(xn), Some(yn)) => {
                let mut names: Vec<&str> = xn.iter().map(|(n, _)| *n).collect();
                for (n, _) in &yn {
                    if !names.contains(n) {
                        names.push(n);
                    }
                }
                for n in names {
                    let len = path.len();
                    path.push_str(&format!("[name={n}]"));
                    walk(path, by_name(&xn, n), by_name(&yn, n), out);
                    path.truncate(len);
                }
            }
            _ => {
                for i in 0..x.len().max(y.len()) {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(path, x.get(i), y.get(i), out);
                    path.truncate(len);
                }
            }
        },
        _ => {
            let (before, after) = (a.map(compact), b.map(compact));
            if before != after {
                out.push(FieldChange {
                    path: if path.is_empty() {
                        ".".to_owned()
                    } else {
                        path.clone()
                    },
                    before,
                    after,
                });
            }
        }
    }
}

fn by_name<'a>(list: &[(&str, &'a Node)], name: &str) -> Option<&'a Node> {
    list.iter().find(|(m, _)| *m == name).map(|(_, node)| *node)
}

/// The items by their `name` when every item is a mapping with a distinct string `name`.
fn named(items: &[Node]) -> Option<Vec<(&str, &Node)>> {
    let mut out: Vec<(&str, &Node)> = Vec::new();
    for item in items {
        let name = item.get("name")?.as_str()?;
        if out.iter().any(|(n, _)| *n == name) {
            return None;
        }
        out.push((name, item));
    }
    (!out.is_empty()).then_some(out)
}

/// A value in one line of YAML flow style (`{a: 1, b: [x, y]}`); strings that would read as
/// something else are quoted.
pub fn compact(node: &Node) -> String {
    match &node.value {
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            let parts: Vec<String> = m
                .entries
                .iter()
                .map(|(k, v)| format!("{}: {}", k.text().unwrap_or_default(), compact(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Str(s) if needs_quotes(s) => format!("{s:?}"),
        _ => node.text().unwrap_or_default().into_owned(),
    }
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.contains(['\n', ',', '[', ']', '{', '}', '"'])
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.starts_with([
            ' ', '-', '?', ':', '#', '&', '*', '!', '|', '>', '\'', '%', '@', '`',
        ])
        || s.ends_with(' ')
        || matches!(s, "true" | "false" | "null" | "~")
        || s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    #[test]
    fn paths_by_key_by_name_and_by_index() {
        let a = node(
            "spec:\n  replicas: 2\n  containers:\n  - name: app\n    image: a:1\n  - name: side\n    image: s:1\n  args: [x, y]\n  old: 1\n",
        );
        let b = node(
            "spec:\n  replicas: 3\n  containers:\n  - name: side\n    image: s:1\n  - name: app\n    image: a:2\n  args: [x]\n  new: \"5\"\n",
        );
        let got: Vec<String> = field_changes(&a, &b)
            .iter()
            .map(|c| {
                format!(
                    "{}: {} -> {}",
                    c.path,
                    c.before.as_deref().unwrap_or("-"),
                    c.after.as_deref().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "spec.replicas: 2 -> 3",
                "spec.containers[name=app].image: a:1 -> a:2",
                "spec.args[1]: y -> -",
                "spec.old: 1 -> -",
                "spec.new: - -> \"5\"",
            ]
        );
    }

    #[test]
    fn equal_objects_have_no_changes_and_types_show() {
        let a = node("a: {b: [1, two]}\n");
        assert!(field_changes(&a, &a).is_empty());
        let b = node("a: 1\n");
        let c = field_changes(&a, &b);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].before.as_deref(), Some("{b: [1, two]}"));
        assert_eq!(c[0].after.as_deref(), Some("1"));
    }
}
