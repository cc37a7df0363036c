//! Transformer configuration: the field specs each builtin transformer uses (kustomize's
//! `TransformerConfig`), from the builtin defaults, `configurations` files and `crds`.

use crate::diagnostic::Diagnostic;
use crate::yaml::{Limits, Node, Value, parse_stream};

use super::fieldspec::FieldSpec;

/// A referral kind and the fields of other objects that refer to it by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameBackRef {
    /// Referral group ("" = core or any).
    pub group: String,
    /// Referral version.
    pub version: String,
    /// Referral kind.
    pub kind: String,
    /// Fields of referrers that hold the referral's name.
    pub referrers: Vec<FieldSpec>,
}

/// Field specs per transformer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransformerConfig {
    /// `namePrefix` fields.
    pub name_prefix: Vec<FieldSpec>,
    /// `nameSuffix` fields.
    pub name_suffix: Vec<FieldSpec>,
    /// `namespace` fields.
    pub namespace: Vec<FieldSpec>,
    /// `commonLabels` fields (metadata, templates and selectors).
    pub common_labels: Vec<FieldSpec>,
    /// Fields for `labels` entries without selectors (metadata and templates).
    pub template_labels: Vec<FieldSpec>,
    /// Extra `labels` fields from `configurations`.
    pub labels: Vec<FieldSpec>,
    /// `commonAnnotations` fields.
    pub common_annotations: Vec<FieldSpec>,
    /// Name references.
    pub name_reference: Vec<NameBackRef>,
    /// Fields where `$(VAR)` is expanded.
    pub var_reference: Vec<FieldSpec>,
    /// Image fields.
    pub images: Vec<FieldSpec>,
    /// Replica count fields.
    pub replicas: Vec<FieldSpec>,
}

/// The builtin defaults, one YAML file per section (as kustomize's builtinpluginconsts).
const BUILTIN: &[&str] = &[
    include_str!("builtin/nameprefix.yaml"),
    include_str!("builtin/namesuffix.yaml"),
    include_str!("builtin/namespace.yaml"),
    include_str!("builtin/commonlabels.yaml"),
    include_str!("builtin/templatelabels.yaml"),
    include_str!("builtin/commonannotations.yaml"),
    include_str!("builtin/namereference.yaml"),
    include_str!("builtin/varreference.yaml"),
    include_str!("builtin/images.yaml"),
    include_str!("builtin/replicas.yaml"),
];

impl TransformerConfig {
    /// kustomize's default configuration (parsed once).
    pub fn builtin() -> &'static TransformerConfig {
        static BUILTIN_CONFIG: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        BUILTIN_CONFIG.get_or_init(|| {
            let mut cfg = TransformerConfig::default();
            for text in BUILTIN {
                // The tables are part of the binary and covered by tests: a parse failure is a bug.
                let parsed = TransformerConfig::parse(text, std::path::Path::new("<builtin>"))
                    .unwrap_or_else(|d| panic!("builtin transformer config is invalid: {d}"));
                cfg.merge(parsed);
            }
            cfg
        })
    }

    /// Parses a `configurations` file (strict: unknown sections are errors).
    pub fn parse(text: &str, file: &std::path::Path) -> Result<TransformerConfig, Diagnostic> {
        let docs =
            parse_stream(text, &Limits::default()).map_err(|e| Diagnostic::from_yaml(e, file))?;
        let mut cfg = TransformerConfig::default();
        let Some(root) = docs.into_iter().next().map(|d| d.root) else {
            return Ok(cfg);
        };
        let Some(map) = root.as_map() else {
            return if root.is_null() {
                Ok(cfg)
            } else {
                Err(Diagnostic::at(
                    "transformer configuration must be a mapping",
                    file,
                    root.pos,
                ))
            };
        };
        for (key, value) in &map.entries {
            let section = key.as_str().unwrap_or_default();
            let specs = || field_specs(value, file);
            match section {
                "namePrefix" => cfg.name_prefix = specs()?,
                "nameSuffix" => cfg.name_suffix = specs()?,
                "namespace" => cfg.namespace = specs()?,
                "commonLabels" => cfg.common_labels = specs()?,
                "templateLabels" => cfg.template_labels = specs()?,
                "labels" => cfg.labels = specs()?,
                "commonAnnotations" => cfg.common_annotations = specs()?,
                "varReference" => cfg.var_reference = specs()?,
                "images" => cfg.images = specs()?,
                "replicas" => cfg.replicas = specs()?,
                "nameReference" => cfg.name_reference = back_refs(value, file)?,
                other => {
                    return Err(Diagnostic::at(
                        format!("unknown transformer configuration section {other:?}"),
                        file,
                        key.pos,
                    )
                    .with_hint("sections: namePrefix, nameSuffix, namespace, commonLabels, templateLabels, labels, commonAnnotations, nameReference, varReference, images, replicas"));
                }
            }
        }
        Ok(cfg)
    }

    /// Adds another configuration's specs (duplicates dropped, order kept).
    pub fn merge(&mut self, other: TransformerConfig) {
        fn add(into: &mut Vec<FieldSpec>, from: Vec<FieldSpec>) {
            if into.is_empty() {
                let mut seen = std::collections::HashSet::with_capacity(from.len());
                into.extend(from.into_iter().filter(|fs| seen.insert(fs.clone())));
                return;
            }
            if *into == from {
                return;
            }
            let mut seen: std::collections::HashSet<FieldSpec> = into.iter().cloned().collect();
            for fs in from {
                if seen.insert(fs.clone()) {
                    into.push(fs);
                }
            }
        }
        add(&mut self.name_prefix, other.name_prefix);
        add(&mut self.name_suffix, other.name_suffix);
        add(&mut self.namespace, other.namespace);
        add(&mut self.common_labels, other.common_labels);
        add(&mut self.template_labels, other.template_labels);
        add(&mut self.labels, other.labels);
        add(&mut self.common_annotations, other.common_annotations);
        add(&mut self.var_reference, other.var_reference);
        add(&mut self.images, other.images);
        add(&mut self.replicas, other.replicas);
        if self.name_reference == other.name_reference {
            return;
        }
        if self.name_reference.is_empty() {
            self.name_reference = other.name_reference;
            return;
        }
        for br in other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|b| b.group == br.group && b.version == br.version && b.kind == br.kind)
            {
                Some(existing) => add(&mut existing.referrers, br.referrers),
                None => self.name_reference.push(br),
            }
        }
    }
}

fn str_field(map: &crate::yaml::Mapping, key: &str) -> String {
    match map.get(key).map(|n| &n.value) {
        Some(Value::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

fn field_specs(node: &Node, file: &std::path::Path) -> Result<Vec<FieldSpec>, Diagnostic> {
    let Some(items) = node.as_seq() else {
        return if node.is_null() {
            Ok(Vec::new())
        } else {
            Err(Diagnostic::at("field specs must be a list", file, node.pos))
        };
    };
    items
        .iter()
        .map(|item| {
            let map = item
                .as_map()
                .ok_or_else(|| Diagnostic::at("a field spec must be a mapping", file, item.pos))?;
            reject_unknown_keys(map, file)?;
            Ok(FieldSpec {
                group: str_field(map, "group"),
                version: str_field(map, "version"),
                kind: str_field(map, "kind"),
                path: str_field(map, "path"),
                create: matches!(map.get("create").map(|n| &n.value), Some(Value::Bool(true))),
            })
        })
        .collect()
}

/// kustomize reads configuration files strictly: a field spec key other than group, version,
/// kind, path and create is an error.
fn reject_unknown_keys(
    map: &crate::yaml::Mapping,
    file: &std::path::Path,
) -> Result<(), Diagnostic> {
    const KEYS: [&str; 5] = ["group", "version", "kind", "path", "create"];
    for (k, _) in &map.entries {
        let name = k.as_str().unwrap_or_default();
        if !KEYS.contains(&name) {
            return Err(Diagnostic::at(
                format!("json: unknown field {name:?} in a field spec"),
                file,
                k.pos,
            )
            .with_hint("field spec keys: group, version, kind, path, create"));
        }
    }
    Ok(())
}

fn back_refs(node: &Node, file: &std::path::Path) -> Result<Vec<NameBackRef>, Diagnostic> {
    let Some(items) = node.as_seq() else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let map = item.as_map().ok_or_else(|| {
                Diagnostic::at("a nameReference entry must be a mapping", file, item.pos)
            })?;
            Ok(NameBackRef {
                group: str_field(map, "group"),
                version: str_field(map, "version"),
                kind: str_field(map, "kind"),
                referrers: match map.get("fieldSpecs") {
                    Some(fs) => field_specs(fs, file)?,
                    None => Vec::new(),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_parse() {
        let cfg = TransformerConfig::builtin();
        assert_eq!(cfg, TransformerConfig::builtin());
    }

    #[test]
    fn configuration_files_parse_and_merge() {
        let text = "namePrefix:\n- path: spec/x\n  kind: Foo\n  create: true\nnameReference:\n- kind: Bar\n  fieldSpecs:\n  - path: spec/bar\n    kind: Foo\n";
        let cfg = TransformerConfig::parse(text, std::path::Path::new("c.yaml")).unwrap();
        assert_eq!(cfg.name_prefix[0].kind, "Foo");
        assert!(cfg.name_prefix[0].create);
        assert_eq!(cfg.name_reference[0].referrers[0].path, "spec/bar");
        let mut merged = cfg.clone();
        merged.merge(cfg.clone());
        assert_eq!(merged, cfg, "merging the same config twice adds nothing");
        assert!(TransformerConfig::parse("bogus: []\n", std::path::Path::new("c.yaml")).is_err());
    }
}
