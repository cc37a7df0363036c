//! Commit messages: the automation's `messageTemplate` (Go text/template) rendered with the data
//! the image-automation-controller gives it (`.AutomationObject`, `.Changed`, `.Values`, and the
//! legacy `.Updated` for v1beta1/v1beta2 objects).

pub mod data;
mod exec;
mod funcs;
pub mod parse;

use std::collections::BTreeMap;

use data::Data;

use super::automation::{Automation, DEFAULT_MESSAGE};
use super::discover::Repo;
use super::marker::ObjectId;
use super::plan::{Change, Run};
use crate::diagnostic::Diagnostic;

/// Renders the commit message of one automation run.
pub fn commit_message(repo: &Repo, run: &Run) -> Result<String, Diagnostic> {
    let auto = &repo.automations[run.automation];
    let Some(template) = &auto.message_template else {
        return Ok(DEFAULT_MESSAGE.to_string());
    };
    let located = |message: String, hint: &str| {
        Diagnostic::at(
            format!(
                "ImageUpdateAutomation {}: messageTemplate: {message}",
                auto.key()
            ),
            repo.path_of(&auto.origin.file),
            auto.origin.pos,
        )
        .with_hint(hint.to_string())
    };
    let tree = parse::parse(template)
        .map_err(|e| located(e, "fix the template's syntax (Go text/template)"))?;
    let data = template_data(repo, auto, run);
    exec::execute(&tree, &data).map_err(|e| {
        let hint = if e.contains("field Updated") {
            "`.Updated` was removed in image.toolkit.fluxcd.io/v1: use `.Changed`".to_string()
        } else {
            format!(
                "template data: .AutomationObject, .Changed (.FileChanges, .Objects, .Changes), .Values{}; functions: {}",
                if auto.has_legacy_updated() { ", .Updated" } else { "" },
                funcs::NAMES
            )
        };
        located(e, &hint)
    })
}

/// The data given to the template.
fn template_data(repo: &Repo, auto: &Automation, run: &Run) -> Data {
    let rel = |file: usize| {
        let path = &repo.files[file].rel;
        match auto.path.as_str() {
            "" => path.clone(),
            base => path
                .strip_prefix(base)
                .map_or(path.as_str(), |p| p.trim_start_matches('/'))
                .to_string(),
        }
    };
    // file -> object -> changes, all in sorted order.
    let mut files: BTreeMap<String, BTreeMap<ObjectId, Vec<&Change>>> = BTreeMap::new();
    for c in &run.changes {
        files
            .entry(rel(c.file))
            .or_default()
            .entry(c.object.clone())
            .or_default()
            .push(c);
    }
    let automation_object = Data::structure(
        "types.NamespacedName",
        vec![
            ("Namespace", Data::Str(auto.namespace.clone())),
            ("Name", Data::Str(auto.name.clone())),
        ],
        format!("{}/{}", auto.namespace, auto.name),
    );
    let mut fields = vec![
        ("AutomationObject", automation_object),
        ("Changed", changed(&files)),
        (
            "Values",
            Data::Map(
                auto.template_values
                    .iter()
                    .map(|(k, v)| (Data::Str(k.clone()), Data::Str(v.clone())))
                    .collect(),
            ),
        ),
    ];
    if auto.has_legacy_updated() {
        fields.push(("Updated", updated(&files)));
    }
    Data::structure("TemplateData", fields, String::new())
}

fn object_data(id: &ObjectId) -> Data {
    Data::structure(
        "update.ObjectIdentifier",
        vec![
            ("APIVersion", Data::Str(id.api_version.clone())),
            ("Kind", Data::Str(id.kind.clone())),
            ("Name", Data::Str(id.name.clone())),
            ("Namespace", Data::Str(id.namespace.clone())),
        ],
        format!(
            "{{{{{{{} {}}} {{{} {}}}}}}}",
            id.api_version, id.kind, id.name, id.namespace
        ),
    )
}

fn change_data(c: &Change) -> Data {
    let setter = c.setter.to_string();
    Data::structure(
        "update.Change",
        vec![
            ("OldValue", Data::Str(c.old.clone())),
            ("NewValue", Data::Str(c.new.clone())),
            ("Setter", Data::Str(setter.clone())),
        ],
        format!("{{{} {} {setter}}}", c.old, c.new),
    )
}

type Files<'a> = BTreeMap<String, BTreeMap<ObjectId, Vec<&'a Change>>>;

/// `.Changed`: FileChanges, Objects() and Changes().
fn changed(files: &Files<'_>) -> Data {
    let object_changes = |objects: &BTreeMap<ObjectId, Vec<&Change>>| {
        Data::Map(
            objects
                .iter()
                .map(|(id, cs)| {
                    (
                        object_data(id),
                        Data::List(cs.iter().map(|c| change_data(c)).collect()),
                    )
                })
                .collect(),
        )
    };
    let file_changes = Data::Map(
        files
            .iter()
            .map(|(f, objects)| (Data::Str(f.clone()), object_changes(objects)))
            .collect(),
    );
    // Objects(): one entry per object; a later file's entry replaces an earlier one.
    let mut all: BTreeMap<ObjectId, Vec<&Change>> = BTreeMap::new();
    for objects in files.values() {
        for (id, cs) in objects {
            all.insert(id.clone(), cs.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let unique: Vec<Data> = files
        .values()
        .flat_map(|o| o.values())
        .flatten()
        .filter(|c| seen.insert((&c.old, &c.new, c.setter.to_string())))
        .map(|c| change_data(c))
        .collect();
    Data::structure(
        "update.Result",
        vec![
            ("FileChanges", file_changes.clone()),
            ("Objects", object_changes(&all)),
            ("Changes", Data::List(unique)),
        ],
        format!("{{{}}}", file_changes.print()),
    )
}

/// `.Updated` (v1beta1/v1beta2): Files, Images() and Objects() of image references.
fn updated(files: &Files<'_>) -> Data {
    let refs_of = |cs: &[&Change]| {
        let mut refs: Vec<Data> = Vec::new();
        for r in cs.iter().filter_map(|c| c.image_ref.as_deref()) {
            let d = image_ref_data(r, &cs[0].setter.policy_key());
            if !refs.contains(&d) {
                refs.push(d);
            }
        }
        refs
    };
    let mut images: Vec<Data> = Vec::new();
    let mut seen_images = std::collections::BTreeSet::new();
    let mut objects: BTreeMap<ObjectId, Vec<Data>> = BTreeMap::new();
    let mut file_entries = Vec::new();
    for (f, objs) in files {
        let mut per_object = Vec::new();
        for (id, cs) in objs {
            let refs = refs_of(cs);
            for r in &refs {
                let policy = r.field("Policy").map(|p| p.print()).unwrap_or_default();
                if seen_images.insert((r.print(), policy)) {
                    images.push(r.clone());
                }
            }
            objects
                .entry(id.clone())
                .or_default()
                .extend(refs.iter().cloned());
            per_object.push((object_data(id), Data::List(refs)));
        }
        let file_result = Data::structure(
            "update.FileResult",
            vec![("Objects", Data::Map(per_object.clone()))],
            format!("{{{}}}", Data::Map(per_object).print()),
        );
        file_entries.push((Data::Str(f.clone()), file_result));
    }
    let files_data = Data::Map(file_entries);
    Data::structure(
        "update.Result",
        vec![
            ("Files", files_data.clone()),
            ("Images", Data::List(images)),
            (
                "Objects",
                Data::Map(
                    objects
                        .into_iter()
                        .map(|(id, refs)| (object_data(&id), Data::List(refs)))
                        .collect(),
                ),
            ),
        ],
        format!("{{{}}}", files_data.print()),
    )
}

/// An image reference as go-containerregistry parses it (weak validation): `String()` is the
/// text as given; `Name()`, `Registry()` and `Repository()` fill in Docker Hub defaults.
fn image_ref_data(reference: &str, policy: &str) -> Data {
    let (repo_part, tag) = match reference.rfind(':') {
        Some(i) if !reference[i..].contains('/') => (&reference[..i], &reference[i + 1..]),
        _ => (reference, "latest"),
    };
    let (registry, repository) = match repo_part.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("index.docker.io".to_string(), repo_part.to_string()),
    };
    let registry = if registry == "docker.io" {
        "index.docker.io".to_string()
    } else {
        registry
    };
    let repository = if registry == "index.docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    let (ns, name) = policy.split_once(':').unwrap_or(("", policy));
    Data::structure(
        "update.imageRef",
        vec![
            ("String", Data::Str(reference.to_string())),
            ("Identifier", Data::Str(tag.to_string())),
            ("Repository", Data::Str(repository.clone())),
            ("Registry", Data::Str(registry.clone())),
            ("Name", Data::Str(format!("{registry}/{repository}:{tag}"))),
            (
                "Policy",
                Data::structure(
                    "types.NamespacedName",
                    vec![
                        ("Namespace", Data::Str(ns.to_string())),
                        ("Name", Data::Str(name.to_string())),
                    ],
                    format!("{ns}/{name}"),
                ),
            ),
        ],
        reference.to_string(),
    )
}

#[cfg(test)]
mod tests;
