//! The arguments of `configMapGenerator`/`secretGenerator` entries and `generatorOptions`, read
//! as kustomize's strict JSON decoding reads them (unknown fields are errors, field names match
//! case-insensitively).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::kustomize::kustomization::Entry;
use crate::yaml::{Mapping, Node, Pos, Value};

/// Which object a generator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenKind {
    /// `configMapGenerator`.
    ConfigMap,
    /// `secretGenerator`.
    Secret,
}

impl GenKind {
    /// The generated object's kind.
    pub fn kind(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "ConfigMap",
            GenKind::Secret => "Secret",
        }
    }

    /// The kustomization field.
    pub fn field(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "configMapGenerator",
            GenKind::Secret => "secretGenerator",
        }
    }
}

/// How a generated object meets an existing one with the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// `create` or unset: the id must be new.
    Create,
    /// `merge`: data, labels and annotations are merged into the existing object.
    Merge,
    /// `replace`: the existing object is replaced, keeping its name and metadata.
    Replace,
    /// Any other value: kustomize treats it as create, but refuses it on an existing id.
    Unknown,
}

/// `generatorOptions` or a generator's `options`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenOptions {
    /// Labels for the generated object.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations for the generated object.
    pub annotations: Option<BTreeMap<String, String>>,
    /// No content hash in the name.
    pub disable_name_suffix_hash: bool,
    /// Adds `immutable: true`.
    pub immutable: bool,
}

impl GenOptions {
    /// kustomize's `MergeGlobalOptionsIntoLocal`: global labels and annotations fill keys the
    /// local options lack; the flags are or-ed.
    pub fn merge_global(mut self, global: Option<&GenOptions>) -> GenOptions {
        let Some(global) = global else {
            return self;
        };
        fn fill(
            local: &mut Option<BTreeMap<String, String>>,
            global: &Option<BTreeMap<String, String>>,
        ) {
            let Some(g) = global else { return };
            let l = local.get_or_insert_with(BTreeMap::new);
            for (k, v) in g {
                l.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        fill(&mut self.labels, &global.labels);
        fill(&mut self.annotations, &global.annotations);
        self.disable_name_suffix_hash |= global.disable_name_suffix_hash;
        self.immutable |= global.immutable;
        self
    }
}

/// One generator entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenArgs {
    /// ConfigMap or Secret.
    pub kind: GenKind,
    /// `name` ("" when unset).
    pub name: String,
    /// `namespace` ("" when unset).
    pub namespace: String,
    /// `behavior`.
    pub behavior: Behavior,
    /// `envs` followed by the deprecated `env`.
    pub envs: Vec<Entry>,
    /// `literals`.
    pub literals: Vec<Entry>,
    /// `files`.
    pub files: Vec<Entry>,
    /// Secret `type` ("" when unset).
    pub secret_type: String,
    /// `options` (before merging `generatorOptions`).
    pub options: GenOptions,
    /// Where the entry is written.
    pub pos: Pos,
}

const GENERATOR_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "env",
    "options",
    "type",
];

const YAML11_TRUE: &[&str] = &["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"];
const YAML11_FALSE: &[&str] = &["n", "N", "no", "No", "NO", "off", "Off", "OFF"];

const OPTION_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "disableNameSuffixHash",
    "immutable",
];

/// Reads the entries of `configMapGenerator` or `secretGenerator`.
pub fn parse_generators(
    node: &Node,
    kind: GenKind,
    file: &Path,
) -> Result<Vec<GenArgs>, Diagnostic> {
    let items = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Seq(items) => items,
        _ => return Err(type_error(node, kind.field(), "a list", file)),
    };
    items
        .iter()
        .map(|item| parse_entry(item, kind, file, true))
        .collect()
}

/// Reads one generator entry; `strict` refuses unknown fields (kustomization files), otherwise
/// they are ignored (plugin configs of `generators:`).
pub fn parse_entry(
    item: &Node,
    kind: GenKind,
    file: &Path,
    strict: bool,
) -> Result<GenArgs, Diagnostic> {
    let mut args = GenArgs {
        kind,
        name: String::new(),
        namespace: String::new(),
        behavior: Behavior::Create,
        envs: Vec::new(),
        literals: Vec::new(),
        files: Vec::new(),
        secret_type: String::new(),
        options: GenOptions::default(),
        pos: item.pos,
    };
    let map = match &item.value {
        Value::Null => return Ok(args),
        Value::Map(m) => m,
        _ => return Err(type_error(item, kind.field(), "a list of mappings", file)),
    };
    let mut env_single = None;
    let allowed: &[&str] = match kind {
        GenKind::ConfigMap => &GENERATOR_FIELDS[..GENERATOR_FIELDS.len() - 1],
        GenKind::Secret => GENERATOR_FIELDS,
    };
    for (name, value) in fields(map, allowed, file, strict)? {
        match name {
            "name" => args.name = string(value, name, file)?,
            "namespace" => args.namespace = string(value, name, file)?,
            "behavior" => {
                args.behavior = match string(value, name, file)?.as_str() {
                    "" | "create" => Behavior::Create,
                    "merge" => Behavior::Merge,
                    "replace" => Behavior::Replace,
                    _ => Behavior::Unknown,
                }
            }
            "literals" => args.literals = strings(value, name, file)?,
            "files" => args.files = strings(value, name, file)?,
            "envs" => args.envs = strings(value, name, file)?,
            "env" => {
                let s = string(value, name, file)?;
                if !s.is_empty() {
                    env_single = Some(Entry {
                        value: s,
                        pos: value.pos,
                    });
                }
            }
            "type" => args.secret_type = string(value, name, file)?,
            "options" => args.options = parse_options(value, file)?.unwrap_or_default(),
            _ => {}
        }
    }
    args.envs.extend(env_single);
    Ok(args)
}

/// Reads `generatorOptions` (or a generator's `options`); `None` when null.
pub fn parse_options(node: &Node, file: &Path) -> Result<Option<GenOptions>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(None),
        Value::Map(m) => m,
        _ => return Err(type_error(node, "generatorOptions", "a mapping", file)),
    };
    let mut out = GenOptions::default();
    for (name, value) in fields(map, OPTION_FIELDS, file, true)? {
        match name {
            "labels" => out.labels = string_map(value, name, file)?,
            "annotations" => out.annotations = string_map(value, name, file)?,
            "disableNameSuffixHash" => out.disable_name_suffix_hash = boolean(value, name, file)?,
            "immutable" => out.immutable = boolean(value, name, file)?,
            _ => {}
        }
    }
    Ok(Some(out))
}

/// The fields of a struct-like mapping, by canonical name; unknown names are errors.
fn fields<'a>(
    map: &'a Mapping,
    allowed: &[&'static str],
    file: &Path,
    strict: bool,
) -> Result<Vec<(&'static str, &'a Node)>, Diagnostic> {
    let mut out = Vec::new();
    for (key, value) in &map.entries {
        let text = key.as_str().unwrap_or_default();
        let found = allowed
            .iter()
            .find(|f| **f == text)
            .or_else(|| allowed.iter().find(|f| f.eq_ignore_ascii_case(text)));
        match found {
            Some(name) => out.push((*name, value)),
            None if !strict => {}
            None => {
                return Err(Diagnostic::at(
                    format!("invalid Kustomization: json: unknown field \"{text}\""),
                    file,
                    key.pos,
                )
                .with_hint(format!("known fields here: {}", allowed.join(", "))));
            }
        }
    }
    Ok(out)
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
    .with_hint("see kustomize's generator reference for the expected shape")
}

fn string(node: &Node, field: &str, file: &Path) -> Result<String, Diagnostic> {
    match &node.value {
        Value::Null => Ok(String::new()),
        Value::Str(s) => Ok(s.clone()),
        _ => Err(type_error(node, field, "a string", file)),
    }
}

/// A boolean field. kustomize converts the kustomization to JSON with YAML 1.1 rules first, so
/// plain `yes`/`on`/`y` (and their negations) are booleans too.
fn boolean(node: &Node, field: &str, file: &Path) -> Result<bool, Diagnostic> {
    match &node.value {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::Str(s) if YAML11_TRUE.contains(&s.as_str()) => Ok(true),
        Value::Str(s) if YAML11_FALSE.contains(&s.as_str()) => Ok(false),
        _ => Err(type_error(node, field, "true or false", file)),
    }
}

fn strings(node: &Node, field: &str, file: &Path) -> Result<Vec<Entry>, Diagnostic> {
    crate::kustomize::kustomization::list_field(node, field, file)
        .map(Option::unwrap_or_default)
        .map_err(|d| d.with_hint("see kustomize's generator reference for the expected shape"))
}

fn string_map(
    node: &Node,
    field: &str,
    file: &Path,
) -> Result<Option<BTreeMap<String, String>>, Diagnostic> {
    let map = match &node.value {
        Value::Null => return Ok(None),
        Value::Map(m) => m,
        _ => return Err(type_error(node, field, "a mapping of strings", file)),
    };
    let mut out = BTreeMap::new();
    for (k, v) in &map.entries {
        let key = k.as_str().unwrap_or_default().to_owned();
        let value = match &v.value {
            Value::Str(s) => s.clone(),
            Value::Null => String::new(),
            _ => {
                return Err(type_error(
                    v,
                    &format!("{field}.{key}"),
                    "a string (quote it)",
                    file,
                ));
            }
        };
        out.insert(key, value);
    }
    Ok(Some(out))
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

    #[test]
    fn parses_entries_and_env() {
        let n = node(
            "- name: a\n  Literals: [x=1]\n  env: e.env\n  envs: [f.env]\n  behavior: merge\n",
        );
        let g = parse_generators(&n, GenKind::ConfigMap, Path::new("k")).unwrap();
        assert_eq!(g[0].name, "a");
        assert_eq!(g[0].behavior, Behavior::Merge);
        let envs: Vec<_> = g[0].envs.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(envs, ["f.env", "e.env"]);
        assert_eq!(g[0].literals[0].value, "x=1");
    }

    #[test]
    fn unknown_fields_and_types() {
        let n = node("- name: a\n  type: x\n");
        assert!(parse_generators(&n, GenKind::ConfigMap, Path::new("k")).is_err());
        assert!(parse_generators(&n, GenKind::Secret, Path::new("k")).is_ok());
        let n = node("- name: a\n  literals: [1]\n");
        assert!(parse_generators(&n, GenKind::Secret, Path::new("k")).is_err());
        let n = node("- name: a\n  options: {labels: {a: 1}}\n");
        assert!(parse_generators(&n, GenKind::Secret, Path::new("k")).is_err());
    }

    #[test]
    fn global_options_fill_missing_keys() {
        let local = GenOptions {
            labels: Some(BTreeMap::from([("a".into(), "local".into())])),
            ..Default::default()
        };
        let global = GenOptions {
            labels: Some(BTreeMap::from([
                ("a".into(), "global".into()),
                ("b".into(), "global".into()),
            ])),
            annotations: Some(BTreeMap::from([("c".into(), "g".into())])),
            disable_name_suffix_hash: true,
            immutable: false,
        };
        let m = local.merge_global(Some(&global));
        let labels = m.labels.unwrap();
        assert_eq!(labels["a"], "local");
        assert_eq!(labels["b"], "global");
        assert_eq!(m.annotations.unwrap()["c"], "g");
        assert!(m.disable_name_suffix_hash);
        assert!(!m.immutable);
    }
}
