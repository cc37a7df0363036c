//! Where go-yaml v3 (kustomize's reader) and our YAML 1.2 parser disagree on double-quoted escapes.
//!
//! go-yaml v3 rejects `\/` (YAML 1.2 allows it) and accepts `\'` (YAML 1.2 does not). We scan the
//! raw text of double-quoted scalars to reject the first, and rewrite the second before parsing.

/// Maps the parser's (line, character column) markers to byte offsets of the source.
pub struct SourceIndex<'a> {
    src: &'a str,
    ascii: bool,
    line_starts: Vec<usize>,
}

impl<'a> SourceIndex<'a> {
    /// Indexes `src` (line starts are computed on first use).
    pub fn new(src: &'a str) -> Self {
        SourceIndex {
            src,
            ascii: src.is_ascii(),
            line_starts: Vec::new(),
        }
    }

    /// The byte offset of a 1-based line and 0-based character column, given the character index.
    pub fn byte_offset(&mut self, char_index: usize, line: usize, col: usize) -> usize {
        if self.ascii {
            return char_index.min(self.src.len());
        }
        if self.line_starts.is_empty() {
            self.line_starts.push(0);
            self.line_starts
                .extend(self.src.match_indices('\n').map(|(i, _)| i + 1));
        }
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.src.len());
        self.src[start..]
            .char_indices()
            .nth(col)
            .map_or(self.src.len(), |(i, _)| start + i)
    }
}

/// In the raw text of a double-quoted scalar (starting at its opening quote), the byte offset of
/// the first escape go-yaml v3 does not know: `\/`.
pub fn unknown_go_escape(raw: &str) -> Option<usize> {
    let mut chars = raw.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => match chars.next() {
                Some((_, '/')) => return Some(i),
                Some(_) => {}
                None => return None,
            },
            _ => {}
        }
    }
    None
}

/// Rewrites the first `\'` of the double-quoted scalar that starts at `quote` into `\x27`, which
/// both dialects read as `'`. Returns `None` when the scalar has no `\'`.
pub fn rewrite_quote_escape(src: &str, quote: usize) -> Option<String> {
    let raw = src.get(quote..)?;
    let mut chars = raw.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => match chars.next() {
                Some((_, '\'')) => {
                    let at = quote + i;
                    return Some(format!("{}\\x27{}", &src[..at], &src[at + 2..]));
                }
                Some(_) => {}
                None => return None,
            },
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_slash_escape() {
        assert_eq!(unknown_go_escape(r#""a\/b""#), Some(2));
        assert_eq!(unknown_go_escape(r#""a\\/b""#), None);
        assert_eq!(unknown_go_escape(r#""a/b" \/"#), None);
    }

    #[test]
    fn rewrites_quote_escape() {
        let src = "a: \"it\\'s\"\n";
        assert_eq!(
            rewrite_quote_escape(src, 3).as_deref(),
            Some("a: \"it\\x27s\"\n")
        );
        assert_eq!(rewrite_quote_escape("a: \"x\"\n", 3), None);
    }

    #[test]
    fn byte_offsets_of_unicode_lines() {
        let src = "é: 1\nbé: \"x\"\n";
        let mut idx = SourceIndex::new(src);
        // line 2, column 4 (0-based) is the quote.
        assert_eq!(&src[idx.byte_offset(0, 2, 4)..][..1], "\"");
    }
}
