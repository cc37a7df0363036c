//! Reads a YAML stream into typed [`Node`] trees with positions, expanding anchors, aliases and
//! `<<` merge keys, within [`Limits`].

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::escapes::{SourceIndex, rewrite_quote_escape, unknown_go_escape};
use super::limits::Limits;
use super::resolve::{Resolved, resolve_number, resolve_plain};
use super::timestamp;
use super::value::{Mapping, Node, Pos, Value};

/// One document of a YAML stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The root node.
    pub root: Node,
    /// Zero-based index of the document in its stream (empty documents count).
    pub index: usize,
}

/// A YAML syntax or limit error at a position.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl YamlError {
    fn new(message: impl Into<String>, pos: Pos) -> Self {
        YamlError {
            message: message.into(),
            pos,
            hint: None,
        }
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Parses every document of `src`. Empty documents (`---` alone, or a stream of comments) are
/// returned with a null root so callers can skip them.
pub fn parse_stream(src: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    if src.len() > limits.max_file_bytes {
        return Err(YamlError::new(
            format!(
                "file is {} bytes, over the limit of {} bytes",
                src.len(),
                limits.max_file_bytes
            ),
            Pos::new(1, 1),
        )
        .with_hint("raise the limit with --max-file-size if this file is legitimate"));
    }
    let mut rewritten: Option<String> = None;
    for _ in 0..MAX_QUOTE_REWRITES {
        let text = rewritten.as_deref().unwrap_or(src);
        match parse_events(text, limits) {
            Err(Failure::Scan(e)) if e.info().contains("unknown escape") => {
                // go-yaml accepts `\'` in double quotes; YAML 1.2 parsers do not.
                let m = *e.marker();
                let quote = SourceIndex::new(text).byte_offset(m.index(), m.line(), m.col());
                match rewrite_quote_escape(text, quote) {
                    Some(fixed) => rewritten = Some(fixed),
                    None => return Err(scan_error(e)),
                }
            }
            Err(Failure::Scan(e)) => return Err(scan_error(e)),
            Err(Failure::Yaml(e)) => return Err(e),
            Ok(docs) => return Ok(docs),
        }
    }
    Err(YamlError::new(
        format!("more than {MAX_QUOTE_REWRITES} `\\'` escapes in one file"),
        Pos::new(1, 1),
    )
    .with_hint("write `'` without the backslash inside double quotes"))
}

/// How many `\'` escapes one file may hold (each costs a re-parse).
const MAX_QUOTE_REWRITES: usize = 64;

enum Failure {
    Scan(ScanError),
    Yaml(YamlError),
}

fn parse_events(src: &str, limits: &Limits) -> Result<Vec<Document>, Failure> {
    let mut builder = Builder::new(limits);
    let mut index = SourceIndex::new(src);
    let mut parser = Parser::new_from_str(src);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(Failure::Scan)?;
        let pos = Pos::new(span.start.line() as u32, span.start.col() as u32 + 1);
        if let Event::Scalar(text, ScalarStyle::DoubleQuoted, ..) = &event
            && text.contains('/')
        {
            let s = span.start;
            let start = index.byte_offset(s.index(), s.line(), s.col());
            if let Some(at) = unknown_go_escape(&src[start..]) {
                let col = src[start..start + at].chars().count() as u32;
                return Err(Failure::Yaml(
                    YamlError::new(
                        "found unknown escape character `\\/`",
                        Pos::new(pos.line, pos.col + col),
                    )
                    .with_hint("kustomize's YAML reader does not accept `\\/`; write `/`"),
                ));
            }
        }
        let event = match event {
            // A block scalar ending the file without a line break has no final line break
            // (go-yaml); the scanner adds one.
            Event::Scalar(text, style @ (ScalarStyle::Literal | ScalarStyle::Folded), a, t)
                if text.ends_with('\n') && !src.ends_with('\n') && {
                    let e = span.end;
                    let end = index.byte_offset(e.index(), e.line(), e.col());
                    src.get(end..)
                        .is_some_and(|rest| rest.trim_matches(' ').is_empty())
                } =>
            {
                let mut text = text.into_owned();
                text.pop();
                Event::Scalar(text.into(), style, a, t)
            }
            other => other,
        };
        builder.on_event(event, pos).map_err(Failure::Yaml)?;
    }
    Ok(builder.docs)
}

fn scan_error(e: ScanError) -> YamlError {
    let m = e.marker();
    let pos = Pos::new(m.line() as u32, m.col() as u32 + 1);
    if e.info().contains("recursion limit") {
        return YamlError::new(
            "nesting deeper than the YAML parser's limit of 256 flow levels",
            pos,
        )
        .with_hint("flatten the document");
    }
    YamlError::new(
        format!("invalid YAML: {}", e.info()),
        Pos::new(m.line() as u32, m.col() as u32 + 1),
    )
    .with_hint("check indentation, quotes and brackets around this position")
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        count: usize,
    },
    Map {
        map: Mapping,
        key: Option<Node>,
        pos: Pos,
        anchor: usize,
        count: usize,
        merges: Vec<Node>,
        merge_pending: bool,
    },
}

struct Builder<'l> {
    limits: &'l Limits,
    docs: Vec<Document>,
    stack: Vec<Frame>,
    /// Completed anchored nodes of the current document with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    root: Option<Node>,
    doc_index: usize,
}

impl<'l> Builder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Builder {
            limits,
            docs: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            root: None,
            doc_index: 0,
        }
    }

    fn on_event(&mut self, event: Event<'_>, pos: Pos) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
                self.root = None;
            }
            Event::DocumentEnd => {
                let root = self
                    .root
                    .take()
                    .unwrap_or_else(|| Node::at(Value::Null, pos));
                self.docs.push(Document {
                    root,
                    index: self.doc_index,
                });
                self.doc_index += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = scalar_node(&text, style, tag.as_deref(), pos)?;
                match node {
                    Resolved::Merge => self.merge_key(pos)?,
                    Resolved::Value(value) => {
                        let mut node = Node::at(value, pos);
                        if style == ScalarStyle::Plain && tag.is_none() {
                            node.raw = raw_text(&node.value, &text);
                        }
                        self.finish(node, anchor, 1)?
                    }
                }
            }
            Event::Alias(id) => {
                let (node, count) = self.anchors.get(&id).cloned().ok_or_else(|| {
                    YamlError::new("alias refers to an anchor that is not complete", pos)
                        .with_hint("an alias cannot point into the node that defines its anchor")
                })?;
                self.alias_nodes += count;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(YamlError::new(
                        format!(
                            "aliases expand to more than {} nodes (a \"billion laughs\" document?)",
                            self.limits.max_alias_nodes
                        ),
                        pos,
                    )
                    .with_hint("remove the nested aliases, or raise --max-alias-nodes"));
                }
                let mut node = node;
                node.pos = pos;
                self.finish_alias(node, count)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(pos)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                    count: 1,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(pos)?;
                self.stack.push(Frame::Map {
                    map: Mapping::default(),
                    key: None,
                    pos,
                    anchor,
                    count: 1,
                    merges: Vec::new(),
                    merge_pending: false,
                });
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    pos,
                    anchor,
                    count,
                }) => self.finish(Node::at(Value::Seq(items), pos), anchor, count)?,
                _ => return Err(YamlError::new("unbalanced sequence end", pos)),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    map,
                    pos,
                    anchor,
                    count,
                    merges,
                    ..
                }) => {
                    let map = apply_merges(map, merges);
                    self.finish(Node::at(Value::Map(map), pos), anchor, count)?
                }
                _ => return Err(YamlError::new("unbalanced mapping end", pos)),
            },
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn check_depth(&self, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError::new(
                format!("nesting deeper than {} levels", self.limits.max_depth),
                pos,
            )
            .with_hint("flatten the document, or raise --max-depth"));
        }
        Ok(())
    }

    /// A `<<` key: the next value completes a merge instead of an entry.
    fn merge_key(&mut self, pos: Pos) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            Some(Frame::Map {
                key: None,
                merge_pending,
                ..
            }) => {
                *merge_pending = true;
                Ok(())
            }
            _ => Err(YamlError::new(
                "merge key `<<` used outside a mapping key",
                pos,
            )),
        }
    }

    fn finish_alias(&mut self, node: Node, count: usize) -> Result<(), YamlError> {
        self.attach(node, count)
    }

    fn finish(&mut self, node: Node, anchor: usize, count: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
        self.attach(node, count)
    }

    /// Hands a completed node to its parent (or makes it the document root).
    fn attach(&mut self, node: Node, count: usize) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
            }
            Some(Frame::Seq {
                items, count: c, ..
            }) => {
                *c += count;
                items.push(node);
            }
            Some(Frame::Map {
                map,
                key,
                count: c,
                merges,
                merge_pending,
                ..
            }) => {
                *c += count;
                if *merge_pending {
                    *merge_pending = false;
                    check_merge_value(&node)?;
                    merges.push(node);
                } else if let Some(k) = key.take() {
                    map.entries.push((k, node));
                } else {
                    *key = Some(node);
                }
            }
        }
        Ok(())
    }
}

/// The source spelling of a plain scalar, kept when it differs from the canonical text.
#[allow(clippy::box_collection)] // a thin pointer keeps every Node 8 bytes smaller
fn raw_text(value: &Value, text: &str) -> Option<Box<String>> {
    let canonical = match value {
        Value::Str(_) => return None,
        Value::Null => text == "null",
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Int(i) => i.to_string() == text,
        Value::UInt(u) => u.to_string() == text,
        Value::Float(_) | Value::Timestamp(_) => false,
        Value::Seq(_) | Value::Map(_) => true,
    };
    (!canonical).then(|| Box::new(text.to_owned()))
}

fn check_merge_value(node: &Node) -> Result<(), YamlError> {
    let ok = match &node.value {
        Value::Map(_) => true,
        Value::Seq(items) => items.iter().all(|i| matches!(i.value, Value::Map(_))),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(YamlError::new(
            "map merge requires a mapping or a sequence of mappings as the value of `<<`",
            node.pos,
        ))
    }
}

/// Applies `<<` merges: keys written in the mapping win; among merged mappings the first wins.
fn apply_merges(mut map: Mapping, merges: Vec<Node>) -> Mapping {
    if merges.is_empty() {
        return map;
    }
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let sources = merges.into_iter().flat_map(|m| match m.value {
        Value::Map(inner) => vec![inner],
        Value::Seq(items) => items
            .into_iter()
            .filter_map(|i| match i.value {
                Value::Map(inner) => Some(inner),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    });
    for source in sources {
        for (k, v) in source.entries {
            let present = map
                .entries
                .iter()
                .chain(merged.iter())
                .any(|(e, _)| e.value == k.value);
            if !present {
                merged.push((k, v));
            }
        }
    }
    merged.append(&mut map.entries);
    map.entries = merged;
    map
}

pub(crate) fn scalar_node(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    pos: Pos,
) -> Result<Resolved, YamlError> {
    if let Some(tag) = tag {
        return tagged_scalar(text, tag, pos).map(Resolved::Value);
    }
    Ok(match style {
        ScalarStyle::Plain => resolve_plain(text),
        _ => Resolved::Value(Value::Str(text.to_owned())),
    })
}

/// A scalar with an explicit tag: core-schema tags are checked, other tags leave a string.
fn tagged_scalar(text: &str, tag: &Tag, pos: Pos) -> Result<Value, YamlError> {
    let core = tag.handle == "!!" || tag.is_yaml_core_schema();
    if !core {
        return Ok(Value::Str(text.to_owned()));
    }
    let resolved = match resolve_plain(text) {
        Resolved::Value(v) => v,
        Resolved::Merge => Value::Str(text.to_owned()),
    };
    let mismatch = || YamlError::new(format!("cannot decode `{text}` as !!{}", tag.suffix), pos);
    match tag.suffix.as_str() {
        "str" => Ok(Value::Str(text.to_owned())),
        "null" => matches!(resolved, Value::Null)
            .then_some(Value::Null)
            .ok_or_else(mismatch),
        "bool" => matches!(resolved, Value::Bool(_))
            .then_some(resolved)
            .ok_or_else(mismatch),
        "int" => resolve_number(text)
            .filter(|v| matches!(v, Value::Int(_) | Value::UInt(_)))
            .ok_or_else(mismatch),
        "float" => match resolved {
            Value::Int(i) => Ok(Value::Float(i as f64)),
            Value::UInt(u) => Ok(Value::Float(u as f64)),
            Value::Float(_) => Ok(resolved),
            _ => Err(mismatch()),
        },
        "timestamp" => timestamp::parse(text)
            .map(|t| Value::Timestamp(t.to_rfc3339()))
            .ok_or_else(mismatch),
        _ => Ok(Value::Str(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Vec<Document>, YamlError> {
        parse_stream(src, &Limits::default())
    }

    fn one(src: &str) -> Node {
        parse(src).unwrap().remove(0).root
    }

    #[test]
    fn multi_document_with_positions() {
        let docs = parse("a: 1\n---\n# only a comment\n---\nb:\n  - x\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].root.is_null());
        let b = docs[2].root.get("b").unwrap();
        assert_eq!(b.pos, Pos::new(6, 3));
        assert_eq!(b.as_seq().unwrap()[0].pos, Pos::new(6, 5));
    }

    #[test]
    fn typing_of_scalars() {
        let n = one("a: yes\nb: True\nc: '123'\nd: 0755\ne: ~\nf: !!str 12\ng: !custom 7\n");
        assert_eq!(n.get("a").unwrap().value, Value::Str("yes".into()));
        assert_eq!(n.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(n.get("c").unwrap().value, Value::Str("123".into()));
        assert_eq!(n.get("d").unwrap().value, Value::Int(493));
        assert_eq!(n.get("e").unwrap().value, Value::Null);
        assert_eq!(n.get("f").unwrap().value, Value::Str("12".into()));
        assert_eq!(n.get("g").unwrap().value, Value::Str("7".into()));
    }

    #[test]
    fn aliases_and_merge_keys() {
        let n = one(
            "a: &x {b: 1, c: 2}\nd: *x\nm:\n  <<: *x\n  c: 3\nl:\n  <<: [{p: 1}, {p: 2, q: 2}]\n",
        );
        assert_eq!(
            n.get("d"),
            n.get("a")
                .map(|a| Node {
                    raw: None,
                    pos: n.get("d").unwrap().pos,
                    ..a.clone()
                })
                .as_ref()
        );
        let m = n.get("m").unwrap();
        assert_eq!(m.get("b").unwrap().value, Value::Int(1));
        assert_eq!(m.get("c").unwrap().value, Value::Int(3));
        assert_eq!(m.as_map().unwrap().len(), 2);
        let l = n.get("l").unwrap();
        assert_eq!(l.get("p").unwrap().value, Value::Int(1));
        assert_eq!(l.get("q").unwrap().value, Value::Int(2));
    }

    #[test]
    fn billion_laughs_fails_fast() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            src.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let start = std::time::Instant::now();
        let err = parse(&src).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn depth_and_size_limits() {
        let flow = "[".repeat(2000);
        let err = parse(&flow).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{err:?}");
        let block: String = (0..400)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let err = parse(&block).unwrap_err();
        assert!(err.message.contains("nesting deeper than 256"), "{err:?}");
        let limits = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        let err = parse_stream("a: 1234", &limits).unwrap_err();
        assert!(err.message.contains("over the limit"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: 'open\nb: 1\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"));
        assert!(err.pos.line >= 1);
        let err = parse("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(err.pos.line, 3, "{err:?}");
    }

    #[test]
    fn plain_scalars_keep_their_spelling() {
        let n = one("a: 0x1F\nb: 1.50\nc: ~\nd: 2024-01-01\ne: 12\nf: True\ng: '0x1F'\nh: -0\n");
        let text = |k: &str| n.get(k).unwrap().text().unwrap().into_owned();
        assert_eq!(text("a"), "0x1F");
        assert_eq!(text("b"), "1.50");
        assert_eq!(text("c"), "~");
        assert_eq!(text("d"), "2024-01-01");
        assert_eq!(text("e"), "12");
        assert!(
            n.get("e").unwrap().raw.is_none(),
            "canonical spellings are not stored"
        );
        assert_eq!(text("f"), "True");
        assert_eq!(text("g"), "0x1F");
        assert_eq!(text("h"), "-0");
    }

    #[test]
    fn go_yaml_escape_dialect() {
        let err = parse("a: \"x\\/y\"\n").unwrap_err();
        assert!(err.message.contains("unknown escape"), "{err:?}");
        assert_eq!(err.pos, Pos::new(1, 6));
        let n = one("a: \"it\\'s\"\nb: \"é\\'\"\n");
        assert_eq!(n.get("a").unwrap().value, Value::Str("it's".into()));
        assert_eq!(n.get("b").unwrap().value, Value::Str("é'".into()));
        assert_eq!(
            one("a: \"x/y\"\n").get("a").unwrap().value,
            Value::Str("x/y".into())
        );
    }

    #[test]
    fn bad_merge_values_and_tags() {
        assert!(parse("a:\n  <<: 1\n").is_err());
        assert!(parse("a: !!int abc\n").is_err());
        assert_eq!(
            one("a: !!float 1\n").get("a").unwrap().value,
            Value::Float(1.0)
        );
    }
}
