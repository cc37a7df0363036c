//! The dotenv store (spec §2.4): `KEY=VALUE` lines, `#` comments, flattened `sops_*` metadata.

use crate::sops::error::SopsError;
use crate::sops::flatten::unflatten;
use crate::sops::tree::{Item, Value};

/// Splits a dotenv file into its data items and its (unflattened) metadata, if any.
pub fn read(input: &[u8]) -> Result<(Vec<Item>, Option<Value>), SopsError> {
    let text = String::from_utf8_lossy(input);
    let mut items = Vec::new();
    let mut meta = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            items.push(Item::Comment(comment.to_owned()));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(SopsError::Syntax {
                format: "dotenv",
                line: n as u32 + 1,
                col: 1,
                message: "invalid dotenv input line: no `=`".into(),
            });
        };
        if let Some(meta_key) = key.strip_prefix("sops_") {
            meta.push((meta_key.to_owned(), value.to_owned()));
        } else {
            items.push(Item::Entry(
                key.to_owned(),
                Value::Str(value.replace("\\n", "\n")),
            ));
        }
    }
    let meta = if meta.is_empty() {
        None
    } else {
        Some(unflatten(
            meta.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?)
    };
    Ok((items, meta))
}

/// sops' `ValToString` for scalars written to dotenv and INI.
pub fn scalar_text(v: &Value) -> Result<String, SopsError> {
    Ok(match v {
        Value::Str(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::sops::cipher::format_float(*f),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => crate::sops::metadata::normalize_rfc3339(t).unwrap_or_else(|| t.clone()),
        Value::Null => "<nil>".into(),
        Value::Comment(c) => c.clone(),
        Value::List(_) | Value::Map(_) => {
            return Err(SopsError::UnsupportedStore {
                what: "cannot use a list or mapping value in a dotenv or INI file".into(),
            });
        }
    })
}

/// Writes the first branch as `KEY=VALUE` lines (newlines as `\n`) and `#comment` lines.
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let mut out = String::new();
    for item in branches.first().map(Vec::as_slice).unwrap_or_default() {
        match item {
            Item::Comment(c) => {
                out.push('#');
                out.push_str(c);
            }
            Item::Entry(k, v) => {
                out.push_str(k);
                out.push('=');
                out.push_str(&scalar_text(v)?.replace('\n', "\\n"));
            }
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_quotes_and_escapes() {
        let src = b"# c\nA=x=y\nB=line1\\nline2\nQ=\"q\"\n\nsops_version=3.11.0\n";
        let (items, meta) = read(src).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(
            meta.unwrap().get("version"),
            Some(&Value::Str("3.11.0".into()))
        );
        assert_eq!(
            write(&[items]).unwrap(),
            b"# c\nA=x=y\nB=line1\\nline2\nQ=\"q\"\n"
        );
        assert!(matches!(
            read(b"novalue\n"),
            Err(SopsError::Syntax { line: 1, .. })
        ));
    }
}
