//! The validator keyword by keyword: each case has an input that must fire and one that must not.

use super::Violation;
use super::model::Catalog;
use super::validate::{Validator, Walk};
use crate::yaml::{Limits, Node, Pos, parse_stream};

fn parse(text: &str) -> Node {
    parse_stream(text, &Limits::default())
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .root
}

fn run_with(schema: &str, doc: &str, strict: bool, quote: bool) -> Vec<Violation> {
    run_within(schema, doc, strict, quote, usize::MAX)
}

fn run_within(schema: &str, doc: &str, strict: bool, quote: bool, budget: usize) -> Vec<Violation> {
    let mut catalog = Catalog::default();
    let id = catalog.compile_document(&parse(schema)).unwrap();
    let validator = Validator {
        catalog: &catalog,
        strict,
        source: "test",
        quote_values: quote,
    };
    let obj = parse(doc);
    let mut walk = Walk::new(&validator, Vec::new(), obj.pos).with_budget(budget);
    walk.run(id, &obj);
    walk.out
}

/// `path: message` of each violation.
fn check(schema: &str, doc: &str) -> Vec<String> {
    lines(run_with(schema, doc, false, true))
}

fn strict(schema: &str, doc: &str) -> Vec<String> {
    lines(run_with(schema, doc, true, true))
}

fn lines(found: Vec<Violation>) -> Vec<String> {
    found
        .into_iter()
        .map(|v| format!("{}: {}", v.path, v.message))
        .collect()
}

const PORTS: &str = r#"
type: object
properties:
  spec:
    type: object
    properties:
      containers:
        type: array
        items:
          type: object
          properties:
            ports:
              type: array
              items:
                type: object
                properties:
                  containerPort: {type: integer, format: int32}
"#;

#[test]
fn a_type_error_names_the_path_the_position_and_both_types() {
    let doc = "spec:\n  containers:\n  - ports:\n    - containerPort: \"80\"\n";
    let found = run_with(PORTS, doc, false, true);
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    assert_eq!(v.path, "spec.containers[0].ports[0].containerPort");
    assert_eq!(v.message, "expected integer, got string \"80\"");
    assert_eq!(v.pos, Pos::new(4, 22));
    assert_eq!(v.source, "test");
    let ok = "spec:\n  containers:\n  - ports:\n    - containerPort: 80\n";
    assert!(check(PORTS, ok).is_empty());
}

#[test]
fn types_follow_the_api_servers_json() {
    let int = "type: integer";
    assert!(check(int, "3").is_empty());
    assert!(check(int, "3.0").is_empty(), "1.0 marshals as 1");
    assert_eq!(check(int, "3.5"), [": expected integer, got number 3.5"]);
    assert_eq!(check(int, "true"), [": expected integer, got boolean true"]);
    assert_eq!(check(int, ".inf"), [": expected integer, got number .inf"]);
    let number = "type: number";
    assert!(check(number, "3").is_empty());
    assert!(check(number, "3.25").is_empty());
    let string = "type: string";
    assert!(
        check(string, "2024-01-02").is_empty(),
        "timestamps are strings"
    );
    assert_eq!(check(string, "12"), [": expected string, got integer 12"]);
    assert_eq!(check(string, "[a]"), [": expected string, got array"]);
    assert_eq!(
        check("type: boolean", "{a: 1}"),
        [": expected boolean, got object"]
    );
    let list = "type: [string, integer, 'null']";
    assert!(check(list, "x").is_empty());
    assert!(check(list, "~").is_empty());
    assert_eq!(
        check(list, "1.5"),
        [": expected string or integer, got number 1.5"]
    );
}

#[test]
fn null_is_accepted_but_a_null_required_field_is_missing_unless_nullable() {
    let schema = "type: object\nrequired: [a, b]\nproperties:\n  a: {type: string}\n  b: {type: string, nullable: true}\n";
    assert!(check(schema, "a: x\nb: null").is_empty());
    assert_eq!(
        check(schema, "a: null\nb: null"),
        [": missing required field \"a\""]
    );
    assert_eq!(check(schema, "b: x"), [": missing required field \"a\""]);
    assert!(check("type: integer", "null").is_empty());
}

#[test]
fn properties_additional_properties_and_items() {
    let map = "type: object\nadditionalProperties: {type: string}";
    assert!(check(map, "a: x\nb: y").is_empty());
    assert_eq!(
        check(map, "a: x\nb: 2"),
        ["b: expected string, got integer 2"]
    );
    let closed = "type: object\nproperties: {a: {}}\nadditionalProperties: false";
    assert!(check(closed, "a: 1").is_empty());
    assert_eq!(check(closed, "a: 1\nz: 2"), ["z: unknown field \"z\""]);
    let list = "type: array\nitems: {type: integer}";
    assert!(check(list, "[1, 2]").is_empty());
    assert_eq!(
        check(list, "[1, x]"),
        ["[1]: expected integer, got string \"x\""]
    );
    let keyed = "type: object\nadditionalProperties: {type: integer}";
    assert_eq!(
        check(keyed, "example.com/a: x"),
        ["[\"example.com/a\"]: expected integer, got string \"x\""]
    );
}

#[test]
fn enum_compares_as_json_values() {
    let schema = "enum: [Always, IfNotPresent, 3]";
    assert!(check(schema, "Always").is_empty());
    assert!(check(schema, "3.0").is_empty());
    assert_eq!(
        check(schema, "Sometimes"),
        [
            ": must be one of string \"Always\", string \"IfNotPresent\", integer 3; got string \"Sometimes\""
        ]
    );
    assert_eq!(
        check("enum: ['true']", "true").len(),
        1,
        "a bool is not the string"
    );
}

#[test]
fn formats_int32_int64_byte_date_time() {
    assert!(check("type: integer\nformat: int32", "2147483647").is_empty());
    assert_eq!(
        check("type: integer\nformat: int32", "2147483648"),
        [": 2147483648 does not fit in a 32-bit integer (int32)"]
    );
    assert!(check("type: integer\nformat: int64", "-9223372036854775808").is_empty());
    assert_eq!(
        check("type: integer\nformat: int64", "18446744073709551615").len(),
        1
    );
    assert!(check("type: string\nformat: byte", "aGVsbG8=").is_empty());
    assert!(check("type: string\nformat: byte", "|\n  aGVs\n  bG8=\n").is_empty());
    assert_eq!(
        check("type: string\nformat: byte", "not base64!"),
        [": string \"not base64!\" is not valid base64"]
    );
    let dt = "type: string\nformat: date-time";
    assert!(check(dt, "'2024-05-01T10:00:00Z'").is_empty());
    assert!(check(dt, "'2024-05-01T10:00:00.5+02:00'").is_empty());
    assert_eq!(check(dt, "yesterday").len(), 1);
    assert!(
        check("format: double\ntype: number", "1.5").is_empty(),
        "other formats pass"
    );
}

#[test]
fn int_or_string_in_both_spellings() {
    for schema in ["x-kubernetes-int-or-string: true", "format: int-or-string"] {
        assert!(check(schema, "80").is_empty());
        assert!(check(schema, "http").is_empty());
        assert_eq!(
            check(schema, "true"),
            [": expected string or integer, got boolean true"]
        );
        assert_eq!(check(schema, "1.5").len(), 1);
    }
}

#[test]
fn strict_rejects_unknown_fields_where_the_schema_is_closed() {
    let schema = "type: object\nproperties:\n  a: {type: object, properties: {b: {}}}\n  free: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {k: {}}}\n  any: {type: object}\n  open: {type: object, properties: {k: {}}, additionalProperties: true}\n";
    let doc = "a: {b: 1, c: 2}\nfree: {z: 1}\nany: {z: 1}\nopen: {z: 1}\nextra: 1\n";
    assert!(
        check(schema, doc).is_empty(),
        "non-strict drops unknown fields"
    );
    assert_eq!(
        strict(schema, doc),
        ["a.c: unknown field \"c\"", "extra: unknown field \"extra\""]
    );
    let found = run_with(schema, doc, true, true);
    assert_eq!(found[0].pos, Pos::new(1, 11), "the key's position");
}

#[test]
fn embedded_resources_may_carry_type_and_object_meta() {
    let schema = "type: object\nproperties:\n  template:\n    type: object\n    x-kubernetes-embedded-resource: true\n    properties: {spec: {}}\n";
    let doc = "template:\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: x}\n  spec: {}\n";
    assert!(strict(schema, doc).is_empty());
    assert_eq!(
        strict(schema, "template: {spec: {}, status: {}}"),
        ["template.status: unknown field \"status\""]
    );
}

#[test]
fn refs_resolve_to_definitions_and_combine_with_siblings() {
    let schema = "definitions:\n  Port: {type: integer, minimum: 1}\ntype: object\nproperties:\n  port: {$ref: '#/definitions/Port', maximum: 10}\n";
    assert!(check(schema, "port: 5").is_empty());
    assert_eq!(
        check(schema, "port: 0"),
        ["port: 0 is out of range: must be >= 1"]
    );
    assert_eq!(
        check(schema, "port: 11"),
        ["port: 11 is out of range: must be <= 10"]
    );
    let mut catalog = Catalog::default();
    let err = catalog
        .compile_document(&parse("$ref: other.json#/definitions/X"))
        .unwrap_err();
    assert!(err.message.contains("unresolved $ref"), "{err}");
}

#[test]
fn all_of_any_of_one_of() {
    let all = "allOf: [{type: integer}, {minimum: 3}]";
    assert!(check(all, "4").is_empty());
    assert_eq!(check(all, "2"), [": 2 is out of range: must be >= 3"]);
    let any = "anyOf: [{type: string}, {type: integer}]";
    assert!(check(any, "x").is_empty());
    assert!(check(any, "1").is_empty());
    assert_eq!(
        check(any, "[]"),
        [": expected string or integer, got array"]
    );
    let quantity = "oneOf: [{type: [string, 'null']}, {type: [number, 'null']}]";
    assert!(check(quantity, "500m").is_empty());
    assert!(check(quantity, "2").is_empty());
    assert_eq!(
        check(quantity, "true"),
        [": expected string or number, got boolean true"]
    );
    let exclusive = "type: object\noneOf: [{required: [a]}, {required: [b]}]";
    assert!(check(exclusive, "a: 1").is_empty());
    assert_eq!(
        check(exclusive, "a: 1\nb: 2"),
        [": matches 2 of the oneOf alternatives, exactly one allowed"]
    );
    assert_eq!(check(exclusive, "c: 1"), [": missing required field \"a\""]);
}

#[test]
fn numeric_bounds_and_exclusive_bounds() {
    let s = "type: number\nminimum: 0\nexclusiveMinimum: true\nmaximum: 1";
    assert!(check(s, "0.5").is_empty());
    assert!(check(s, "1").is_empty());
    assert_eq!(check(s, "0"), [": 0 is out of range: must be > 0"]);
    assert_eq!(check(s, "2"), [": 2 is out of range: must be <= 1"]);
    let modern = "type: integer\nexclusiveMaximum: 5";
    assert!(check(modern, "4").is_empty());
    assert_eq!(check(modern, "5"), [": 5 is out of range: must be < 5"]);
}

#[test]
fn patterns_use_re2_syntax_unanchored() {
    let interval = r#"{type: string, pattern: '^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$'}"#;
    assert!(check(interval, "1m30s").is_empty());
    assert_eq!(
        check(interval, "5 minutes"),
        [r#": string "5 minutes" does not match the pattern "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$""#]
    );
    assert!(
        check(r"{pattern: '\p{L}'}", "x1").is_empty(),
        "unanchored, unicode classes"
    );
    assert_eq!(check(r"{pattern: '\p{L}'}", "'12'").len(), 1);
    let mut catalog = Catalog::default();
    let err = catalog
        .compile_document(&parse("pattern: '(?=x)'"))
        .unwrap_err();
    assert!(err.message.starts_with("invalid pattern"), "{err}");
}

#[test]
fn lengths_count_characters_and_sizes_count_items() {
    let s = "type: string\nminLength: 2\nmaxLength: 3";
    assert!(check(s, "héé").is_empty(), "characters, not bytes");
    assert_eq!(
        check(s, "a"),
        [": string \"a\" is too short: 1 characters, at least 2"]
    );
    assert_eq!(
        check(s, "abcd"),
        [": string \"abcd\" is too long: 4 characters, at most 3"]
    );
    let a = "type: array\nminItems: 1\nmaxItems: 2";
    assert!(check(a, "[1]").is_empty());
    assert_eq!(check(a, "[]"), [": has 0 items, at least 1 required"]);
    assert_eq!(check(a, "[1, 2, 3]"), [": has 3 items, at most 2 allowed"]);
    let o = "type: object\nminProperties: 1\nmaxProperties: 1";
    assert!(check(o, "{a: 1}").is_empty());
    assert_eq!(check(o, "{}"), [": has 0 fields, at least 1 required"]);
}

#[test]
fn unquoted_values_when_asked() {
    let found = run_with("type: string\nformat: byte", "'s3cr3t!'", false, false);
    assert_eq!(found[0].message, "a string is not valid base64");
    let found = run_with("type: integer", "'hunter2'", false, false);
    assert_eq!(found[0].message, "expected integer, got a string");
}

#[test]
fn ref_cycles_are_bounded() {
    let schema = "definitions:\n  A: {$ref: '#/definitions/A'}\n$ref: '#/definitions/A'";
    let found = check(schema, "1");
    assert_eq!(found, [": schema nesting too deep (a $ref cycle?)"]);
}

#[test]
fn exponential_alternatives_are_cut_off() {
    let schema = "definitions:\n  A: {oneOf: [{$ref: '#/definitions/A'}, {$ref: '#/definitions/A'}]}\n$ref: '#/definitions/A'";
    assert_eq!(
        lines(run_within(schema, "1", false, true, 10_000)),
        [": validation stopped after 10000 steps: the schema is too complex"]
    );
}
