//! Evaluation of a parsed template (fluxcd/pkg `envsubst/template.go` and `funcs.go`).
//!
//! Values are handled as bytes, as Go strings are: `${#v}` counts bytes and `${v:1:2}` slices
//! bytes, which may split a multi-byte character.

use super::glob::{decode_rune, matches};
use super::parse::{FuncNode, Node};
use super::{EnvsubstError, ErrorKind};

/// Looks a variable up: `(value, exists)`.
pub(super) type Mapper<'a> = dyn Fn(&str) -> (String, bool) + 'a;

/// Appends the value of `node` to `out`.
pub(super) fn eval(node: &Node, map: &Mapper<'_>, out: &mut Vec<u8>) -> Result<(), EnvsubstError> {
    match node {
        Node::Text(t) => out.extend_from_slice(t.as_bytes()),
        Node::List(items) => {
            for item in items {
                eval(item, map, out)?;
            }
        }
        Node::Func(f) => eval_func(f, map, out)?,
    }
    Ok(())
}

fn eval_func(f: &FuncNode, map: &Mapper<'_>, out: &mut Vec<u8>) -> Result<(), EnvsubstError> {
    let mut args = Vec::with_capacity(f.args.len());
    for arg in &f.args {
        let mut buf = Vec::new();
        eval(arg, map, &mut buf)?;
        args.push(buf);
    }
    let (value, exists) = map(&f.param);
    if !exists && !is_default_op(&f.name) {
        return Err(EnvsubstError::new(
            ErrorKind::VariableNotSet(f.param.clone()),
            f.offset,
        ));
    }
    out.extend_from_slice(&apply(&f.name, value.as_bytes(), &args));
    Ok(())
}

/// Operators that supply their own value for an unset variable (exempt from strict mode).
fn is_default_op(name: &str) -> bool {
    matches!(name, "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?")
}

/// `lookupFunc(name, len(args))(s, args...)`.
fn apply(name: &str, s: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    match name {
        "," => map_first(s, lower),
        ",," => map_all(s, lower),
        "^" => map_first(s, upper),
        "^^" => map_all(s, upper),
        "#" if args.is_empty() => s.len().to_string().into_bytes(),
        "#" | "##" | "%" | "%%" => match args.first() {
            Some(pat) if name.starts_with('#') => trim_prefix(s, pat, name.len() == 2),
            Some(pat) => trim_suffix(s, pat, name.len() == 2),
            None => s.to_vec(),
        },
        ":" => substr(s, args),
        "/#" => match args {
            [pat, rep] if s.starts_with(pat) => go_replace(s, pat, rep, Some(1)),
            _ => s.to_vec(),
        },
        "/%" => match args {
            [pat, rep] if s.ends_with(pat) => [&s[..s.len() - pat.len()], rep.as_slice()].concat(),
            _ => s.to_vec(),
        },
        "/" | "//" => {
            let n = if name == "/" { Some(1) } else { None };
            match args {
                [] => s.to_vec(),
                [pat] => go_replace(s, pat, b"", n),
                [pat, rep, ..] => go_replace(s, pat, rep, n),
            }
        }
        // toDefault, for the default operators and any other operator name.
        _ if s.is_empty() && !args.is_empty() => args.concat(),
        _ => s.to_vec(),
    }
}

/// Go's `unicode.ToLower` (simple case mapping).
fn lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // Only U+0130 has a multi-character full mapping; its simple mapping is `i`.
        (Some(l), Some(_)) => l,
        _ => c,
    }
}

/// Go's `unicode.ToUpper` (simple case mapping).
fn upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        // Multi-character full mappings (ß, ligatures, …) have no simple mapping, except the
        // Greek letters with ypogegrammeni, which map to their titlecase forms.
        _ => match c as u32 {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// Go's `strings.Map` over runes (invalid bytes become U+FFFD).
fn map_all(s: &[u8], f: fn(char) -> char) -> Vec<u8> {
    if s.is_ascii() {
        let mut v = s.to_vec();
        for b in &mut v {
            *b = f(*b as char) as u8;
        }
        return v;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let (c, n) = decode_rune(rest);
        out.push(f(c));
        rest = &rest[n..];
    }
    out.into_bytes()
}

/// The first rune mapped, the rest unchanged.
fn map_first(s: &[u8], f: fn(char) -> char) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    let (c, n) = decode_rune(s);
    let mut out = f(c).to_string().into_bytes();
    out.extend_from_slice(&s[n..]);
    out
}

/// Go's `strconv.Atoi`.
fn atoi(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse::<i64>().ok()
}

/// `toSubstr`: byte offsets; a negative offset counts from the end, a negative length stops
/// that many bytes before the end.
fn substr(s: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    let Some(first) = args.first() else {
        return s.to_vec();
    };
    let Some(pos) = atoi(first) else {
        return s.to_vec();
    };
    let len = s.len() as i128;
    let mut pos = pos as i128;
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let tail = |p: i128| -> Vec<u8> {
        if p < len {
            s[p as usize..].to_vec()
        } else {
            Vec::new()
        }
    };
    let Some(second) = args.get(1) else {
        return tail(pos);
    };
    let Some(length) = atoi(second) else {
        return s.to_vec();
    };
    let length = length as i128;
    if length < 0 {
        let end = len + length;
        if end < pos {
            return Vec::new();
        }
        return s[pos as usize..end as usize].to_vec();
    }
    // Go computes pos+length in int64 and could wrap (then panics slicing); i128 cannot.
    if pos + length >= len {
        return tail(pos);
    }
    s[pos as usize..(pos + length) as usize].to_vec()
}

/// Go's `strings.Replace(s, old, new, n)` (`None` = all).
fn go_replace(s: &[u8], old: &[u8], new: &[u8], n: Option<usize>) -> Vec<u8> {
    if old == new || n == Some(0) {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut start = 0;
    let mut done = 0;
    while n.is_none_or(|n| done < n) {
        let j = if old.is_empty() {
            if done > 0 {
                if start >= s.len() {
                    break;
                }
                start + decode_rune(&s[start..]).1
            } else {
                start
            }
        } else {
            match find(&s[start..], old) {
                Some(i) => start + i,
                None => break,
            }
        };
        out.extend_from_slice(&s[start..j]);
        out.extend_from_slice(new);
        start = j + old.len();
        done += 1;
    }
    out.extend_from_slice(&s[start..]);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `trimShortest`/`trimLongest`: removes the shortest or longest non-empty prefix matching the
/// pattern; a malformed pattern leaves the value unchanged.
fn trim_prefix(s: &[u8], pattern: &[u8], longest: bool) -> Vec<u8> {
    let mut found = None;
    for i in 0..s.len() {
        let prefix = &s[..s.len() - i];
        match matches(pattern, prefix) {
            Err(_) => return s.to_vec(),
            Ok(true) => {
                found = Some(prefix.len());
                if longest {
                    break;
                }
            }
            Ok(false) => {}
        }
    }
    match found {
        Some(n) => s[n..].to_vec(),
        None => s.to_vec(),
    }
}

/// The suffix forms: Go reverses the value and the pattern (by runes) and trims a prefix.
fn trim_suffix(s: &[u8], pattern: &[u8], longest: bool) -> Vec<u8> {
    let r = reverse(s);
    let rp = reverse(pattern);
    reverse(&trim_prefix(&r, &rp, longest))
}

/// Go's `reverse`: by runes, invalid bytes becoming U+FFFD.
fn reverse(s: &[u8]) -> Vec<u8> {
    let mut runes = Vec::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let (c, n) = decode_rune(rest);
        runes.push(c);
        rest = &rest[n..];
    }
    runes.iter().rev().collect::<String>().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_replace_matches_go() {
        assert_eq!(go_replace(b"abc", b"", b"-", None), b"-a-b-c-");
        assert_eq!(go_replace(b"abc", b"", b"-", Some(1)), b"-abc");
        assert_eq!(go_replace(b"aaa", b"a", b"b", Some(2)), b"bba");
        assert_eq!(go_replace(b"aaa", b"a", b"a", None), b"aaa");
        assert_eq!(
            go_replace("é".as_bytes(), b"", b"-", None),
            "-é-".as_bytes()
        );
    }

    #[test]
    fn substr_edges() {
        let a = |x: &str| x.as_bytes().to_vec();
        assert_eq!(substr(b"abcdef", &[a("1"), a("-1")]), b"bcde");
        assert_eq!(substr(b"abcdef", &[a("4"), a("-3")]), b"");
        assert_eq!(substr(b"abcdef", &[a("-2")]), b"ef");
        assert_eq!(substr(b"abcdef", &[a("-20")]), b"abcdef");
        assert_eq!(substr(b"abcdef", &[a("9")]), b"");
        assert_eq!(substr(b"abcdef", &[a("x")]), b"abcdef");
        assert_eq!(substr(b"abcdef", &[a("1"), a("x")]), b"abcdef");
        assert_eq!(
            substr(b"abcdef", &[a("1"), a("9223372036854775807")]),
            b"bcdef"
        );
        assert_eq!(substr(b"abcdef", &[a("+2"), a("2")]), b"cd");
    }

    #[test]
    fn case_mapping_is_simple() {
        assert_eq!(map_all("straße".as_bytes(), upper), "STRAßE".as_bytes());
        assert_eq!(map_all("İ".as_bytes(), lower), b"i");
        assert_eq!(map_first(b"abc", upper), b"Abc");
        assert_eq!(map_first(b"", upper), b"");
    }
}
