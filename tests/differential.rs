//! Differential tests: `fleetcheck build DIR` must be a byte-identical drop-in
//! for `kustomize build DIR` (kustomize v5.5.0, as shipped in `kubectl kustomize`).
//!
//! Corpus: `tests/fixtures/build/<NAME>/` is a kustomize root. Next to it:
//! - `<NAME>.expected`: golden stdout of `kubectl kustomize <NAME>` (exit 0), or
//! - `<NAME>.error`: kubectl fails; its first line is a substring fleetcheck's stderr must
//!   contain (fleetcheck must exit 1); `<NAME>.kubectl-error` records what kubectl said.
//! - `<NAME>.args`: optional, one extra CLI argument per line, passed to both tools.
//!
//! Directories starting with `_` hold shared data and are not fixtures.
//! Goldens are produced by `tests/fixtures/build/regen.sh`; that script is never
//! needed at test time. `goldens_match_kubectl` re-checks them when kubectl is
//! installed so they cannot drift.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MIN_FIXTURES: usize = 45;
const MIN_ERROR_FIXTURES: usize = 8;

// ---------------------------------------------------------------------------
// corpus

#[derive(Debug, Clone)]
enum Expect {
    /// exit 0, stdout byte-identical to these bytes
    Output(Vec<u8>),
    /// exit 1, stderr contains this substring
    Error(String),
}

#[derive(Debug, Clone)]
struct Fixture {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    expect: Expect,
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build")
}

fn load_fixtures() -> Vec<Fixture> {
    let root = corpus_root();
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|e| e.expect("read_dir entry"))
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| {
            e.file_name()
                .into_string()
                .expect("fixture names are UTF-8")
        })
        .filter(|n| !n.starts_with('_') && !n.starts_with('.'))
        .collect();
    names.sort();

    names
        .into_iter()
        .map(|name| {
            let dir = root.join(&name);
            let sidecar = |ext: &str| root.join(format!("{name}.{ext}"));
            let expected = sidecar("expected");
            let error = sidecar("error");
            let expect = match (expected.is_file(), error.is_file()) {
                (true, false) => Expect::Output(fs::read(&expected).unwrap()),
                (false, true) => {
                    let text = fs::read_to_string(&error).unwrap();
                    let needle = text.lines().next().unwrap_or("").to_string();
                    assert!(
                        !needle.trim().is_empty(),
                        "{name}.error: first line must be a non-empty substring"
                    );
                    Expect::Error(needle)
                }
                (true, true) => panic!("fixture {name} has both .expected and .error"),
                (false, false) => {
                    panic!("fixture {name} has neither .expected nor .error (run regen.sh)")
                }
            };
            let args = match fs::read_to_string(sidecar("args")) {
                Ok(text) => text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string)
                    .collect(),
                Err(_) => Vec::new(),
            };
            Fixture {
                name,
                dir,
                args,
                expect,
            }
        })
        .collect()
}

fn fixture(name: &str) -> Fixture {
    load_fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture named {name}"))
}

fn golden(name: &str) -> Vec<u8> {
    match fixture(name).expect {
        Expect::Output(bytes) => bytes,
        Expect::Error(_) => panic!("fixture {name} is an error fixture"),
    }
}

// ---------------------------------------------------------------------------
// running the tools

fn fleetcheck_bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_fleetcheck") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "no `fleetcheck` binary target was built (CARGO_BIN_EXE_fleetcheck unset); \
             the differential tests need `src/main.rs` with the `build` subcommand"
        ),
    }
}

fn run(program: &Path, args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn fleetcheck_build(dir: &Path, extra: &[String]) -> Output {
    let mut args: Vec<&str> = vec!["build", dir.to_str().expect("UTF-8 path")];
    args.extend(extra.iter().map(String::as_str));
    run(&fleetcheck_bin(), &args, None)
}

fn kubectl() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KUBECTL") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

fn code(out: &Output) -> String {
    match out.status.code() {
        Some(c) => c.to_string(),
        None => format!("{:?} (killed by signal)", out.status),
    }
}

// ---------------------------------------------------------------------------
// readable diffs

/// Render one line so that invisible differences (CR, tabs, trailing blanks,
/// control characters, NBSP/BOM/line separators, invalid UTF-8) are visible.
fn show_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let invisible = |c: char| {
        c.is_control()
            || (c.is_whitespace() && c != ' ')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}' | '\u{fffd}')
    };
    if !text.chars().any(invisible) && !text.ends_with(' ') && std::str::from_utf8(line).is_ok() {
        return text.into_owned();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if invisible(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    if std::str::from_utf8(line).is_err() {
        out.push_str(" (invalid UTF-8)");
    }
    out
}

fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Line-level edit script of the differing middle region (LCS); falls back to
/// "all removed, all added" when the region is too large for the O(n*m) table.
fn edit_script<'a>(e: &[&'a [u8]], a: &[&'a [u8]]) -> Vec<(char, &'a [u8])> {
    const LIMIT: usize = 600;
    if e.len() > LIMIT || a.len() > LIMIT {
        let mut ops: Vec<(char, &[u8])> = e.iter().map(|l| ('-', *l)).collect();
        ops.extend(a.iter().map(|l| ('+', *l)));
        return ops;
    }
    let (n, m) = (e.len(), a.len());
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && e[i] == a[j] {
            ops.push((' ', e[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', e[i]));
            i += 1;
        } else {
            ops.push(('+', a[j]));
            j += 1;
        }
    }
    ops
}

/// A unified-style diff starting at the first differing line: 3 lines of context,
/// then the differing region as -expected/+actual (capped so huge outputs stay
/// readable).  Invisible characters are escaped, a missing final newline is marked.
fn unified_diff(expected: &[u8], actual: &[u8]) -> String {
    const CONTEXT: usize = 3;
    const MAX_LINES: usize = 60;
    let e = split_lines(expected);
    let a = split_lines(actual);
    let prefix = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let max_suffix = e.len().min(a.len()) - prefix;
    let suffix = e
        .iter()
        .rev()
        .zip(a.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let first_byte = expected
        .iter()
        .zip(actual)
        .take_while(|(x, y)| x == y)
        .count();

    let ctx_start = prefix.saturating_sub(CONTEXT);
    let mut ops: Vec<(char, &[u8])> = e[ctx_start..prefix].iter().map(|l| (' ', *l)).collect();
    ops.extend(edit_script(
        &e[prefix..e.len() - suffix],
        &a[prefix..a.len() - suffix],
    ));
    ops.extend(
        e[e.len() - suffix..]
            .iter()
            .take(CONTEXT)
            .map(|l| (' ', *l)),
    );

    let mut out = String::new();
    let _ = writeln!(
        out,
        "    first difference at byte {first_byte}, line {} (expected {} bytes / {} lines, got {} bytes / {} lines)",
        prefix + 1,
        expected.len(),
        e.len(),
        actual.len(),
        a.len()
    );
    let _ = writeln!(
        out,
        "    --- expected (kubectl)\n    +++ actual (fleetcheck)"
    );
    let _ = writeln!(out, "    @@ -{0} +{0} @@", ctx_start + 1);
    for (sign, line) in ops.iter().take(MAX_LINES) {
        let mut v = line.to_vec();
        let shown = if v.last() == Some(&b'\n') {
            v.pop();
            show_line(&v)
        } else {
            format!("{} \\ (no newline at end)", show_line(&v))
        };
        let _ = writeln!(out, "    {sign}{shown}");
    }
    if ops.len() > MAX_LINES {
        let _ = writeln!(out, "    ... ({} more diff lines)", ops.len() - MAX_LINES);
    }
    if expected.is_empty() || actual.is_empty() {
        let _ = writeln!(
            out,
            "    ({} is empty)",
            if expected.is_empty() {
                "expected"
            } else {
                "actual"
            }
        );
    }
    out
}

fn tail(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim_end();
    if s.len() > max {
        let mut cut = s.len() - max;
        while !s.is_char_boundary(cut) {
            cut += 1;
        }
        format!("...{}", &s[cut..])
    } else {
        s.to_string()
    }
}

/// Check one tool invocation against a fixture expectation; `None` = pass.
fn check(tool: &str, f: &Fixture, out: &Output, error_exit: Option<i32>) -> Option<String> {
    match &f.expect {
        Expect::Output(want) => {
            if !out.status.success() {
                return Some(format!(
                    "{}: {tool} exited {} (want 0); stderr:\n    {}",
                    f.name,
                    code(out),
                    tail(&out.stderr, 2000).replace('\n', "\n    ")
                ));
            }
            if &out.stdout != want {
                return Some(format!(
                    "{}: {tool} stdout differs from {}.expected\n{}",
                    f.name,
                    f.name,
                    unified_diff(want, &out.stdout)
                ));
            }
            None
        }
        Expect::Error(needle) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let ok_code = match error_exit {
                Some(c) => out.status.code() == Some(c),
                None => !out.status.success(),
            };
            if !ok_code {
                return Some(format!(
                    "{}: {tool} exited {} (want {}); stdout starts:\n    {}",
                    f.name,
                    code(out),
                    error_exit.map_or("non-zero".into(), |c| c.to_string()),
                    tail(&out.stdout[..out.stdout.len().min(400)], 400).replace('\n', "\n    ")
                ));
            }
            if error_exit.is_some() && !stderr.contains(needle.as_str()) {
                return Some(format!(
                    "{}: {tool} stderr does not contain {needle:?}; stderr:\n    {}",
                    f.name,
                    tail(&out.stderr, 2000).replace('\n', "\n    ")
                ));
            }
            None
        }
    }
}

fn report(what: &str, total: usize, failures: Vec<String>) {
    if failures.is_empty() {
        eprintln!("{what}: all {total} fixtures passed");
        return;
    }
    let mut msg = format!("{what}: {} of {total} fixtures FAILED\n\n", failures.len());
    for f in &failures {
        msg.push_str(f);
        msg.push('\n');
    }
    let names: Vec<&str> = failures
        .iter()
        .map(|f| f.split(':').next().unwrap_or(""))
        .collect();
    let _ = write!(msg, "failed fixtures: {}", names.join(" "));
    panic!("{msg}");
}

// ---------------------------------------------------------------------------
// tests

#[test]
fn corpus_is_well_formed() {
    let fixtures = load_fixtures();
    let errors = fixtures
        .iter()
        .filter(|f| matches!(f.expect, Expect::Error(_)))
        .count();
    assert!(
        fixtures.len() >= MIN_FIXTURES,
        "only {} fixtures",
        fixtures.len()
    );
    assert!(errors >= MIN_ERROR_FIXTURES, "only {errors} error fixtures");
    let root = corpus_root();
    for f in &fixtures {
        let has_kustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .iter()
            .any(|k| f.dir.join(k).is_file());
        assert!(
            has_kustomization || matches!(f.expect, Expect::Error(_)),
            "{}: success fixture without a kustomization file",
            f.name
        );
        if matches!(f.expect, Expect::Error(_)) {
            assert!(
                root.join(format!("{}.kubectl-error", f.name)).is_file(),
                "{}: missing .kubectl-error (run regen.sh)",
                f.name
            );
        }
        for a in &f.args {
            assert!(
                a.starts_with("--load-restrictor") || a.starts_with("LoadRestrictions"),
                "{}: .args may only carry --load-restrictor (kubectl has no other build flags we use): {a}",
                f.name
            );
        }
    }
    // every sidecar file belongs to a fixture directory
    for entry in fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some((stem, ext)) = name.rsplit_once('.')
            && ["expected", "error", "args", "kubectl-error"].contains(&ext)
        {
            assert!(root.join(stem).is_dir(), "orphan sidecar file {name}");
        }
    }
}

/// (a) success fixtures: exit 0 and stdout byte-identical to the golden;
/// (b) error fixtures: exit 1 and stderr contains the `.error` substring.
#[test]
fn build_matches_goldens() {
    let fixtures = load_fixtures();
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|f| check("fleetcheck", f, &fleetcheck_build(&f.dir, &f.args), Some(1)))
        .collect();
    report("fleetcheck build vs goldens", fixtures.len(), failures);
}

/// The goldens must be exactly what kubectl prints today (and error fixtures must
/// make kubectl fail), so they cannot silently drift.  Skipped without kubectl.
#[test]
fn goldens_match_kubectl() {
    let Some(kubectl) = kubectl() else {
        eprintln!("SKIP: kubectl not found (goldens_match_kubectl)");
        return;
    };
    let fixtures = load_fixtures();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = fixtures.len().div_ceil(workers);
    let mut failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = fixtures
            .chunks(chunk)
            .map(|part| {
                let kubectl = &kubectl;
                s.spawn(move || {
                    part.iter()
                        .filter_map(|f| {
                            let mut args = vec!["kustomize", f.dir.to_str().unwrap()];
                            args.extend(f.args.iter().map(String::as_str));
                            check("kubectl kustomize", f, &run(kubectl, &args, None), None)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    failures.sort();
    if !failures.is_empty() {
        failures.push(
            "(if kubectl/kustomize was upgraded on purpose, run tests/fixtures/build/regen.sh)"
                .into(),
        );
    }
    report("kubectl kustomize vs goldens", fixtures.len(), failures);
}

/// `--reorder none` keeps input order: it must equal the golden of the twin
/// fixture that declares `sortOptions: {order: fifo}` (kubectl has no --reorder).
#[test]
fn reorder_none_matches_fifo_twin() {
    let pairs = [
        // (dir built with --reorder none, fixture whose golden is the fifo output)
        ("39-legacy-sort-builtin-kinds", "58-sort-fifo-builtin-kinds"),
        ("44-sort-default-legacy-same-input", "43-sort-fifo"),
    ];
    let mut failures = Vec::new();
    for (dir, twin) in pairs {
        let f = Fixture {
            name: format!("{dir} --reorder none (vs {twin}.expected)"),
            dir: corpus_root().join(dir),
            args: vec!["--reorder".into(), "none".into()],
            expect: Expect::Output(golden(twin)),
        };
        failures.extend(check(
            "fleetcheck",
            &f,
            &fleetcheck_build(&f.dir, &f.args),
            Some(1),
        ));
        // and --reorder legacy is the default
        let g = Fixture {
            name: format!("{dir} --reorder legacy"),
            args: vec!["--reorder".into(), "legacy".into()],
            expect: Expect::Output(golden(dir)),
            ..f
        };
        failures.extend(check(
            "fleetcheck",
            &g,
            &fleetcheck_build(&g.dir, &g.args),
            Some(1),
        ));
    }
    // the two twins really differ, so the check above is meaningful
    assert_ne!(
        golden("39-legacy-sort-builtin-kinds"),
        golden("58-sort-fifo-builtin-kinds")
    );
    assert_ne!(
        golden("44-sort-default-legacy-same-input"),
        golden("43-sort-fifo")
    );
    report("--reorder", 4, failures);
}

/// `-o FILE` writes exactly the bytes that would go to stdout, and nothing to stdout.
#[test]
fn output_flag_writes_same_bytes() {
    let tmp = std::env::temp_dir().join(format!("fleetcheck-differential-{}", std::process::id()));
    fs::create_dir_all(&tmp).unwrap();
    let mut failures = Vec::new();
    for name in [
        "01-single-configmap",
        "21-unicode-emoji-bom-control",
        "38-empty-resources-list",
        "50-load-restrictor-none",
        "52-realistic-app",
    ] {
        let f = fixture(name);
        let target = tmp.join(format!("{name}.yaml"));
        let _ = fs::remove_file(&target);
        let mut args = f.args.clone();
        args.push("-o".into());
        args.push(target.to_str().unwrap().into());
        let out = fleetcheck_build(&f.dir, &args);
        if !out.status.success() {
            failures.push(format!(
                "{name} -o: exit {}; stderr: {}",
                code(&out),
                tail(&out.stderr, 1000)
            ));
            continue;
        }
        if !out.stdout.is_empty() {
            failures.push(format!(
                "{name} -o: unexpected stdout ({} bytes)",
                out.stdout.len()
            ));
        }
        match fs::read(&target) {
            Ok(bytes) if bytes == golden(name) => {}
            Ok(bytes) => failures.push(format!(
                "{name} -o: file differs from golden\n{}",
                unified_diff(&golden(name), &bytes)
            )),
            Err(e) => failures.push(format!("{name} -o: output file not written: {e}")),
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    report("-o FILE", 5, failures);
}

/// A relative DIR resolves against the working directory.
#[test]
fn relative_dir_argument() {
    let out = run(
        &fleetcheck_bin(),
        &["build", "52-realistic-app"],
        Some(&corpus_root()),
    );
    let f = fixture("52-realistic-app");
    if let Some(msg) = check("fleetcheck (relative dir)", &f, &out, Some(1)) {
        panic!("{msg}");
    }
}

/// Usage errors exit 2; a nonexistent directory is a build error (exit 1).
#[test]
fn exit_codes_for_usage_and_missing_dir() {
    let dir = corpus_root().join("01-single-configmap");
    let dir = dir.to_str().unwrap();
    let mut failures = Vec::new();
    for args in [
        vec!["build", dir, "--reorder", "bogus"],
        vec!["build", dir, "--load-restrictor", "Bogus"],
        vec!["build", dir, "--no-such-flag"],
    ] {
        let out = run(&fleetcheck_bin(), &args, None);
        if out.status.code() != Some(2) {
            failures.push(format!(
                "`fleetcheck {}` exited {} (want 2)",
                args.join(" "),
                code(&out)
            ));
        }
    }
    let missing = corpus_root().join("does-not-exist");
    let out = fleetcheck_build(&missing, &[]);
    if out.status.code() != Some(1) || out.stderr.is_empty() {
        failures.push(format!(
            "build of a missing dir exited {} (want 1 with a diagnostic)",
            code(&out)
        ));
    }
    report("exit codes", 4, failures);
}

#[test]
fn diff_renderer_is_readable() {
    let d = unified_diff(b"a\nb\nc\nd\n", b"a\nb\nX\nd\n");
    assert!(
        d.contains("-c\n") && d.contains("+X\n") && d.contains(" b\n") && d.contains(" d\n"),
        "{d}"
    );
    let d = unified_diff(b"a\r\n", b"a\n");
    assert!(d.contains(r#"-"a\r""#), "{d}");
    let d = unified_diff("x\u{a0}y\nz\n".as_bytes(), b"x y\nz\n");
    assert!(
        d.contains(r#"-"x\u{00a0}y""#) && d.contains("+x y\n"),
        "{d}"
    );
    // only the changed line is marked when unchanged lines sit between changes
    let d = unified_diff(b"1\n2\n3\n4\n5\n", b"1\nX\n3\nY\n5\n");
    assert!(
        d.contains("\n     3\n") && d.contains("-2\n") && d.contains("+Y\n"),
        "{d}"
    );
    let d = unified_diff(b"a\nb", b"a\nb\n");
    assert!(d.contains("no newline at end"), "{d}");
    assert!(unified_diff(b"", b"x\n").contains("+x"));
}
