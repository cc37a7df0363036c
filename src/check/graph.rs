//! The render's outcome (FC0xx) and the reconcile graph (FC3xx): dependsOn, sources, health
//! checks, objects applied twice, SOPS objects without decryption. Problems the render already
//! diagnoses (missing dependencies, cycles, Kustomizations applied twice) are mapped to their
//! rule ids by [`Diagnostic::code`], not found again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::finding::Finding;
use super::index::ClusterIndex;
use super::rule::{self, Rule};
use crate::diagnostic::{Code, Diagnostic};
use crate::flux::api::{SourceRef, is_flux_kustomization, parse_source};
use crate::flux::graph::{FleetRender, Status};
use crate::resource::Resource;
use crate::source::path::display_relative;

/// The rule a render diagnostic reports under.
fn rule_of(d: &Diagnostic) -> &'static Rule {
    match d.code {
        Some(Code::FluxMissingDependency) => rule::MISSING_DEPENDENCY,
        Some(Code::FluxDependencyCycle) => rule::DEPENDENCY_CYCLE,
        Some(Code::FluxKustomizationAppliedTwice) => rule::APPLIED_TWICE,
        _ => rule::RENDER_FAILED,
    }
}

/// A render diagnostic as a finding of `cluster` (its trail joins the hint, with files relative
/// to the repository `root`).
pub fn from_diagnostic(d: &Diagnostic, cluster: &str, root: &Path) -> Finding {
    let rule = rule_of(d);
    let mut f = Finding::new(rule, cluster, d.message.clone());
    let mut hint: Vec<String> = d.hint.iter().cloned().collect();
    if rule == rule::RENDER_FAILED && hint.is_empty() {
        hint.push(rule.hint.to_owned());
    }
    for (note, loc) in &d.trail {
        match loc {
            Some(l) if l.pos.line > 0 => hint.push(format!(
                "{note} (at {}:{}:{})",
                display_relative(&l.file, root),
                l.pos.line,
                l.pos.col
            )),
            Some(l) => hint.push(format!("{note} (in {})", display_relative(&l.file, root))),
            None => hint.push(note.clone()),
        }
    }
    if !hint.is_empty() {
        f.hint = hint.join("\n");
    }
    f.location = d.location.clone();
    f.sensitive = d.sensitive;
    f
}

/// Findings not tied to a cluster: the repository scan's diagnostics.
pub fn fleet_findings(fleet: &FleetRender) -> Vec<Finding> {
    fleet
        .diagnostics
        .iter()
        .map(|d| from_diagnostic(d, "", &fleet.root))
        .collect()
}

/// Runs the FC0xx and FC3xx rules over one cluster.
pub fn check(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    render_outcome(index, out);
    missing_sources(index, out);
    health_checks(index, out);
    applied_twice(index, out);
    sops_without_decryption(index, out);
}

fn render_outcome(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    for (key, node) in &index.cluster.nodes {
        for d in &node.diagnostics {
            let mut f = from_diagnostic(d, index.name(), index.root).in_kustomization(key.clone());
            if let Some(r) = index.kustomization_object(&node.ks) {
                f.ignored_by_object = super::finding::ignored_rules(r);
            }
            out.push(f);
        }
        if let Status::Skipped(why) = &node.status {
            out.push(index.ks_finding(
                rule::NOT_RENDERED,
                node,
                format!("Kustomization {key} was not rendered: {why}"),
            ));
        }
    }
}

fn missing_sources(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    let sources: BTreeSet<SourceRef> = index
        .objects
        .iter()
        .filter_map(|(_, r)| parse_source(r).map(|s| s.id))
        .collect();
    for (key, node) in &index.cluster.nodes {
        let src = &node.ks.source_ref;
        if sources.contains(src) {
            continue;
        }
        let kinds = ["GitRepository", "OCIRepository", "Bucket"];
        let message = if kinds.contains(&src.kind.as_str()) {
            format!(
                "Kustomization {key} reads from {} {}/{}, which no Kustomization of the cluster applies",
                src.kind, src.namespace, src.name
            )
        } else {
            format!(
                "Kustomization {key} has sourceRef kind {}, which is not a Flux source kind (GitRepository, OCIRepository, Bucket)",
                src.kind
            )
        };
        out.push(index.ks_finding(rule::MISSING_SOURCE, node, message));
    }
}

fn health_checks(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    for (key, node) in &index.cluster.nodes {
        for hc in &node.ks.health_checks {
            if index.cluster.renders(hc) {
                continue;
            }
            let mut f = index.ks_finding(
                rule::MISSING_HEALTH_CHECK,
                node,
                format!(
                    "Kustomization {key} health-checks {} {}/{}, which nothing in the cluster's render applies",
                    hc.kind, hc.namespace, hc.name
                ),
            )
            .at_pos(hc.pos);
            if index.incomplete() {
                f.hint = format!(
                    "{} Some Kustomizations of the cluster were not rendered; the object may be in one of them.",
                    f.hint
                );
            }
            out.push(f);
        }
    }
}

/// The identity the API server knows an object by: group, kind, namespace, name.
fn api_identity(r: &Resource) -> (String, String, String, String) {
    let id = r.id();
    (id.gvk.group, id.gvk.kind, id.namespace, id.name)
}

fn applied_twice(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    let mut first: BTreeMap<(String, String, String, String), &str> = BTreeMap::new();
    for (key, r) in &index.objects {
        // A Kustomization applied twice is the render's diagnostic (FC305 already).
        if is_flux_kustomization(r) {
            continue;
        }
        match first.get(&api_identity(r)) {
            None => {
                first.insert(api_identity(r), key);
            }
            Some(other) if other != key => {
                let f = index.object_finding(
                    rule::APPLIED_TWICE,
                    key,
                    r,
                    format!(
                        "{} is applied by Kustomization {other} and by Kustomization {key}",
                        super::ObjectRef::of(r)
                    ),
                );
                out.push(f);
            }
            Some(_) => {}
        }
    }
}

fn sops_without_decryption(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    for (key, node) in &index.cluster.nodes {
        if node.ks.decryption.is_some() {
            continue;
        }
        for r in &node.resources {
            if r.node.get("sops").is_some() {
                let f = index
                    .object_finding(
                        rule::SOPS_WITHOUT_DECRYPTION,
                        key,
                        r,
                        format!(
                            "{} is SOPS-encrypted, but Kustomization {key} has no spec.decryption: Flux would apply the ciphertext",
                            super::ObjectRef::of(r)
                        ),
                    )
                    .sensitive();
                out.push(f);
            }
        }
    }
}
