//! Flux's envsubst dialect (fluxcd/pkg `envsubst`, a fork of drone/envsubst), as the
//! kustomize-controller runs it over each rendered object in `postBuild`.
//!
//! The dialect, in short (see `spec/kustomize-flux.md` §10.6):
//! - only `${…}` expands; a bare `$VAR` is literal text;
//! - `$$` is an escape for `$` anywhere in plain text (`$${X}` gives `${X}`), and inside the
//!   pattern and replacement of `${v/p/r}`, where `\/` and `\\` escape too;
//! - names are runs of letters, digits and `_`;
//! - operators: `${#v}` (length in bytes), `${v^}` `${v^^}` `${v,}` `${v,,}` (case),
//!   `${v:off}` `${v:off:len}` (bytes; negatives count from the end), `${v#p}` `${v##p}`
//!   `${v%p}` `${v%%p}` (glob trims), `${v/p/r}` `${v//p/r}` `${v/#p/r}` `${v/%p/r}`
//!   (literal replacements), and `${v=d}` `${v:=d}` `${v:-d}` `${v:?d}` `${v:+d}`, which all
//!   mean "`d` when the value is empty" (no assignment, no error, no bash `+` semantics);
//! - `${v-d}` is *not* supported (error `missing closing brace`);
//! - strict mode: an unset variable is an error, except under the default operators;
//!   otherwise an unset variable reads as empty.

mod eval;
mod glob;
pub mod parse;
mod scan;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

use std::fmt;

pub use parse::{FuncNode, GoShape, Node, parse};

/// What went wrong, with Flux's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `bad substitution`.
    BadSubstitution,
    /// `missing closing brace`.
    MissingClosingBrace,
    /// `unable to parse variable name`.
    ParseVariableName,
    /// `unable to parse substitution within function`.
    ParseFuncSubstitution,
    /// `unable to parse default function`.
    ParseDefaultFunction,
    /// `variable not set (strict mode): "NAME"`.
    VariableNotSet(String),
    /// Nesting of `${…}` beyond [`parse::MAX_NESTING`] (a fleetcheck limit; Go has none).
    TooDeep,
    /// A byte-wise operator split a multi-byte character (Go would carry the invalid UTF-8
    /// on, and the YAML parser after it would reject the text).
    InvalidUtf8,
}

/// A substitution failure: the message and the byte offset in the input of the `${`
/// expression at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvsubstError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset of the `$` of the offending `${` in the input.
    pub offset: usize,
}

impl EnvsubstError {
    fn new(kind: ErrorKind, offset: usize) -> EnvsubstError {
        EnvsubstError { kind, offset }
    }

    /// The message, in Flux's words.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::BadSubstitution => "bad substitution".into(),
            ErrorKind::MissingClosingBrace => "missing closing brace".into(),
            ErrorKind::ParseVariableName => "unable to parse variable name".into(),
            ErrorKind::ParseFuncSubstitution => {
                "unable to parse substitution within function".into()
            }
            ErrorKind::ParseDefaultFunction => "unable to parse default function".into(),
            ErrorKind::VariableNotSet(name) => {
                format!("variable not set (strict mode): {name:?}")
            }
            ErrorKind::TooDeep => {
                format!("substitutions nested more than {} deep", parse::MAX_NESTING)
            }
            ErrorKind::InvalidUtf8 => {
                "substitution produced invalid UTF-8 (a byte offset split a character)".into()
            }
        }
    }

    /// The variable an error is about (strict mode), if any.
    pub fn variable(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::VariableNotSet(name) => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for EnvsubstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for EnvsubstError {}

/// Expands `input` as Flux's `envsubst.Eval` does, looking variables up with `vars`.
///
/// With `strict`, a variable `vars` does not know is an error (except under a default
/// operator); without, it reads as the empty string (Flux's non-strict lookup reports every
/// variable as set).
pub fn substitute(
    input: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    strict: bool,
) -> Result<String, EnvsubstError> {
    let tree = parse(input)?;
    let mapper = |name: &str| match vars(name) {
        Some(v) => (v, true),
        None => (String::new(), !strict),
    };
    let mut out = Vec::with_capacity(input.len());
    eval::eval(&tree, &mapper, &mut out)?;
    String::from_utf8(out).map_err(|_| EnvsubstError::new(ErrorKind::InvalidUtf8, 0))
}
