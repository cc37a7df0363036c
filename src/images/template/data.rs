//! The values a template sees, printed as Go's `fmt` prints them with `%v`.

use std::rc::Rc;

/// A template value.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// A string.
    Str(String),
    /// An integer (`len`, number literals).
    Int(i64),
    /// A boolean (comparisons).
    Bool(bool),
    /// A slice.
    List(Vec<Data>),
    /// A map; entries are kept in Go's sorted key order.
    Map(Vec<(Data, Data)>),
    /// A struct with named fields (and methods without arguments, which templates call like
    /// fields).
    Struct(Rc<Struct>),
    /// A missing map key or `nil`; prints as `<no value>`.
    Missing,
}

/// A struct value: its Go type name, fields, and how `%v` prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    /// The Go type name, for error messages.
    pub type_name: &'static str,
    /// Fields and argument-less methods.
    pub fields: Vec<(&'static str, Data)>,
    /// The `%v` text (the `String()` method's result when the type has one).
    pub display: String,
}

impl Data {
    /// A struct value.
    pub fn structure(
        type_name: &'static str,
        fields: Vec<(&'static str, Data)>,
        display: String,
    ) -> Data {
        Data::Struct(Rc::new(Struct {
            type_name,
            fields,
            display,
        }))
    }

    /// The text `{{ value }}` prints.
    pub fn print(&self) -> String {
        match self {
            Data::Str(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::List(items) => {
                let parts: Vec<String> = items.iter().map(Data::print).collect();
                format!("[{}]", parts.join(" "))
            }
            Data::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", k.print(), v.print()))
                    .collect();
                format!("map[{}]", parts.join(" "))
            }
            Data::Struct(s) => s.display.clone(),
            Data::Missing => "<no value>".into(),
        }
    }

    /// Go template truthiness: false, 0, empty strings and collections and nil are false.
    pub fn truthy(&self) -> bool {
        match self {
            Data::Str(s) => !s.is_empty(),
            Data::Int(i) => *i != 0,
            Data::Bool(b) => *b,
            Data::List(l) => !l.is_empty(),
            Data::Map(m) => !m.is_empty(),
            Data::Struct(_) => true,
            Data::Missing => false,
        }
    }

    /// The Go type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Data::Str(_) => "string",
            Data::Int(_) => "int",
            Data::Bool(_) => "bool",
            Data::List(_) => "slice",
            Data::Map(_) => "map",
            Data::Struct(s) => s.type_name,
            Data::Missing => "nil",
        }
    }

    /// `.name` on this value: a struct field or a map key.
    pub fn field(&self, name: &str) -> Result<Data, String> {
        match self {
            Data::Struct(s) => s
                .fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("can't evaluate field {name} in type {}", s.type_name)),
            Data::Map(entries) => Ok(entries
                .iter()
                .find(|(k, _)| matches!(k, Data::Str(s) if s == name))
                .map_or(Data::Missing, |(_, v)| v.clone())),
            Data::Missing => Err(format!("nil pointer evaluating .{name}")),
            other => Err(format!(
                "can't evaluate field {name} in type {}",
                other.type_name()
            )),
        }
    }
}
