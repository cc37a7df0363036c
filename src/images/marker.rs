//! Finds `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}` markers and the exact bytes of the
//! scalar each one annotates.
//!
//! As in kyaml's setters, a marker is the line comment of a scalar: the comment's text after its
//! leading `#`s must be a JSON object whose `$imagepolicy` member names the setter. The annotated
//! scalar is the last mapping value or sequence item that ends on the comment's line before the
//! `#` (block or flow style, plain or quoted). Every document of a multi-document file is read.

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::yaml::escapes::SourceIndex;
use crate::yaml::{Pos, YamlError};

/// Which part of the policy's latest image a marker sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The whole reference `NAME:TAG` (`NS:NAME`).
    Image,
    /// Only the tag (`NS:NAME:tag`).
    Tag,
    /// Only the image name (`NS:NAME:name`).
    Name,
    /// Only the digest (`NS:NAME:digest`).
    Digest,
}

impl Field {
    /// The marker suffix (`""`, `":tag"`, `":name"`, `":digest"`).
    pub fn suffix(self) -> &'static str {
        match self {
            Field::Image => "",
            Field::Tag => ":tag",
            Field::Name => ":name",
            Field::Digest => ":digest",
        }
    }
}

/// A parsed setter name: the ImagePolicy it names and the field it sets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Setter {
    /// The ImagePolicy's namespace.
    pub namespace: String,
    /// The ImagePolicy's name.
    pub name: String,
    /// The part of the image the marker sets.
    pub field: Field,
}

impl Setter {
    /// Parses `NS:NAME`, `NS:NAME:tag`, `NS:NAME:name` or `NS:NAME:digest`.
    pub fn parse(text: &str) -> Option<Setter> {
        let mut parts = text.split(':');
        let namespace = parts.next().filter(|s| !s.is_empty())?;
        let name = parts.next().filter(|s| !s.is_empty())?;
        let field = match parts.next() {
            None => Field::Image,
            Some("tag") => Field::Tag,
            Some("name") => Field::Name,
            Some("digest") => Field::Digest,
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Setter {
            namespace: namespace.to_string(),
            name: name.to_string(),
            field,
        })
    }

    /// The policy's `NS:NAME`.
    pub fn policy_key(&self) -> String {
        format!("{}:{}", self.namespace, self.name)
    }
}

impl std::fmt::Display for Setter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}{}", self.namespace, self.name, self.field.suffix())
    }
}

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'...'`.
    SingleQuoted,
    /// `"..."`.
    DoubleQuoted,
}

/// The identity of the object (document) a marker sits in; empty fields when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
}

/// One marker and the scalar it annotates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The setter text as written (`NS:NAME:tag`).
    pub setter_text: String,
    /// The parsed setter; `None` when the text is not `NS:NAME[:field]`.
    pub setter: Option<Setter>,
    /// Byte range of the scalar in the file (quotes included).
    pub span: std::ops::Range<usize>,
    /// The scalar's style.
    pub style: Style,
    /// The scalar's value (unescaped).
    pub value: String,
    /// Where the scalar starts.
    pub pos: Pos,
    /// Zero-based index of the document in the file.
    pub document: usize,
    /// The object the marker sits in.
    pub object: ObjectId,
}

/// A marker comment that does not annotate a scalar value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stray {
    /// Where the comment starts.
    pub pos: Pos,
    /// Why it is not used.
    pub reason: String,
}

/// The markers of one file and the marker comments that annotate nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMarkers {
    /// Markers in file order.
    pub markers: Vec<Marker>,
    /// Marker comments that cannot be used.
    pub strays: Vec<Stray>,
}

/// The token a file must contain to hold markers (the controller screens files with it).
pub const TOKEN: &str = "\"$imagepolicy\"";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Root,
    Key,
    Value,
    Item,
}

struct Scalar {
    span: std::ops::Range<usize>,
    style: ScalarStyle,
    value: String,
    pos: Pos,
    role: Role,
    document: usize,
}

enum Frame {
    Map {
        expect_key: bool,
        key: Option<String>,
    },
    Seq,
}

/// Finds the markers of a YAML file.
pub fn find(src: &str) -> Result<FileMarkers, YamlError> {
    if !src.contains(TOKEN) {
        return Ok(FileMarkers::default());
    }
    let (scalars, objects) = scan(src)?;
    let mut out = FileMarkers::default();
    let mut line_start = 0;
    for (line_no, line) in src.split_inclusive('\n').enumerate() {
        let start = line_start;
        line_start += line.len();
        if !line.contains("$imagepolicy") {
            continue;
        }
        let Some(hash) = comment_start(line, start, &scalars) else {
            continue;
        };
        let comment = line[hash - start..].trim_end_matches(['\n', '\r']);
        let pos = Pos::new(
            line_no as u32 + 1,
            line[..hash - start].chars().count() as u32 + 1,
        );
        let setter_text = match setter_of(comment) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(reason) => {
                out.strays.push(Stray { pos, reason });
                continue;
            }
        };
        let annotated = scalars
            .iter()
            .rev()
            .find(|s| s.span.end <= hash && s.span.end >= start && s.role != Role::Key);
        let Some(scalar) = annotated else {
            out.strays.push(Stray {
                pos,
                reason: "the marker comment does not follow a scalar value on its line".into(),
            });
            continue;
        };
        let style = match scalar.style {
            ScalarStyle::Plain if scalar.span.is_empty() => None,
            ScalarStyle::Plain => Some(Style::Plain),
            ScalarStyle::SingleQuoted => Some(Style::SingleQuoted),
            ScalarStyle::DoubleQuoted => Some(Style::DoubleQuoted),
            ScalarStyle::Literal | ScalarStyle::Folded => None,
        };
        let Some(style) = style else {
            out.strays.push(Stray {
                pos,
                reason: "the marker annotates an empty value or a block scalar".into(),
            });
            continue;
        };
        out.markers.push(Marker {
            setter: Setter::parse(&setter_text),
            setter_text,
            span: scalar.span.clone(),
            style,
            value: scalar.value.clone(),
            pos: scalar.pos,
            document: scalar.document,
            object: objects.get(scalar.document).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The byte offset of the `#` starting the line's comment, outside every scalar.
fn comment_start(line: &str, start: usize, scalars: &[Scalar]) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t'))
        .map(|i| start + i)
        .find(|&at| {
            let idx = scalars.partition_point(|s| s.span.start <= at);
            !scalars[..idx]
                .iter()
                .rev()
                .take(64)
                .any(|s| s.span.contains(&at))
        })
}

/// The `$imagepolicy` member of a comment's JSON object: `Ok(None)` when the comment has no
/// such member, an error when it mentions `$imagepolicy` without being a usable marker.
fn setter_of(comment: &str) -> Result<Option<String>, String> {
    let json = comment.trim_start_matches('#');
    let Some(members) = super::json::parse_object(json) else {
        return Err("the comment mentions $imagepolicy but is not a JSON object".into());
    };
    match members.into_iter().find(|(k, _)| k == "$imagepolicy") {
        Some((_, Some(v))) => Ok(Some(v)),
        Some((_, None)) => Err("the $imagepolicy member is not a string".into()),
        None => Ok(None),
    }
}

/// Every scalar with its byte span and role, and each document's object identity.
fn scan(src: &str) -> Result<(Vec<Scalar>, Vec<ObjectId>), YamlError> {
    let mut index = SourceIndex::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut scalars = Vec::new();
    let mut objects: Vec<ObjectId> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut document = 0usize;
    let mut started = false;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            YamlError {
                message: e.info().to_string(),
                pos: Pos::new(m.line() as u32, m.col() as u32 + 1),
                hint: None,
            }
        })?;
        let role = match stack.last() {
            None => Role::Root,
            Some(Frame::Seq) => Role::Item,
            Some(Frame::Map {
                expect_key: true, ..
            }) => Role::Key,
            Some(Frame::Map { .. }) => Role::Value,
        };
        match event {
            Event::DocumentStart(_) => {
                if started {
                    document += 1;
                }
                started = true;
                objects.push(ObjectId::default());
            }
            Event::Scalar(text, style, _, _) => {
                let (s, e) = (span.start, span.end);
                let raw_start = index.byte_offset(s.index(), s.line(), s.col());
                // The parser's span starts at the node's anchor or tag, if any.
                let start = skip_properties(src, raw_start);
                let pos = if start == raw_start {
                    Pos::new(s.line() as u32, s.col() as u32 + 1)
                } else {
                    pos_of(src, start)
                };
                let end = match style {
                    // The parser's span of a quoted scalar runs on to the next token.
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => quoted_end(src, start),
                    _ => index.byte_offset(e.index(), e.line(), e.col()),
                };
                if let Some(obj) = objects.last_mut() {
                    record_identity(obj, &stack, role, &text);
                }
                if role == Role::Key
                    && let Some(Frame::Map { key, .. }) = stack.last_mut()
                {
                    *key = Some(text.to_string());
                }
                scalars.push(Scalar {
                    span: start..end.max(start),
                    style,
                    value: text.into_owned(),
                    pos,
                    role,
                    document,
                });
                node_done(&mut stack, role);
            }
            Event::Alias(_) => node_done(&mut stack, role),
            Event::SequenceStart(..) => stack.push(Frame::Seq),
            Event::MappingStart(..) => stack.push(Frame::Map {
                expect_key: true,
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                let role = match stack.last() {
                    Some(Frame::Map {
                        expect_key: true, ..
                    }) => Role::Key,
                    Some(Frame::Map { .. }) => Role::Value,
                    _ => Role::Item,
                };
                node_done(&mut stack, role);
            }
            _ => {}
        }
    }
    Ok((scalars, objects))
}

/// Skips a node's `&anchor` and `!tag` properties and the whitespace after them.
fn skip_properties(src: &str, mut at: usize) -> usize {
    while matches!(src.as_bytes().get(at), Some(b'&' | b'!')) {
        at += src[at..]
            .find(|c: char| c.is_whitespace())
            .unwrap_or(src.len() - at);
        at += src[at..].len() - src[at..].trim_start().len();
    }
    at
}

/// The 1-based line and character column of a byte offset.
fn pos_of(src: &str, at: usize) -> Pos {
    let before = &src[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos::new(
        before.matches('\n').count() as u32 + 1,
        before[line_start..].chars().count() as u32 + 1,
    )
}

/// The byte offset just past the closing quote of the quoted scalar starting at `start`.
fn quoted_end(src: &str, start: usize) -> usize {
    let bytes = src.as_bytes();
    let Some(&quote) = bytes.get(start) else {
        return start;
    };
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// After a complete node, a mapping alternates between keys and values.
fn node_done(stack: &mut [Frame], role: Role) {
    if let Some(Frame::Map { expect_key, .. }) = stack.last_mut() {
        *expect_key = role != Role::Key;
    }
}

/// Records `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` of the document.
fn record_identity(obj: &mut ObjectId, stack: &[Frame], role: Role, text: &str) {
    if role != Role::Value {
        return;
    }
    let keys: Vec<Option<&str>> = stack
        .iter()
        .map(|f| match f {
            Frame::Map { key, .. } => key.as_deref(),
            Frame::Seq => None,
        })
        .collect();
    let slot = match keys.as_slice() {
        [Some("apiVersion")] => &mut obj.api_version,
        [Some("kind")] => &mut obj.kind,
        [Some("metadata"), Some("name")] => &mut obj.name,
        [Some("metadata"), Some("namespace")] => &mut obj.namespace,
        _ => return,
    };
    *slot = text.to_string();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(src: &str) -> Vec<(String, &str, Style, Pos)> {
        let found = find(src).unwrap();
        found
            .markers
            .iter()
            .map(|m| (m.setter_text.clone(), &src[m.span.clone()], m.style, m.pos))
            .collect()
    }

    #[test]
    fn block_flow_and_quoted_scalars() {
        let src = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: prod}
spec:
  containers:
    - image: ghcr.io/a/b:1.0.0 # {"$imagepolicy": "flux-system:b"}
    - {name: c, image: "ghcr.io/a/c:1.0.0"} # {"$imagepolicy": "flux-system:c"}
    - image: 'ghcr.io/a/d:1.0.0'   #{"$imagepolicy":"flux-system:d"}
  values:
    tag: "1.0" # {"$imagepolicy": "flux-system:b:tag"}
    repo: ghcr.io/#notacomment # {"$imagepolicy": "flux-system:b:name"}
"#;
        let got = spans(src);
        assert_eq!(
            got,
            vec![
                (
                    "flux-system:b".into(),
                    "ghcr.io/a/b:1.0.0",
                    Style::Plain,
                    Pos::new(6, 14)
                ),
                (
                    "flux-system:c".into(),
                    "\"ghcr.io/a/c:1.0.0\"",
                    Style::DoubleQuoted,
                    Pos::new(7, 24)
                ),
                (
                    "flux-system:d".into(),
                    "'ghcr.io/a/d:1.0.0'",
                    Style::SingleQuoted,
                    Pos::new(8, 14)
                ),
                (
                    "flux-system:b:tag".into(),
                    "\"1.0\"",
                    Style::DoubleQuoted,
                    Pos::new(10, 10)
                ),
                (
                    "flux-system:b:name".into(),
                    "ghcr.io/#notacomment",
                    Style::Plain,
                    Pos::new(11, 11)
                ),
            ]
        );
        let m = find(src).unwrap().markers;
        assert_eq!(m[0].object.name, "app");
        assert_eq!(m[0].object.namespace, "prod");
        assert_eq!(m[0].object.kind, "Deployment");
        assert_eq!(m[3].value, "1.0");
        assert_eq!(m[3].setter.as_ref().unwrap().field, Field::Tag);
    }

    #[test]
    fn documents_are_counted() {
        let src = "a: 1 # {\"$imagepolicy\": \"x:y\"}\n---\n# c\n---\nkind: K\nimage: i:1 # {\"$imagepolicy\": \"ns:p\"}\n";
        let m = find(src).unwrap().markers;
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].document, m[1].document), (0, 2));
        assert_eq!(m[1].object.kind, "K");
    }

    #[test]
    fn comments_that_are_not_markers() {
        let src = "a: b # {\"$imagepolicy\": \"ns:p\"} trailing\nc: \"# {\\\"$imagepolicy\\\": \\\"ns:p\\\"}\"\nd: # {\"$imagepolicy\": \"ns:p\"}\n  e\nseq:\n  - x:1 # {\"$imagepolicy\": \"ns:q\"}\n";
        let found = find(src).unwrap();
        let texts: Vec<&str> = found
            .markers
            .iter()
            .map(|m| m.setter_text.as_str())
            .collect();
        assert_eq!(texts, ["ns:q"], "only the sequence item is marked");
        let strays: Vec<Pos> = found.strays.iter().map(|s| s.pos).collect();
        assert_eq!(
            strays,
            [Pos::new(1, 6), Pos::new(3, 4)],
            "text after the JSON object; a marker on `d:` annotates nothing"
        );
    }

    #[test]
    fn anchors_tags_and_block_scalars() {
        let src = "a: &img foo:1 # {\"$imagepolicy\": \"ns:a\"}\nb: !!str 'bar:1' # {\"$imagepolicy\": \"ns:b\"}\nc: |\n  x # {\"$imagepolicy\": \"ns:c\"}\nd: e\n";
        let got = spans(src);
        assert_eq!(
            got,
            vec![
                ("ns:a".into(), "foo:1", Style::Plain, Pos::new(1, 9)),
                (
                    "ns:b".into(),
                    "'bar:1'",
                    Style::SingleQuoted,
                    Pos::new(2, 10)
                ),
            ],
            "properties are not part of the scalar; block scalar text is not a comment"
        );
    }

    #[test]
    fn unicode_crlf_and_hostile_text() {
        let src = "# ünïcödé\r\nnäme: \"é:1\" # {\"$imagepolicy\": \"ns:p\"}\r\nb: x\r\n";
        let got = spans(src);
        assert_eq!(
            got,
            vec![(
                "ns:p".into(),
                "\"é:1\"",
                Style::DoubleQuoted,
                Pos::new(2, 7)
            )]
        );
        for hostile in [
            "a: \"unterminated # {\"$imagepolicy\": \"ns:p\"}\n",
            "{\"$imagepolicy\": \"ns:p\"}\n",
            "- # {\"$imagepolicy\": \"ns:p\"}\n",
            "a: 'x' #{\"$imagepolicy\": \"ns:p\"\n",
            "a: !t # {\"$imagepolicy\": \"ns:p\"}\n",
            "a: &x # {\"$imagepolicy\": \"ns:p\"}\nb: *x # {\"$imagepolicy\": \"ns:p\"}\n",
            "\t# {\"$imagepolicy\": \"ns:p\"}",
        ] {
            // Errors or strays, never a panic.
            if let Ok(found) = find(hostile) {
                assert!(
                    found.markers.iter().all(|m| m.span.end <= hostile.len()),
                    "{hostile:?}"
                );
            }
        }
    }

    #[test]
    fn setter_forms() {
        assert_eq!(Setter::parse("ns:p").unwrap().field, Field::Image);
        assert_eq!(Setter::parse("ns:p:name").unwrap().field, Field::Name);
        assert_eq!(Setter::parse("ns:p:digest").unwrap().field, Field::Digest);
        assert!(Setter::parse("p").is_none());
        assert!(Setter::parse("ns:p:other").is_none());
        assert!(Setter::parse(":p").is_none());
        assert_eq!(Setter::parse("ns:p:tag").unwrap().to_string(), "ns:p:tag");
    }
}
