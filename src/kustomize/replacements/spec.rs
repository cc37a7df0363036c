//! Reading `replacements` entries (inline, or `path:` files holding one replacement or a list)
//! into typed specs, with positions for diagnostics.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location};
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Loader;
use crate::resource::selector::SelectorSpec;
use crate::yaml::{Mapping, Node, Pos, Value};

use super::value::FieldOptions;

/// A source object by exact group, version, kind, name and namespace (empty = any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdSpec {
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace (compared as effective namespaces).
    pub namespace: String,
}

/// `source` of a replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    /// The object.
    pub id: IdSpec,
    /// The field (`metadata.name` when empty).
    pub field_path: String,
    /// Delimiter/index refinement.
    pub options: FieldOptions,
}

/// A `select` or `reject` entry of a target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectSpec {
    /// Regex and label/annotation selector fields.
    pub spec: SelectorSpec,
    /// Where it is written.
    pub pos: Pos,
}

impl SelectSpec {
    /// Whether the id part (group, version, kind, name, namespace) is empty.
    pub fn id_is_empty(&self) -> bool {
        let s = &self.spec;
        s.group.is_empty()
            && s.version.is_empty()
            && s.kind.is_empty()
            && s.name.is_empty()
            && s.namespace.is_empty()
    }
}

/// One entry of `targets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    /// Objects to write into (`None` is an error when applied).
    pub select: Option<SelectSpec>,
    /// Objects excluded.
    pub reject: Vec<SelectSpec>,
    /// Fields to write, with positions (`metadata.name` when empty).
    pub field_paths: Vec<(String, Pos)>,
    /// Delimiter/index/create.
    pub options: FieldOptions,
    /// Where the target is written.
    pub pos: Pos,
}

/// One replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacementSpec {
    /// The source object and field.
    pub source: Option<SourceSpec>,
    /// A literal value instead of a source (kustomize v5.7+).
    pub source_value: Option<String>,
    /// The targets (`None` when the field is absent).
    pub targets: Option<Vec<TargetSpec>>,
    /// The file that declares it.
    pub file: PathBuf,
    /// Where it is written.
    pub pos: Pos,
}

struct Reader<'a> {
    file: &'a Path,
    /// Unknown fields are errors (inline entries are part of the strictly read kustomization).
    strict: bool,
}

impl Reader<'_> {
    fn err(&self, msg: impl Into<String>, pos: Pos) -> Diagnostic {
        Diagnostic::at(msg, self.file, pos)
    }

    fn map<'n>(
        &self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Result<&'n Mapping, Diagnostic> {
        let Value::Map(map) = &node.value else {
            return Err(self.err(
                format!("{what} must be a mapping, found a {}", node.type_name()),
                node.pos,
            ));
        };
        if self.strict {
            for (k, _) in &map.entries {
                let name = k.as_str().unwrap_or_default();
                if !allowed.contains(&name) {
                    return Err(self
                        .err(
                            format!("invalid Kustomization: json: unknown field \"{name}\""),
                            k.pos,
                        )
                        .with_hint(format!("{what} accepts: {}", allowed.join(", "))));
                }
            }
        }
        Ok(map)
    }

    fn string(&self, map: &Mapping, key: &str) -> Result<Option<String>, Diagnostic> {
        match map.get(key) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Null => Ok(None),
                Value::Str(s) => Ok(Some(s.clone())),
                other => Err(self
                    .err(
                        format!(
                            "json: cannot unmarshal {} into field `{key}` of type string",
                            other.type_name()
                        ),
                        n.pos,
                    )
                    .with_hint("quote the value")),
            },
        }
    }

    fn str_or_empty(&self, map: &Mapping, key: &str) -> Result<String, Diagnostic> {
        Ok(self.string(map, key)?.unwrap_or_default())
    }

    fn options(&self, map: &Mapping) -> Result<FieldOptions, Diagnostic> {
        let Some(node) = map.get("options").filter(|n| !n.is_null()) else {
            return Ok(FieldOptions::default());
        };
        let m = self.map(
            node,
            "options",
            &["delimiter", "index", "encoding", "create"],
        )?;
        let index = match m.get("index").map(|n| (&n.value, n.pos)) {
            None | Some((Value::Null, _)) => 0,
            Some((Value::Int(i), _)) => *i,
            Some((_, pos)) => {
                return Err(self.err("options.index must be an integer", pos));
            }
        };
        let create = match m.get("create").map(|n| (&n.value, n.pos)) {
            None | Some((Value::Null, _)) => false,
            Some((Value::Bool(b), _)) => *b,
            Some((_, pos)) => return Err(self.err("options.create must be true or false", pos)),
        };
        Ok(FieldOptions {
            delimiter: self.str_or_empty(m, "delimiter")?,
            index,
            create,
        })
    }

    fn select(&self, node: &Node, what: &str) -> Result<SelectSpec, Diagnostic> {
        let m = self.map(
            node,
            what,
            &[
                "group",
                "version",
                "kind",
                "name",
                "namespace",
                "labelSelector",
                "annotationSelector",
            ],
        )?;
        Ok(SelectSpec {
            spec: SelectorSpec {
                group: self.str_or_empty(m, "group")?,
                version: self.str_or_empty(m, "version")?,
                kind: self.str_or_empty(m, "kind")?,
                name: self.str_or_empty(m, "name")?,
                namespace: self.str_or_empty(m, "namespace")?,
                label_selector: self.str_or_empty(m, "labelSelector")?,
                annotation_selector: self.str_or_empty(m, "annotationSelector")?,
            },
            pos: node.pos,
        })
    }

    fn target(&self, node: &Node) -> Result<TargetSpec, Diagnostic> {
        let m = self.map(
            node,
            "a target",
            &["select", "reject", "fieldPaths", "options"],
        )?;
        let select = match m.get("select").filter(|n| !n.is_null()) {
            Some(n) => Some(self.select(n, "select")?),
            None => None,
        };
        let mut reject = Vec::new();
        if let Some(n) = m.get("reject").filter(|n| !n.is_null()) {
            let Some(items) = n.as_seq() else {
                return Err(self.err("reject must be a list of selectors", n.pos));
            };
            for item in items {
                if !item.is_null() {
                    reject.push(self.select(item, "reject")?);
                }
            }
        }
        let mut field_paths = Vec::new();
        if let Some(n) = m.get("fieldPaths").filter(|n| !n.is_null()) {
            let Some(items) = n.as_seq() else {
                return Err(self.err("fieldPaths must be a list of strings", n.pos));
            };
            for item in items {
                match &item.value {
                    Value::Str(s) => field_paths.push((s.clone(), item.pos)),
                    _ => return Err(self.err("fieldPaths entries must be strings", item.pos)),
                }
            }
        }
        Ok(TargetSpec {
            select,
            reject,
            field_paths,
            options: self.options(m)?,
            pos: node.pos,
        })
    }

    fn replacement(&self, node: &Node, m: &Mapping) -> Result<ReplacementSpec, Diagnostic> {
        let source = match m.get("source").filter(|n| !n.is_null()) {
            Some(n) => {
                let s = self.map(
                    n,
                    "source",
                    &[
                        "group",
                        "version",
                        "kind",
                        "name",
                        "namespace",
                        "fieldPath",
                        "options",
                    ],
                )?;
                Some(SourceSpec {
                    id: IdSpec {
                        group: self.str_or_empty(s, "group")?,
                        version: self.str_or_empty(s, "version")?,
                        kind: self.str_or_empty(s, "kind")?,
                        name: self.str_or_empty(s, "name")?,
                        namespace: self.str_or_empty(s, "namespace")?,
                    },
                    field_path: self.str_or_empty(s, "fieldPath")?,
                    options: self.options(s)?,
                })
            }
            None => None,
        };
        let targets = match m.get("targets").filter(|n| !n.is_null()) {
            Some(n) => {
                let Some(items) = n.as_seq() else {
                    return Err(self.err("targets must be a list", n.pos));
                };
                Some(
                    items
                        .iter()
                        .map(|t| self.target(t))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
            None => None,
        };
        Ok(ReplacementSpec {
            source,
            source_value: self.string(m, "sourceValue")?,
            targets,
            file: self.file.to_owned(),
            pos: node.pos,
        })
    }
}

/// Reads the `replacements` field of a kustomization, loading `path:` entries.
pub fn read(kust: &Kustomization, loader: &Loader) -> Result<Vec<ReplacementSpec>, Diagnostic> {
    let Some(field) = kust.field("replacements") else {
        return Ok(Vec::new());
    };
    let inline = Reader {
        file: &kust.file,
        strict: true,
    };
    let Some(items) = field.as_seq() else {
        return Err(inline.err("`replacements` must be a list", field.pos));
    };
    let mut out = Vec::new();
    for item in items {
        let m = inline.map(
            item,
            "a replacement",
            &["source", "sourceValue", "targets", "path"],
        )?;
        let path = inline.str_or_empty(m, "path")?;
        if path.is_empty() {
            out.push(inline.replacement(item, m)?);
            continue;
        }
        let has_targets = m
            .get("targets")
            .and_then(Node::as_seq)
            .is_some_and(|t| !t.is_empty());
        if m.get("source").is_some_and(|n| !n.is_null()) || has_targets {
            return Err(inline
                .err("cannot specify both path and inline replacement", item.pos)
                .with_hint("move the inline source/targets into the file, or drop `path`"));
        }
        let at = Location {
            file: kust.file.clone(),
            pos: m.get("path").map_or(item.pos, |n| n.pos),
        };
        let loaded = loader.read_file(kust.dir(), &path, &at)?;
        let docs = loader.parse_yaml(&loaded.path, &loaded.text)?;
        let from_file = Reader {
            file: &loaded.path,
            strict: false,
        };
        let root = docs.into_iter().next().map(|d| d.root);
        match root.as_ref().map(|r| &r.value) {
            Some(Value::Seq(list)) => {
                for r in list {
                    let rm = from_file.map(r, "a replacement", &[])?;
                    out.push(from_file.replacement(r, rm)?);
                }
            }
            Some(Value::Map(rm)) => {
                if let Some(r) = &root {
                    out.push(from_file.replacement(r, rm)?);
                }
            }
            _ => {
                let kind = match root.as_ref().map(|r| &r.value) {
                    None | Some(Value::Null) => "invalid",
                    Some(Value::Str(_)) => "string",
                    Some(Value::Bool(_)) => "bool",
                    Some(Value::Int(_) | Value::UInt(_)) => "int64",
                    _ => "float64",
                };
                return Err(Diagnostic::at(
                    format!(
                        "unsupported replacement type encountered within replacement path: {kind}"
                    ),
                    &at.file,
                    at.pos,
                )
                .with_hint("the file must hold one replacement (a mapping) or a list of them"));
            }
        }
    }
    Ok(out)
}
