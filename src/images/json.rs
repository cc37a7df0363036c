//! A minimal reader for the flat JSON objects of marker comments.

/// Parses `{"key": value, ...}` (surrounding whitespace allowed). Members with string values
/// carry `Some(text)`; numbers, booleans and null carry `None`. Nested values are rejected.
pub fn parse_object(text: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut r = Reader {
        chars: text.trim().chars().peekable(),
    };
    r.expect('{')?;
    let mut members = Vec::new();
    r.skip_ws();
    if r.eat('}') {
        return r.at_end().then_some(members);
    }
    loop {
        r.skip_ws();
        let key = r.string()?;
        r.skip_ws();
        r.expect(':')?;
        r.skip_ws();
        let value = if r.chars.peek() == Some(&'"') {
            Some(r.string()?)
        } else {
            r.literal()?;
            None
        };
        members.push((key, value));
        r.skip_ws();
        if r.eat(',') {
            continue;
        }
        r.expect('}')?;
        return r.at_end().then_some(members);
    }
}

struct Reader<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while self
            .chars
            .next_if(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
            .is_some()
        {}
    }

    fn eat(&mut self, c: char) -> bool {
        self.chars.next_if_eq(&c).is_some()
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.eat(c).then_some(())
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.chars.peek().is_none()
    }

    fn string(&mut self) -> Option<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.chars.next()? {
                '"' => return Some(out),
                '\\' => out.push(match self.chars.next()? {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| self.chars.next()).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                }),
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    /// A number, `true`, `false` or `null`.
    fn literal(&mut self) -> Option<()> {
        let mut word = String::new();
        while let Some(c) = self
            .chars
            .next_if(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
        {
            word.push(c);
        }
        let ok = matches!(word.as_str(), "true" | "false" | "null") || word.parse::<f64>().is_ok();
        ok.then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_object;

    #[test]
    fn flat_objects() {
        assert_eq!(
            parse_object(r#" {"$imagepolicy": "ns:p", "n": 1, "e": "a\"b\u0041"} "#),
            Some(vec![
                ("$imagepolicy".into(), Some("ns:p".into())),
                ("n".into(), None),
                ("e".into(), Some("a\"bA".into())),
            ])
        );
        assert_eq!(parse_object("{}"), Some(vec![]));
        for bad in [
            r#"{"a": "b"} x"#,
            r#"{"a": {"b": 1}}"#,
            r#"{"a" "b"}"#,
            "{",
            r#"{"a": nope}"#,
        ] {
            assert_eq!(parse_object(bad), None, "{bad}");
        }
    }
}
