//! Reading resource files: documents to resources, `*List` kinds expanded, kustomize's checks.

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::resource::{Origin, Resource};
use crate::yaml::{Document, Node, Value};

/// Turns the documents of one file into resources, as kustomize's resource factory does:
/// empty documents (null, `{}`, `[]`) are skipped, every object needs `kind` and (except `*List`
/// kinds) `metadata.name`, and a `*List` with `items` is replaced by its items, appended after the
/// file's other objects.
pub fn resources_from_documents(
    docs: Vec<Document>,
    file: &Path,
) -> Result<Vec<Resource>, Diagnostic> {
    let mut queue: VecDeque<(Node, usize)> = docs
        .into_iter()
        .filter(|d| !is_nil_or_empty(&d.root))
        .map(|d| (d.root, d.index))
        .collect();
    let shown: Arc<Path> = Arc::from(file);
    // kio's reader unwraps a file that is one `*List`; otherwise the resource factory inlines
    // lists through JSON (`convertObjectSliceToNodeSlice`)
    let through_json = queue.len() > 1;
    let mut out = Vec::new();
    while let Some((node, doc_index)) = queue.pop_front() {
        validate_metadata(&node, file)?;
        check_duplicate_keys(&node, file)?;
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
        if kind.ends_with("List")
            && let Some(items) = node.get("items")
        {
            match &items.value {
                Value::Null => {}
                Value::Seq(list) => queue.extend(list.iter().filter(|i| !i.is_null()).map(|i| {
                    let mut i = i.clone();
                    if through_json {
                        from_json(&mut i);
                    }
                    (i, doc_index)
                })),
                other => {
                    return Err(Diagnostic::at(
                        format!(
                            "expected array in {kind}/items, but found {}",
                            other.type_name()
                        ),
                        file,
                        items.pos,
                    ));
                }
            }
            continue;
        }
        let pos = node.pos;
        out.push(Resource::new(
            node,
            Origin {
                file: shown.clone(),
                doc_index,
                pos,
            },
        ));
    }
    Ok(out)
}

/// A list item re-read from its JSON text: strings are double-quoted, timestamps are strings,
/// numbers went through float64, and no scalar keeps its written spelling.
fn from_json(n: &mut Node) {
    n.raw = None;
    match &mut n.value {
        Value::Map(m) => m.entries.iter_mut().for_each(|(_, v)| from_json(v)),
        Value::Seq(items) => items.iter_mut().for_each(from_json),
        Value::Str(_) => n.pos = crate::kustomize::patch::QUOTED,
        Value::Timestamp(t) => {
            n.value = Value::Str(std::mem::take(t));
            n.pos = crate::kustomize::patch::QUOTED;
        }
        Value::UInt(u) => n.value = Value::Float(*u as f64),
        Value::Int(i) if i.unsigned_abs() > (1u64 << 53) => n.value = Value::Float(*i as f64),
        _ => {}
    }
}

fn is_nil_or_empty(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}

/// kyaml's `GetValidatedMetadata`: a mapping with `kind`, and `metadata.name` unless a `*List`.
fn validate_metadata(node: &Node, file: &Path) -> Result<(), Diagnostic> {
    if node.as_map().is_none() {
        return Err(Diagnostic::at(
            format!(
                "missing Resource metadata: a document must be a mapping, found a {}",
                node.type_name()
            ),
            file,
            node.pos,
        )
        .with_hint("each YAML document of a resource file must be one Kubernetes object"));
    }
    let kind = scalar(node.get("kind"));
    if kind.is_empty() {
        return Err(Diagnostic::at("missing kind in object", file, node.pos)
            .with_hint("add `kind:` (and `apiVersion:`) to the object"));
    }
    if kind.ends_with("List") {
        return Ok(());
    }
    if scalar(node.get_path(&["metadata", "name"])).is_empty() {
        let pos = node.get("metadata").map_or(node.pos, |m| m.pos);
        return Err(Diagnostic::at(
            format!("missing metadata.name in object of kind {kind}"),
            file,
            pos,
        )
        .with_hint("every resource needs `metadata.name`"));
    }
    Ok(())
}

/// The text of a scalar node as kyaml reads it ("" when absent, null or a collection).
pub fn scalar(node: Option<&Node>) -> String {
    crate::resource::scalar_text(node)
}

/// go-yaml v3 refuses duplicate mapping keys when kustomize serialises a resource.
fn check_duplicate_keys(node: &Node, file: &Path) -> Result<(), Diagnostic> {
    let mut stack = vec![node];
    let mut seen: HashSet<&str> = HashSet::new();
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Map(m) => {
                seen.clear();
                for (k, v) in &m.entries {
                    if let Some(key) = k.as_str()
                        && !seen.insert(key)
                    {
                        let first = m
                            .entries
                            .iter()
                            .find(|(e, _)| e.as_str() == Some(key))
                            .map_or(k.pos, |(e, _)| e.pos);
                        return Err(Diagnostic::at(
                            format!(
                                "mapping key \"{key}\" already defined at line {}",
                                first.line
                            ),
                            file,
                            k.pos,
                        )
                        .with_hint("remove one of the two entries"));
                    }
                    stack.push(v);
                }
            }
            Value::Seq(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    Ok(())
}
