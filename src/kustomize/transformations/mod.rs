//! `buildMetadata: [transformerAnnotations]`: the `alpha.config.kubernetes.io/transformations`
//! annotation, kustomize's record of every transformer that ran over a resource.
//!
//! kustomize's `multiTransformer` runs a layer's transformers one instance at a time and, after
//! each, appends that transformer's origin to **every** resource of the accumulator
//! (`resWrangler.AddTransformerAnnotation`), changed or not. A layer has one builtin instance per
//! set field (one per `patches`, `patchesJson6902`, `replicas` and `images` entry, one per `labels`
//! entry plus one for `commonLabels`), then one per `transformers:` plugin config
//! (api/internal/target/kusttarget_configplugin.go, multitransformer.go). kustomize records this
//! whenever the top-level `buildMetadata` is set; it only shows with `transformerAnnotations`, or
//! through the origin of an object whose origin annotation a transformer removed.
//!
//! `multiTransformer` also drops objects left empty after each transformer (`DropEmpties`); that
//! needs no counterpart: the patch transformers already drop the objects they delete, and an
//! object emptied by a JSON patch keeps kustomize's internal annotations, so it is never empty.

mod existing;

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::Node;

use super::finish::{field_line, origin_text};
use super::kustomization::Kustomization;

/// The annotation key.
pub const KEY: &str = "alpha.config.kubernetes.io/transformations";
/// The origin annotation's key.
const ORIGIN: &str = "config.kubernetes.io/origin";

/// One transformer's origin (kustomize's `resource.Origin` with `configuredIn`/`configuredBy`;
/// `path`, `repo` and `ref` only come from a list already written in the input).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transformation {
    /// `path` ("" omitted).
    pub path: String,
    /// `repo` ("" omitted).
    pub repo: String,
    /// `ref` ("" omitted).
    pub git_ref: String,
    /// The file that configured it, relative to the top-level build directory ("" omitted).
    pub configured_in: String,
    /// `configuredBy.apiVersion` (`builtin`).
    pub api_version: String,
    /// `configuredBy.kind`, e.g. `PrefixTransformer`.
    pub kind: String,
    /// `configuredBy.name` of a plugin config ("" omitted).
    pub name: String,
    /// `configuredBy.namespace` of a plugin config ("" omitted).
    pub namespace: String,
}

impl Transformation {
    /// The origin of a builtin transformer configured by a kustomization field.
    pub fn builtin(configured_in: &str, kind: &str) -> Transformation {
        Transformation {
            configured_in: configured_in.to_owned(),
            api_version: "builtin".to_owned(),
            kind: kind.to_owned(),
            ..Transformation::default()
        }
    }

    /// The YAML mapping kustomize marshals, fields in `Origin` struct order (also the text of an
    /// origin annotation that names this transformer).
    pub fn origin_text(&self) -> String {
        let mut out = String::new();
        for (key, value) in [
            ("path", &self.path),
            ("repo", &self.repo),
            ("ref", &self.git_ref),
            ("configuredIn", &self.configured_in),
        ] {
            if !value.is_empty() {
                out.push_str(&field_line(key, value));
            }
        }
        let by = [
            ("apiVersion", &self.api_version),
            ("kind", &self.kind),
            ("name", &self.name),
            ("namespace", &self.namespace),
        ];
        if by.iter().any(|(_, v)| !v.is_empty()) {
            out.push_str("configuredBy:\n");
            for (key, value) in by {
                if !value.is_empty() {
                    out.push_str("  ");
                    out.push_str(&field_line(key, value));
                }
            }
        }
        out
    }

    /// This origin as one item of the annotation's YAML sequence.
    fn item_text(&self) -> String {
        let text = self.origin_text();
        if text.is_empty() {
            return "- {}\n".to_owned();
        }
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// The annotation value: the records as a YAML sequence, as kyaml marshals `[]*Origin`.
pub fn annotation_text(records: &[Transformation]) -> String {
    records.iter().map(Transformation::item_text).collect()
}

/// Records that `t` ran `times` times over every resource (`AddTransformerAnnotation`).
///
/// kustomize keeps both records in the object's annotations during the build, and so does this:
/// a transformer that removed them (a patch of `metadata.annotations`) loses them. An object
/// without its origin annotation gets `t` as its origin instead of a record; an object whose
/// transformations annotation is gone starts a new list; a list already in the input, or edited
/// by a patch, is read and appended to.
pub fn record(
    resources: &mut [Resource],
    t: &Transformation,
    times: usize,
) -> Result<(), Diagnostic> {
    if times == 0 {
        return Ok(());
    }
    let item = t.item_text();
    for r in resources {
        for _ in 0..times {
            record_one(r, t, &item).map_err(|e| {
                Diagnostic::at(
                    format!("{e}: in the {KEY} annotation of {}", r.id()),
                    &*r.origin.file,
                    r.origin.pos,
                )
                .with_hint("the annotation must be a YAML list of origins, as kustomize writes it")
            })?;
        }
    }
    Ok(())
}

fn record_one(r: &mut Resource, t: &Transformation, item: &str) -> Result<(), String> {
    if annotation(&r.node, ORIGIN).is_none() {
        set_annotation(&mut r.node, ORIGIN, t.origin_text());
        r.book.origin_override = Some(t.clone());
        return Ok(());
    }
    let mut text = match annotation(&r.node, KEY) {
        None => String::new(),
        // What this code last wrote, unchanged: no need to read it again.
        Some(current) if current == r.book.transformations => current,
        Some(current) => annotation_text(&existing::parse(&current)?),
    };
    text.push_str(item);
    r.book.transformations.clone_from(&text);
    set_annotation(&mut r.node, KEY, text);
    Ok(())
}

/// Gives every object without one its origin annotation (kustomize annotates objects as they are
/// read or generated, before the layer's transformers run).
pub fn annotate_origins(resources: &mut [Resource], top_dir: &Path) {
    for r in resources {
        if annotation(&r.node, ORIGIN).is_none() {
            let text = origin_text(r, top_dir);
            set_annotation(&mut r.node, ORIGIN, text);
        }
    }
}

/// An annotation's value as kustomize reads it (a scalar's text; `None` when absent).
fn annotation(node: &Node, key: &str) -> Option<String> {
    let value = node.get_path(&["metadata", "annotations", key])?;
    Some(value.text().map(|t| t.into_owned()).unwrap_or_default())
}

/// Sets `metadata.annotations[key]`, creating the maps (a non-map value is replaced, as
/// kustomize drops it from the output anyway).
fn set_annotation(node: &mut Node, key: &str, value: String) {
    crate::resource::set_metadata_entry(node, "annotations", key, &value);
}

/// How many builtin transformer instances kustomize configures for `step`, a builtin plugin kind,
/// from `kust`'s fields (kusttarget_configplugin.go: only for set fields). The patch entries are
/// recorded one by one as they run instead.
pub fn instances(kust: &Kustomization, step: &str) -> usize {
    let set = |field: &str| usize::from(kust.field(field).is_some());
    let len = |field: &str| {
        kust.field(field)
            .map_or(0, |n| n.as_seq().map_or(1, |items| items.len()))
    };
    match step {
        "PatchStrategicMergeTransformer" => set("patchesStrategicMerge"),
        "NamespaceTransformer" => set("namespace"),
        "PrefixTransformer" => set("namePrefix"),
        "SuffixTransformer" => set("nameSuffix"),
        "LabelTransformer" => {
            if set("labels") + set("commonLabels") == 0 {
                0
            } else {
                len("labels") + 1
            }
        }
        "AnnotationsTransformer" => set("commonAnnotations"),
        "ReplicaCountTransformer" => len("replicas"),
        "ImageTagTransformer" => len("images") + len("imageTags"),
        "ReplacementTransformer" => set("replacements"),
        _ => 0,
    }
}

/// Go's `path.Join(base, rel)`: the elements joined by `/`, then cleaned lexically ("" when both
/// are empty). kustomize's origin paths are built this way from the `resources` entries.
pub fn join_logical(base: &str, rel: &str) -> String {
    let joined = match (base.is_empty(), rel.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => rel.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}/{rel}"),
    };
    clean(&joined)
}

/// Go's `path.Clean`.
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests;
