//! A git revision read straight from the object database (gix): no checkout, no temporary
//! clone. Paths below the repository's work directory map to the revision's tree entries;
//! symlinks inside the tree resolve like the disk tree's, and a symlink that leaves the tree is
//! an error. Paths outside the work directory (sources mapped with `--source`) read the disk.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use gix::ObjectId;
use gix::object::tree::EntryKind as GitKind;

use super::{DiskTree, EntryKind, Tree, utf8};

/// Most symlinks followed while resolving one path (Linux's `MAXSYMLINKS`).
const MAX_SYMLINK_HOPS: usize = 40;

/// One revision of a git repository as a [`Tree`] rooted at the repository's work directory.
pub struct GitTree {
    repo: gix::ThreadSafeRepository,
    root: PathBuf,
    tree: ObjectId,
    rev: String,
    /// Decoded trees by id (read-through cache shared by all threads).
    trees: Mutex<HashMap<ObjectId, Arc<Vec<GitEntry>>>>,
    /// Blob contents by id.
    blobs: Mutex<HashMap<ObjectId, Arc<[u8]>>>,
    /// Thread-local repository handles, reused across calls.
    handles: Mutex<Vec<gix::Repository>>,
}

#[derive(Clone, Debug)]
struct GitEntry {
    name: String,
    kind: GitKind,
    id: ObjectId,
}

/// What a path resolved to.
enum Found {
    Dir(ObjectId),
    File(ObjectId),
}

fn git_error(what: impl std::fmt::Display) -> io::Error {
    io::Error::other(what.to_string())
}

impl GitTree {
    /// Opens the repository containing `dir` (searching upwards, as git does) and resolves
    /// `rev` (any rev-spec: branch, tag, sha, `HEAD~1`, `origin/main`) to its tree.
    pub fn open(dir: &Path, rev: &str) -> Result<GitTree, String> {
        let repo = gix::discover(dir)
            .map_err(|e| format!("'{}' is not in a git repository: {e}", dir.display()))?;
        let top = repo
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| repo.git_dir().to_path_buf());
        let root = std::fs::canonicalize(&top)
            .map_err(|e| format!("cannot open '{}': {e}", top.display()))?;
        let tree = repo
            .rev_parse_single(rev)
            .map_err(|e| format!("cannot resolve revision '{rev}': {e}"))?
            .object()
            .and_then(|o| o.peel_to_tree())
            .map_err(|e| format!("revision '{rev}' has no tree: {e}"))?
            .id;
        Ok(GitTree {
            repo: repo.into_sync(),
            root,
            tree,
            rev: rev.to_owned(),
            trees: Mutex::default(),
            blobs: Mutex::default(),
            handles: Mutex::default(),
        })
    }

    /// The work directory (real, absolute): the path the revision's root tree stands for.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The id of the revision's root tree: equal ids mean identical contents.
    pub fn tree_id(&self) -> String {
        self.tree.to_string()
    }

    /// The rev-spec this tree was opened with.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    fn with_repo<T>(&self, f: impl FnOnce(&gix::Repository) -> T) -> T {
        let pooled = self.handles.lock().ok().and_then(|mut h| h.pop());
        let repo = pooled.unwrap_or_else(|| self.repo.to_thread_local());
        let out = f(&repo);
        if let Ok(mut h) = self.handles.lock() {
            h.push(repo);
        }
        out
    }

    fn entries(&self, id: ObjectId) -> io::Result<Arc<Vec<GitEntry>>> {
        if let Some(e) = self.trees.lock().ok().and_then(|t| t.get(&id).cloned()) {
            return Ok(e);
        }
        let entries = self.with_repo(|repo| -> io::Result<Vec<GitEntry>> {
            let tree = repo.find_tree(id).map_err(git_error)?;
            let decoded = tree.decode().map_err(git_error)?;
            Ok(decoded
                .entries
                .iter()
                .filter_map(|e| {
                    // Names that are not UTF-8 cannot be referenced from YAML; skip them.
                    let name = std::str::from_utf8(e.filename).ok()?;
                    Some(GitEntry {
                        name: name.to_owned(),
                        kind: e.mode.kind(),
                        id: e.oid.to_owned(),
                    })
                })
                .collect())
        })?;
        let entries = Arc::new(entries);
        if let Ok(mut t) = self.trees.lock() {
            t.insert(id, entries.clone());
        }
        Ok(entries)
    }

    fn blob(&self, id: ObjectId) -> io::Result<Arc<[u8]>> {
        if let Some(b) = self.blobs.lock().ok().and_then(|b| b.get(&id).cloned()) {
            return Ok(b);
        }
        let data: Arc<[u8]> = self.with_repo(|repo| -> io::Result<Arc<[u8]>> {
            let mut blob = repo.find_blob(id).map_err(git_error)?;
            Ok(std::mem::take(&mut blob.data).into())
        })?;
        if let Ok(mut b) = self.blobs.lock() {
            b.insert(id, data.clone());
        }
        Ok(data)
    }

    /// Resolves `path` (absolute, below the root) to a directory or file, following symlinks.
    /// Returns the resolved components below the root.
    fn resolve(&self, path: &Path) -> io::Result<(Vec<String>, Found)> {
        let rel = path
            .strip_prefix(&self.root)
            .map_err(|_| io::Error::new(io::ErrorKind::NotFound, "outside the git repository"))?;
        let mut pending: Vec<String> = components(rel).into_iter().rev().collect();
        let mut done: Vec<String> = Vec::new();
        let mut dirs: Vec<ObjectId> = vec![self.tree];
        let mut hops = 0;
        let not_found = || io::Error::new(io::ErrorKind::NotFound, "no such file or directory");
        while let Some(name) = pending.pop() {
            match name.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Err(leaves_tree());
                    }
                    dirs.pop();
                    continue;
                }
                _ => {}
            }
            let current = *dirs.last().ok_or_else(leaves_tree)?;
            let entries = self.entries(current)?;
            let entry = entries
                .iter()
                .find(|e| e.name == name)
                .ok_or_else(not_found)?;
            match entry.kind {
                GitKind::Tree => {
                    done.push(name);
                    dirs.push(entry.id);
                }
                GitKind::Blob | GitKind::BlobExecutable if pending.is_empty() => {
                    done.push(name);
                    return Ok((done, Found::File(entry.id)));
                }
                GitKind::Link => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(io::Error::other("too many levels of symbolic links"));
                    }
                    let target = self.blob(entry.id)?;
                    let target = std::str::from_utf8(&target)
                        .map_err(|_| io::Error::other("symlink target is not UTF-8"))?;
                    let target = Path::new(target);
                    let rest = if target.is_absolute() {
                        // An absolute target must point back into the work directory.
                        let inside = target.strip_prefix(&self.root).map_err(|_| leaves_tree())?;
                        done.clear();
                        dirs.truncate(1);
                        components(inside)
                    } else {
                        components(target)
                    };
                    pending.extend(rest.into_iter().rev());
                }
                _ => return Err(not_found()),
            }
        }
        let dir = *dirs.last().ok_or_else(leaves_tree)?;
        Ok((done, Found::Dir(dir)))
    }

    fn outside(&self, path: &Path) -> bool {
        !path.starts_with(&self.root)
    }

    /// The files (absolute paths) whose contents differ between this revision and `other`
    /// (added, removed or changed), found by walking both trees and skipping equal subtrees.
    pub fn changed_files(&self, other: &GitTree) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        self.walk_diff(
            other,
            Some(self.tree),
            Some(other.tree),
            &self.root,
            &mut out,
        )?;
        out.sort();
        Ok(out)
    }

    fn walk_diff(
        &self,
        other: &GitTree,
        a: Option<ObjectId>,
        b: Option<ObjectId>,
        dir: &Path,
        out: &mut Vec<PathBuf>,
    ) -> io::Result<()> {
        if a == b {
            return Ok(());
        }
        let left = match a {
            Some(id) => self.entries(id)?,
            None => Arc::default(),
        };
        let right = match b {
            Some(id) => other.entries(id)?,
            None => Arc::default(),
        };
        let mut names: Vec<&str> = left
            .iter()
            .chain(right.iter())
            .map(|e| e.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let l = left.iter().find(|e| e.name == name);
            let r = right.iter().find(|e| e.name == name);
            if let (Some(l), Some(r)) = (l, r)
                && l.id == r.id
                && l.kind == r.kind
            {
                continue;
            }
            let tree_of =
                |e: Option<&GitEntry>| e.filter(|e| e.kind == GitKind::Tree).map(|e| e.id);
            let (lt, rt) = (tree_of(l), tree_of(r));
            let path = dir.join(name);
            if lt.is_some() || rt.is_some() {
                self.walk_diff(other, lt, rt, &path, out)?;
            }
            let blob = |e: Option<&GitEntry>| e.is_some_and(|e| e.kind != GitKind::Tree);
            if blob(l) || blob(r) {
                out.push(path);
            }
        }
        Ok(())
    }
}

fn leaves_tree() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "symlink leaves the repository",
    )
}

fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect()
}

impl Tree for GitTree {
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        if self.outside(path) {
            return DiskTree.kind(path);
        }
        match self.resolve(path).ok()?.1 {
            Found::Dir(_) => Some(EntryKind::Dir),
            Found::File(_) => Some(EntryKind::File),
        }
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = self.read_bytes(path)?;
        utf8(bytes)
    }

    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.outside(path) {
            return DiskTree.read_bytes(path);
        }
        match self.resolve(path)?.1 {
            Found::File(id) => Ok(self.blob(id)?.to_vec()),
            Found::Dir(_) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
        }
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        if self.outside(path) {
            return DiskTree.real_path(path);
        }
        let (parts, _) = self.resolve(path)?;
        Ok(parts.iter().fold(self.root.clone(), |p, c| p.join(c)))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, EntryKind)>> {
        if self.outside(path) {
            return DiskTree.read_dir(path);
        }
        let Found::Dir(id) = self.resolve(path)?.1 else {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        };
        // Symlinks and submodules are left out, as the disk tree leaves them out.
        let mut out: Vec<(String, EntryKind)> = self
            .entries(id)?
            .iter()
            .filter_map(|e| match e.kind {
                GitKind::Tree => Some((e.name.clone(), EntryKind::Dir)),
                GitKind::Blob | GitKind::BlobExecutable => Some((e.name.clone(), EntryKind::File)),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }

    /// A repository with files, a directory, symlinks inside and outside the tree, two commits.
    fn repo() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("r");
        std::fs::create_dir_all(root.join("base/sub")).unwrap();
        std::fs::write(root.join("base/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(root.join("base/sub/b.yaml"), "b: 1\n").unwrap();
        std::fs::write(root.join("top.yaml"), "top\n").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("base", root.join("link-dir")).unwrap();
            std::os::unix::fs::symlink("../top.yaml", root.join("base/up.yaml")).unwrap();
            std::os::unix::fs::symlink("../../outside", root.join("base/out.yaml")).unwrap();
        }
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "one"]);
        std::fs::write(root.join("base/sub/b.yaml"), "b: 2\n").unwrap();
        std::fs::write(root.join("new.yaml"), "n\n").unwrap();
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "two"]);
        // The work tree moves on; the revisions do not.
        std::fs::write(root.join("top.yaml"), "changed on disk\n").unwrap();
        (dir, root)
    }

    #[test]
    fn reads_a_revision_without_a_checkout() {
        let (_dir, root) = repo();
        let one = GitTree::open(&root.join("base"), "HEAD~1").unwrap();
        assert_eq!(one.root(), root);
        assert_eq!(
            one.read_to_string(&root.join("base/sub/b.yaml")).unwrap(),
            "b: 1\n"
        );
        assert_eq!(one.read_to_string(&root.join("top.yaml")).unwrap(), "top\n");
        assert_eq!(one.kind(&root.join("base/sub")), Some(EntryKind::Dir));
        assert_eq!(one.kind(&root.join("new.yaml")), None);
        let err = one.read_to_string(&root.join("new.yaml")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let two = GitTree::open(&root, "main").unwrap();
        assert_eq!(
            two.read_to_string(&root.join("base/sub/b.yaml")).unwrap(),
            "b: 2\n"
        );
        assert_ne!(one.tree_id(), two.tree_id());
        assert_eq!(
            one.changed_files(&two).unwrap(),
            [root.join("base/sub/b.yaml"), root.join("new.yaml")]
        );
        let names: Vec<String> = two
            .read_dir(&root.join("base"))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // Symlinks are left out of listings, as on disk.
        assert_eq!(names, ["a.yaml", "sub"]);
        assert!(GitTree::open(&root, "no-such-branch").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_resolve_inside_the_tree_only() {
        let (_dir, root) = repo();
        let t = GitTree::open(&root, "HEAD").unwrap();
        assert_eq!(
            t.read_to_string(&root.join("link-dir/a.yaml")).unwrap(),
            "a: 1\n"
        );
        assert_eq!(
            t.real_path(&root.join("link-dir/a.yaml")).unwrap(),
            root.join("base/a.yaml")
        );
        assert_eq!(
            t.read_to_string(&root.join("base/up.yaml")).unwrap(),
            "top\n"
        );
        let err = t.read_to_string(&root.join("base/out.yaml")).unwrap_err();
        assert!(err.to_string().contains("leaves the repository"), "{err}");
        assert_eq!(t.kind(&root.join("link-dir")), Some(EntryKind::Dir));
    }

    #[test]
    fn is_shared_across_threads() {
        let (_dir, root) = repo();
        let t = GitTree::open(&root, "HEAD").unwrap();
        let texts: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| t.read_to_string(&root.join("base/a.yaml")).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(texts.iter().all(|x| x == "a: 1\n"));
    }
}
