//! Strings as Go's `encoding/json` writes them (the content hash and JSON-in-string replacement
//! targets depend on the exact bytes).

/// Writes `s` as a Go `encoding/json` string: `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`,
/// the short escapes `\" \\ \n \r \t \b \f` (Go 1.22 and later, which kustomize v5.8 is built
/// with), other control characters as `\u00XX`, everything else raw.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let mut out = String::new();
        write_str("a<b>&\"\\\n\r\t\u{8}\u{c}\u{1}\u{2028}é", &mut out);
        assert_eq!(out, r#""a\u003cb\u003e\u0026\"\\\n\r\t\b\f\u0001\u2028é""#);
    }
}
