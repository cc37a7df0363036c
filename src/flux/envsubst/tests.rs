//! Table tests: every row of fluxcd/pkg `envsubst/eval_test.go` and `parse/parse_test.go`
//! worth keeping, plus the error paths.

use std::collections::BTreeMap;

use super::*;

fn run(input: &str, env: &[(&str, &str)], strict: bool) -> Result<String, EnvsubstError> {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    substitute(input, &|n| env.get(n).cloned(), strict)
}

#[test]
fn expand_table() {
    let z = "abcABC123ABCabc";
    type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let rows: &[Row] = &[
        ("abcdEFGH28ij", &[], "abcdEFGH28ij"),
        ("${#var01}", &[("var01", "abcdEFGH28ij")], "12"),
        ("${var01^}", &[("var01", "abcdEFGH28ij")], "AbcdEFGH28ij"),
        ("${var01^^}", &[("var01", "abcdEFGH28ij")], "ABCDEFGH28IJ"),
        ("${var01,}", &[("var01", "ABCDEFGH28IJ")], "aBCDEFGH28IJ"),
        ("${var01,,}", &[("var01", "ABCDEFGH28IJ")], "abcdefgh28ij"),
        (
            "${p:11}",
            &[("p", "/home/bozo/ideas/thoughts.for.today")],
            "ideas/thoughts.for.today",
        ),
        (
            "${p:11:5}",
            &[("p", "/home/bozo/ideas/thoughts.for.today")],
            "ideas",
        ),
        ("${var=xyz}", &[("var", "abc")], "abc"),
        ("${var=xyz}", &[], "xyz"),
        ("something ${var=${d}}", &[("d", "foo")], "something foo"),
        (
            "foo: ${var=${d}-suffix}",
            &[("d", "foo1")],
            "foo: foo1-suffix",
        ),
        (
            "foo: ${var=prefix${d}-suffix}",
            &[("d", "foo1")],
            "foo: prefixfoo1-suffix",
        ),
        ("${var:=xyz}", &[], "xyz"),
        ("${z/%abc/XYZ}", &[("z", z)], "abcABC123ABCXYZ"),
        ("${z/#abc/XYZ}", &[("z", z)], "XYZABC123ABCabc"),
        ("${z/#/prefix-}", &[("z", "v")], "prefix-v"),
        ("${z/%/-suffix}", &[("z", "v")], "v-suffix"),
        ("${z//abc/xyz}", &[("z", z)], "xyzABC123ABCxyz"),
        ("${z/abc/xyz}", &[("z", z)], "xyzABC123ABCabc"),
        ("${f#*.}", &[("f", "bash.string.txt")], "string.txt"),
        ("${f#*/}", &[("f", "path/to/file")], "to/file"),
        ("${f#*/}", &[("f", "/path/to/file")], "path/to/file"),
        ("${f##*.}", &[("f", "bash.string.txt")], "txt"),
        ("${f##*/}", &[("f", "path/to/file")], "file"),
        ("${f##*/}", &[("f", "/path/to/file")], "file"),
        ("${f%.*}", &[("f", "bash.string.txt")], "bash.string"),
        ("${f%%.*}", &[("f", "bash.string.txt")], "bash"),
        ("${var=${v^^}}", &[("v", "abcdEFGH28ij")], "ABCDEFGH28IJ"),
        ("$${v}", &[("v", "x")], "${v}"),
        (
            "some text ${v}$${var$${v}$v${v}",
            &[("v", "abcdEFGH28ij")],
            "some text abcdEFGH28ij${var${v}$vabcdEFGH28ij",
        ),
        (
            "something $${var=${d}}",
            &[("d", "foo")],
            "something ${var=foo}",
        ),
        (r"${z/\//-}", &[("z", "foo/bar")], "foo-bar"),
        (r"${z//\//-}", &[("z", "foo/bar/baz")], "foo-bar-baz"),
        (
            r"\\something ${var=${d}}",
            &[("d", "foo")],
            r"\\something foo",
        ),
        ("${z/./}", &[("z", "foo.bar")], "foobar"),
        // Beyond the Go tables.
        (
            "$VAR and $ alone and $",
            &[("VAR", "x")],
            "$VAR and $ alone and $",
        ),
        ("pa$$word", &[], "pa$word"),
        ("$$$${X}", &[("X", "x")], "$${X}"),
        ("$$${X}", &[("X", "x")], "$x"),
        ("${X:-d}${Y:?d}${Z:+d}", &[("X", "")], "ddd"),
        ("${X:+d}", &[("X", "set")], "set"),
        ("${X:=}", &[], ""),
        ("${v:1:-1}", &[("v", "abcd")], "bc"),
        ("${v:-2}", &[("v", "abcd")], "abcd"), // `:-` is the default operator
        ("${v: -2}", &[("v", "abcd")], "abcd"), // Atoi(" -2") fails: value as is
        ("${v:${o}}", &[("v", "abcd"), ("o", "2")], "cd"),
        ("${v,^}", &[("v", "ab")], "ab"), // unknown casing name: value as is
        ("${é}", &[("é", "ok")], "ok"),
        ("${a_1}", &[("a_1", "ok")], "ok"),
        ("${v:=$$}", &[], "$$"),                 // no escapes inside defaults
        ("${v//[ab]/x}", &[("v", "[ab]")], "x"), // replacement patterns are literal
        ("${v#[}", &[("v", "[x")], "[x"),        // malformed glob: value unchanged
        ("a\u{0}b", &[], "a"),                   // Go reads NUL as end of input
        ("", &[], ""),
    ];
    for (input, env, want) in rows {
        assert_eq!(run(input, env, false).as_deref(), Ok(*want), "{input}");
    }
}

#[test]
fn non_strict_unset_is_empty() {
    assert_eq!(run("a${X}b${#X}${X^^}", &[], false).as_deref(), Ok("ab0"));
}

#[test]
fn strict_table() {
    assert_eq!(run("${foo}", &[("foo", "bar")], true).as_deref(), Ok("bar"));
    assert_eq!(run("${foo}", &[("foo", "")], true).as_deref(), Ok(""));
    for ok in [
        "${missing:=default}",
        "${missing:-d}",
        "${missing=d}",
        "${missing:?d}",
    ] {
        assert!(run(ok, &[], true).is_ok(), "{ok}");
    }
    assert_eq!(run("${missing:+d}", &[], true).as_deref(), Ok("d"));
    for bad in [
        "${missing}",
        "${#missing}",
        "${missing^}",
        "${missing^^}",
        "${missing,}",
        "${missing,,}",
        "${missing:0}",
        "${missing:0:10}",
        "${missing/p/r}",
        "${missing//p/r}",
        "${missing/#p/r}",
        "${missing/%p/r}",
        "${missing#p}",
        "${missing##p}",
        "${missing%p}",
        "${missing%%p}",
    ] {
        let e = run(&format!("ab {bad}"), &[], true).unwrap_err();
        assert_eq!(e.kind, ErrorKind::VariableNotSet("missing".into()), "{bad}");
        assert_eq!(e.offset, 3, "{bad}");
        assert_eq!(e.message(), "variable not set (strict mode): \"missing\"");
        assert_eq!(e.variable(), Some("missing"));
    }
    // Arguments are evaluated first, even when the default is not used.
    let e = run("${set:=${gone}}", &[("set", "x")], true).unwrap_err();
    assert_eq!(e.variable(), Some("gone"));
    assert_eq!(e.offset, 7);
}

#[test]
fn parse_errors() {
    use ErrorKind::*;
    let rows: &[(&str, ErrorKind, usize)] = &[
        ("x ${var-x}", MissingClosingBrace, 2),
        ("${}", ParseVariableName, 0),
        ("${{ x }}", ParseVariableName, 0),
        ("${AUTH[@]}", MissingClosingBrace, 0),
        ("${", ParseVariableName, 0),
        ("${a", MissingClosingBrace, 0),
        ("${a:}", ParseFuncSubstitution, 0),
        ("${a:1:}", ParseFuncSubstitution, 0),
        ("${a:1x", BadSubstitution, 0),
        ("${a#}", ParseFuncSubstitution, 0),
        ("${a/b}", BadSubstitution, 0),
        ("${a//b}", BadSubstitution, 0),
        ("${a^x}", BadSubstitution, 0),
        ("${#}", BadSubstitution, 0),
        ("${#a", BadSubstitution, 0),
        ("${a:=x", ParseFuncSubstitution, 0),
        ("${a:é}", BadSubstitution, 0),
        ("${aé:é}", BadSubstitution, 0),
        ("${ab:😀}", BadSubstitution, 0),
        ("${a:", BadSubstitution, 0),
        ("${a:=${b", MissingClosingBrace, 5),
        ("${a:=${}", ParseVariableName, 5),
    ];
    for (input, kind, offset) in rows {
        let e = run(input, &[("a", "v")], false).unwrap_err();
        assert_eq!((&e.kind, e.offset), (kind, *offset), "{input}");
    }
    assert_eq!(
        run("${a-x}", &[], false).unwrap_err().to_string(),
        "missing closing brace"
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = "${a:=".repeat(200) + &"}".repeat(200);
    assert_eq!(run(&deep, &[], false).unwrap_err().kind, ErrorKind::TooDeep);
    let ok = "${a:=".repeat(20) + "x" + &"}".repeat(20);
    assert_eq!(run(&ok, &[], false).as_deref(), Ok("x"));
    // Long flat input does not recurse.
    let long = "${a}".repeat(100_000);
    assert_eq!(run(&long, &[("a", "x")], false).unwrap().len(), 100_000);
}

#[test]
fn byte_slicing_can_split_characters() {
    assert_eq!(
        run("${v:1}", &[("v", "é")], false).unwrap_err().kind,
        ErrorKind::InvalidUtf8
    );
    assert_eq!(run("${#v}", &[("v", "é")], false).as_deref(), Ok("2"));
}

#[test]
fn parse_shapes() {
    let t = |s: &str| GoShape::Text(s.into());
    let f = |p: &str, n: &str, a: Vec<GoShape>| GoShape::Func(p.into(), n.into(), a);
    assert_eq!(parse("$$string").unwrap().to_go_shape(), t("$string"));
    assert_eq!(
        parse(r"${string/\/position\\/length}")
            .unwrap()
            .to_go_shape(),
        f("string", "/", vec![t("/position\\"), t("length")])
    );
    assert_eq!(
        parse("hello ${#string} world").unwrap().to_go_shape(),
        GoShape::List(vec![
            t("hello "),
            GoShape::List(vec![f("string", "#", vec![]), t(" world")])
        ])
    );
    assert_eq!(
        parse("${string#$%:*{}").unwrap().to_go_shape(),
        f("string", "#", vec![t("$%:*{")])
    );
}

#[test]
fn never_panics_on_odd_input() {
    // A small deterministic generator over the characters the grammar cares about.
    let alphabet: Vec<char> = "${}$:=-?+#%/^,\\ab_1é😀\0 ".chars().collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let env = [("a", "é😀x"), ("b", "")];
    for _ in 0..20_000 {
        let mut input = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 12) as usize;
        for i in 0..len {
            let k = (seed.rotate_left(i as u32 * 5) % alphabet.len() as u64) as usize;
            input.push(alphabet[k]);
        }
        let _ = run(&input, &env, false);
        let _ = run(&input, &env, true);
    }
}
