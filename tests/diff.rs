//! End-to-end tests of `fleetcheck diff`: a real git repository over a copy of the sample fleet
//! with one commit per kind of change (an added app, a changed shared base, a rotated SOPS
//! secret, an object moved between Kustomizations, a deleted cluster), each tagged. Goldens
//! live in `tests/golden/diff`; regenerate them with `UPDATE_GOLDEN=1 cargo test --test diff`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use clap::Parser;
use common::{copy_dir, fleetcheck, stderr, stdout, write};
use fleetcheck::cli::diff::markdown::{COMMENT_LIMIT, MARKER};
use fleetcheck::cli::diff::sides::{Labels, render_sides};
use fleetcheck::cli::diff::{DiffArgs, markdown};
use fleetcheck::cli::{Cli, Command as Sub};
use fleetcheck::diff::{
    Change, ClusterDiff, Counts, FleetDiff, KsDiff, ObjectChange, ObjectDiff, diff_fleets,
};
use fleetcheck::redact::Redaction;

const OLD_PASSWORD: &str = "canary-db-password-7f3a";
/// The password in `tests/fixtures/diff/db-credentials-rotated.enc.yaml` (made up, test key).
const NEW_PASSWORD: &str = "canary-db-password-rotated-9c1e";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn key_file() -> String {
    manifest_dir()
        .join("testdata/fleet-infra/test-keys/age.agekey")
        .display()
        .to_string()
}

fn git(root: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "fleetcheck test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "fleetcheck test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", common::NO_HOME)
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

fn commit(root: &Path, tag: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", tag]);
    git(root, &["tag", tag]);
}

/// The sample fleet in a git repository, one tagged commit per scenario.
fn repo() -> &'static Path {
    static REPO: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, root) = REPO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("fleet");
        copy_dir(&manifest_dir().join("testdata/fleet-infra"), &root);
        git(&root, &["init", "-q", "-b", "main"]);
        commit(&root, "base");

        write(
            &root,
            "apps/base/ledger/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n",
        );
        write(
            &root,
            "apps/base/ledger/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: ledger\n  template:\n    metadata:\n      labels:\n        app: ledger\n    spec:\n      containers:\n        - name: ledger\n          image: ghcr.io/example/ledger:0.1.0\n",
        );
        edit(&root, "apps/production/kustomization.yaml", "  - ../base/payment-service\n", "  - ../base/payment-service\n  - ../base/ledger\n");
        commit(&root, "added-app");

        edit(&root, "tenants/base/payments/namespace.yaml", "toolkit.fluxcd.io/tenant: payments\n", "toolkit.fluxcd.io/tenant: payments\n    team: payments-core\n");
        commit(&root, "shared-base");

        fs::copy(
            manifest_dir().join("tests/fixtures/diff/db-credentials-rotated.enc.yaml"),
            root.join("apps/base/payment-service/db-credentials.enc.yaml"),
        )
        .unwrap();
        commit(&root, "rotated-secret");

        edit(&root, "apps/base/payment-service/kustomization.yaml", "  - service.yaml\n", "");
        let service = fs::read_to_string(root.join("apps/base/payment-service/service.yaml")).unwrap();
        fs::remove_file(root.join("apps/base/payment-service/service.yaml")).unwrap();
        write(
            &root,
            "tenants/base/payments/service.yaml",
            &service.replace("  name: payment-service\n", "  name: payment-service\n  namespace: payments\n"),
        );
        edit(&root, "tenants/base/payments/kustomization.yaml", "  - sync.yaml\n", "  - sync.yaml\n  - service.yaml\n");
        commit(&root, "moved-object");

        fs::remove_dir_all(root.join("clusters/staging/eu-central-1")).unwrap();
        commit(&root, "deleted-cluster");
        (dir, root)
    });
    root
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} lacks {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn args(root: &Path, extra: &[&str]) -> DiffArgs {
    let key = key_file();
    let mut argv = vec!["fleetcheck", "diff", root.to_str().unwrap(), "-q"];
    argv.extend(["--age-key-file", key.as_str()]);
    argv.extend(extra);
    match Cli::parse_from(argv).command {
        Sub::Diff(a) => a,
        other => panic!("not diff: {other:?}"),
    }
}

fn model(base: &str, head: &str) -> FleetDiff {
    let a = args(repo(), &["--base", base, "--head", head]);
    let sides = render_sides(&a).unwrap();
    diff_fleets(
        &sides.base,
        &sides.head,
        &sides.changed_files,
        &Redaction::Mask { key: vec![] },
    )
    .unwrap()
}

fn cluster<'a>(d: &'a FleetDiff, name: &str) -> &'a ClusterDiff {
    d.clusters.iter().find(|c| c.name == name).unwrap()
}

fn ks<'a>(c: &'a ClusterDiff, key: &str) -> &'a KsDiff {
    c.kustomizations
        .iter()
        .find(|k| k.key == key)
        .unwrap_or_else(|| panic!("{key} not changed in {}", c.name))
}

fn object<'a>(k: &'a KsDiff, id: &str) -> &'a ObjectDiff {
    k.objects
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("{id} not in {}: {:?}", k.key, k.objects))
}

fn run_diff(extra: &[&str]) -> std::process::Output {
    let key = key_file();
    let mut argv = vec!["diff", ".", "--age-key-file", key.as_str()];
    argv.extend(extra);
    fleetcheck(&argv, repo())
}

#[test]
fn an_added_app_changes_the_production_clusters_only() {
    let d = model("base", "added-app");
    for name in ["production/eu-west-1", "production/europe-west1"] {
        let c = cluster(&d, name);
        assert_eq!(c.change, Change::Changed);
        let o = object(
            ks(c, "payments/payment-service"),
            "Deployment.apps payments/ledger",
        );
        assert_eq!(o.change, ObjectChange::Added);
        assert!(o.unified.contains("+  name: ledger\n"), "{}", o.unified);
        assert_eq!(c.counts.added, 1);
    }
    assert_eq!(
        cluster(&d, "staging/eu-central-1").change,
        Change::Unchanged
    );
    let ledger = d
        .sources
        .iter()
        .find(|s| s.path == "apps/base/ledger")
        .unwrap();
    assert_eq!(ledger.clusters.len(), 2);
    assert_eq!(ledger.of, 3);
    assert!(
        d.changed_files
            .contains(&"apps/production/kustomization.yaml".to_owned())
    );
}

#[test]
fn a_changed_shared_base_reaches_every_cluster() {
    let d = model("added-app", "shared-base");
    assert_eq!(d.changed_clusters().count(), 3);
    let top = &d.sources[0];
    assert_eq!(top.path, "tenants/base/payments");
    assert_eq!((top.clusters.len(), top.of), (3, 3));
    assert_eq!(top.files, ["tenants/base/payments/namespace.yaml"]);
    for c in &d.clusters {
        let o = object(ks(c, "flux-system/tenants"), "Namespace payments");
        assert_eq!(o.change, ObjectChange::Changed);
        assert_eq!(o.fields.len(), 1, "{:?}", o.fields);
        assert_eq!(o.fields[0].path, "metadata.labels.team");
        assert_eq!(o.fields[0].after.as_deref(), Some("payments-core"));
        assert_eq!(
            c.counts,
            Counts {
                changed: 1,
                ..Counts::default()
            }
        );
    }
}

#[test]
fn a_rotated_secret_says_which_key_changed_and_never_the_values() {
    let d = model("shared-base", "rotated-secret");
    for name in ["production/eu-west-1", "staging/eu-central-1"] {
        let k = ks(cluster(&d, name), "payments/payment-service");
        let o = object(k, "Secret payments/payment-service-db");
        let keys: Vec<String> = o.secret_keys.iter().map(|s| s.message()).collect();
        // The URL holds the password too; the username did not change.
        assert_eq!(
            keys,
            [
                "value of key password changed (stringData)",
                "value of key url changed (stringData)"
            ]
        );
        assert!(
            o.unified.contains("password: <redacted sha256:"),
            "{}",
            o.unified
        );
        assert_eq!(
            k.objects.len(),
            1,
            "only the Secret changes: {:?}",
            k.objects
        );
    }
    for format in ["text", "fields", "markdown", "json"] {
        let o = run_diff(&[
            "--base",
            "shared-base",
            "--head",
            "rotated-secret",
            "--format",
            format,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let said = if format == "json" {
            "{\"field\":\"stringData\",\"key\":\"password\",\"change\":\"changed\"}"
        } else {
            "value of key password changed"
        };
        assert!(out.contains(said), "{format}: {out}");
        assert!(
            !out.contains(OLD_PASSWORD) && !out.contains(NEW_PASSWORD),
            "{format}: {out}"
        );
    }
    let shown = run_diff(&[
        "--base",
        "shared-base",
        "--head",
        "rotated-secret",
        "--show-secrets",
    ]);
    assert!(stdout(&shown).contains(&format!("+  password: {NEW_PASSWORD}")));
}

#[test]
fn an_object_moved_between_kustomizations_is_a_move() {
    let d = model("rotated-secret", "moved-object");
    for c in &d.clusters {
        let o = object(
            ks(c, "flux-system/tenants"),
            "Service payments/payment-service",
        );
        assert_eq!(
            o.change,
            ObjectChange::Moved {
                from: "payments/payment-service".into()
            }
        );
        // The owner labels change with the Kustomization that applies it.
        assert!(
            o.unified
                .contains("kustomize.toolkit.fluxcd.io/name: tenants"),
            "{}",
            o.unified
        );
        // Not also reported as removed where it was.
        let all = c.kustomizations.iter().flat_map(|k| &k.objects);
        assert_eq!(all.filter(|x| x.id == o.id).count(), 1);
        assert_eq!(
            (c.counts.moved, c.counts.removed, c.counts.added),
            (1, 0, 0)
        );
    }
    let out = stdout(&run_diff(&[
        "--base",
        "rotated-secret",
        "--head",
        "moved-object",
    ]));
    assert!(
        out.contains("> Service payments/payment-service (moved from payments/payment-service)"),
        "{out}"
    );
}

#[test]
fn a_deleted_cluster_is_removed_and_the_others_do_not_change() {
    let d = model("moved-object", "deleted-cluster");
    let gone = cluster(&d, "staging/eu-central-1");
    assert_eq!(gone.change, Change::Removed);
    assert!(
        gone.kustomizations
            .iter()
            .all(|k| k.change == Change::Removed)
    );
    assert!(gone.counts.removed > 5, "{:?}", gone.counts);
    assert_eq!(
        cluster(&d, "production/eu-west-1").change,
        Change::Unchanged
    );
    assert_eq!(d.changed_clusters().count(), 1);
}

#[test]
fn exit_codes_follow_git_diff() {
    let same = run_diff(&[
        "--base",
        "shared-base",
        "--head",
        "shared-base^{tree}",
        "--exit-code",
    ]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(stdout(&same).contains("no change in 3 clusters"));
    let changed = run_diff(&["--base", "base", "--head", "added-app", "--exit-code"]);
    assert_eq!(changed.status.code(), Some(1), "{}", stderr(&changed));
    let quiet = run_diff(&["--base", "base", "--head", "added-app"]);
    assert_eq!(quiet.status.code(), Some(0));
    let bad = run_diff(&["--base", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("cannot resolve revision 'no-such-rev'"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_work_tree_is_the_default_head() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("clone");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            repo().to_str().unwrap(),
            root.to_str().unwrap(),
        ],
    );
    git(&root, &["checkout", "-q", "moved-object"]);
    let clean = fleetcheck(
        &[
            "diff",
            ".",
            "--base",
            "HEAD",
            "--exit-code",
            "--age-key-file",
            &key_file(),
        ],
        &root,
    );
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}{}",
        stdout(&clean),
        stderr(&clean)
    );
    edit(
        &root,
        "apps/staging/kustomization.yaml",
        "newTag: 1.5.0-rc.1",
        "newTag: 1.5.0",
    );
    let a = args(&root, &["--base", "HEAD"]);
    let sides = render_sides(&a).unwrap();
    let d = diff_fleets(
        &sides.base,
        &sides.head,
        &sides.changed_files,
        &Redaction::Mask { key: vec![] },
    )
    .unwrap();
    assert_eq!(d.changed_files, ["apps/staging/kustomization.yaml"]);
    let c = cluster(&d, "staging/eu-central-1");
    let o = object(
        ks(c, "payments/payment-service"),
        "Deployment.apps payments/payment-service",
    );
    let f: Vec<_> = o
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.after.as_deref()))
        .collect();
    assert_eq!(
        f,
        [(
            "spec.template.spec.containers[name=app].image",
            Some("ghcr.io/example/payment-service:1.5.0")
        )]
    );
    assert_eq!(d.changed_clusters().count(), 1);
}

#[test]
fn out_dir_holds_the_full_diff_per_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fleet-diff");
    let o = run_diff(&[
        "--base",
        "base",
        "--head",
        "deleted-cluster",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "production/eu-west-1.diff",
        "staging/eu-central-1.diff",
        "diff.md",
        "diff.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let staging = fs::read_to_string(out.join("staging/eu-central-1.diff")).unwrap();
    assert!(
        staging.contains("cluster staging/eu-central-1 (removed)"),
        "{staging}"
    );
    assert!(!staging.contains(OLD_PASSWORD));
}

fn golden(rel: &str, actual: &str) {
    common::golden_file(&format!("diff/{rel}"), actual);
}

#[test]
fn markdown_and_json_snapshots() {
    for (format, file) in [
        ("markdown", "all-scenarios.md"),
        ("json", "all-scenarios.json"),
    ] {
        let o = run_diff(&[
            "--base",
            "base",
            "--head",
            "deleted-cluster",
            "--format",
            format,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(
            !text.contains(repo().to_str().unwrap()),
            "absolute path in {file}"
        );
        golden(file, &text);
    }
}

/// Asserts that code fences pair up and `<details>` sections close, in order.
fn assert_valid_markdown(md: &str) {
    let mut fence: Option<String> = None;
    let mut depth = 0i32;
    for line in md.lines() {
        let t = line.trim_start();
        let ticks: String = t.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(f) => {
                if ticks.len() >= f.len() && t.trim_end() == ticks {
                    fence = None;
                }
            }
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                depth += t.matches("<details>").count() as i32;
                depth -= t.matches("</details>").count() as i32;
                assert!(depth >= 0, "</details> without <details>");
            }
        }
    }
    assert!(fence.is_none(), "unclosed code fence");
    assert_eq!(depth, 0, "unclosed <details>");
}

fn huge_diff() -> FleetDiff {
    let body: String = (0..60)
        .map(|i| format!("-  line{i}: old\n+  line{i}: new ```\n"))
        .collect();
    let objects: Vec<ObjectDiff> = (0..120)
        .map(|i| ObjectDiff {
            id: format!("ConfigMap apps/config-{i}"),
            change: ObjectChange::Changed,
            unified: format!("--- a/x\n+++ b/x\n@@ -1,60 +1,60 @@\n{body}"),
            fields: Vec::new(),
            secret_keys: Vec::new(),
        })
        .collect();
    let clusters = (0..12)
        .map(|c| ClusterDiff {
            name: format!("region-{c:02}/cluster"),
            change: Change::Changed,
            kustomizations: vec![KsDiff {
                key: "flux-system/apps".into(),
                change: Change::Changed,
                base_status: Some("rendered".into()),
                head_status: Some("rendered".into()),
                errors: Vec::new(),
                depends_on: vec!["flux-system/infra".into()],
                objects: objects.clone(),
            }],
            counts: Counts {
                changed: objects.len(),
                ..Counts::default()
            },
        })
        .collect();
    FleetDiff {
        clusters,
        ..FleetDiff::default()
    }
}

#[test]
fn the_markdown_of_a_huge_diff_fits_a_comment_and_stays_valid() {
    let d = huge_diff();
    let labels = Labels {
        base: "main".into(),
        head: "pr".into(),
    };
    let md = markdown::render(&d, &labels, COMMENT_LIMIT, Some(Path::new("fleet-diff")));
    assert!(md.len() <= COMMENT_LIMIT, "{} bytes", md.len());
    assert!(md.starts_with(MARKER));
    assert_valid_markdown(&md);
    // Every cluster is still there, each truncated with a pointer to its full diff.
    assert_eq!(md.matches("<summary><code>region-").count(), 12);
    assert!(
        md.matches("```diff\n").count() >= 12,
        "some objects are shown"
    );
    assert!(md.contains("_Truncated: "), "{md}");
    assert!(md.contains("`fleet-diff/region-00/cluster.diff`"));
    // Backticks inside a diff get a longer fence.
    assert!(md.contains("````diff\n"));
    assert!(
        !md.contains("\n```diff\n"),
        "every fence is longer than the backticks inside"
    );
    let full = markdown::render(&d, &labels, usize::MAX, None);
    assert!(full.len() > COMMENT_LIMIT && !full.contains("_Truncated"));
    assert_valid_markdown(&full);
}

#[test]
fn text_is_coloured_only_when_asked_and_revisions_read_short() {
    let d = model("added-app", "shared-base");
    let labels = Labels {
        base: fleetcheck::cli::diff::short_rev("0123456789abcdef0123456789abcdef01234567"),
        head: "HEAD".into(),
    };
    assert_eq!(labels.base, "0123456789ab");
    let plain = fleetcheck::cli::diff::text::render(&d, &labels, false, false);
    let coloured = fleetcheck::cli::diff::text::render(&d, &labels, false, true);
    assert!(!plain.contains('\x1b'));
    assert!(
        coloured.contains("\x1b[32m+    team: payments-core\x1b[0m"),
        "{coloured}"
    );
    assert_eq!(
        coloured
            .replace("\x1b[0m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[36m", ""),
        plain
    );
    // Piped output (the test's stdout is not a terminal) has no colour even without NO_COLOR.
    let o = common::fleetcheck_command(
        &["diff", ".", "--base", "added-app", "--head", "shared-base"],
        repo(),
    )
    .env_remove("NO_COLOR")
    .output()
    .unwrap();
    assert!(!stdout(&o).contains('\x1b'));
}
