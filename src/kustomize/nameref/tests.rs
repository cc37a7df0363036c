use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::resource::{Origin, PrevId};
use crate::yaml::{Limits, Pos, parse_stream};

fn res(src: &str) -> Resource {
    let node = parse_stream(src, &Limits::default())
        .unwrap()
        .remove(0)
        .root;
    Resource::new(
        node,
        Origin {
            file: Arc::from(Path::new("/t/r.yaml")),
            doc_index: 0,
            pos: Pos::new(1, 1),
        },
    )
}

/// Renames like a transformer would: stores the previous id, records the prefix/suffix.
fn rename(r: &mut Resource, prefix: &str, suffix: &str) {
    r.store_previous_id();
    let name = format!("{prefix}{}{suffix}", r.name());
    r.set_name(&name);
    if !prefix.is_empty() {
        r.book.prefixes.push(prefix.into());
    }
    if !suffix.is_empty() {
        r.book.suffixes.push(suffix.into());
    }
}

fn run(rs: &mut [Resource]) -> Result<(), Diagnostic> {
    fix_name_references(rs, TransformerConfig::builtin())
}

fn get<'a>(r: &'a Resource, path: &[&str]) -> &'a str {
    r.node.get_path(path).and_then(Node::as_str).unwrap_or("")
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      volumes:\n      - name: v\n        configMap:\n          name: cfg\n      containers:\n      - name: c\n        envFrom:\n        - secretRef:\n            name: sec\n";

#[test]
fn follows_prefix_and_hash_renames() {
    let mut rs = vec![
        res(DEPLOY),
        res("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"),
        res("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\n"),
        res("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"),
    ];
    for r in &mut rs {
        rename(r, "p-", "");
    }
    rename(&mut rs[1], "", "-abc");
    run(&mut rs).unwrap();
    fn at(p: &[&'static str]) -> Vec<&'static str> {
        [&["spec", "template", "spec"][..], p].concat()
    }
    assert_eq!(get(&rs[0], &at(&["serviceAccountName"])), "p-sa");
    let vol = rs[0]
        .node
        .get_path(&at(&["volumes"]))
        .unwrap()
        .as_seq()
        .unwrap()[0]
        .clone();
    assert_eq!(
        vol.get_path(&["configMap", "name"]).unwrap().as_str(),
        Some("p-cfg-abc")
    );
    let c = rs[0]
        .node
        .get_path(&at(&["containers"]))
        .unwrap()
        .as_seq()
        .unwrap()[0]
        .clone();
    let ef = c.get("envFrom").unwrap().as_seq().unwrap()[0].clone();
    assert_eq!(
        ef.get_path(&["secretRef", "name"]).unwrap().as_str(),
        Some("p-sec")
    );
}

#[test]
fn unrenamed_objects_and_other_namespaces_are_left() {
    let mut rs = vec![
        res(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: a\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n",
        ),
        res("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sa\n  namespace: a\n"),
    ];
    rename(&mut rs[1], "p-", "");
    run(&mut rs).unwrap();
    assert_eq!(
        get(&rs[0], &["spec", "template", "spec", "serviceAccountName"]),
        "sa"
    );
    let mut rs = vec![
        res(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n  namespace: a\nspec:\n  scaleTargetRef:\n    name: web\n",
        ),
        res("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: b\n"),
    ];
    rename(&mut rs[1], "p-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[0], &["spec", "scaleTargetRef", "name"]), "web");
}

#[test]
fn prefixes_disambiguate_and_ambiguity_is_an_error() {
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n  scaleTargetRef:\n    name: web\n";
    let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
    let mut rs = vec![res(hpa), res(dep), res(dep)];
    rename(&mut rs[0], "a-", "");
    rename(&mut rs[1], "a-", "");
    rename(&mut rs[2], "b-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[0], &["spec", "scaleTargetRef", "name"]), "a-web");

    // The referrer has no prefix: the strict pass drops both, and the name stays (verified).
    let mut rs = vec![res(hpa), res(dep), res(dep)];
    rename(&mut rs[1], "a-", "");
    rename(&mut rs[2], "b-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[0], &["spec", "scaleTargetRef", "name"]), "web");

    let mut rs = vec![res(hpa), res(dep), res(dep)];
    rename(&mut rs[1], "a-", "");
    rename(&mut rs[2], "a-", "-x");
    rs[2].book.suffixes.clear();
    rename(&mut rs[0], "a-", "");
    let err = run(&mut rs).unwrap_err();
    assert!(
        err.message.contains("found multiple possible referrals"),
        "{}",
        err.message
    );
}

#[test]
fn subjects_get_name_and_namespace() {
    let mut rs = vec![
        res(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: default\n- kind: User\n  name: u\n",
        ),
        res("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"),
        res("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"),
    ];
    rename(&mut rs[1], "p-", "");
    rs[1].store_previous_id();
    rs[1].set_namespace("prod");
    rename(&mut rs[2], "p-", "");
    run(&mut rs).unwrap();
    let s = rs[0].node.get("subjects").unwrap().as_seq().unwrap();
    assert_eq!(s[0].get("name").unwrap().as_str(), Some("p-sa"));
    assert_eq!(s[0].get("namespace").unwrap().as_str(), Some("prod"));
    assert_eq!(s[1].get("name").unwrap().as_str(), Some("u"));
    assert_eq!(get(&rs[0], &["roleRef", "name"]), "p-r");
}

#[test]
fn role_ref_kind_must_match() {
    let mut rs = vec![
        res(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\n",
        ),
        res("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n"),
    ];
    rename(&mut rs[1], "p-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[0], &["roleRef", "name"]), "r");
}

#[test]
fn ingress_class_is_not_rewritten() {
    let mut rs = vec![
        res(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\nspec:\n  ingressClassName: nginx\n",
        ),
        res("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n"),
    ];
    rename(&mut rs[1], "p-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[0], &["spec", "ingressClassName"]), "nginx");
}

#[test]
fn role_resource_names_list() {
    let mut rs = vec![
        res(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules:\n- resourceNames: [cfg, other]\n",
        ),
        res("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"),
    ];
    rs[1].book.prev_ids.push(PrevId {
        kind: "ConfigMap".into(),
        name: "cfg".into(),
        namespace: String::new(),
    });
    rs[1].set_name("cfg-h4sh");
    run(&mut rs).unwrap();
    let rules = rs[0].node.get("rules").unwrap().as_seq().unwrap();
    let names: Vec<_> = rules[0]
        .get("resourceNames")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(names, ["cfg-h4sh", "other"]);
}

#[test]
fn empty_affixes_pass_the_loose_sieve() {
    // Verified with kubectl: base a/ (namePrefix a-), b/ (nameSuffix -s), x/ (namePrefix x-)
    // holding an HPA for `web`: the loose pass drops a-web and keeps web-s.
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n  scaleTargetRef:\n    name: web\n";
    let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
    let mut rs = vec![res(dep), res(dep), res(hpa)];
    rename(&mut rs[0], "a-", "");
    rename(&mut rs[1], "", "-s");
    rename(&mut rs[2], "x-", "");
    run(&mut rs).unwrap();
    assert_eq!(get(&rs[2], &["spec", "scaleTargetRef", "name"]), "web-s");
}

#[test]
fn webhook_service_map_and_cluster_scoped_referrer() {
    let mut rs = vec![
        res(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: w\nwebhooks:\n- name: a\n  clientConfig:\n    service:\n      name: svc\n      namespace: default\n- name: b\n  clientConfig:\n    url: https://x\n",
        ),
        res("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n"),
    ];
    rename(&mut rs[1], "p-", "");
    rs[1].store_previous_id();
    rs[1].set_namespace("prod");
    run(&mut rs).unwrap();
    let hooks = rs[0].node.get("webhooks").unwrap().as_seq().unwrap();
    let svc = hooks[0].get_path(&["clientConfig", "service"]).unwrap();
    assert_eq!(svc.get("name").unwrap().as_str(), Some("p-svc"));
    assert_eq!(svc.get("namespace").unwrap().as_str(), Some("prod"));
}

#[test]
fn role_binding_reaches_subject_namespaces() {
    let mut rs = vec![
        res(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: a\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: r\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: b\n",
        ),
        res("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: b\n"),
        res(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: b\n",
        ),
    ];
    rename(&mut rs[1], "p-", "");
    rename(&mut rs[2], "p-", "");
    run(&mut rs).unwrap();
    let s = rs[0].node.get("subjects").unwrap().as_seq().unwrap();
    assert_eq!(s[0].get("name").unwrap().as_str(), Some("p-sa"));
    // The Role is reachable as a candidate but sits in another namespace than the binding.
    assert_eq!(get(&rs[0], &["roleRef", "name"]), "r");
}

#[test]
fn httproute_backend_refs_are_not_in_the_default_table() {
    let mut rs = vec![
        res(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n  - backendRefs:\n    - name: svc\n",
        ),
        res("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n"),
    ];
    rename(&mut rs[1], "p-", "");
    run(&mut rs).unwrap();
    let rules = rs[0]
        .node
        .get_path(&["spec", "rules"])
        .unwrap()
        .as_seq()
        .unwrap();
    let refs = rules[0].get("backendRefs").unwrap().as_seq().unwrap();
    assert_eq!(refs[0].get("name").unwrap().as_str(), Some("svc"));
}
