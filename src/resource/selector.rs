//! Resource selectors (`patches[].target`, replacement `select`/`reject`): anchored regular
//! expressions on group, version, kind, name and namespace, plus label and annotation selectors.

use regex::Regex;

use super::Resource;

/// A compiled kustomize `Selector`. Empty fields select everything.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

/// The written form of a selector, as in a kustomization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectorSpec {
    /// API group regex.
    pub group: String,
    /// API version regex.
    pub version: String,
    /// Kind regex.
    pub kind: String,
    /// Name regex (matched against the original and the current name).
    pub name: String,
    /// Namespace regex (matched against the original and the current effective namespace).
    pub namespace: String,
    /// Kubernetes label selector.
    pub label_selector: String,
    /// Kubernetes label selector syntax, applied to annotations.
    pub annotation_selector: String,
}

impl Selector {
    /// Compiles a selector; a bad regex or label selector is an error message.
    pub fn new(spec: &SelectorSpec) -> Result<Selector, String> {
        let re = |field: &str, pat: &str| -> Result<Option<Regex>, String> {
            if pat.is_empty() {
                return Ok(None);
            }
            Regex::new(&format!("^(?:{pat})$"))
                .map(Some)
                .map_err(|e| format!("invalid regex in selector {field} {pat:?}: {e}"))
        };
        let sel = |s: &str| -> Result<Option<LabelSelector>, String> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                LabelSelector::parse(s).map(Some)
            }
        };
        Ok(Selector {
            group: re("group", &spec.group)?,
            version: re("version", &spec.version)?,
            kind: re("kind", &spec.kind)?,
            name: re("name", &spec.name)?,
            namespace: re("namespace", &spec.namespace)?,
            labels: sel(&spec.label_selector)?,
            annotations: sel(&spec.annotation_selector)?,
        })
    }

    /// Whether the selector picks `r` (kustomize's `resWrangler.Select` for one resource).
    pub fn matches(&self, r: &Resource) -> bool {
        let cur = r.id();
        let org = r.org_id();
        if let Some(ns) = &self.namespace
            && !ns.is_match(org.effective_namespace())
            && !ns.is_match(cur.effective_namespace())
        {
            return false;
        }
        if let Some(name) = &self.name
            && !name.is_match(&org.name)
            && !name.is_match(&cur.name)
        {
            return false;
        }
        let gvk_ok = |re: &Option<Regex>, v: &str| re.as_ref().is_none_or(|re| re.is_match(v));
        if !gvk_ok(&self.group, &cur.gvk.group)
            || !gvk_ok(&self.version, &cur.gvk.version)
            || !gvk_ok(&self.kind, &cur.gvk.kind)
        {
            return false;
        }
        if let Some(l) = &self.labels
            && !l.matches(&borrowed(&r.meta_text_pairs("labels")))
        {
            return false;
        }
        if let Some(a) = &self.annotations
            && !a.matches(&borrowed(&r.meta_text_pairs("annotations")))
        {
            return false;
        }
        true
    }
}

/// A Kubernetes label selector (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`,
/// `k<1`; commas AND the requirements).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
    Gt(String, i64),
    Lt(String, i64),
}

impl LabelSelector {
    /// Parses the selector syntax of `kubectl -l`.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "invalid label selector {text:?}: empty requirement"
                ));
            }
            requirements.push(
                parse_requirement(part)
                    .map_err(|e| format!("invalid label selector {text:?}: {e}"))?,
            );
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        self.requirements.iter().all(|r| match r {
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
            Requirement::Gt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Requirement::Lt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }
}

/// Splits on commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(key.trim().to_owned()));
    }
    for (op, make) in [("!=", 0), ("==", 1), ("=", 1), (">", 2), ("<", 3)] {
        if let Some((k, v)) = part.split_once(op) {
            let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
            if k.is_empty() {
                return Err(format!("missing key in {part:?}"));
            }
            return Ok(match make {
                0 => Requirement::NotIn(k, vec![v]),
                1 => Requirement::In(k, vec![v]),
                2 => Requirement::Gt(
                    k,
                    v.parse().map_err(|_| format!("{v:?} is not an integer"))?,
                ),
                _ => Requirement::Lt(
                    k,
                    v.parse().map_err(|_| format!("{v:?} is not an integer"))?,
                ),
            });
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let rest = words[1].trim();
        let (op, list) = rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(o, l)| (o, l));
        let list = list.trim();
        if let Some(inner) = list.strip_prefix('(').and_then(|l| l.strip_suffix(')')) {
            let values = inner.split(',').map(|v| v.trim().to_owned()).collect();
            let key = words[0].to_owned();
            return match op {
                "in" => Ok(Requirement::In(key, values)),
                "notin" => Ok(Requirement::NotIn(key, values)),
                _ => Err(format!("unknown operator {op:?}")),
            };
        }
        return Err(format!("cannot parse {part:?}"));
    }
    Ok(Requirement::Exists(part.to_owned()))
}

/// Pairs of owned strings as the `(&str, &str)` pairs [`LabelSelector::matches`] takes.
pub fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selector_syntax() {
        let s = LabelSelector::parse("app=web, tier in (a, b),!legacy,env!=prod").unwrap();
        assert!(s.matches(&[("app", "web"), ("tier", "b")]));
        assert!(!s.matches(&[("app", "web"), ("tier", "c")]));
        assert!(!s.matches(&[("app", "web"), ("tier", "a"), ("legacy", "x")]));
        assert!(!s.matches(&[("app", "web"), ("tier", "a"), ("env", "prod")]));
        let s = LabelSelector::parse("x, y notin (1)").unwrap();
        assert!(s.matches(&[("x", ""), ("y", "2")]));
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn regex_fields_are_anchored() {
        use crate::resource::Origin;
        use crate::yaml::{Limits, parse_stream};
        let doc = parse_stream(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-1, labels: {a: b}}\n",
            &Limits::default(),
        )
        .unwrap()
        .remove(0);
        let r = Resource::new(
            doc.root,
            Origin {
                file: std::path::Path::new("/x").into(),
                doc_index: 0,
                pos: Default::default(),
            },
        );
        let sel = |spec: SelectorSpec| Selector::new(&spec).unwrap().matches(&r);
        assert!(sel(SelectorSpec {
            name: "web-.*".into(),
            ..Default::default()
        }));
        assert!(!sel(SelectorSpec {
            name: "web".into(),
            ..Default::default()
        }));
        assert!(sel(SelectorSpec {
            kind: "Deploy.*".into(),
            group: "apps".into(),
            ..Default::default()
        }));
        assert!(sel(SelectorSpec {
            namespace: "default".into(),
            ..Default::default()
        }));
        assert!(!sel(SelectorSpec {
            label_selector: "a=c".into(),
            ..Default::default()
        }));
        assert!(
            Selector::new(&SelectorSpec {
                name: "(".into(),
                ..Default::default()
            })
            .is_err()
        );
    }
}
