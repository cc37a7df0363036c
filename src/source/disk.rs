//! The work tree on disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{EntryKind, Tree, utf8};

/// Files read straight from the local filesystem.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskTree;

impl Tree for DiskTree {
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        let meta = fs::metadata(path).ok()?;
        if meta.is_dir() {
            Some(EntryKind::Dir)
        } else if meta.is_file() {
            Some(EntryKind::File)
        } else {
            None
        }
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = fs::read(path)?;
        utf8(bytes)
    }

    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        fs::canonicalize(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, EntryKind)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(path)? {
            let entry = entry?;
            let ty = entry.file_type()?;
            let kind = if ty.is_dir() {
                EntryKind::Dir
            } else if ty.is_file() {
                EntryKind::File
            } else {
                continue;
            };
            // Names that are not UTF-8 cannot be referenced from YAML; skip them.
            if let Ok(name) = entry.file_name().into_string() {
                out.push((name, kind));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}
