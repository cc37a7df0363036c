//! RBAC objects as data: policy rules, ClusterRole aggregation selectors, bindings' subjects.

use crate::yaml::Node;

/// One rule of a Role or ClusterRole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups`.
    pub api_groups: Vec<String>,
    /// `resources` (possibly `resource/subresource`).
    pub resources: Vec<String>,
    /// `resourceNames` (empty: every name).
    pub resource_names: Vec<String>,
}

/// The strings of a sequence field (non-strings skipped).
pub fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|n| n.text().map(|t| t.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The scalar entries of a mapping as text pairs (labels, `matchLabels`).
pub fn text_pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.text()?.into_owned(), v.text()?.into_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Verbs that let a ServiceAccount step outside the permissions it was given.
pub const ESCALATING_VERBS: &[&str] = &["escalate", "bind", "impersonate", "*"];

impl PolicyRule {
    /// Reads a rule.
    pub fn parse(n: &Node) -> PolicyRule {
        PolicyRule {
            verbs: strings(n.get("verbs")),
            api_groups: strings(n.get("apiGroups")),
            resources: strings(n.get("resources")),
            resource_names: strings(n.get("resourceNames")),
        }
    }

    /// The `rules` of a role object.
    pub fn parse_all(role: &Node) -> Vec<PolicyRule> {
        role.get("rules")
            .and_then(Node::as_seq)
            .map(|rs| rs.iter().map(PolicyRule::parse).collect())
            .unwrap_or_default()
    }

    /// Whether the rule allows `verb` on `resource` of `group`, for an object `name` (a rule
    /// restricted to `resourceNames` never allows `create`: the name is not part of the request).
    pub fn allows(&self, verb: &str, group: &str, resource: &str, name: &str) -> bool {
        let any = |list: &[String], want: &str| list.iter().any(|v| v == "*" || v == want);
        any(&self.verbs, verb)
            && any(&self.api_groups, group)
            && any(&self.resources, resource)
            && (self.resource_names.is_empty()
                || (verb != "create" && self.resource_names.iter().any(|n| n == name)))
    }

    /// The first escalating verb the rule grants on resources (not `nonResourceURLs`).
    pub fn escalating_verb(&self) -> Option<&str> {
        if self.resources.is_empty() {
            return None;
        }
        self.verbs
            .iter()
            .find(|v| ESCALATING_VERBS.contains(&v.as_str()))
            .map(String::as_str)
    }
}

/// A Kubernetes label selector (`matchLabels`, `matchExpressions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub labels: Vec<(String, String)>,
    /// `matchExpressions`: key, operator, values.
    pub expressions: Vec<(String, String, Vec<String>)>,
}

impl LabelSelector {
    /// Reads a selector.
    pub fn parse(n: &Node) -> LabelSelector {
        let labels = text_pairs(n.get("matchLabels"));
        let expressions = n
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .map(|items| {
                items
                    .iter()
                    .map(|e| {
                        let s = |k: &str| {
                            e.get(k)
                                .and_then(Node::text)
                                .map(|t| t.into_owned())
                                .unwrap_or_default()
                        };
                        (s("key"), s("operator"), strings(e.get("values")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        LabelSelector {
            labels,
            expressions,
        }
    }

    /// Whether `labels` match. An empty selector matches nothing, as in ClusterRole aggregation.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        if self.labels.is_empty() && self.expressions.is_empty() {
            return false;
        }
        let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v);
        self.labels.iter().all(|(k, v)| get(k) == Some(v))
            && self.expressions.iter().all(|(k, op, values)| {
                let v = get(k);
                match op.as_str() {
                    "In" => v.is_some_and(|v| values.contains(v)),
                    "NotIn" => v.is_none_or(|v| !values.contains(v)),
                    "Exists" => v.is_some(),
                    "DoesNotExist" => v.is_none(),
                    _ => false,
                }
            })
    }
}

/// A subject of a RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// `kind`: ServiceAccount, User or Group.
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `namespace` (ServiceAccounts).
    pub namespace: String,
}

impl Subject {
    /// Reads the `subjects` of a binding.
    pub fn parse_all(binding: &Node) -> Vec<Subject> {
        let text = |n: &Node, k: &str| {
            n.get(k)
                .and_then(Node::text)
                .map(|t| t.into_owned())
                .unwrap_or_default()
        };
        binding
            .get("subjects")
            .and_then(Node::as_seq)
            .map(|items| {
                items
                    .iter()
                    .map(|s| Subject {
                        kind: text(s, "kind"),
                        name: text(s, "name"),
                        namespace: text(s, "namespace"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the subject names ServiceAccount `namespace/name` (directly, as its user name,
    /// or through the `system:serviceaccounts[:namespace]` and `system:authenticated` groups).
    /// `binding_ns` is the namespace of a RoleBinding ("" for a ClusterRoleBinding).
    pub fn names_service_account(&self, namespace: &str, name: &str, binding_ns: &str) -> bool {
        match self.kind.as_str() {
            "ServiceAccount" => {
                let ns = if self.namespace.is_empty() {
                    binding_ns
                } else {
                    &self.namespace
                };
                self.name == name && ns == namespace
            }
            "User" => self.name == format!("system:serviceaccount:{namespace}:{name}"),
            "Group" => {
                self.name == "system:serviceaccounts"
                    || self.name == "system:authenticated"
                    || self.name == format!("system:serviceaccounts:{namespace}")
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    #[test]
    fn rules_match_verbs_groups_resources_and_names() {
        let r = PolicyRule::parse(&node(
            "verbs: [patch, create]\napiGroups: [apps]\nresources: [deployments]\nresourceNames: [web]\n",
        ));
        assert!(r.allows("patch", "apps", "deployments", "web"));
        assert!(!r.allows("patch", "apps", "deployments", "db"));
        assert!(!r.allows("create", "apps", "deployments", "web"));
        assert!(!r.allows("patch", "", "deployments", "web"));
        let all = PolicyRule::parse(&node("verbs: ['*']\napiGroups: ['*']\nresources: ['*']\n"));
        assert!(all.allows(
            "create",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "x"
        ));
        assert_eq!(all.escalating_verb(), Some("*"));
        let urls = PolicyRule::parse(&node("verbs: ['*']\nnonResourceURLs: ['*']\n"));
        assert_eq!(urls.escalating_verb(), None);
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let s = LabelSelector::parse(&node(
            "matchLabels: {a: 'true'}\nmatchExpressions:\n- {key: b, operator: In, values: [x, y]}\n- {key: c, operator: DoesNotExist}\n",
        ));
        let l = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(s.matches(&l(&[("a", "true"), ("b", "y")])));
        assert!(!s.matches(&l(&[("a", "true"), ("b", "z")])));
        assert!(!s.matches(&l(&[("a", "true"), ("b", "x"), ("c", "")])));
        assert!(!LabelSelector::default().matches(&l(&[("a", "true")])));
    }

    #[test]
    fn subjects_name_service_accounts_through_groups() {
        let s = |kind: &str, name: &str, ns: &str| Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.into(),
        };
        assert!(s("ServiceAccount", "sa", "t").names_service_account("t", "sa", ""));
        assert!(s("ServiceAccount", "sa", "").names_service_account("t", "sa", "t"));
        assert!(!s("ServiceAccount", "sa", "u").names_service_account("t", "sa", ""));
        assert!(s("Group", "system:serviceaccounts:t", "").names_service_account("t", "sa", ""));
        assert!(!s("Group", "system:serviceaccounts:u", "").names_service_account("t", "sa", ""));
        assert!(s("User", "system:serviceaccount:t:sa", "").names_service_account("t", "sa", ""));
    }
}
