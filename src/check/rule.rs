//! The rule registry: every check's id, severity, one-line explanation and fix hint. The README's
//! rules table is checked against it by a test.

use std::fmt;

/// How serious a finding is; `--fail-on` picks the lowest severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// Probably wrong, or wrong in some setups.
    Warning,
    /// Flux would fail, or the fleet breaks a rule it must keep.
    Error,
}

impl Severity {
    /// The lowercase name (`error`, `warning`, `info`), as printed and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule of `fleetcheck check`.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// The id (`FC201`): FC0xx render, FC1xx schemas, FC2xx tenancy and RBAC, FC3xx reconcile
    /// graph, FC4xx secrets, FC5xx image markers.
    pub id: &'static str,
    /// A short kebab-case name (`rbac-denied`), used by SARIF.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the rule finds, in one line.
    pub explanation: &'static str,
    /// How to fix what it finds.
    pub hint: &'static str,
}

macro_rules! rules {
    ($($konst:ident = $id:literal $name:literal $sev:ident $expl:literal $hint:literal;)*) => {
        $(
            #[doc = concat!("`", $id, "` ", $name, ": ", $expl)]
            pub const $konst: &Rule = &Rule {
                id: $id,
                name: $name,
                severity: Severity::$sev,
                explanation: $expl,
                hint: $hint,
            };
        )*
        /// Every rule, in id order.
        pub const RULES: &[&Rule] = &[$($konst),*];
    };
}

rules! {
    RENDER_FAILED = "FC001" "render-failed" Error
        "A Flux Kustomization (or a file Flux reads) does not render."
        "Fix the error shown; Kustomizations that depend on a failed one are not checked.";
    NOT_RENDERED = "FC002" "not-rendered" Info
        "A Flux Kustomization was not rendered: its source is not this repository, or it is suspended."
        "Map its source to a local checkout with --source KIND/NAMESPACE/NAME=PATH to check it too.";
    SCHEMA_VIOLATION = "FC101" "schema-violation" Error
        "An object does not match its schema (Kubernetes of --kube-version, Flux, the fleet's CRDs, --schema-dir); --strict adds unknown fields and duplicate keys."
        "Fix the field named; `kubectl explain KIND.FIELD` shows what the API expects.";
    SCHEMA_UNKNOWN = "FC102" "schema-unknown" Warning
        "No schema is known for an object's apiVersion and kind, so it is not validated."
        "Add the kind's CRD to the fleet or a schema to --schema-dir, or fix a misspelt apiVersion or kind.";
    CRD_SCHEMA_INVALID = "FC103" "crd-schema-invalid" Error
        "A CustomResourceDefinition of the render has a schema that cannot be read."
        "Fix the CRD's spec.versions[].schema.openAPIV3Schema.";
    RBAC_DENIED = "FC201" "rbac-denied" Error
        "A tenant Kustomization's ServiceAccount may not create or patch an object it applies (RBAC rendered for the cluster)."
        "Grant the missing verbs with a Role and RoleBinding in the object's namespace, or apply the object from the platform's Kustomization.";
    TENANT_NAMESPACE = "FC202" "tenant-outside-namespace" Error
        "A tenant Kustomization applies an object outside its namespace (spec.targetNamespace, or its own namespace)."
        "Keep tenant objects in the tenant's namespace; objects for other namespaces belong to the platform's Kustomizations.";
    TENANT_CLUSTER_SCOPED = "FC203" "tenant-cluster-scoped" Error
        "A tenant Kustomization applies a cluster-scoped object (Namespace, ClusterRole, CRD...)."
        "Move cluster-scoped objects to the platform's Kustomizations, which run as the controller.";
    CROSS_NAMESPACE_REF = "FC204" "cross-namespace-source" Error
        "A Kustomization's sourceRef names a source in another namespace, which --no-cross-namespace-refs forbids."
        "Create the source in the Kustomization's namespace (the tenant's own GitRepository or OCIRepository).";
    TENANT_PRIVILEGED = "FC205" "tenant-privileged" Error
        "A tenant ServiceAccount is bound cluster-wide (or in another namespace) to cluster-admin or to a role granting escalate, bind, impersonate or wildcard verbs."
        "Bind the tenant's ServiceAccount with a RoleBinding in its own namespace only, to a role without escalate, bind, impersonate or '*'.";
    TENANT_NAMESPACE_PRIVILEGED = "FC206" "tenant-namespace-privileged" Info
        "A tenant ServiceAccount holds escalate, bind, impersonate or wildcard verbs within its own namespace (as with Flux's multi-tenancy example)."
        "Acceptable when the namespace is the tenant's boundary; bind a narrower role to harden it.";
    MISSING_DEPENDENCY = "FC301" "missing-dependency" Error
        "A Kustomization's dependsOn names no Kustomization of the cluster."
        "Check the name and namespace (dependsOn defaults to the Kustomization's own namespace).";
    DEPENDENCY_CYCLE = "FC302" "dependency-cycle" Error
        "Kustomizations wait on each other through dependsOn; Flux never reconciles them."
        "Remove one dependsOn edge of the cycle.";
    MISSING_SOURCE = "FC303" "missing-source" Error
        "A Kustomization's sourceRef names no source object (GitRepository, OCIRepository, Bucket) in the cluster."
        "Add the source to the cluster, or fix sourceRef's kind, name and namespace.";
    MISSING_HEALTH_CHECK = "FC304" "health-check-not-rendered" Warning
        "A Kustomization's healthChecks entry names an object that nothing in the cluster's render applies."
        "Fix the entry's kind, name and namespace; ignore the finding when a controller (e.g. helm-controller) creates the object.";
    APPLIED_TWICE = "FC305" "applied-twice" Error
        "Two Kustomizations of one cluster apply the same object; they fight over it and pruning one deletes it."
        "Apply each object from one Kustomization only.";
    SOPS_WITHOUT_DECRYPTION = "FC306" "sops-without-decryption" Error
        "A SOPS-encrypted object is applied by a Kustomization without spec.decryption; Flux would apply ciphertext."
        "Add spec.decryption (provider: sops, secretRef: the key Secret) to the Kustomization.";
    SECRET_NOT_ENCRYPTED = "FC401" "secret-not-encrypted" Error
        "A Secret with data is stored in Git without SOPS encryption."
        "Encrypt the file with sops (e.g. sops --encrypt --in-place FILE) and set spec.decryption on the Kustomization.";
    SOPS_RULE_NOT_ENCRYPTED = "FC402" "sops-rule-not-encrypted" Error
        "A file matches a .sops.yaml creation rule but is not encrypted."
        "Run sops --encrypt --in-place on the file before committing it.";
    SECRET_DATA_NOT_BASE64 = "FC403" "secret-data-not-base64" Error
        "A Secret's data value is not valid base64; the API server rejects the Secret."
        "Base64-encode the value, or move it to stringData.";
    MARKER_UNKNOWN_POLICY = "FC501" "marker-unknown-policy" Warning
        "An $imagepolicy marker under an ImageUpdateAutomation's update.path names an ImagePolicy of the automation's namespace that the cluster does not have, so it is never updated."
        "Fix the marker's NAMESPACE:NAME, or add the ImagePolicy to the cluster that runs the automation.";
    IMAGE_POLICY_INVALID = "FC502" "image-policy-invalid" Error
        "An ImagePolicy's rule does not parse: a semver range outside Flux's constraint dialect, a bad filterTags pattern or extract, an unknown order."
        "Fix spec.policy (e.g. semver range '>=1.0.0 <2.0.0', '~1.2', '^1') or spec.filterTags.";
    UPDATE_PATH_MISSING = "FC503" "update-path-missing" Error
        "An ImageUpdateAutomation's spec.update.path is not a directory of the repository."
        "Point spec.update.path at an existing directory (relative to the repository root).";
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// The README's rules table (Markdown), generated from the registry.
pub fn markdown_table() -> String {
    let mut out = String::from("| id | severity | explanation | hint |\n|---|---|---|---|\n");
    for r in RULES {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.id, r.severity, r.explanation, r.hint
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_in_their_family_range() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for r in RULES {
            assert!(r.id.len() == 5 && r.id.starts_with("FC"), "{}", r.id);
            assert!(
                r.explanation.ends_with('.') && r.hint.ends_with('.'),
                "{}",
                r.id
            );
        }
        assert_eq!(by_id("FC201"), Some(RBAC_DENIED));
        assert_eq!(by_id("FC999"), None);
    }

    #[test]
    fn severities_order_from_info_to_error() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
        assert_eq!(Severity::Warning.to_string(), "warning");
    }
}
