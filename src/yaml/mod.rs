//! YAML: a span-keeping reader with go-yaml v3 typing, and an emitter byte-identical to kustomize's output.

pub mod emit;
pub mod escapes;
pub mod gojson;
pub mod limits;
pub mod parse;
pub mod resolve;
pub mod timestamp;
pub mod value;

pub use limits::Limits;
pub use parse::{Document, YamlError, parse_stream};
pub use value::{Mapping, Node, Pos, Value};
