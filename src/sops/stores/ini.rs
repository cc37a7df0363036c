//! The INI store (gopkg.in/ini.v1 as sops uses it, spec §2.5): sections become top-level
//! mappings, `[sops]` holds the flattened metadata, `;`/`#` lines are comments.

use crate::sops::error::SopsError;
use crate::sops::flatten::unflatten;
use crate::sops::tree::{Item, Value};

use super::dotenv::scalar_text;

/// Splits an INI file into sections (keys before the first header form `DEFAULT`) and metadata.
pub fn read(input: &[u8]) -> Result<(Vec<Item>, Option<Value>), SopsError> {
    let text = String::from_utf8_lossy(input);
    let mut sections: Vec<(String, Vec<Item>)> = vec![("DEFAULT".into(), Vec::new())];
    // ini.v1 attaches comment lines to the next section or key; sops lists a section's
    // comments first in the section and a key's comments right after the key.
    let mut pending: Vec<Item> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with(';') || line.starts_with('#') {
            pending.push(Item::Comment(
                line.trim_start_matches([';', '#']).trim_start().to_owned(),
            ));
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let Some(name) = name.strip_suffix(']') else {
                return Err(SopsError::Syntax {
                    format: "INI",
                    line: n as u32 + 1,
                    col: 1,
                    message: "unclosed section header".into(),
                });
            };
            sections.push((name.trim().to_owned(), std::mem::take(&mut pending)));
            continue;
        }
        let (key, value) = match line.find(['=', ':']) {
            Some(at) => (line[..at].trim(), line[at + 1..].trim()),
            None => {
                return Err(SopsError::Syntax {
                    format: "INI",
                    line: n as u32 + 1,
                    col: 1,
                    message: "key-value delimiter not found".into(),
                });
            }
        };
        let value = unquote(value);
        let current = &mut sections.last_mut().expect("DEFAULT is always there").1;
        current.push(Item::Entry(key.to_owned(), Value::Str(value.to_owned())));
        current.append(&mut pending);
    }
    sections
        .last_mut()
        .expect("DEFAULT is always there")
        .1
        .append(&mut pending);
    let mut items = Vec::new();
    let mut meta = None;
    for (name, body) in sections {
        if name == "DEFAULT" && body.is_empty() {
            continue;
        }
        if name == "sops" {
            let pairs: Vec<(&str, &str)> = body
                .iter()
                .filter_map(|i| match i {
                    Item::Entry(k, Value::Str(v)) => Some((k.as_str(), v.as_str())),
                    _ => None,
                })
                .collect();
            meta = Some(unflatten(pairs)?);
            continue;
        }
        items.push(Item::Entry(name, Value::Map(body)));
    }
    Ok((items, meta))
}

/// ini.v1 strips one pair of matching quotes around a value.
fn unquote(v: &str) -> &str {
    for q in ["\"\"\"", "\"", "'", "`"] {
        if v.len() >= 2 * q.len() && v.starts_with(q) && v.ends_with(q) {
            return &v[q.len()..v.len() - q.len()];
        }
    }
    v
}

/// Writes sections with ini.v1's pretty alignment (`key = value`, `=` aligned per section).
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let mut out = String::new();
    for item in branches.first().map(Vec::as_slice).unwrap_or_default() {
        match item {
            Item::Comment(c) => {
                out.push_str("; ");
                out.push_str(c);
                out.push('\n');
            }
            Item::Entry(name, Value::Map(body)) => {
                if name != "DEFAULT" {
                    out.push_str(&format!("[{name}]\n"));
                }
                let width = body
                    .iter()
                    .filter_map(|i| match i {
                        Item::Entry(k, _) => Some(k.chars().count()),
                        Item::Comment(_) => None,
                    })
                    .max()
                    .unwrap_or(0);
                for entry in body {
                    match entry {
                        Item::Comment(c) => out.push_str(&format!("; {c}\n")),
                        Item::Entry(k, v) => {
                            let value = scalar_text(v)?;
                            let pad = width - k.chars().count();
                            out.push_str(&format!("{k}{} = {value}\n", " ".repeat(pad)));
                        }
                    }
                }
                out.push('\n');
            }
            Item::Entry(name, _) => {
                return Err(SopsError::UnsupportedStore {
                    what: format!("INI output needs a mapping for section `{name}`"),
                });
            }
        }
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_default_and_metadata() {
        let src = b"top = 1\n; about db\n[database]\n; the user\nuser = admin\npassword = \"p w\"\n[sops]\nversion = 3.11.0\n";
        let (items, meta) = read(src).unwrap();
        assert_eq!(items.len(), 2);
        let Item::Entry(name, Value::Map(db)) = &items[1] else {
            panic!("section")
        };
        assert_eq!(name, "database");
        assert_eq!(db.len(), 4);
        assert_eq!(db[0], Item::Comment("about db".into()));
        assert_eq!(db[2], Item::Comment("the user".into()));
        assert_eq!(
            crate::sops::tree::lookup(db, "password"),
            Some(&Value::Str("p w".into()))
        );
        assert!(meta.is_some());
        let out = String::from_utf8(write(&[items]).unwrap()).unwrap();
        assert_eq!(
            out,
            "top = 1\n\n[database]\n; about db\nuser     = admin\n; the user\npassword = p w\n\n"
        );
    }
}
