//! Comments in YAML source for the sops YAML reader: saphyr-parser drops them, so they are found
//! by scanning the text outside the scalars, and each line comment is given the event go-yaml
//! would attach it to.

use saphyr_parser::{Event, ScalarStyle, Span};

/// A comment found in the source.
pub(super) struct Comment {
    /// Char index of the `#`.
    pub(super) at: usize,
    /// Column of the `#` (0-based).
    pub(super) col: usize,
    /// Text after `#`.
    pub(super) text: String,
    /// A blank line separates it from what came before.
    pub(super) after_blank: bool,
}

/// Finds every comment outside the scalar spans (`covered`, sorted char ranges).
/// Returns comments and whether each is alone on its line.
pub(super) fn scan_comments(src: &str, covered: &[(usize, usize)]) -> Vec<(Comment, bool, usize)> {
    let mut out = Vec::new();
    let mut cov = covered.iter().peekable();
    let (mut line, mut col) = (1usize, 0usize);
    let mut prev_blank = true;
    let mut only_ws = true;
    // Whether the previous line held nothing but whitespace.
    let (mut prev_line_blank, mut this_line_blank) = (false, true);
    let mut chars = src.chars().enumerate().peekable();
    while let Some((ci, c)) = chars.next() {
        while cov.peek().is_some_and(|&&(_, end)| end <= ci) {
            cov.next();
        }
        let inside = cov
            .peek()
            .is_some_and(|&&(start, end)| start <= ci && ci < end);
        if c == '#' && !inside && prev_blank {
            let mut text = String::new();
            while let Some(&(_, n)) = chars.peek() {
                if n == '\n' {
                    break;
                }
                text.push(n);
                chars.next();
            }
            if text.ends_with('\r') {
                text.pop();
            }
            out.push((
                Comment {
                    at: ci,
                    col,
                    text,
                    after_blank: only_ws && prev_line_blank,
                },
                only_ws,
                line,
            ));
            this_line_blank = false;
            continue;
        }
        if c == '\n' {
            line += 1;
            col = 0;
            prev_blank = true;
            only_ws = true;
            prev_line_blank = this_line_blank;
            this_line_blank = true;
            continue;
        }
        prev_blank = c == ' ' || c == '\t' || c == '\r';
        if !prev_blank {
            only_ws = false;
            this_line_blank = false;
        }
        col += 1;
    }
    out
}

/// Where an inline comment goes relative to the event it is attached to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Attach {
    /// Before the item the event starts.
    Before,
    /// First inside the flow collection the event starts (a line comment on a flow value).
    Inside,
}

/// For each event, whether an inline comment on its line may attach to it: block items (keys
/// and sequence elements) take it before them; a flow collection that is a mapping value takes
/// it as its first element, as go-yaml's line comment on the value node ends up in sops.
pub(super) fn attach_points(events: &[(Event<'_>, Span)], chars: &[char]) -> Vec<Option<Attach>> {
    let mut points = vec![None; events.len()];
    // (is_map, expecting_key, is_flow)
    let mut stack: Vec<(bool, bool, bool)> = Vec::new();
    let complete = |stack: &mut Vec<(bool, bool, bool)>| {
        if let Some((true, expect, _)) = stack.last_mut() {
            *expect = !*expect;
        }
    };
    for (i, (ev, span)) in events.iter().enumerate() {
        let in_flow = stack.iter().any(|e| e.2);
        let is_item = matches!(stack.last(), Some((false, _, _)) | Some((true, true, _)));
        match ev {
            Event::Scalar(..) | Event::Alias(_) => {
                if is_item && !in_flow {
                    points[i] = Some(Attach::Before);
                }
                complete(&mut stack);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let flow = matches!(chars.get(span.start.index()), Some('{' | '['));
                if !in_flow {
                    if is_item {
                        points[i] = Some(Attach::Before);
                    } else if flow && !stack.is_empty() {
                        points[i] = Some(Attach::Inside);
                    }
                }
                stack.push((matches!(ev, Event::MappingStart(..)), true, flow));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                complete(&mut stack);
            }
            _ => {}
        }
    }
    points
}

/// The char index just past a scalar (saphyr's span of a quoted scalar runs to the line's end).
pub(super) fn scalar_end(chars: &[char], span: Span, style: ScalarStyle) -> usize {
    let start = span.start.index();
    let quote = match style {
        ScalarStyle::SingleQuoted => '\'',
        ScalarStyle::DoubleQuoted => '"',
        _ => return span.end.index(),
    };
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        if quote == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    span.end.index()
}
