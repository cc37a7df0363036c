//! A tree that remembers what was asked of it and a fingerprint of each answer: the inputs of a
//! build, so that a cached result can be reused on another tree that answers the same (the two
//! sides of a diff), and the files a render read (the changed sources of a diff).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{EntryKind, Tree, utf8};

/// One question asked of a tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Probe {
    /// [`Tree::kind`].
    Kind(PathBuf),
    /// [`Tree::read_to_string`] or [`Tree::read_bytes`] (both see the same bytes).
    Read(PathBuf),
    /// [`Tree::real_path`].
    RealPath(PathBuf),
    /// [`Tree::read_dir`].
    ReadDir(PathBuf),
}

/// A digest of an answer (file contents are hashed with SHA-256, so equal digests mean equal
/// contents for all practical purposes).
pub type Fingerprint = [u8; 16];

/// What a tree answered, probe by probe.
pub type Probes = HashMap<Probe, Fingerprint>;

/// Wraps a tree and records every probe with a fingerprint of its answer.
pub struct RecordingTree<'a> {
    inner: &'a dyn Tree,
    seen: Mutex<Probes>,
}

impl<'a> RecordingTree<'a> {
    /// Records the probes answered by `inner`.
    pub fn new(inner: &'a dyn Tree) -> Self {
        RecordingTree {
            inner,
            seen: Mutex::default(),
        }
    }

    /// The probes recorded so far.
    pub fn probes(&self) -> Probes {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The files read so far with the fingerprints of their contents.
    pub fn reads(&self) -> Vec<(PathBuf, Fingerprint)> {
        let seen = self.seen.lock();
        let mut out: Vec<(PathBuf, Fingerprint)> = seen
            .iter()
            .flat_map(|s| s.iter())
            .filter_map(|(p, f)| match p {
                Probe::Read(path) => Some((path.clone(), *f)),
                _ => None,
            })
            .collect();
        out.sort();
        out
    }

    fn note(&self, probe: Probe, answer: Fingerprint) {
        if let Ok(mut s) = self.seen.lock() {
            s.insert(probe, answer);
        }
    }
}

/// Asks `tree` the question `probe` and fingerprints the answer (the remembered one when the
/// tree recorded it).
pub fn answer(tree: &dyn Tree, probe: &Probe) -> Fingerprint {
    if let Some(f) = tree.recorded(probe) {
        return f;
    }
    match probe {
        Probe::Kind(p) => digest_debug(&tree.kind(p)),
        Probe::Read(p) => read_fingerprint(&tree.read_bytes(p)),
        Probe::RealPath(p) => digest_debug(&tree.real_path(p).map_err(|e| e.kind())),
        Probe::ReadDir(p) => digest_debug(&tree.read_dir(p).map_err(|e| e.kind())),
    }
}

/// Whether `tree` answers every recorded probe as recorded.
pub fn answers_alike(tree: &dyn Tree, probes: &Probes) -> bool {
    probes.iter().all(|(p, f)| answer(tree, p) == *f)
}

fn read_fingerprint(result: &io::Result<Vec<u8>>) -> Fingerprint {
    match result {
        Ok(bytes) => {
            let mut h = Sha256::new();
            h.update(b"ok\0");
            h.update(bytes);
            let d = h.finalize();
            let mut out = [0u8; 16];
            out.copy_from_slice(&d[..16]);
            out
        }
        Err(e) => digest_debug(&e.kind()),
    }
}

fn digest_debug(value: &impl std::fmt::Debug) -> Fingerprint {
    let text = format!("{value:?}");
    let mut h = Sha256::new();
    h.update(b"meta\0");
    h.update(text.as_bytes());
    let d = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

impl Tree for RecordingTree<'_> {
    fn recorded(&self, probe: &Probe) -> Option<Fingerprint> {
        self.seen.lock().ok()?.get(probe).copied()
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        let kind = self.inner.kind(path);
        self.note(Probe::Kind(path.to_owned()), digest_debug(&kind));
        kind
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = self.read_bytes(path)?;
        utf8(bytes)
    }

    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        let result = self.inner.read_bytes(path);
        self.note(Probe::Read(path.to_owned()), read_fingerprint(&result));
        result
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        let result = self.inner.real_path(path);
        let fp = digest_debug(&result.as_ref().map_err(|e| e.kind()));
        self.note(Probe::RealPath(path.to_owned()), fp);
        result
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, EntryKind)>> {
        let result = self.inner.read_dir(path);
        let fp = digest_debug(&result.as_ref().map_err(|e| e.kind()));
        self.note(Probe::ReadDir(path.to_owned()), fp);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DiskTree;

    #[test]
    fn records_answers_and_checks_another_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.yaml"), "one").unwrap();
        let rec = RecordingTree::new(&DiskTree);
        assert_eq!(rec.read_to_string(&root.join("a.yaml")).unwrap(), "one");
        assert_eq!(rec.kind(&root.join("b.yaml")), None);
        let probes = rec.probes();
        assert_eq!(probes.len(), 2);
        assert!(answers_alike(&DiskTree, &probes));
        std::fs::write(root.join("b.yaml"), "new").unwrap();
        assert!(!answers_alike(&DiskTree, &probes));
        std::fs::remove_file(root.join("b.yaml")).unwrap();
        std::fs::write(root.join("a.yaml"), "two").unwrap();
        assert!(!answers_alike(&DiskTree, &probes));
        assert_eq!(rec.reads().len(), 1);
        // The recording tree answers from memory: what it read is what it remembers.
        std::fs::write(root.join("a.yaml"), "one").unwrap();
        let again = RecordingTree::new(&DiskTree);
        again.read_bytes(&root.join("a.yaml")).unwrap();
        std::fs::write(root.join("a.yaml"), "three").unwrap();
        assert!(answers_alike(&again, &again.probes()));
        assert!(!answers_alike(&DiskTree, &again.probes()));
    }
}
