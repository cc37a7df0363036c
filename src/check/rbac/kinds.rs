//! Which API resource (plural name, group, scope) a kind is: a table of built-in Kubernetes
//! and Flux kinds, CustomResourceDefinitions rendered for the cluster (`spec.names`), and
//! kubectl's guess for the rest.

use std::collections::BTreeMap;

use crate::resource::Resource;
use crate::resource::scope::is_cluster_scoped;

/// An API resource: what RBAC rules name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResource {
    /// API group ("" for core).
    pub group: String,
    /// Plural resource name (`deployments`).
    pub plural: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ApiResource {
    /// `plural.group` as RBAC errors print it (`deployments.apps`, `secrets`).
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// Built-in kinds: (group, kind, plural, namespaced).
const BUILTIN: &[(&str, &str, &str, bool)] = &[
    ("", "ConfigMap", "configmaps", true),
    ("", "Endpoints", "endpoints", true),
    ("", "Event", "events", true),
    ("", "LimitRange", "limitranges", true),
    ("", "Namespace", "namespaces", false),
    ("", "Node", "nodes", false),
    ("", "PersistentVolume", "persistentvolumes", false),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "Pod", "pods", true),
    ("", "PodTemplate", "podtemplates", true),
    ("", "ReplicationController", "replicationcontrollers", true),
    ("", "ResourceQuota", "resourcequotas", true),
    ("", "Secret", "secrets", true),
    ("", "Service", "services", true),
    ("", "ServiceAccount", "serviceaccounts", true),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("apiregistration.k8s.io", "APIService", "apiservices", false),
    ("apps", "ControllerRevision", "controllerrevisions", true),
    ("apps", "DaemonSet", "daemonsets", true),
    ("apps", "Deployment", "deployments", true),
    ("apps", "ReplicaSet", "replicasets", true),
    ("apps", "StatefulSet", "statefulsets", true),
    (
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("batch", "CronJob", "cronjobs", true),
    ("batch", "Job", "jobs", true),
    (
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    ),
    ("coordination.k8s.io", "Lease", "leases", true),
    ("discovery.k8s.io", "EndpointSlice", "endpointslices", true),
    ("networking.k8s.io", "Ingress", "ingresses", true),
    ("networking.k8s.io", "IngressClass", "ingressclasses", false),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("node.k8s.io", "RuntimeClass", "runtimeclasses", false),
    (
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    ("storage.k8s.io", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io", "CSINode", "csinodes", false),
    ("storage.k8s.io", "StorageClass", "storageclasses", false),
    (
        "storage.k8s.io",
        "VolumeAttachment",
        "volumeattachments",
        false,
    ),
    (
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "kustomizations",
        true,
    ),
    (
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        "helmreleases",
        true,
    ),
    (
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "gitrepositories",
        true,
    ),
    (
        "source.toolkit.fluxcd.io",
        "OCIRepository",
        "ocirepositories",
        true,
    ),
    (
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        "helmrepositories",
        true,
    ),
    ("source.toolkit.fluxcd.io", "HelmChart", "helmcharts", true),
    ("source.toolkit.fluxcd.io", "Bucket", "buckets", true),
    ("notification.toolkit.fluxcd.io", "Alert", "alerts", true),
    (
        "notification.toolkit.fluxcd.io",
        "Provider",
        "providers",
        true,
    ),
    (
        "notification.toolkit.fluxcd.io",
        "Receiver",
        "receivers",
        true,
    ),
    (
        "image.toolkit.fluxcd.io",
        "ImageRepository",
        "imagerepositories",
        true,
    ),
    (
        "image.toolkit.fluxcd.io",
        "ImagePolicy",
        "imagepolicies",
        true,
    ),
    (
        "image.toolkit.fluxcd.io",
        "ImageUpdateAutomation",
        "imageupdateautomations",
        true,
    ),
];

/// The kinds of one cluster: built-ins plus the CRDs its render holds.
#[derive(Clone, Debug, Default)]
pub struct KindTable {
    crds: BTreeMap<(String, String), ApiResource>,
}

impl KindTable {
    /// The table for a cluster whose rendered objects are `objects`.
    pub fn new<'a>(objects: impl IntoIterator<Item = &'a Resource>) -> KindTable {
        let mut crds = BTreeMap::new();
        for r in objects {
            let id = r.id();
            if id.gvk.kind != "CustomResourceDefinition" || id.gvk.group != "apiextensions.k8s.io" {
                continue;
            }
            let spec = r.node.get("spec");
            let text = |path: &[&str]| {
                spec.and_then(|s| s.get_path(path))
                    .and_then(|n| n.as_str())
                    .map(str::to_owned)
            };
            if let (Some(group), Some(kind), Some(plural)) = (
                text(&["group"]),
                text(&["names", "kind"]),
                text(&["names", "plural"]),
            ) {
                let namespaced = text(&["scope"]).as_deref() != Some("Cluster");
                crds.insert(
                    (group.clone(), kind),
                    ApiResource {
                        group,
                        plural,
                        namespaced,
                    },
                );
            }
        }
        KindTable { crds }
    }

    /// The API resource of `kind` in `group`. A kind neither built in nor defined by a rendered
    /// CRD is namespaced unless kyaml's table says otherwise or, written without a namespace,
    /// its name starts with `Cluster` (`ClusterIssuer`, `ClusterPolicy`).
    pub fn resource(
        &self,
        group: &str,
        kind: &str,
        api_version: &str,
        namespace: &str,
    ) -> ApiResource {
        if let Some(r) = self.crds.get(&(group.to_owned(), kind.to_owned())) {
            return r.clone();
        }
        if let Some((g, _, plural, namespaced)) = BUILTIN
            .iter()
            .find(|(g, k, _, _)| *g == group && *k == kind)
        {
            return ApiResource {
                group: (*g).to_owned(),
                plural: (*plural).to_owned(),
                namespaced: *namespaced,
            };
        }
        ApiResource {
            group: group.to_owned(),
            plural: guess_plural(kind),
            namespaced: !(is_cluster_scoped(api_version, kind)
                || (namespace.is_empty() && kind.starts_with("Cluster"))),
        }
    }
}

/// A guessed plural as kubectl's `UnsafeGuessKindToResource` makes it (lowercase, then `s`,
/// `es` or `ies`), except that a vowel before the `y` keeps it (`gateways`, as CRDs name them).
pub fn guess_plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    if lower.is_empty() {
        return lower;
    }
    if lower.ends_with('s') {
        return format!("{lower}es");
    }
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    format!("{lower}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_kubectl() {
        assert_eq!(guess_plural("Gateway"), "gateways");
        assert_eq!(guess_plural("Policy"), "policies");
        assert_eq!(guess_plural("Ingress"), "ingresses");
    }

    #[test]
    fn builtins_and_unknown_kinds() {
        let t = KindTable::default();
        let r = t.resource(
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            "rbac.authorization.k8s.io/v1",
            "",
        );
        assert_eq!(
            r.qualified(),
            "clusterrolebindings.rbac.authorization.k8s.io"
        );
        assert!(!r.namespaced);
        let r = t.resource("", "Secret", "v1", "");
        assert_eq!((r.qualified().as_str(), r.namespaced), ("secrets", true));
        let r = t.resource("example.com", "Widget", "example.com/v1", "");
        assert_eq!(
            (r.qualified().as_str(), r.namespaced),
            ("widgets.example.com", true)
        );
        let r = t.resource("cert-manager.io", "ClusterIssuer", "cert-manager.io/v1", "");
        assert!(!r.namespaced);
    }
}
