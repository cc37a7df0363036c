//! What happens to a string between Go's `json.Marshal` and go-yaml v2 reading the JSON back.
//!
//! Go leaves DEL, the C1 controls, U+FFFE and U+FFFF unescaped and go-yaml v2's reader refuses
//! them; Go also leaves NEL (U+0085) unescaped, and v2 reads it as a line break inside the quoted
//! string, folding it like any line break (one break becomes a space, n breaks become n-1 newlines,
//! blanks around them vanish). In a key, the break makes the JSON unreadable for v2.

use std::borrow::Cow;

const NEL: char = '\u{85}';

/// Why kustomize could not serialise a string.
pub const CONTROL_CHARACTERS: &str = "yaml: control characters are not allowed";
/// The error a key holding NEL gives.
pub const BROKEN_KEY: &str = "yaml: did not find expected ',' or '}' (a mapping key holds U+0085, which kustomize cannot serialise)";

fn is_refused(c: char) -> bool {
    matches!(c, '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// A string value after the JSON round trip.
pub fn value(s: &str) -> Result<Cow<'_, str>, &'static str> {
    if s.bytes().all(|b| b < 0x7f) {
        return Ok(Cow::Borrowed(s));
    }
    if s.chars().any(is_refused) {
        return Err(CONTROL_CHARACTERS);
    }
    if !s.contains(NEL) {
        return Ok(Cow::Borrowed(s));
    }
    Ok(Cow::Owned(fold_nel(s)))
}

/// A mapping key after the JSON round trip.
pub fn key(s: &str) -> Result<&str, &'static str> {
    if s.bytes().all(|b| b < 0x7f) {
        return Ok(s);
    }
    if s.chars().any(is_refused) {
        return Err(CONTROL_CHARACTERS);
    }
    if s.contains(NEL) {
        return Err(BROKEN_KEY);
    }
    Ok(s)
}

/// Folds runs of spaces and NELs that hold at least one NEL, as a double-quoted YAML scalar does.
fn fold_nel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut breaks = 0usize;
    let flush = |out: &mut String, run: &mut String, breaks: &mut usize| {
        match *breaks {
            0 => out.push_str(run),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
        run.clear();
        *breaks = 0;
    };
    for c in s.chars() {
        match c {
            ' ' => run.push(c),
            NEL => {
                run.push(c);
                breaks += 1;
            }
            _ => {
                flush(&mut out, &mut run, &mut breaks);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut run, &mut breaks);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nel_folds_like_kustomize() {
        // Observed with kubectl kustomize v5.5.0.
        assert_eq!(value("a\u{85}b").unwrap(), "a b");
        assert_eq!(value("a \u{85} b").unwrap(), "a b");
        assert_eq!(value("a\u{85}\u{85}b").unwrap(), "a\nb");
        assert_eq!(value("\u{85}a").unwrap(), " a");
        assert_eq!(value("a\u{85}").unwrap(), "a ");
        assert_eq!(value("a  b é").unwrap(), "a  b é");
        assert_eq!(key("k\u{85}k"), Err(BROKEN_KEY));
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(value("\u{7f}"), Err(CONTROL_CHARACTERS));
        assert_eq!(value("a\u{9f}"), Err(CONTROL_CHARACTERS));
        assert_eq!(key("\u{ffff}"), Err(CONTROL_CHARACTERS));
        assert!(value("\u{a0}\u{1F600}").is_ok());
    }
}
