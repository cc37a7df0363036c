//! Key/value sources of generators (api/kv/kv.go): env files, literals and files, in that order.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Location};
use crate::kustomize::kustomization::Entry;
use crate::kustomize::loader::Loader;

use super::args::GenArgs;

/// One data entry: a key and its raw value (file contents may not be UTF-8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The key.
    pub key: String,
    /// The value's bytes.
    pub value: Vec<u8>,
    /// The kustomization entry it came from.
    pub at: Location,
}

/// Loads every pair of a generator, in kustomize's order: envs, literals, files. Keys are not
/// validated (kustomize's default validator accepts anything) but must not repeat. Paths are
/// relative to `dir`; errors point into `kust_file` (where the entry is written).
pub fn load_pairs(
    loader: &Loader<'_>,
    dir: &Path,
    kust_file: &Path,
    args: &GenArgs,
) -> Result<Vec<Pair>, Diagnostic> {
    let at = |e: &Entry| Location {
        file: kust_file.to_owned(),
        pos: e.pos,
    };
    let mut pairs = Vec::new();
    for env in &args.envs {
        let here = at(env);
        let (path, bytes) = loader.read_file_bytes(dir, &env.value, &here)?;
        pairs.extend(
            env_pairs(&bytes)
                .map_err(|(line, msg)| {
                    Diagnostic::at(msg, &path, crate::yaml::Pos::new(line, 1))
                        .with_hint("env files hold KEY=VALUE lines in UTF-8")
                        .within(
                            format!("reading env file '{}'", env.value),
                            Some(here.clone()),
                        )
                })?
                .into_iter()
                .map(|(key, value)| Pair {
                    key,
                    value: value.into_bytes(),
                    at: here.clone(),
                }),
        );
    }
    for lit in &args.literals {
        let (key, value) = parse_literal(&lit.value).ok_or_else(|| {
            Diagnostic::at(
                format!("invalid literal source {}, expected key=value", lit.value),
                kust_file,
                lit.pos,
            )
            .with_hint("write literals as KEY=VALUE")
        })?;
        pairs.push(Pair {
            key,
            value: value.into_bytes(),
            at: at(lit),
        });
    }
    for src in &args.files {
        let here = at(src);
        let (key, path) = parse_file_source(&src.value).map_err(|msg| {
            Diagnostic::at(msg, kust_file, src.pos).with_hint("write files as PATH or KEY=PATH")
        })?;
        let (_, bytes) = loader.read_file_bytes(dir, path, &here)?;
        pairs.push(Pair {
            key: key.to_owned(),
            value: bytes,
            at: here,
        });
    }
    for (i, p) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|q| q.key == p.key) {
            return Err(Diagnostic::at(
                format!(
                    "{} {} illegally repeats the key `{}`",
                    args.kind.kind().to_lowercase(),
                    args.name,
                    p.key
                ),
                &p.at.file,
                p.at.pos,
            )
            .with_hint(
                "each key may come from one source only (envs, literals and files together)",
            ));
        }
    }
    Ok(pairs)
}

/// Parses an env file: BOM stripped from the first line, leading whitespace trimmed, blank and
/// `#` lines skipped, split at the first `=` (no `=` means an empty value). Errors carry the
/// 1-based line.
pub fn env_pairs(content: &[u8]) -> Result<Vec<(String, String)>, (u32, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = content.split(|b| *b == b'\n').collect();
    if content.ends_with(b"\n") {
        lines.pop();
    }
    for (i, raw) in lines.into_iter().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(line)
            .map_err(|_| (line_no, format!("line {line_no} has invalid utf8 bytes")))?;
        let mut text = text;
        if i == 0 {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        let text = text.trim_start_matches(char::is_whitespace);
        line = text.as_bytes();
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let (key, value) = text.split_once('=').unwrap_or((text, ""));
        out.push((key.to_owned(), value.to_owned()));
    }
    Ok(out)
}

/// A literal `key=value`; `None` for a missing or leading `=`. Matching surrounding quotes
/// are removed from the value.
pub fn parse_literal(source: &str) -> Option<(String, String)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let b = value.as_bytes();
    let value = if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &value[1..value.len() - 1]
    } else {
        value
    };
    Some((key.to_owned(), value.to_owned()))
}

/// A file source `[key=]path`: the key defaults to the path's base name; a key or path holding
/// another `=` is refused.
pub fn parse_file_source(source: &str) -> Result<(&str, &str), String> {
    let Some((key, path)) = source.split_once('=') else {
        return Ok((base_name(source), source));
    };
    if key.is_empty() {
        return Err(format!(
            "missing key name for file path {path:?} in source {source:?}"
        ));
    }
    if path.contains('=') {
        return Err(format!(
            "source {source:?} key name or file path contains '='"
        ));
    }
    if path.is_empty() {
        return Err(format!(
            "missing file path for key name {key:?} in source {source:?}"
        ));
    }
    Ok((key, path))
}

/// Go's `path.Base`.
fn base_name(p: &str) -> &str {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let pairs = env_pairs(b"\xef\xbb\xbf# c\nX=1\n  Y = 2\nZ\n\n\tW=a=b\r\n").unwrap();
        assert_eq!(
            pairs,
            [
                ("X".into(), "1".into()),
                ("Y ".into(), " 2".into()),
                ("Z".into(), String::new()),
                ("W".into(), "a=b".into())
            ]
        );
        assert_eq!(env_pairs(b"A=1\nB=\xff\n").unwrap_err().0, 2);
    }

    #[test]
    fn literals() {
        assert_eq!(parse_literal("a=b=c"), Some(("a".into(), "b=c".into())));
        assert_eq!(parse_literal("a=\"q v\""), Some(("a".into(), "q v".into())));
        assert_eq!(parse_literal("a='x\""), Some(("a".into(), "'x\"".into())));
        assert_eq!(parse_literal("a="), Some(("a".into(), String::new())));
        assert_eq!(parse_literal("a='"), Some(("a".into(), "'".into())));
        assert_eq!(parse_literal("=a"), None);
        assert_eq!(parse_literal("a"), None);
    }

    #[test]
    fn file_sources() {
        assert_eq!(parse_file_source("dir/a.txt"), Ok(("a.txt", "dir/a.txt")));
        assert_eq!(parse_file_source("k=dir/a.txt"), Ok(("k", "dir/a.txt")));
        assert!(parse_file_source("=a").is_err());
        assert!(parse_file_source("k=").is_err());
        assert!(parse_file_source("a=b=c").is_err());
    }
}
