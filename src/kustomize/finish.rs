//! The last steps of a build: kustomize's build annotations removed, `metadata.annotations`
//! normalised, and the `buildMetadata` options (origin annotations, managed-by label).

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::emit::write_document;
use crate::yaml::{Mapping, Node, Value};

use super::kustomization::Kustomization;
use super::transformations;

/// Annotations kustomize uses internally and never prints.
const BUILD_ANNOTATIONS: &[&str] = &[
    "internal.config.kubernetes.io/previousKinds",
    "internal.config.kubernetes.io/previousNames",
    "internal.config.kubernetes.io/previousNamespaces",
    "internal.config.kubernetes.io/prefixes",
    "internal.config.kubernetes.io/suffixes",
    "internal.config.kubernetes.io/refBy",
    "internal.config.kubernetes.io/generatorBehavior",
    "internal.config.kubernetes.io/needsHashSuffix",
    "internal.config.kubernetes.io/allowNameChange",
    "internal.config.kubernetes.io/allowKindChange",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
];
const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = transformations::KEY;
/// The label `managedByLabel` adds, with the version kustomize-as-a-library reports.
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kustomize-(devel)");

/// The `buildMetadata` options of the top-level kustomization (kustomize forces them on every layer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildMetadata {
    /// `originAnnotations`.
    pub origin: bool,
    /// `managedByLabel`.
    pub managed_by: bool,
    /// `transformerAnnotations`.
    pub transformations: bool,
}

impl BuildMetadata {
    /// Reads `buildMetadata`; unknown values are refused.
    pub fn of(kust: &Kustomization) -> Result<BuildMetadata, Diagnostic> {
        let mut out = BuildMetadata::default();
        let Some(node) = kust.field("buildMetadata") else {
            return Ok(out);
        };
        let items = node.as_seq().ok_or_else(|| {
            Diagnostic::at(
                "`buildMetadata` must be a list of strings",
                &kust.file,
                node.pos,
            )
        })?;
        for item in items {
            match item.as_str() {
                Some("originAnnotations") => out.origin = true,
                Some("managedByLabel") => out.managed_by = true,
                Some("transformerAnnotations") => out.transformations = true,
                _ => {
                    return Err(Diagnostic::at(
                        format!(
                            "invalid buildMetadata option {}: must be one of originAnnotations, transformerAnnotations, managedByLabel",
                            item.text().unwrap_or_default()
                        ),
                        &kust.file,
                        item.pos,
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Whether `buildMetadata` asks for origin or transformer annotations, the options whose
    /// output depends on kustomize recording transformers during the build (errors are left to
    /// [`Self::of`], which reports them after the build as kustomize does).
    pub fn records_transformers(kust: &Kustomization) -> bool {
        kust.field("buildMetadata")
            .and_then(Node::as_seq)
            .is_some_and(|items| {
                items.iter().any(|i| {
                    matches!(
                        i.as_str(),
                        Some("transformerAnnotations" | "originAnnotations")
                    )
                })
            })
    }
}

/// Applies the final metadata steps to every resource of a build rooted at `top_dir`.
pub fn finish(resources: &mut [Resource], meta: BuildMetadata, top_dir: &Path) {
    for r in resources {
        if meta.managed_by {
            set_label(&mut r.node, MANAGED_BY.0, MANAGED_BY.1);
        }
        let origin = meta.origin.then(|| origin_text(r, top_dir));
        normalise_annotations(&mut r.node, origin, meta.transformations);
    }
}

/// The YAML text of a resource's origin annotation, in the field order of kustomize's `Origin`
/// struct (path, configuredIn, configuredBy{apiVersion, kind, name}), not sorted.
pub fn origin_text(r: &Resource, top_dir: &Path) -> String {
    if let Some(t) = &r.book.origin_override {
        return t.origin_text();
    }
    let mut out = String::new();
    match &r.book.generated_by {
        Some((file, kind)) => {
            let configured_in = match &r.book.origin_path {
                Some(path) => path.clone(),
                None => relative(top_dir, file),
            };
            out.push_str(&field_line("configuredIn", &configured_in));
            out.push_str("configuredBy:\n");
            out.push_str(&format!("  {}", field_line("apiVersion", "builtin")));
            out.push_str(&format!("  {}", field_line("kind", kind)));
            if let Some((name, namespace)) = &r.book.generator_name {
                for (key, value) in [("name", name), ("namespace", namespace)] {
                    if !value.is_empty() {
                        out.push_str(&format!("  {}", field_line(key, value)));
                    }
                }
            }
        }
        None => {
            let path = match &r.book.origin_path {
                Some(path) => path.clone(),
                None => relative(top_dir, &r.origin.file),
            };
            out.push_str(&field_line("path", &path));
        }
    }
    out
}

/// `key: value\n` with the value quoted as the YAML emitter would.
pub fn field_line(key: &str, value: &str) -> String {
    let mut map = Mapping::default();
    map.insert(key, Node::string(value));
    let mut out = String::new();
    if write_document(&Node::new(Value::Map(map)), &mut out).is_err() {
        out = format!("{key}: {value:?}\n");
    }
    out
}

/// kustomize rewrites `metadata.annotations` as a string map: build annotations removed, values
/// turned into their text, an empty or non-map value removed. The origin annotation is set when
/// given, and the transformations annotation (written during the build) kept when asked for.
fn normalise_annotations(node: &mut Node, origin: Option<String>, keep_transformations: bool) {
    let Some(meta) = node
        .as_map_mut()
        .and_then(|m| m.get_mut("metadata"))
        .and_then(Node::as_map_mut)
    else {
        return;
    };
    let mut annotations = match meta.remove("annotations").map(|n| n.value) {
        Some(Value::Map(m)) => m,
        _ => Mapping::default(),
    };
    annotations.entries.retain(|(k, _)| {
        let k = k.text().unwrap_or_default();
        !BUILD_ANNOTATIONS.contains(&k.as_ref())
            && k != ORIGIN
            && (k != TRANSFORMATIONS || keep_transformations)
    });
    for (_, v) in &mut annotations.entries {
        let text = if v.is_null() && v.raw.is_none() {
            String::new()
        } else {
            v.text().map(|t| t.into_owned()).unwrap_or_default()
        };
        *v = Node::at(Value::Str(text), v.pos);
    }
    if let Some(origin) = origin {
        annotations.insert(ORIGIN, Node::string(origin));
    }
    if !annotations.is_empty() {
        meta.insert("annotations", Node::new(Value::Map(annotations)));
    }
}

fn set_label(node: &mut Node, key: &str, value: &str) {
    crate::resource::set_metadata_entry(node, "labels", key, value);
}

/// `path` relative to the directory `base` (both absolute), with `..` as needed.
pub fn relative(base: &Path, path: &Path) -> String {
    let b: Vec<Component> = base.components().collect();
    let p: Vec<Component> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/ov"), Path::new("/a/base/cm.yaml")),
            "../base/cm.yaml"
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/cm.yaml")),
            "cm.yaml"
        );
    }

    #[test]
    fn annotations_become_strings_and_build_ones_vanish() {
        let mut n = parse_stream(
            "metadata:\n  annotations: {x: 0x1F, y: 1.50, z: ~, v: [1], config.kubernetes.io/path: p, keep: me}\n",
            &Limits::default(),
        )
        .unwrap()
        .remove(0)
        .root;
        normalise_annotations(&mut n, None, false);
        let a = n.get_path(&["metadata", "annotations"]).unwrap();
        let get = |k: &str| a.get(k).and_then(Node::as_str).map(str::to_owned);
        assert_eq!(get("x").as_deref(), Some("0x1F"));
        assert_eq!(get("y").as_deref(), Some("1.50"));
        assert_eq!(get("z").as_deref(), Some("~"));
        assert_eq!(get("v").as_deref(), Some(""));
        assert_eq!(get("config.kubernetes.io/path"), None);
        assert_eq!(get("keep").as_deref(), Some("me"));

        let mut n = parse_stream("metadata:\n  annotations: 5\n", &Limits::default())
            .unwrap()
            .remove(0)
            .root;
        normalise_annotations(&mut n, None, false);
        assert!(n.get_path(&["metadata", "annotations"]).is_none());
    }
}
