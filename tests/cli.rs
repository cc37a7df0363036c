//! End-to-end tests of the `fleetcheck` binary: exit codes, diagnostics and hostile input.

mod common;

use common::{fleetcheck, stderr, write};
use std::fs;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

#[test]
fn build_prints_yaml_and_exits_zero() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(t.path(), "cm.yaml", CM);
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    );
}

#[test]
fn output_flag_writes_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(t.path(), "cm.yaml", CM);
    let stdout = fleetcheck(&["build", "."], t.path()).stdout;
    let o = fleetcheck(&["build", ".", "-o", "out.yaml"], t.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert_eq!(fs::read(t.path().join("out.yaml")).unwrap(), stdout);
}

#[test]
fn usage_errors_exit_two() {
    let t = tempfile::tempdir().unwrap();
    let o = fleetcheck(&["build", ".", "--reorder", "sideways"], t.path());
    assert_eq!(o.status.code(), Some(2));
    let o = fleetcheck(&["frobnicate"], t.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn malformed_yaml_points_at_line_and_column() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- bad.yaml\n");
    write(
        t.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n bad: indent\n",
    );
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:5:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
    assert!(err.contains("bad: indent"), "snippet missing: {err}");
}

#[test]
fn missing_file_names_the_kustomization_entry() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "resources:\n- cm.yaml\n- nope.yaml\n",
    );
    write(t.path(), "cm.yaml", CM);
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("kustomization.yaml:3:3"), "{err}");
    assert!(err.contains("resource 'nope.yaml' not found"), "{err}");
    assert!(
        o.stdout.is_empty(),
        "nothing is printed when the build fails"
    );
}

#[test]
fn unsupported_fields_are_refused_not_half_applied() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix: p-\nvalidators:\n- v.yaml\n",
    );
    write(t.path(), "cm.yaml", CM);
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`validators` is not supported yet"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn path_escape_is_refused_by_default_and_allowed_with_none() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "app/kustomization.yaml",
        "resources:\n- ../shared/cm.yaml\n",
    );
    write(t.path(), "shared/cm.yaml", CM);
    let o = fleetcheck(&["build", "app"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not in or below"), "{}", stderr(&o));
    let o = fleetcheck(
        &["build", "app", "--load-restrictor", "LoadRestrictionsNone"],
        t.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn symlink_leaving_the_root_is_a_path_escape() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "app/kustomization.yaml",
        "resources:\n- link.yaml\n",
    );
    write(t.path(), "outside/cm.yaml", CM);
    std::os::unix::fs::symlink(
        t.path().join("outside/cm.yaml"),
        t.path().join("app/link.yaml"),
    )
    .unwrap();
    let o = fleetcheck(&["build", "app"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not in or below"), "{}", stderr(&o));
}

#[test]
fn cycles_are_reported() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- sub\n");
    write(t.path(), "sub/kustomization.yaml", "resources:\n- ..\n");
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cycle detected"), "{}", stderr(&o));
}

#[test]
fn billion_laughs_fails_fast_with_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    write(t.path(), "kustomization.yaml", "resources:\n- bomb.yaml\n");
    write(t.path(), "bomb.yaml", &bomb);
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("aliases expand to more than 1000000 nodes"),
        "{err}"
    );
    assert!(err.contains("bomb.yaml:"), "{err}");
}

#[test]
fn deep_nesting_and_size_limits() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- deep.yaml\n");
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(t.path(), "deep.yaml", &deep);
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nesting deeper"), "{}", stderr(&o));

    write(t.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(t.path(), "cm.yaml", CM);
    let o = fleetcheck(&["build", ".", "--max-file-size", "10"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("over the limit of 10 bytes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn infinity_is_a_located_error() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- inf.yaml\n");
    write(
        t.path(),
        "inf.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: i\ndata:\n  x: .inf\n",
    );
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("inf.yaml:6:6"), "{err}");
    assert!(err.contains("unsupported value"), "{err}");
}

#[test]
fn binary_and_non_utf8_files_are_rejected() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- bin.yaml\n");
    fs::write(t.path().join("bin.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let o = fleetcheck(&["build", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not valid UTF-8"), "{}", stderr(&o));
}

#[test]
fn reorder_none_keeps_accumulation_order() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "resources:\n- svc.yaml\n- ns.yaml\n",
    );
    write(
        t.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
    );
    write(
        t.path(),
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n",
    );
    let legacy = String::from_utf8(fleetcheck(&["build", "."], t.path()).stdout).unwrap();
    let fifo = String::from_utf8(fleetcheck(&["build", ".", "--reorder", "none"], t.path()).stdout)
        .unwrap();
    assert!(
        legacy.starts_with("apiVersion: v1\nkind: Namespace"),
        "{legacy}"
    );
    assert!(fifo.starts_with("apiVersion: v1\nkind: Service"), "{fifo}");
}
