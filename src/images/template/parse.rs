//! Parses the subset of Go's text/template that commit message templates use: text, `{{ }}`
//! actions with `{{-`/`-}}` trimming and comments, pipelines with `|`, field chains, variables
//! (`$x :=`, `$x =`, `$k, $v := range`), `if`/`else if`/`else`, `range`/`else`, `with`/`else`,
//! `end`, parentheses, string, number and boolean literals, and function calls.

/// A parsed template.
pub type Tree = Vec<Node>;

/// One node of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Literal text.
    Text(String),
    /// `{{ pipeline }}`: prints the value unless the pipeline declares a variable.
    Action(Pipe),
    /// `{{ if }}` branches (condition, body) and the `else` body.
    If(Vec<(Pipe, Tree)>, Tree),
    /// `{{ range }}`: the pipeline, the body and the `else` body.
    Range(Pipe, Tree, Tree),
    /// `{{ with }}`: the pipeline, the body and the `else` body.
    With(Pipe, Tree, Tree),
}

/// A pipeline, optionally assigning its result to variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipe {
    /// Variables (without `$`) declared or assigned.
    pub vars: Vec<String>,
    /// `:=` (true) or `=` (false) when `vars` is not empty.
    pub declare: bool,
    /// Commands separated by `|`.
    pub cmds: Vec<Vec<Operand>>,
}

/// An operand of a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `.` followed by fields (`.A.B`; empty for `.` itself).
    Dot(Vec<String>),
    /// `$name` followed by fields (`$` itself is the name `""`).
    Var(String, Vec<String>),
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// `nil`.
    Nil,
    /// A function name.
    Func(String),
    /// `( pipeline )` followed by fields.
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Str(String),
    Int(i64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// A token and whether it directly follows the previous one (no space between).
type Token = (Tok, bool);

enum Item {
    Text(String),
    Action(Vec<Token>, usize),
}

/// Parses template text, or says what is wrong and on which line.
pub fn parse(src: &str) -> Result<Tree, String> {
    let items = lex(src)?;
    let mut at = 0;
    let (tree, end) = parse_list(&items, &mut at)?;
    match end {
        None => Ok(tree),
        Some((word, line)) => Err(format!("line {line}: unexpected {{{{{word}}}}}")),
    }
}

/// Splits the text into literal text and action tokens, applying `{{-` and `-}}` trimming.
fn lex(src: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut rest = src;
    let mut trim_next = false;
    let line_of = |rest: &str| src[..src.len() - rest.len()].matches('\n').count() + 1;
    while !rest.is_empty() {
        let (text, action) = match rest.find("{{") {
            Some(i) => (&rest[..i], Some(i)),
            None => (rest, None),
        };
        let mut text = if trim_next { text.trim_start() } else { text };
        let Some(i) = action else {
            push_text(&mut items, text);
            break;
        };
        let after = &rest[i + 2..];
        let trim_left = after.starts_with("- ")
            || after.starts_with("-\n")
            || after.starts_with("-\t")
            || after.starts_with("-\r");
        if trim_left {
            text = text.trim_end();
        }
        push_text(&mut items, text);
        let line = line_of(&rest[i..]);
        let body = if trim_left { &after[1..] } else { after };
        let trimmed = body.trim_start();
        if let Some(comment) = trimmed.strip_prefix("/*") {
            let close = comment
                .find("*/")
                .ok_or_else(|| format!("line {line}: unclosed comment"))?;
            let tail = comment[close + 2..].trim_start();
            let (tail, trim) = if let Some(t) = tail.strip_prefix("-}}") {
                (t, true)
            } else if let Some(t) = tail.strip_prefix("}}") {
                (t, false)
            } else {
                return Err(format!("line {line}: comment ends without }}}}"));
            };
            trim_next = trim;
            rest = tail;
            continue;
        }
        let (tokens, consumed, trim_right) =
            lex_action(body).map_err(|e| format!("line {line}: {e}"))?;
        items.push(Item::Action(tokens, line));
        trim_next = trim_right;
        rest = &body[consumed..];
    }
    Ok(items)
}

fn push_text(items: &mut Vec<Item>, text: &str) {
    if !text.is_empty() {
        items.push(Item::Text(text.to_string()));
    }
}

/// Lexes the inside of an action up to its `}}`; returns the tokens, the bytes consumed
/// (including `}}`) and whether it ended with `-}}`.
fn lex_action(s: &str) -> Result<(Vec<Token>, usize, bool), String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut out: Vec<Token> = Vec::new();
    let mut adjacent = false;
    let ident_end = |from: usize| {
        let mut j = from;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    loop {
        let Some(&c) = bytes.get(i) else {
            return Err("unclosed action (missing }})".into());
        };
        if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
            if s[i..].trim_start().starts_with("-}}") {
                let j = i + (s[i..].len() - s[i..].trim_start().len());
                return Ok((out, j + 3, true));
            }
            i += 1;
            adjacent = false;
            continue;
        }
        if s[i..].starts_with("}}") {
            return Ok((out, i + 2, false));
        }
        let tok = match c {
            b'.' => {
                let end = ident_end(i + 1);
                let t = if end > i + 1 {
                    Tok::Field(s[i + 1..end].to_string())
                } else {
                    Tok::Dot
                };
                i = end.max(i + 1);
                t
            }
            b'$' => {
                let end = ident_end(i + 1);
                let t = Tok::Var(s[i + 1..end].to_string());
                i = end;
                t
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'|' => {
                i += 1;
                Tok::Pipe
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' if bytes.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Declare
            }
            b'=' => {
                i += 1;
                Tok::Assign
            }
            b'"' => {
                let (text, len) = lex_string(&s[i..])?;
                i += len;
                Tok::Str(text)
            }
            b'`' => {
                let close = s[i + 1..].find('`').ok_or("unterminated raw string")?;
                let t = Tok::Str(s[i + 1..i + 1 + close].to_string());
                i += close + 2;
                t
            }
            b'-' | b'0'..=b'9' => {
                let mut end = i + 1;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
                let n = s[i..end]
                    .parse::<i64>()
                    .map_err(|_| format!("bad number {:?}", &s[i..end]))?;
                i = end;
                Tok::Int(n)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = ident_end(i);
                let t = Tok::Ident(s[i..end].to_string());
                i = end;
                t
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(format!("unexpected {ch:?} in action"));
            }
        };
        out.push((tok, adjacent));
        adjacent = true;
    }
}

/// A double-quoted Go string literal; returns its value and length in bytes.
fn lex_string(s: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\n' => break,
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                other => return Err(format!("unsupported escape \\{}", other.unwrap_or(' '))),
            },
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

/// The keyword ending a list: `else` (with its remaining tokens) or `end`, and the line.
type End<'a> = Option<(String, usize)>;

fn parse_list<'a>(items: &'a [Item], at: &mut usize) -> Result<(Tree, End<'a>), String> {
    let mut tree = Vec::new();
    while let Some(item) = items.get(*at) {
        *at += 1;
        let (tokens, line) = match item {
            Item::Text(t) => {
                tree.push(Node::Text(t.clone()));
                continue;
            }
            Item::Action(tokens, line) => (tokens.as_slice(), *line),
        };
        let err = |e: String| format!("line {line}: {e}");
        let keyword = match tokens.first() {
            Some((Tok::Ident(w), _)) => w.as_str(),
            _ => "",
        };
        match keyword {
            "end" if tokens.len() == 1 => return Ok((tree, Some(("end".into(), line)))),
            "else" => {
                *at -= 1;
                return Ok((tree, Some(("else".into(), line))));
            }
            "if" => {
                let mut branches = vec![(parse_pipe(&tokens[1..]).map_err(err)?, Vec::new())];
                let else_body = loop {
                    let (body, end) = parse_list(items, at)?;
                    if let Some(branch) = branches.last_mut() {
                        branch.1 = body;
                    }
                    match end {
                        Some((w, _)) if w == "end" => break Vec::new(),
                        Some((w, l)) if w == "else" => {
                            let Some(Item::Action(else_tokens, _)) = items.get(*at) else {
                                return Err(format!("line {l}: misplaced else"));
                            };
                            *at += 1;
                            if matches!(else_tokens.get(1), Some((Tok::Ident(w), _)) if w == "if") {
                                let pipe = parse_pipe(&else_tokens[2..])
                                    .map_err(|e| format!("line {l}: {e}"))?;
                                branches.push((pipe, Vec::new()));
                                continue;
                            }
                            if else_tokens.len() > 1 {
                                return Err(format!(
                                    "line {l}: only `else` and `else if` are supported"
                                ));
                            }
                            break expect_end(items, at, l)?;
                        }
                        _ => return Err(format!("line {line}: `if` without `end`")),
                    }
                };
                tree.push(Node::If(branches, else_body));
            }
            "range" | "with" => {
                let pipe = parse_pipe(&tokens[1..]).map_err(err)?;
                let (body, end) = parse_list(items, at)?;
                let else_body = match end {
                    Some((w, _)) if w == "end" => Vec::new(),
                    Some((w, l)) if w == "else" => {
                        let Some(Item::Action(else_tokens, _)) = items.get(*at) else {
                            return Err(format!("line {l}: misplaced else"));
                        };
                        if else_tokens.len() > 1 {
                            return Err(format!(
                                "line {l}: only a plain `else` may follow `{keyword}`"
                            ));
                        }
                        *at += 1;
                        expect_end(items, at, l)?
                    }
                    _ => return Err(format!("line {line}: `{keyword}` without `end`")),
                };
                tree.push(if keyword == "range" {
                    Node::Range(pipe, body, else_body)
                } else {
                    Node::With(pipe, body, else_body)
                });
            }
            "define" | "template" | "block" | "break" | "continue" | "end" => {
                return Err(err(format!(
                    "`{keyword}` is not supported in commit message templates by fleetcheck"
                )));
            }
            _ => tree.push(Node::Action(parse_pipe(tokens).map_err(err)?)),
        }
    }
    Ok((tree, None))
}

/// Parses the body after `else` up to its `end`.
fn expect_end(items: &[Item], at: &mut usize, line: usize) -> Result<Tree, String> {
    let (body, end) = parse_list(items, at)?;
    match end {
        Some((w, _)) if w == "end" => Ok(body),
        Some((_, l)) => Err(format!("line {l}: a second `else`")),
        None => Err(format!("line {line}: `else` without `end`")),
    }
}

fn parse_pipe(tokens: &[Token]) -> Result<Pipe, String> {
    let mut vars = Vec::new();
    let mut declare = false;
    let mut rest = tokens;
    let decl_at = tokens
        .iter()
        .position(|(t, _)| matches!(t, Tok::Declare | Tok::Assign));
    if let Some(d) = decl_at {
        let names = &tokens[..d];
        let ok = names.iter().enumerate().all(|(i, (t, _))| match t {
            Tok::Var(_) => i % 2 == 0,
            Tok::Comma => i % 2 == 1,
            _ => false,
        });
        if !ok || names.is_empty() {
            return Err("bad variable declaration".into());
        }
        vars = names
            .iter()
            .filter_map(|(t, _)| match t {
                Tok::Var(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        declare = tokens[d].0 == Tok::Declare;
        rest = &tokens[d + 1..];
    }
    let mut cmds = Vec::new();
    let mut cmd = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        if rest[i].0 == Tok::Pipe {
            if cmd.is_empty() {
                return Err("missing command before |".into());
            }
            cmds.push(std::mem::take(&mut cmd));
            i += 1;
            continue;
        }
        let (operand, used) = parse_operand(&rest[i..])?;
        cmd.push(operand);
        i += used;
    }
    if cmd.is_empty() {
        return Err("missing value for command".into());
    }
    cmds.push(cmd);
    Ok(Pipe {
        vars,
        declare,
        cmds,
    })
}

/// Parses one operand and the fields chained to it; returns it and the tokens used.
fn parse_operand(tokens: &[Token]) -> Result<(Operand, usize), String> {
    let (operand, mut used) = match &tokens[0].0 {
        Tok::Dot => (Operand::Dot(Vec::new()), 1),
        Tok::Field(f) => (Operand::Dot(vec![f.clone()]), 1),
        Tok::Var(v) => (Operand::Var(v.clone(), Vec::new()), 1),
        Tok::Str(s) => (Operand::Str(s.clone()), 1),
        Tok::Int(n) => (Operand::Int(*n), 1),
        Tok::Ident(w) if w == "true" || w == "false" => (Operand::Bool(w == "true"), 1),
        Tok::Ident(w) if w == "nil" => (Operand::Nil, 1),
        Tok::Ident(w) => (Operand::Func(w.clone()), 1),
        Tok::LParen => {
            let mut depth = 0;
            let close = tokens
                .iter()
                .position(|(t, _)| {
                    match t {
                        Tok::LParen => depth += 1,
                        Tok::RParen => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .ok_or("unclosed left paren")?;
            let inner = parse_pipe(&tokens[1..close])?;
            (Operand::Sub(Box::new(inner), Vec::new()), close + 1)
        }
        other => return Err(format!("unexpected {other:?} in command")),
    };
    let mut operand = operand;
    while let Some((Tok::Field(f), true)) = tokens.get(used) {
        match &mut operand {
            Operand::Dot(chain) | Operand::Var(_, chain) | Operand::Sub(_, chain) => {
                chain.push(f.clone())
            }
            _ => return Err(format!("unexpected .{f}")),
        }
        used += 1;
    }
    Ok((operand, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_comments() {
        let t = parse("a  {{- /* c */ -}}  b {{ .X -}}\n  c").unwrap();
        assert_eq!(
            t,
            vec![
                Node::Text("a".into()),
                Node::Text("b ".into()),
                Node::Action(Pipe {
                    vars: vec![],
                    declare: false,
                    cmds: vec![vec![Operand::Dot(vec!["X".into()])]]
                }),
                Node::Text("c".into()),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert!(parse("{{ if .X }}").unwrap_err().contains("line 1"));
        assert!(parse("a\n{{ end }}").unwrap_err().contains("line 2"));
        assert!(
            parse("{{ template \"x\" }}")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(parse("{{ .X ").unwrap_err().contains("unclosed"));
    }
}
