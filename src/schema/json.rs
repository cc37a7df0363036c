//! A small JSON reader for the embedded schema files: about ten times faster than reading them
//! as YAML, which matters because they are decoded at every start of `fleetcheck check`.
//! Nodes carry no positions (the data is ours, not the user's).

use crate::yaml::{Mapping, Node, Value};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 256;

/// Parses one JSON value filling the whole of `text`.
pub(crate) fn parse_json(text: &str) -> Result<Node, String> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let node = reader.value(0)?;
    reader.skip_space();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("trailing characters"));
    }
    Ok(node)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", byte as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Str(self.string()?),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.error("expected a JSON value")),
        };
        Ok(Node::new(value))
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.expect(b'{')?;
        let mut map = Mapping::default();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Map(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = Node::string(self.string()?);
            self.expect(b':')?;
            map.entries.push((key, self.value(depth + 1)?));
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Map(map));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // Slicing at ASCII bytes keeps UTF-8 sequences whole.
            out.push_str(
                std::str::from_utf8(&self.bytes[start..self.at]).map_err(|e| e.to_string())?,
            );
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                _ => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self) -> Result<char, String> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.error("unterminated escape"))?;
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                if (0xD800..0xDC00).contains(&high) && self.bytes[self.at..].starts_with(b"\\u") {
                    self.at += 2;
                    let low = self.hex4()?;
                    let code =
                        0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    char::from_u32(code).unwrap_or('\u{FFFD}')
                } else {
                    char::from_u32(high).unwrap_or('\u{FFFD}')
                }
            }
            _ => return Err(self.error("unknown escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("bad \\u escape"))?;
        self.at += 4;
        Ok(digits)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        let mut float = false;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|e| e.to_string())?;
        let bad = || format!("bad number \"{text}\" at byte {start}");
        if !float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
            if let Ok(u) = text.parse::<u64>() {
                return Ok(Value::UInt(u));
            }
        }
        text.parse::<f64>().map(Value::Float).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_json_value() {
        let node = parse_json(
            r#" {"a": [1, -2, 3.5, 1e3, 18446744073709551615, true, false, null],
                 "s": "q\"\\\/\n\u00e9\ud83d\ude00 ü", "e": {}, "l": []} "#,
        )
        .unwrap();
        let a = node.get("a").unwrap().as_seq().unwrap();
        let values: Vec<&Value> = a.iter().map(|n| &n.value).collect();
        assert_eq!(
            values,
            [
                &Value::Int(1),
                &Value::Int(-2),
                &Value::Float(3.5),
                &Value::Float(1000.0),
                &Value::UInt(u64::MAX),
                &Value::Bool(true),
                &Value::Bool(false),
                &Value::Null
            ]
        );
        assert_eq!(node.get("s").unwrap().as_str(), Some("q\"\\/\né😀 ü"));
        assert!(node.get("e").unwrap().as_map().unwrap().is_empty());
        assert_eq!(node.get("l").unwrap().as_seq().unwrap().len(), 0);
    }

    #[test]
    fn rejects_broken_json_with_the_byte_offset() {
        for (text, want) in [
            ("{\"a\": }", "expected a JSON value at byte 6"),
            ("[1, 2", "expected ',' or ']' at byte 5"),
            ("{\"a\" 1}", "expected ':' at byte 5"),
            ("\"abc", "unterminated string at byte 4"),
            ("1 2", "trailing characters at byte 2"),
            ("{a: 1}", "expected a string key at byte 1"),
            ("-", "bad number \"-\" at byte 0"),
        ] {
            assert_eq!(parse_json(text).unwrap_err(), want, "{text}");
        }
        let deep = "[".repeat(300);
        assert!(
            parse_json(&deep)
                .unwrap_err()
                .starts_with("nesting too deep")
        );
    }
}
