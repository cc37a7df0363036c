//! Tenancy and RBAC (FC2xx). kustomize-controller applies a Kustomization as the ServiceAccount
//! `spec.serviceAccountName` of its namespace (or `--default-service-account`); such a
//! Kustomization is a tenant. Without either it runs as the controller (cluster-admin) and is
//! not a tenant. The rules simulate the impersonated apply with the cluster's rendered RBAC.

use std::collections::BTreeSet;

use super::CheckOptions;
use super::finding::{Finding, ObjectRef};
use super::index::ClusterIndex;
use super::rbac::kinds::KindTable;
use super::rbac::{Grant, Rbac, allows};
use super::rule;
use crate::flux::graph::{KsNode, Status};

/// A namespace as the API server defaults it ("" is `default`).
pub fn namespace_or_default(ns: &str) -> String {
    if ns.is_empty() {
        "default".to_owned()
    } else {
        ns.to_owned()
    }
}

/// The ServiceAccount a Kustomization is applied as, when it is a tenant.
pub fn tenant_service_account<'a>(node: &'a KsNode, options: &'a CheckOptions) -> Option<&'a str> {
    node.ks
        .service_account_name
        .as_deref()
        .or(options.default_service_account.as_deref())
}

/// Runs the FC2xx rules over one cluster.
pub fn check(index: &ClusterIndex<'_>, options: &CheckOptions, out: &mut Vec<Finding>) {
    if options.no_cross_namespace_refs {
        cross_namespace_refs(index, out);
    }
    let tenants: Vec<(&KsNode, &str)> = index
        .cluster
        .nodes
        .values()
        .filter(|n| n.status == Status::Rendered)
        .filter_map(|n| tenant_service_account(n, options).map(|sa| (n, sa)))
        .collect();
    if tenants.is_empty() {
        return;
    }
    let kinds = KindTable::new(index.objects.iter().map(|(_, r)| *r));
    let rbac = Rbac::new(&index.objects);
    let mut seen_bindings = BTreeSet::new();
    for (node, sa) in tenants {
        let key = node.ks.key();
        let grants = rbac.grants(&node.ks.namespace, sa);
        // Bindings the Kustomization applies itself do not exist before its apply succeeds.
        let before: Vec<Grant<'_, '_>> = grants
            .iter()
            .filter(|g| g.binding.object.0 != key)
            .copied()
            .collect();
        tenant_objects(index, &kinds, node, sa, &before, out);
        for g in &grants {
            let binding = g.binding.object.1;
            if seen_bindings.insert((ObjectRef::of(binding), node.ks.namespace.clone(), sa)) {
                privileged_binding(index, node, sa, g, out);
            }
        }
    }
}

fn cross_namespace_refs(index: &ClusterIndex<'_>, out: &mut Vec<Finding>) {
    for (key, node) in &index.cluster.nodes {
        let src = &node.ks.source_ref;
        if src.namespace != node.ks.namespace {
            out.push(index.ks_finding(
                rule::CROSS_NAMESPACE_REF,
                node,
                format!(
                    "Kustomization {key} reads from {} {}/{} in another namespace; with --no-cross-namespace-refs Flux refuses it",
                    src.kind, src.namespace, src.name
                ),
            ));
        }
    }
}

fn tenant_objects(
    index: &ClusterIndex<'_>,
    kinds: &KindTable,
    node: &KsNode,
    sa: &str,
    grants: &[Grant<'_, '_>],
    out: &mut Vec<Finding>,
) {
    let key = node.ks.key();
    let sa_ns = &node.ks.namespace;
    let home = node.ks.target_namespace.as_deref().unwrap_or(sa_ns);
    for r in &node.resources {
        let obj = ObjectRef::of(r);
        let id = r.id();
        let res = kinds.resource(&id.gvk.group, &id.gvk.kind, &obj.api_version, &id.namespace);
        let namespace = res.namespaced.then(|| namespace_or_default(&id.namespace));
        match &namespace {
            None => out.push(index.object_finding(
                rule::TENANT_CLUSTER_SCOPED,
                &key,
                r,
                format!(
                    "tenant Kustomization {key} (ServiceAccount {sa_ns}/{sa}) would apply cluster-scoped {obj}; tenants may only apply objects in their namespace {home}"
                ),
            )),
            Some(ns) if ns != home => out.push(index.object_finding(
                rule::TENANT_NAMESPACE,
                &key,
                r,
                format!(
                    "tenant Kustomization {key} (ServiceAccount {sa_ns}/{sa}) would apply {obj} in namespace {ns}, outside its namespace {home}"
                ),
            )),
            Some(_) => {}
        }
        let missing: Vec<&str> = ["create", "patch"]
            .into_iter()
            .filter(|verb| {
                !allows(
                    grants,
                    verb,
                    &res.group,
                    &res.plural,
                    namespace.as_deref(),
                    &id.name,
                )
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        let action = missing[0];
        let scope = match &namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "(cluster-scoped)".to_owned(),
        };
        let what = if obj.namespace.is_empty() {
            format!("{} {}", obj.kind, obj.name)
        } else {
            obj.to_string()
        };
        out.push(
            index
                .object_finding(
                    rule::RBAC_DENIED,
                    &key,
                    r,
                    format!(
                        "{key} would {action} {what}, but ServiceAccount {sa_ns}/{sa} may not {} {} {scope}",
                        missing.join(" or "),
                        res.qualified()
                    ),
                )
                .with_hint(match &namespace {
                    Some(ns) => format!(
                        "grant {} on {} with a Role and RoleBinding for ServiceAccount {sa_ns}/{sa} in namespace {ns}, or apply the object from the platform's Kustomization",
                        missing.join(" and "),
                        res.qualified()
                    ),
                    None => "cluster-scoped objects belong to the platform's Kustomizations (which run as the controller); move the object there".to_owned(),
                }),
        );
    }
}

fn privileged_binding(
    index: &ClusterIndex<'_>,
    node: &KsNode,
    sa: &str,
    g: &Grant<'_, '_>,
    out: &mut Vec<Finding>,
) {
    let b = g.binding;
    let what = if b.role_kind == "ClusterRole" && b.role_name == "cluster-admin" {
        "cluster-admin".to_owned()
    } else if let Some(verb) = g.rules.iter().find_map(|r| r.escalating_verb()) {
        format!(
            "{} {}, which grants the verb '{verb}'",
            b.role_kind, b.role_name
        )
    } else {
        return;
    };
    let sa_ns = &node.ks.namespace;
    let (binding_ks, binding_obj) = b.object;
    let (rule, scope) = match &b.namespace {
        None => (rule::TENANT_PRIVILEGED, "cluster-wide".to_owned()),
        Some(ns) if ns != sa_ns => (rule::TENANT_PRIVILEGED, format!("in namespace {ns}")),
        Some(ns) => (
            rule::TENANT_NAMESPACE_PRIVILEGED,
            format!("in its namespace {ns}"),
        ),
    };
    out.push(index.object_finding(
        rule,
        binding_ks,
        binding_obj,
        format!(
            "tenant ServiceAccount {sa_ns}/{sa} (Kustomization {}) is bound {scope} to {what}, by {}",
            node.ks.key(),
            ObjectRef::of(binding_obj)
        ),
    ));
}
