//! The kustomization Flux builds: generated when `spec.path` has none (fluxcd/pkg
//! `generateKustomization`), then the Kustomization's spec fields written into the top-level
//! file (`WriteFile`). The result goes into an in-memory overlay, never to disk.

use std::path::{Path, PathBuf};

use super::api::{FluxKustomization, Image};
use crate::diagnostic::Diagnostic;
use crate::kustomize::kustomization::{FILE_NAMES, canonical_field};
use crate::kustomize::resources::resources_from_documents;
use crate::source::path::join_clean;
use crate::source::{EntryKind, Tree};
use crate::yaml::emit::write_document;
use crate::yaml::{Limits, Mapping, Node, Pos, Value, parse_stream};

/// The kustomization file Flux would build from, when it differs from what is on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedFile {
    /// Where it goes (absolute, inside the build directory).
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// True when no kustomization file existed and Flux generated one.
    pub generated: bool,
}

/// Resolves `spec.path` inside the repository root; an escape or a missing directory is an error
/// at the field.
pub fn build_dir(
    tree: &dyn Tree,
    root: &Path,
    ks: &FluxKustomization,
) -> Result<PathBuf, Diagnostic> {
    let dir = join_clean(root, &ks.path);
    let at = |msg: String| Diagnostic::at(msg, &ks.origin.file, ks.path_pos);
    if !dir.starts_with(root) {
        return Err(
            at(format!("spec.path '{}' leaves the source root", ks.path))
                .with_hint("spec.path is relative to the root of the source, not to this file"),
        );
    }
    if tree.kind(&dir) != Some(EntryKind::Dir) {
        return Err(at(format!(
            "kustomization path not found: '{}' is not a directory of the source",
            ks.path
        ))
        .with_hint("spec.path is relative to the root of the source (e.g. ./apps/production)"));
    }
    Ok(dir)
}

/// Computes the top-level kustomization Flux builds in `dir`; `None` when the file on disk is
/// used unchanged.
pub fn flux_kustomization_file(
    tree: &dyn Tree,
    root: &Path,
    dir: &Path,
    ks: &FluxKustomization,
    limits: &Limits,
) -> Result<Option<GeneratedFile>, Diagnostic> {
    let existing = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| tree.kind(p) == Some(EntryKind::File));
    let (path, mut map, generated, needs_write) = match existing {
        Some(file) => {
            let text = tree
                .read_to_string(&file)
                .map_err(|e| Diagnostic::at(format!("cannot read: {e}"), &file, Pos::NONE))?;
            let docs = parse_stream(&text, limits).map_err(|e| Diagnostic::from_yaml(e, &file))?;
            let root_node = docs.into_iter().next().map(|d| d.root);
            let mut map = match root_node.map(|n| n.value) {
                Some(Value::Map(m)) => m,
                _ => Mapping::default(),
            };
            // sigs.k8s.io/yaml into kustomize's type: unknown fields are dropped.
            let before = map.entries.len();
            map.entries
                .retain(|(k, _)| k.as_str().and_then(canonical_field).is_some());
            let dropped = map.entries.len() != before;
            let mut write = dropped || has_spec_edits(ks);
            if !has_list(&map, "resources") {
                // fluxcd/pkg: an existing file without resources gets origin annotations.
                map.insert("buildMetadata", seq_of(["originAnnotations"]));
                write = true;
            }
            (file, map, false, write)
        }
        None => {
            let resources = scan(tree, dir, limits)?;
            let mut map = Mapping::default();
            map.insert(
                "apiVersion",
                Node::string("kustomize.config.k8s.io/v1beta1"),
            );
            map.insert("kind", Node::string("Kustomization"));
            if resources.is_empty() {
                map.insert("namespace", Node::string("_placeholder"));
            } else {
                map.insert("resources", seq_of(resources));
            }
            (dir.join("kustomization.yaml"), map, true, true)
        }
    };
    if !needs_write {
        return Ok(None);
    }
    apply_spec(&mut map, tree, root, dir, ks)?;
    let mut text = String::new();
    write_document(&Node::new(Value::Map(map)), &mut text).map_err(|e| {
        Diagnostic::at(
            format!("cannot write the kustomization Flux builds: {}", e.message),
            &ks.origin.file,
            ks.origin.pos,
        )
    })?;
    Ok(Some(GeneratedFile {
        path,
        text,
        generated,
    }))
}

fn has_spec_edits(ks: &FluxKustomization) -> bool {
    ks.target_namespace.is_some()
        || ks.name_prefix.is_some()
        || ks.name_suffix.is_some()
        || !ks.patches.is_empty()
        || !ks.components.is_empty()
        || !ks.images.is_empty()
        || !ks.patches_strategic_merge.is_empty()
        || !ks.patches_json6902.is_empty()
        || !ks.build_metadata.is_empty()
}

fn has_list(map: &Mapping, key: &str) -> bool {
    map.get(key)
        .and_then(Node::as_seq)
        .is_some_and(|s| !s.is_empty())
}

fn seq_of<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Node {
    Node::new(Value::Seq(items.into_iter().map(Node::string).collect()))
}

/// Lists the manifests of a directory without a kustomization, as Flux's generator does:
/// depth-first, sorted by name; a subdirectory with a kustomization is one entry.
fn scan(tree: &dyn Tree, dir: &Path, limits: &Limits) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    scan_into(tree, dir, dir, limits, &mut out)?;
    Ok(out)
}

fn scan_into(
    tree: &dyn Tree,
    base: &Path,
    dir: &Path,
    limits: &Limits,
    out: &mut Vec<String>,
) -> Result<(), Diagnostic> {
    let entries = tree
        .read_dir(dir)
        .map_err(|e| Diagnostic::at(format!("cannot list directory: {e}"), dir, Pos::NONE))?;
    for (name, kind) in entries {
        let path = dir.join(&name);
        let rel = format!("./{}", path.strip_prefix(base).unwrap_or(&path).display());
        match kind {
            EntryKind::Dir => {
                let has_kust = FILE_NAMES
                    .iter()
                    .any(|n| tree.kind(&path.join(n)) == Some(EntryKind::File));
                if has_kust {
                    out.push(rel);
                } else {
                    scan_into(tree, base, &path, limits, out)?;
                }
            }
            EntryKind::File => {
                let ext = Path::new(&name).extension().and_then(|e| e.to_str());
                if !matches!(ext, Some("yaml" | "yml")) {
                    continue;
                }
                check_manifest(tree, &path, limits)?;
                out.push(rel);
            }
        }
    }
    Ok(())
}

fn check_manifest(tree: &dyn Tree, path: &Path, limits: &Limits) -> Result<(), Diagnostic> {
    let hint = "Flux adds every .yaml/.yml file under spec.path when there is no \
                kustomization.yaml; fix the file, move it out, or add a kustomization.yaml";
    let text = tree
        .read_to_string(path)
        .map_err(|e| Diagnostic::at(format!("cannot read: {e}"), path, Pos::NONE))?;
    let docs = parse_stream(&text, limits).map_err(|e| {
        let mut d = Diagnostic::from_yaml(e, path);
        d.message = format!("failed to decode Kubernetes YAML: {}", d.message);
        d.with_hint(hint)
    })?;
    resources_from_documents(docs, path).map_err(|mut d| {
        d.message = format!("failed to decode Kubernetes YAML: {}", d.message);
        d.with_hint(hint)
    })?;
    Ok(())
}

/// Writes the Kustomization's spec fields into the top-level kustomization (§10.3 order).
fn apply_spec(
    map: &mut Mapping,
    tree: &dyn Tree,
    root: &Path,
    dir: &Path,
    ks: &FluxKustomization,
) -> Result<(), Diagnostic> {
    if let Some(ns) = &ks.target_namespace {
        map.insert("namespace", Node::string(ns));
    }
    if let Some(p) = &ks.name_prefix {
        map.insert("namePrefix", Node::string(p));
    }
    if let Some(s) = &ks.name_suffix {
        map.insert("nameSuffix", Node::string(s));
    }
    for p in &ks.patches {
        let mut entry = Mapping::default();
        for key in ["patch", "target"] {
            if let Some(v) = p.get(key) {
                entry.insert(key, v.clone());
            }
        }
        append(map, "patches", Node::at(Value::Map(entry), p.pos));
    }
    for c in &ks.components {
        if !is_local_relative(c) {
            return Err(Diagnostic::at(
                format!("component path '{c}' must be local and relative"),
                &ks.origin.file,
                ks.origin.pos,
            )
            .with_hint("Flux accepts only relative paths inside the source in spec.components"));
        }
        let target = join_clean(dir, c);
        if ks.ignore_missing_components
            && (!target.starts_with(root) || tree.kind(&target).is_none())
        {
            continue;
        }
        append(map, "components", Node::string(c));
    }
    for p in &ks.patches_strategic_merge {
        append(
            map,
            "patchesStrategicMerge",
            Node::string(node_text(p, ks)?),
        );
    }
    for p in &ks.patches_json6902 {
        let mut entry = Mapping::default();
        if let Some(ops) = p.get("patch") {
            entry.insert("patch", Node::string(node_text(ops, ks)?));
        }
        if let Some(t) = p.get("target") {
            entry.insert("target", t.clone());
        }
        append(map, "patchesJson6902", Node::new(Value::Map(entry)));
    }
    for image in &ks.images {
        merge_image(map, image);
    }
    if !ks.build_metadata.is_empty() {
        map.insert("buildMetadata", seq_of(ks.build_metadata.iter().cloned()));
    }
    Ok(())
}

fn append(map: &mut Mapping, key: &str, item: Node) {
    match map.get_mut(key) {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items.push(item),
        _ => map.insert(key, Node::new(Value::Seq(vec![item]))),
    }
}

fn node_text(node: &Node, ks: &FluxKustomization) -> Result<String, Diagnostic> {
    let mut text = String::new();
    write_document(node, &mut text)
        .map_err(|e| Diagnostic::at(e.message, &ks.origin.file, node.pos))?;
    Ok(text)
}

/// fluxcd/pkg: an image with the same name is updated in place, else appended.
fn merge_image(map: &mut Mapping, image: &Image) {
    let existing = map.get_mut("images").and_then(|n| match &mut n.value {
        Value::Seq(items) => items
            .iter_mut()
            .find(|i| i.get("name").and_then(Node::as_str) == Some(image.name.as_str())),
        _ => None,
    });
    if let Some(Node {
        value: Value::Map(entry),
        ..
    }) = existing
    {
        if let Some(n) = &image.new_name {
            entry.insert("newName", Node::string(n));
        }
        if image.new_tag.is_some() || image.digest.is_some() {
            entry.remove("newTag");
            entry.remove("digest");
            if let Some(t) = &image.new_tag {
                entry.insert("newTag", Node::string(t));
            }
            if let Some(d) = &image.digest {
                entry.insert("digest", Node::string(d));
            }
        }
        return;
    }
    let mut entry = Mapping::default();
    entry.insert("name", Node::string(&image.name));
    for (k, v) in [
        ("newName", &image.new_name),
        ("newTag", &image.new_tag),
        ("digest", &image.digest),
    ] {
        if let Some(v) = v {
            entry.insert(k, Node::string(v));
        }
    }
    append(map, "images", Node::new(Value::Map(entry)));
}

/// fluxcd/pkg `IsLocalRelativePath`: no URLs, git shorthands or absolute paths.
fn is_local_relative(p: &str) -> bool {
    let remote = [
        "git::",
        "gh:",
        "ssh://",
        "https://",
        "http://",
        "git@",
        "github.com:",
        "github.com/",
        "file://",
    ];
    !(remote.iter().any(|r| p.starts_with(r)) || Path::new(p).is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::discover::empty_kustomization;
    use crate::source::DiskTree;

    fn fixture(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        for (rel, text) in files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        (t, root)
    }

    fn file_for(root: &Path, ks: &FluxKustomization) -> Result<Option<GeneratedFile>, Diagnostic> {
        let dir = build_dir(&DiskTree, root, ks)?;
        flux_kustomization_file(&DiskTree, root, &dir, ks, &Limits::default())
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n";

    #[test]
    fn generated_kustomization_lists_manifests_depth_first_and_stops_at_kustomizations() {
        let (_t, root) = fixture(&[
            ("app/b.yaml", CM),
            ("app/a.yml", CM),
            ("app/notes.txt", "x"),
            ("app/README.YAML", CM),
            ("app/sub/c.yaml", CM),
            ("app/sub/deeper/kustomization.yaml", "resources: []\n"),
            ("app/sub/deeper/ignored.yaml", CM),
        ]);
        let mut ks = empty_kustomization();
        ks.path = "./app".into();
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(g.generated);
        assert_eq!(g.path, root.join("app/kustomization.yaml"));
        assert_eq!(
            g.text,
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ./a.yml\n- ./b.yaml\n- ./sub/c.yaml\n- ./sub/deeper\n"
        );
    }

    #[test]
    fn empty_directory_gets_the_placeholder_namespace() {
        let (_t, root) = fixture(&[("empty/notes.md", "x")]);
        let mut ks = empty_kustomization();
        ks.path = "empty".into();
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(g.text.contains("namespace: _placeholder"), "{}", g.text);
    }

    #[test]
    fn invalid_manifest_in_a_scanned_directory_is_an_error_at_the_file() {
        let (_t, root) = fixture(&[("app/bad.yaml", "kind: [\n")]);
        let mut ks = empty_kustomization();
        ks.path = "app".into();
        let err = file_for(&root, &ks).unwrap_err();
        assert!(
            err.message.starts_with("failed to decode Kubernetes YAML"),
            "{err}"
        );
        assert_eq!(err.location.unwrap().file, root.join("app/bad.yaml"));
    }

    #[test]
    fn unchanged_file_is_not_rewritten() {
        let (_t, root) = fixture(&[
            ("app/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("app/cm.yaml", CM),
        ]);
        let mut ks = empty_kustomization();
        ks.path = "app".into();
        assert_eq!(file_for(&root, &ks).unwrap(), None);
    }

    #[test]
    fn spec_fields_are_written_into_the_top_level_file() {
        let (_t, root) = fixture(&[
            (
                "app/kustomization.yaml",
                "namespace: old\nnamePrefix: a-\nunknownField: 1\nresources:\n- cm.yaml\npatches:\n- path: p.yaml\nimages:\n- name: nginx\n  newName: my/nginx\n  newTag: '1'\n- name: redis\n  digest: sha256:aa\n",
            ),
            ("app/cm.yaml", CM),
        ]);
        let mut ks = empty_kustomization();
        ks.path = "app".into();
        ks.target_namespace = Some("new".into());
        ks.name_prefix = Some("b-".into());
        ks.patches = vec![Node::new(Value::Map({
            let mut m = Mapping::default();
            m.insert("patch", Node::string("x"));
            m.insert("ignored", Node::string("y"));
            m
        }))];
        ks.images = vec![
            Image {
                name: "nginx".into(),
                digest: Some("sha256:bb".into()),
                ..Image::default()
            },
            Image {
                name: "redis".into(),
                new_name: Some("my/redis".into()),
                ..Image::default()
            },
            Image {
                name: "busybox".into(),
                new_tag: Some("2".into()),
                ..Image::default()
            },
        ];
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(!g.generated);
        assert_eq!(
            g.text,
            "images:\n- digest: sha256:bb\n  name: nginx\n  newName: my/nginx\n- digest: sha256:aa\n  name: redis\n  newName: my/redis\n- name: busybox\n  newTag: \"2\"\nnamePrefix: b-\nnamespace: new\npatches:\n- path: p.yaml\n- patch: x\nresources:\n- cm.yaml\n"
        );
    }

    #[test]
    fn file_without_resources_gets_origin_annotations() {
        let (_t, root) = fixture(&[(
            "app/kustomization.yaml",
            "configMapGenerator:\n- name: x\n  literals: [a=b]\n",
        )]);
        let mut ks = empty_kustomization();
        ks.path = "app".into();
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(
            g.text.starts_with("buildMetadata:\n- originAnnotations\n"),
            "{}",
            g.text
        );
        ks.build_metadata = vec!["managedByLabel".into()];
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(
            g.text.starts_with("buildMetadata:\n- managedByLabel\n"),
            "{}",
            g.text
        );
    }

    #[test]
    fn components_must_be_local_and_missing_ones_may_be_ignored() {
        let (_t, root) = fixture(&[
            ("app/cm.yaml", CM),
            ("comp/kustomization.yaml", "kind: Component\n"),
        ]);
        let mut ks = empty_kustomization();
        ks.path = "app".into();
        ks.components = vec!["../comp".into(), "../missing".into()];
        ks.ignore_missing_components = true;
        let g = file_for(&root, &ks).unwrap().unwrap();
        assert!(
            g.text.contains("components:\n- ../comp\nkind"),
            "{}",
            g.text
        );
        ks.components = vec!["https://github.com/x/y".into()];
        let err = file_for(&root, &ks).unwrap_err();
        assert!(err.message.contains("must be local and relative"), "{err}");
    }

    #[test]
    fn path_outside_the_root_or_missing_is_an_error() {
        let (_t, root) = fixture(&[("app/cm.yaml", CM)]);
        let mut ks = empty_kustomization();
        ks.path = "../..".into();
        assert!(
            file_for(&root, &ks)
                .unwrap_err()
                .message
                .contains("leaves the source root")
        );
        ks.path = "nope".into();
        assert!(
            file_for(&root, &ks)
                .unwrap_err()
                .message
                .contains("kustomization path not found")
        );
    }
}
