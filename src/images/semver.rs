//! Semantic versions and the Masterminds/semver v3 constraint dialect, as the
//! image-reflector-controller evaluates `semver` policies.
//!
//! Tags are parsed strictly (`X.Y.Z[-pre][+build]`, an optional leading `v`, no leading zeros),
//! like fluxcd/pkg's `version.ParseVersion`. Constraints accept the loose forms
//! (`1`, `1.2`, `1.x`, `*`, `v1.2`), the operators `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`,
//! `~`, `~>`, `^`, hyphen ranges (`1.2 - 1.4.5`), AND by comma or space and OR by `||`. A
//! prerelease version only matches an AND group in which some term has a prerelease
//! (`>=1.0.0-0 <2.0.0` admits `1.5.0-rc.1`; `>=1.0.0 <2.0.0` does not), as in semver v3.4.

use std::cmp::Ordering;

/// A parsed semantic version; `original` is the text it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Prerelease identifiers joined by dots (empty for a release).
    pub pre: String,
    /// Build metadata (ignored in comparisons).
    pub build: String,
    /// The text as written (with its `v` prefix, if any).
    pub original: String,
}

impl Version {
    /// Parses a tag as Flux does: strict semver with an optional leading `v`.
    pub fn parse_strict(text: &str) -> Option<Version> {
        let body = text.strip_prefix('v').unwrap_or(text);
        let (rest, build) = match body.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (body, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let mut nums = core.split('.');
        let major = strict_number(nums.next()?)?;
        let minor = strict_number(nums.next()?)?;
        let patch = strict_number(nums.next()?)?;
        if nums.next().is_some() {
            return None;
        }
        if let Some(p) = pre
            && !p
                .split('.')
                .all(|id| valid_identifier(id) && !numeric_leading_zero(id))
        {
            return None;
        }
        if let Some(b) = build
            && !b.split('.').all(valid_identifier)
        {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
            pre: pre.unwrap_or_default().to_string(),
            build: build.unwrap_or_default().to_string(),
            original: text.to_string(),
        })
    }

    /// Compares by precedence (semver 2.0): numbers, then prerelease; build metadata is ignored.
    pub fn precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }

    fn has_pre(&self) -> bool {
        !self.pre.is_empty()
    }
}

fn strict_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn valid_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn numeric_leading_zero(id: &str) -> bool {
    id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())
}

/// Masterminds' prerelease order: a release sorts after its prereleases; identifiers compare
/// numerically when both are numbers, numbers sort before words, and a shorter list first.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// A comparison operator of a constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

/// One `OP VERSION` term; `minor_dirty`/`patch_dirty` mark `x`/`*`/missing parts.
#[derive(Clone, Debug)]
struct Term {
    op: Op,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

/// A parsed constraint: OR of ANDs of terms.
#[derive(Clone, Debug)]
pub struct Constraint {
    any_of: Vec<Vec<Term>>,
}

impl Constraint {
    /// Parses a range such as `>=1.0.0 <2.0.0 || ^3`, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut any_of = Vec::new();
        for group in text.split("||") {
            let tokens =
                tokenize(group).map_err(|e| format!("improper constraint: {group}: {e}"))?;
            let tokens = rewrite_hyphen_ranges(tokens)
                .map_err(|e| format!("improper constraint: {group}: {e}"))?;
            let mut terms = Vec::new();
            for (op, ver) in tokens {
                terms.push(parse_term(&op, &ver).map_err(|e| format!("improper constraint: {e}"))?);
            }
            if terms.is_empty() {
                if !text.trim().is_empty() {
                    return Err(format!(
                        "improper constraint: empty alternative in {text:?}"
                    ));
                }
                terms.push(parse_term("", "*")?);
            }
            any_of.push(terms);
        }
        Ok(Constraint { any_of })
    }

    /// Whether `v` satisfies the constraint.
    pub fn matches(&self, v: &Version) -> bool {
        self.any_of.iter().any(|terms| {
            let admits_pre = terms.iter().any(|t| t.con.has_pre());
            terms.iter().all(|t| t.matches(v, admits_pre))
        })
    }
}

/// Splits one AND group into `(operator, version)` pairs; a lone `-` is kept as an operator
/// token with an empty version (hyphen ranges are rewritten afterwards).
fn tokenize(group: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = group.trim();
    let mut first = true;
    while !rest.is_empty() {
        if !first && let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        }
        first = false;
        let op_len = ["!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^"]
            .iter()
            .find(|op| rest.starts_with(**op))
            .map_or(0, |op| op.len());
        let op = &rest[..op_len];
        rest = rest[op_len..].trim_start();
        if op.is_empty() && rest.starts_with("- ") {
            out.push(("-".to_string(), String::new()));
            rest = rest[1..].trim_start();
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or(rest.len());
        let ver = &rest[..end];
        if ver.is_empty() {
            return Err(format!("operator {op:?} without a version"));
        }
        out.push((op.to_string(), ver.to_string()));
        rest = rest[end..].trim_start();
    }
    Ok(out)
}

/// `A - B` becomes `>= A <= B`.
fn rewrite_hyphen_ranges(tokens: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut iter = tokens.into_iter();
    while let Some((op, ver)) = iter.next() {
        if op == "-" {
            let lower = out.pop().filter(|(o, _)| o.is_empty());
            let upper = iter.next().filter(|(o, _)| o.is_empty());
            match (lower, upper) {
                (Some((_, lo)), Some((_, hi))) => {
                    out.push((">=".into(), lo));
                    out.push(("<=".into(), hi));
                }
                _ => return Err("a hyphen range needs a bare version on each side".into()),
            }
        } else {
            out.push((op, ver));
        }
    }
    Ok(out)
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// Parses `VERSION` of a term: `v?N(.N)?(.N)?(-pre)?(+build)?` where N may be `x`, `X` or `*`.
fn parse_term(op: &str, text: &str) -> Result<Term, String> {
    let op = match op {
        "" | "=" => Op::TildeOrEqual,
        "!=" => Op::NotEqual,
        ">" => Op::Greater,
        "<" => Op::Less,
        ">=" | "=>" => Op::GreaterEqual,
        "<=" | "=<" => Op::LessEqual,
        "~" | "~>" => Op::Tilde,
        "^" => Op::Caret,
        other => return Err(format!("unknown operator {other:?}")),
    };
    let bad = || format!("{text:?} is not a version");
    let body = text.strip_prefix('v').unwrap_or(text);
    let (rest, build) = match body.split_once('+') {
        Some((r, b)) => (r, b),
        None => (body, ""),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, p),
        None => (rest, ""),
    };
    if (!pre.is_empty() || rest.contains('-')) && !pre.split('.').all(valid_identifier) {
        return Err(bad());
    }
    if (!build.is_empty() || body.contains('+')) && !build.split('.').all(valid_identifier) {
        return Err(bad());
    }
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !(is_x(p) || p.bytes().all(|b| b.is_ascii_digit())))
    {
        return Err(bad());
    }
    let num = |i: usize| -> Result<Option<u64>, String> {
        match parts.get(i) {
            None => Ok(None),
            Some(p) if is_x(p) => Ok(None),
            Some(p) => p.parse().map(Some).map_err(|_| bad()),
        }
    };
    let (major, minor, patch) = (num(0)?, num(1)?, num(2)?);
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let (ma, mi, pa) = match (major, minor, patch) {
        (None, _, _) => {
            dirty = true;
            (0, 0, 0)
        }
        (Some(ma), None, _) => {
            dirty = true;
            minor_dirty = true;
            (ma, 0, 0)
        }
        (Some(ma), Some(mi), None) => {
            dirty = true;
            patch_dirty = true;
            (ma, mi, 0)
        }
        (Some(ma), Some(mi), Some(pa)) => (ma, mi, pa),
    };
    Ok(Term {
        op,
        con: Version {
            major: ma,
            minor: mi,
            patch: pa,
            pre: pre.to_string(),
            build: build.to_string(),
            original: text.to_string(),
        },
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Term {
    fn matches(&self, v: &Version, admits_pre: bool) -> bool {
        let c = &self.con;
        if v.has_pre() && !admits_pre {
            return false;
        }
        let cmp = v.precedence(c);
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => cmp == Ordering::Equal,
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => cmp == Ordering::Less,
            Op::GreaterEqual => cmp != Ordering::Less,
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if self.minor_dirty {
                return false;
            }
            if c.minor != v.minor {
                return true;
            }
            if self.patch_dirty {
                return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal
                    && (v.has_pre() || c.has_pre());
            }
        }
        v.precedence(c) != Ordering::Equal
    }

    fn greater(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.precedence(c) == Ordering::Greater;
        }
        match v.major.cmp(&c.major) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal if self.minor_dirty => false,
            Ordering::Equal if self.patch_dirty => v.minor > c.minor,
            Ordering::Equal => v.precedence(c) == Ordering::Greater,
        }
    }

    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.precedence(c) != Ordering::Greater;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.precedence(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (self.minor_dirty || v.minor == c.minor)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.precedence(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        v.patch == c.patch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_tag_parsing() {
        let ok = [
            ("1.2.3", (1, 2, 3, "", "")),
            ("v1.2.3", (1, 2, 3, "", "")),
            ("1.2.3-rc.1", (1, 2, 3, "rc.1", "")),
            ("1.2.3-rc.1+build.5", (1, 2, 3, "rc.1", "build.5")),
            ("0.0.0+sha-abc", (0, 0, 0, "", "sha-abc")),
            ("10.20.30-alpha-beta.0", (10, 20, 30, "alpha-beta.0", "")),
        ];
        for (text, (ma, mi, pa, pre, build)) in ok {
            let v = Version::parse_strict(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!((v.major, v.minor, v.patch), (ma, mi, pa), "{text}");
            assert_eq!((v.pre.as_str(), v.build.as_str()), (pre, build), "{text}");
            assert_eq!(v.original, text);
        }
        for bad in [
            "latest",
            "1.2",
            "1",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "V1.2.3",
            "vv1.2.3",
            "1.2.3.4",
            "1.2.3-rc_1",
            "",
            "main-abc123",
        ] {
            assert!(
                Version::parse_strict(bad).is_none(),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn precedence_order() {
        let sorted = [
            "1.0.0-0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
        ];
        for pair in sorted.windows(2) {
            let a = Version::parse_strict(pair[0]).unwrap();
            let b = Version::parse_strict(pair[1]).unwrap();
            assert_eq!(
                a.precedence(&b),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
        let a = Version::parse_strict("1.0.0+a").unwrap();
        let b = Version::parse_strict("v1.0.0+b").unwrap();
        assert_eq!(
            a.precedence(&b),
            Ordering::Equal,
            "build metadata is ignored"
        );
    }

    /// (constraint, version, matches)
    const TABLE: &[(&str, &str, bool)] = &[
        (">=1.0.0", "1.0.0", true),
        (">=1.0.0", "0.9.9", false),
        (">=1.0.0", "1.0.1-rc.1", false),
        (">=1.0.0-0", "1.0.1-rc.1", true),
        (">=1.0.0-0", "0.9.0-rc.1", false),
        (">=1.0.0-0", "2.0.0", true),
        (">1.0.0", "1.0.0", false),
        (">1.0", "1.0.5", false),
        (">1.0", "1.1.0", true),
        (">1", "1.9.9", false),
        (">1", "2.0.0", true),
        ("<2.0.0", "1.99.0", true),
        ("<2.0.0", "2.0.0", false),
        ("<2.0.0", "2.0.0-rc.1", false),
        ("<=1.2", "1.2.9", true),
        ("<=1.2", "1.3.0", false),
        ("<=1.2.3", "1.2.3", true),
        ("=<1", "1.9.0", true),
        ("=>1.2.3", "1.2.3", true),
        ("=1.2.3", "1.2.3", true),
        ("1.2.3", "1.2.4", false),
        ("1.2.3", "v1.2.3", true),
        ("!=1.2.3", "1.2.3", false),
        ("!=1.2.3", "1.2.4", true),
        ("!=1.x", "1.5.0", false),
        ("!=1.x", "2.0.0", true),
        ("~1.2", "1.2.0", true),
        ("~1.2", "1.2.99", true),
        ("~1.2", "1.3.0", false),
        ("~1.2.3", "1.2.2", false),
        ("~1.2.3", "1.2.9", true),
        ("~>1.2.3", "1.3.0", false),
        ("~1", "1.9.0", true),
        ("~1", "2.0.0", false),
        ("~0.0.0", "5.0.0", true),
        ("^1", "1.0.0", true),
        ("^1", "1.99.0", true),
        ("^1", "2.0.0", false),
        ("^1.2.3", "1.2.2", false),
        ("^1.2.3", "1.9.0", true),
        ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.4", false),
        ("^0.0", "0.0.9", true),
        ("^0.0", "0.1.0", false),
        ("^0", "0.9.0", true),
        ("^0", "1.0.0", false),
        ("1.x", "1.4.0", true),
        ("1.x", "2.0.0", false),
        ("1.2.x", "1.2.7", true),
        ("1.2.x", "1.3.0", false),
        ("1.2.*", "1.2.7", true),
        ("*", "3.0.0", true),
        ("*", "3.0.0-rc.1", false),
        ("", "0.0.1", true),
        ("v1.x", "1.1.0", true),
        (">=1.0.0, <2.0.0", "1.5.0", true),
        (">=1.0.0,<2.0.0", "2.0.0", false),
        (">=1.0.0 <2.0.0", "1.5.0", true),
        (">= 1.0.0 < 2.0.0", "0.5.0", false),
        ("<1.0.0 || >=3.0.0", "0.5.0", true),
        ("<1.0.0 || >=3.0.0", "2.0.0", false),
        ("<1.0.0 || >=3.0.0", "3.1.0", true),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("1.2 - 1.4.5", "1.1.9", false),
        (">=1.0.0-rc.1 <1.0.0", "1.0.0-rc.2", true),
        (">=1.0.0-0 <2.0.0", "1.6.0-rc.1", true),
        (">=1.0.0 <2.0.0", "1.6.0-rc.1", false),
        (">=1.0.0-0 <2.0.0 || >=3.0.0", "3.1.0-rc.1", false),
        ("!=1.2.3", "1.2.4-rc.1", false),
        ("1.0.0-rc.1", "1.0.0-rc.1", true),
        ("1.0.0", "1.0.0+build.7", true),
    ];

    #[test]
    fn constraint_table() {
        for (range, version, want) in TABLE {
            let c = Constraint::parse(range).unwrap_or_else(|e| panic!("{range:?}: {e}"));
            let v = Version::parse_strict(version).unwrap_or_else(|| panic!("{version}"));
            assert_eq!(c.matches(&v), *want, "{range:?} against {version}");
        }
    }

    #[test]
    fn invalid_constraints_are_errors() {
        for bad in [
            ">=",
            "1.2.3.4",
            ">=abc",
            "~>",
            "1.2 -",
            "- 1.2",
            ">=1.0.0 || ",
            "1.2.3-",
        ] {
            assert!(Constraint::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
