//! Choosing the object a name refers to (nameref.go `selectReferral` and its sieves).

use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{Node, Value};

use super::namespace_key;

/// What the selection needs to know about a possible referral.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    /// Previous ids (never the current one).
    pub prev_ids: Vec<ResId>,
    /// Current id.
    pub cur: ResId,
    /// Current name.
    pub name: String,
    /// Current `metadata.namespace` ("" when absent).
    pub namespace: String,
    /// Name prefixes applied, innermost first.
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost first.
    pub suffixes: Vec<String>,
    /// Effective namespace of the original id (`None` when cluster-scoped).
    pub org_namespace: Option<String>,
    /// Effective namespace of the current id (`None` when cluster-scoped).
    pub cur_namespace: Option<String>,
}

impl Candidate {
    pub(super) fn of(r: &Resource) -> Candidate {
        let cur = r.id();
        Candidate {
            prev_ids: r.prev_ids(),
            name: cur.name.clone(),
            namespace: cur.namespace.clone(),
            prefixes: r.book.prefixes.clone(),
            suffixes: r.book.suffixes.clone(),
            org_namespace: namespace_key(&r.org_id()),
            cur_namespace: namespace_key(&cur),
            cur,
        }
    }
}

/// What the selection needs to know about the referrer.
#[derive(Clone, Debug)]
pub(super) struct Referrer {
    /// Current id.
    pub id: ResId,
    /// Name prefixes applied, innermost first.
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost first.
    pub suffixes: Vec<String>,
    /// `roleRef.apiGroup` and `roleRef.kind`, when both are present.
    pub role_ref: Option<Gvk>,
    /// For a RoleBinding: namespaces of its ServiceAccount subjects.
    pub subject_namespaces: Vec<String>,
    /// Effective namespace of the current id (`None` when cluster-scoped).
    pub namespace_key: Option<String>,
}

impl Referrer {
    pub(super) fn of(r: &Resource) -> Result<Referrer, String> {
        let role_ref = r.node.get("roleRef").and_then(|rr| {
            let group = rr.get("apiGroup")?;
            let kind = rr.get("kind")?;
            Some(Gvk {
                group: text(group),
                version: String::new(),
                kind: text(kind),
            })
        });
        let subject_namespaces = subject_namespaces(r)?;
        let id = r.id();
        Ok(Referrer {
            namespace_key: namespace_key(&id),
            id,
            prefixes: r.book.prefixes.clone(),
            suffixes: r.book.suffixes.clone(),
            role_ref,
            subject_namespaces,
        })
    }

    /// kustomize's `SubsetThatCouldBeReferencedByResource`.
    pub(super) fn could_refer_to(&self, c: &Candidate) -> bool {
        let (Some(mine), Some(theirs)) = (&self.namespace_key, &c.cur_namespace) else {
            return true;
        };
        mine == theirs || self.subject_namespaces.contains(&c.namespace)
    }
}

/// The namespaces of a RoleBinding's ServiceAccount subjects (kustomize's
/// `getNamespacesForRoleBinding`): a subject whose `namespace` is present but not a string
/// (blank, null) is an error.
pub(super) fn subject_namespaces(r: &Resource) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if r.kind() != "RoleBinding" {
        return Ok(out);
    }
    let Some(subjects) = r.node.get("subjects").and_then(Node::as_seq) else {
        return Ok(out);
    };
    for s in subjects {
        if let (Some(ns), Some(kind)) = (s.get("namespace"), s.get("kind"))
            && kind.as_str() == Some("ServiceAccount")
        {
            match ns.as_str() {
                Some(ns) => out.push(ns.to_owned()),
                None => {
                    return Err(format!(
                        "Invalid Input: namespace is blank for resource {:?}",
                        r.id().to_string()
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    }
}

/// Whether `gvk` is selected by `sel` (empty selector parts match anything).
pub(super) fn gvk_selected(gvk: &Gvk, sel: &Gvk) -> bool {
    (sel.group.is_empty() || sel.group == gvk.group)
        && (sel.version.is_empty() || sel.version == gvk.version)
        && (sel.kind.is_empty() || sel.kind == gvk.kind)
}

/// kustomize's `SameEndingSubSlice`.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

fn affixes_equal(c: &Candidate, r: &Referrer, allow_empty: bool) -> bool {
    let prefix_ok = (allow_empty && (c.prefixes.is_empty() || r.prefixes.is_empty()))
        || same_ending(&c.prefixes, &r.prefixes);
    let suffix_ok = (allow_empty && (c.suffixes.is_empty() || r.suffixes.is_empty()))
        || same_ending(&c.suffixes, &r.suffixes);
    prefix_ok && suffix_ok
}

/// nameref.go `selectReferral`: sieve the candidates by previous name, referral kind, roleRef
/// kind and namespace; then by prefixes/suffixes (loosely, then strictly). One left is the
/// referral; none means "leave the name"; several that all carry the same final name (and
/// namespace, for maps) mean the first; otherwise the reference is ambiguous.
pub(super) fn select_referral<'c>(
    referrer: &Referrer,
    target: &Gvk,
    role_ref_field: bool,
    old: &str,
    candidates: Vec<&'c Candidate>,
    with_namespace: bool,
) -> Result<Option<&'c Candidate>, String> {
    let mut cands: Vec<&Candidate> = candidates
        .into_iter()
        .filter(|c| c.prev_ids.iter().any(|id| id.name == old))
        .filter(|c| c.prev_ids.iter().any(|id| gvk_selected(&id.gvk, target)))
        .filter(|c| match (&referrer.role_ref, role_ref_field) {
            (Some(rr), true) => c.prev_ids.iter().any(|id| gvk_selected(&id.gvk, rr)),
            _ => true,
        })
        .filter(|c| match (&referrer.namespace_key, &c.cur_namespace) {
            (Some(mine), Some(theirs)) => c.cur.gvk.kind == "ServiceAccount" || mine == theirs,
            _ => true,
        })
        .collect();
    if cands.len() == 1 {
        return Ok(cands.pop());
    }
    for allow_empty in [true, false] {
        cands.retain(|c| affixes_equal(c, referrer, allow_empty));
        if cands.len() == 1 {
            return Ok(cands.pop());
        }
    }
    let Some(first) = cands.first() else {
        return Ok(None);
    };
    let identical = cands
        .iter()
        .all(|c| c.name == first.name && (!with_namespace || c.namespace == first.namespace));
    if identical {
        return Ok(Some(first));
    }
    let ids: Vec<String> = cands.iter().map(|c| c.cur.to_string()).collect();
    Err(format!(
        "found multiple possible referrals: {}",
        ids.join(", ")
    ))
}
