//! Resource identity (kyaml `resid`): group, version, kind, name and namespace.

use std::fmt;

use super::scalar_text;
use super::scope::is_cluster_scoped;
use crate::yaml::Node;

/// Group, version and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group ("" for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`group/version` or `version`) and pairs it with `kind`.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether kubernetes knows this type as cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.api_version(), &self.kind)
    }
}

impl fmt::Display for Gvk {
    /// kyaml's `Kind.Version.Group` with `[noKind]`, `[noVer]`, `[noGrp]` placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_owned()
            } else {
                s.to_owned()
            }
        };
        write!(
            f,
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
    }
}

/// A resource id: GVK, name and namespace.
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written ("" when absent).
    pub namespace: String,
}

impl ResId {
    /// The id of an object node.
    pub fn of(node: &Node) -> ResId {
        ResId {
            gvk: Gvk::from_api_version(
                &scalar_text(node.get("apiVersion")),
                &scalar_text(node.get("kind")),
            ),
            name: scalar_text(node.get_path(&["metadata", "name"])),
            namespace: scalar_text(node.get_path(&["metadata", "namespace"])),
        }
    }

    /// The namespace ids compare with: cluster-scoped kinds have none, and "" means `default`.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            "_non_namespaceable_"
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// kyaml's `ResId.Equals`: same GVK, name and effective namespace.
    pub fn same_as(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }
}

impl fmt::Display for ResId {
    /// kyaml's `Kind.Version.Group/name.namespace` with `[noName]`, `[noNs]` placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}/{}.{}", self.gvk, name, ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_kyaml() {
        let id = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "a".into(),
            namespace: String::new(),
        };
        assert_eq!(id.to_string(), "ConfigMap.v1.[noGrp]/a.[noNs]");
        let gvk = Gvk::from_api_version("apps/v1", "Deployment");
        assert_eq!(gvk.to_string(), "Deployment.v1.apps");
        assert_eq!(gvk.api_version(), "apps/v1");
    }

    #[test]
    fn default_namespace_equals_empty() {
        let mut a = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "a".into(),
            namespace: "default".into(),
        };
        let b = ResId {
            namespace: String::new(),
            ..a.clone()
        };
        assert!(a.same_as(&b));
        a.namespace = "x".into();
        assert!(!a.same_as(&b));
        let ns1 = ResId {
            gvk: Gvk::from_api_version("v1", "Namespace"),
            name: "n".into(),
            namespace: "x".into(),
        };
        let ns2 = ResId {
            namespace: String::new(),
            ..ns1.clone()
        };
        assert!(ns1.same_as(&ns2));
    }
}
