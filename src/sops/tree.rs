//! The store-neutral document tree sops works on: ordered mappings whose items may be comments,
//! lists, and scalars typed as the Go stores type them.

use zeroize::Zeroize;

/// A value of the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null` (never encrypted, never hashed).
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A float64.
    Float(f64),
    /// A UTF-8 string.
    Str(String),
    /// A string that is not valid UTF-8 (binary store plaintext, `!!binary`).
    Bytes(Vec<u8>),
    /// A timestamp, as Go's `time.Time.MarshalText` writes it.
    Time(String),
    /// A comment sitting inside a list (comments in mappings are [`Item::Comment`]).
    Comment(String),
    /// A list.
    List(Vec<Value>),
    /// A mapping.
    Map(Vec<Item>),
}

/// One item of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A comment line (text after `#`).
    Comment(String),
    /// A key and its value.
    Entry(String, Value),
}

/// A whole document set: one branch per YAML document, one for the other formats.
pub type Branches = Vec<Vec<Item>>;

impl Value {
    /// The Go type name sops would print for this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "[]byte",
            Value::Time(_) => "time.Time",
            Value::Comment(_) => "comment",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// Looks up `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(items) => lookup(items, key),
            _ => None,
        }
    }
}

/// Looks up `key` among mapping items (first match).
pub fn lookup<'a>(items: &'a [Item], key: &str) -> Option<&'a Value> {
    items.iter().find_map(|i| match i {
        Item::Entry(k, v) if k == key => Some(v),
        _ => None,
    })
}

/// Wipes every string and byte buffer of the tree (plaintext must not linger in freed memory).
pub fn wipe(items: &mut [Item]) {
    for item in items {
        match item {
            Item::Comment(c) => c.zeroize(),
            Item::Entry(k, v) => {
                k.zeroize();
                wipe_value(v);
            }
        }
    }
}

fn wipe_value(v: &mut Value) {
    match v {
        Value::Str(s) | Value::Time(s) | Value::Comment(s) => s.zeroize(),
        Value::Bytes(b) => b.zeroize(),
        Value::List(l) => l.iter_mut().for_each(wipe_value),
        Value::Map(m) => wipe(m),
        Value::Int(i) => i.zeroize(),
        Value::Float(f) => *f = 0.0,
        Value::Bool(b) => *b = false,
        Value::Null => {}
    }
}
