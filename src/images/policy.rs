//! ImagePolicy and ImageRepository objects, and policy evaluation as the
//! image-reflector-controller does it (semver, alphabetical, numerical; `filterTags`).

use regex::Regex;

use super::semver::{Constraint, Version};
use crate::yaml::{Node, Pos};

/// Where an object was declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Path relative to the repository root, with `/` separators.
    pub file: String,
    /// Where the document starts.
    pub pos: Pos,
}

/// An `ImageRepository`: the image whose tags a policy chooses from.
#[derive(Clone, Debug)]
pub struct ImageRepository {
    /// Namespace (`default` when absent, as the API server would set it).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.image`, the key into the tags file.
    pub image: String,
    /// Where it is declared.
    pub origin: Origin,
}

/// How a policy orders tags.
#[derive(Clone, Debug)]
pub enum Rule {
    /// `semver.range`: the highest version in range.
    SemVer {
        /// The range as written.
        range: String,
        /// The parsed range.
        constraint: Constraint,
    },
    /// `alphabetical.order`: the last tag in byte order (`asc`) or the first (`desc`).
    Alphabetical {
        /// Descending order.
        desc: bool,
    },
    /// `numerical.order`: the largest number (`asc`) or the smallest (`desc`).
    Numerical {
        /// Descending order.
        desc: bool,
    },
}

/// `filterTags`: keep tags matching `pattern`, compare the `extract` expansion.
#[derive(Clone, Debug)]
pub struct TagFilter {
    /// The compiled pattern (unanchored, as Go's regexp.FindStringSubmatchIndex).
    pub pattern: Regex,
    /// The replacement template (`$name`, `${1}`); empty keeps the tag.
    pub extract: String,
}

/// An `ImagePolicy`.
#[derive(Clone, Debug)]
pub struct ImagePolicy {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `metadata.labels`, for automations' `policySelector`.
    pub labels: Vec<(String, String)>,
    /// `spec.imageRepositoryRef` as (namespace, name).
    pub repository: (String, String),
    /// The ordering rule, or why it is invalid.
    pub rule: Result<Rule, String>,
    /// The tag filter, or why it is invalid.
    pub filter: Option<Result<TagFilter, String>>,
    /// Where it is declared.
    pub origin: Origin,
}

impl ImagePolicy {
    /// `NS:NAME`, as markers name it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.namespace, self.name)
    }
}

/// Reads `metadata.namespace` (default `default`) and `metadata.name`.
pub fn object_name(doc: &Node) -> Option<(String, String)> {
    let name = doc.get_path(&["metadata", "name"])?.text()?.into_owned();
    let namespace = doc
        .get_path(&["metadata", "namespace"])
        .and_then(|n| n.text())
        .map_or_else(|| "default".to_string(), |n| n.into_owned());
    Some((namespace, name))
}

/// Reads an ImageRepository document; `None` when it has no name or image.
pub fn parse_repository(doc: &Node, origin: Origin) -> Result<ImageRepository, String> {
    let (namespace, name) = object_name(doc).ok_or("ImageRepository without metadata.name")?;
    let image = doc
        .get_path(&["spec", "image"])
        .and_then(|n| n.as_str())
        .ok_or_else(|| format!("ImageRepository {namespace}/{name} has no spec.image"))?;
    Ok(ImageRepository {
        namespace,
        name,
        image: image.to_string(),
        origin,
    })
}

/// Reads an ImagePolicy document. Rule and filter errors are kept in the policy (they make
/// its markers fail, not the whole run).
pub fn parse_policy(doc: &Node, origin: Origin) -> Result<ImagePolicy, String> {
    let (namespace, name) = object_name(doc).ok_or("ImagePolicy without metadata.name")?;
    let repo_ref = doc.get_path(&["spec", "imageRepositoryRef"]);
    let repo_name = repo_ref
        .and_then(|r| r.get("name"))
        .and_then(|n| n.as_str())
        .ok_or_else(|| {
            format!("ImagePolicy {namespace}/{name} has no spec.imageRepositoryRef.name")
        })?;
    let repo_ns = repo_ref
        .and_then(|r| r.get("namespace"))
        .and_then(|n| n.as_str())
        .unwrap_or(&namespace);
    let labels = doc
        .get_path(&["metadata", "labels"])
        .and_then(|l| l.as_map())
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.text()?.into_owned(), v.text()?.into_owned())))
                .collect()
        })
        .unwrap_or_default();
    let filter = doc.get_path(&["spec", "filterTags"]).map(parse_filter);
    Ok(ImagePolicy {
        rule: parse_rule(doc.get_path(&["spec", "policy"])),
        repository: (repo_ns.to_string(), repo_name.to_string()),
        namespace,
        name,
        labels,
        filter,
        origin,
    })
}

fn parse_rule(policy: Option<&Node>) -> Result<Rule, String> {
    let policy = policy.ok_or("spec.policy is missing")?;
    let order = |kind: &str, n: &Node| -> Result<bool, String> {
        let order = n.get("order").and_then(|o| o.text()).unwrap_or_default();
        match order.to_ascii_uppercase().as_str() {
            "" | "ASC" => Ok(false),
            "DESC" => Ok(true),
            _ => Err(format!(
                "invalid {kind} order {order:?}, must be one of: asc, desc"
            )),
        }
    };
    if let Some(s) = policy.get("semver") {
        let range = s.get("range").and_then(|r| r.text()).unwrap_or_default();
        let constraint = Constraint::parse(&range)
            .map_err(|e| format!("invalid semver range {range:?}: {e}"))?;
        return Ok(Rule::SemVer {
            range: range.into_owned(),
            constraint,
        });
    }
    if let Some(a) = policy.get("alphabetical") {
        return Ok(Rule::Alphabetical {
            desc: order("alphabetical", a)?,
        });
    }
    if let Some(n) = policy.get("numerical") {
        return Ok(Rule::Numerical {
            desc: order("numerical", n)?,
        });
    }
    Err("spec.policy has none of semver, alphabetical, numerical".into())
}

fn parse_filter(node: &Node) -> Result<TagFilter, String> {
    let pattern = node
        .get("pattern")
        .and_then(|p| p.text())
        .unwrap_or_default();
    let extract = node
        .get("extract")
        .and_then(|e| e.text())
        .unwrap_or_default();
    let regex = Regex::new(&pattern)
        .map_err(|e| format!("invalid regular expression pattern '{pattern}': {e}"))?;
    Ok(TagFilter {
        pattern: regex,
        extract: extract.into_owned(),
    })
}

impl TagFilter {
    /// The kept tags as (compared value, original tag); a later tag with the same compared
    /// value replaces an earlier one, as the controller's map does.
    pub fn apply(&self, tags: &[String]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for tag in tags {
            let Some(caps) = self.pattern.captures(tag) else {
                continue;
            };
            let value = if self.extract.is_empty() {
                tag.clone()
            } else {
                let mut v = String::new();
                caps.expand(&self.extract, &mut v);
                v
            };
            match out.iter_mut().find(|(k, _)| *k == value) {
                Some(slot) => slot.1 = tag.clone(),
                None => out.push((value, tag.clone())),
            }
        }
        out
    }
}

/// The tag a policy selects from `tags`, or why there is none.
pub fn latest(rule: &Rule, filter: Option<&TagFilter>, tags: &[String]) -> Result<String, String> {
    let pairs: Vec<(String, String)> = match filter {
        Some(f) => f.apply(tags),
        None => tags.iter().map(|t| (t.clone(), t.clone())).collect(),
    };
    if pairs.is_empty() {
        return Err(match filter {
            Some(_) => "no tag matches filterTags.pattern".into(),
            None => "the tag list is empty".into(),
        });
    }
    let chosen = match rule {
        Rule::SemVer { range, constraint } => {
            let mut best: Option<(Version, usize)> = None;
            for (i, (value, _)) in pairs.iter().enumerate() {
                let Some(v) = Version::parse_strict(value) else {
                    continue;
                };
                let newer = best
                    .as_ref()
                    .is_none_or(|(b, _)| v.precedence(b) == std::cmp::Ordering::Greater);
                if constraint.matches(&v) && newer {
                    best = Some((v, i));
                }
            }
            best.map(|(_, i)| i)
                .ok_or_else(|| format!("no tag is a version in range {range:?}"))?
        }
        Rule::Alphabetical { desc } => {
            let mut best = 0;
            for (i, (value, _)) in pairs.iter().enumerate() {
                let better = if *desc {
                    value < &pairs[best].0
                } else {
                    value > &pairs[best].0
                };
                if better {
                    best = i;
                }
            }
            best
        }
        Rule::Numerical { desc } => {
            let mut best: Option<(f64, usize)> = None;
            for (i, (value, _)) in pairs.iter().enumerate() {
                let n = parse_go_float(value)
                    .ok_or_else(|| format!("failed to parse invalid numeric value '{value}'"))?;
                let skip = best.is_some_and(|(b, _)| if *desc { n > b } else { n < b });
                if !skip {
                    best = Some((n, i));
                }
            }
            best.map_or(0, |(_, i)| i)
        }
    };
    Ok(pairs[chosen].1.clone())
}

/// Parses a number as Go's `strconv.ParseFloat(s, 64)` does in base 10 (`1.5`, `1e3`, `inf`,
/// `NaN`; no `_` separators).
fn parse_go_float(s: &str) -> Option<f64> {
    if s.contains('_') {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn semver(range: &str) -> Rule {
        Rule::SemVer {
            range: range.into(),
            constraint: Constraint::parse(range).unwrap(),
        }
    }

    #[test]
    fn semver_picks_the_highest_in_range_and_keeps_the_original_text() {
        let t = tags(&[
            "latest",
            "1.4.0",
            "v1.5.1",
            "1.5.0",
            "2.0.0",
            "1.6.0-rc.1",
            "1.5",
            "01.9.0",
        ]);
        assert_eq!(
            latest(&semver(">=1.0.0 <2.0.0"), None, &t).unwrap(),
            "v1.5.1"
        );
        assert_eq!(
            latest(&semver(">=1.0.0-0 <2.0.0-0"), None, &t).unwrap(),
            "1.6.0-rc.1"
        );
        assert_eq!(latest(&semver("^2"), None, &t).unwrap(), "2.0.0");
        assert!(latest(&semver("^3"), None, &t).is_err());
        let ties = tags(&["1.0.0+a", "v1.0.0", "1.0.0+b"]);
        assert_eq!(
            latest(&semver("*"), None, &ties).unwrap(),
            "1.0.0+a",
            "the first of equals wins"
        );
    }

    #[test]
    fn alphabetical_and_numerical_orders() {
        let t = tags(&["b", "c", "a"]);
        assert_eq!(
            latest(&Rule::Alphabetical { desc: false }, None, &t).unwrap(),
            "c"
        );
        assert_eq!(
            latest(&Rule::Alphabetical { desc: true }, None, &t).unwrap(),
            "a"
        );
        let n = tags(&["10", "9", "1.5e1", "2"]);
        assert_eq!(
            latest(&Rule::Numerical { desc: false }, None, &n).unwrap(),
            "1.5e1"
        );
        assert_eq!(
            latest(&Rule::Numerical { desc: true }, None, &n).unwrap(),
            "2"
        );
        let bad = tags(&["1", "x"]);
        assert!(
            latest(&Rule::Numerical { desc: false }, None, &bad)
                .unwrap_err()
                .contains("'x'")
        );
    }

    #[test]
    fn filter_pattern_and_extract() {
        let filter = TagFilter {
            pattern: Regex::new(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$").unwrap(),
            extract: "$ts".into(),
        };
        let t = tags(&[
            "main-abc-100",
            "main-def-300",
            "dev-fff-900",
            "main-012-200",
            "latest",
        ]);
        assert_eq!(
            latest(&Rule::Numerical { desc: false }, Some(&filter), &t).unwrap(),
            "main-def-300"
        );
        assert_eq!(
            latest(&Rule::Alphabetical { desc: true }, Some(&filter), &t).unwrap(),
            "main-abc-100"
        );
        let none = tags(&["latest"]);
        assert!(latest(&Rule::Numerical { desc: false }, Some(&filter), &none).is_err());
    }

    #[test]
    fn parses_policy_objects() {
        let src = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app\n  namespace: flux-system\n  labels: {team: a}\nspec:\n  imageRepositoryRef:\n    name: app-repo\n  filterTags:\n    pattern: '^v(?P<v>.*)$'\n    extract: '$v'\n  policy:\n    alphabetical:\n      order: DESC\n";
        let doc = crate::yaml::parse_stream(src, &crate::yaml::Limits::default()).unwrap();
        let origin = Origin {
            file: "p.yaml".into(),
            pos: Pos::new(1, 1),
        };
        let p = parse_policy(&doc[0].root, origin).unwrap();
        assert_eq!(p.key(), "flux-system:app");
        assert_eq!(
            p.repository,
            ("flux-system".to_string(), "app-repo".to_string())
        );
        assert_eq!(p.labels, vec![("team".to_string(), "a".to_string())]);
        assert!(matches!(p.rule, Ok(Rule::Alphabetical { desc: true })));
        assert_eq!(p.filter.unwrap().unwrap().extract, "$v");
    }
}
