//! Lexical path handling: joining and cleaning without touching the filesystem.

use std::path::{Component, Path, PathBuf};

/// Joins `rel` onto `base` and removes `.` and `..` lexically, as Go's `filepath.Join` does.
pub fn join_clean(base: &Path, rel: &str) -> PathBuf {
    clean(&base.join(rel))
}

/// Removes `.` and `..` components lexically (`..` at the root stays at the root).
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_root = out.has_root() && out.parent().is_none();
                let ends_in_parent = out.ends_with("..") || out.as_os_str().is_empty();
                if ends_in_parent {
                    out.push("..");
                } else if !at_root {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `base` when it lies inside it, else `path` itself.
pub fn display_relative(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_cleans() {
        assert_eq!(
            join_clean(Path::new("/a/b"), "../c/./d"),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(join_clean(Path::new("/a"), "../../x"), PathBuf::from("/x"));
        assert_eq!(
            display_relative(Path::new("/a/b/c"), Path::new("/a")),
            "b/c"
        );
        assert_eq!(display_relative(Path::new("/z"), Path::new("/a")), "/z");
    }
}
