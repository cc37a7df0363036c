//! Byte-splice rewriting: only the annotated scalars change, every other byte stays.

use std::ops::Range;

use super::discover::Repo;
use super::marker::Style;
use super::plan::Plan;
use crate::yaml::Value;
use crate::yaml::resolve::{Resolved, resolve_plain};

/// The source text of `value` written in `style`. A plain scalar that would not read back as
/// the same string (`1.5`, `true`, `a: b`) is double-quoted instead, as kyaml writes a string
/// setter value.
pub fn scalar_text(style: Style, value: &str) -> String {
    match style {
        Style::Plain if plain_safe(value) => value.to_string(),
        Style::SingleQuoted if !value.contains(['\n', '\r', '\t']) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        _ => double_quoted(value),
    }
}

/// Replaces each range of `src` with its text; ranges must not overlap.
pub fn splice(src: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for (range, text) in sorted {
        out.push_str(&src[at..range.start]);
        out.push_str(text);
        at = range.end;
    }
    out.push_str(&src[at..]);
    out
}

/// The new text of every file the plan changes: (index in [`Repo::files`], text), in file order.
pub fn rewritten_files(repo: &Repo, plan: &Plan) -> Vec<(usize, String)> {
    let mut edits: Vec<Vec<(Range<usize>, String)>> = vec![Vec::new(); repo.files.len()];
    for ((file, marker), value) in plan.final_values() {
        let m = &repo.files[file].markers.markers[marker];
        edits[file].push((m.span.clone(), scalar_text(m.style, value)));
    }
    edits
        .into_iter()
        .enumerate()
        .filter(|(_, e)| !e.is_empty())
        .map(|(i, e)| (i, splice(&repo.files[i].text, &e)))
        .collect()
}

fn plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let starts_badly = "-?:,[]{}#&*!|>'\"%@`".contains(first) && {
        // `-x`, `?x` and `:x` are plain when not followed by a space.
        !(matches!(first, '-' | '?' | ':') && value.chars().nth(1).is_some_and(|c| c != ' '))
    };
    !starts_badly
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains(['\n', '\r', '\t', ',', '[', ']', '{', '}'])
        && matches!(resolve_plain(value), Resolved::Value(Value::Str(_)))
}

fn double_quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_quoting_style() {
        assert_eq!(
            scalar_text(Style::Plain, "ghcr.io/a/b:1.2.3"),
            "ghcr.io/a/b:1.2.3"
        );
        assert_eq!(scalar_text(Style::Plain, "1.2.3"), "1.2.3");
        assert_eq!(
            scalar_text(Style::Plain, "1.5"),
            "\"1.5\"",
            "a float would change type"
        );
        assert_eq!(scalar_text(Style::Plain, "true"), "\"true\"");
        assert_eq!(scalar_text(Style::Plain, "a: b"), "\"a: b\"");
        assert_eq!(scalar_text(Style::Plain, "-x"), "-x");
        assert_eq!(scalar_text(Style::Plain, "@x"), "\"@x\"");
        assert_eq!(scalar_text(Style::SingleQuoted, "it's"), "'it''s'");
        assert_eq!(
            scalar_text(Style::DoubleQuoted, "a\"b\\c"),
            "\"a\\\"b\\\\c\""
        );
    }

    #[test]
    fn splices_only_the_ranges() {
        let src = "a: x # m\nb: 'y'\n";
        let out = splice(src, &[(12..15, "'zz'".into()), (3..4, "w".into())]);
        assert_eq!(out, "a: w # m\nb: 'zz'\n");
    }
}
