//! Compiled schemas: the JSON-Schema subset the Kubernetes OpenAPI and CRDs use, read from YAML
//! or JSON nodes into an arena of [`Schema`]s that the validator walks.

use std::collections::HashMap;

use regex::Regex;

use super::error::SchemaError;
use crate::yaml::{Mapping, Node, Value};

/// Index of a schema in its [`Catalog`].
pub(crate) type SchemaId = u32;

/// JSON types a schema accepts, as bits.
pub(crate) mod types {
    /// A JSON object.
    pub const OBJECT: u8 = 1;
    /// A JSON array.
    pub const ARRAY: u8 = 2;
    /// A JSON string.
    pub const STRING: u8 = 4;
    /// A JSON number without a fraction.
    pub const INTEGER: u8 = 8;
    /// Any JSON number.
    pub const NUMBER: u8 = 16;
    /// `true` or `false`.
    pub const BOOLEAN: u8 = 32;
    /// `null`.
    pub const NULL: u8 = 64;

    /// The bit of a JSON-Schema type name.
    pub fn parse(name: &str) -> Option<u8> {
        Some(match name {
            "object" => OBJECT,
            "array" => ARRAY,
            "string" => STRING,
            "integer" => INTEGER,
            "number" => NUMBER,
            "boolean" => BOOLEAN,
            "null" => NULL,
            _ => return None,
        })
    }

    /// `integer or string` for the bits set (null left out: it is never what a user meant).
    pub fn describe(bits: u8) -> String {
        let names = [
            (OBJECT, "object"),
            (ARRAY, "array"),
            (STRING, "string"),
            (INTEGER, "integer"),
            (NUMBER, "number"),
            (BOOLEAN, "boolean"),
        ];
        let found: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, n)| *n)
            .collect();
        match found.as_slice() {
            [] => "null".to_owned(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }
}

/// What a schema says about properties it does not list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Additional {
    /// Not said: allowed, except in strict mode when the schema lists properties.
    #[default]
    Unspecified,
    /// `additionalProperties: true`.
    Any,
    /// `additionalProperties: false`.
    Deny,
    /// Validated against a schema (a map's values).
    Schema(SchemaId),
}

/// A `format` the validator checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A 32-bit signed integer.
    Int32,
    /// A 64-bit signed integer.
    Int64,
    /// Standard base64 (Go's `[]byte` in JSON).
    Byte,
    /// An RFC 3339 date and time.
    DateTime,
}

/// A numeric bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bound {
    /// The limit.
    pub value: f64,
    /// Whether the limit itself is excluded.
    pub exclusive: bool,
}

/// One compiled schema.
#[derive(Clone, Debug, Default)]
pub(crate) struct Schema {
    /// Accepted types (bits of [`types`]); 0 accepts every type.
    pub types: u8,
    /// `nullable: true`.
    pub nullable: bool,
    /// `$ref`, applied together with the other keywords.
    pub reference: Option<SchemaId>,
    /// `properties`, sorted by name.
    pub properties: Vec<(String, SchemaId)>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// `items`.
    pub items: Option<SchemaId>,
    /// `required`.
    pub required: Vec<String>,
    /// `enum`.
    pub enumeration: Option<Vec<Node>>,
    /// `format`, when it is one the validator checks.
    pub format: Option<Format>,
    /// `x-kubernetes-int-or-string` or `format: int-or-string`.
    pub int_or_string: bool,
    /// `x-kubernetes-preserve-unknown-fields`.
    pub preserve_unknown: bool,
    /// `x-kubernetes-embedded-resource`.
    pub embedded_resource: bool,
    /// `allOf`.
    pub all_of: Vec<SchemaId>,
    /// `anyOf`.
    pub any_of: Vec<SchemaId>,
    /// `oneOf`.
    pub one_of: Vec<SchemaId>,
    /// `minimum` (and `exclusiveMinimum`).
    pub minimum: Option<Bound>,
    /// `maximum` (and `exclusiveMaximum`).
    pub maximum: Option<Bound>,
    /// `pattern`, compiled (Go's RE2 syntax is accepted by the `regex` crate).
    pub pattern: Option<Regex>,
    /// `minLength`, in characters.
    pub min_length: Option<u64>,
    /// `maxLength`, in characters.
    pub max_length: Option<u64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
}

impl Schema {
    /// The schema of property `name`.
    pub fn property(&self, name: &str) -> Option<SchemaId> {
        self.properties
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.properties[i].1)
    }
}

/// An arena of compiled schemas.
#[derive(Clone, Debug, Default)]
pub(crate) struct Catalog {
    /// The schemas; a [`SchemaId`] indexes this.
    pub schemas: Vec<Schema>,
}

impl Catalog {
    /// The schema `id`.
    pub fn get(&self, id: SchemaId) -> &Schema {
        &self.schemas[id as usize]
    }

    /// Reserves a slot for a schema compiled later (named definitions that refer to each other).
    pub fn reserve(&mut self) -> SchemaId {
        self.schemas.push(Schema::default());
        (self.schemas.len() - 1) as SchemaId
    }

    /// Compiles a standalone JSON-Schema document: its `definitions` and `$defs` first (so local
    /// `$ref`s resolve), then the root.
    pub fn compile_document(&mut self, root: &Node) -> Result<SchemaId, SchemaError> {
        let sections: Vec<&Mapping> = ["definitions", "$defs"]
            .iter()
            .filter_map(|k| root.get(k).and_then(Node::as_map))
            .collect();
        let mut defs = HashMap::new();
        for section in &sections {
            for (name, _) in &section.entries {
                let name = name.text().unwrap_or_default().into_owned();
                defs.insert(name, self.reserve());
            }
        }
        for section in &sections {
            for (name, node) in &section.entries {
                let id = defs[name.text().unwrap_or_default().as_ref()];
                self.compile_into(id, node, &defs)?;
            }
        }
        self.compile(root, &defs)
    }

    /// Compiles `node` into a new schema; `$ref`s are looked up in `defs` by the text after the
    /// last `/` (`#/definitions/X`, `#/$defs/X` or a bare name).
    pub fn compile(
        &mut self,
        node: &Node,
        defs: &HashMap<String, SchemaId>,
    ) -> Result<SchemaId, SchemaError> {
        let id = self.reserve();
        self.compile_into(id, node, defs)?;
        Ok(id)
    }

    /// Compiles `node` into the reserved slot `id`.
    pub fn compile_into(
        &mut self,
        id: SchemaId,
        node: &Node,
        defs: &HashMap<String, SchemaId>,
    ) -> Result<(), SchemaError> {
        let map = node.as_map().ok_or_else(|| {
            SchemaError::at(
                format!("a schema must be a mapping, found {}", node.type_name()),
                node.pos,
            )
        })?;
        let mut s = Schema::default();
        for (key, value) in &map.entries {
            let Some(key) = key.as_str() else { continue };
            match key {
                "type" => s.types = type_bits(value)?,
                "nullable" => s.nullable = flag(value),
                "$ref" => s.reference = Some(reference(value, defs)?),
                "properties" => {
                    let props = value.as_map().ok_or_else(|| expected("a mapping", value))?;
                    for (name, sub) in &props.entries {
                        let name = name.text().unwrap_or_default().into_owned();
                        let sub = self.compile(sub, defs)?;
                        s.properties.push((name, sub));
                    }
                    s.properties.sort_by(|a, b| a.0.cmp(&b.0));
                    s.properties.dedup_by(|later, earlier| later.0 == earlier.0);
                }
                "additionalProperties" => {
                    s.additional = match &value.value {
                        Value::Bool(true) => Additional::Any,
                        Value::Bool(false) => Additional::Deny,
                        _ => Additional::Schema(self.compile(value, defs)?),
                    }
                }
                "items" => {
                    // OpenAPI v2 tuples (`items: [..]`) are not used by Kubernetes; the first
                    // schema stands for all.
                    let first = match value.as_seq() {
                        Some(list) => list.first(),
                        None => Some(value),
                    };
                    if let Some(first) = first {
                        s.items = Some(self.compile(first, defs)?);
                    }
                }
                "required" => {
                    let list = value.as_seq().ok_or_else(|| expected("a list", value))?;
                    s.required = list
                        .iter()
                        .filter_map(|n| n.text().map(|t| t.into_owned()))
                        .collect();
                }
                "enum" => {
                    let list = value.as_seq().ok_or_else(|| expected("a list", value))?;
                    s.enumeration = Some(list.to_vec());
                }
                "format" => match value.as_str() {
                    Some("int32") => s.format = Some(Format::Int32),
                    Some("int64") => s.format = Some(Format::Int64),
                    Some("byte") => s.format = Some(Format::Byte),
                    Some("date-time") => s.format = Some(Format::DateTime),
                    Some("int-or-string") => s.int_or_string = true,
                    _ => {}
                },
                "x-kubernetes-int-or-string" => s.int_or_string |= flag(value),
                "x-kubernetes-preserve-unknown-fields" => s.preserve_unknown = flag(value),
                "x-kubernetes-embedded-resource" => s.embedded_resource = flag(value),
                "allOf" => s.all_of = self.compile_list(value, defs)?,
                "anyOf" => s.any_of = self.compile_list(value, defs)?,
                "oneOf" => s.one_of = self.compile_list(value, defs)?,
                "minimum" => s.minimum = Some(bound(value, s.minimum)?),
                "maximum" => s.maximum = Some(bound(value, s.maximum)?),
                "exclusiveMinimum" => s.minimum = exclusive(value, s.minimum)?,
                "exclusiveMaximum" => s.maximum = exclusive(value, s.maximum)?,
                "pattern" => s.pattern = Some(pattern(value)?),
                "minLength" => s.min_length = Some(count(value)?),
                "maxLength" => s.max_length = Some(count(value)?),
                "minItems" => s.min_items = Some(count(value)?),
                "maxItems" => s.max_items = Some(count(value)?),
                "minProperties" => s.min_properties = Some(count(value)?),
                "maxProperties" => s.max_properties = Some(count(value)?),
                // Descriptions, defaults, CEL rules (`x-kubernetes-validations`), list and map
                // types and other annotations do not decide the shape of a value.
                _ => {}
            }
        }
        self.schemas[id as usize] = s;
        Ok(())
    }

    fn compile_list(
        &mut self,
        value: &Node,
        defs: &HashMap<String, SchemaId>,
    ) -> Result<Vec<SchemaId>, SchemaError> {
        let list = value.as_seq().ok_or_else(|| expected("a list", value))?;
        list.iter().map(|n| self.compile(n, defs)).collect()
    }
}

fn expected(what: &str, node: &Node) -> SchemaError {
    SchemaError::at(
        format!("expected {what} in the schema, found {}", node.type_name()),
        node.pos,
    )
}

fn flag(node: &Node) -> bool {
    matches!(node.value, Value::Bool(true))
}

fn type_bits(node: &Node) -> Result<u8, SchemaError> {
    let one = |n: &Node| {
        n.as_str()
            .and_then(types::parse)
            .ok_or_else(|| expected("a JSON-Schema type name", n))
    };
    match &node.value {
        Value::Seq(list) => list.iter().try_fold(0, |acc, n| Ok(acc | one(n)?)),
        _ => one(node),
    }
}

fn reference(node: &Node, defs: &HashMap<String, SchemaId>) -> Result<SchemaId, SchemaError> {
    let text = node.as_str().ok_or_else(|| expected("a string", node))?;
    let name = text.rsplit('/').next().unwrap_or(text);
    defs.get(name).copied().ok_or_else(|| {
        SchemaError::at(format!("unresolved $ref \"{text}\""), node.pos).with_hint(
            "only references to definitions of the same file are followed; \
             use self-contained (\"standalone\") schemas",
        )
    })
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        Value::Int(i) => Some(i as f64),
        Value::UInt(u) => Some(u as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

fn bound(node: &Node, previous: Option<Bound>) -> Result<Bound, SchemaError> {
    let value = number(node).ok_or_else(|| expected("a number", node))?;
    Ok(Bound {
        value,
        exclusive: previous.is_some_and(|b| b.exclusive),
    })
}

/// `exclusiveMinimum`/`exclusiveMaximum`: a boolean modifier (OpenAPI 3.0) or a bound of its
/// own (JSON Schema 2019+).
fn exclusive(node: &Node, previous: Option<Bound>) -> Result<Option<Bound>, SchemaError> {
    Ok(match node.value {
        Value::Bool(b) => Some(Bound {
            value: previous.map_or(f64::NAN, |p| p.value),
            exclusive: b,
        }),
        _ => Some(Bound {
            value: number(node).ok_or_else(|| expected("a number or a boolean", node))?,
            exclusive: true,
        }),
    })
}

fn pattern(node: &Node) -> Result<Regex, SchemaError> {
    let text = node.as_str().ok_or_else(|| expected("a string", node))?;
    Regex::new(text).map_err(|e| {
        SchemaError::at(format!("invalid pattern \"{text}\": {e}"), node.pos)
            .with_hint("patterns use Go's RE2 syntax")
    })
}

fn count(node: &Node) -> Result<u64, SchemaError> {
    match node.value {
        Value::Int(i) if i >= 0 => Ok(i as u64),
        Value::UInt(u) => Ok(u),
        _ => Err(expected("a non-negative integer", node)),
    }
}
