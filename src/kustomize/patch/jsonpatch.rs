//! RFC 6902 JSON patches applied directly to [`Node`] trees, with evanphx/json-patch v4
//! behaviour (what kustomize uses): paths must exist for `remove`/`replace`/`test`, `-` appends,
//! negative indices count from the end.

use crate::yaml::{Node, Value};

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: String,
    /// Target JSON pointer.
    pub path: String,
    /// Source pointer of `move`/`copy`.
    pub from: Option<String>,
    /// Value of `add`/`replace`/`test`.
    pub value: Option<Node>,
}

/// Decodes a patch document (a sequence of operation mappings), like `jsonpatch.DecodePatch`.
pub fn decode(doc: &Node) -> Result<Vec<Op>, String> {
    let Some(items) = doc.as_seq() else {
        return Err(format!(
            "a JSON patch must be a list of operations, found a {}",
            doc.type_name()
        ));
    };
    items
        .iter()
        .map(|item| {
            let m = item
                .as_map()
                .ok_or_else(|| "each JSON patch operation must be a mapping".to_owned())?;
            let text = |k: &str| m.get(k).and_then(Node::as_str).map(str::to_owned);
            Ok(Op {
                op: text("op").unwrap_or_default(),
                path: text("path").unwrap_or_default(),
                from: text("from"),
                value: m.get("value").cloned(),
            })
        })
        .collect()
}

/// Applies the operations in order.
pub fn apply(doc: &mut Node, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        apply_one(doc, op)?;
    }
    Ok(())
}

fn apply_one(doc: &mut Node, op: &Op) -> Result<(), String> {
    let value = || op.value.clone().unwrap_or(Node::new(Value::Null));
    match op.op.as_str() {
        "add" => add(doc, &op.path, value()),
        "remove" => remove(doc, &op.path, "remove").map(|_| ()),
        "replace" => replace(doc, &op.path, value()),
        "move" => {
            let from = op.from.clone().unwrap_or_default();
            let v = remove(doc, &from, "move")?;
            add(doc, &op.path, v)
        }
        "copy" => {
            let from = op.from.clone().unwrap_or_default();
            let v = get(doc, &from).cloned().unwrap_or(Node::new(Value::Null));
            add(doc, &op.path, v)
        }
        "test" => {
            let want = value();
            let same = match get(doc, &op.path) {
                Some(h) => json_equal(h, &want),
                None => want.is_null(),
            };
            if same {
                Ok(())
            } else {
                Err(format!("testing value {} failed: test failed", op.path))
            }
        }
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// Splits a JSON pointer into unescaped tokens (`~1` → `/`, `~0` → `~`).
fn tokens(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn get<'a>(doc: &'a Node, path: &str) -> Option<&'a Node> {
    if path.is_empty() {
        return Some(doc);
    }
    let mut cur = doc;
    for t in &tokens(path)? {
        cur = match &cur.value {
            Value::Map(m) => m.get(t)?,
            Value::Seq(items) => items.get(index(t, items.len()).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The container holding the last token, and that token (json-patch `findObject`).
fn parent_mut<'a>(doc: &'a mut Node, path: &str) -> Option<(&'a mut Node, String)> {
    let mut toks = tokens(path)?;
    let last = toks.pop()?;
    let mut cur = doc;
    for t in &toks {
        cur = match &mut cur.value {
            Value::Map(m) => m.get_mut(t)?,
            Value::Seq(items) => {
                let i = index(t, items.len()).ok()?;
                items.get_mut(i)?
            }
            _ => return None,
        };
    }
    matches!(cur.value, Value::Map(_) | Value::Seq(_)).then_some((cur, last))
}

/// An array index into `size` slots; negatives count from the end (json-patch v4).
fn index(tok: &str, size: usize) -> Result<usize, String> {
    let i: i64 = tok.parse().map_err(|e: std::num::ParseIntError| {
        format!(
            "value was not a proper array index: '{tok}': strconv.Atoi: parsing {tok:?}: {}",
            go_parse_err(&e)
        )
    })?;
    let size = size as i64;
    if i >= size || i < -size {
        return Err(format!(
            "Unable to access invalid index: {i}: invalid index referenced"
        ));
    }
    Ok(if i < 0 { i + size } else { i } as usize)
}

fn go_parse_err(e: &std::num::ParseIntError) -> &'static str {
    match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            "value out of range"
        }
        _ => "invalid syntax",
    }
}

fn add(doc: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let missing =
        || format!("add operation does not apply: doc is missing path: {path:?}: missing value");
    let (parent, last) = parent_mut(doc, path).ok_or_else(missing)?;
    match &mut parent.value {
        Value::Map(m) => {
            m.insert(&last, value);
            Ok(())
        }
        Value::Seq(items) => {
            let i = if last == "-" {
                items.len()
            } else {
                index(&last, items.len() + 1)
                    .map_err(|e| format!("error in add for path: '{path}': {e}"))?
            };
            items.insert(i, value);
            Ok(())
        }
        _ => Err(missing()),
    }
}

fn remove(doc: &mut Node, path: &str, op: &str) -> Result<Node, String> {
    let (parent, last) = parent_mut(doc, path).ok_or_else(|| {
        format!("{op} operation does not apply: doc is missing path: {path:?}: missing value")
    })?;
    match &mut parent.value {
        Value::Map(m) => m.remove(&last).ok_or_else(|| {
            let shown = if op == "move" { last.clone() } else { path.to_owned() };
            format!("error in {op} for path: '{shown}': Unable to remove nonexistent key: {last}: missing value")
        }),
        Value::Seq(items) => {
            let i = index(&last, items.len()).map_err(|e| format!("error in {op} for path: '{path}': {e}"))?;
            Ok(items.remove(i))
        }
        _ => Err(format!("{op} operation does not apply: doc is missing path: {path:?}: missing value")),
    }
}

fn replace(doc: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let (parent, last) = parent_mut(doc, path).ok_or_else(|| {
        format!("replace operation does not apply: doc is missing path: {path}: missing value")
    })?;
    match &mut parent.value {
        Value::Map(m) => {
            m.insert(&last, value);
            Ok(())
        }
        Value::Seq(items) => {
            let i = index(&last, items.len()).map_err(|e| {
                format!("replace operation does not apply: doc is missing key: {path}: {e}")
            })?;
            items[i] = value;
            Ok(())
        }
        _ => Err(format!(
            "replace operation does not apply: doc is missing path: {path}: missing value"
        )),
    }
}

/// Equality of JSON values (numbers by value, maps regardless of key order).
fn json_equal(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.entries.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| y.get(k))
                        .is_some_and(|w| json_equal(v, w))
                })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w))
        }
        (x, y) => match (number(x), number(y)) {
            (Some(p), Some(q)) => p == q,
            _ => x == y,
        },
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
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

    #[test]
    fn ops() {
        let mut doc = node("a: {b: [1, 2]}\nc: x\n");
        let ops = decode(&node(
            "- {op: add, path: /a/b/-, value: 3}\n- {op: add, path: /a/b/0, value: 0}\n- {op: replace, path: /c, value: y}\n- {op: move, from: /c, path: /d}\n- {op: copy, from: /d, path: /e}\n- {op: test, path: /e, value: y}\n- {op: remove, path: /a/b/1}\n",
        ))
        .unwrap();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc, {
            let mut n = node("a: {b: [0, 2, 3]}\nd: y\ne: y\n");
            strip(&mut n);
            let mut d = doc.clone();
            strip(&mut d);
            if d == n { doc.clone() } else { n }
        });
        let bad = decode(&node("- {op: remove, path: /zz}\n")).unwrap();
        assert!(
            apply(&mut doc, &bad)
                .unwrap_err()
                .contains("nonexistent key")
        );
        let bad = decode(&node("- {op: replace, path: /zz/a, value: 1}\n")).unwrap();
        assert!(apply(&mut doc, &bad).unwrap_err().contains("missing path"));
        let mut list = node("[a, b]\n");
        let neg = decode(&node(
            "- {op: add, path: /-1, value: x}\n- {op: remove, path: /0}\n",
        ))
        .unwrap();
        apply(&mut list, &neg).unwrap();
        assert_eq!(list.as_seq().map(|s| s.len()), Some(2));
        assert_eq!(list.as_seq().and_then(|s| s[1].as_str()), Some("x"));
    }

    fn strip(n: &mut Node) {
        n.pos = Default::default();
        match &mut n.value {
            Value::Map(m) => m.entries.iter_mut().for_each(|(k, v)| {
                strip(k);
                strip(v)
            }),
            Value::Seq(s) => s.iter_mut().for_each(strip),
            _ => {}
        }
    }
}
