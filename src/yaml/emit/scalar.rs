//! Scalars: go-yaml v2's `yaml_emitter_analyze_scalar`, `yaml_emitter_select_scalar_style` and
//! the plain, single-quoted, double-quoted and literal writers (with folding at width 80).

use super::writer::{BEST_WIDTH, Writer, width};

/// A scalar style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// What `yaml_emitter_analyze_scalar` finds out (the block-context subset; flow context never
/// holds a scalar in kustomize output).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Analysis {
    pub(crate) multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// Byte at `i`, or NUL past the end (libyaml strings are NUL-terminated).
#[inline]
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

#[inline]
fn is_space(b: &[u8], i: usize) -> bool {
    at(b, i) == b' '
}

#[inline]
fn is_blank(b: &[u8], i: usize) -> bool {
    matches!(at(b, i), b' ' | b'\t')
}

#[inline]
fn is_break(b: &[u8], i: usize) -> bool {
    match at(b, i) {
        b'\r' | b'\n' => true,
        0xC2 => at(b, i + 1) == 0x85,
        0xE2 => at(b, i + 1) == 0x80 && matches!(at(b, i + 2), 0xA8 | 0xA9),
        _ => false,
    }
}

#[inline]
fn is_blankz(b: &[u8], i: usize) -> bool {
    is_blank(b, i) || is_break(b, i) || at(b, i) == 0
}

/// go-yaml v2 `is_printable`.
#[inline]
fn is_printable(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (c == 0xC2 && at(b, i + 1) >= 0xA0)
        || (c > 0xC2 && c < 0xED)
        || (c == 0xED && at(b, i + 1) < 0xA0)
        || c == 0xEE
        || (c == 0xEF
            && !(at(b, i + 1) == 0xBB && at(b, i + 2) == 0xBF)
            && !(at(b, i + 1) == 0xBF && matches!(at(b, i + 2), 0xBE | 0xBF)))
}

/// go-yaml v2 `is_bom`, which looks at the start of the value whatever the index.
#[inline]
fn starts_with_bom(b: &[u8]) -> bool {
    b.starts_with(&[0xEF, 0xBB, 0xBF])
}

/// `yaml_emitter_analyze_scalar` (go-yaml v2).
pub(crate) fn analyze(value: &str) -> Analysis {
    analyze_with(value, false)
}

/// `yaml_emitter_analyze_scalar`; with `v3_tabs`, go-yaml v3's rule that a tab only rules out the
/// plain and single-quoted styles (a literal block may hold it).
pub(crate) fn analyze_with(value: &str, v3_tabs: bool) -> Analysis {
    let b = value.as_bytes();
    if b.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = b.starts_with(b"---") || b.starts_with(b"...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    let mut tab_characters = false;

    let mut i = 0;
    while i < b.len() {
        let w = width(b[i]).max(1);
        let followed_by_whitespace = i + w >= b.len() || is_blank(b, i + w);
        let c = b[i];
        if i == 0 {
            match c {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => block_indicators = true,
                b'?' | b':' | b'-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                b':' if followed_by_whitespace => block_indicators = true,
                b'#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if v3_tabs && c == b'\t' {
            tab_characters = true;
        } else if !is_printable(b, i) {
            special_characters = true;
        }
        if c == b' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + w == b.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(b, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == b.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(b, i);
        i += w;
    }

    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if tab_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// `yaml_emitter_select_scalar_style` in block context with implicit tags.
pub(crate) fn select_style(requested: Style, a: &Analysis, value: &str, simple_key: bool) -> Style {
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (value.is_empty() && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !a.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

impl Writer<'_> {
    /// `yaml_emitter_write_plain_scalar`.
    pub(crate) fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        let b = value.as_bytes();
        if !self.whitespace {
            self.put(b' ');
        }
        // Fast path: no line breaks and too short to reach a folding point.
        let chars = if value.is_ascii() {
            value.len()
        } else {
            value.chars().count()
        };
        if (!allow_breaks || self.column + chars <= BEST_WIDTH + 1)
            && !b.iter().any(|&c| c == b'\r' || c == b'\n' || c >= 0xC2)
        {
            self.out.push_str(value);
            self.column += chars;
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !is_space(b, i + 1) {
                    self.write_indent();
                    i += 1;
                } else {
                    i += self.write_char_at(value, i);
                }
                spaces = true;
            } else if is_break(b, i) {
                if !breaks && b[i] == b'\n' {
                    self.put_break();
                }
                i += self.write_break_at(value, i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                i += self.write_char_at(value, i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// `yaml_emitter_write_single_quoted_scalar`.
    pub(crate) fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        let b = value.as_bytes();
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < b.len() - 1
                    && !is_space(b, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    i += self.write_char_at(value, i);
                }
                spaces = true;
            } else if is_break(b, i) {
                if !breaks && b[i] == b'\n' {
                    self.put_break();
                }
                i += self.write_break_at(value, i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if b[i] == b'\'' {
                    self.put(b'\'');
                }
                i += self.write_char_at(value, i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// `yaml_emitter_write_double_quoted_scalar`.
    pub(crate) fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        let b = value.as_bytes();
        let bom = starts_with_bom(b);
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        let mut i = 0;
        while i < b.len() {
            if !is_printable(b, i) || bom || is_break(b, i) || b[i] == b'"' || b[i] == b'\\' {
                let w = width(b[i]).max(1);
                let v = value
                    .get(i..i + w)
                    .and_then(|s| s.chars().next())
                    .map_or(u32::from(b[i]), u32::from);
                i += w;
                self.write_escape(v);
                spaces = false;
            } else if b[i] == b' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < b.len() - 1 {
                    self.write_indent();
                    if is_space(b, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    i += self.write_char_at(value, i);
                }
                spaces = true;
            } else {
                i += self.write_char_at(value, i);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// One escape sequence of a double-quoted scalar.
    fn write_escape(&mut self, v: u32) {
        self.put(b'\\');
        let short = match v {
            0x00 => Some(b'0'),
            0x07 => Some(b'a'),
            0x08 => Some(b'b'),
            0x09 => Some(b't'),
            0x0A => Some(b'n'),
            0x0B => Some(b'v'),
            0x0C => Some(b'f'),
            0x0D => Some(b'r'),
            0x1B => Some(b'e'),
            0x22 => Some(b'"'),
            0x5C => Some(b'\\'),
            0x85 => Some(b'N'),
            0xA0 => Some(b'_'),
            0x2028 => Some(b'L'),
            0x2029 => Some(b'P'),
            _ => None,
        };
        if let Some(c) = short {
            self.put(c);
            return;
        }
        let (letter, digits) = if v <= 0xFF {
            (b'x', 2)
        } else if v <= 0xFFFF {
            (b'u', 4)
        } else {
            (b'U', 8)
        };
        self.put(letter);
        for k in (0..digits).rev() {
            let digit = ((v >> (k * 4)) & 0x0F) as u8;
            self.put(if digit < 10 {
                b'0' + digit
            } else {
                b'A' + digit - 10
            });
        }
    }

    /// `yaml_emitter_write_literal_scalar` with `yaml_emitter_write_block_scalar_hints`.
    pub(crate) fn write_literal(&mut self, value: &str) {
        let b = value.as_bytes();
        self.write_indicator("|", true, false, false);
        if is_space(b, 0) || is_break(b, 0) {
            let hint = [b'0' + self.best_indent as u8];
            self.write_indicator(
                std::str::from_utf8(&hint).unwrap_or("2"),
                false,
                false,
                false,
            );
        }
        let chomp = if b.is_empty() {
            Some("-")
        } else {
            let mut i = b.len() - 1;
            while i > 0 && b[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(b, i) {
                Some("-")
            } else if i == 0 {
                Some("+")
            } else {
                i -= 1;
                while i > 0 && b[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                is_break(b, i).then_some("+")
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(c, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < b.len() {
            if is_break(b, i) {
                i += self.write_break_at(value, i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                i += self.write_char_at(value, i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style_of(s: &str, requested: Style, key: bool) -> Style {
        select_style(requested, &analyze(s), s, key)
    }

    #[test]
    fn styles() {
        use Style::*;
        assert_eq!(style_of("abc", Plain, false), Plain);
        assert_eq!(style_of(" abc", Plain, false), SingleQuoted);
        assert_eq!(style_of("abc ", Plain, false), SingleQuoted);
        assert_eq!(style_of("a: b", Plain, false), SingleQuoted);
        assert_eq!(style_of("a:b", Plain, false), Plain);
        assert_eq!(style_of("a #b", Plain, false), SingleQuoted);
        assert_eq!(style_of("a#b", Plain, false), Plain);
        assert_eq!(style_of("- a", Plain, false), SingleQuoted);
        assert_eq!(style_of("-a", Plain, false), Plain);
        assert_eq!(style_of("*a", Plain, false), SingleQuoted);
        assert_eq!(style_of("---", Plain, false), SingleQuoted);
        assert_eq!(style_of("a\tb", Plain, false), DoubleQuoted);
        assert_eq!(style_of("a\u{2028}b", Plain, false), SingleQuoted);
        assert_eq!(style_of("a\u{2028}b", Plain, true), DoubleQuoted);
        assert_eq!(style_of("a\nb", Literal, false), Literal);
        assert_eq!(style_of("a\nb", Literal, true), DoubleQuoted);
        assert_eq!(style_of("a \nb", Literal, false), DoubleQuoted);
        assert_eq!(style_of("a\nb ", Literal, false), DoubleQuoted);
        assert_eq!(style_of("a\n b", Literal, false), Literal);
        assert_eq!(style_of("", Plain, true), SingleQuoted);
        assert_eq!(style_of("😀", Plain, false), DoubleQuoted);
        assert_eq!(style_of("é", Plain, false), Plain);
    }
}
