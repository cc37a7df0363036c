//! End-to-end tests of `--shard I/N` and `fleetcheck merge`: four shards of the sample fleet,
//! merged, give exactly the unsharded run's JSON for render, check and diff.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_dir, fleetcheck, stderr, stdout, write};

fn fleet() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fleet-infra")
}

fn key_file() -> String {
    fleet().join("test-keys/age.agekey").display().to_string()
}

/// Runs `args` unsharded and as shards 1/4 to 4/4, merges the shards' outputs and asserts the
/// merge is byte-identical to the unsharded output; returns the shards' outputs.
fn assert_merge_is_unsharded(args: &[&str], cwd: &Path, out: &Path) -> Vec<String> {
    let whole = fleetcheck(args, cwd);
    assert!(
        whole.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr(&whole)
    );
    let mut files = Vec::new();
    let mut shards = Vec::new();
    for i in 1..=4 {
        let shard = format!("{i}/4");
        let mut a = args.to_vec();
        a.extend(["--shard", &shard]);
        let o = fleetcheck(&a, cwd);
        assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
        let file = out.join(format!("shard-{i}.json"));
        fs::write(&file, &o.stdout).unwrap();
        files.push(file.display().to_string());
        shards.push(stdout(&o));
    }
    let mut merge = vec!["merge"];
    merge.extend(files.iter().map(String::as_str));
    if args.contains(&"--exit-code") {
        merge.push("--exit-code");
    }
    let merged = fleetcheck(&merge, cwd);
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{}",
        stderr(&merged)
    );
    assert_eq!(stdout(&merged), stdout(&whole));
    shards
}

/// The cluster names of a shard's JSON `clusters` member, found by their `"name"`s or strings.
fn names(json: &str, all: &[&str]) -> Vec<String> {
    all.iter()
        .filter(|n| json.contains(&format!("\"{n}\"")))
        .map(|n| n.to_string())
        .collect()
}

const CLUSTERS: [&str; 3] = [
    "production/eu-west-1",
    "production/europe-west1",
    "staging/eu-central-1",
];

#[test]
fn four_render_shards_merge_into_the_unsharded_render() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = fleet().display().to_string();
    let k = key_file();
    let shards = assert_merge_is_unsharded(
        &["render", &repo, "-o", "json", "-q", "--age-key-file", &k],
        tmp.path(),
        tmp.path(),
    );
    let mut owners: Vec<String> = shards.iter().flat_map(|s| names(s, &CLUSTERS)).collect();
    owners.sort();
    assert_eq!(owners, CLUSTERS, "every cluster in exactly one shard");
    assert!(
        shards.iter().any(|s| s.starts_with("{\"clusters\":[],")),
        "an empty shard"
    );
}

#[test]
fn four_check_shards_merge_into_the_unsharded_check() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = fleet().display().to_string();
    for fail_on in ["error", "info"] {
        assert_merge_is_unsharded(
            &["check", &repo, "-o", "json", "-q", "--fail-on", fail_on],
            tmp.path(),
            tmp.path(),
        );
    }
}

fn git(root: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", common::NO_HOME)
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

#[test]
fn four_diff_shards_merge_into_the_unsharded_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap().join("fleet");
    copy_dir(&fleet(), &root);
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    let ns = "tenants/base/payments/namespace.yaml";
    let text = fs::read_to_string(root.join(ns)).unwrap();
    write(
        &root,
        ns,
        &text.replace(
            "toolkit.fluxcd.io/tenant: payments\n",
            "toolkit.fluxcd.io/tenant: payments\n    team: payments-core\n",
        ),
    );
    fs::remove_dir_all(root.join("clusters/staging/eu-central-1")).unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let k = key_file();
    let args = [
        "diff",
        ".",
        "--base",
        "HEAD",
        "--format",
        "json",
        "-q",
        "--age-key-file",
        &k,
        "--exit-code",
    ];
    let shards = assert_merge_is_unsharded(&args, &root, &out);
    assert!(shards.iter().all(|s| s.contains("\"shard\":{\"index\":")));
    let files: Vec<String> = (1..=4)
        .map(|i| out.join(format!("shard-{i}.json")).display().to_string())
        .collect();
    for (format, flag) in [("markdown", "markdown"), ("text", "text")] {
        let mut a = args.to_vec();
        a[5] = format;
        let whole = fleetcheck(&a, &root);
        let mut merge = vec!["merge", "-o", flag];
        merge.extend(files.iter().map(String::as_str));
        let merged = fleetcheck(&merge, &root);
        assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
        assert_eq!(stdout(&merged), stdout(&whole), "{format}");
    }
    let whole = stdout(&fleetcheck(&args, &root));
    assert!(
        whole.contains("\"of\":3") && whole.contains("\"sources\":[{"),
        "{whole}"
    );
}

#[test]
fn bad_shard_values_are_usage_errors() {
    let repo = fleet().display().to_string();
    for bad in ["0/4", "5/4", "1/0", "2", "x/4"] {
        let o = fleetcheck(&["render", &repo, "--shard", bad], &fleet());
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("1 <= I <= N"), "{}", stderr(&o));
    }
}

#[test]
fn merge_refuses_mixed_kinds_and_missing_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = fleet().display().to_string();
    let run = |args: &[&str], name: &str| {
        let o = fleetcheck(args, tmp.path());
        let file = tmp.path().join(name);
        fs::write(&file, &o.stdout).unwrap();
        file.display().to_string()
    };
    let r1 = run(
        &["render", &repo, "-o", "json", "-q", "--shard", "1/2"],
        "r1.json",
    );
    let r2 = run(
        &["render", &repo, "-o", "json", "-q", "--shard", "2/2"],
        "r2.json",
    );
    let c2 = run(
        &["check", &repo, "-o", "json", "-q", "--shard", "2/2"],
        "c2.json",
    );
    let mixed = fleetcheck(&["merge", &r1, &c2], tmp.path());
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        stderr(&mixed).contains("check -o json"),
        "{}",
        stderr(&mixed)
    );
    let markdown = fleetcheck(&["merge", "-o", "markdown", &r1, &r2], tmp.path());
    assert_eq!(markdown.status.code(), Some(2));
    assert!(
        stderr(&markdown).contains("for diff results"),
        "{}",
        stderr(&markdown)
    );
    let missing = fleetcheck(&["merge", &r1], tmp.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("shard 2/2 is missing"),
        "{}",
        stderr(&missing)
    );
    let twice = fleetcheck(&["merge", &r1, &r1, &r2], tmp.path());
    assert_eq!(twice.status.code(), Some(2));
    let garbage = tmp.path().join("bad.json");
    fs::write(&garbage, "{\"clusters\": [\n  oops]}").unwrap();
    let bad = fleetcheck(&["merge", &garbage.display().to_string()], tmp.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("bad.json:2:3"), "{}", stderr(&bad));
}
