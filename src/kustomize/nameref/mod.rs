//! The name-reference transformer (api/internal/accumulator/namereferencetransformer.go,
//! api/filters/nameref/nameref.go): after every rename of the build, fields that refer to other
//! objects by name are rewritten to those objects' final names. Runs once, at the top level,
//! after the content hash.

mod select;

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::kustomize::config::{NameBackRef, TransformerConfig};
use crate::kustomize::fieldspec::{FieldSpec, walk};
use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{Node, Value};

use select::{Candidate, Referrer, select_referral};

/// Rewrites name references in `resources` using the `nameReference` back-references of
/// `config`.
pub fn fix_name_references(
    resources: &mut [Resource],
    config: &TransformerConfig,
) -> Result<(), Diagnostic> {
    if config.name_reference.is_empty() {
        return Ok(());
    }
    // Only renamed objects can be referrals (the sieve matches previous names): nothing to do
    // when no object was renamed.
    if resources.iter().all(|r| r.book.prev_ids.is_empty()) {
        // kustomize still inspects every RoleBinding's subjects before finding nothing to do.
        for r in resources.iter() {
            select::subject_namespaces(r).map_err(|e| blank_namespace(r, e))?;
        }
        return Ok(());
    }
    let all: Vec<Candidate> = resources.iter().map(Candidate::of).collect();
    let index = Index::new(&all);
    for res in resources.iter_mut() {
        let org_gvk = res.org_id().gvk;
        let filters: Vec<(&FieldSpec, &NameBackRef)> = config
            .name_reference
            .iter()
            .flat_map(|br| br.referrers.iter().map(move |fs| (fs, br)))
            .filter(|(fs, _)| fs.selects(&org_gvk))
            .collect();
        if filters.is_empty() {
            continue;
        }
        let referrer = Referrer::of(res).map_err(|e| blank_namespace(res, e))?;
        for (spec, backref) in filters {
            let target = Gvk {
                group: backref.group.clone(),
                version: backref.version.clone(),
                kind: backref.kind.clone(),
            };
            let ctx = Ctx {
                referrer: &referrer,
                target: &target,
                all: &all,
                index: &index,
                role_ref: spec.path.ends_with("roleRef/name"),
            };
            walk(&mut res.node, spec, None, &mut |leaf| ctx.set(leaf)).map_err(|e| {
                Diagnostic::at(
                    format!(
                        "updating name reference in '{}' field of '{}': {e}",
                        spec.path, referrer.id
                    ),
                    &*res.origin.file,
                    res.origin.pos,
                )
                .with_hint("several objects could be the one referred to; give them distinct names, namespaces or name prefixes/suffixes")
            })?;
        }
    }
    Ok(())
}

/// Candidates by previous name and by original namespace, in resource order (the selection
/// starts by previous name, so only those candidates are ever looked at).
struct Index {
    by_prev_name: HashMap<String, Vec<usize>>,
    by_org_namespace: HashMap<String, Vec<usize>>,
}

impl Index {
    fn new(all: &[Candidate]) -> Index {
        let mut by_prev_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_org_namespace: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in all.iter().enumerate() {
            for id in &c.prev_ids {
                let list = by_prev_name.entry(id.name.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            if let Some(ns) = &c.org_namespace {
                by_org_namespace.entry(ns.clone()).or_default().push(i);
            }
        }
        Index {
            by_prev_name,
            by_org_namespace,
        }
    }
}

/// What the field filter needs to pick a referral.
struct Ctx<'a> {
    referrer: &'a Referrer,
    target: &'a Gvk,
    all: &'a [Candidate],
    index: &'a Index,
    role_ref: bool,
}

impl Ctx<'_> {
    /// The filter at the end of the field path: a scalar name, a `{name, namespace}` map, or a
    /// sequence of either.
    fn set(&self, node: &mut Node) -> Result<(), String> {
        match &node.value {
            Value::Null => Ok(()),
            Value::Map(_) => self.set_mapping(node),
            Value::Seq(_) => {
                let Value::Seq(items) = &mut node.value else {
                    return Ok(());
                };
                for item in items {
                    match &item.value {
                        Value::Null => {}
                        Value::Map(_) => self.set_mapping(item)?,
                        Value::Seq(_) => {
                            return Err("a name reference list must hold strings or maps".into());
                        }
                        _ => self.set_scalar(item)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(node),
        }
    }

    /// The candidates the referrer could refer to (kustomize's
    /// `SubsetThatCouldBeReferencedByResource`) that once had the name `old`.
    fn named(&self, old: &str) -> Vec<&Candidate> {
        self.index
            .by_prev_name
            .get(old)
            .map(|list| {
                list.iter()
                    .map(|i| &self.all[*i])
                    .filter(|c| self.referrer.could_refer_to(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn set_scalar(&self, node: &mut Node) -> Result<(), String> {
        let old = scalar_text(node);
        let Some(referral) = self.select(&old, self.named(&old), false)? else {
            return Ok(());
        };
        if referral.name != old {
            node.value = Value::Str(referral.name.clone());
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut Node) -> Result<(), String> {
        let Some(map) = node.as_map_mut() else {
            return Ok(());
        };
        let old = match map.get("name") {
            Some(n) => scalar_text(n),
            None => return Err("path config error; no 'name' field in node".into()),
        };
        let mut candidates = self.named(&old);
        if let Some(ns) = map.get("namespace") {
            // kustomize groups the referrable objects by original namespace and, when no
            // referrable object was ever in `ns`, by current namespace.
            let ns = scalar_text(ns);
            let org_group_exists = self.index.by_org_namespace.get(&ns).is_some_and(|list| {
                list.iter()
                    .any(|i| self.referrer.could_refer_to(&self.all[*i]))
            });
            candidates.retain(|c| {
                let key = if org_group_exists {
                    &c.org_namespace
                } else {
                    &c.cur_namespace
                };
                key.as_deref() == Some(ns.as_str())
            });
        }
        let Some(referral) = self.select(&old, candidates, true)? else {
            return Ok(());
        };
        if referral.name == old && referral.namespace.is_empty() {
            return Ok(());
        }
        map.insert("name", Node::string(&referral.name));
        if !referral.namespace.is_empty() {
            map.insert("namespace", Node::string(&referral.namespace));
        }
        Ok(())
    }

    fn select<'c>(
        &self,
        old: &str,
        candidates: Vec<&'c Candidate>,
        with_namespace: bool,
    ) -> Result<Option<&'c Candidate>, String> {
        select_referral(
            self.referrer,
            self.target,
            self.role_ref,
            old,
            candidates,
            with_namespace,
        )
    }
}

/// A scalar's text as kyaml reads `YNode().Value` (strings as written, other scalars printed).
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null | Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// The effective namespace of an id, or `None` for cluster-scoped ids.
fn namespace_key(id: &ResId) -> Option<String> {
    if id.gvk.is_cluster_scoped() {
        None
    } else {
        Some(id.effective_namespace().to_owned())
    }
}

#[cfg(test)]
mod tests;

fn blank_namespace(r: &Resource, message: String) -> Diagnostic {
    Diagnostic::at(message, &*r.origin.file, r.origin.pos).with_hint(
        "give every ServiceAccount subject a namespace string, or remove the empty `namespace:`",
    )
}
