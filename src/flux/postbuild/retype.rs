//! After substitution Flux re-reads the text with sigs.k8s.io/yaml `YAMLToJSON` (go-yaml v2,
//! YAML 1.1 typing, timestamps kept as strings), not with go-yaml v3 as our reader types it.
//! This pass makes the tree we read look like the one Flux gets.

use std::collections::BTreeSet;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::yaml::emit::plain_allowed;
use crate::yaml::{Node, Pos, Value};

/// Plain scalars go-yaml v2 reads as booleans and go-yaml v3 as strings.
fn v2_only_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Positions (as our reader records them) of untagged plain scalars that are v2-only booleans.
fn v2_bool_positions(text: &str) -> BTreeSet<Pos> {
    let mut out = BTreeSet::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        if let Event::Scalar(t, ScalarStyle::Plain, _, None) = &event
            && v2_only_bool(t).is_some()
        {
            out.insert(Pos::new(
                span.start.line() as u32,
                span.start.col() as u32 + 1,
            ));
        }
    }
    out
}

/// Retypes `root`, read from `text`, the way go-yaml v2 would have typed it.
pub(super) fn retype(root: &mut Node, text: &str) {
    let bools = v2_bool_positions(text);
    walk(root, &bools, false);
}

fn walk(node: &mut Node, bools: &BTreeSet<Pos>, is_key: bool) {
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in &mut m.entries {
                walk(k, bools, true);
                walk(v, bools, false);
            }
        }
        Value::Seq(items) => {
            for item in items {
                walk(item, bools, false);
            }
        }
        Value::Str(s) => {
            if bools.contains(&node.pos)
                && let Some(b) = v2_only_bool(s)
            {
                // YAMLToJSON turns boolean keys into the strings "true"/"false".
                node.value = if is_key {
                    Value::Str(b.to_string())
                } else {
                    Value::Bool(b)
                };
            }
        }
        Value::Timestamp(_) => {
            let text = node.text().map(|t| t.into_owned()).unwrap_or_default();
            node.value = Value::Str(text);
            node.raw = None;
        }
        Value::Null => {}
        Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
            let text = node.text().map(|t| t.into_owned()).unwrap_or_default();
            if plain_allowed(&text) {
                // go-yaml v3 reads a number (`0o17`) where go-yaml v2 reads a string.
                node.value = Value::Str(text);
                node.raw = None;
            }
        }
    }
}

/// Gives the nodes of `new` the source positions of the nodes of `old` at the same path; nodes
/// with no counterpart take their parent's position. Keeps diagnostics pointing into the file
/// the object came from.
pub(super) fn carry_positions(new: &mut Node, old: &Node) {
    new.pos = old.pos;
    match (&mut new.value, &old.value) {
        (Value::Map(nm), Value::Map(om)) => {
            for (k, v) in &mut nm.entries {
                let found = k.text().and_then(|key| {
                    om.entries
                        .iter()
                        .rev()
                        .find(|(ok, _)| ok.text().as_deref() == Some(&*key))
                });
                match found {
                    Some((ok, ov)) => {
                        k.pos = ok.pos;
                        carry_positions(v, ov);
                    }
                    None => {
                        set_all(k, old.pos);
                        set_all(v, old.pos);
                    }
                }
            }
        }
        (Value::Seq(ns), Value::Seq(os)) => {
            for (i, n) in ns.iter_mut().enumerate() {
                match os.get(i) {
                    Some(o) => carry_positions(n, o),
                    None => set_all(n, old.pos),
                }
            }
        }
        _ => set_all(new, old.pos),
    }
}

fn set_all(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in &mut m.entries {
                set_all(k, pos);
                set_all(v, pos);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| set_all(n, pos)),
        _ => {}
    }
}
