use super::data::Data;
use super::exec::execute;
use super::parse::parse;
use super::*;
use crate::images::plan::{Plan, Selection};
use crate::images::tags::Tags;
use crate::source::DiskTree;
use crate::yaml::Limits;

fn run(template: &str, data: &Data) -> Result<String, String> {
    execute(&parse(template)?, data)
}

fn sample() -> Data {
    Data::structure(
        "T",
        vec![
            ("Name", Data::Str("App".into())),
            (
                "M",
                Data::Map(vec![
                    (Data::Str("a".into()), Data::Str("1".into())),
                    (Data::Str("b".into()), Data::Str("2".into())),
                ]),
            ),
            (
                "L",
                Data::List(vec![Data::Str("x".into()), Data::Str("y".into())]),
            ),
            ("E", Data::List(vec![])),
        ],
        "{App}".into(),
    )
}

#[test]
fn actions_ranges_and_conditions() {
    let d = sample();
    let cases = [
        ("{{ .Name }}", "App"),
        ("{{ .Name | lower }}", "app"),
        (
            "{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}",
            "a=1;b=2;",
        ),
        ("{{ range $v := .M }}{{ $v }}{{ end }}", "12"),
        ("{{ range .L }}[{{ . }}]{{ end }}", "[x][y]"),
        (
            "{{ range $i, $v := .L }}{{ $i }}{{ $v }} {{ end }}",
            "0x 1y ",
        ),
        ("{{ range .E }}x{{ else }}none{{ end }}", "none"),
        ("{{ if .E }}a{{ else if .L }}b{{ else }}c{{ end }}", "b"),
        ("{{ if eq .Name \"App\" }}yes{{ end }}", "yes"),
        ("{{ if contains \"pp\" .Name }}has{{ end }}", "has"),
        (
            "{{ $x := .Name }}{{ $x = printf \"%s-%d\" $x 2 }}{{ $x }}",
            "App-2",
        ),
        ("{{ with .M }}{{ .a }}{{ end }}", "1"),
        ("{{ .M.zz }}", "<no value>"),
        ("{{ .M }}", "map[a:1 b:2]"),
        ("{{ .L }} {{ len .L }}", "[x y] 2"),
        ("{{ (.Name) | upper }}", "APP"),
        ("a\n  {{- .Name -}}  \nb", "aAppb"),
        ("{{/* note */}}x", "x"),
        ("{{ sha256sum \"a\" | trunc 8 }}", "ca978112"),
        ("{{ . }}", "{App}"),
    ];
    for (template, want) in cases {
        assert_eq!(run(template, &d).unwrap(), want, "{template}");
    }
}

#[test]
fn unsupported_and_bad_templates_are_errors() {
    let d = sample();
    let e = run("{{ .Name | camelcase }}", &d).unwrap_err();
    assert!(e.contains("\"camelcase\" is not supported"), "{e}");
    let e = run("{{ .Nope }}", &d).unwrap_err();
    assert!(e.contains("can't evaluate field Nope in type T"), "{e}");
    assert!(
        run("{{ $y }}", &d)
            .unwrap_err()
            .contains("undefined variable")
    );
    assert!(
        run("{{ range .L }}", &d)
            .unwrap_err()
            .contains("without `end`")
    );
}

const FILES: &[(&str, &str)] = &[
    (
        "auto.yaml",
        "apiVersion: image.toolkit.fluxcd.io/VERSION\nkind: ImageUpdateAutomation\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  update:\n    path: ./apps\n  git:\n    commit:\n      messageTemplate: TEMPLATE\n      messageTemplateValues:\n        env: prod\n",
    ),
    (
        "policy.yaml",
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: web, namespace: flux-system}\nspec: {image: ghcr.io/org/web}\n---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: web, namespace: flux-system}\nspec:\n  imageRepositoryRef: {name: web}\n  policy: {semver: {range: '>=1.0.0'}}\n",
    ),
    (
        "apps/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n  image: ghcr.io/org/web:1.0.0 # {\"$imagepolicy\": \"flux-system:web\"}\n  tag: 1.0.0 # {\"$imagepolicy\": \"flux-system:web:tag\"}\n",
    ),
];

fn message(version: &str, template: &str) -> Result<String, Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in FILES {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let quoted = format!("{template:?}");
        let text = text
            .replace("VERSION", version)
            .replace("TEMPLATE", &quoted);
        std::fs::write(path, text).unwrap();
    }
    let repo = Repo::scan(&DiskTree, dir.path(), &Limits::default()).unwrap();
    let mut tags = Tags::default();
    tags.by_image.insert(
        "ghcr.io/org/web".into(),
        vec!["1.0.0".into(), "1.2.0".into()],
    );
    let plan = Plan::new(&repo, Selection::Evaluate(&tags));
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(plan.runs.len(), 1);
    commit_message(&repo, &plan.runs[0])
}

#[test]
fn the_documented_v1_template() {
    let template = "Automated image update\n\nAutomation name: {{ .AutomationObject }} ({{ .Values.env }})\n\nFiles:\n{{ range $filename, $_ := .Changed.FileChanges -}}\n- {{ $filename }}\n{{ end -}}\n\nObjects:\n{{ range $resource, $changes := .Changed.Objects -}}\n- {{ $resource.Kind }} {{ $resource.Name }}\n  Changes:\n{{- range $_, $change := $changes }}\n    - {{ $change.OldValue }} -> {{ $change.NewValue }}\n{{ end -}}\n{{ end -}}\n";
    let got = message("v1", template).unwrap();
    assert_eq!(
        got,
        "Automated image update\n\nAutomation name: flux-system/apps (prod)\n\nFiles:\n- web.yaml\nObjects:\n- Deployment web\n  Changes:\n    - ghcr.io/org/web:1.0.0 -> ghcr.io/org/web:1.2.0\n\n    - 1.0.0 -> 1.2.0\n"
    );
    let changes = message("v1", "{{ range .Changed.Changes }}{{ .Setter }} {{ end }}{{ range $o, $_ := .Changed.Objects }}{{ $o }}{{ end }}").unwrap();
    assert_eq!(
        changes,
        "flux-system:web flux-system:web:tag {{{apps/v1 Deployment} {web prod}}}"
    );
}

#[test]
fn legacy_updated_data() {
    let template = "{{ range .Updated.Images }}{{ . }} {{ .Identifier }} {{ .Repository }} {{ .Registry }} {{ .Policy.Name }}{{ end }}|{{ range $f, $_ := .Updated.Files }}{{ $f }}{{ end }}";
    assert_eq!(
        message("v1beta2", template).unwrap(),
        "ghcr.io/org/web:1.2.0 1.2.0 org/web ghcr.io web|web.yaml"
    );
    let err = message("v1", template).unwrap_err();
    assert!(
        err.message.contains("can't evaluate field Updated"),
        "{}",
        err.message
    );
    assert!(err.hint.unwrap().contains("removed"));
    assert!(err.location.unwrap().file.ends_with("auto.yaml"));
}

#[test]
fn docker_hub_defaults_in_image_refs() {
    let d = image_ref_data("nginx:1.25", "ns:p");
    assert_eq!(
        d.field("Name").unwrap().print(),
        "index.docker.io/library/nginx:1.25"
    );
    assert_eq!(d.print(), "nginx:1.25");
    let d = image_ref_data("localhost:5000/app:2", "ns:p");
    assert_eq!(d.field("Registry").unwrap().print(), "localhost:5000");
    assert_eq!(d.field("Identifier").unwrap().print(), "2");
}
