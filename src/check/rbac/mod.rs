//! Offline RBAC: the Roles, ClusterRoles (with `aggregationRule`), RoleBindings and
//! ClusterRoleBindings rendered for a cluster, plus the API server's default ClusterRoles,
//! evaluated for the ServiceAccount kustomize-controller impersonates.

pub mod kinds;
pub mod policy;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use policy::{LabelSelector, PolicyRule, Subject};

use crate::resource::Resource;
use crate::yaml::{Limits, Node, parse_stream};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The built-in ClusterRoles, embedded (see the file's header).
const BUILTIN_ROLES: &str = include_str!("builtin-roles.yaml");

/// A ClusterRole before aggregation.
#[derive(Clone, Debug)]
struct ClusterRoleDef {
    labels: Vec<(String, String)>,
    rules: Vec<PolicyRule>,
    aggregation: Option<Vec<LabelSelector>>,
}

impl ClusterRoleDef {
    fn parse(n: &Node) -> ClusterRoleDef {
        let labels = policy::text_pairs(n.get_path(&["metadata", "labels"]));
        let aggregation = n
            .get_path(&["aggregationRule", "clusterRoleSelectors"])
            .and_then(Node::as_seq)
            .map(|items| items.iter().map(LabelSelector::parse).collect());
        ClusterRoleDef {
            labels,
            rules: PolicyRule::parse_all(n),
            aggregation,
        }
    }
}

fn builtin_roles() -> &'static BTreeMap<String, ClusterRoleDef> {
    static ROLES: OnceLock<BTreeMap<String, ClusterRoleDef>> = OnceLock::new();
    ROLES.get_or_init(|| {
        parse_stream(BUILTIN_ROLES, &Limits::default())
            .map(|docs| {
                docs.iter()
                    .filter_map(|d| {
                        let name = d.root.get_path(&["metadata", "name"])?.as_str()?;
                        Some((name.to_owned(), ClusterRoleDef::parse(&d.root)))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// A RoleBinding or ClusterRoleBinding of the render.
#[derive(Clone, Debug)]
pub struct Binding<'a> {
    /// The RoleBinding's namespace; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// `roleRef.kind` (Role or ClusterRole).
    pub role_kind: String,
    /// `roleRef.name`.
    pub role_name: String,
    /// `subjects`.
    pub subjects: Vec<Subject>,
    /// The Kustomization applying it and the object.
    pub object: (&'a str, &'a Resource),
}

/// What one binding grants a subject.
#[derive(Clone, Copy, Debug)]
pub struct Grant<'r, 'a> {
    /// The binding.
    pub binding: &'r Binding<'a>,
    /// The rules of its role (empty when the role does not exist).
    pub rules: &'r [PolicyRule],
}

/// A cluster's RBAC.
#[derive(Debug, Default)]
pub struct Rbac<'a> {
    cluster_roles: BTreeMap<String, Vec<PolicyRule>>,
    roles: BTreeMap<(String, String), Vec<PolicyRule>>,
    /// Every binding rendered for the cluster.
    pub bindings: Vec<Binding<'a>>,
}

impl<'a> Rbac<'a> {
    /// Reads the RBAC objects among `objects` (Kustomization key, object) and aggregates
    /// ClusterRoles.
    pub fn new(objects: &[(&'a str, &'a Resource)]) -> Rbac<'a> {
        let mut defs: BTreeMap<String, ClusterRoleDef> = builtin_roles().clone();
        let mut rbac = Rbac::default();
        for (ks, r) in objects {
            let id = r.id();
            if id.gvk.group != RBAC_GROUP {
                continue;
            }
            match id.gvk.kind.as_str() {
                "ClusterRole" => {
                    defs.insert(id.name.clone(), ClusterRoleDef::parse(&r.node));
                }
                "Role" => {
                    rbac.roles
                        .insert((id.namespace, id.name), PolicyRule::parse_all(&r.node));
                }
                "RoleBinding" | "ClusterRoleBinding" => {
                    let text = |k: &str| {
                        r.node
                            .get_path(&["roleRef", k])
                            .and_then(Node::text)
                            .map(|t| t.into_owned())
                            .unwrap_or_default()
                    };
                    rbac.bindings.push(Binding {
                        namespace: (id.gvk.kind == "RoleBinding")
                            .then(|| crate::check::tenancy::namespace_or_default(&id.namespace)),
                        role_kind: text("kind"),
                        role_name: text("name"),
                        subjects: Subject::parse_all(&r.node),
                        object: (ks, r),
                    });
                }
                _ => {}
            }
        }
        rbac.cluster_roles = aggregate(&defs);
        rbac
    }

    /// The rules of a binding's role.
    pub fn role_rules(&self, b: &Binding<'_>) -> &[PolicyRule] {
        let rules = match (b.role_kind.as_str(), &b.namespace) {
            ("ClusterRole", _) => self.cluster_roles.get(&b.role_name),
            ("Role", Some(ns)) => self.roles.get(&(ns.clone(), b.role_name.clone())),
            _ => None,
        };
        rules.map_or(&[], Vec::as_slice)
    }

    /// The grants of ServiceAccount `namespace/name`.
    pub fn grants(&self, namespace: &str, name: &str) -> Vec<Grant<'_, 'a>> {
        self.bindings
            .iter()
            .filter(|b| {
                let bns = b.namespace.as_deref().unwrap_or("");
                b.subjects
                    .iter()
                    .any(|s| s.names_service_account(namespace, name, bns))
            })
            .map(|b| Grant {
                binding: b,
                rules: self.role_rules(b),
            })
            .collect()
    }
}

/// Whether `grants` allow `verb` on `resource` of `group` named `name`, in `namespace` (`None`
/// for a cluster-scoped resource: only ClusterRoleBindings count).
pub fn allows(
    grants: &[Grant<'_, '_>],
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: &str,
) -> bool {
    grants.iter().any(|g| {
        let in_scope = match (&g.binding.namespace, namespace) {
            (None, _) => true,
            (Some(bns), Some(ns)) => bns == ns,
            (Some(_), None) => false,
        };
        in_scope
            && g.rules
                .iter()
                .any(|r| r.allows(verb, group, resource, name))
    })
}

/// Each ClusterRole's rules after aggregation (to a fixed point: aggregated roles may
/// themselves be aggregated, as `edit` into `admin`).
fn aggregate(defs: &BTreeMap<String, ClusterRoleDef>) -> BTreeMap<String, Vec<PolicyRule>> {
    let mut rules: BTreeMap<String, Vec<PolicyRule>> = defs
        .iter()
        .map(|(k, d)| (k.clone(), d.rules.clone()))
        .collect();
    for _ in 0..=defs.len() {
        let mut changed = false;
        for (name, def) in defs {
            let Some(selectors) = &def.aggregation else {
                continue;
            };
            let mut add: Vec<PolicyRule> = Vec::new();
            for (other, odef) in defs {
                if other != name && selectors.iter().any(|s| s.matches(&odef.labels)) {
                    add.extend(rules[other].iter().cloned());
                }
            }
            let mine = rules.get_mut(name).expect("every def has rules");
            for r in add {
                if !mine.contains(&r) {
                    mine.push(r);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::resources::resources_from_documents;
    use std::path::Path;

    fn resources(text: &str) -> Vec<Resource> {
        let docs = parse_stream(text, &Limits::default()).unwrap();
        resources_from_documents(docs, Path::new("/r/rbac.yaml")).unwrap()
    }

    #[test]
    fn admin_aggregates_edit_and_user_roles() {
        let res = resources(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: widgets-admin\n  labels:\n    rbac.authorization.k8s.io/aggregate-to-admin: \"true\"\nrules:\n- apiGroups: [example.com]\n  resources: [widgets]\n  verbs: [create, patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: t\n  namespace: team\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: admin\nsubjects:\n- kind: ServiceAccount\n  name: flux\n  namespace: team\n",
        );
        let objects: Vec<(&str, &Resource)> = res.iter().map(|r| ("ks", r)).collect();
        let rbac = Rbac::new(&objects);
        let g = rbac.grants("team", "flux");
        assert_eq!(g.len(), 1);
        assert!(allows(
            &g,
            "patch",
            "apps",
            "deployments",
            Some("team"),
            "web"
        ));
        assert!(allows(&g, "create", "", "secrets", Some("team"), "s"));
        assert!(allows(
            &g,
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            Some("team"),
            "b"
        ));
        assert!(allows(
            &g,
            "create",
            "example.com",
            "widgets",
            Some("team"),
            "w"
        ));
        assert!(!allows(
            &g,
            "create",
            "apps",
            "deployments",
            Some("other"),
            "web"
        ));
        assert!(!allows(&g, "create", "", "namespaces", None, "team"));
        assert!(!allows(
            &g,
            "create",
            "",
            "resourcequotas",
            Some("team"),
            "q"
        ));
        assert!(rbac.grants("team", "other").is_empty());
    }
}
