//! YAML: a span-keeping reader with go-yaml v3 typing, and an emitter byte-identical to kustomize's output.

pub mod emit;
pub mod timestamp;
pub mod value;

pub use value::{Mapping, Node, Pos, Value};
