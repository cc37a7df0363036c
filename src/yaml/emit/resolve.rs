//! go-yaml v2's implicit typing of plain scalars (YAML 1.1), as its encoder uses it to decide
//! whether a string can be written unquoted (`encode.go stringv`: `resolve("", s)` must give
//! `!!str` and `isBase60Float(s)` must be false), in the version vendored by kustomize v5.5.0.

use crate::yaml::timestamp;

/// Whether go-yaml v2 may write the string `s` as a plain scalar (before the emitter's own checks).
pub(crate) fn plain_allowed(s: &str) -> bool {
    resolves_to_str(s) && !is_base60_float(s)
}

/// Plain scalars go-yaml v2 resolves through its lookup table.
const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

/// Port of go-yaml v2 `resolve("", s)`, reduced to "is the result tag `!!str`".
fn resolves_to_str(s: &str) -> bool {
    let b = s.as_bytes();
    let hint = match b.first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return true,
    };
    if RESOLVE_MAP.contains(&s) {
        return false;
    }
    match hint {
        b'.' => !go_parse_float_ok(b),
        b'D' | b'S' => !resolves_to_number_or_time(s),
        _ => true,
    }
}

/// The `'D'`/`'S'` branch of v2 `resolve`: timestamp, int, float, binary int or big int.
fn resolves_to_number_or_time(s: &str) -> bool {
    if timestamp::parse(s).is_some() {
        return true;
    }
    let owned;
    let plain: &[u8] = if s.contains('_') {
        owned = s.replace('_', "");
        owned.as_bytes()
    } else {
        s.as_bytes()
    };
    if parse_int(plain, 0) == Parse::Ok {
        return true;
    }
    if parse_uint(plain, 0) == Parse::Ok {
        return true;
    }
    if matches_yaml_float(plain) && go_parse_float_ok(plain) {
        return true;
    }
    if let Some(rest) = plain.strip_prefix(b"0b") {
        if parse_int(rest, 2) == Parse::Ok || parse_uint(rest, 2) == Parse::Ok {
            return true;
        }
    } else if let Some(rest) = plain.strip_prefix(b"-0b") {
        let mut neg = Vec::with_capacity(rest.len() + 1);
        neg.push(b'-');
        neg.extend_from_slice(rest);
        if parse_int(&neg, 2) == Parse::Ok {
            return true;
        }
    }
    // Newer sigs.k8s.io/yaml forks also accept integers beyond 64 bits here (`big.Int`); the one
    // in kustomize v5.5.0 does not: `0xFFFFFFFFFFFFFFFFFFFF` stays a plain string.
    false
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parse {
    Ok,
    Syntax,
    Range,
}

/// Go's `strconv.ParseUint(s, base, 64)` outcome (underscores are never present here).
fn parse_uint(s: &[u8], base: u32) -> Parse {
    if s.is_empty() {
        return Parse::Syntax;
    }
    let mut base = base;
    let mut s = s;
    if base == 0 {
        base = 10;
        if s[0] == b'0' {
            let second = s.get(1).map(u8::to_ascii_lowercase);
            match second {
                Some(b'b') if s.len() >= 3 => {
                    base = 2;
                    s = &s[2..];
                }
                Some(b'o') if s.len() >= 3 => {
                    base = 8;
                    s = &s[2..];
                }
                Some(b'x') if s.len() >= 3 => {
                    base = 16;
                    s = &s[2..];
                }
                _ => {
                    base = 8;
                    s = &s[1..];
                }
            }
        }
    }
    let mut n: u64 = 0;
    let cutoff = u64::MAX / u64::from(base) + 1;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            _ if c.is_ascii_alphabetic() => u32::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return Parse::Syntax,
        };
        if d >= base {
            return Parse::Syntax;
        }
        if n >= cutoff {
            return Parse::Range;
        }
        n *= u64::from(base);
        match n.checked_add(u64::from(d)) {
            Some(v) => n = v,
            None => return Parse::Range,
        }
    }
    Parse::Ok
}

/// Go's `strconv.ParseInt(s, base, 64)` outcome.
fn parse_int(s: &[u8], base: u32) -> Parse {
    if s.is_empty() {
        return Parse::Syntax;
    }
    let (neg, digits) = match s[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match parse_uint(digits, base) {
        Parse::Syntax => Parse::Syntax,
        Parse::Range => Parse::Range,
        Parse::Ok => {
            // Re-read the value to check the signed range (parse_uint succeeded, so this does too).
            let v = uint_value(digits, base);
            let cutoff = 1u64 << 63;
            if (!neg && v >= cutoff) || (neg && v > cutoff) {
                Parse::Range
            } else {
                Parse::Ok
            }
        }
    }
}

/// The value of an integer text `parse_uint` accepted.
fn uint_value(s: &[u8], base: u32) -> u64 {
    let mut base = u64::from(base);
    let mut s = s;
    if base == 0 {
        base = 10;
        if s[0] == b'0' {
            match s.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if s.len() >= 3 => (base, s) = (2, &s[2..]),
                Some(b'o') if s.len() >= 3 => (base, s) = (8, &s[2..]),
                Some(b'x') if s.len() >= 3 => (base, s) = (16, &s[2..]),
                _ => (base, s) = (8, &s[1..]),
            }
        }
    }
    s.iter().fold(0u64, |n, &c| {
        let d = if c.is_ascii_digit() {
            c - b'0'
        } else {
            c.to_ascii_lowercase() - b'a' + 10
        };
        n.wrapping_mul(base).wrapping_add(u64::from(d))
    })
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (shared with the v3 resolver).
fn matches_yaml_float(s: &[u8]) -> bool {
    std::str::from_utf8(s).is_ok_and(crate::yaml::resolve::is_yaml_style_float)
}

/// Go's `strconv.ParseFloat(s, 64)` succeeding (decimal forms only, which is all that reaches it:
/// the text starts with `.` or matched [`matches_yaml_float`]); overflow to infinity is an error.
fn go_parse_float_ok(s: &[u8]) -> bool {
    let mut i = 0;
    if matches!(s.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut underscores = false;
    let mut saw_dot = false;
    let mut saw_digits = false;
    while i < s.len() {
        match s[i] {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !s.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'_') {
            underscores |= s[i] == b'_';
            i += 1;
        }
    }
    if i != s.len() || (underscores && !underscore_ok(s)) {
        return false;
    }
    let text: String = s
        .iter()
        .filter(|&&c| c != b'_')
        .map(|&c| c as char)
        .collect();
    text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.underscoreOK`.
fn underscore_ok(s: &[u8]) -> bool {
    let mut saw = b'^';
    let mut s = s;
    if matches!(s.first(), Some(b'-' | b'+')) {
        s = &s[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// go-yaml v2 `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(b'+' | b'-' | b'0'..=b'9') if b.contains(&b':') => {}
        _ => return false,
    }
    let mut i = 0;
    if matches!(b[0], b'+' | b'-') {
        i = 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_forms() {
        for s in [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "y",
            "Y",
            "yes",
            "Yes",
            "YES",
            "n",
            "N",
            "no",
            "No",
            "NO",
            "true",
            "True",
            "TRUE",
            "false",
            "False",
            "FALSE",
            "on",
            "On",
            "ON",
            "off",
            "Off",
            "OFF",
            ".nan",
            ".NaN",
            ".inf",
            "-.inf",
            "+.INF",
            "0",
            "12",
            "-12",
            "+12",
            "0777",
            "0x1F",
            "0o17",
            "0b101",
            "-0b101",
            "0b-101",
            "1_000",
            "08",
            "1.5",
            "1.",
            ".5",
            "+.5",
            "1e3",
            "1E+3",
            "-1.5e-3",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "1:20",
            "-1:20:30.5",
            "190:20:30",
            "2024-01-01",
            "2024-01-01T00:00:00Z",
            "2001-12-14 21:59:43.10",
            ".5_5",
            "1_0.5",
            "1__",
        ] {
            assert!(!plain_allowed(s), "{s:?} should be quoted");
        }
    }

    #[test]
    fn plain_forms() {
        for s in [
            "yess",
            "nope",
            "tru",
            "o",
            "abc",
            "<<",
            "1e999",
            ".5e999",
            "0x",
            "0b",
            "1:60",
            "1:2:",
            "12abc",
            "-",
            "+",
            ".",
            "..",
            "._5",
            ".5_",
            "1-2",
            "2024-13-01",
            "1.2.3",
            "0x_",
            "v1",
            "-0b-1",
            "0xFFFFFFFFFFFFFFFFFFFF",
            "-99999999999999999999999x",
            "0b2",
        ] {
            assert!(plain_allowed(s), "{s:?} should be plain");
        }
    }
}
