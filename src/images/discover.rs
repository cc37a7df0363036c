//! Scans a repository's YAML files (`*.yaml`, `*.yml`, `Kustomization`) for markers and for ImagePolicy, ImageRepository and
//! ImageUpdateAutomation objects. Files that cannot be read or parsed are skipped with a warning.

use std::path::{Path, PathBuf};

use super::automation::{Automation, parse_automation};
use super::marker::{self, FileMarkers};
use super::policy::{ImagePolicy, ImageRepository, Origin, parse_policy, parse_repository};
use crate::diagnostic::Diagnostic;
use crate::source::{EntryKind, Tree};
use crate::yaml::{Limits, Node, Pos, parse_stream};

/// A YAML file holding markers.
#[derive(Clone, Debug)]
pub struct MarkedFile {
    /// Path relative to the repository root, `/` separators.
    pub rel: String,
    /// The file's text as read.
    pub text: String,
    /// Its markers.
    pub markers: FileMarkers,
}

/// Everything image automation needs from a repository.
#[derive(Clone, Debug, Default)]
pub struct Repo {
    /// The repository root (absolute).
    pub root: PathBuf,
    /// Files with markers, sorted by path.
    pub files: Vec<MarkedFile>,
    /// ImagePolicies, in file order.
    pub policies: Vec<ImagePolicy>,
    /// ImageRepositories, in file order.
    pub repositories: Vec<ImageRepository>,
    /// ImageUpdateAutomations, sorted by namespace and name.
    pub automations: Vec<Automation>,
    /// Files and objects skipped, and marker comments that annotate nothing.
    pub warnings: Vec<Diagnostic>,
}

const API_GROUP: &str = "image.toolkit.fluxcd.io/";

impl Repo {
    /// Scans every `*.yaml`/`*.yml` under `root` (skipping `.git`).
    pub fn scan(tree: &dyn Tree, root: &Path, limits: &Limits) -> Result<Repo, Diagnostic> {
        if tree.kind(root) != Some(EntryKind::Dir) {
            return Err(
                Diagnostic::new(format!("{} is not a directory", root.display()))
                    .with_hint("pass the repository's root directory"),
            );
        }
        let mut repo = Repo {
            root: root.to_path_buf(),
            ..Repo::default()
        };
        let mut files = Vec::new();
        walk(tree, root, "", &mut files, &mut repo.warnings);
        for rel in files {
            repo.read_file(tree, &rel, limits);
        }
        repo.automations
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        Ok(repo)
    }

    /// The absolute path of a repository-relative file.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The policy named `NS:NAME`.
    pub fn policy(&self, key: &str) -> Option<&ImagePolicy> {
        self.policies.iter().find(|p| p.key() == key)
    }

    /// The image of a policy's ImageRepository.
    pub fn image_of(&self, policy: &ImagePolicy) -> Option<&str> {
        self.repositories
            .iter()
            .find(|r| (&r.namespace, &r.name) == (&policy.repository.0, &policy.repository.1))
            .map(|r| r.image.as_str())
    }

    fn warn(&mut self, message: String, rel: &str, pos: Pos, hint: &str) {
        self.warnings.push(
            Diagnostic::at(format!("warning: {message}"), self.path_of(rel), pos).with_hint(hint),
        );
    }

    fn read_file(&mut self, tree: &dyn Tree, rel: &str, limits: &Limits) {
        let text = match tree.read_to_string(&self.path_of(rel)) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("skipped: cannot read the file: {e}");
                self.warn(msg, rel, Pos::NONE, "fix or remove the file");
                return;
            }
        };
        if text.contains(API_GROUP) {
            match parse_stream(&text, limits) {
                Ok(docs) => {
                    for doc in docs {
                        self.read_object(&doc.root, rel);
                    }
                }
                Err(e) => {
                    let msg = format!("skipped for image objects: {}", e.message);
                    self.warn(msg, rel, e.pos, "fix the YAML syntax");
                }
            }
        }
        if !text.contains(marker::TOKEN) {
            return;
        }
        match marker::find(&text) {
            Ok(markers) => {
                for stray in &markers.strays {
                    let msg = format!("marker ignored: {}", stray.reason);
                    let hint = "write the marker after the value: `image: NAME:TAG # {\"$imagepolicy\": \"NS:NAME\"}`";
                    self.warn(msg, rel, stray.pos, hint);
                }
                if !markers.markers.is_empty() {
                    self.files.push(MarkedFile {
                        rel: rel.to_string(),
                        text,
                        markers,
                    });
                }
            }
            Err(e) => {
                let msg = format!("skipped for markers: {}", e.message);
                self.warn(msg, rel, e.pos, "fix the YAML syntax");
            }
        }
    }

    fn read_object(&mut self, doc: &Node, rel: &str) {
        let api = doc
            .get("apiVersion")
            .and_then(|a| a.as_str())
            .unwrap_or_default();
        if !api.starts_with(API_GROUP) {
            return;
        }
        let origin = Origin {
            file: rel.to_string(),
            pos: doc.pos,
        };
        let kind = doc.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
        let result = match kind {
            "ImagePolicy" => parse_policy(doc, origin).map(|p| self.policies.push(p)),
            "ImageRepository" => parse_repository(doc, origin).map(|r| self.repositories.push(r)),
            "ImageUpdateAutomation" => {
                parse_automation(doc, origin).map(|a| self.automations.push(a))
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.warn(
                format!("{kind} ignored: {e}"),
                rel,
                doc.pos,
                "complete the object",
            );
        }
    }
}

fn walk(
    tree: &dyn Tree,
    dir: &Path,
    rel: &str,
    out: &mut Vec<String>,
    warnings: &mut Vec<Diagnostic>,
) {
    let entries = match tree.read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(Diagnostic::at(
                format!("warning: skipped: cannot list the directory: {e}"),
                dir,
                Pos::NONE,
            ));
            return;
        }
    };
    for (name, kind) in entries {
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        match kind {
            EntryKind::Dir if name != ".git" => {
                walk(tree, &dir.join(&name), &child_rel, out, warnings)
            }
            // The controller also reads files named `Kustomization`.
            EntryKind::File
                if name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization" =>
            {
                out.push(child_rel)
            }
            _ => {}
        }
    }
}
