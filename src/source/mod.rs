//! Read-only views of a source tree: the directories and files a build reads.

pub mod disk;
pub mod git;
pub mod overlay;
pub mod path;
pub mod record;

use std::io;
use std::path::{Path, PathBuf};

pub use disk::DiskTree;
pub use git::GitTree;
pub use overlay::{Blob, OverlayTree};

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// A read-only tree of files. Paths are absolute and already normalised by the caller.
pub trait Tree: Sync {
    /// What `path` names, following symlinks; `None` when nothing is there.
    fn kind(&self, path: &Path) -> Option<EntryKind>;
    /// The file's bytes as UTF-8 text.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// The file's raw bytes (generators keep non-UTF-8 content as binary data). Trees that only
    /// hold text can rely on the default, which reads the text.
    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read_to_string(path).map(String::into_bytes)
    }
    /// The path with symlinks resolved (kustomize compares real paths for load restrictions).
    fn real_path(&self, path: &Path) -> io::Result<PathBuf>;
    /// The entries of a directory (name and kind), sorted by name. Symlinks and other special
    /// files are left out, as Flux's source artifacts never hold them. Trees that cannot list
    /// directories keep the default, which says so.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, EntryKind)>> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("cannot list '{}' in this tree", path.display()),
        ))
    }
    /// The fingerprint of this tree's answer to `probe` when the tree remembers it (a
    /// [`record::RecordingTree`] does), so that checking a cached build's inputs does not read
    /// a file again. Trees that remember nothing keep the default.
    fn recorded(&self, _probe: &record::Probe) -> Option<record::Fingerprint> {
        None
    }
}

/// Bytes as UTF-8 text, or an `InvalidData` error naming the first bad byte.
pub fn utf8(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Deepest directory nesting [`collect_files`] descends into.
pub const MAX_WALK_DEPTH: usize = 64;

/// The files under `dir`, in name order, descending into the directories and keeping the files
/// that `keep(name, kind)` accepts (up to [`MAX_WALK_DEPTH`] levels; unreadable directories are
/// skipped).
pub fn collect_files(
    tree: &dyn Tree,
    dir: &Path,
    keep: &dyn Fn(&str, EntryKind) -> bool,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(tree, dir, keep, &mut out, 0);
    out
}

fn walk(
    tree: &dyn Tree,
    dir: &Path,
    keep: &dyn Fn(&str, EntryKind) -> bool,
    out: &mut Vec<PathBuf>,
    depth: usize,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let Ok(entries) = tree.read_dir(dir) else {
        return;
    };
    for (name, kind) in entries {
        if !keep(&name, kind) {
            continue;
        }
        let path = dir.join(&name);
        match kind {
            EntryKind::Dir => walk(tree, &path, keep, out, depth + 1),
            EntryKind::File => out.push(path),
        }
    }
}
