//! A copy-on-write view of a tree: some files replaced or added in memory, the rest read from
//! the base. Flux's generated and rewritten kustomization files live here, never on disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::{EntryKind, Tree};

/// Bytes held in memory by an [`OverlayTree`].
pub type Blob = std::sync::Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A tree whose `files` (absolute paths) shadow or extend `base`, optionally confined to a
/// root directory (Flux's secure file system: nothing outside the source artifact is readable).
pub struct OverlayTree<'a> {
    /// The tree read for every path not in `files`.
    pub base: &'a dyn Tree,
    /// In-memory files by absolute path; their parent directories must exist in `base`.
    pub files: BTreeMap<PathBuf, String>,
    /// In-memory byte contents by absolute path, shadowing `files` and `base` (the plaintext of
    /// SOPS-decrypted sources: held by a type that zeroes it on drop, never written anywhere).
    pub blobs: BTreeMap<PathBuf, Blob>,
    /// When set, reading a path outside this (real, absolute) directory, or a symlink that
    /// resolves outside it, is an error.
    pub root: Option<PathBuf>,
}

impl<'a> OverlayTree<'a> {
    /// An overlay with no files of its own.
    pub fn new(base: &'a dyn Tree) -> Self {
        OverlayTree {
            base,
            files: BTreeMap::new(),
            blobs: BTreeMap::new(),
            root: None,
        }
    }

    /// An overlay that refuses everything outside `root`.
    pub fn confined(base: &'a dyn Tree, root: PathBuf) -> Self {
        OverlayTree {
            root: Some(root),
            ..OverlayTree::new(base)
        }
    }

    fn check(&self, path: &Path) -> io::Result<()> {
        match &self.root {
            Some(root) if !path.starts_with(root) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "outside the source root (Flux reads only files of the source artifact)",
            )),
            _ => Ok(()),
        }
    }

    fn in_memory(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.blobs.contains_key(path)
    }
}

impl Tree for OverlayTree<'_> {
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        if self.in_memory(path) {
            return Some(EntryKind::File);
        }
        // Paths outside the root still report their kind, so that reading them fails with
        // "outside the source root" rather than "not found".
        self.base.kind(path)
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        if let Some(blob) = self.blobs.get(path) {
            return std::str::from_utf8((**blob).as_ref())
                .map(str::to_owned)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
        }
        match self.files.get(path) {
            Some(text) => Ok(text.clone()),
            None => {
                self.check(path)?;
                self.check(&self.base.real_path(path)?)?;
                self.base.read_to_string(path)
            }
        }
    }

    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        if let Some(blob) = self.blobs.get(path) {
            return Ok((**blob).as_ref().to_vec());
        }
        match self.files.get(path) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => {
                self.check(path)?;
                self.check(&self.base.real_path(path)?)?;
                self.base.read_bytes(path)
            }
        }
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        self.check(path)?;
        let real = if self.in_memory(path) {
            // An in-memory file: its directory's real path plus its name.
            let parent = path.parent().unwrap_or(Path::new("/"));
            let name = path.file_name().unwrap_or_default();
            self.base.real_path(parent)?.join(name)
        } else {
            self.base.real_path(path)?
        };
        self.check(&real)?;
        Ok(real)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, EntryKind)>> {
        self.check(path)?;
        let mut entries = self.base.read_dir(path)?;
        for file in self.files.keys().chain(self.blobs.keys()) {
            if file.parent() == Some(path)
                && let Some(name) = file.file_name().and_then(|n| n.to_str())
                && !entries.iter().any(|(n, _)| n == name)
            {
                entries.push((name.to_owned(), EntryKind::File));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DiskTree;

    #[test]
    fn overlay_shadows_and_adds_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.yaml"), "disk").unwrap();
        let mut tree = OverlayTree::new(&DiskTree);
        tree.files.insert(root.join("a.yaml"), "memory".into());
        tree.files.insert(root.join("k.yaml"), "new".into());
        assert_eq!(tree.read_to_string(&root.join("a.yaml")).unwrap(), "memory");
        std::fs::write(root.join("b.bin"), "cipher").unwrap();
        let blob: Blob = std::sync::Arc::new(vec![0xff_u8, 0]);
        tree.blobs.insert(root.join("b.bin"), blob);
        assert_eq!(tree.read_bytes(&root.join("b.bin")).unwrap(), [0xff, 0]);
        let err = tree.read_to_string(&root.join("b.bin")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(tree.kind(&root.join("k.yaml")), Some(EntryKind::File));
        let names: Vec<_> = tree
            .read_dir(&root)
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(names, ["a.yaml", "b.bin", "k.yaml"]);
        // Nothing was written.
        assert!(!root.join("k.yaml").exists());
        assert_eq!(
            std::fs::read_to_string(root.join("a.yaml")).unwrap(),
            "disk"
        );
    }

    #[test]
    fn confined_overlay_refuses_paths_and_symlinks_outside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().canonicalize().unwrap();
        std::fs::create_dir(top.join("repo")).unwrap();
        std::fs::write(top.join("secret.yaml"), "x").unwrap();
        std::fs::write(top.join("repo/in.yaml"), "y").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(top.join("secret.yaml"), top.join("repo/link.yaml")).unwrap();
        let tree = OverlayTree::confined(&DiskTree, top.join("repo"));
        assert_eq!(tree.read_to_string(&top.join("repo/in.yaml")).unwrap(), "y");
        let err = tree.read_to_string(&top.join("secret.yaml")).unwrap_err();
        assert!(err.to_string().contains("outside the source root"), "{err}");
        #[cfg(unix)]
        assert!(tree.read_to_string(&top.join("repo/link.yaml")).is_err());
    }
}
