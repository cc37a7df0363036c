//! kyaml's list-element helpers used by the associative-list merge: key values, element
//! matching (`ElementMatcher`), replacement (`ElementSetter`) and `appendListNode`.

use super::merge::{get_field, is_empty_map, scalar_text};
use crate::yaml::{Node, Value};

/// `ElementValuesList` over the origin, then the dest (Prepend), deduplicated.
pub(super) fn element_values(sources: &[Option<&Node>; 2], keys: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for src in [sources[1], sources[0]].into_iter().flatten() {
        let Some(items) = src.as_seq() else { continue };
        for item in items {
            let vals: Vec<String> = keys
                .iter()
                .map(|k| match item.as_map().and_then(|m| get_field(m, k)) {
                    Some(f) if !nil_or_empty(f) => scalar_text(f),
                    _ => String::new(),
                })
                .collect();
            if vals.is_empty() || out.contains(&vals) {
                continue;
            }
            out.push(vals);
        }
    }
    out
}

pub(super) fn nil_or_empty(n: &Node) -> bool {
    match &n.value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}

/// `elementPrimitiveValues`: the scalar texts of origin then dest elements.
pub(super) fn primitive_values(sources: &[Option<&Node>; 2]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for src in [sources[1], sources[0]].into_iter().flatten() {
        let Some(items) = src.as_seq() else { continue };
        for item in items {
            let t = scalar_text(item);
            if seen.contains(&t) {
                continue;
            }
            seen.push(t.clone());
            out.push(vec![t]);
        }
    }
    out
}

/// kyaml `validateKeys`: drop keys no element has a value for.
pub(super) fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut valid = vec![false; keys.len()];
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if !v.is_empty() && i < keys.len() {
                valid[i] = true;
            }
        }
    }
    if !valid.iter().any(|v| *v) {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = keys
        .iter()
        .zip(&valid)
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// kyaml `mergeValues`: key tuples differing only by empty values are unified.
pub(super) fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        for j in 0..list.len() {
            if let Some(m) = match_values(&list[i], &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
}

pub(super) fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// kyaml `FieldMatcher{Name, StringValue}` on a list element: with an empty value it only
/// requires the field; with an empty name it compares a scalar element.
pub(super) fn field_matches(elem: &Node, key: &str, value: &str) -> bool {
    if elem.is_null() {
        return false;
    }
    if key.is_empty() {
        return !matches!(elem.value, Value::Map(_) | Value::Seq(_)) && scalar_text(elem) == value;
    }
    let Some(m) = elem.as_map() else {
        return false;
    };
    m.entries
        .iter()
        .any(|(k, v)| scalar_text(k) == key && (value.is_empty() || scalar_text(v) == value))
}

/// kyaml `ElementMatcher` (`ElementList`): the first element matching all key values.
pub(super) fn element_list<'a>(
    list: &'a Node,
    keys: &[String],
    values: &[String],
) -> Option<&'a Node> {
    let items = list.as_seq()?;
    let primitive = keys.first().is_none_or(String::is_empty);
    let first_value = values.first().map_or("", String::as_str);
    if primitive {
        return items.iter().find(|i| {
            !matches!(i.value, Value::Map(_) | Value::Seq(_)) && scalar_text(i) == first_value
        });
    }
    items.iter().find(|elem| {
        elem.as_map().is_some()
            && keys.iter().zip(values).all(|(k, v)| {
                elem.as_map()
                    .and_then(|m| get_field(m, k))
                    .is_some_and(|f| !f.is_null() && scalar_text(f) == *v)
            })
    })
}

pub(super) fn element_list_mut<'a>(
    list: &'a mut Node,
    keys: &[String],
    values: &[String],
) -> Option<&'a mut Node> {
    let idx = {
        let items = list.as_seq()?;
        let found = element_list(list, keys, values)?;
        items.iter().position(|i| std::ptr::eq(i, found))?
    };
    match &mut list.value {
        Value::Seq(items) => items.get_mut(idx),
        _ => None,
    }
}

/// kyaml `ElementSetter`: replaces (or with `None` deletes) every element matching the keys;
/// appends when none matched. Null and empty-map elements are dropped on the way.
pub(super) fn element_setter(
    list: &mut Node,
    element: Option<Node>,
    keys: &[String],
    values: &[String],
) {
    let keys: Vec<String> = if keys.is_empty() {
        vec![String::new()]
    } else {
        keys.to_vec()
    };
    let Value::Seq(items) = &mut list.value else {
        if list.is_null()
            && let Some(e) = element
        {
            list.value = Value::Seq(vec![e]);
        }
        return;
    };
    let mut out = Vec::with_capacity(items.len() + 1);
    let mut found_any = false;
    for elem in std::mem::take(items) {
        if elem.is_null() || is_empty_map(&elem) {
            continue;
        }
        if !matches!(elem.value, Value::Map(_)) && !keys[0].is_empty() {
            out.push(elem);
            continue;
        }
        let mut found = true;
        let mut last = false;
        for (j, key) in keys.iter().enumerate() {
            if j < values.len() {
                last = field_matches(&elem, key, &values[j]);
            }
            if !last {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(elem);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = &element {
            out.push(e.clone());
        }
    }
    if let Some(e) = element
        && !found_any
    {
        out.push(e);
    }
    *items = out;
}

/// kyaml `appendListNode(dst, src, keys)`: sets each `src` element into `dst` by its keys.
pub(super) fn append_list(dst: &mut Node, src: Node, keys: &[String]) {
    let Value::Seq(elems) = src.value else {
        return;
    };
    let keys: Vec<String> = if keys.is_empty() {
        vec![String::new()]
    } else {
        keys.to_vec()
    };
    for elem in elems {
        if keys[0].is_empty() {
            let v = scalar_text(&elem);
            element_setter(dst, Some(elem), &[String::new()], &[v]);
            continue;
        }
        let mut v = Vec::new();
        for key in &keys {
            match elem.as_map().and_then(|m| get_field(m, key)) {
                Some(f) => v.push(scalar_text(f)),
                None => {
                    if let Value::Seq(items) = &mut dst.value {
                        items.push(elem.clone());
                    }
                }
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, &keys, &v);
        }
        element_setter(dst, Some(elem), &keys, &v);
    }
}
