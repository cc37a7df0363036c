//! Which kinds are cluster-scoped, as kyaml's built-in OpenAPI data says.
//!
//! kyaml keys scope by exact `apiVersion` and kind; anything it does not know (every custom
//! resource) is treated as namespaced.

/// Cluster-scoped types of kyaml's precomputed table and its Kubernetes v1.21 schema fallback.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    // Known as cluster-scoped from kustomize v5.8 (api v0.21); v5.5.0 namespaces them.
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("apiserverinternal.k8s.io/v1alpha1", "StorageVersion"),
    ("authentication.k8s.io/v1", "TokenReview"),
    ("authentication.k8s.io/v1beta1", "TokenReview"),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
    ("authorization.k8s.io/v1", "SubjectAccessReview"),
    ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview"),
    ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview"),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1alpha1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1alpha1",
        "PriorityLevelConfiguration",
    ),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1alpha1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1alpha1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1alpha1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1alpha1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1alpha1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// Whether `apiVersion`/`kind` is a known cluster-scoped type.
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(v, k)| *k == kind && *v == api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_kinds() {
        assert!(is_cluster_scoped("v1", "Namespace"));
        assert!(is_cluster_scoped(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        ));
        assert!(!is_cluster_scoped("v1", "ConfigMap"));
        // kyaml does not know CRD instances: cert-manager's ClusterIssuer counts as namespaced.
        assert!(!is_cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
        // flowcontrol v1 is not in kyaml's table.
        assert!(!is_cluster_scoped(
            "flowcontrol.apiserver.k8s.io/v1",
            "FlowSchema"
        ));
    }
}
