//! The YAML data model: typed nodes that remember where they came from.

/// A position in a source file: 1-based line and 1-based column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// Line, starting at 1 (0 means "no position", e.g. a node made by a transformer).
    pub line: u32,
    /// Column, starting at 1.
    pub col: u32,
}

impl Pos {
    /// A position for nodes that did not come from a file.
    pub const NONE: Pos = Pos { line: 0, col: 0 };

    /// Makes a position from a 1-based line and column.
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }
}

/// A YAML node: a typed value and the position where it starts in its file.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The typed value.
    pub value: Value,
    /// Where the node starts.
    pub pos: Pos,
    /// The source text of a plain non-string scalar when it differs from the value's canonical
    /// text (`0x1F`, `1.50`, `~`, `True`, a date): kustomize reads such fields as text in places
    /// (annotations, names, replacements). Boxed twice so the common `None` costs one word.
    #[allow(clippy::box_collection)]
    pub raw: Option<Box<String>>,
}

/// A typed YAML value as go-yaml v3 resolves it (the typing kustomize reads input with).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~`, `Null`, `NULL` or an empty plain scalar.
    Null,
    /// `true`/`false` in their three spellings (`yes`/`on` are strings in YAML 1.2).
    Bool(bool),
    /// A signed integer that fits in 64 bits.
    Int(i64),
    /// An unsigned integer above `i64::MAX` that fits in 64 bits.
    UInt(u64),
    /// A float (including integers too big for 64 bits, as go-yaml does).
    Float(f64),
    /// An unquoted timestamp, normalised to the RFC 3339 text Go's `time.Time` marshals to JSON.
    Timestamp(String),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; duplicate keys are kept (callers decide whether they are errors).
    Map(Mapping),
}

/// A mapping in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// Key/value pairs in source order.
    pub entries: Vec<(Node, Node)>,
}

impl Node {
    /// Makes a node without a source position.
    pub fn new(value: Value) -> Node {
        Node {
            value,
            pos: Pos::NONE,
            raw: None,
        }
    }

    /// Makes a node at a position.
    pub fn at(value: Value, pos: Pos) -> Node {
        Node {
            value,
            pos,
            raw: None,
        }
    }

    /// A scalar's text as kustomize's YAML layer sees it (the source spelling for plain scalars);
    /// `None` for sequences and mappings.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        if let Some(raw) = &self.raw {
            return Some(Cow::Borrowed(raw.as_str()));
        }
        Some(match &self.value {
            Value::Str(s) | Value::Timestamp(s) => Cow::Borrowed(s.as_str()),
            Value::Null => Cow::Borrowed("null"),
            Value::Bool(true) => Cow::Borrowed("true"),
            Value::Bool(false) => Cow::Borrowed("false"),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::UInt(u) => Cow::Owned(u.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    /// A string node without a source position.
    pub fn string(s: impl Into<String>) -> Node {
        Node::new(Value::Str(s.into()))
    }

    /// The string content if this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping if this node is one.
    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mutable mapping if this node is one.
    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence if this node is one.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the node is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Looks up a key in a mapping node (`None` when not a mapping or absent).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Follows a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// A short name of the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }
}

impl Value {
    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::UInt(_) => "int",
            Value::Float(_) => "float",
            Value::Timestamp(_) => "timestamp",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }
}

impl Mapping {
    /// Looks up the last entry whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Looks up the last entry whose key is the string `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node of the last entry named `key`.
    pub fn get_key(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    /// Sets `key` to `value`, replacing an existing entry or appending a new one.
    pub fn insert(&mut self, key: &str, value: Node) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.entries.push((Node::string(key), value)),
        }
    }

    /// Removes every entry named `key`; returns the last removed value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let mut removed = None;
        self.entries.retain_mut(|(k, v)| {
            if k.as_str() == Some(key) {
                removed = Some(std::mem::replace(v, Node::new(Value::Null)));
                false
            } else {
                true
            }
        });
        removed
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the mapping has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
