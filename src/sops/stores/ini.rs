//! The INI store (gopkg.in/ini.v1 as sops uses it, spec §2.5): sections become top-level
//! mappings, `[sops]` holds the flattened metadata. Comment lines attach to the next section
//! header or key, as ini.v1 reads them; sops lists a section's comment first in the section and
//! a key's comment right after the key, and writes both back before what they belong to.

use crate::sops::error::SopsError;
use crate::sops::flatten::unflatten;
use crate::sops::tree::{Item, Value};

use super::dotenv::scalar_text;

/// One section as ini.v1 holds it.
struct Section {
    name: String,
    comment: String,
    keys: Vec<(String, String, String)>,
}

/// sops' `stripCommentChar`: leading `;`/`#` and spaces of the (first line of the) comment.
fn strip_comment(c: &str) -> String {
    if c.starts_with(';') {
        c.trim_start_matches([';', ' ']).to_owned()
    } else if c.starts_with('#') {
        c.trim_start_matches(['#', ' ']).to_owned()
    } else {
        c.to_owned()
    }
}

/// ini.v1's value reading: quoted values keep their content, others end at `#`/`;`.
fn read_value(v: &str) -> String {
    for q in ["\"\"\"", "\"", "`"] {
        if let Some(rest) = v.strip_prefix(q)
            && let Some(end) = rest.find(q)
        {
            return rest[..end].to_owned();
        }
    }
    let v = v.find(['#', ';']).map_or(v, |i| &v[..i]).trim();
    let quoted = |q: char| v.len() >= 2 && v.starts_with(q) && v.ends_with(q);
    if quoted('\'') || quoted('"') {
        v[1..v.len() - 1].to_owned()
    } else {
        v.to_owned()
    }
}

fn parse(text: &str) -> Result<Vec<Section>, SopsError> {
    let mut sections = vec![Section {
        name: "DEFAULT".into(),
        comment: String::new(),
        keys: Vec::new(),
    }];
    let mut pending: Vec<&str> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with(';') || line.starts_with('#') {
            pending.push(line);
            continue;
        }
        let comment = pending.join("\n");
        pending.clear();
        if let Some(name) = line.strip_prefix('[') {
            let Some(end) = name.find(']') else {
                return Err(SopsError::Syntax {
                    format: "INI",
                    line: n as u32 + 1,
                    col: 1,
                    message: "unclosed section header".into(),
                });
            };
            sections.push(Section {
                name: name[..end].trim().to_owned(),
                comment,
                keys: Vec::new(),
            });
            continue;
        }
        let Some(at) = line.find(['=', ':']) else {
            return Err(SopsError::Syntax {
                format: "INI",
                line: n as u32 + 1,
                col: 1,
                message: "key-value delimiter not found".into(),
            });
        };
        let (key, value) = (
            line[..at].trim().trim_matches('`'),
            read_value(line[at + 1..].trim()),
        );
        sections
            .last_mut()
            .expect("DEFAULT is always there")
            .keys
            .push((key.to_owned(), value, comment));
    }
    Ok(sections)
}

/// Splits an INI file into sections (keys before the first header form `DEFAULT`) and metadata.
pub fn read(input: &[u8]) -> Result<(Vec<Item>, Option<Value>), SopsError> {
    let text = String::from_utf8_lossy(input);
    let mut items = Vec::new();
    let mut meta = None;
    for section in parse(&text)? {
        if section.name == "sops" {
            meta = Some(unflatten(
                section
                    .keys
                    .iter()
                    .map(|(k, v, _)| (k.as_str(), v.as_str())),
            )?);
            continue;
        }
        if section.name == "DEFAULT" && section.keys.is_empty() && section.comment.is_empty() {
            continue;
        }
        let mut body = Vec::new();
        if !section.comment.is_empty() {
            body.push(Item::Comment(strip_comment(&section.comment)));
        }
        for (k, v, c) in section.keys {
            body.push(Item::Entry(k, Value::Str(v)));
            if !c.is_empty() {
                body.push(Item::Comment(strip_comment(&c)));
            }
        }
        items.push(Item::Entry(section.name, Value::Map(body)));
    }
    Ok((items, meta))
}

/// ini.v1's comment lines: `; ` added unless the line starts with `;`/`#`.
fn push_comment(out: &mut String, comment: &str) {
    for line in comment.split('\n') {
        match line.chars().next() {
            Some(c @ (';' | '#')) => out.push_str(&format!("{c} {}\n", line[1..].trim())),
            _ => out.push_str(&format!("; {line}\n")),
        }
    }
}

/// ini.v1's value quoting when writing.
fn quote_value(v: &str) -> String {
    if v.contains('\n') || v.contains('`') {
        format!("\"\"\"{v}\"\"\"")
    } else if v.contains('#') || v.contains(';') {
        format!("`{v}`")
    } else if v.trim() != v {
        format!("\"{v}\"")
    } else {
        v.to_owned()
    }
}

/// Writes sections as sops does through ini.v1 (pretty `=` alignment per section).
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let mut sections: Vec<String> = Vec::new();
    for item in branches.first().map(Vec::as_slice).unwrap_or_default() {
        let Item::Entry(name, v) = item else { continue };
        let Value::Map(body) = v else {
            return Err(SopsError::UnsupportedStore {
                what: format!("INI output needs a mapping for section `{name}`"),
            });
        };
        let (section_comment, rest) = match body.first() {
            Some(Item::Comment(c)) => (Some(c.as_str()), &body[1..]),
            _ => (None, &body[..]),
        };
        // A comment item annotates the key before it (the last one wins, as in sops).
        let mut keys: Vec<(&str, String, Option<&str>)> = Vec::new();
        for entry in rest {
            match entry {
                Item::Entry(k, v) => keys.push((k, scalar_text(v)?, None)),
                Item::Comment(c) => {
                    if let Some(last) = keys.last_mut() {
                        last.2 = Some(c);
                    }
                }
            }
        }
        let mut out = String::new();
        if let Some(c) = section_comment {
            push_comment(&mut out, c);
        }
        if name != "DEFAULT" {
            out.push_str(&format!("[{name}]\n"));
        } else if keys.is_empty() {
            continue;
        }
        let width = keys
            .iter()
            .map(|(k, _, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v, c) in keys {
            if let Some(c) = c {
                push_comment(&mut out, c);
            }
            out.push_str(&format!(
                "{k}{} = {}\n",
                " ".repeat(width - k.chars().count()),
                quote_value(&v)
            ));
        }
        sections.push(out);
    }
    Ok(sections.join("\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_attach_like_ini_v1() {
        let src = b"top = 1\n; about db\n\n[database]\n; the user\nuser = admin\npassword = \"p w\"\nport = 5 ; inline\n[sops]\nversion = 3.11.0\n";
        let (items, meta) = read(src).unwrap();
        assert_eq!(items.len(), 2);
        let Item::Entry(name, Value::Map(db)) = &items[1] else {
            panic!("section")
        };
        assert_eq!(name, "database");
        assert_eq!(db[0], Item::Comment("about db".into()));
        assert_eq!(
            db[1],
            Item::Entry("user".into(), Value::Str("admin".into()))
        );
        assert_eq!(db[2], Item::Comment("the user".into()));
        assert_eq!(
            db[3],
            Item::Entry("password".into(), Value::Str("p w".into()))
        );
        assert_eq!(db[4], Item::Entry("port".into(), Value::Str("5".into())));
        assert!(meta.is_some());
        let out = String::from_utf8(write(&[items]).unwrap()).unwrap();
        assert_eq!(
            out,
            "top = 1\n\n; about db\n[database]\n; the user\nuser     = admin\npassword = p w\nport     = 5\n"
        );
        assert!(matches!(
            read(b"[open\n"),
            Err(SopsError::Syntax { line: 1, .. })
        ));
    }
}
