//! Reading the patch fields of a kustomization: entries, their content (inline or from a file),
//! content detection (strategic merge vs JSON 6902), targets and options.

use std::path::Path;

use super::jsonpatch::{self, Op};
use crate::diagnostic::{Diagnostic, Location};
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Loader;
use crate::kustomize::resources::resources_from_documents;
use crate::resource::Resource;
use crate::resource::selector::{Selector, SelectorSpec};
use crate::yaml::{Node, Value};

/// What a patch entry applies.
pub enum Content {
    /// Strategic merge patch documents.
    Strategic(Vec<Resource>),
    /// JSON 6902 operations.
    Json(Vec<Op>),
}

/// One entry of `patches` or `patchesJson6902`.
pub struct PatchEntry {
    /// The entry in the kustomization.
    pub at: Location,
    /// The patch text (for messages).
    pub text: String,
    /// The decoded patch.
    pub content: Content,
    /// `target`, when given.
    pub target: Option<Selector>,
    /// `options.allowNameChange`.
    pub allow_name: bool,
    /// `options.allowKindChange`.
    pub allow_kind: bool,
    /// Whether patched objects remember their id first (`patches` JSON patches do,
    /// `patchesJson6902` does not).
    pub store_prev_id: bool,
}

fn items<'a>(node: &'a Node, field: &str, file: &Path) -> Result<&'a [Node], Diagnostic> {
    node.as_seq().ok_or_else(|| {
        Diagnostic::at(
            format!(
                "invalid Kustomization: `{field}` must be a list, found a {}",
                node.type_name()
            ),
            file,
            node.pos,
        )
    })
}

fn str_value(node: &Node, what: &str, file: &Path) -> Result<String, Diagnostic> {
    match &node.value {
        Value::Str(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(Diagnostic::at(
            format!(
                "invalid Kustomization: `{what}` must be a string, found a {}",
                node.type_name()
            ),
            file,
            node.pos,
        )),
    }
}

/// The canonical field name a key denotes (Go's encoding/json matches names case-insensitively).
fn field<'a>(key: &Node, names: &[&'a str]) -> &'a str {
    let k = key.as_str().unwrap_or("");
    names
        .iter()
        .find(|n| **n == k)
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(k)))
        .copied()
        .unwrap_or("")
}

fn unknown(key: &Node, file: &Path) -> Diagnostic {
    Diagnostic::at(
        format!(
            "invalid Kustomization: json: unknown field \"{}\"",
            key.as_str().unwrap_or("?")
        ),
        file,
        key.pos,
    )
    .with_hint("check the spelling against kustomize's field reference")
}

/// Parses a target selector mapping.
pub fn selector_of(node: &Node, file: &Path) -> Result<Selector, Diagnostic> {
    let Some(m) = node.as_map() else {
        return Err(Diagnostic::at("`target` must be a mapping", file, node.pos));
    };
    let mut spec = SelectorSpec::default();
    for (k, v) in &m.entries {
        let names = [
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ];
        let slot = match field(k, &names) {
            "group" => &mut spec.group,
            "version" => &mut spec.version,
            "kind" => &mut spec.kind,
            "name" => &mut spec.name,
            "namespace" => &mut spec.namespace,
            "labelSelector" => &mut spec.label_selector,
            "annotationSelector" => &mut spec.annotation_selector,
            _ => return Err(unknown(k, file)),
        };
        *slot = str_value(v, "target field", file)?;
    }
    Selector::new(&spec).map_err(|e| {
        Diagnostic::at(e, file, node.pos)
            .with_hint("target fields are anchored regular expressions")
    })
}

/// Strategic merge documents from text, or why they are not.
fn parse_sm(text: &str, file: &Path, loader: &Loader) -> Result<Vec<Resource>, Diagnostic> {
    let docs = loader.parse_yaml(file, text)?;
    let mut out = resources_from_documents(docs, file)?;
    for r in &mut out {
        forget_string_positions(&mut r.node);
    }
    Ok(out)
}

/// A patch's strings do not bring their quoting style into the patched object (and their
/// positions no longer point into the patch text there): they lose their positions.
fn forget_string_positions(n: &mut Node) {
    match &mut n.value {
        Value::Map(m) => m
            .entries
            .iter_mut()
            .for_each(|(_, v)| forget_string_positions(v)),
        Value::Seq(items) => items.iter_mut().for_each(forget_string_positions),
        Value::Str(_) => n.pos = crate::yaml::Pos::NONE,
        _ => {}
    }
}

/// JSON 6902 operations from text (`[`-prefixed JSON, else YAML), like `jsonPatchFromBytes`.
fn parse_json(text: &str, file: &Path, loader: &Loader) -> Result<Vec<Op>, String> {
    if text.is_empty() {
        return Err("empty json patch operations".into());
    }
    let docs = loader.parse_yaml(file, text).map_err(|d| d.message)?;
    let mut doc = docs
        .into_iter()
        .map(|d| d.root)
        .next()
        .unwrap_or(Node::new(Value::Null));
    if !text.starts_with('[') {
        super::yaml11::retype(&mut doc, text);
    }
    jsonpatch::decode(&doc)
}

/// Detects the kind of a patch (kustomize PatchTransformer `Config`).
fn detect(text: &str, file: &Path, loader: &Loader, at: &Location) -> Result<Content, Diagnostic> {
    // A patch file that is not YAML at all: point at the syntax error in that file.
    if file != at.file
        && let Err(mut d) = loader.parse_yaml(file, text)
    {
        d.message = format!("unable to parse SM or JSON patch: {}", d.message);
        return Err(d.within("in the patch file named here", Some(at.clone())));
    }
    let sm = parse_sm(text, file, loader);
    let json = parse_json(text, file, loader);
    let here = |m: String| Diagnostic::at(m, &at.file, at.pos);
    match (sm, json) {
        (Ok(_), Ok(_)) => Err(here(format!(
            "illegally qualifies as both an SM and JSON patch: [{text}]"
        ))),
        (Err(sm), Err(json)) => {
            let why = if text.trim_start().starts_with(['[', '-']) {
                format!("as a JSON 6902 patch: {json}")
            } else {
                format!("as a strategic merge patch: {}", sm.message)
            };
            Err(here(format!("unable to parse SM or JSON patch from [{text}]")).with_hint(format!(
                "a patch is either Kubernetes objects (strategic merge) or a list of JSON 6902 operations; {why}"
            )))
        }
        (Ok(sm), Err(_)) => Ok(Content::Strategic(sm)),
        (Err(_), Ok(ops)) => Ok(Content::Json(ops)),
    }
}

/// The `patches` entries.
pub fn parse_patch_entries(
    node: &Node,
    kust: &Kustomization,
    loader: &Loader,
) -> Result<Vec<PatchEntry>, Diagnostic> {
    let file = kust.file.as_path();
    let mut out = Vec::new();
    for item in items(node, "patches", file)? {
        let Some(m) = item.as_map() else {
            return Err(Diagnostic::at(
                "`patches` entries must be mappings",
                file,
                item.pos,
            ));
        };
        let at = Location {
            file: kust.file.clone(),
            pos: item.pos,
        };
        let (mut path, mut patch, mut target) = (String::new(), String::new(), None);
        let (mut allow_name, mut allow_kind) = (false, false);
        for (k, v) in &m.entries {
            match field(k, &["path", "patch", "target", "options"]) {
                "path" => path = str_value(v, "patches[].path", file)?,
                "patch" => patch = str_value(v, "patches[].patch", file)?,
                "target" if !v.is_null() => target = Some(selector_of(v, file)?),
                "target" => {}
                "options" => {
                    for (ok, ov) in v.as_map().map(|m| m.entries.as_slice()).unwrap_or(&[]) {
                        let flag = matches!(ov.value, Value::Bool(true));
                        // kustomize v5.8 types `options` (unknown keys are errors; v5.5
                        // accepted any key); allowNoTargetMatch only logs a warning.
                        let names = ["allowNameChange", "allowKindChange", "allowNoTargetMatch"];
                        match field(ok, &names) {
                            "allowNameChange" => allow_name = flag,
                            "allowKindChange" => allow_kind = flag,
                            "allowNoTargetMatch" => {}
                            _ => return Err(unknown(ok, file)),
                        }
                    }
                }
                _ => return Err(unknown(k, file)),
            }
        }
        let patch = patch.trim().to_owned();
        let (text, src_file) = match (patch.is_empty(), path.is_empty()) {
            (true, true) => {
                return Err(
                    Diagnostic::at("must specify one of patch and path", file, item.pos)
                        .with_hint("give the patch inline with `patch:` or in a file with `path:`"),
                );
            }
            (false, false) => {
                return Err(Diagnostic::at(
                    "patch and path can't be set at the same time",
                    file,
                    item.pos,
                ));
            }
            (false, true) => (patch, kust.file.clone()),
            (true, false) => {
                let pos = m.get("path").map_or(item.pos, |n| n.pos);
                let loaded = loader.read_file(
                    kust.dir(),
                    &path,
                    &Location {
                        file: kust.file.clone(),
                        pos,
                    },
                )?;
                (loaded.text, loaded.path)
            }
        };
        let content = detect(&text, &src_file, loader, &at)?;
        if let (Content::Strategic(p), Some(_)) = (&content, &target)
            && p.len() > 1
        {
            return Err(Diagnostic::at(
                format!("Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: [{text}]"),
                file,
                item.pos,
            )
            .with_hint("split the documents into separate `patches` entries"));
        }
        out.push(PatchEntry {
            at,
            text,
            content,
            target,
            allow_name,
            allow_kind,
            store_prev_id: true,
        });
    }
    Ok(out)
}

/// The `patchesJson6902` entries.
pub fn parse_json6902_entries(
    node: &Node,
    kust: &Kustomization,
    loader: &Loader,
) -> Result<Vec<PatchEntry>, Diagnostic> {
    let file = kust.file.as_path();
    let mut out = Vec::new();
    for item in items(node, "patchesJson6902", file)? {
        let Some(m) = item.as_map() else {
            return Err(Diagnostic::at(
                "`patchesJson6902` entries must be mappings",
                file,
                item.pos,
            ));
        };
        let at = Location {
            file: kust.file.clone(),
            pos: item.pos,
        };
        let (mut path, mut patch, mut target, mut target_name) =
            (String::new(), String::new(), None, String::new());
        for (k, v) in &m.entries {
            match field(k, &["path", "patch", "target"]) {
                "path" => path = str_value(v, "patchesJson6902[].path", file)?,
                "patch" => patch = str_value(v, "patchesJson6902[].patch", file)?,
                "target" if !v.is_null() => {
                    target_name = v
                        .as_map()
                        .and_then(|t| {
                            t.entries
                                .iter()
                                .find(|(tk, _)| field(tk, &["name"]) == "name")
                        })
                        .and_then(|(_, n)| n.as_str())
                        .unwrap_or("")
                        .to_owned();
                    target = Some(selector_of(v, file)?);
                }
                "target" => {}
                _ => return Err(unknown(k, file)),
            }
        }
        let here = |msg: &str| Diagnostic::at(msg, file, item.pos);
        if target.is_none() {
            return Err(here("must specify a target for patch")
                .with_hint("add `target:` with the object's kind and name"));
        }
        if target_name.is_empty() {
            return Err(
                here("must specify the target name").with_hint("add `name:` under `target:`")
            );
        }
        let (text, src_file) = match (path.is_empty(), patch.is_empty()) {
            (true, true) => return Err(here("empty file path and empty jsonOp")),
            (false, false) => return Err(here("must specify a file path or jsonOp, not both")),
            (true, false) => (patch, kust.file.clone()),
            (false, true) => {
                let pos = m.get("path").map_or(item.pos, |n| n.pos);
                let loaded = loader.read_file(
                    kust.dir(),
                    &path,
                    &Location {
                        file: kust.file.clone(),
                        pos,
                    },
                )?;
                (loaded.text, loaded.path)
            }
        };
        let ops = parse_json(&text, &src_file, loader).map_err(|e| {
            Diagnostic::at(format!("invalid JSON 6902 patch: {e}"), file, item.pos)
                .with_hint("a JSON 6902 patch is a list of {op, path, value} operations")
        })?;
        if ops.is_empty() {
            return Err(here(&format!(
                "patch appears to be empty; file={path}, JsonOp={text}"
            )));
        }
        out.push(PatchEntry {
            at,
            text,
            content: Content::Json(ops),
            target,
            allow_name: false,
            allow_kind: false,
            store_prev_id: false,
        });
    }
    Ok(out)
}

/// The `patchesStrategicMerge` documents, each with the entry it came from. Each entry is
/// first read as inline patch content, else as a file path.
pub fn parse_psm_entries(
    node: &Node,
    kust: &Kustomization,
    loader: &Loader,
) -> Result<Vec<(Resource, Location)>, Diagnostic> {
    let file = kust.file.as_path();
    let mut out = Vec::new();
    for item in items(node, "patchesStrategicMerge", file)? {
        let value = str_value(item, "patchesStrategicMerge[]", file)?;
        let at = Location {
            file: kust.file.clone(),
            pos: item.pos,
        };
        let patches = match parse_sm(&value, file, loader) {
            Ok(p) if !p.is_empty() => p,
            // several lines cannot be a path: report why the inline patch is not one
            Err(e) if value.trim().contains('\n') => {
                return Err(Diagnostic::at(
                    format!(
                        "invalid inline patch in patchesStrategicMerge: {}",
                        e.message
                    ),
                    file,
                    item.pos,
                )
                .with_hint(
                    "an inline strategic merge patch needs apiVersion, kind and metadata.name",
                ));
            }
            _ => {
                let loaded = loader.read_file(kust.dir(), &value, &at)?;
                parse_sm(&loaded.text, &loaded.path, loader)?
            }
        };
        out.extend(patches.into_iter().map(|p| (p, at.clone())));
    }
    if out.is_empty() {
        return Err(Diagnostic::at("patch appears to be empty", file, node.pos));
    }
    Ok(out)
}
