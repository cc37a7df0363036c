//! Strategic merge as kustomize does it: kyaml's `merge2.Merge(patch, target)` walk with the
//! `Prepend` list direction, `$patch` directives, null deletes and schema-keyed lists.
//!
//! Nodes are owned here; kyaml shares one node between "dest" and "origin" when a patch adds a
//! subtree, which this port tracks with an `aliased` flag so directive elision hits both copies.

use super::elements::{
    append_list, element_list, element_list_mut, element_setter, element_values, merge_values,
    primitive_values, validate_keys,
};
use super::schema::Sch;
use crate::yaml::resolve::{Resolved, resolve_plain};
use crate::yaml::{Mapping, Node, Pos, Value};

const DIRECTIVE: &str = "$patch";

/// Marks a null that kyaml keeps (an untagged "null" scalar) rather than clearing its field.
const KEEP_NULL: Pos = Pos {
    line: u32::MAX,
    col: u32::MAX,
};

/// Merges `patch` into `dest` (kyaml `merge2.Merge` with `ListIncreaseDirection: Prepend`).
/// `None` means the patch deleted the whole object.
///
/// `written_empty` tells whether a null of the target at a position was written as an empty
/// value (`key:`); kyaml drops such fields while merging but keeps `null` and `~`.
/// `written_quoted` tells whether a string of the target at a position was written quoted or
/// as a block scalar: kyaml gives the patch's scalar the target's style, which makes any
/// patched-in scalar a string (`'http'` patched with `9090` becomes `"9090"`).
pub fn merge(
    dest: Node,
    patch: Node,
    schema: Option<Sch>,
    written_empty: &dyn Fn(Pos) -> bool,
    written_quoted: &dyn Fn(Pos) -> bool,
) -> Result<Option<Node>, String> {
    let mut w = Walker {
        written_empty,
        written_quoted,
        path: Vec::new(),
        in_place: false,
    };
    let out = w.walk(Some(dest), Some(patch), schema, false)?;
    Ok(out.map(unmark))
}

fn unmark(mut n: Node) -> Node {
    if n.pos == KEEP_NULL {
        n.pos = Pos::NONE;
    }
    n
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    None,
    Map,
    Seq,
    Scalar,
}

fn kind_of(n: &Node) -> Kind {
    match n.value {
        Value::Map(_) => Kind::Map,
        Value::Seq(_) => Kind::Seq,
        Value::Null => Kind::None,
        _ => Kind::Scalar,
    }
}

fn missing_or_null(n: Option<&Node>) -> bool {
    n.is_none_or(Node::is_null)
}

pub(super) fn is_empty_map(n: &Node) -> bool {
    matches!(&n.value, Value::Map(m) if m.is_empty())
}

/// The scalar text kyaml compares (`yaml.Node.Value`); collections and null have none.
pub fn scalar_text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn parse_directive(n: &Node) -> Result<Directive, String> {
    match n.as_str() {
        Some("merge") => Ok(Directive::Merge),
        Some("replace") => Ok(Directive::Replace),
        Some("delete") => Ok(Directive::Delete),
        _ => Err(format!("unknown patch strategy '{}'", scalar_text(n))),
    }
}

/// `determineMappingNodePatchStrategy`: reads and removes `$patch` from a map.
fn map_directive(n: &mut Node) -> Result<Directive, String> {
    let Some(m) = n.as_map_mut() else {
        return Ok(Directive::Merge);
    };
    let Some(v) = m.get(DIRECTIVE) else {
        return Ok(Directive::Merge);
    };
    let d = parse_directive(v)?;
    m.remove(DIRECTIVE);
    Ok(d)
}

/// `determineSequenceNodePatchStrategy`: a `{$patch: X}` element (alone in its map) directs the
/// whole list; it is removed (with kyaml's `ElementSetter` side effects).
fn seq_directive(n: &mut Node) -> Result<(Directive, Option<String>), String> {
    let Value::Seq(items) = &n.value else {
        return Ok((Directive::Merge, None));
    };
    let Some(elem) = items
        .iter()
        .filter_map(Node::as_map)
        .find(|m| m.get(DIRECTIVE).is_some())
    else {
        return Ok((Directive::Merge, None));
    };
    if elem.len() > 1 {
        return Ok((Directive::Merge, None));
    }
    let v = elem
        .get(DIRECTIVE)
        .cloned()
        .unwrap_or(Node::new(Value::Null));
    let d = parse_directive(&v)?;
    let text = scalar_text(&v);
    element_setter(
        n,
        None,
        &[DIRECTIVE.to_owned()],
        std::slice::from_ref(&text),
    );
    Ok((d, Some(text)))
}

struct Walker<'f> {
    written_empty: &'f dyn Fn(Pos) -> bool,
    written_quoted: &'f dyn Fn(Pos) -> bool,
    path: Vec<String>,
    /// Whether the last walk returned the dest node merged in place (kyaml mutates dest list
    /// elements in place; other results leave the dest element as it was).
    in_place: bool,
}

impl Walker<'_> {
    fn walk(
        &mut self,
        dest: Option<Node>,
        origin: Option<Node>,
        schema: Option<Sch>,
        aliased: bool,
    ) -> Result<Option<Node>, String> {
        self.in_place = false;
        let kind = [dest.as_ref(), origin.as_ref()]
            .into_iter()
            .flatten()
            .map(kind_of)
            .find(|k| *k != Kind::None)
            .unwrap_or(Kind::None);
        for n in [dest.as_ref(), origin.as_ref()].into_iter().flatten() {
            let k = kind_of(n);
            if k != Kind::None && k != kind {
                return Err(format!(
                    "wrong node kind: expected {} but got {}: node contents:\n{}",
                    kind_name(kind),
                    kind_name(k),
                    self.path.join(".")
                ));
            }
        }
        match kind {
            Kind::Map | Kind::None => self.walk_map(dest, origin, schema, aliased),
            Kind::Seq => self.walk_seq(dest, origin, schema, aliased),
            Kind::Scalar => Ok(match (dest, origin) {
                // the target's quoted style stays on the merged node, which makes any scalar
                // patched in a string (`'http'` patched with `9090` becomes `"9090"`)
                (Some(d), Some(mut o))
                    if matches!(d.value, Value::Str(_))
                        && !matches!(o.value, Value::Null)
                        && (d.pos == super::QUOTED
                            || (d.pos.line != 0 && (self.written_quoted)(d.pos))) =>
                {
                    if !matches!(o.value, Value::Str(_)) {
                        let text = o.text().map(|t| t.into_owned()).unwrap_or_default();
                        o.value = Value::Str(text);
                        o.raw = None;
                    }
                    o.pos = super::QUOTED;
                    Some(o)
                }
                (d, o) => o.or(d),
            }),
        }
    }

    fn walk_map(
        &mut self,
        dest: Option<Node>,
        mut origin: Option<Node>,
        schema: Option<Sch>,
        aliased: bool,
    ) -> Result<Option<Node>, String> {
        // VisitMap
        let mut dest = if missing_or_null(dest.as_ref()) {
            let d = match origin.as_mut() {
                Some(o) => map_directive(o).unwrap_or(Directive::Merge),
                None => Directive::Merge,
            };
            if d == Directive::Delete {
                return Ok(None);
            }
            if origin.is_none()
                && let Some(d) = dest
            {
                if d.pos != Pos::NONE && d.pos != KEEP_NULL && (self.written_empty)(d.pos) {
                    return Ok(None);
                }
                return Ok(Some(Node::at(d.value, KEEP_NULL)));
            }
            // kyaml continues with dest and origin being the same node
            return match origin {
                Some(o) if matches!(o.value, Value::Map(_)) => {
                    let copy = o.clone();
                    {
                        let out = self.walk_map_fields(copy, Some(o), schema, true);
                        self.in_place = false;
                        out
                    }
                }
                other => Ok(other),
            };
        } else {
            dest
        };
        if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(None);
        }
        let d = match origin.as_mut() {
            Some(o) => map_directive(o)?,
            None => Directive::Merge,
        };
        if aliased && let Some(dn) = dest.as_mut() {
            map_directive(dn).ok();
        }
        match d {
            Directive::Delete => Ok(None),
            Directive::Replace => {
                let o = origin.take();
                match o {
                    Some(o) if matches!(o.value, Value::Map(_)) => {
                        let copy = o.clone();
                        {
                            let out = self.walk_map_fields(copy, Some(o), schema, true);
                            self.in_place = false;
                            out
                        }
                    }
                    other => Ok(other),
                }
            }
            Directive::Merge => {
                let out = match dest.take() {
                    Some(d) if matches!(d.value, Value::Map(_)) => {
                        self.walk_map_fields(d, origin, schema, aliased)
                    }
                    other => Ok(other),
                };
                self.in_place = true;
                out
            }
        }
    }

    fn walk_map_fields(
        &mut self,
        mut dest: Node,
        origin: Option<Node>,
        schema: Option<Sch>,
        aliased: bool,
    ) -> Result<Option<Node>, String> {
        let origin_map = origin.and_then(|o| match o.value {
            Value::Map(m) => Some(m),
            _ => None,
        });
        let mut names: Vec<String> = Vec::new();
        for m in dest.as_map().into_iter().chain(origin_map.as_ref()) {
            for (k, _) in &m.entries {
                let name = scalar_text(k);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names.sort();
        let Some(dmap) = dest.as_map_mut() else {
            return Ok(Some(dest));
        };
        for name in names {
            let d = take_field(dmap, &name);
            let o = origin_map
                .as_ref()
                .and_then(|m| get_field(m, &name))
                .cloned();
            let child = schema.and_then(|s| s.field(&name));
            self.path.push(name.clone());
            let val = self.walk(d.clone(), o, child, aliased)?;
            self.path.pop();
            set_field(dmap, &name, val, d.is_some());
        }
        Ok(Some(dest))
    }

    fn walk_seq(
        &mut self,
        dest: Option<Node>,
        mut origin: Option<Node>,
        schema: Option<Sch>,
        aliased: bool,
    ) -> Result<Option<Node>, String> {
        let associative = schema.is_some_and(Sch::is_associative);
        if !associative {
            return Ok(origin.or(dest));
        }
        // VisitList (associative)
        let (mut dest, aliased) = if missing_or_null(dest.as_ref()) {
            match origin.clone() {
                Some(o) => (o, true),
                None => return Ok(None),
            }
        } else if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(None);
        } else {
            let (d, text) = match origin.as_mut() {
                Some(o) => seq_directive(o)?,
                None => (Directive::Merge, None),
            };
            let mut dest = dest.unwrap_or(Node::new(Value::Null));
            if aliased && let Some(t) = &text {
                element_setter(
                    &mut dest,
                    None,
                    &[DIRECTIVE.to_owned()],
                    std::slice::from_ref(t),
                );
            }
            match d {
                Directive::Delete => return Ok(None),
                Directive::Replace => match origin.clone() {
                    Some(o) => (o, true),
                    None => return Ok(None),
                },
                Directive::Merge => (dest, aliased),
            }
        };
        let origin = if aliased && origin.is_none() {
            Some(dest.clone())
        } else {
            origin
        };
        let (_, keys) = schema.map_or(("", &[][..]), Sch::strategy_and_keys);
        let keys: Vec<String> = keys.to_vec();
        let sources = [Some(&dest), origin.as_ref()];
        let values = element_values(&sources, &keys);
        let elem_schema = schema.and_then(Sch::elements);
        let (values, keys) = if !values.is_empty() || !keys.is_empty() {
            (values, keys)
        } else {
            (primitive_values(&sources), vec![String::new()])
        };
        self.set_elements(values, keys, &mut dest, origin, elem_schema, aliased)?;
        self.in_place = false;
        if dest.is_null() {
            return Ok(None);
        }
        Ok(Some(dest))
    }

    fn set_elements(
        &mut self,
        mut values_list: Vec<Vec<String>>,
        keys: Vec<String>,
        dest: &mut Node,
        origin: Option<Node>,
        schema: Option<Sch>,
        aliased: bool,
    ) -> Result<(), String> {
        let mut items = Node::new(Value::Seq(Vec::new()));
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, values, &keys);
            valid_keys = vk.clone();
            let (mk, mv) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
            let d = element_list(dest, &mk, &mv).cloned();
            let o = origin
                .as_ref()
                .and_then(|o| element_list(o, &mk, &mv))
                .cloned();
            let val = self.walk(d, o, schema, aliased)?.map(unmark);
            if self.in_place
                && let Some(v) = &val
                && let Some(slot) = element_list_mut(dest, &mk, &mv)
            {
                *slot = v.clone();
            }
            let Some(mut val) = val.filter(|v| !v.is_null() && !is_empty_map(v)) else {
                element_setter(dest, None, &vk, &vv);
                continue;
            };
            for (key, value) in vk.iter().zip(&vv) {
                if value.is_empty() || key.is_empty() {
                    continue;
                }
                if let Some(m) = val.as_map_mut()
                    && get_field(m, key).is_none()
                {
                    let v = match resolve_plain(value) {
                        Resolved::Value(v) => v,
                        Resolved::Merge => Value::Str(value.clone()),
                    };
                    m.entries.push((Node::string(key.clone()), Node::new(v)));
                }
            }
            element_setter(&mut items, Some(val), &vk, &vv);
        }
        if !values_list.is_empty() {
            let old = std::mem::replace(dest, Node::new(Value::Null));
            append_list(&mut items, old, &valid_keys);
            *dest = items;
        }
        Ok(())
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Map => "MappingNode",
        Kind::Seq => "SequenceNode",
        Kind::Scalar => "ScalarNode",
        Kind::None => "null",
    }
}

pub(super) fn get_field<'a>(m: &'a Mapping, name: &str) -> Option<&'a Node> {
    m.entries
        .iter()
        .find(|(k, _)| scalar_text(k) == name)
        .map(|(_, v)| v)
}

/// Removes a field's value for walking, leaving a placeholder so the entry keeps its place.
fn take_field(m: &mut Mapping, name: &str) -> Option<Node> {
    m.entries
        .iter_mut()
        .find(|(k, _)| scalar_text(k) == name)
        .map(|(_, v)| std::mem::replace(v, Node::new(Value::Null)))
}

/// kyaml `FieldSetter`: a missing or tagged-null value clears the field.
fn set_field(m: &mut Mapping, name: &str, val: Option<Node>, existed: bool) {
    match val {
        Some(v) if !v.is_null() || v.pos == KEEP_NULL => {
            let v = unmark(v);
            match m.entries.iter_mut().find(|(k, _)| scalar_text(k) == name) {
                Some((_, slot)) => *slot = v,
                None => m.entries.push((Node::string(name), v)),
            }
        }
        _ => {
            if existed || get_field(m, name).is_some() {
                m.entries.retain(|(k, _)| scalar_text(k) != name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::patch::schema::builtin;
    use crate::yaml::emit::write_document;
    use crate::yaml::{Limits, parse_stream};

    fn node(src: &str) -> Node {
        parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    fn merged(dest: &str, patch: &str) -> String {
        let d = node(dest);
        let schema = builtin().for_type(
            d.get("apiVersion").and_then(Node::as_str).unwrap_or(""),
            d.get("kind").and_then(Node::as_str).unwrap_or(""),
        );
        let out = merge(d, node(patch), schema, &|_| false, &|_| false).unwrap();
        let mut s = String::new();
        if let Some(n) = out {
            write_document(&n, &mut s).unwrap();
        }
        s
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a}, {name: b}, {name: c}]\n  tolerations: [{key: x}]\n";

    #[test]
    fn keyed_list_prepends_patch_elements() {
        let out = merged(
            POD,
            "spec:\n  containers: [{name: a, image: a2}, {name: b, $patch: delete}, {name: d}]\n",
        );
        let names: Vec<&str> = out
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("name: ")
                    .or(l.trim().strip_prefix("- name: "))
            })
            .collect();
        assert_eq!(names, ["p", "a", "d", "c"], "{out}");
        assert!(out.contains("image: a2"));
    }

    #[test]
    fn plain_lists_are_replaced_and_null_deletes() {
        let out = merged(
            POD,
            "spec:\n  tolerations: [{key: y}]\nmetadata: {name: null}\n",
        );
        assert!(
            out.contains("key: \"y\"") && !out.contains("key: x"),
            "{out}"
        );
        assert!(!out.contains("name: p"), "{out}");
    }

    #[test]
    fn directives() {
        let out = merged(
            POD,
            "spec:\n  containers:\n  - $patch: replace\n  - name: z\n",
        );
        assert!(out.contains("name: z") && !out.contains("name: a"), "{out}");
        assert_eq!(merged(POD, "$patch: delete\n"), "");
        let out = merged(POD, "metadata:\n  $patch: replace\n  labels: {a: b}\n");
        assert!(!out.contains("name: p") && out.contains("a: b"), "{out}");
        assert!(
            merge(
                node(POD),
                node("spec: {$patch: bogus}\n"),
                None,
                &|_| false,
                &|_| false
            )
            .is_err()
        );
    }

    #[test]
    fn primitive_merge_list() {
        let out = merged(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a, b]}\n",
            "metadata: {finalizers: [c, a]}\n",
        );
        assert!(out.contains("- c\n  - a\n  - b\n"), "{out}");
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let e = merge(node(POD), node("spec: [1]\n"), None, &|_| false, &|_| false).unwrap_err();
        assert!(
            e.contains("expected MappingNode but got SequenceNode"),
            "{e}"
        );
    }
}
