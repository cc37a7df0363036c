//! The output state of go-yaml v2's emitter (`emitterc.go`): column, indentation and the
//! `whitespace`/`indention` flags that decide where spaces and line breaks go.

/// go-yaml v2's `best_width`.
pub(crate) const BEST_WIDTH: usize = 80;
/// go-yaml v2's `best_indent`.
pub(crate) const BEST_INDENT: i32 = 2;

/// Emitter state writing straight into the caller's `String`.
pub(crate) struct Writer<'o> {
    pub(crate) out: &'o mut String,
    /// Column in characters.
    pub(crate) column: usize,
    /// The last thing written was whitespace (or nothing).
    pub(crate) whitespace: bool,
    /// The line so far holds only indentation (and indentation-like indicators such as `- `).
    pub(crate) indention: bool,
    /// Current indentation (-1 before the root node).
    pub(crate) indent: i32,
    /// Scratch space for number formatting.
    pub(crate) scratch: String,
    pub(crate) scratch2: String,
    /// `best_indent`: 2 for go-yaml v2 (kustomize), 4 for sops' go-yaml v3 encoder.
    pub(crate) best_indent: i32,
}

impl<'o> Writer<'o> {
    /// A writer at the start of a document (go-yaml's state after STREAM-START).
    pub(crate) fn new(out: &'o mut String) -> Writer<'o> {
        Writer {
            out,
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            scratch: String::new(),
            scratch2: String::new(),
            best_indent: BEST_INDENT,
        }
    }

    /// `put`: one ASCII byte.
    #[inline]
    pub(crate) fn put(&mut self, c: u8) {
        self.out.push(c as char);
        self.column += 1;
    }

    /// `put_break`: a line feed.
    #[inline]
    pub(crate) fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `write`: copies the character starting at byte `i` of `s`; returns its width in bytes.
    #[inline]
    pub(crate) fn write_char_at(&mut self, s: &str, i: usize) -> usize {
        let w = width(s.as_bytes()[i]).max(1);
        self.out.push_str(s.get(i..i + w).unwrap_or(""));
        self.column += 1;
        w
    }

    /// `write_break`: a line break character at byte `i` of `s`; returns its width.
    pub(crate) fn write_break_at(&mut self, s: &str, i: usize) -> usize {
        if s.as_bytes()[i] == b'\n' {
            self.put_break();
            1
        } else {
            let w = self.write_char_at(s, i);
            self.column = 0;
            w
        }
    }

    /// `yaml_emitter_write_indent`.
    pub(crate) fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// `yaml_emitter_write_indicator` (indicators are ASCII).
    pub(crate) fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(b' ');
        }
        self.out.push_str(indicator);
        self.column += indicator.len();
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_increase_indent`; returns the previous indentation to restore.
    pub(crate) fn increase_indent(&mut self, flow: bool, indentless: bool) -> i32 {
        let saved = self.indent;
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
        saved
    }
}

/// Byte length of the UTF-8 sequence starting with `b` (0 for a continuation byte).
#[inline]
pub(crate) fn width(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}
