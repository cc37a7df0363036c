//! Serialises resources exactly as `kustomize build` prints them.
//!
//! kustomize (`api/resource/resource.go AsYAML`) decodes each resource with yaml.v3, marshals it
//! with Go's `encoding/json`, and converts the JSON to YAML with sigs.k8s.io/yaml, which decodes
//! it with go-yaml v2 and marshals it again with go-yaml v2. The net effect reproduced here:
//! mapping keys sorted in go-yaml v2's natural order, numbers normalised through JSON, strings
//! quoted wherever YAML 1.1 would read them as something else, block style with sequences not
//! indented under their key, and scalars folded at 80 columns.

mod json_text;
mod number;
pub(crate) mod resolve;
pub(crate) mod scalar;
mod sort;
pub(crate) mod writer;

pub use number::go_yaml_float;

use std::fmt::Write as _;

use super::value::{Node, Pos, Value};
pub(crate) use resolve::plain_allowed;
use scalar::Style;
use writer::Writer;

/// Why a tree cannot be serialised (kustomize fails on the same input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EmitError {
    /// What went wrong, in the words kustomize uses where it has any.
    pub message: String,
    /// Where the offending node starts.
    pub pos: Pos,
}

impl EmitError {
    fn new(message: impl Into<String>, pos: Pos) -> EmitError {
        EmitError {
            message: message.into(),
            pos,
        }
    }
}

/// Appends one resource as kustomize prints it; the text ends with `\n`.
///
/// On error nothing is appended.
pub fn write_document(node: &Node, out: &mut String) -> Result<(), EmitError> {
    let start = out.len();
    let mut w = Writer::new(out);
    let result = emit_node(&mut w, node, Ctx::ROOT);
    match result {
        Ok(()) => {
            // DOCUMENT-END: go back to column 0 (indentation -1 counts as 0).
            w.indent = -1;
            w.write_indent();
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Appends several resources, separated by `---\n` (none before the first or after the last).
///
/// On error the documents before the failing one stay appended.
pub fn write_stream<'a>(
    docs: impl IntoIterator<Item = &'a Node>,
    out: &mut String,
) -> Result<(), EmitError> {
    for (i, doc) in docs.into_iter().enumerate() {
        let start = out.len();
        if i > 0 {
            out.push_str("---\n");
        }
        if let Err(e) = write_document(doc, out) {
            out.truncate(start);
            return Err(e);
        }
    }
    Ok(())
}

/// Where a node sits, as far as the emitter cares.
#[derive(Clone, Copy)]
struct Ctx {
    /// The document's root node.
    root: bool,
    /// A mapping key or value (`mapping_context`).
    mapping: bool,
    /// A key written as a simple `key:` (`simple_key_context`).
    simple_key: bool,
}

impl Ctx {
    const ROOT: Ctx = Ctx {
        root: true,
        mapping: false,
        simple_key: false,
    };
    const ITEM: Ctx = Ctx {
        root: false,
        mapping: false,
        simple_key: false,
    };
    const VALUE: Ctx = Ctx {
        root: false,
        mapping: true,
        simple_key: false,
    };
}

fn emit_node(w: &mut Writer<'_>, node: &Node, ctx: Ctx) -> Result<(), EmitError> {
    match &node.value {
        Value::Map(m) => {
            if m.entries.is_empty() {
                w.write_indicator("{", true, true, false);
                w.write_indicator("}", false, false, false);
                return Ok(());
            }
            emit_block_mapping(w, node, ctx.root)
        }
        Value::Seq(items) => {
            if items.is_empty() {
                w.write_indicator("[", true, true, false);
                w.write_indicator("]", false, false, false);
                return Ok(());
            }
            let indentless = ctx.mapping && !w.indention;
            let saved = w.increase_indent(false, indentless);
            for item in items {
                w.write_indent();
                w.write_indicator("-", true, false, true);
                emit_node(w, item, Ctx::ITEM)?;
            }
            w.indent = saved;
            Ok(())
        }
        _ => emit_scalar_node(w, node, ctx.simple_key),
    }
}

/// A block mapping with go-yaml v2's key order; `root` selects the key-type error kustomize's
/// `map[string]interface{}` decoding gives at the top level.
fn emit_block_mapping(w: &mut Writer<'_>, node: &Node, root: bool) -> Result<(), EmitError> {
    let Value::Map(m) = &node.value else {
        return Ok(());
    };
    let mut entries: Vec<(&str, &Node, &Node)> = Vec::with_capacity(m.entries.len());
    for (k, v) in &m.entries {
        match &k.value {
            Value::Str(s) => entries.push((
                json_text::key(s).map_err(|e| EmitError::new(e, k.pos))?,
                k,
                v,
            )),
            _ if root => return Err(EmitError::new("non-string mapping key", k.pos)),
            _ => {
                return Err(EmitError::new(
                    "json: unsupported type: map[interface {}]interface {}",
                    k.pos,
                ));
            }
        }
    }
    sort::sort_by_key_less(&mut entries, |e| e.0);
    // Duplicate keys: the last one in source order wins (the sort is stable).
    let mut deduped = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        if entries.get(i + 1).is_some_and(|next| next.0 == e.0) {
            continue;
        }
        deduped.push(*e);
    }

    let saved = w.increase_indent(false, false);
    for (key, _key_node, value) in deduped {
        w.write_indent();
        let analysis = scalar::analyze(key);
        // yaml_emitter_check_simple_key: single line and at most 128 bytes.
        if !analysis.multiline && key.len() <= 128 {
            emit_string(w, key, &analysis, true);
            w.write_indicator(":", false, false, false);
        } else {
            w.write_indicator("?", true, false, true);
            emit_string(w, key, &analysis, false);
            w.write_indent();
            w.write_indicator(":", true, false, true);
        }
        emit_node(w, value, Ctx::VALUE)?;
    }
    w.indent = saved;
    Ok(())
}

/// A scalar node: numbers and booleans plain, strings (and timestamps, which JSON turns into
/// strings) through go-yaml v2's string rules.
fn emit_scalar_node(w: &mut Writer<'_>, node: &Node, simple_key: bool) -> Result<(), EmitError> {
    let mut text = std::mem::take(&mut w.scratch);
    text.clear();
    let plain_text: &str = match &node.value {
        Value::Null => "null",
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Int(i) => {
            let _ = write!(text, "{i}");
            &text
        }
        Value::UInt(u) => {
            let _ = write!(text, "{u}");
            &text
        }
        Value::Float(f) => {
            if let Some(what) = number::unsupported(*f) {
                w.scratch = text;
                return Err(EmitError::new(
                    format!("json: unsupported value: {what}"),
                    node.pos,
                ));
            }
            number::write_float(*f, &mut text, &mut w.scratch2);
            &text
        }
        Value::Timestamp(s) | Value::Str(s) => {
            let s = match json_text::value(s) {
                Ok(s) => s,
                Err(e) => {
                    w.scratch = text;
                    return Err(EmitError::new(e, node.pos));
                }
            };
            let analysis = scalar::analyze(&s);
            emit_string(w, &s, &analysis, simple_key);
            w.scratch = text;
            return Ok(());
        }
        Value::Seq(_) | Value::Map(_) => "",
    };
    let analysis = scalar::analyze(plain_text);
    emit_scalar(w, plain_text, Style::Plain, &analysis, simple_key);
    w.scratch = text;
    Ok(())
}

/// go-yaml v2 `encode.go stringv`: literal if multi-line, plain if it would read back as a
/// string, double-quoted otherwise; the emitter may still pick another style.
fn emit_string(w: &mut Writer<'_>, s: &str, analysis: &scalar::Analysis, simple_key: bool) {
    let requested = if s.contains('\n') {
        Style::Literal
    } else if resolve::plain_allowed(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    };
    emit_scalar(w, s, requested, analysis, simple_key);
}

/// `yaml_emitter_emit_scalar`: choose the style, indent one level, write.
fn emit_scalar(
    w: &mut Writer<'_>,
    s: &str,
    requested: Style,
    analysis: &scalar::Analysis,
    simple_key: bool,
) {
    let style = scalar::select_style(requested, analysis, s, simple_key);
    let saved = w.increase_indent(true, false);
    match style {
        Style::Plain => w.write_plain(s, !simple_key),
        Style::SingleQuoted => w.write_single_quoted(s, !simple_key),
        Style::DoubleQuoted => w.write_double_quoted(s, !simple_key),
        Style::Literal => w.write_literal(s),
    }
    w.indent = saved;
}

#[cfg(test)]
mod tests;
