//! Errors as data: what went wrong, where (file, line, column), and how to fix it.

use std::fmt;
use std::path::PathBuf;

use crate::yaml::{Pos, YamlError};

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file (absolute, as read).
    pub file: PathBuf,
    /// Line and column; `Pos::NONE` for the file as a whole.
    pub pos: Pos,
}

/// A user-facing error with its location, a hint, and the chain of inclusions that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// How to fix it, when we know.
    pub hint: Option<String>,
    /// Outermost-last notes saying how the build reached the location ("in base/ from ...").
    pub trail: Vec<(String, Option<Location>)>,
    /// The located file may hold secret values: reports never quote its text.
    pub sensitive: bool,
    /// The kind of problem, for tools that classify diagnostics (`fleetcheck check` maps
    /// these to rule ids), when one is set.
    pub code: Option<Code>,
}

/// Kinds of problems that later stages classify (one byte, so diagnostics stay small).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// A Flux `dependsOn` names no Kustomization of the cluster.
    FluxMissingDependency,
    /// Flux Kustomizations wait on each other through `dependsOn`.
    FluxDependencyCycle,
    /// A Flux Kustomization is applied by two parents.
    FluxKustomizationAppliedTwice,
}

impl Diagnostic {
    /// A diagnostic without a location.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: None,
            hint: None,
            trail: Vec::new(),
            sensitive: false,
            code: None,
        }
    }

    /// A diagnostic at a position of a file.
    pub fn at(message: impl Into<String>, file: impl Into<PathBuf>, pos: Pos) -> Self {
        Diagnostic {
            location: Some(Location {
                file: file.into(),
                pos,
            }),
            ..Diagnostic::new(message)
        }
    }

    /// Marks the located file as holding secret values, so no report quotes its text.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Names the kind of problem (see [`Diagnostic::code`]).
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds an outer step of the inclusion trail.
    pub fn within(mut self, note: impl Into<String>, location: Option<Location>) -> Self {
        self.trail.push((note.into(), location));
        self
    }

    /// `file:line:col: message` with the file relative to `root` (for output that must not
    /// hold absolute paths).
    pub fn relative_message(&self, root: &std::path::Path) -> String {
        use crate::source::path::display_relative;
        match &self.location {
            Some(loc) if loc.pos.line > 0 => format!(
                "{}:{}:{}: {}",
                display_relative(&loc.file, root),
                loc.pos.line,
                loc.pos.col,
                self.message
            ),
            Some(loc) => format!("{}: {}", display_relative(&loc.file, root), self.message),
            None => self.message.clone(),
        }
    }

    /// Converts a YAML error in `file`.
    pub fn from_yaml(err: YamlError, file: impl Into<PathBuf>) -> Self {
        let d = Diagnostic::at(err.message, file, err.pos);
        match err.hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            if loc.pos.line > 0 {
                write!(
                    f,
                    "{}:{}:{}: ",
                    loc.file.display(),
                    loc.pos.line,
                    loc.pos.col
                )?;
            } else {
                write!(f, "{}: ", loc.file.display())?;
            }
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}
