//! Reads YAML the way sops' YAML store does (go-yaml v3 nodes turned into a tree): scalars typed
//! by go-yaml v3, anchors expanded, `<<` an ordinary key, and comments kept as tree items where
//! go-yaml attaches them (head comments before their item, inline comments before the item that
//! starts on their line, trailing comments at the end of the collection they are indented in).
//!
//! saphyr-parser drops comments, so they are found by scanning the source outside the scalars'
//! spans and placed by position.

use std::collections::HashMap;

use base64::Engine as _;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::yaml_comments::{Comment, attach_points, scalar_end, scan_comments};
use crate::sops::error::SopsError;
use crate::sops::tree::{Item, Value};
use crate::yaml::Pos;
use crate::yaml::parse::scalar_node;
use crate::yaml::resolve::Resolved;

/// Nesting limit.
const MAX_DEPTH: usize = 256;
/// Total nodes an alias expansion may produce (guards against "billion laughs").
const MAX_NODES: usize = 1_000_000;

fn syntax(line: usize, col: usize, message: impl Into<String>) -> SopsError {
    SopsError::Syntax {
        format: "YAML",
        line: line as u32,
        col: col as u32 + 1,
        message: message.into(),
    }
}

struct Builder<'e, 'a> {
    events: &'e [(Event<'a>, Span)],
    src_chars: Vec<char>,
    pos: usize,
    /// Comments placed by position (head, trailing), in source order.
    floating: Vec<Comment>,
    next_floating: usize,
    /// Inline comments, by the event index of the item they go before.
    inline: HashMap<usize, Vec<String>>,
    anchors: HashMap<usize, Value>,
    nodes: usize,
}

impl Builder<'_, '_> {
    fn span(&self) -> Span {
        self.events[self.pos].1
    }

    /// Takes the floating comments before char index `before` (only those indented at least
    /// `min_col` when given, stopping at the first that is not).
    fn take_comments(&mut self, before: usize, min_col: Option<usize>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(c) = self.floating.get(self.next_floating) {
            if c.at >= before || min_col.is_some_and(|m| c.col < m) {
                break;
            }
            out.push(std::mem::take(&mut self.floating[self.next_floating].text));
            self.next_floating += 1;
        }
        out
    }

    /// Takes the block of floating comments before `before` indented at least `min_col`,
    /// stopping at a blank line between them.
    fn take_block(&mut self, before: usize, min_col: usize) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(c) = self.floating.get(self.next_floating) {
            if c.at >= before || c.col < min_col || (!out.is_empty() && c.after_blank) {
                break;
            }
            out.push(std::mem::take(&mut self.floating[self.next_floating].text));
            self.next_floating += 1;
        }
        out
    }

    /// The trailing comments of a block collection ending at `end` (go-yaml's foot comments):
    /// a mapping keeps those indented like its keys; a collection that is the value of a key
    /// at column `key_col` also takes the comment block indented at least like that key when
    /// the next token is less indented (a sequence only then, as its dashes may sit at the key's
    /// column).
    fn trailing(
        &mut self,
        end: Span,
        indent: Option<usize>,
        key_col: Option<usize>,
        is_map: bool,
    ) -> Vec<String> {
        let before = end.start.index();
        let Some(indent) = indent else {
            return self.take_comments(before, None);
        };
        let own = if is_map || key_col.is_none() {
            self.take_comments(before, Some(indent))
        } else {
            Vec::new()
        };
        match key_col {
            Some(k) if own.is_empty() && end.start.col() < k => self.take_block(before, k),
            _ => own,
        }
    }

    /// Comments that go before the item starting at the current event.
    fn comments_before_item(&mut self) -> Vec<String> {
        let mut out = self.take_comments(self.span().start.index(), None);
        if let Some(inline) = self.inline.remove(&self.pos) {
            out.extend(inline);
        }
        out
    }

    fn count(&mut self, n: usize) -> Result<(), SopsError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            let s = self.span();
            return Err(syntax(
                s.start.line(),
                s.start.col(),
                format!("the document expands to more than {MAX_NODES} nodes"),
            ));
        }
        Ok(())
    }

    fn node(&mut self, depth: usize, key_col: Option<usize>) -> Result<Value, SopsError> {
        let span = self.span();
        if depth > MAX_DEPTH {
            return Err(syntax(
                span.start.line(),
                span.start.col(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        let (value, anchor) = match &self.events[self.pos].0 {
            Event::Scalar(text, style, anchor, tag) => {
                self.pos += 1;
                self.count(1)?;
                (scalar(text, *style, tag.as_deref(), span)?, *anchor)
            }
            Event::Alias(id) => {
                self.pos += 1;
                let v =
                    self.anchors.get(id).cloned().ok_or_else(|| {
                        syntax(span.start.line(), span.start.col(), "unknown anchor")
                    })?;
                self.count(size(&v))?;
                (v, 0)
            }
            Event::MappingStart(anchor, _) => {
                let anchor = *anchor;
                let line_comments = self.inline.remove(&self.pos).unwrap_or_default();
                self.pos += 1;
                let mut items: Vec<Item> = line_comments.into_iter().map(Item::Comment).collect();
                items.extend(self.mapping(span, depth, key_col)?);
                (Value::Map(items), anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let anchor = *anchor;
                let line_comments = self.inline.remove(&self.pos).unwrap_or_default();
                self.pos += 1;
                let mut list: Vec<Value> = line_comments.into_iter().map(Value::Comment).collect();
                list.extend(self.sequence(span, depth, key_col)?);
                (Value::List(list), anchor)
            }
            _ => {
                return Err(syntax(
                    span.start.line(),
                    span.start.col(),
                    "unexpected YAML event",
                ));
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }

    /// The column below which a trailing comment no longer belongs to this collection
    /// (`None` for flow collections, which own every comment inside them).
    fn indent_of(&self, start: Span) -> Option<usize> {
        let flow = matches!(self.src_chars.get(start.start.index()), Some('{' | '['));
        (!flow).then(|| start.start.col())
    }

    fn mapping(
        &mut self,
        start: Span,
        depth: usize,
        key_col: Option<usize>,
    ) -> Result<Vec<Item>, SopsError> {
        let indent = self.indent_of(start);
        let mut items = Vec::new();
        loop {
            let span = self.span();
            if matches!(self.events[self.pos].0, Event::MappingEnd) {
                items.extend(
                    self.trailing(span, indent, key_col, true)
                        .into_iter()
                        .map(Item::Comment),
                );
                self.pos += 1;
                return Ok(items);
            }
            items.extend(self.comments_before_item().into_iter().map(Item::Comment));
            let key = match &self.events[self.pos].0 {
                Event::Scalar(text, style, _, tag) => {
                    match scalar(text, *style, tag.as_deref(), span)? {
                        Value::Str(s) => {
                            self.node(depth + 1, None)?;
                            s
                        }
                        other => {
                            return Err(SopsError::UnsupportedStore {
                                what: format!(
                                    "line {}, column {}: the key `{text}` is a {}; sops only supports string keys (quote it)",
                                    span.start.line(),
                                    span.start.col() + 1,
                                    other.type_name()
                                ),
                            });
                        }
                    }
                }
                _ => {
                    return Err(SopsError::UnsupportedStore {
                        what: format!(
                            "line {}, column {}: complex mapping keys are not supported by sops",
                            span.start.line(),
                            span.start.col() + 1
                        ),
                    });
                }
            };
            if matches!(self.events[self.pos].0, Event::Scalar(..) | Event::Alias(_)) {
                let before = self.take_comments(self.span().start.index(), None);
                items.extend(before.into_iter().map(Item::Comment));
            }
            let value = self.node(depth + 1, indent)?;
            items.push(Item::Entry(key, value));
        }
    }

    fn sequence(
        &mut self,
        start: Span,
        depth: usize,
        key_col: Option<usize>,
    ) -> Result<Vec<Value>, SopsError> {
        let indent = self.indent_of(start);
        let mut list = Vec::new();
        loop {
            let span = self.span();
            if matches!(self.events[self.pos].0, Event::SequenceEnd) {
                list.extend(
                    self.trailing(span, indent, key_col, false)
                        .into_iter()
                        .map(Value::Comment),
                );
                self.pos += 1;
                return Ok(list);
            }
            list.extend(self.comments_before_item().into_iter().map(Value::Comment));
            list.push(self.node(depth + 1, None)?);
        }
    }
}

fn size(v: &Value) -> usize {
    match v {
        Value::Map(items) => {
            1 + items
                .iter()
                .map(|i| {
                    if let Item::Entry(_, v) = i {
                        1 + size(v)
                    } else {
                        1
                    }
                })
                .sum::<usize>()
        }
        Value::List(l) => 1 + l.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// Types a scalar as go-yaml v3 decodes it into `interface{}`.
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<Value, SopsError> {
    let (line, col) = (span.start.line(), span.start.col());
    if let Some(tag) = tag
        && (tag.handle == "!!" || tag.is_yaml_core_schema())
        && tag.suffix == "binary"
    {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(clean)
            .map_err(|_| syntax(line, col, "!!binary value is not base64"))?;
        return Ok(match String::from_utf8(bytes) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        });
    }
    let pos = Pos::new(line as u32, col as u32 + 1);
    let resolved = scalar_node(text, style, tag, pos).map_err(|e| syntax(line, col, e.message))?;
    use crate::yaml::Value as Y;
    Ok(match resolved {
        Resolved::Merge => Value::Str(text.to_owned()),
        Resolved::Value(v) => match v {
            Y::Null => Value::Null,
            Y::Bool(b) => Value::Bool(b),
            Y::Int(i) => Value::Int(i),
            Y::UInt(_) => {
                return Err(SopsError::UnsupportedStore {
                    what: format!(
                        "line {line}, column {}: cannot walk value, unknown type: uint64 (`{text}` does not fit a signed 64-bit integer)",
                        col + 1
                    ),
                });
            }
            Y::Float(f) => Value::Float(f),
            Y::Timestamp(t) => Value::Time(t),
            Y::Str(s) => Value::Str(s),
            Y::Seq(_) | Y::Map(_) => Value::Null,
        },
    })
}

/// Parses every document of a YAML stream into one branch each (the `sops` entry included).
pub fn read(input: &[u8]) -> Result<Vec<Vec<Item>>, SopsError> {
    let src = std::str::from_utf8(input)
        .map_err(|e| syntax(1, 0, format!("the file is not UTF-8 ({e})")))?;
    let mut events = Vec::new();
    let mut parser = Parser::new_from_str(src);
    while let Some(ev) = parser.next_event() {
        let (ev, span) =
            ev.map_err(|e| syntax(e.marker().line(), e.marker().col(), e.info().to_owned()))?;
        events.push((ev, span));
    }
    let chars: Vec<char> = src.chars().collect();
    let covered: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|(e, span)| match e {
            Event::Scalar(_, style, ..) => {
                Some((span.start.index(), scalar_end(&chars, *span, *style)))
            }
            _ => None,
        })
        .collect();
    let points = attach_points(&events, &chars);
    let mut floating = Vec::new();
    let mut inline: HashMap<usize, Vec<String>> = HashMap::new();
    // Per line, the attach point that starts last (the outermost of those starting together).
    let mut last_start_on_line: HashMap<usize, usize> = HashMap::new();
    for (i, (_, span)) in events.iter().enumerate() {
        if points[i].is_none() {
            continue;
        }
        let line = span.start.line();
        let later = last_start_on_line
            .get(&line)
            .is_none_or(|&j| events[j].1.start.index() < span.start.index());
        if later {
            last_start_on_line.insert(line, i);
        }
    }
    for (comment, alone, line) in scan_comments(src, &covered) {
        match last_start_on_line.get(&line) {
            Some(&ev) if !alone && events[ev].1.start.index() < comment.at => {
                inline.entry(ev).or_default().push(comment.text)
            }
            _ => floating.push(comment),
        }
    }
    let mut b = Builder {
        events: &events,
        src_chars: chars,
        pos: 0,
        floating,
        next_floating: 0,
        inline,
        anchors: HashMap::new(),
        nodes: 0,
    };
    let mut branches = Vec::new();
    while b.pos < events.len() {
        match &events[b.pos].0 {
            Event::DocumentStart(_) => {
                b.pos += 1;
                let span = b.span();
                let mut branch = match &events[b.pos].0 {
                    Event::DocumentEnd => Vec::new(),
                    Event::MappingStart(..) => match b.node(0, None)? {
                        Value::Map(items) => items,
                        _ => Vec::new(),
                    },
                    Event::Scalar(..) => match b.node(0, None)? {
                        Value::Null => Vec::new(),
                        _ => {
                            return Err(SopsError::UnsupportedStore {
                                what: format!(
                                    "line {}: YAML documents that are values are not supported by sops",
                                    span.start.line()
                                ),
                            });
                        }
                    },
                    _ => {
                        return Err(SopsError::UnsupportedStore {
                            what: format!(
                                "line {}: YAML documents that are sequences are not supported by sops",
                                span.start.line()
                            ),
                        });
                    }
                };
                let end = b.span().start.index();
                branch.extend(b.take_comments(end, None).into_iter().map(Item::Comment));
                branches.push(branch);
            }
            _ => b.pos += 1,
        }
    }
    Ok(branches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Vec<Item> {
        read(src.as_bytes()).unwrap().remove(0)
    }

    fn c(s: &str) -> Item {
        Item::Comment(s.into())
    }

    #[test]
    fn comments_are_placed_like_go_yaml() {
        let items = one(
            "# head\na: 1 # inline\n# before b\nb:\n  x: '# not'\n  # trailing in b\n# before c\nc:\n  - p\n  # in list\n  - q\n",
        );
        assert_eq!(items[0], c(" head"));
        assert_eq!(items[1], c(" inline"));
        assert!(matches!(&items[2], Item::Entry(k, Value::Int(1)) if k == "a"));
        assert_eq!(items[3], c(" before b"));
        let Item::Entry(_, Value::Map(b)) = &items[4] else {
            panic!("b is a map")
        };
        assert_eq!(b[0], Item::Entry("x".into(), Value::Str("# not".into())));
        assert_eq!(b[1], c(" trailing in b"));
        assert_eq!(items[5], c(" before c"));
        let Item::Entry(_, Value::List(l)) = &items[6] else {
            panic!("c is a list")
        };
        assert_eq!(
            l,
            &vec![
                Value::Str("p".into()),
                Value::Comment(" in list".into()),
                Value::Str("q".into())
            ]
        );
    }

    /// Placements observed with sops 3.11.0 (go-yaml v3) on the same inputs.
    #[test]
    fn foot_comments_follow_go_yaml() {
        let items = one(
            "b:\n    d:\n        - x\n        # in list\n    # foot of d\ne: 1\nf:\n    g:\n        - y\n    # head of h\n    h: 2\ni:\n    - - w\n      # inner\n    # to root\nj: 1\nk:\n    l:\n        m: 1\n    # into l\nn: 1\n",
        );
        let get = |items: &[Item], k: &str| crate::sops::tree::lookup(items, k).cloned().unwrap();
        let Value::Map(b) = get(&items, "b") else {
            panic!("b")
        };
        assert_eq!(
            get(&b, "d"),
            Value::List(vec![
                Value::Str("x".into()),
                Value::Comment(" in list".into()),
                Value::Comment(" foot of d".into())
            ])
        );
        let Value::Map(f) = get(&items, "f") else {
            panic!("f")
        };
        assert_eq!(f[1], c(" head of h"));
        let Value::List(i) = get(&items, "i") else {
            panic!("i")
        };
        assert_eq!(
            i[0],
            Value::List(vec![
                Value::Str("w".into()),
                Value::Comment(" inner".into())
            ])
        );
        assert!(items.contains(&c(" to root")));
        let Value::Map(k) = get(&items, "k") else {
            panic!("k")
        };
        assert_eq!(
            get(&k, "l"),
            Value::Map(vec![Item::Entry("m".into(), Value::Int(1)), c(" into l")])
        );
    }

    #[test]
    fn inline_comments_on_flow_values_and_item_mappings() {
        let items = one("e: [1, 2]  # flow\nf:\n  - name: n1  # on item\nh: \"q # no\"   # real\n");
        assert_eq!(
            items[0],
            Item::Entry(
                "e".into(),
                Value::List(vec![
                    Value::Comment(" flow".into()),
                    Value::Int(1),
                    Value::Int(2)
                ])
            )
        );
        let Item::Entry(_, Value::List(f)) = &items[1] else {
            panic!("f")
        };
        assert_eq!(f[0], Value::Comment(" on item".into()));
        assert_eq!(items[2], c(" real"));
        assert_eq!(
            items[3],
            Item::Entry("h".into(), Value::Str("q # no".into()))
        );
    }

    #[test]
    fn typing_and_block_scalars() {
        let items =
            one("i: 0x1F\nf: 1.50\nt: 2024-01-15\ns: \"12\"\nb: |\n  a # no\nm: !!binary aGk=\n");
        let vals: Vec<&Value> = items
            .iter()
            .filter_map(|i| {
                if let Item::Entry(_, v) = i {
                    Some(v)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(vals[0], &Value::Int(31));
        assert_eq!(vals[1], &Value::Float(1.5));
        assert_eq!(vals[2], &Value::Time("2024-01-15T00:00:00Z".into()));
        assert_eq!(vals[3], &Value::Str("12".into()));
        assert_eq!(vals[4], &Value::Str("a # no\n".into()));
        assert_eq!(vals[5], &Value::Str("hi".into()));
        assert_eq!(
            items.len(),
            6,
            "no comment was found inside the block scalar"
        );
    }

    #[test]
    fn unsupported_shapes() {
        assert!(matches!(
            read(b"- a\n"),
            Err(SopsError::UnsupportedStore { .. })
        ));
        assert!(matches!(
            read(b"1: a\n"),
            Err(SopsError::UnsupportedStore { .. })
        ));
        assert!(matches!(
            read(b"a: 18446744073709551615\n"),
            Err(SopsError::UnsupportedStore { .. })
        ));
        assert!(matches!(read(b"a: [\n"), Err(SopsError::Syntax { .. })));
        let docs = read(b"a: &x {k: v}\nb: *x\n<<: 1\n---\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0][1],
            Item::Entry(
                "b".into(),
                Value::Map(vec![Item::Entry("k".into(), Value::Str("v".into()))])
            )
        );
        assert!(matches!(&docs[0][2], Item::Entry(k, _) if k == "<<"));
        assert!(docs[1].is_empty());
    }
}
