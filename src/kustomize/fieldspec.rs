//! Field specs: "this field of objects of this kind", and the walk kustomize's transformers use
//! to reach (and optionally create) those fields (api/filters/fieldspec).

use crate::resource::Gvk;
use crate::yaml::{Mapping, Node, Value};

/// A field of objects selected by group, version and kind (empty = any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSpec {
    /// Selected group ("" = any).
    pub group: String,
    /// Selected version ("" = any).
    pub version: String,
    /// Selected kind ("" = any).
    pub kind: String,
    /// Slash-separated path; `[]` marks a sequence; `\/` is a literal slash.
    pub path: String,
    /// Whether missing fields on the path are created.
    pub create: bool,
}

/// What a missing leaf is created as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateKind {
    /// An empty mapping.
    Map,
    /// An empty sequence.
    Seq,
    /// A null scalar the callback then sets.
    Scalar,
}

impl FieldSpec {
    /// Whether the spec applies to an object of this GVK (kustomize's `isMatchGVK`).
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.kind.is_empty() || self.kind == gvk.kind)
            && (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
    }

    /// The path split on unescaped slashes.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// kustomize's `PathSplitter(path, "/")`: a segment ending in `\` joins the next.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

/// Walks `spec`'s path in `obj` (which must be selected by the caller) and calls `leaf` on every
/// field the path reaches: sequences are traversed element by element, missing maps are created
/// when `spec.create` and `create` is given. Reaching a scalar before the end is an error.
pub fn walk(
    obj: &mut Node,
    spec: &FieldSpec,
    create: Option<CreateKind>,
    leaf: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    let path = spec.segments();
    walk_from(obj, &path, spec.create, create, leaf)
        .map_err(|e| format!("considering field '{}': {e}", spec.path))
}

fn walk_from(
    node: &mut Node,
    path: &[String],
    may_create: bool,
    create: Option<CreateKind>,
    leaf: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return leaf(node);
    };
    match &mut node.value {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for item in items {
                walk_from(item, path, may_create, create, leaf)?;
            }
            Ok(())
        }
        Value::Map(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let wanted = if !may_create || create.is_none() || is_seq {
                None
            } else if rest.is_empty() {
                create
            } else {
                Some(CreateKind::Map)
            };
            let hint = if is_seq {
                Some(CreateKind::Seq)
            } else {
                wanted
            };
            let Some(field) = lookup_or_create(map, name, wanted) else {
                return Ok(());
            };
            if field.is_null() {
                match hint {
                    Some(CreateKind::Map) => field.value = Value::Map(Mapping::default()),
                    Some(CreateKind::Seq) => field.value = Value::Seq(Vec::new()),
                    _ => {}
                }
            }
            walk_from(field, rest, may_create, create, leaf)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

fn lookup_or_create<'m>(
    map: &'m mut Mapping,
    name: &str,
    create: Option<CreateKind>,
) -> Option<&'m mut Node> {
    if map.get(name).is_none() {
        let value = match create? {
            CreateKind::Map => Value::Map(Mapping::default()),
            CreateKind::Seq => Value::Seq(Vec::new()),
            CreateKind::Scalar => Value::Null,
        };
        map.entries.push((Node::string(name), Node::new(value)));
    }
    map.get_mut(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(src: &str) -> Node {
        parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    fn spec(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            path: path.into(),
            create,
            ..Default::default()
        }
    }

    #[test]
    fn splits_escaped_slashes() {
        assert_eq!(
            split_path(r"metadata/annotations/a.b\/c"),
            ["metadata", "annotations", "a.b/c"]
        );
    }

    #[test]
    fn walks_sequences_and_creates_maps() {
        let mut n = node("spec:\n  containers:\n  - name: a\n  - name: b\n");
        let mut seen = Vec::new();
        walk(
            &mut n,
            &spec("spec/containers/name", false),
            None,
            &mut |leaf| {
                seen.push(leaf.as_str().unwrap_or_default().to_owned());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, ["a", "b"]);

        let mut n = node("kind: X\n");
        walk(
            &mut n,
            &spec("metadata/labels", true),
            Some(CreateKind::Map),
            &mut |leaf| {
                leaf.as_map_mut().unwrap().insert("k", Node::string("v"));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            n.get_path(&["metadata", "labels", "k"])
                .and_then(Node::as_str),
            Some("v")
        );

        let mut n = node("kind: X\n");
        walk(
            &mut n,
            &spec("metadata/labels", false),
            Some(CreateKind::Map),
            &mut |_| panic!("not created"),
        )
        .unwrap();
        assert!(n.get("metadata").is_none());
    }

    #[test]
    fn scalar_on_the_path_is_an_error() {
        let mut n = node("spec: 5\n");
        let err = walk(
            &mut n,
            &spec("spec/x", true),
            Some(CreateKind::Scalar),
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert!(err.contains("expected sequence or mapping node"));
    }
}
