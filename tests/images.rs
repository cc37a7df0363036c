//! End-to-end tests of `fleetcheck images`: list, plan, update and set on a temporary copy of
//! `tests/fixtures/images/before`, compared byte for byte with the expected trees.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, fleetcheck, stderr, stdout, write};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/images")
        .join(rel)
}

/// A temporary copy of the fixture repository (in `repo/`) and the tags file path.
fn repo_copy() -> (tempfile::TempDir, PathBuf, String) {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    copy_dir(&fixture("before"), &repo);
    let tags = fixture("tags.yaml").display().to_string();
    (t, repo, tags)
}

/// Every file under `dir`, relative path to bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_tree(got: &Path, want: &Path) {
    let (got, want) = (tree(got), tree(want));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &want {
        assert!(
            got[rel] == *bytes,
            "{rel} differs:\n--- got\n{}\n--- want\n{}",
            String::from_utf8_lossy(&got[rel]),
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn update_rewrites_only_the_marked_scalars() {
    let (_t, repo, tags) = repo_copy();
    let o = fleetcheck(&["images", "update", ".", "--tags", &tags], &repo);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_same_tree(&repo, &fixture("after"));
    let out = stdout(&o);
    assert!(
        out.contains("    | Update images in flux-system/apps\n"),
        "{out}"
    );
    assert!(
        out.contains("    | - cronjob/worker: ghcr.io/example/web:main-aaa111-100 -> ghcr.io/example/web:main-bbb222-300;\n"),
        "{out}"
    );
    assert!(
        out.contains("    | registry.example.com/team/chart-app:2024-03-15\n"),
        "legacy .Updated: {out}"
    );
    assert!(out.contains("wrote apps/web/deploy.yaml\nwrote apps/web/helmrelease.yaml\nwrote charts/values.yaml\n"), "{out}");
    assert!(
        !out.contains("outside/"),
        "files outside update.path are untouched: {out}"
    );

    let again = fleetcheck(&["images", "update", ".", "--tags", &tags], &repo);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        stdout(&again),
        "no changes: every marker under an automation's update.path is up to date\n"
    );
}

#[test]
fn dry_run_writes_nothing() {
    let (_t, repo, tags) = repo_copy();
    let o = fleetcheck(
        &["images", "update", ".", "--tags", &tags, "--dry-run"],
        &repo,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("1.0.0 -> v1.2.0"));
    assert!(!stdout(&o).contains("wrote"));
    assert_same_tree(&repo, &fixture("before"));
}

#[test]
fn set_respects_each_marker_form_and_quotes_a_float_like_tag() {
    let (_t, repo, _) = repo_copy();
    let o = fleetcheck(&["images", "set", "flux-system:nginx", "1.26", "."], &repo);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_same_tree(&repo, &fixture("after-set"));
    assert!(stdout(&o).contains("    | - helmrelease/web-chart: 1.25.1 -> 1.26;\n"));
}

#[test]
fn set_warns_about_markers_no_automation_covers() {
    let (_t, repo, _) = repo_copy();
    let o = fleetcheck(&["images", "set", "flux-system:web", "1.1.0"], &repo);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("outside/deploy.yaml:10:18"), "{err}");
    assert!(err.contains("charts/values.yaml:9:15"), "{err}");
    assert!(err.contains("no ImageUpdateAutomation covers it"), "{err}");
    let deploy = fs::read_to_string(repo.join("apps/web/deploy.yaml")).unwrap();
    assert!(deploy.contains("image: ghcr.io/example/web:1.1.0 # {"));
    let outside = fs::read_to_string(repo.join("outside/deploy.yaml")).unwrap();
    assert!(outside.contains("ghcr.io/example/web:1.0.0"));
}

#[test]
fn set_rejects_unknown_policies_and_bad_tags() {
    let (_t, repo, _) = repo_copy();
    let o = fleetcheck(&["images", "set", "flux-system:nope", "1.0.0"], &repo);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("unknown ImagePolicy flux-system:nope"),
        "{err}"
    );
    assert!(err.contains("known policies: flux-system:web"), "{err}");
    let o = fleetcheck(&["images", "set", "flux-system:web", "a:b"], &repo);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not an image tag"));
    let o = fleetcheck(&["images", "set", "web", "1.0.0"], &repo);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not NAMESPACE:NAME"));
    assert_same_tree(&repo, &fixture("before"));
}

#[test]
fn list_shows_every_marker_with_its_automation() {
    let (_t, repo, _) = repo_copy();
    let o = fleetcheck(&["images", "list"], &repo);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
MARKER                           POLICY                  AUTOMATION        VALUE
apps/web/deploy.yaml:12:18       flux-system:web         flux-system/apps  ghcr.io/example/web:1.0.0
apps/web/deploy.yaml:15:18       flux-system:nginx       flux-system/apps  nginx:1.25.1
apps/web/deploy.yaml:27:37       flux-system:worker      flux-system/apps  ghcr.io/example/web:main-aaa111-100
apps/web/helmrelease.yaml:10:19  flux-system:web:name    flux-system/apps  ghcr.io/example/old-web
apps/web/helmrelease.yaml:11:12  flux-system:web:tag     flux-system/apps  1.0.0
apps/web/helmrelease.yaml:14:21  flux-system:nginx:name  flux-system/apps  nginx
apps/web/helmrelease.yaml:15:14  flux-system:nginx:tag   flux-system/apps  1.25.1
apps/web/helmrelease.yaml:16:18  flux-system:web:tag     flux-system/apps  1.0.0
charts/values.yaml:8:12          charts:chart-app        charts/charts     registry.example.com/team/chart-app:2024-01-01
charts/values.yaml:9:15          flux-system:web         -                 ghcr.io/example/web:1.0.0
outside/deploy.yaml:10:18        flux-system:web         -                 ghcr.io/example/web:1.0.0
"
    );
}

#[test]
fn list_flags_unknown_policies_and_skips_broken_files() {
    let (_t, repo, _) = repo_copy();
    write(
        &repo,
        "apps/extra.yaml",
        "image: x:1 # {\"$imagepolicy\": \"flux-system:ghost:tag\"}\n",
    );
    write(
        &repo,
        "apps/broken.yaml",
        "a: [1, 2\nimage: x:1 # {\"$imagepolicy\": \"flux-system:web\"}\n",
    );
    let o = fleetcheck(&["images", "list", ".", "-o", "json"], &repo);
    assert_eq!(o.status.code(), Some(1), "an unknown policy is a finding");
    let out = stdout(&o);
    assert!(out.starts_with("{\"markers\":[{\"file\":\"apps/extra.yaml\",\"line\":1,\"column\":8,\"marker\":\"flux-system:ghost:tag\",\"policy\":\"flux-system:ghost\",\"field\":\"tag\",\"policyFound\":false,\"automations\":[\"flux-system/apps\"],\"value\":\"x:1\"},"), "{out}");
    let err = stderr(&o);
    assert!(
        err.contains("apps/extra.yaml:1:8: unknown ImagePolicy flux-system:ghost"),
        "{err}"
    );
    assert!(err.contains("apps/broken.yaml"), "{err}");
    assert!(err.contains("warning: skipped for markers"), "{err}");
}

#[test]
fn plan_reports_missing_tags_and_still_plans_the_rest() {
    let (t, repo, _) = repo_copy();
    write(
        t.path(),
        "tags.json",
        r#"{"ghcr.io/example/web": ["1.0.0", "1.1.0"]}"#,
    );
    let tags = t.path().join("tags.json").display().to_string();
    let o = fleetcheck(
        &["images", "plan", ".", "--tags", &tags, "-o", "json"],
        &repo,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "apps/web/deploy.yaml:15:18: ImagePolicy flux-system:nginx: no tags for image nginx"
        ),
        "{err}"
    );
    assert!(
        err.contains("add the image and its tags to the tags file"),
        "{err}"
    );
    let out = stdout(&o);
    assert!(out.contains("{\"file\":\"apps/web/deploy.yaml\",\"line\":12,\"column\":18,\"marker\":\"flux-system:web\",\"object\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\",\"namespace\":\"prod\"},\"old\":\"ghcr.io/example/web:1.0.0\",\"new\":\"ghcr.io/example/web:1.1.0\"}"), "{out}");
    // nginx's three markers and chart-app have no tags; no worker tag matches filterTags.
    assert!(out.ends_with(",\"errors\":5}\n"), "{out}");
    assert!(
        err.contains("ImagePolicy flux-system:worker: no tag matches filterTags.pattern"),
        "{err}"
    );
    assert_same_tree(&repo, &fixture("before"));
}

#[test]
fn unsupported_template_fails_without_writing() {
    let (_t, repo, tags) = repo_copy();
    let path = repo.join("clusters/image-automation.yaml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace(
            "{{ .AutomationObject }}",
            "{{ .AutomationObject | camelcase }}",
        ),
    )
    .unwrap();
    let o = fleetcheck(&["images", "update", ".", "--tags", &tags], &repo);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("clusters/image-automation.yaml:"), "{err}");
    assert!(
        err.contains("function \"camelcase\" is not supported"),
        "{err}"
    );
    assert!(!stdout(&o).contains("wrote"));
    for rel in ["apps/web/deploy.yaml", "charts/values.yaml"] {
        assert_eq!(
            fs::read(repo.join(rel)).unwrap(),
            fs::read(fixture("before").join(rel)).unwrap()
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let (_t, repo, _) = repo_copy();
    assert_eq!(
        fleetcheck(&["images", "plan", "."], &repo).status.code(),
        Some(2)
    );
    assert_eq!(
        fleetcheck(&["images", "set", "a:b"], &repo).status.code(),
        Some(2)
    );
    assert_eq!(
        fleetcheck(&["images", "list", "-o", "xml"], &repo)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn the_sample_fleet_plan_from_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = fleetcheck(
        &[
            "images",
            "plan",
            "testdata/fleet-infra",
            "--tags",
            "testdata/fleet-infra/image-tags.yaml",
        ],
        root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("    7:13  flux-system:payment-service-production:tag  1.4.2 -> 1.4.3\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "    7:13  flux-system:payment-service-staging:tag  1.5.0-rc.1 -> 1.5.0-rc.2\n"
        ),
        "{out}"
    );
}
