//! Errors loading schemas: an unknown Kubernetes version, a CRD or schema file that cannot be read.

use std::fmt;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::yaml::Pos;

/// Why schemas could not be loaded: what is wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file, when the schema came from one.
    pub file: Option<PathBuf>,
    /// Where in the file or node (`Pos::NONE` when unknown).
    pub pos: Pos,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl SchemaError {
    /// An error without a location.
    pub fn new(message: impl Into<String>) -> SchemaError {
        SchemaError::at(message, Pos::NONE)
    }

    /// An error at a position of the node being read.
    pub fn at(message: impl Into<String>, pos: Pos) -> SchemaError {
        SchemaError {
            message: message.into(),
            file: None,
            pos,
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> SchemaError {
        self.hint = Some(hint.into());
        self
    }

    /// Names the file the error is in (kept if already set).
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> SchemaError {
        self.file.get_or_insert_with(|| file.into());
        self
    }

    /// Prefixes the message with what was being read ("CRD foo.example.com: ...").
    pub fn context(mut self, what: impl fmt::Display) -> SchemaError {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if self.pos != Pos::NONE {
                write!(f, ":{}:{}", self.pos.line, self.pos.col)?;
            }
            write!(f, ": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for SchemaError {}

impl From<SchemaError> for Diagnostic {
    fn from(e: SchemaError) -> Diagnostic {
        let d = match e.file {
            Some(file) => Diagnostic::at(e.message, file, e.pos),
            None => Diagnostic::new(e.message),
        };
        match e.hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }
}
