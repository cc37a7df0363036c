//! The parser of Flux's envsubst (fluxcd/pkg `envsubst/parse/parse.go`), ported rule for rule.
//!
//! Two deliberate differences, neither visible in results: a run of text and expansions is kept
//! as one flat list (Go nests `ListNode{left, ListNode{...}}` one level per item; see
//! [`Node::to_go_shape`]), and nesting of `${…}` inside arguments is bounded by
//! [`MAX_NESTING`] so hostile input cannot exhaust the stack.

use super::scan::*;
use super::{EnvsubstError, ErrorKind};

/// Deepest nesting of `${…}` inside `${…}` arguments accepted.
pub const MAX_NESTING: usize = 64;

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Literal text (escapes already applied).
    Text(String),
    /// An expansion `${…}`.
    Func(FuncNode),
    /// A sequence of nodes, evaluated one after the other.
    List(Vec<Node>),
}

/// One `${…}` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncNode {
    /// The variable name.
    pub param: String,
    /// The operator as written (`""`, `":-"`, `"//"`, `"#"`, …).
    pub name: String,
    /// The operator's arguments.
    pub args: Vec<Node>,
    /// Byte offset of the `$` of `${` in the input.
    pub offset: usize,
}

/// A shape of the tree as Go builds it, for comparing with Go's parse tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoShape {
    /// `TextNode{Value}`.
    Text(String),
    /// `FuncNode{Param, Name, Args}`.
    Func(String, String, Vec<GoShape>),
    /// `ListNode{Nodes}`.
    List(Vec<GoShape>),
}

impl Node {
    /// The tree Go's parser would build: runs nest to the right, `ListNode{a, ListNode{b, c}}`.
    pub fn to_go_shape(&self) -> GoShape {
        match self {
            Node::Text(t) => GoShape::Text(t.clone()),
            Node::Func(f) => GoShape::Func(
                f.param.clone(),
                f.name.clone(),
                f.args.iter().map(Node::to_go_shape).collect(),
            ),
            Node::List(items) => {
                let mut shapes = items.iter().rev().map(Node::to_go_shape);
                let mut acc = shapes.next().unwrap_or(GoShape::Text(String::new()));
                for s in shapes {
                    acc = GoShape::List(vec![s, acc]);
                }
                acc
            }
        }
    }
}

/// Parses a template.
pub fn parse(input: &str) -> Result<Node, EnvsubstError> {
    let mut p = Parser {
        s: Scanner::new(input),
        starts: Vec::new(),
    };
    p.parse_any()
}

struct Parser<'a> {
    s: Scanner<'a>,
    /// Offsets of the `${` being parsed, innermost last.
    starts: Vec<usize>,
}

type PResult<T> = Result<T, EnvsubstError>;

impl Parser<'_> {
    fn err(&self, kind: ErrorKind) -> EnvsubstError {
        let offset = self.starts.last().copied().unwrap_or(self.s.pos);
        EnvsubstError::new(kind, offset)
    }

    /// `parseAny`, iteratively: text and expansions up to the end of input.
    fn parse_any(&mut self) -> PResult<Node> {
        let mut items = Vec::new();
        loop {
            self.s.accept = accept_rune;
            self.s.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
            self.s.escapes = ESC_DOLLAR;
            match self.s.scan() {
                Token::Ident => items.push(Node::Text(self.s.text())),
                Token::Eof => break,
                Token::Lbrack => items.push(self.parse_func()?),
                _ => return Err(self.err(ErrorKind::BadSubstitution)),
            }
        }
        Ok(match items.len() {
            0 => Node::Text(String::new()),
            1 => items.pop().unwrap_or(Node::Text(String::new())),
            _ => Node::List(items),
        })
    }

    /// `parseFunc`: called just after `${`.
    fn parse_func(&mut self) -> PResult<Node> {
        if self.starts.len() >= MAX_NESTING {
            return Err(self.err(ErrorKind::TooDeep));
        }
        self.starts.push(self.s.start);
        let node = self.parse_func_body();
        self.starts.pop();
        node.map(Node::Func)
    }

    fn func(&self, param: String) -> FuncNode {
        FuncNode {
            param,
            name: String::new(),
            args: Vec::new(),
            offset: self.starts.last().copied().unwrap_or(0),
        }
    }

    fn parse_func_body(&mut self) -> PResult<FuncNode> {
        self.s.escapes = ESC_ALL;
        if self.s.peek() == '#' {
            return self.parse_len_func();
        }
        self.s.accept = accept_ident;
        self.s.mode = SCAN_IDENT;
        let name = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => return Err(self.err(ErrorKind::ParseVariableName)),
        };
        match self.s.peek() {
            ':' => return self.parse_default_or_substr(name),
            '=' => return self.parse_default_func(name),
            ',' | '^' => return self.parse_casing_func(name),
            '/' => return self.parse_replace_func(name),
            '#' => return self.parse_remove_func(name, accept_hash_func),
            '%' => return self.parse_remove_func(name, accept_percent_func),
            _ => {}
        }
        self.s.accept = accept_ident;
        self.s.mode = SCAN_RBRACK;
        match self.s.scan() {
            Token::Rbrack => Ok(self.func(name)),
            _ => Err(self.err(ErrorKind::MissingClosingBrace)),
        }
    }

    /// `parseParam`: one argument, text or a nested expansion.
    fn parse_param(&mut self, accept: Accept, mode: u8) -> PResult<Node> {
        self.s.accept = accept;
        self.s.mode = mode | SCAN_LBRACK;
        match self.s.scan() {
            Token::Lbrack => self.parse_func(),
            Token::Ident | Token::Rbrack => Ok(Node::Text(self.s.text())),
            _ => Err(self.err(ErrorKind::ParseFuncSubstitution)),
        }
    }

    fn parse_default_or_substr(&mut self, name: String) -> PResult<FuncNode> {
        self.s.read();
        let r = self.s.peek();
        self.s.unread();
        match r {
            '=' | '-' | '?' | '+' => self.parse_default_func(name),
            // Go steps back by the width of the peeked rune, not of the `:`: after a multi-byte
            // rune the scanner sits before the `:` and the substring parse fails, as here.
            _ => self.parse_substr_func(name),
        }
    }

    /// `${param:offset}` and `${param:offset:length}`.
    fn parse_substr_func(&mut self, name: String) -> PResult<FuncNode> {
        let mut node = self.func(name);
        self.s.accept = accept_one_colon;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        node.args
            .push(self.parse_param(reject_colon_close, SCAN_IDENT)?);
        self.s.accept = accept_colon;
        self.s.mode = SCAN_IDENT | SCAN_RBRACK;
        match self.s.scan() {
            Token::Rbrack => return Ok(node),
            Token::Ident => {}
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        node.args
            .push(self.parse_param(accept_not_closing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(node)
    }

    /// `${param#word}`, `##`, `%`, `%%`.
    fn parse_remove_func(&mut self, name: String, accept: Accept) -> PResult<FuncNode> {
        let mut node = self.func(name);
        self.s.accept = accept;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        node.args
            .push(self.parse_param(accept_not_closing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(node)
    }

    /// `${param/pattern/string}`, `//`, `/#`, `/%`.
    fn parse_replace_func(&mut self, name: String) -> PResult<FuncNode> {
        let mut node = self.func(name);
        self.s.accept = accept_replace_func;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        if self.s.peek() == '/' {
            // An empty pattern (`${param/#/string}`).
            node.args.push(Node::Text(String::new()));
        } else {
            node.args
                .push(self.parse_param(accept_not_slash, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        self.s.accept = accept_slash;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => {}
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        if self.s.peek() == '}' {
            self.consume_rbrack()?;
            return Ok(node);
        }
        node.args
            .push(self.parse_param(accept_not_closing, SCAN_IDENT | SCAN_ESCAPE)?);
        self.consume_rbrack()?;
        Ok(node)
    }

    /// `${param=word}`, `:=`, `:-`, `:?`, `:+`.
    fn parse_default_func(&mut self, name: String) -> PResult<FuncNode> {
        let mut node = self.func(name);
        self.s.accept = if self.s.peek() == '=' {
            accept_one_equal
        } else {
            accept_default_func
        };
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::ParseDefaultFunction)),
        }
        loop {
            if self.s.peek() == '}' {
                self.consume_rbrack()?;
                return Ok(node);
            }
            node.args
                .push(self.parse_param(accept_not_closing, SCAN_IDENT)?);
        }
    }

    /// `${param,}`, `,,`, `^`, `^^`.
    fn parse_casing_func(&mut self, name: String) -> PResult<FuncNode> {
        let mut node = self.func(name);
        self.s.accept = accept_casing_func;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        self.consume_rbrack()?;
        Ok(node)
    }

    /// `${#param}`.
    fn parse_len_func(&mut self) -> PResult<FuncNode> {
        let mut node = self.func(String::new());
        self.s.accept = accept_one_hash;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.name = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        self.s.accept = accept_ident;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => node.param = self.s.text(),
            _ => return Err(self.err(ErrorKind::BadSubstitution)),
        }
        self.consume_rbrack()?;
        Ok(node)
    }

    fn consume_rbrack(&mut self) -> PResult<()> {
        self.s.mode = SCAN_RBRACK;
        if self.s.scan() != Token::Rbrack {
            return Err(self.err(ErrorKind::BadSubstitution));
        }
        Ok(())
    }
}
