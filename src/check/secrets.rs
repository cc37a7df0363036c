//! Secret hygiene (FC4xx): Secrets stored in Git without SOPS encryption, files matching a
//! `.sops.yaml` creation rule that are not encrypted, Secret data that is not base64.
//!
//! Secrets made by a `secretGenerator` are not FC401 findings: their values come from other
//! files (which Flux decrypts when they are SOPS-encrypted), and FC402 covers those files when
//! `.sops.yaml` names them. A Secret whose values are all `${VAR}` references (filled in by
//! postBuild substitution) holds no secret in Git.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

use super::CheckOptions;
use super::finding::{Finding, ObjectRef};
use super::index::ClusterIndex;
use super::rule;
use crate::resource::Resource;
use crate::source::{EntryKind, Tree, collect_files};
use crate::yaml::{Limits, Node, Pos, Value, parse_stream};

/// Go's `base64.StdEncoding` as the API server decodes `[]byte` fields: padded, trailing bits
/// allowed.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

fn is_secret(r: &Resource) -> bool {
    let id = r.id();
    id.gvk.kind == "Secret" && id.gvk.group.is_empty()
}

/// Runs FC401 and FC403 over one cluster.
pub fn check(
    tree: &dyn Tree,
    index: &ClusterIndex<'_>,
    options: &CheckOptions,
    out: &mut Vec<Finding>,
) {
    for (key, r) in &index.objects {
        if !is_secret(r) || r.node.get("sops").is_some() {
            continue;
        }
        if r.book.generated_by.is_none() && holds_plaintext(tree, r, &options.limits) {
            out.push(
                index
                    .object_finding(
                        rule::SECRET_NOT_ENCRYPTED,
                        key,
                        r,
                        format!(
                            "{} holds data in Git that is not SOPS-encrypted",
                            ObjectRef::of(r)
                        ),
                    )
                    .sensitive(),
            );
        }
        let Some(Value::Map(data)) = r.node.get("data").map(|n| &n.value) else {
            continue;
        };
        for (k, v) in &data.entries {
            let bad = match &v.value {
                Value::Null => None,
                Value::Str(s) => {
                    let clean: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
                    GO_STD
                        .decode(clean)
                        .is_err()
                        .then(|| "is not valid base64".to_owned())
                }
                other => Some(format!("is a {}, not a base64 string", other.type_name())),
            };
            if let Some(why) = bad {
                out.push(
                    index
                        .object_finding(
                            rule::SECRET_DATA_NOT_BASE64,
                            key,
                            r,
                            format!(
                                "{} data key '{}' {why}",
                                ObjectRef::of(r),
                                k.text().unwrap_or_default()
                            ),
                        )
                        .at_pos(k.pos)
                        .sensitive(),
                );
            }
        }
    }
}

/// Whether a Secret's source document has data or stringData values in plain text (not SOPS,
/// not only `${VAR}` references). The rendered object stands in when the source is unreadable.
fn holds_plaintext(tree: &dyn Tree, r: &Resource, limits: &Limits) -> bool {
    let source = tree
        .read_to_string(&r.origin.file)
        .ok()
        .and_then(|text| parse_stream(&text, limits).ok())
        .and_then(|docs| docs.into_iter().find(|d| d.index == r.origin.doc_index))
        .map(|d| d.root);
    let doc = source.as_ref().unwrap_or(&r.node);
    if doc.get("sops").is_some() {
        return false;
    }
    ["data", "stringData"].iter().any(|field| {
        doc.get(field).and_then(Node::as_map).is_some_and(|m| {
            m.entries.iter().any(|(_, v)| match v.text() {
                Some(t) => !t.is_empty() && !t.contains("${"),
                None => !v.is_null(),
            })
        })
    })
}

/// One creation rule of a `.sops.yaml`.
struct CreationRule {
    path_regex: Option<Regex>,
    encrypted_regex: Option<Regex>,
}

/// A `.sops.yaml` and its creation rules.
struct SopsConfig {
    dir: PathBuf,
    rules: Vec<CreationRule>,
}

/// Runs FC402 over the repository: every file under a `.sops.yaml` that its first matching
/// creation rule would encrypt, but that is not encrypted. A file's path is matched relative
/// to the configuration's directory, as sops does.
pub fn sops_rule_findings(tree: &dyn Tree, root: &Path, limits: &Limits) -> Vec<Finding> {
    // Hidden files count (`.sops.yaml`, `.env`); hidden directories (`.git`) do not.
    let files = collect_files(tree, root, &|name, kind| {
        kind == EntryKind::File || !name.starts_with('.')
    });
    let mut configs = Vec::new();
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.ends_with(".sops.yaml")) {
        match read_config(tree, f, limits) {
            Ok(c) => configs.push(c),
            Err(finding) => out.push(*finding),
        }
    }
    if configs.is_empty() {
        return out;
    }
    configs.sort_by_key(|c| std::cmp::Reverse(c.dir.components().count()));
    for file in &files {
        if file.file_name().is_some_and(|n| n == ".sops.yaml") {
            continue;
        }
        let Some(config) = configs.iter().find(|c| file.starts_with(&c.dir)) else {
            continue;
        };
        let rel = file
            .strip_prefix(&config.dir)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let Some(rule) = config
            .rules
            .iter()
            .find(|r| r.path_regex.as_ref().is_none_or(|re| re.is_match(&rel)))
        else {
            continue;
        };
        let Ok(text) = tree.read_to_string(file) else {
            continue;
        };
        if needs_encryption(&text, rule, limits) {
            out.push(
                Finding::new(
                    rule::SOPS_RULE_NOT_ENCRYPTED,
                    "",
                    format!(
                        "{} matches a creation rule of {} but is not SOPS-encrypted",
                        crate::source::path::display_relative(file, root),
                        crate::source::path::display_relative(&config.dir.join(".sops.yaml"), root)
                    ),
                )
                .at(file, Pos::new(1, 1))
                .sensitive(),
            );
        }
    }
    out
}

fn read_config(tree: &dyn Tree, file: &Path, limits: &Limits) -> Result<SopsConfig, Box<Finding>> {
    let fail = |msg: String, pos: Pos| {
        Box::new(
            Finding::new(rule::SOPS_RULE_NOT_ENCRYPTED, "", msg)
                .at(file, pos)
                .with_hint("fix .sops.yaml: sops itself cannot read it"),
        )
    };
    let text = tree
        .read_to_string(file)
        .map_err(|e| fail(format!("cannot read .sops.yaml: {e}"), Pos::NONE))?;
    let docs = parse_stream(&text, limits).map_err(|e| fail(e.message, e.pos))?;
    let dir = file.parent().unwrap_or(file).to_path_buf();
    let mut rules = Vec::new();
    let root = docs.first().map(|d| &d.root);
    let items = root
        .and_then(|r| r.get("creation_rules"))
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    for item in items {
        let regex = |key: &str| -> Result<Option<Regex>, Box<Finding>> {
            match item.get(key) {
                Some(n) => match n.as_str() {
                    Some(s) => Regex::new(s).map(Some).map_err(|e| {
                        fail(format!("creation rule {key} does not compile: {e}"), n.pos)
                    }),
                    None => Err(fail(format!("creation rule {key} must be a string"), n.pos)),
                },
                None => Ok(None),
            }
        };
        rules.push(CreationRule {
            path_regex: regex("path_regex")?,
            encrypted_regex: regex("encrypted_regex")?,
        });
    }
    Ok(SopsConfig { dir, rules })
}

/// Whether an unencrypted file holds something the rule would encrypt. Kubernetes documents
/// count only when they are Secrets with data (a rule matching every `*.yaml` is common, and
/// ConfigMaps are not meant to be encrypted); other YAML or JSON counts when a key matches the
/// rule's `encrypted_regex` (any key without one); other text counts when not empty.
fn needs_encryption(text: &str, rule: &CreationRule, limits: &Limits) -> bool {
    if text
        .lines()
        .any(|l| l.starts_with("sops_mac=") || l.trim() == "[sops]")
    {
        return false;
    }
    let Ok(docs) = parse_stream(text, limits) else {
        return !text.trim().is_empty();
    };
    if docs.iter().any(|d| d.root.get("sops").is_some()) {
        return false;
    }
    docs.iter().any(|d| {
        let root = &d.root;
        match &root.value {
            Value::Map(_) if root.get("apiVersion").is_some() && root.get("kind").is_some() => {
                root.get("kind").and_then(Node::as_str) == Some("Secret")
                    && ["data", "stringData"].iter().any(|f| {
                        root.get(f)
                            .and_then(Node::as_map)
                            .is_some_and(|m| !m.is_empty())
                    })
            }
            Value::Map(m) => match &rule.encrypted_regex {
                Some(re) => has_key(m, re, 0),
                None => !m.is_empty(),
            },
            Value::Null => false,
            _ => rule.encrypted_regex.is_none(),
        }
    })
}

/// Deepest mapping nesting searched for keys a rule would encrypt.
const MAX_KEY_DEPTH: usize = 64;

fn has_key(m: &crate::yaml::Mapping, re: &Regex, depth: usize) -> bool {
    depth < MAX_KEY_DEPTH
        && m.entries.iter().any(|(k, v)| {
            k.text().is_some_and(|t| re.is_match(&t))
                || v.as_map().is_some_and(|vm| has_key(vm, re, depth + 1))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(encrypted: Option<&str>) -> CreationRule {
        CreationRule {
            path_regex: None,
            encrypted_regex: encrypted.map(|r| Regex::new(r).unwrap()),
        }
    }

    #[test]
    fn only_secrets_with_data_and_matching_keys_need_encryption() {
        let l = Limits::default();
        let r = rule(Some("^(data|stringData)$"));
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: b\n";
        assert!(needs_encryption(secret, &r, &l));
        let enc = format!("{secret}sops:\n  mac: ENC[x]\n");
        assert!(!needs_encryption(&enc, &r, &l));
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n";
        assert!(!needs_encryption(cm, &r, &l));
        assert!(needs_encryption("db:\n  data: x\n", &r, &l));
        assert!(!needs_encryption("db:\n  other: x\n", &r, &l));
        assert!(needs_encryption("PASSWORD=x\n", &rule(None), &l));
        assert!(!needs_encryption(
            "PASSWORD=ENC[x]\nsops_mac=ENC[y]\n",
            &rule(None),
            &l
        ));
    }

    #[test]
    fn go_base64_allows_trailing_bits_but_not_bad_padding() {
        assert!(GO_STD.decode("YWJj").is_ok());
        assert!(GO_STD.decode("YWJ=").is_ok());
        assert!(GO_STD.decode("YWJ").is_err());
        assert!(GO_STD.decode("not base64!").is_err());
    }
}
