//! The scanner of Flux's envsubst (fluxcd/pkg `envsubst/parse/scan.go`): a mode-driven reader
//! of identifier-like runs, `${` and `}`, with `$$` and `\/`, `\\` escapes dropped from tokens.

use super::glob::decode_rune;

/// The rune Go's scanner returns at the end of input. A literal NUL reads the same (as in Go).
pub(super) const EOF: char = '\0';

/// Token kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

/// Mode bits: which tokens `scan` recognises.
pub(super) const SCAN_IDENT: u8 = 1;
pub(super) const SCAN_LBRACK: u8 = 2;
pub(super) const SCAN_RBRACK: u8 = 4;
pub(super) const SCAN_ESCAPE: u8 = 8;

/// Escape bits: which escapes are dropped while scanning an identifier run.
pub(super) const ESC_DOLLAR: u8 = 1;
pub(super) const ESC_BACKSLASH: u8 = 2;
pub(super) const ESC_ALL: u8 = ESC_DOLLAR | ESC_BACKSLASH;

/// Decides whether a rune belongs to the current run; `i` is the run's length in bytes so far,
/// the rune included.
pub(super) type Accept = fn(char, usize) -> bool;

/// The scanner state. Positions are byte offsets into the original input; escape characters
/// are never removed from the input but recorded in `dropped`, so offsets stay those of the
/// source.
pub(super) struct Scanner<'a> {
    buf: &'a str,
    pub pos: usize,
    pub start: usize,
    width: usize,
    pub mode: u8,
    pub escapes: u8,
    pub accept: Accept,
    /// Offsets of escape characters dropped from tokens, ascending.
    dropped: Vec<usize>,
}

impl<'a> Scanner<'a> {
    pub fn new(buf: &'a str) -> Scanner<'a> {
        Scanner {
            buf,
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escapes: 0,
            accept: accept_rune,
            dropped: Vec::new(),
        }
    }

    /// Reads the next rune; `EOF` (width 0) at the end. Like Go, a position inside a
    /// multi-byte character (reachable through Go's `unread` quirk) reads as U+FFFD, width 1.
    pub fn read(&mut self) -> char {
        let rest = self.buf.as_bytes().get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.width = 0;
            return EOF;
        }
        let (c, n) = decode_rune(rest);
        self.width = n;
        self.pos += n;
        c
    }

    /// Steps back by the width of the last rune read (Go's `unread`, which uses the width of
    /// the last *read*, even when that was a peek of a wider rune).
    pub fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(self.width);
    }

    /// Drops the escape character just read and consumes the escaped one as plain text.
    fn skip(&mut self) {
        self.dropped.push(self.pos - self.width);
        // The escaped character (`$`, `/` or `\`, one byte) is kept in the token.
        self.pos += 1;
        self.width = 1;
    }

    /// The next rune without consuming it.
    pub fn peek(&mut self) -> char {
        let r = self.read();
        self.unread();
        r
    }

    /// The text of the last token, escape characters dropped.
    pub fn text(&self) -> String {
        let bytes = self.buf.as_bytes();
        let (start, end) = (self.start.min(self.pos), self.pos.min(bytes.len()));
        let first = self.dropped.partition_point(|&d| d < start);
        let mut out = Vec::with_capacity(end - start);
        let mut at = start;
        for &d in self.dropped[first..].iter().take_while(|&&d| d < end) {
            out.extend_from_slice(&bytes[at..d]);
            at = d + 1;
        }
        out.extend_from_slice(&bytes[at.min(end)..end]);
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// Reads the next token.
    pub fn scan(&mut self) -> Token {
        self.start = self.pos;
        let r = self.read();
        if r == EOF {
            Token::Eof
        } else if self.scan_lbrack(r) {
            Token::Lbrack
        } else if self.scan_rbrack(r) {
            Token::Rbrack
        } else if self.scan_ident(r) {
            Token::Ident
        } else {
            Token::Illegal
        }
    }

    fn scan_ident(&mut self, r: char) -> bool {
        if self.mode & SCAN_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(r) {
            self.skip();
        } else if !(self.accept)(r, self.pos - self.start) {
            return false;
        }
        loop {
            let r = self.read();
            if r == EOF {
                self.unread();
                break;
            }
            if self.scan_lbrack(r) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(r) {
                self.skip();
                continue;
            }
            if !(self.accept)(r, self.pos - self.start) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, r: char) -> bool {
        if self.mode & SCAN_LBRACK == 0 || r != '$' {
            return false;
        }
        if self.read() == '{' {
            return true;
        }
        self.unread();
        false
    }

    fn scan_rbrack(&self, r: char) -> bool {
        self.mode & SCAN_RBRACK != 0 && r == '}'
    }

    fn scan_escaped(&mut self, r: char) -> bool {
        if self.mode & SCAN_ESCAPE == 0 {
            return false;
        }
        if r == '$' && self.escapes & ESC_DOLLAR != 0 && self.peek() == '$' {
            return true;
        }
        if r == '\\' && self.escapes & ESC_BACKSLASH != 0 {
            return matches!(self.peek(), '/' | '\\');
        }
        false
    }
}

// The accept functions of scan.go.

pub(super) fn accept_rune(_: char, _: usize) -> bool {
    true
}

/// Go's `unicode.IsLetter || unicode.IsDigit || '_'` (Latin-1 exactly; beyond it Rust's
/// alphabetic and numeric properties, which differ from Go only on rare symbols).
pub(super) fn accept_ident(r: char, _: usize) -> bool {
    if (r as u32) <= 0xFF {
        return r.is_ascii_alphanumeric()
            || r == '_'
            || matches!(r, 'ª' | 'µ' | 'º')
            || (r.is_alphabetic() && !matches!(r, '×' | '÷'));
    }
    r.is_alphabetic() || r.is_numeric()
}

pub(super) fn accept_colon(r: char, _: usize) -> bool {
    r == ':'
}

pub(super) fn accept_one_hash(r: char, i: usize) -> bool {
    r == '#' && i == 1
}

pub(super) fn accept_not_closing(r: char, _: usize) -> bool {
    r != '}'
}

pub(super) fn accept_hash_func(r: char, i: usize) -> bool {
    r == '#' && i < 3
}

pub(super) fn accept_percent_func(r: char, i: usize) -> bool {
    r == '%' && i < 3
}

pub(super) fn accept_default_func(r: char, i: usize) -> bool {
    (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
}

pub(super) fn accept_replace_func(r: char, i: usize) -> bool {
    (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%'))
}

pub(super) fn accept_one_equal(r: char, i: usize) -> bool {
    i == 1 && r == '='
}

pub(super) fn accept_one_colon(r: char, i: usize) -> bool {
    i == 1 && r == ':'
}

pub(super) fn reject_colon_close(r: char, _: usize) -> bool {
    r != ':' && r != '}'
}

pub(super) fn accept_slash(r: char, _: usize) -> bool {
    r == '/'
}

pub(super) fn accept_not_slash(r: char, _: usize) -> bool {
    r != '/'
}

pub(super) fn accept_casing_func(r: char, i: usize) -> bool {
    (r == ',' || r == '^') && i < 3
}
