//! The `sops` metadata block (spec §3): master keys, rule, MAC and its AAD, with validation.

use super::error::SopsError;
use super::rules::{Rule, compile};
use super::tree::Value;

/// One master key of a key group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterKey {
    /// An age recipient and its armored age file holding the data key (or a Shamir share).
    Age {
        /// `age1…` or `ssh-ed25519 …`/`ssh-rsa …`.
        recipient: String,
        /// The ASCII-armored age file.
        enc: String,
    },
    /// A key type fleetcheck cannot use (PGP, cloud KMS, Vault).
    Other {
        /// `pgp`, `kms`, `gcp_kms`, `azure_kv`, `hc_vault`.
        kind: &'static str,
        /// Its identifier (fingerprint, ARN, URL).
        id: String,
    },
}

impl MasterKey {
    /// The name used in error messages.
    pub fn label(&self) -> String {
        match self {
            MasterKey::Age { recipient, .. } => recipient.clone(),
            MasterKey::Other { kind, id } => format!("{kind} {id}"),
        }
    }
}

/// The parsed metadata.
#[derive(Clone, Debug)]
pub struct Metadata {
    /// Key groups; keys inside a group in decryption order (age first).
    pub groups: Vec<Vec<MasterKey>>,
    /// Groups needed when there is more than one.
    pub shamir_threshold: usize,
    /// `lastmodified` normalised as Go re-formats it (the MAC's AAD).
    pub mac_aad: String,
    /// The encrypted MAC (`""` when absent).
    pub mac: String,
    /// The encryption rule.
    pub rule: Rule,
    /// The MAC covers only encrypted values.
    pub mac_only_encrypted: bool,
}

/// Kinds of non-age master keys, with the field that names each key.
const OTHER_KEYS: [(&str, &str); 5] = [
    ("kms", "arn"),
    ("gcp_kms", "resource_id"),
    ("azure_kv", "vaultUrl"),
    ("hc_vault", "vault_address"),
    ("pgp", "fp"),
];

fn invalid(what: impl Into<String>) -> SopsError {
    SopsError::InvalidMetadata { what: what.into() }
}

/// A scalar field as text (strings, and the timestamps a YAML reader may have typed).
fn text_field<'a>(meta: &'a Value, name: &str) -> Result<Option<&'a str>, SopsError> {
    match meta.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) | Some(Value::Time(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(format!(
            "`{name}` must be a string, found {}",
            other.type_name()
        ))),
    }
}

fn list_field<'a>(v: &'a Value, name: &str) -> Result<&'a [Value], SopsError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::List(l)) => Ok(l),
        Some(other) => Err(invalid(format!(
            "`{name}` must be a list, found {}",
            other.type_name()
        ))),
    }
}

/// Reads one group's keys from a mapping holding `age`, `pgp`, `kms`, … lists, age first.
fn group_keys(holder: &Value) -> Result<Vec<MasterKey>, SopsError> {
    let mut keys = Vec::new();
    for entry in list_field(holder, "age")? {
        let field = |n: &str| -> Result<String, SopsError> {
            text_field(entry, n)?
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("an age key has no `{n}`")))
        };
        keys.push(MasterKey::Age {
            recipient: field("recipient")?,
            enc: field("enc")?,
        });
    }
    // Decryption order: age, then pgp, then the rest in sops' field order.
    let order = [4usize, 0, 1, 2, 3];
    for i in order {
        let (kind, id_field) = OTHER_KEYS[i];
        for entry in list_field(holder, kind)? {
            let id = text_field(entry, id_field)
                .ok()
                .flatten()
                .unwrap_or("?")
                .to_owned();
            keys.push(MasterKey::Other { kind, id });
        }
    }
    Ok(keys)
}

fn int_field(meta: &Value, name: &str) -> Result<usize, SopsError> {
    let bad = || invalid(format!("`{name}` must be a non-negative integer"));
    match meta.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Int(i)) => usize::try_from(*i).map_err(|_| bad()),
        Some(Value::Float(f)) if f.fract() == 0.0 && *f >= 0.0 => Ok(*f as usize),
        Some(Value::Str(s)) => s
            .parse::<usize>()
            .ok()
            .or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as usize)
            })
            .ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

fn bool_field(meta: &Value, name: &str) -> Result<bool, SopsError> {
    match meta.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Str(s)) => Ok(s == "true"),
        Some(other) => Err(invalid(format!(
            "`{name}` must be a boolean, found {}",
            other.type_name()
        ))),
    }
}

impl Metadata {
    /// Reads and validates the metadata mapping (spec §3.2).
    pub fn from_value(meta: &Value) -> Result<Metadata, SopsError> {
        if !matches!(meta, Value::Map(_)) {
            return Err(invalid("`sops` must be a mapping"));
        }
        let top = group_keys(meta)?;
        let groups = if !top.is_empty() {
            vec![top]
        } else {
            list_field(meta, "key_groups")?
                .iter()
                .map(group_keys)
                .collect::<Result<Vec<_>, _>>()?
        };
        if groups.iter().all(Vec::is_empty) {
            return Err(SopsError::NoKeysInFile);
        }
        let lastmodified = text_field(meta, "lastmodified")?.unwrap_or("");
        let mac_aad = normalize_rfc3339(lastmodified).ok_or_else(|| {
            invalid(format!(
                "`lastmodified` is not an RFC 3339 timestamp: {lastmodified:?}"
            ))
        })?;
        Ok(Metadata {
            groups,
            shamir_threshold: int_field(meta, "shamir_threshold")?,
            mac_aad,
            mac: text_field(meta, "mac")?.unwrap_or("").to_owned(),
            rule: rule_of(meta)?,
            mac_only_encrypted: bool_field(meta, "mac_only_encrypted")?,
        })
    }
}

fn rule_of(meta: &Value) -> Result<Rule, SopsError> {
    let names = [
        "unencrypted_suffix",
        "encrypted_suffix",
        "unencrypted_regex",
        "encrypted_regex",
        "unencrypted_comment_regex",
        "encrypted_comment_regex",
    ];
    let mut set = Vec::new();
    for name in names {
        if let Some(v) = text_field(meta, name)?.filter(|v| !v.is_empty()) {
            set.push((name, v.to_owned()));
        }
    }
    if set.len() > 1 {
        return Err(invalid(
            "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file",
        ));
    }
    Ok(match set.pop() {
        None => Rule::UnencryptedSuffix("_unencrypted".into()),
        Some((name, v)) => match name {
            "unencrypted_suffix" => Rule::UnencryptedSuffix(v),
            "encrypted_suffix" => Rule::EncryptedSuffix(v),
            "unencrypted_regex" => Rule::UnencryptedRegex(compile(&v)),
            "encrypted_regex" => Rule::EncryptedRegex(compile(&v)),
            "unencrypted_comment_regex" => Rule::UnencryptedCommentRegex(compile(&v)),
            _ => Rule::EncryptedCommentRegex(compile(&v)),
        },
    })
}

/// Go's `time.Parse(time.RFC3339, s).Format(time.RFC3339)`: validates `s` and drops the fraction.
pub fn normalize_rfc3339(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[month as usize - 1]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let zone = match &s[i..] {
        "Z" => "Z".to_owned(),
        z if z.len() == 6
            && (z.starts_with('+') || z.starts_with('-'))
            && z.as_bytes()[3] == b':' =>
        {
            let (h, m) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            if h == 0 && m == 0 {
                "Z".to_owned()
            } else {
                z.to_owned()
            }
        }
        _ => return None,
    };
    Some(format!("{}{zone}", &s[..19]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::tree::Item;

    fn map(items: Vec<(&str, Value)>) -> Value {
        Value::Map(
            items
                .into_iter()
                .map(|(k, v)| Item::Entry(k.into(), v))
                .collect(),
        )
    }

    fn age(r: &str) -> Value {
        map(vec![
            ("recipient", Value::Str(r.into())),
            ("enc", Value::Str("x".into())),
        ])
    }

    #[test]
    fn lastmodified_normalisation() {
        assert_eq!(
            normalize_rfc3339("2026-11-22T01:27:22Z").unwrap(),
            "2026-11-22T01:27:22Z"
        );
        assert_eq!(
            normalize_rfc3339("2026-11-22T01:27:22.5Z").unwrap(),
            "2026-11-22T01:27:22Z"
        );
        assert_eq!(
            normalize_rfc3339("2026-11-22T01:27:22+00:00").unwrap(),
            "2026-11-22T01:27:22Z"
        );
        assert_eq!(
            normalize_rfc3339("2026-11-22T01:27:22-05:00").unwrap(),
            "2026-11-22T01:27:22-05:00"
        );
        assert!(normalize_rfc3339("2026-11-22t01:27:22Z").is_none());
        assert!(normalize_rfc3339("2026-11-22T01:27:22z").is_none());
        assert!(normalize_rfc3339("2026-02-30T01:27:22Z").is_none());
        assert!(normalize_rfc3339("").is_none());
    }

    #[test]
    fn groups_rules_and_errors() {
        let lm = ("lastmodified", Value::Str("2026-11-22T01:27:22Z".into()));
        let m = Metadata::from_value(&map(vec![
            ("age", Value::List(vec![age("age1a")])),
            lm.clone(),
        ]))
        .unwrap();
        assert_eq!(m.groups.len(), 1);
        assert!(matches!(m.rule, Rule::UnencryptedSuffix(ref s) if s == "_unencrypted"));
        let groups = Value::List(vec![
            map(vec![("age", Value::List(vec![age("age1a")]))]),
            map(vec![
                (
                    "pgp",
                    Value::List(vec![map(vec![("fp", Value::Str("F00".into()))])]),
                ),
                ("age", Value::List(vec![age("age1b")])),
            ]),
        ]);
        let m = Metadata::from_value(&map(vec![
            ("key_groups", groups),
            ("shamir_threshold", Value::Str("2".into())),
            lm.clone(),
        ]))
        .unwrap();
        assert_eq!(m.groups.len(), 2);
        assert_eq!(m.shamir_threshold, 2);
        assert!(
            matches!(m.groups[1][0], MasterKey::Age { .. }),
            "age keys are tried before pgp"
        );
        assert_eq!(
            Metadata::from_value(&map(vec![lm.clone()])).unwrap_err(),
            SopsError::NoKeysInFile
        );
        let two_rules = map(vec![
            ("age", Value::List(vec![age("age1a")])),
            lm.clone(),
            ("encrypted_regex", Value::Str("a".into())),
            ("unencrypted_suffix", Value::Str("_u".into())),
        ]);
        assert!(matches!(
            Metadata::from_value(&two_rules),
            Err(SopsError::InvalidMetadata { .. })
        ));
        let bad_time = map(vec![
            ("age", Value::List(vec![age("age1a")])),
            ("lastmodified", Value::Str("yesterday".into())),
        ]);
        assert!(matches!(
            Metadata::from_value(&bad_time),
            Err(SopsError::InvalidMetadata { .. })
        ));
    }
}
