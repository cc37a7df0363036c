//! The validator: checks a YAML object against a compiled schema with the typing the API server
//! applies after converting the YAML to JSON (sigs.k8s.io/yaml): an unquoted `80` is an integer,
//! `"80"` a string, `1.0` an integer (Go marshals the float 1 as `1`), a timestamp a string.
//! `null` is accepted everywhere: the built-in types decode it as "unset" and the API server
//! prunes it from custom resources (a required field set to `null` is therefore missing there).

use std::borrow::Cow;
use std::collections::HashSet;

use super::Violation;
use super::model::{Additional, Catalog, Format, Schema, SchemaId, types};
use super::scalar::{describe, enum_matches, is_base64, is_date_time, json_type_matches};
use crate::yaml::{Node, Pos, Value};

/// How deep schemas may nest while checking one value (`$ref` cycles that consume no data).
const MAX_SCHEMA_DEPTH: usize = 512;

/// Most schema applications for one object: bounds hostile schemas (alternatives that refer to
/// themselves) whose depth is bounded but whose breadth is not.
const MAX_STEPS: usize = 2_000_000;

/// What to validate against and how.
pub(crate) struct Validator<'a> {
    /// The arena the schema ids index.
    pub catalog: &'a Catalog,
    /// Reject unknown fields.
    pub strict: bool,
    /// Named on every violation (a Kubernetes version or a CRD).
    pub source: &'a str,
    /// Whether messages may quote the object's values (false for Secrets).
    pub quote_values: bool,
}

/// One step of a JSON path.
#[derive(Clone, Debug)]
pub(crate) enum Seg<'n> {
    /// A mapping key.
    Key(Cow<'n, str>),
    /// A sequence index.
    Index(usize),
}

/// Renders a path as `spec.containers[0].ports[1]`, quoting keys that are not identifiers
/// (`metadata.annotations["example.com/a"]`). Empty for the object itself.
pub(crate) fn render_path(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if is_plain(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Key(k) => out.push_str(&format!("[{k:?}]")),
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
}

/// The state of one walk: where we are and what was found.
pub(crate) struct Walk<'v, 'n> {
    v: &'v Validator<'v>,
    path: Vec<Seg<'n>>,
    positions: Vec<Pos>,
    depth: usize,
    steps: usize,
    budget: usize,
    /// Violations found so far.
    pub out: Vec<Violation>,
}

impl<'v, 'n> Walk<'v, 'n> {
    /// A walk starting at the object, with `prefix` as its path.
    pub fn new(v: &'v Validator<'v>, prefix: Vec<Seg<'n>>, root: Pos) -> Self {
        Walk {
            v,
            path: prefix,
            positions: vec![root],
            depth: 0,
            steps: 0,
            budget: MAX_STEPS,
            out: Vec::new(),
        }
    }

    fn report(&mut self, node_pos: Pos, message: String) {
        let pos = if node_pos != Pos::NONE {
            node_pos
        } else {
            self.positions
                .iter()
                .rev()
                .copied()
                .find(|p| *p != Pos::NONE)
                .unwrap_or(Pos::NONE)
        };
        self.out.push(Violation {
            path: render_path(&self.path),
            pos,
            message,
            source: self.v.source.to_owned(),
        });
    }

    fn descend(&mut self, seg: Seg<'n>, id: SchemaId, node: &'n Node) {
        self.path.push(seg);
        self.positions.push(node.pos);
        self.check(id, node);
        self.positions.pop();
        self.path.pop();
    }

    /// Sets how many schema applications the walk may make (default [`MAX_STEPS`]).
    #[cfg(test)]
    pub fn with_budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// Checks the object `node` against schema `id`. When the step budget runs out, the result
    /// is that one violation (what was found before is incomplete, and alternatives cut short
    /// may have passed wrongly).
    pub fn run(&mut self, id: SchemaId, node: &'n Node) {
        self.check(id, node);
        if self.steps >= self.budget {
            self.out.clear();
            let budget = self.budget;
            self.report(
                node.pos,
                format!("validation stopped after {budget} steps: the schema is too complex"),
            );
        }
    }

    /// Checks `node` against schema `id`.
    fn check(&mut self, id: SchemaId, node: &'n Node) {
        if self.steps >= self.budget {
            return;
        }
        self.steps += 1;
        if self.depth >= MAX_SCHEMA_DEPTH {
            self.report(
                node.pos,
                "schema nesting too deep (a $ref cycle?)".to_owned(),
            );
            return;
        }
        self.depth += 1;
        let s = self.v.catalog.get(id);
        if let Some(r) = s.reference {
            self.check(r, node);
        }
        if !node.is_null() && self.check_type(s, node) {
            self.check_value(s, node);
            self.check_alternatives(s, node);
        }
        self.depth -= 1;
    }

    /// Whether the value has an accepted type (reporting it when not).
    fn check_type(&mut self, s: &Schema, node: &Node) -> bool {
        let ok = if s.int_or_string {
            json_type_matches(types::INTEGER | types::STRING, node)
        } else {
            s.types == 0 || json_type_matches(s.types, node)
        };
        if !ok {
            let want = if s.int_or_string {
                types::INTEGER | types::STRING
            } else {
                s.types
            };
            let got = describe(node, self.v.quote_values);
            self.report(
                node.pos,
                format!("expected {}, got {got}", types::describe(want)),
            );
        }
        ok
    }

    fn check_value(&mut self, s: &'v Schema, node: &'n Node) {
        if let Some(allowed) = &s.enumeration
            && !allowed.iter().any(|a| enum_matches(a, node))
        {
            let list: Vec<String> = allowed.iter().take(12).map(|a| describe(a, true)).collect();
            let more = if allowed.len() > 12 { ", ..." } else { "" };
            let got = describe(node, self.v.quote_values);
            self.report(
                node.pos,
                format!("must be one of {}{more}; got {got}", list.join(", ")),
            );
        }
        match &node.value {
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => self.check_number(s, node),
            Value::Str(text) => self.check_string(s, node, text),
            Value::Timestamp(_) => {
                let text = node.text().unwrap_or_default();
                self.check_string(s, node, &text);
            }
            Value::Seq(items) => self.check_array(s, node, items),
            Value::Map(_) => self.check_object(s, node),
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn check_number(&mut self, s: &Schema, node: &Node) {
        let value = match node.value {
            Value::Int(i) => i as f64,
            Value::UInt(u) => u as f64,
            Value::Float(f) => f,
            _ => return,
        };
        match s.format {
            Some(Format::Int32)
                if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&value) =>
            {
                self.report(
                    node.pos,
                    format!("{value} does not fit in a 32-bit integer (int32)"),
                );
            }
            Some(Format::Int64)
                if matches!(node.value, Value::UInt(_))
                    || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&value) =>
            {
                self.report(
                    node.pos,
                    format!("{value} does not fit in a 64-bit integer (int64)"),
                );
            }
            _ => {}
        }
        if let Some(min) = s.minimum
            && !min.value.is_nan()
            && (value < min.value || (min.exclusive && value == min.value))
        {
            let op = if min.exclusive { ">" } else { ">=" };
            self.report(
                node.pos,
                format!("{value} is out of range: must be {op} {}", min.value),
            );
        }
        if let Some(max) = s.maximum
            && !max.value.is_nan()
            && (value > max.value || (max.exclusive && value == max.value))
        {
            let op = if max.exclusive { "<" } else { "<=" };
            self.report(
                node.pos,
                format!("{value} is out of range: must be {op} {}", max.value),
            );
        }
    }

    fn check_string(&mut self, s: &Schema, node: &Node, text: &str) {
        let shown = describe(node, self.v.quote_values);
        match s.format {
            Some(Format::Byte) if !is_base64(text) => {
                self.report(node.pos, format!("{shown} is not valid base64"));
            }
            Some(Format::DateTime) if !is_date_time(text) => self.report(
                node.pos,
                format!("{shown} is not an RFC 3339 date-time (2006-01-02T15:04:05Z)"),
            ),
            _ => {}
        }
        if s.min_length.is_some() || s.max_length.is_some() {
            let len = text.chars().count() as u64;
            if let Some(min) = s.min_length.filter(|m| len < *m) {
                self.report(
                    node.pos,
                    format!("{shown} is too short: {len} characters, at least {min}"),
                );
            }
            if let Some(max) = s.max_length.filter(|m| len > *m) {
                self.report(
                    node.pos,
                    format!("{shown} is too long: {len} characters, at most {max}"),
                );
            }
        }
        if let Some(re) = &s.pattern
            && !re.is_match(text)
        {
            self.report(
                node.pos,
                format!("{shown} does not match the pattern {:?}", re.as_str()),
            );
        }
    }

    fn check_array(&mut self, s: &Schema, node: &'n Node, items: &'n [Node]) {
        let len = items.len() as u64;
        if let Some(min) = s.min_items.filter(|m| len < *m) {
            self.report(
                node.pos,
                format!("has {len} items, at least {min} required"),
            );
        }
        if let Some(max) = s.max_items.filter(|m| len > *m) {
            self.report(node.pos, format!("has {len} items, at most {max} allowed"));
        }
        if let Some(item) = s.items {
            for (i, n) in items.iter().enumerate() {
                self.descend(Seg::Index(i), item, n);
            }
        }
    }

    fn check_object(&mut self, s: &'v Schema, node: &'n Node) {
        let Some(map) = node.as_map() else { return };
        let len = map.len() as u64;
        if let Some(min) = s.min_properties.filter(|m| len < *m) {
            self.report(
                node.pos,
                format!("has {len} fields, at least {min} required"),
            );
        }
        if let Some(max) = s.max_properties.filter(|m| len > *m) {
            self.report(node.pos, format!("has {len} fields, at most {max} allowed"));
        }
        for name in &s.required {
            let present = map
                .get(name)
                .is_some_and(|v| !v.is_null() || self.accepts_null(s, name));
            if !present {
                self.report(node.pos, format!("missing required field \"{name}\""));
            }
        }
        for (key, value) in &map.entries {
            let Some(name) = key.text() else { continue };
            match s.property(&name) {
                Some(id) => self.descend(Seg::Key(name), id, value),
                None => match s.additional {
                    Additional::Schema(id) => self.descend(Seg::Key(name), id, value),
                    Additional::Deny => self.unknown_field(key, name),
                    Additional::Any => {}
                    Additional::Unspecified => {
                        // Every object may carry its type and metadata, whatever its schema lists.
                        let at_root = self.path.is_empty()
                            && matches!(name.as_ref(), "apiVersion" | "kind" | "metadata");
                        if self.v.strict && !at_root && !self.allows_unlisted(s, &name) {
                            self.unknown_field(key, name);
                        }
                    }
                },
            }
        }
    }

    fn unknown_field(&mut self, key: &Node, name: Cow<'n, str>) {
        let message = format!("unknown field \"{name}\"");
        self.path.push(Seg::Key(name));
        self.report(key.pos, message);
        self.path.pop();
    }

    /// Whether a field the schema does not list is accepted in strict mode.
    fn allows_unlisted(&self, s: &Schema, name: &str) -> bool {
        if s.preserve_unknown || s.properties.is_empty() {
            return true;
        }
        if s.embedded_resource && matches!(name, "apiVersion" | "kind" | "metadata") {
            return true;
        }
        s.reference.is_some_and(|r| {
            let target = self.v.catalog.get(r);
            target.property(name).is_some() || self.allows_unlisted(target, name)
        })
    }

    /// Whether property `name` of `s` may be `null` (otherwise a `null` counts as missing).
    fn accepts_null(&self, s: &Schema, name: &str) -> bool {
        let Some(mut id) = s.property(name) else {
            return true;
        };
        for _ in 0..MAX_SCHEMA_DEPTH {
            let p = self.v.catalog.get(id);
            if p.nullable || p.types & types::NULL != 0 {
                return true;
            }
            match p.reference {
                Some(r) if p.types == 0 => id = r,
                _ => return p.types == 0 && p.any_of.is_empty() && p.one_of.is_empty(),
            }
        }
        false
    }

    fn check_alternatives(&mut self, s: &'v Schema, node: &'n Node) {
        for id in &s.all_of {
            self.check(*id, node);
        }
        if !s.any_of.is_empty() {
            self.alternatives(&s.any_of, node, false);
        }
        if !s.one_of.is_empty() {
            self.alternatives(&s.one_of, node, true);
        }
    }

    /// Runs a check on the side, returning its violations.
    fn trial(&mut self, id: SchemaId, node: &'n Node) -> Vec<Violation> {
        let saved = std::mem::take(&mut self.out);
        self.check(id, node);
        std::mem::replace(&mut self.out, saved)
    }

    fn alternatives(&mut self, ids: &[SchemaId], node: &'n Node, exactly_one: bool) {
        let mut passed = 0;
        let mut best: Option<Vec<Violation>> = None;
        for id in ids {
            let found = self.trial(*id, node);
            if found.is_empty() {
                passed += 1;
            } else if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        if passed == 0 {
            let union = ids.iter().fold(0, |acc, id| acc | self.declared_types(*id));
            if union != 0 && !json_type_matches(union, node) {
                let got = describe(node, self.v.quote_values);
                self.report(
                    node.pos,
                    format!("expected {}, got {got}", types::describe(union)),
                );
            } else {
                self.out.extend(best.unwrap_or_default());
            }
        } else if exactly_one && passed > 1 {
            self.report(
                node.pos,
                format!("matches {passed} of the oneOf alternatives, exactly one allowed"),
            );
        }
    }

    /// The types a schema declares, following `$ref`s (0 when it does not restrict types).
    fn declared_types(&self, id: SchemaId) -> u8 {
        let s = self.v.catalog.get(id);
        let own = if s.int_or_string {
            types::INTEGER | types::STRING
        } else {
            s.types
        };
        match (own, s.reference) {
            (0, Some(r)) if self.depth < MAX_SCHEMA_DEPTH => self.declared_types(r),
            _ => own,
        }
    }
}

/// Reports every key that appears twice in a mapping of `node` (strict mode: the API server's
/// strict decoding rejects duplicate fields).
pub(crate) fn duplicate_keys<'n>(
    node: &'n Node,
    path: &mut Vec<Seg<'n>>,
    source: &str,
    out: &mut Vec<Violation>,
) {
    match &node.value {
        Value::Map(map) => {
            let mut seen = HashSet::with_capacity(map.len());
            for (key, value) in &map.entries {
                let name = key.text().unwrap_or_default();
                let earlier = !seen.insert(name.clone());
                path.push(Seg::Key(name));
                if earlier {
                    out.push(Violation {
                        path: render_path(path),
                        pos: key.pos,
                        message: format!("duplicate key \"{}\"", key.text().unwrap_or_default()),
                        source: source.to_owned(),
                    });
                }
                duplicate_keys(value, path, source, out);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                duplicate_keys(item, path, source, out);
                path.pop();
            }
        }
        _ => {}
    }
}
