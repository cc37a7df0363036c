//! Printing findings: text (miette diagnostics grouped per cluster), JSON, SARIF 2.1.0, JUnit.

pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use std::path::Path;

use super::finding::Finding;
use super::rule::Severity;
use crate::source::path::display_relative;

/// Everything a report shows.
#[derive(Clone, Copy, Debug)]
pub struct CheckReport<'a> {
    /// The repository root (locations are printed relative to it, except in text).
    pub root: &'a Path,
    /// Every checked cluster's name, sorted.
    pub clusters: &'a [String],
    /// The findings left after suppression, sorted.
    pub findings: &'a [Finding],
    /// How many findings suppressions removed.
    pub suppressed: usize,
    /// The lowest severity that fails the run.
    pub fail_on: Severity,
}

impl CheckReport<'_> {
    /// Whether the run fails: a finding at or above `fail_on`.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.severity >= self.fail_on)
    }

    /// Counts per severity: errors, warnings, infos.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s| self.findings.iter().filter(|f| f.severity == s).count();
        (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
    }
}

/// A finding's file relative to the repository, with `/` separators (absolute for a file of
/// another source, mapped with `--source`), and its line and column (1 when unknown), when it
/// has a file (not the repository itself).
pub fn relative_location(f: &Finding, root: &Path) -> Option<(String, u32, u32)> {
    let loc = f.location.as_ref()?;
    let file = display_relative(&loc.file, root).replace('\\', "/");
    if file == "." {
        return None;
    }
    Some((file, loc.pos.line.max(1), loc.pos.col.max(1)))
}
