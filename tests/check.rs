//! `fleetcheck check` end to end: each rule fires on its fixture fleet case and stays silent on
//! the case next to it; the sample fleet is clean; reports are well-formed.

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, fleetcheck, stderr, stdout, write};
use fleetcheck::yaml::{Limits, Node, parse_stream};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/check").join(name)
}

/// Parses JSON output (JSON is YAML).
fn parse_json(text: &str) -> Node {
    parse_stream(text, &Limits::default())
        .expect("output parses as JSON")
        .remove(0)
        .root
}

fn s<'a>(n: &'a Node, path: &[&str]) -> &'a str {
    n.get_path(path).and_then(Node::as_str).unwrap_or("")
}

/// `(rule, what)` per finding: the object's name, or else the Kustomization.
fn findings(json: &Node) -> Vec<(String, String)> {
    json.get("findings")
        .and_then(Node::as_seq)
        .unwrap()
        .iter()
        .map(|f| {
            let what = match f.get("object").filter(|o| !o.is_null()) {
                Some(o) => s(o, &["name"]).to_owned(),
                None => f
                    .get("kustomization")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned(),
            };
            (s(f, &["rule"]).to_owned(), what)
        })
        .collect()
}

/// The first finding of `rule`.
fn first_of<'a>(json: &'a Node, rule: &str) -> &'a Node {
    json.get("findings")
        .and_then(Node::as_seq)
        .unwrap()
        .iter()
        .find(|f| s(f, &["rule"]) == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

fn check_json(repo: &Path, extra: &[&str]) -> (i32, Node) {
    let mut args = vec!["check", "-o", "json"];
    args.extend_from_slice(extra);
    args.push(repo.to_str().unwrap());
    let out = fleetcheck(&args, &root());
    let code = out.status.code().unwrap();
    (code, parse_json(&stdout(&out)))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

#[test]
fn the_sample_fleet_is_clean_at_warning_and_above() {
    let repo = root().join("testdata/fleet-infra");
    let (code, json) = check_json(&repo, &["--fail-on", "warning"]);
    assert_eq!(code, 0);
    let f = findings(&json);
    assert!(!f.is_empty());
    for sev in json.get("findings").and_then(Node::as_seq).unwrap() {
        assert_eq!(s(sev, &["severity"]), "info");
    }
    assert_eq!(
        json.get_path(&["summary", "failed"])
            .map(|n| n.value.clone()),
        Some(fleetcheck::yaml::Value::Bool(false))
    );
}

#[test]
fn tenants_pushing_cluster_rbac_or_other_namespaces_are_caught() {
    let (code, json) = check_json(&fixture("tenancy"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        sorted(findings(&json)),
        pairs(&[
            ("FC201", "settings"),
            ("FC201", "team-a-takeover"),
            ("FC201", "api-token"),
            ("FC202", "settings"),
            ("FC203", "team-a-takeover"),
            ("FC205", "team-a-takeover"),
            ("FC205", "team-c-admin"),
            ("FC206", "flux-tenant"),
            ("FC206", "flux-tenant"),
        ])
    );
    let messages: Vec<&str> = json
        .get("findings")
        .and_then(Node::as_seq)
        .unwrap()
        .iter()
        .map(|f| s(f, &["message"]))
        .collect();
    assert!(messages.contains(
        &"team-a/apps would create ClusterRoleBinding team-a-takeover, but ServiceAccount team-a/flux-tenant may not create or patch clusterrolebindings.rbac.authorization.k8s.io (cluster-scoped)"
    ), "{messages:#?}");
    assert!(messages.contains(
        &"team-a/apps would create ConfigMap kube-system/settings, but ServiceAccount team-a/flux-tenant may not create or patch configmaps in namespace kube-system"
    ), "{messages:#?}");
    // The location is the object's own document.
    let crb = first_of(&json, "FC203");
    assert_eq!(s(crb, &["location", "file"]), "apps/team-a/app.yaml");
    assert_eq!(
        crb.get_path(&["location", "line"]).map(|n| n.value.clone()),
        Some(fleetcheck::yaml::Value::Int(28))
    );
}

#[test]
fn cross_namespace_source_refs_only_with_the_flag() {
    let (_, json) = check_json(&fixture("tenancy"), &["--no-cross-namespace-refs"]);
    let cross: Vec<String> = findings(&json)
        .into_iter()
        .filter(|(r, _)| r == "FC204")
        .map(|(_, k)| k)
        .collect();
    assert_eq!(cross, ["team-a/apps", "team-b/apps", "team-c/apps"]);
}

#[test]
fn the_default_service_account_makes_every_kustomization_a_tenant() {
    let repo = root().join("testdata/fleet-infra");
    let (code, json) = check_json(&repo, &["--default-service-account", "default"]);
    assert_eq!(code, 1);
    let f = findings(&json);
    assert!(f.contains(&("FC203".into(), "flux-system".into())), "{f:?}");
    assert!(
        f.contains(&("FC201".into(), "cert-manager".into())),
        "{f:?}"
    );
}

#[test]
fn reconcile_graph_rules_fire_on_their_cases_only() {
    let (code, json) = check_json(&fixture("graph"), &[]);
    assert_eq!(code, 1);
    let broken = first_of(&json, "FC001");
    assert!(
        s(broken, &["hint"]).contains("(at clusters/prod/apps.yaml:135:1)"),
        "trail files are repository-relative: {}",
        s(broken, &["hint"])
    );
    assert_eq!(
        sorted(findings(&json)),
        pairs(&[
            ("FC001", "flux-system/broken"),
            ("FC002", "flux-system/lost"),
            ("FC301", "flux-system/orphan"),
            ("FC302", "flux-system/chicken"),
            ("FC302", "flux-system/egg"),
            ("FC303", "flux-system/lost"),
            ("FC304", "flux-system/two"),
            ("FC305", "shared"),
            ("FC306", "db-plain"),
        ])
    );
}

#[test]
fn schema_rules_validate_against_kubernetes_flux_and_the_fleets_crds() {
    let repo = fixture("schemas");
    let (code, json) = check_json(&repo, &[]);
    assert_eq!(code, 1);
    let expected = [
        ("FC101", "bad"),
        ("FC101", "broken.example.com"),
        ("FC102", "g"),
        ("FC103", "broken.example.com"),
    ];
    assert_eq!(sorted(findings(&json)), pairs(&expected));
    let (_, strict) = check_json(&repo, &["--strict"]);
    let mut with_typo = expected.to_vec();
    with_typo.push(("FC101", "settings"));
    assert_eq!(sorted(findings(&strict)), pairs(&with_typo));
    let (_, old) = check_json(&repo, &["--kube-version", "1.34"]);
    assert_eq!(sorted(findings(&old)), pairs(&expected));
    let out = fleetcheck(
        &["check", "--kube-version", "1.20", repo.to_str().unwrap()],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    // A schema directory supplies the missing kind; .fleetcheck.yaml can lower FC102.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "gadget_v1.json",
        "{\"type\": \"object\", \"properties\": {\"spec\": {\"type\": \"object\"}}}",
    );
    let (_, with_dir) = check_json(&repo, &["--schema-dir", dir.path().to_str().unwrap()]);
    assert!(!findings(&with_dir).contains(&("FC102".into(), "g".into())));
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&repo, copy.path());
    write(
        copy.path(),
        ".fleetcheck.yaml",
        "check:\n  severity:\n    FC102: info\n",
    );
    let (_, lowered) = check_json(copy.path(), &[]);
    let fc102 = first_of(&lowered, "FC102");
    assert_eq!(s(fc102, &["severity"]), "info");
}

#[test]
fn secret_rules_fire_without_printing_secret_values() {
    let repo = fixture("secrets");
    let (code, json) = check_json(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        sorted(findings(&json)),
        pairs(&[("FC401", "api-key"), ("FC402", ""), ("FC403", "broken"),])
    );
    assert_eq!(
        json.get_path(&["summary", "suppressed"])
            .map(|n| n.value.clone()),
        Some(fleetcheck::yaml::Value::Int(1))
    );
    // Decrypted in memory with the sample fleet's test key: the same findings.
    let key = root().join("testdata/fleet-infra/test-keys/age.agekey");
    let key = key.to_str().unwrap();
    let (_, decrypted) = check_json(&repo, &["--age-key-file", key]);
    assert_eq!(findings(&decrypted), findings(&json));
    for format in ["text", "json", "sarif", "junit"] {
        let out = fleetcheck(
            &[
                "check",
                "-o",
                format,
                "--age-key-file",
                key,
                repo.to_str().unwrap(),
            ],
            &root(),
        );
        let all = stdout(&out) + &stderr(&out);
        for secret in [
            "not-so-secret",
            "hello world",
            "token: plain",
            "canary-db-password",
        ] {
            assert!(!all.contains(secret), "{format} prints '{secret}':\n{all}");
        }
    }
}

#[test]
fn fleetcheck_yaml_suppresses_per_rule_cluster_and_path() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("tenancy"), dir.path());
    write(
        dir.path(),
        ".fleetcheck.yaml",
        "check:\n  ignore:\n    - rule: FC206\n    - rule: [FC201, FC202]\n      cluster: prod\n      path: apps/team-a/*\n    - rule: FC205\n      cluster: staging\n",
    );
    let (_, json) = check_json(dir.path(), &[]);
    assert_eq!(
        sorted(findings(&json)),
        pairs(&[
            ("FC201", "api-token"),
            ("FC203", "team-a-takeover"),
            ("FC205", "team-a-takeover"),
            ("FC205", "team-c-admin"),
        ])
    );
    assert_eq!(
        json.get_path(&["summary", "suppressed"])
            .map(|n| n.value.clone()),
        Some(fleetcheck::yaml::Value::Int(5))
    );
    write(
        dir.path(),
        ".fleetcheck.yaml",
        "check:\n  ignore:\n    - rule: FC777\n",
    );
    let out = fleetcheck(&["check", dir.path().to_str().unwrap()], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule id 'FC777'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fail_on_picks_the_lowest_failing_severity_and_errors_exit_2() {
    let graph = fixture("graph");
    let repo = root().join("testdata/fleet-infra");
    let code = |args: &[&str], r: &Path| {
        let mut a = vec!["check", "-q"];
        a.extend_from_slice(args);
        a.push(r.to_str().unwrap());
        fleetcheck(&a, &root()).status.code()
    };
    assert_eq!(code(&[], &repo), Some(0));
    assert_eq!(code(&["--fail-on", "info"], &repo), Some(1));
    assert_eq!(code(&["--fail-on", "error"], &graph), Some(1));
    assert_eq!(code(&[], &root().join("no-such-repo")), Some(2));
    assert_eq!(code(&["--fail-on", "nope"], &repo), Some(2));
}

#[test]
fn text_report_groups_per_cluster_with_snippets() {
    let out = fleetcheck(&["check", "tests/fixtures/check/tenancy"], &root());
    let text = stdout(&out);
    assert!(text.starts_with("== cluster prod: 9 findings\n"), "{text}");
    assert!(text.contains("error[FC203]"), "{text}");
    assert!(
        text.contains("tests/fixtures/check/tenancy/apps/team-a/app.yaml:28:1"),
        "{text}"
    );
    assert!(text.contains("kind: ClusterRoleBinding"), "{text}");
    assert!(
        text.ends_with("1 cluster checked: 7 errors, 0 warnings, 2 info\n"),
        "{text}"
    );
}

/// The fields GitHub code scanning requires of a SARIF 2.1.0 log (the official JSON schema is
/// not available offline, so this checks them structurally).
#[test]
fn sarif_has_what_code_scanning_requires() {
    let out = fleetcheck(
        &["check", "-o", "sarif", "tests/fixtures/check/tenancy"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let log = parse_json(&stdout(&out));
    assert_eq!(s(&log, &["version"]), "2.1.0");
    assert_eq!(
        s(&log, &["$schema"]),
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log.get("runs").and_then(Node::as_seq).unwrap();
    assert_eq!(runs.len(), 1);
    let driver = runs[0].get_path(&["tool", "driver"]).unwrap();
    assert_eq!(s(driver, &["name"]), "fleetcheck");
    let rules = driver.get("rules").and_then(Node::as_seq).unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| s(r, &["id"])).collect();
    assert_eq!(ids.len(), fleetcheck::check::rule::RULES.len());
    for r in rules {
        assert!(!s(r, &["shortDescription", "text"]).is_empty());
    }
    let results = runs[0].get("results").and_then(Node::as_seq).unwrap();
    assert_eq!(results.len(), 9);
    for r in results {
        let id = s(r, &["ruleId"]);
        let index = match r.get("ruleIndex").map(|n| &n.value) {
            Some(fleetcheck::yaml::Value::Int(i)) => *i as usize,
            other => panic!("ruleIndex {other:?}"),
        };
        assert_eq!(ids[index], id);
        assert!(["error", "warning", "note"].contains(&s(r, &["level"])));
        assert!(!s(r, &["message", "text"]).is_empty());
        let locs = r.get("locations").and_then(Node::as_seq).unwrap();
        assert_eq!(locs.len(), 1);
        let phys = locs[0].get("physicalLocation").unwrap();
        let uri = s(phys, &["artifactLocation", "uri"]);
        assert!(
            !uri.starts_with('/')
                && !uri.contains(':')
                && !uri.contains('\\')
                && uri.ends_with(".yaml"),
            "not repo-relative: {uri}"
        );
        assert!(
            root()
                .join("tests/fixtures/check/tenancy")
                .join(uri)
                .is_file(),
            "{uri}"
        );
        match phys.get_path(&["region", "startLine"]).map(|n| &n.value) {
            Some(fleetcheck::yaml::Value::Int(l)) => assert!(*l >= 1),
            other => panic!("startLine {other:?}"),
        }
    }
}

#[test]
fn junit_lists_each_cluster_and_fails_findings_at_the_threshold() {
    let out = fleetcheck(
        &["check", "-o", "junit", "tests/fixtures/check/graph"],
        &root(),
    );
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fleetcheck\" tests=\"9\" failures=\"7\">"), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"prod\" tests=\"9\" failures=\"7\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 7);
    assert_eq!(xml.matches("<system-out>").count(), 2);
    assert!(xml.trim_end().ends_with("</testsuites>"));
}

#[test]
fn out_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let out = fleetcheck(
        &[
            "check",
            "-o",
            "json",
            "--out",
            file.to_str().unwrap(),
            "tests/fixtures/check/graph",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let json = parse_json(&std::fs::read_to_string(file).unwrap());
    assert_eq!(findings(&json).len(), 9);
}

#[test]
fn the_readme_rules_table_is_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = fleetcheck::check::rule::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's rules table is out of date; paste this:\n{table}"
    );
}

#[test]
fn sarif_lists_a_finding_shared_by_clusters_once() {
    let out = fleetcheck(&["check", "-o", "sarif", "testdata/fleet-infra"], &root());
    let log = parse_json(&stdout(&out));
    let results = log.get("runs").and_then(Node::as_seq).unwrap()[0]
        .get("results")
        .and_then(Node::as_seq)
        .unwrap();
    assert_eq!(results.len(), 2);
    let clusters = results[0]
        .get_path(&["properties", "clusters"])
        .and_then(Node::as_seq)
        .unwrap();
    assert_eq!(clusters.len(), 3);
    assert!(s(&results[0], &["message", "text"]).contains(
        "(clusters: production/eu-west-1, production/europe-west1, staging/eu-central-1)"
    ));
}

#[test]
fn the_sample_fleet_is_clean_in_strict_mode_with_or_without_its_sops_key() {
    let repo = root().join("testdata/fleet-infra");
    let key = root().join("testdata/fleet-infra/test-keys/age.agekey");
    for extra in [vec![], vec!["--age-key-file", key.to_str().unwrap()]] {
        let mut args = vec!["--strict", "--fail-on", "warning"];
        args.extend(extra);
        let (code, json) = check_json(&repo, &args);
        assert_eq!(code, 0, "{args:?}");
        // Flux v1 image objects and the encrypted Secret are validated, not skipped.
        for f in json.get("findings").and_then(Node::as_seq).unwrap() {
            assert_eq!(s(f, &["severity"]), "info", "{args:?}");
        }
    }
}

#[test]
fn image_rules_fire_on_broken_policies_paths_and_markers_only() {
    let repo = root().join("tests/fixtures/check/images");
    let (code, json) = check_json(&repo, &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, String)> = findings(&json)
        .into_iter()
        .filter(|(rule, _)| rule.starts_with("FC5"))
        .collect();
    assert_eq!(
        sorted(got),
        pairs(&[
            ("FC501", ""),
            ("FC502", "web-broken"),
            ("FC503", "apps-gone"),
        ])
    );
    let marker = first_of(&json, "FC501");
    assert!(s(marker, &["message"]).contains("ImagePolicy flux-system:sidecar"));
    assert_eq!(
        s(marker, &["location", "file"]),
        "apps/prod/deployment.yaml"
    );
    assert_eq!(
        marker
            .get_path(&["location", "line"])
            .and_then(|n| n.text())
            .as_deref(),
        Some("20")
    );
}
