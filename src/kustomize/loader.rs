//! Reading the files a kustomization names, with kustomize's path rules and load restrictions.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location};
use crate::source::path::{display_relative, join_clean};
use crate::source::{EntryKind, Tree};
use crate::yaml::{Document, Limits, Pos, parse_stream};

/// Where files may be loaded from (kustomize's `--load-restrictor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Files must be in or below the kustomization that names them (kustomize's default).
    #[default]
    RootOnly,
    /// Files may be anywhere (what Flux uses, bounded by the repository).
    None,
}

/// Reads files for a build: every read goes through the [`Tree`], so nothing else touches disk.
pub struct Loader<'a> {
    /// The tree files come from.
    pub tree: &'a dyn Tree,
    /// The load restriction.
    pub restrictor: LoadRestrictor,
    /// YAML limits.
    pub limits: Limits,
    /// Paths in messages are shown relative to this directory.
    pub display_base: PathBuf,
}

/// A file read for a kustomization.
pub struct LoadedFile {
    /// Its real path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Loader<'_> {
    /// Shows a path relative to the display base.
    pub fn show(&self, path: &Path) -> String {
        display_relative(path, &self.display_base)
    }

    /// Reads the file `rel` named by the kustomization in `dir` at `at` (a field entry).
    /// Remote URLs, absolute paths, missing files, directories and files outside `dir` under
    /// `RootOnly` are errors located at the entry.
    pub fn read_file(
        &self,
        dir: &Path,
        rel: &str,
        at: &Location,
    ) -> Result<LoadedFile, Diagnostic> {
        let real = self.resolve_file(dir, rel, at)?;
        let text = self.read_text(&real)?;
        Ok(LoadedFile { path: real, text })
    }

    /// Reads the raw bytes of the file `rel` named by the kustomization in `dir` at `at`, with the
    /// same checks as [`Loader::read_file`] (generators keep non-UTF-8 content).
    pub fn read_file_bytes(
        &self,
        dir: &Path,
        rel: &str,
        at: &Location,
    ) -> Result<(PathBuf, Vec<u8>), Diagnostic> {
        let real = self.resolve_file(dir, rel, at)?;
        let bytes = self.tree.read_bytes(&real).map_err(|e| {
            Diagnostic::at(
                format!("cannot read '{}': {e}", self.show(&real)),
                &at.file,
                at.pos,
            )
            .with_hint("check the file's permissions")
        })?;
        Ok((real, bytes))
    }

    /// The real path of the file `rel` named at `at`, after kustomize's checks.
    fn resolve_file(&self, dir: &Path, rel: &str, at: &Location) -> Result<PathBuf, Diagnostic> {
        let here = |msg: String| Diagnostic::at(msg, &at.file, at.pos);
        if is_remote(rel) {
            return Err(here(format!("remote file '{rel}' cannot be read offline"))
                .with_hint("fleetcheck never fetches; vendor the file into the repository"));
        }
        let path = join_clean(dir, rel);
        match self.tree.kind(&path) {
            Some(EntryKind::File) => {}
            Some(EntryKind::Dir) => {
                return Err(here(format!(
                    "'{}' must resolve to a file, not a directory",
                    self.show(&path)
                ))
                .with_hint("name a file, not a directory"));
            }
            None => {
                return Err(
                    here(format!("file '{rel}' not found at '{}'", self.show(&path)))
                        .with_hint("paths are relative to the directory of this kustomization"),
                );
            }
        }
        let real = self
            .tree
            .real_path(&path)
            .map_err(|e| here(format!("cannot resolve '{}': {e}", self.show(&path))))?;
        self.check_restriction(dir, &real, at)?;
        Ok(real)
    }

    /// kustomize's `LoadRestrictionsRootOnly`: a file must be in or below `dir`.
    pub fn check_restriction(
        &self,
        dir: &Path,
        real: &Path,
        at: &Location,
    ) -> Result<(), Diagnostic> {
        if self.restrictor == LoadRestrictor::None {
            return Ok(());
        }
        let parent = real.parent().unwrap_or(Path::new("/"));
        if parent.starts_with(dir) {
            return Ok(());
        }
        Err(Diagnostic::at(
            format!("security; file '{}' is not in or below '{}'", self.show(real), self.show(dir)),
            &at.file,
            at.pos,
        )
        .with_hint(
            "move the file under the kustomization, make it a base with its own kustomization, or pass --load-restrictor LoadRestrictionsNone",
        ))
    }

    /// Reads a file's text (UTF-8 required).
    pub fn read_text(&self, file: &Path) -> Result<String, Diagnostic> {
        self.tree.read_to_string(file).map_err(|e| {
            Diagnostic::at(format!("cannot read file: {e}"), file, Pos::NONE)
                .with_hint("fleetcheck reads UTF-8 text files")
        })
    }

    /// Parses a YAML file's documents.
    pub fn parse_yaml(&self, file: &Path, text: &str) -> Result<Vec<Document>, Diagnostic> {
        parse_stream(text, &self.limits).map_err(|e| Diagnostic::from_yaml(e, file))
    }
}

/// Whether an entry is a URL or a git address kustomize would fetch.
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
}
