//! `fleetcheck check`: rules run over a rendered fleet, per cluster, producing [`Finding`]s.
//!
//! Rule families: [`graph`] (FC0xx render outcome, FC3xx reconcile graph), [`schema`] (FC1xx),
//! [`tenancy`] (FC2xx, with the offline RBAC simulation of [`rbac`]), [`secrets`] (FC4xx),
//! [`images`] (FC5xx, image automation markers). [`report`] prints the findings.

pub mod finding;
pub mod graph;
pub mod images;
pub mod index;
pub mod rbac;
pub mod report;
pub mod rule;
pub mod schema;
pub mod secrets;
pub mod suppress;
pub mod tenancy;

use rayon::prelude::*;

pub use finding::{Finding, ObjectRef};
pub use index::ClusterIndex;
pub use rule::{Rule, Severity};

use crate::flux::graph::FleetRender;
use crate::images::discover::Repo;
use crate::source::Tree;
use crate::yaml::Limits;

/// What the rules assume about the cluster's controllers.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// kustomize-controller's `--default-service-account`: Kustomizations without
    /// `spec.serviceAccountName` run as this ServiceAccount of their namespace (tenants).
    pub default_service_account: Option<String>,
    /// The controllers' `--no-cross-namespace-refs`.
    pub no_cross_namespace_refs: bool,
    /// YAML limits for files the rules read (`.sops.yaml`, source documents).
    pub limits: Limits,
    /// Schema validation; `None` skips the FC1xx rules.
    pub schemas: Option<schema::SchemaOptions>,
}

/// Runs every rule over `fleet` (read from `tree`); findings sorted by cluster, file, position
/// and rule, suppressions not yet applied.
pub fn check_fleet(tree: &dyn Tree, fleet: &FleetRender, options: &CheckOptions) -> Vec<Finding> {
    let mut findings = graph::fleet_findings(fleet);
    // The repository's markers, read only when some cluster runs image automation.
    let automated = fleet.clusters.iter().any(|c| {
        c.nodes.values().flat_map(|n| &n.resources).any(|r| {
            let id = r.id();
            id.gvk.group == "image.toolkit.fluxcd.io" && id.gvk.kind == "ImageUpdateAutomation"
        })
    });
    let markers = if automated {
        match Repo::scan(tree, &fleet.root, &options.limits) {
            Ok(repo) => Some(repo),
            Err(d) => {
                findings.push(graph::from_diagnostic(&d, "", &fleet.root));
                None
            }
        }
    } else {
        None
    };
    let per_cluster: Vec<Vec<Finding>> = fleet
        .clusters
        .par_iter()
        .map(|c| {
            let index = ClusterIndex::new(c, &fleet.root);
            let mut out = Vec::new();
            graph::check(&index, &mut out);
            if let Some(s) = &options.schemas {
                schema::check(&index, s, &mut out);
            }
            tenancy::check(&index, options, &mut out);
            secrets::check(tree, &index, options, &mut out);
            if let Some(repo) = &markers {
                images::check(tree, &index, repo, &mut out);
            }
            out
        })
        .collect();
    findings.extend(per_cluster.into_iter().flatten());
    findings.extend(secrets::sops_rule_findings(
        tree,
        &fleet.root,
        &options.limits,
    ));
    sort(&mut findings);
    findings
}

/// Sorts findings for output: cluster, file, line, column, rule, message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let loc = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (l.file.clone(), l.pos.line, l.pos.col))
        };
        (&a.cluster, loc(a), a.rule.id, &a.message).cmp(&(
            &b.cluster,
            loc(b),
            b.rule.id,
            &b.message,
        ))
    });
}
