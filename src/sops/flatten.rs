//! Unflattening the metadata of dotenv and INI files (spec §3.3): `age__list_0__map_enc` keys
//! become nested lists and mappings; `\n` escapes become newlines.

use super::error::SopsError;
use super::tree::{Item, Value};

enum Seg {
    Key(String),
    Index(usize),
}

fn segments(key: &str) -> Result<Vec<Seg>, SopsError> {
    let mut out = Vec::new();
    let mut rest = key;
    let first_end = rest
        .find("__map_")
        .into_iter()
        .chain(rest.find("__list_"))
        .min()
        .unwrap_or(rest.len());
    out.push(Seg::Key(rest[..first_end].to_owned()));
    rest = &rest[first_end..];
    while !rest.is_empty() {
        let (is_list, body) = if let Some(b) = rest.strip_prefix("__list_") {
            (true, b)
        } else if let Some(b) = rest.strip_prefix("__map_") {
            (false, b)
        } else {
            return Err(SopsError::InvalidMetadata {
                what: format!("cannot unflatten metadata key `{key}`"),
            });
        };
        let end = body
            .find("__map_")
            .into_iter()
            .chain(body.find("__list_"))
            .min()
            .unwrap_or(body.len());
        let token = &body[..end];
        out.push(if is_list {
            Seg::Index(token.parse().map_err(|_| SopsError::InvalidMetadata {
                what: format!("bad list index in metadata key `{key}`"),
            })?)
        } else {
            Seg::Key(token.to_owned())
        });
        rest = &body[end..];
    }
    Ok(out)
}

/// Bounds list indices in flattened metadata (a hostile file must not allocate without limit).
const MAX_INDEX: usize = 10_000;

fn insert(slot: &mut Value, segs: &[Seg], leaf: String) -> Result<(), SopsError> {
    let Some((first, rest)) = segs.split_first() else {
        *slot = Value::Str(leaf);
        return Ok(());
    };
    match first {
        Seg::Key(k) => {
            if !matches!(slot, Value::Map(_)) {
                *slot = Value::Map(Vec::new());
            }
            let Value::Map(items) = slot else {
                unreachable!()
            };
            let pos = items
                .iter()
                .position(|i| matches!(i, Item::Entry(key, _) if key == k));
            let pos = pos.unwrap_or_else(|| {
                items.push(Item::Entry(k.clone(), Value::Null));
                items.len() - 1
            });
            let Item::Entry(_, v) = &mut items[pos] else {
                unreachable!()
            };
            insert(v, rest, leaf)
        }
        Seg::Index(i) => {
            if *i > MAX_INDEX {
                return Err(SopsError::InvalidMetadata {
                    what: format!("metadata list index {i} is too large"),
                });
            }
            if !matches!(slot, Value::List(_)) {
                *slot = Value::List(Vec::new());
            }
            let Value::List(list) = slot else {
                unreachable!()
            };
            if list.len() <= *i {
                list.resize(*i + 1, Value::Null);
            }
            insert(&mut list[*i], rest, leaf)
        }
    }
}

/// Builds the metadata mapping from flattened `(key, value)` pairs (prefix already removed).
pub fn unflatten<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Value, SopsError> {
    let mut root = Value::Map(Vec::new());
    for (key, value) in pairs {
        insert(&mut root, &segments(key)?, value.replace("\\n", "\n"))?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_and_maps() {
        let v = unflatten([
            ("age__list_0__map_enc", "a\\nb"),
            ("age__list_0__map_recipient", "age1x"),
            (
                "key_groups__list_1__map_age__list_0__map_recipient",
                "age1y",
            ),
            ("version", "3.11.0"),
        ])
        .unwrap();
        let age = v.get("age").unwrap();
        let Value::List(l) = age else {
            panic!("age is a list")
        };
        assert_eq!(l[0].get("enc"), Some(&Value::Str("a\nb".into())));
        let Some(Value::List(groups)) = v.get("key_groups") else {
            panic!("groups")
        };
        assert_eq!(groups.len(), 2);
        assert_eq!(v.get("version"), Some(&Value::Str("3.11.0".into())));
        assert!(unflatten([("age__list_x", "1")]).is_err());
        assert!(unflatten([("age__list_99999999", "1")]).is_err());
    }
}
