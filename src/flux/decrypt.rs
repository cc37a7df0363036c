//! Flux's SOPS decryption (kustomize-controller `internal/decryptor`, spec sops.md §12), in
//! memory: for a Kustomization with `spec.decryption.provider: sops`, the secretGenerator
//! `files`/`envs` and patch files are decrypted before the build (as blobs of the build's
//! overlay tree, never on disk), and after the build every object carrying sops metadata, and
//! every Secret `data` value holding a sops document, is decrypted. The MAC is not checked,
//! as Flux does not check it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::api::FluxKustomization;
use crate::diagnostic::{Diagnostic, Location};
use crate::resource::Resource;
use crate::sops::{
    DecryptOptions, Format, KeyRing, SopsError, decrypt_file, decrypt_node, has_marker,
};
use crate::source::path::join_clean;
use crate::source::{Blob, EntryKind, Tree};
use crate::yaml::{Limits, Node, Value, parse_stream};

/// Annotation that turns decryption off for one object (value `disabled`, any case).
pub const DECRYPT_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/decrypt";
/// Largest source file Flux decrypts (its `--sops-max-file-size` default, 5 MiB).
pub const MAX_SOURCE_BYTES: u64 = 5 << 20;
/// The kustomization file names kustomize recognises, in its order.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What decryption did to one Kustomization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecryptReport {
    /// Files and objects that were decrypted (repository-relative file paths, `Kind ns/name`,
    /// `Kind ns/name data.KEY`).
    pub decrypted: Vec<String>,
    /// Files and objects left encrypted because no key opened them.
    pub undecrypted: Vec<String>,
    /// The recipients (age public keys, ssh keys) whose identity was missing.
    pub missing_keys: BTreeSet<String>,
}

impl DecryptReport {
    /// Adds another report's entries.
    pub fn merge(&mut self, other: DecryptReport) {
        self.decrypted.extend(other.decrypted);
        self.undecrypted.extend(other.undecrypted);
        self.missing_keys.extend(other.missing_keys);
    }

    /// Records `item` as left encrypted because of `e` (a missing key).
    fn not_decrypted(&mut self, item: String, e: &SopsError) {
        self.undecrypted.push(item);
        if let SopsError::NoIdentity { attempts, .. }
        | SopsError::ShamirThreshold { attempts, .. } = e
        {
            self.missing_keys
                .extend(attempts.iter().map(|a| a.recipient.clone()));
        }
    }
}

/// Whether `ks` asks for SOPS decryption.
pub fn wants_sops(ks: &FluxKustomization) -> bool {
    ks.decryption.as_ref().is_some_and(|d| d.provider == "sops")
}

/// Flux's format of a file or data key by name: sops' suffix rule, and `.dockerconfigjson` is JSON.
pub fn format_for_name(name: &str) -> Format {
    if name.ends_with(".dockerconfigjson") {
        Format::Json
    } else {
        Format::from_file_name(name)
    }
}

const FLUX: DecryptOptions = DecryptOptions { verify_mac: false };

/// Whether a sops error means "no key available" (render on, values stay encrypted) rather
/// than a broken file (the Kustomization fails, as it would in the cluster).
fn is_missing_key(e: &SopsError) -> bool {
    matches!(
        e,
        SopsError::NoIdentity { .. } | SopsError::ShamirThreshold { .. }
    )
}

/// Decrypts the secretGenerator `files`/`envs` and `patches[].path` files of every
/// kustomization reachable from `dir` through `resources` and `components` (Flux's
/// `DecryptSources`). Returns their plaintext by absolute path, to be overlaid on the build's
/// tree. Files that do not exist, lie outside `root` or hold no sops marker are left to the
/// build, as Flux leaves them.
pub fn decrypt_sources(
    tree: &dyn Tree,
    root: &Path,
    dir: &Path,
    keys: &KeyRing,
    limits: &Limits,
) -> Result<(BTreeMap<PathBuf, Blob>, DecryptReport), Diagnostic> {
    let mut out = BTreeMap::new();
    let mut report = DecryptReport::default();
    let mut visited = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        if visited.contains(&d) || !d.starts_with(root) || tree.kind(&d) != Some(EntryKind::Dir) {
            continue;
        }
        visited.push(d.clone());
        let Some((file, k)) = read_kustomization(tree, &d, limits) else {
            continue;
        };
        for (rel, format) in source_refs(&k) {
            let path = join_clean(&d, &rel);
            if out.contains_key(&path) || !path.starts_with(root) {
                continue;
            }
            let shown = crate::source::path::display_relative(&path, root);
            let Some(bytes) = read_source(tree, &path, &file)? else {
                continue;
            };
            if !has_marker(&bytes, format) {
                continue;
            }
            match decrypt_file(&bytes, format, format, keys, &FLUX) {
                Ok(plain) => {
                    report.decrypted.push(shown);
                    out.insert(path, Arc::new(plain) as Blob);
                }
                Err(e) if is_missing_key(&e) => report.not_decrypted(shown, &e),
                Err(e) => {
                    return Err(Diagnostic::at(
                        format!("cannot decrypt '{shown}' with sops: {e}"),
                        &path,
                        Default::default(),
                    )
                    .sensitive()
                    .with_hint("kustomize-controller would fail this Kustomization the same way"));
                }
            }
        }
        let entries = ["resources", "components"]
            .iter()
            .flat_map(|f| strings(k.get(f)))
            .collect::<Vec<_>>();
        for e in entries.into_iter().rev() {
            stack.push(join_clean(&d, &e));
        }
    }
    Ok((out, report))
}

fn read_kustomization(tree: &dyn Tree, dir: &Path, limits: &Limits) -> Option<(PathBuf, Node)> {
    let file = KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| tree.kind(p) == Some(EntryKind::File))?;
    let text = tree.read_to_string(&file).ok()?;
    // A broken kustomization file is the build's error to report, with its position.
    let doc = parse_stream(&text, limits).ok()?.into_iter().next()?;
    Some((file, doc.root))
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.text().map(|t| t.into_owned()))
        .collect()
}

/// The files a kustomization's generators and patches read, with the format Flux decrypts
/// them in.
fn source_refs(k: &Node) -> Vec<(String, Format)> {
    let mut refs = Vec::new();
    for g in k
        .get("secretGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        for f in strings(g.get("files")) {
            let (key, path) = match f.split_once('=') {
                Some((key, path)) => (key.to_owned(), path.to_owned()),
                None => (f.clone(), f.clone()),
            };
            refs.push((path, format_for_name(&key)));
        }
        for e in strings(g.get("envs")) {
            let format = match format_for_name(&e) {
                Format::Binary => Format::Dotenv,
                f => f,
            };
            refs.push((e, format));
        }
    }
    for p in k.get("patches").and_then(Node::as_seq).unwrap_or_default() {
        if let Some(path) = p.get("path").and_then(|n| n.text()) {
            if path.contains("://") {
                continue;
            }
            refs.push((path.clone().into_owned(), format_for_name(&path)));
        }
    }
    refs
}

fn read_source(tree: &dyn Tree, path: &Path, from: &Path) -> Result<Option<Vec<u8>>, Diagnostic> {
    if tree.kind(path) != Some(EntryKind::File) {
        return Ok(None);
    }
    let bytes = tree.read_bytes(path).map_err(|e| {
        Diagnostic::new(format!("cannot read '{}': {e}", path.display())).within(
            "while decrypting the sources of a kustomization",
            Some(Location {
                file: from.to_owned(),
                pos: Default::default(),
            }),
        )
    })?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Diagnostic::new(format!(
            "cannot decrypt '{}': {} bytes exceed Flux's limit of {MAX_SOURCE_BYTES}",
            path.display(),
            bytes.len()
        ))
        .with_hint("kustomize-controller refuses sops files over --sops-max-file-size (5 MiB)"));
    }
    Ok(Some(bytes))
}

/// Decrypts the built objects (Flux's `DecryptResource`): objects with a `sops` entry holding
/// a MAC, and Secret `data` values that are whole sops documents. Objects annotated
/// `kustomize.toolkit.fluxcd.io/decrypt: disabled` are left alone. Decrypted leaves are
/// recorded in each resource's `secret_paths` so that output masks them.
pub fn decrypt_resources(
    resources: &mut [Resource],
    keys: &KeyRing,
) -> Result<DecryptReport, Diagnostic> {
    let mut report = DecryptReport::default();
    for r in resources.iter_mut() {
        if decryption_disabled(&r.node) {
            continue;
        }
        let id = format!("{} {}", r.kind(), object_name(r));
        if has_sops_mac(&r.node) {
            match decrypt_node(&r.node, keys, &FLUX) {
                Ok(mut plain) => {
                    let mut paths = Vec::new();
                    encrypted_paths(&r.node, &mut Vec::new(), &mut paths);
                    keep_positions(&mut plain, &r.node);
                    r.node = plain;
                    r.secret_paths.extend(paths);
                    report.decrypted.push(id);
                }
                Err(e) if is_missing_key(&e) => report.not_decrypted(id, &e),
                Err(e) => {
                    return Err(Diagnostic::at(
                        format!("decryption failed for '{id}': {e}"),
                        &*r.origin.file,
                        r.origin.pos,
                    )
                    .sensitive());
                }
            }
        } else if r.kind() == "Secret" {
            report.merge(decrypt_secret_data(r, &id, keys)?);
        }
    }
    Ok(report)
}

fn object_name(r: &Resource) -> String {
    match r.namespace() {
        "" => r.name().to_owned(),
        ns => format!("{ns}/{}", r.name()),
    }
}

fn decryption_disabled(node: &Node) -> bool {
    node.get_path(&["metadata", "annotations", DECRYPT_ANNOTATION])
        .and_then(|n| n.text())
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
}

fn has_sops_mac(node: &Node) -> bool {
    node.get("sops")
        .and_then(|s| s.get("mac"))
        .is_some_and(|m| !m.is_null() && m.text().is_some_and(|t| !t.is_empty()))
}

/// The key paths of `ENC[...]` values (list items share their list's path, as in sops).
fn encrypted_paths(node: &Node, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match &node.value {
        Value::Map(m) => {
            for (k, v) in &m.entries {
                let key = k.text().unwrap_or_default().into_owned();
                if at.is_empty() && key == "sops" {
                    continue;
                }
                at.push(key);
                encrypted_paths(v, at, out);
                at.pop();
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| encrypted_paths(i, at, out)),
        Value::Str(s) if s.starts_with("ENC[AES256_GCM,") && !out.contains(at) => {
            out.push(at.clone());
        }
        _ => {}
    }
}

/// Copies source positions from the encrypted object onto the decrypted one where the key paths
/// match, so diagnostics about a decrypted object still point into its file.
fn keep_positions(plain: &mut Node, from: &Node) {
    plain.pos = from.pos;
    if let (Value::Map(p), Value::Map(f)) = (&mut plain.value, &from.value) {
        for (k, v) in &mut p.entries {
            if let Some(key) = k.as_str()
                && let Some((fk, fv)) = f.entries.iter().find(|(fk, _)| fk.as_str() == Some(key))
            {
                k.pos = fk.pos;
                keep_positions(v, fv);
            }
        }
    }
}

fn decrypt_secret_data(
    r: &mut Resource,
    id: &str,
    keys: &KeyRing,
) -> Result<DecryptReport, Diagnostic> {
    let mut report = DecryptReport::default();
    let file = r.origin.file.clone();
    let Some(Value::Map(data)) = r
        .node
        .as_map_mut()
        .and_then(|m| m.get_mut("data"))
        .map(|n| &mut n.value)
    else {
        return Ok(report);
    };
    for (k, v) in &mut data.entries {
        let key = k.text().unwrap_or_default().into_owned();
        let Some(encoded) = v.as_str() else { continue };
        let Ok(bytes) = STANDARD.decode(encoded) else {
            continue;
        };
        let Some(input) = [Format::Json, Format::Yaml, Format::Dotenv, Format::Ini]
            .into_iter()
            .find(|f| has_marker(&bytes, *f))
        else {
            continue;
        };
        match decrypt_file(&bytes, input, format_for_name(&key), keys, &FLUX) {
            Ok(plain) => {
                let pos = v.pos;
                *v = Node::at(Value::Str(STANDARD.encode(plain.expose())), pos);
                report.decrypted.push(format!("{id} data.{key}"));
            }
            Err(e) if is_missing_key(&e) => report.not_decrypted(format!("{id} data.{key}"), &e),
            Err(e) => {
                return Err(Diagnostic::at(
                    format!("failed to decrypt and format '{id}' Secret field '{key}': {e}"),
                    &*file,
                    v.pos,
                )
                .sensitive());
            }
        }
    }
    Ok(report)
}
