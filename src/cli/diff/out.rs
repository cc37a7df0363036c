//! `--out DIR`: the full diff as files, for a CI artifact: `<cluster>.diff` per changed cluster
//! (every object's unified diff, never truncated), `diff.md` (markdown without the comment
//! limit) and `diff.json`.

use std::path::Path;

use super::sides::Labels;
use super::text;
use crate::diagnostic::Diagnostic;
use crate::diff::FleetDiff;

/// Writes the diff files into `dir` (created when missing).
pub fn write(dir: &Path, diff: &FleetDiff, labels: &Labels) -> Result<(), Diagnostic> {
    let io = |p: &Path, e: std::io::Error| {
        Diagnostic::new(format!("cannot write '{}': {e}", p.display()))
    };
    let put = |name: &str, text: &str| -> Result<(), Diagnostic> {
        let file = dir.join(name);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&file, text).map_err(|e| io(&file, e))
    };
    for c in diff.changed_clusters() {
        let one = FleetDiff {
            clusters: vec![c.clone()],
            ..FleetDiff::default()
        };
        put(
            &format!("{}.diff", c.name),
            &text::render(&one, labels, false, false),
        )?;
    }
    put(
        "diff.md",
        &super::markdown::render(diff, labels, usize::MAX, Some(dir)),
    )?;
    put("diff.json", &super::json::render(diff, labels))?;
    Ok(())
}
