//! The kustomization file: its fields, read as kustomize reads them (unknown fields are errors).

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::resource::sort::{LegacyOrder, SortOrder};
use crate::yaml::{Node, Pos, Value};

/// File names kustomize recognises, in lookup order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Every field of kustomize's `Kustomization` type (v5.8), by its JSON name.
const KNOWN_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Fields the engine builds; a kustomization using any other field is refused rather than
/// half-applied. Each feature adds its fields here when it lands.
pub const IMPLEMENTED_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "sortOptions",
    "components",
    "buildMetadata",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "labels",
    "commonLabels",
    "commonAnnotations",
    "replicas",
    "images",
    "imageTags",
    "configurations",
    "crds",
    "replacements",
    "vars",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "generators",
    "transformers",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "openapi",
];

/// Fields that inflate Helm charts: refused for good, as in Flux (plugins and helm disabled).
const HELM_FIELDS: &[&str] = &["helmCharts", "helmGlobals", "helmChartInflationGenerator"];

/// Whether a kustomization is a `Kustomization` or a `Component`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KustKind {
    /// `kind: Kustomization` (the default).
    Kustomization,
    /// `kind: Component`.
    Component,
}

/// A string entry of a list field, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The text.
    pub value: String,
    /// Where it is written.
    pub pos: Pos,
}

/// A parsed kustomization file.
#[derive(Clone, Debug, PartialEq)]
pub struct Kustomization {
    /// The file it was read from.
    pub file: PathBuf,
    /// Kustomization or Component.
    pub kind: KustKind,
    /// `resources` followed by the deprecated `bases`.
    pub resources: Vec<Entry>,
    /// `sortOptions`, when present and not null.
    pub sort_order: Option<SortOrder>,
    /// Every field that is set (not null or empty), by its canonical name, in file order, with
    /// the key's position: features read their own fields from here.
    pub fields: Vec<(&'static str, Pos, Node)>,
}

impl Kustomization {
    /// The directory holding the kustomization file.
    pub fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("/"))
    }

    /// The value of a set field, by canonical name (`configMapGenerator`, `patches`, ...).
    pub fn field(&self, name: &str) -> Option<&Node> {
        self.fields
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, v)| v)
    }

    /// Reads a kustomization from its parsed root node.
    pub fn from_node(root: &Node, file: &Path) -> Result<Kustomization, Diagnostic> {
        let err = |msg: String, pos: Pos| Diagnostic::at(msg, file, pos);
        let map = match &root.value {
            Value::Map(m) => m,
            Value::Null => {
                return Err(err(format!("{} is empty", file_name(file)), Pos::new(1, 1))
                    .with_hint("list at least one entry under `resources`"));
            }
            other => {
                return Err(err(
                    format!(
                        "invalid Kustomization: expected a mapping, found a {}",
                        other.type_name()
                    ),
                    root.pos,
                ));
            }
        };
        let mut k = Kustomization {
            file: file.to_owned(),
            kind: KustKind::Kustomization,
            resources: Vec::new(),
            sort_order: None,
            fields: Vec::new(),
        };
        let mut resources = None;
        let mut bases = None;
        let mut api_version = None;
        let mut has_content = false;
        for (key, value) in &map.entries {
            let Some(name) = key.as_str().and_then(canonical_field) else {
                let shown = scalar_text(key);
                return Err(err(
                    format!("invalid Kustomization: json: unknown field \"{shown}\""),
                    key.pos,
                )
                .with_hint("check the spelling against kustomize's field reference"));
            };
            if !is_empty_value(value) {
                k.fields.push((name, key.pos, value.clone()));
            }
            match name {
                "apiVersion" => api_version = Some(string_field(value, name, file)?),
                "kind" => {
                    k.kind = match string_field(value, name, file)?.as_deref() {
                        None | Some("") | Some("Kustomization") => KustKind::Kustomization,
                        Some("Component") => KustKind::Component,
                        Some(other) => {
                            return Err(err(
                                format!("kind should be Kustomization or Component, not {other:?}"),
                                value.pos,
                            ));
                        }
                    }
                }
                "resources" => resources = list_field(value, name, file)?,
                "bases" => bases = list_field(value, name, file)?,
                "sortOptions" => {
                    k.sort_order = sort_options(value, file)?;
                    has_content |= k.sort_order.is_some();
                }
                _ => has_content |= !is_empty_value(value),
            }
        }
        has_content |= resources.is_some() || bases.is_some();
        if let Some((name, pos, _)) = k.fields.iter().find(|(n, _, _)| HELM_FIELDS.contains(n)) {
            return Err(err(
                format!("`{name}` needs helm: kustomize builds it only with --enable-helm, which Flux never passes"),
                *pos,
            )
            .with_hint("render the chart with a Flux HelmRelease instead; fleetcheck, like Flux, never runs helm from a kustomization"));
        }
        if let Some((name, pos, _)) = k
            .fields
            .iter()
            .find(|(n, _, _)| !IMPLEMENTED_FIELDS.contains(n))
        {
            return Err(err(format!("kustomization field `{name}` is not supported yet"), *pos).with_hint(
                "fleetcheck refuses a kustomization it cannot build exactly rather than build part of it",
            ));
        }
        if !has_content {
            return Err(err(format!("{} is empty", file_name(file)), root.pos)
                .with_hint("list at least one entry under `resources`"));
        }
        if let Some(v) = api_version.flatten() {
            let expected = match k.kind {
                KustKind::Kustomization => "kustomize.config.k8s.io/v1beta1",
                KustKind::Component => "kustomize.config.k8s.io/v1alpha1",
            };
            if !v.is_empty() && v != expected {
                let pos = map.get("apiVersion").map_or(root.pos, |n| n.pos);
                return Err(err(
                    format!("apiVersion for {:?} should be {expected}, not {v}", k.kind),
                    pos,
                ));
            }
        }
        k.resources = resources.unwrap_or_default();
        k.resources.extend(bases.unwrap_or_default());
        Ok(k)
    }
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kustomization.yaml".into())
}

/// The canonical name of a kustomization field, when `key` names one (Go's encoding/json
/// matches field names case-insensitively, an exact match first).
pub fn canonical_field(key: &str) -> Option<&'static str> {
    KNOWN_FIELDS
        .iter()
        .find(|f| **f == key)
        .or_else(|| KNOWN_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

/// The text of a scalar as it would print (for messages).
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Seq(_) | Value::Map(_) => node.type_name().into(),
    }
}

/// Whether a field value leaves the kustomization unchanged (null, "", [], {}).
fn is_empty_value(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Str(s) => s.is_empty(),
        Value::Seq(s) => s.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn type_error(node: &Node, field: &str, want: &str, file: &Path) -> Diagnostic {
    Diagnostic::at(
        format!(
            "invalid Kustomization: `{field}` must be {want}, found a {}",
            node.type_name()
        ),
        file,
        node.pos,
    )
}

fn string_field(node: &Node, field: &str, file: &Path) -> Result<Option<String>, Diagnostic> {
    match &node.value {
        Value::Null => Ok(None),
        Value::Str(s) => Ok(Some(s.clone())),
        _ => Err(type_error(node, field, "a string", file)),
    }
}

/// A list of strings; `None` when null (Go leaves the slice nil).
pub(crate) fn list_field(
    node: &Node,
    field: &str,
    file: &Path,
) -> Result<Option<Vec<Entry>>, Diagnostic> {
    let items = match &node.value {
        Value::Null => return Ok(None),
        Value::Seq(items) => items,
        _ => return Err(type_error(node, field, "a list of strings", file)),
    };
    items
        .iter()
        .map(|item| match &item.value {
            Value::Str(s) => Ok(Entry {
                value: s.clone(),
                pos: item.pos,
            }),
            _ => Err(type_error(item, &format!("{field}[]"), "a string", file)),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `sortOptions`, validated like kustomize's SortOrderTransformer.
fn sort_options(node: &Node, file: &Path) -> Result<Option<SortOrder>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(None),
        Value::Map(m) => m,
        _ => return Err(type_error(node, "sortOptions", "a mapping", file)),
    };
    let mut order = None;
    let mut legacy: Option<LegacyOrder> = None;
    for (key, value) in &map.entries {
        match key.as_str() {
            Some(k) if k.eq_ignore_ascii_case("order") => {
                order = string_field(value, "sortOptions.order", file)?
            }
            Some(k) if k.eq_ignore_ascii_case("legacySortOptions") => {
                legacy = legacy_options(value, file)?
            }
            _ => {
                return Err(Diagnostic::at(
                    format!(
                        "invalid Kustomization: json: unknown field \"{}\"",
                        scalar_text(key)
                    ),
                    file,
                    key.pos,
                ));
            }
        }
    }
    let bad = |msg: &str| Diagnostic::at(msg, file, node.pos);
    match order.as_deref() {
        Some("legacy") => Ok(Some(SortOrder::Legacy(legacy.unwrap_or_default()))),
        Some("fifo") if legacy.is_some() => Err(bad(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
        )),
        Some("fifo") => Ok(Some(SortOrder::Fifo)),
        _ => Err(bad(
            "the field 'sortOptions.order' must be one of [fifo, legacy]",
        )),
    }
}

fn legacy_options(node: &Node, file: &Path) -> Result<Option<LegacyOrder>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(None),
        Value::Map(m) => m,
        _ => {
            return Err(type_error(
                node,
                "sortOptions.legacySortOptions",
                "a mapping",
                file,
            ));
        }
    };
    let mut out = LegacyOrder {
        order_first: Vec::new(),
        order_last: Vec::new(),
    };
    for (key, value) in &map.entries {
        let list = list_field(value, "legacySortOptions", file)?.unwrap_or_default();
        let kinds = list.into_iter().map(|e| e.value).collect();
        match key.as_str() {
            Some(k) if k.eq_ignore_ascii_case("orderFirst") => out.order_first = kinds,
            Some(k) if k.eq_ignore_ascii_case("orderLast") => out.order_last = kinds,
            _ => {
                return Err(Diagnostic::at(
                    format!(
                        "invalid Kustomization: json: unknown field \"{}\"",
                        scalar_text(key)
                    ),
                    file,
                    key.pos,
                ));
            }
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn parse(src: &str) -> Result<Kustomization, Diagnostic> {
        let docs = parse_stream(src, &Limits::default()).unwrap();
        let root = docs
            .into_iter()
            .next()
            .map(|d| d.root)
            .unwrap_or(Node::new(Value::Null));
        Kustomization::from_node(&root, Path::new("/k/kustomization.yaml"))
    }

    #[test]
    fn resources_then_bases() {
        let k = parse("bases: [b]\nResources:\n- a.yaml\n").unwrap();
        let names: Vec<_> = k.resources.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(names, ["a.yaml", "b"]);
        assert_eq!(k.resources[0].pos, Pos::new(3, 3));
    }

    #[test]
    fn empty_and_unknown() {
        assert!(
            parse("")
                .unwrap_err()
                .message
                .contains("kustomization.yaml is empty")
        );
        assert!(
            parse("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n").is_err()
        );
        assert!(
            parse("resources:\n")
                .unwrap_err()
                .message
                .contains("is empty")
        );
        assert!(parse("resources: []\n").unwrap().resources.is_empty());
        let e = parse("resources: [a]\nfoo: 1\n").unwrap_err();
        assert_eq!(
            e.message,
            "invalid Kustomization: json: unknown field \"foo\""
        );
        assert_eq!(e.location.unwrap().pos, Pos::new(2, 1));
    }

    #[test]
    fn unsupported_fields_are_refused_unless_empty() {
        let e = parse("resources: [a]\nvalidators: [v.yaml]\n").unwrap_err();
        assert!(
            e.message.contains("`validators` is not supported yet"),
            "{}",
            e.message
        );
        assert!(parse("resources: [a]\nvalidators: []\nhelmGlobals: {}\n").is_ok());
    }

    #[test]
    fn helm_is_refused_as_flux_does() {
        let e = parse("helmCharts:\n- name: x\n").unwrap_err();
        assert!(e.message.contains("--enable-helm"), "{}", e.message);
        assert_eq!(e.location.unwrap().pos, Pos::new(1, 1));
    }

    #[test]
    fn sort_options_validation() {
        assert_eq!(
            parse("sortOptions: {order: fifo}\n").unwrap().sort_order,
            Some(SortOrder::Fifo)
        );
        assert!(parse("sortOptions: {order: other}\n").is_err());
        assert!(parse("sortOptions: {}\n").is_err());
        assert!(
            parse("sortOptions: {order: fifo, legacySortOptions: {orderFirst: [A]}}\n").is_err()
        );
        let k =
            parse("sortOptions: {order: legacy, legacySortOptions: {orderFirst: [A]}}\n").unwrap();
        assert_eq!(
            k.sort_order,
            Some(SortOrder::Legacy(LegacyOrder {
                order_first: vec!["A".into()],
                order_last: vec![]
            }))
        );
    }
}
