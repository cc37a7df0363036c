//! The schema library end to end: embedded Kubernetes and Flux schemas, CRD harvesting,
//! `--schema-dir`, strict mode, and the sample fleet's rendered objects validating cleanly.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use fleetcheck::flux::graph::{FleetOptions, render_fleet};
use fleetcheck::schema::{SchemaSet, Violation};
use fleetcheck::sops::KeyRing;
use fleetcheck::source::DiskTree;
use fleetcheck::yaml::{Limits, Node, Pos, parse_stream};

fn parse(text: &str) -> Node {
    parse_stream(text, &Limits::default())
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .root
}

fn newest() -> SchemaSet {
    SchemaSet::builtin(SchemaSet::kube_versions()[0]).unwrap()
}

fn lines(found: &[Violation]) -> Vec<String> {
    found
        .iter()
        .map(|v| format!("{}: {}", v.path, v.message))
        .collect()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: \"80\"
        resources:
          limits: {cpu: 500m, memory: 1Gi}
          requests: {cpu: 1}
";

#[test]
fn kube_versions_are_the_four_newest_minors_newest_first() {
    assert_eq!(SchemaSet::kube_versions(), ["1.37", "1.36", "1.35", "1.34"]);
    for v in SchemaSet::kube_versions() {
        assert!(SchemaSet::builtin(&format!("v{v}.2")).is_ok());
    }
    let err = SchemaSet::builtin("1.19").unwrap_err();
    assert!(err.to_string().contains("1.19"), "{err}");
}

#[test]
fn a_deployment_with_a_quoted_port_fails_at_the_port() {
    let found = newest().validate(&parse(DEPLOYMENT), false).unwrap();
    assert_eq!(
        lines(&found),
        [
            "spec.template.spec.containers[0].ports[0].containerPort: expected integer, got string \"80\""
        ]
    );
    assert_eq!(found[0].pos, Pos::new(19, 26));
    assert_eq!(found[0].source, "kubernetes v1.37");
    let fixed = DEPLOYMENT.replace("\"80\"", "80");
    assert_eq!(newest().validate(&parse(&fixed), true).unwrap(), []);
}

#[test]
fn every_embedded_version_validates_the_same_deployment() {
    for v in SchemaSet::kube_versions() {
        let set = SchemaSet::builtin(v).unwrap();
        let found = set.validate(&parse(DEPLOYMENT), false).unwrap();
        assert_eq!(found.len(), 1, "{v}: {found:?}");
        assert_eq!(found[0].source, format!("kubernetes v{v}"));
    }
}

#[test]
fn unknown_kinds_have_no_schema() {
    let set = newest();
    let obj = parse("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    assert_eq!(set.validate(&obj, true), None);
    assert!(!set.knows("example.com/v1", "Widget"));
    assert!(set.knows("v1", "ConfigMap"));
    assert_eq!(set.validate(&parse("kind: ConfigMap"), false), None);
}

#[test]
fn strict_mode_reports_unknown_fields_and_duplicate_keys() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {a: b}\ndata:\n  k: v\n  k: w\n";
    let set = newest();
    assert_eq!(set.validate(&parse(cm), false).unwrap(), []);
    let found = set.validate(&parse(cm), true).unwrap();
    assert_eq!(
        lines(&found),
        [
            "metadata.lables: unknown field \"lables\"",
            "data.k: duplicate key \"k\""
        ]
    );
    assert_eq!(found[0].pos, Pos::new(5, 3));
    assert_eq!(found[1].pos, Pos::new(8, 3));
}

#[test]
fn label_values_must_be_strings() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {version: 2}\n";
    assert_eq!(
        lines(&newest().validate(&parse(cm), false).unwrap()),
        ["metadata.labels.version: expected string, got integer 2"]
    );
}

#[test]
fn secret_values_are_never_quoted() {
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: 'hunter2!'\n";
    let found = newest().validate(&parse(secret), false).unwrap();
    assert_eq!(
        lines(&found),
        ["data.password: a string is not valid base64"]
    );
    assert!(!format!("{found:?}").contains("hunter2"));
}

const KUSTOMIZATION: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

#[test]
fn flux_objects_are_checked_without_their_crds() {
    let set = newest();
    assert_eq!(set.validate(&parse(KUSTOMIZATION), true).unwrap(), []);
    let broken = KUSTOMIZATION
        .replace("interval: 10m", "interval: ten minutes")
        .replace("prune: true", "prune: \"yes\"")
        .replace(
            "    kind: GitRepository\n",
            "    kind: GitRepository\n    nmae: x\n",
        );
    let found = set.validate(&parse(&broken), true).unwrap();
    let got = lines(&found);
    assert!(
        got.contains(&"spec.interval: string \"ten minutes\" does not match the pattern \"^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$\"".to_owned()),
        "{got:?}"
    );
    assert!(
        got.contains(&"spec.prune: expected boolean, got string \"yes\"".to_owned()),
        "{got:?}"
    );
    assert!(
        got.contains(&"spec.sourceRef.nmae: unknown field \"nmae\"".to_owned()),
        "{got:?}"
    );
    assert!(found.iter().all(|v| v.source == "flux v2.5.1"));
    let missing = KUSTOMIZATION.replace("  prune: true\n", "");
    assert_eq!(
        lines(&set.validate(&parse(&missing), false).unwrap()),
        ["spec: missing required field \"prune\""]
    );
}

#[test]
fn custom_resources_have_their_metadata_checked_as_object_meta() {
    let bad = KUSTOMIZATION.replace(
        "  namespace: flux-system\n",
        "  namespace: flux-system\n  labels: {tier: 1}\n",
    );
    assert_eq!(
        lines(&newest().validate(&parse(&bad), false).unwrap()),
        ["metadata.labels.tier: expected string, got integer 1"]
    );
}

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue]}
  - name: v1alpha1
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object}
";

#[test]
fn crds_register_their_served_versions() {
    let mut set = newest();
    assert_eq!(set.add_crd(&parse(CRD)).unwrap(), 1);
    assert!(set.knows("example.com/v1", "Widget"));
    assert!(!set.knows("example.com/v1alpha1", "Widget"), "not served");
    let ok = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 2, color: red}\n";
    assert_eq!(set.validate(&parse(ok), true).unwrap(), []);
    let bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 0, color: green, shape: round}\n";
    let found = set.validate(&parse(bad), true).unwrap();
    assert_eq!(
        lines(&found),
        [
            "spec.size: 0 is out of range: must be >= 1",
            "spec.color: must be one of string \"red\", string \"blue\"; got string \"green\"",
            "spec.shape: unknown field \"shape\"",
        ]
    );
    assert!(found.iter().all(|v| v.source == "CRD widgets.example.com"));
    assert_eq!(
        lines(&set.validate(&parse(bad), false).unwrap()).len(),
        2,
        "non-strict mode prunes unknown fields silently"
    );
}

#[test]
fn every_custom_resource_may_carry_type_and_metadata() {
    let mut set = newest();
    let crd = CRD.replace(
        "          apiVersion: {type: string}\n          kind: {type: string}\n          metadata: {type: object}\n",
        "",
    );
    assert_ne!(crd, CRD);
    set.add_crd(&parse(&crd)).unwrap();
    let ok = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 2}\n";
    assert_eq!(set.validate(&parse(ok), true).unwrap(), []);
    let bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, nmae: x}\nspec: {size: 2}\nstatus: {}\n";
    assert_eq!(
        lines(&set.validate(&parse(bad), true).unwrap()),
        [
            "status: unknown field \"status\"",
            "metadata.nmae: unknown field \"nmae\""
        ]
    );
}

#[test]
fn a_crd_in_the_fleet_replaces_the_embedded_flux_schema() {
    let mut set = newest();
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: kustomizations.kustomize.toolkit.fluxcd.io}\nspec:\n  group: kustomize.toolkit.fluxcd.io\n  names: {kind: Kustomization}\n  versions:\n  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";
    set.add_crd(&parse(crd)).unwrap();
    let odd = KUSTOMIZATION.replace("interval: 10m", "interval: soon");
    assert_eq!(set.validate(&parse(&odd), true).unwrap(), []);
}

#[test]
fn crd_errors_say_what_is_wrong() {
    let mut set = newest();
    let beta = CRD.replace(
        "apiextensions.k8s.io/v1\n",
        "apiextensions.k8s.io/v1beta1\n",
    );
    let e = set.add_crd(&parse(&beta)).unwrap_err();
    assert!(
        e.message.contains("not served since Kubernetes 1.22"),
        "{e}"
    );
    assert!(e.hint.is_some());
    let e = set
        .add_crd(&parse("apiVersion: v1\nkind: ConfigMap\n"))
        .unwrap_err();
    assert!(
        e.message.contains("expected a CustomResourceDefinition"),
        "{e}"
    );
    let bad_pattern = CRD.replace(
        "{type: integer, minimum: 1}",
        "{type: string, pattern: '(?<=a)b'}",
    );
    let e = set.add_crd(&parse(&bad_pattern)).unwrap_err();
    assert!(
        e.message
            .starts_with("CRD widgets.example.com version v1: invalid pattern"),
        "{e}"
    );
    assert!(e.pos.line > 0, "{e:?}");
}

#[test]
fn schema_dirs_hold_crd_yaml_and_kubeconform_named_json() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("widgets.yaml"),
        format!("# CRDs\n---\n{CRD}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: x}}\n"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("example.org")).unwrap();
    fs::write(
        dir.path().join("example.org/gadget_v2.json"),
        r##"{"type": "object", "properties": {"spec": {"$ref": "#/definitions/Spec"}}, "definitions": {"Spec": {"type": "object", "properties": {"on": {"type": "boolean"}}}}}"##,
    )
    .unwrap();
    fs::write(
        dir.path().join("thing.json"),
        r#"{"type": "object", "x-kubernetes-group-version-kind": [{"group": "t.io", "version": "v1", "kind": "Thing"}], "properties": {"n": {"type": "integer"}}}"#,
    )
    .unwrap();
    fs::write(dir.path().join("README.md"), "ignored").unwrap();
    let mut set = newest();
    assert_eq!(set.add_dir(dir.path()).unwrap(), 3);
    let gadget = "apiVersion: example.org/v2\nkind: Gadget\nmetadata: {name: g}\nspec: {on: 1}\n";
    let found = set.validate(&parse(gadget), false).unwrap();
    assert_eq!(lines(&found), ["spec.on: expected boolean, got integer 1"]);
    assert_eq!(found[0].source, "schema example.org/gadget_v2.json");
    assert_eq!(
        set.validate(&parse(&gadget.replace("example.org", "other.org")), false),
        None
    );
    let thing = "apiVersion: t.io/v1\nkind: Thing\nn: x\n";
    assert_eq!(set.validate(&parse(thing), false).unwrap().len(), 1);
    assert!(set.knows("example.com/v1", "Widget"));

    fs::write(dir.path().join("nonsense.json"), "{}").unwrap();
    let e = newest().add_dir(dir.path()).unwrap_err();
    assert!(e.to_string().contains("nonsense.json"), "{e}");
    assert!(e.hint.unwrap().contains("KIND_VERSION.json"));
    let e = newest().add_dir(&dir.path().join("missing")).unwrap_err();
    assert!(e.message.contains("does not exist"), "{e}");
}

#[test]
fn broken_schema_files_are_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad_v1.json"),
        "{\"type\": \"object\",\n \"properties\": {\"a\": {\"type\": \"strin\"}}}",
    )
    .unwrap();
    let e = newest().add_dir(dir.path()).unwrap_err();
    assert_eq!(e.pos.line, 2, "{e:?}");
    assert!(e.to_string().contains("bad_v1.json:2:"), "{e}");
}

/// Renders the sample fleet (with its age key when `decrypt`) and validates every object in
/// strict mode: how many objects had a schema, and each violation as `CLUSTER SOURCE: PATH: MESSAGE`.
fn sample_fleet_violations(decrypt: bool) -> (usize, Vec<String>) {
    let root =
        fs::canonicalize(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fleet-infra"))
            .unwrap();
    let mut options = FleetOptions::default();
    if decrypt {
        let mut keys = KeyRing::new();
        keys.add_age_key_file(&root.join("test-keys/age.agekey"))
            .unwrap();
        options.keys = Some(Arc::new(keys));
    }
    let render = render_fleet(&DiskTree, &root, &options, &|_| true);
    let set = newest();
    let mut checked = 0;
    let mut problems = Vec::new();
    for cluster in &render.clusters {
        for node in cluster.nodes.values() {
            for r in &node.resources {
                let Some(found) = set.validate(&r.node, true) else {
                    continue;
                };
                checked += 1;
                for v in found {
                    problems.push(format!(
                        "{} {}: {}: {}",
                        cluster.name, v.source, v.path, v.message
                    ));
                }
            }
        }
    }
    (checked, problems)
}

#[test]
fn the_sample_fleet_validates_cleanly_against_the_newest_version() {
    // Decrypted, as the cluster's kustomize-controller would apply it.
    let (checked, problems) = sample_fleet_violations(true);
    assert!(checked > 30, "only {checked} objects had a schema");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_secret_left_sops_encrypted_is_rejected_in_strict_mode() {
    let (_, problems) = sample_fleet_violations(false);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems
            .iter()
            .all(|p| p.ends_with("kubernetes v1.37: sops: unknown field \"sops\"")),
        "{problems:#?}"
    );
}
