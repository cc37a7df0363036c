//! The JSON store: an order-keeping reader (every number a float64, as sops 3.11.0 reads them)
//! and a writer matching Go's `json.Marshal` + `json.Indent(…, "\t")`.

use crate::sops::error::SopsError;
use crate::sops::tree::{Item, Value};

/// Bounds nesting so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 512;

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn err(&self, message: impl Into<String>) -> SopsError {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
        SopsError::Syntax {
            format: "JSON",
            line,
            col,
            message: message.into(),
        }
    }

    fn ws(&mut self) {
        while self
            .s
            .get(self.i)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SopsError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting is too deep"));
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b'}') {
                    return Ok(Value::Map(items));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return Err(self.err("expected `:`"));
                    }
                    items.push(Item::Entry(key, self.value(depth + 1)?));
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b'}') {
                        return Ok(Value::Map(items));
                    }
                    return Err(self.err("expected `,` or `}`"));
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut list = Vec::new();
                if self.eat(b']') {
                    return Ok(Value::List(list));
                }
                loop {
                    list.push(self.value(depth + 1)?);
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b']') {
                        return Ok(Value::List(list));
                    }
                    return Err(self.err("expected `,` or `]`"));
                }
            }
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
            None => Err(self.err("unexpected end of input")),
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value, SopsError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn number(&mut self) -> Result<Value, SopsError> {
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        let valid = {
            let t = text.strip_prefix('-').unwrap_or(text);
            let int_end = t.find(['.', 'e', 'E']).unwrap_or(t.len());
            let int = &t[..int_end];
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && (int == "0" || !int.starts_with('0'))
        };
        match text.parse::<f64>() {
            Ok(f) if valid && f.is_finite() => Ok(Value::Float(f)),
            _ => Err(self.err(format!("invalid number `{text}`"))),
        }
    }

    fn hex4(&mut self) -> Result<u32, SopsError> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        self.i += 4;
        h.ok_or_else(|| self.err("invalid \\u escape"))
    }

    fn string(&mut self) -> Result<String, SopsError> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.s.get(self.i).copied();
                    self.i += 1;
                    let ch = match c {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                Some(&b) if b < 0x20 => return Err(self.err("control character in string")),
                Some(&b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }
}

/// Parses a JSON document whose top level is an object.
pub fn read(input: &[u8]) -> Result<Vec<Item>, SopsError> {
    let mut r = Reader { s: input, i: 0 };
    let v = r.value(0)?;
    r.ws();
    if r.i != input.len() {
        return Err(r.err("unexpected data after the top-level value"));
    }
    match v {
        Value::Map(items) => Ok(items),
        _ => Err(SopsError::UnsupportedStore {
            what: "the top level of a JSON sops file must be an object".into(),
        }),
    }
}

/// Go's `json.Marshal` of a string (HTML-safe).
pub fn push_string(out: &mut String, s: &str) {
    crate::yaml::gojson::write_str(s, out);
}

/// Go's `encoding/json` float text ('f' below 1e21 and above 1e-6, else 'e' with a short exponent).
pub fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let (sign, digits) = exp.strip_prefix('-').map_or(('+', exp), |d| ('-', d));
        let digits = if digits.len() < 2 && sign == '+' {
            format!("0{digits}")
        } else {
            digits.to_owned()
        };
        format!("{mant}e{sign}{digits}")
    } else {
        format!("{f}")
    }
}

fn indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push('\t');
    }
}

fn write_value(out: &mut String, v: &Value, depth: usize) -> Result<(), SopsError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if !f.is_finite() => {
            return Err(SopsError::UnsupportedStore {
                what: format!(
                    "JSON cannot hold the float value {}",
                    crate::sops::cipher::format_float(*f)
                ),
            });
        }
        Value::Float(f) => out.push_str(&go_json_float(*f)),
        Value::Str(s) | Value::Time(s) => push_string(out, s),
        Value::Bytes(b) => push_string(out, &String::from_utf8_lossy(b)),
        // sops marshals its Comment struct as an object.
        Value::Comment(c) => {
            out.push('{');
            indent(out, depth + 1);
            out.push_str("\"Value\": ");
            push_string(out, c);
            indent(out, depth);
            out.push('}');
        }
        Value::List(l) if l.is_empty() => out.push_str("[]"),
        Value::List(l) => {
            out.push('[');
            for (n, item) in l.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write_value(out, item, depth + 1)?;
            }
            indent(out, depth);
            out.push(']');
        }
        Value::Map(items) => write_map(out, items, depth)?,
    }
    Ok(())
}

fn write_map(out: &mut String, items: &[Item], depth: usize) -> Result<(), SopsError> {
    let mut first = true;
    out.push('{');
    for item in items {
        let Item::Entry(k, v) = item else { continue };
        if !first {
            out.push(',');
        }
        first = false;
        indent(out, depth + 1);
        push_string(out, k);
        out.push_str(": ");
        write_value(out, v, depth + 1)?;
    }
    if !first {
        indent(out, depth);
    }
    out.push('}');
    Ok(())
}

/// Writes the first branch as sops' JSON store does (tab indentation, trailing newline).
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let mut out = String::new();
    let empty = Vec::new();
    write_map(&mut out, branches.first().unwrap_or(&empty), 0)?;
    out.push('\n');
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_types_numbers_as_floats() {
        let items =
            read(br#"{"b": 1, "a": [true, null, "x\u003c\ud83d\ude00"], "c": {}}"#).unwrap();
        let Item::Entry(k, v) = &items[0] else {
            panic!("entry")
        };
        assert_eq!((k.as_str(), v), ("b", &Value::Float(1.0)));
        let Item::Entry(_, Value::List(l)) = &items[1] else {
            panic!("list")
        };
        assert_eq!(l[2], Value::Str("x<😀".into()));
        assert!(read(b"[1]").is_err());
        assert!(matches!(
            read(b"{\"a\": 01}"),
            Err(SopsError::Syntax { .. })
        ));
        assert!(matches!(
            read(b"{\"a\": 1} x"),
            Err(SopsError::Syntax { .. })
        ));
    }

    #[test]
    fn writes_like_go() {
        let items = vec![
            Item::Entry("h".into(), Value::Str("<b>&</b>".into())),
            Item::Entry("big".into(), Value::Float(12345678901234567890.0)),
            Item::Entry("small".into(), Value::Float(-1.25e-3)),
            Item::Entry("tiny".into(), Value::Float(1e-7)),
            Item::Entry("e".into(), Value::List(vec![])),
            Item::Entry(
                "m".into(),
                Value::Map(vec![Item::Entry("k".into(), Value::Int(3))]),
            ),
        ];
        let out = String::from_utf8(write(&[items]).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\n\t\"h\": \"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\",\n\t\"big\": 12345678901234567000,\n\t\"small\": -0.00125,\n\t\"tiny\": 1e-7,\n\t\"e\": [],\n\t\"m\": {\n\t\t\"k\": 3\n\t}\n}\n"
        );
        assert_eq!(go_json_float(1e21), "1e+21");
    }
}
