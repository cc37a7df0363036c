//! Executes a parsed template against [`Data`], with Go's scoping of variables.

use super::data::Data;
use super::funcs;
use super::parse::{Node, Operand, Pipe, Tree};

/// Runs `tree` with `root` as `.` and `$`.
pub fn execute(tree: &Tree, root: &Data) -> Result<String, String> {
    let mut state = State {
        vars: vec![(String::new(), root.clone())],
        out: String::new(),
    };
    state.walk(tree, root)?;
    Ok(state.out)
}

struct State {
    vars: Vec<(String, Data)>,
    out: String,
}

impl State {
    fn walk(&mut self, tree: &Tree, dot: &Data) -> Result<(), String> {
        for node in tree {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let value = self.pipe(pipe, dot)?;
                    if pipe.vars.is_empty() {
                        self.out.push_str(&value.print());
                    }
                }
                Node::If(branches, else_body) => {
                    let mark = self.vars.len();
                    let mut taken = false;
                    for (cond, body) in branches {
                        if self.pipe(cond, dot)?.truthy() {
                            self.walk(body, dot)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.walk(else_body, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::With(pipe, body, else_body) => {
                    let mark = self.vars.len();
                    let value = self.pipe(pipe, dot)?;
                    if value.truthy() {
                        self.walk(body, &value)?;
                    } else {
                        self.walk(else_body, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::Range(pipe, body, else_body) => self.range(pipe, body, else_body, dot)?,
            }
        }
        Ok(())
    }

    fn range(
        &mut self,
        pipe: &Pipe,
        body: &Tree,
        else_body: &Tree,
        dot: &Data,
    ) -> Result<(), String> {
        let mark = self.vars.len();
        let bare = Pipe {
            vars: Vec::new(),
            declare: false,
            cmds: pipe.cmds.clone(),
        };
        let value = self.pipe(&bare, dot)?;
        let pairs: Vec<(Data, Data)> = match value {
            Data::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Data::Int(i as i64), v))
                .collect(),
            Data::Map(entries) => entries,
            Data::Missing => Vec::new(),
            other => return Err(format!("range can't iterate over {}", other.print())),
        };
        if pipe.vars.len() > 2 {
            return Err("too many variables in range".into());
        }
        if pairs.is_empty() {
            self.walk(else_body, dot)?;
        }
        for (key, value) in pairs {
            let inner = self.vars.len();
            match pipe.vars.as_slice() {
                [v] => self.vars.push((v.clone(), value.clone())),
                [k, v] => {
                    self.vars.push((k.clone(), key));
                    self.vars.push((v.clone(), value.clone()));
                }
                _ => {}
            }
            self.walk(body, &value)?;
            self.vars.truncate(inner);
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &Data) -> Result<Data, String> {
        let mut value: Option<Data> = None;
        for cmd in &pipe.cmds {
            value = Some(self.command(cmd, dot, value)?);
        }
        let value = value.unwrap_or(Data::Missing);
        if pipe.declare {
            for v in &pipe.vars {
                self.vars.push((v.clone(), value.clone()));
            }
        } else {
            for v in &pipe.vars {
                let slot = self
                    .vars
                    .iter_mut()
                    .rev()
                    .find(|(n, _)| n == v)
                    .ok_or_else(|| format!("undefined variable: ${v}"))?;
                slot.1 = value.clone();
            }
        }
        Ok(value)
    }

    fn command(
        &mut self,
        cmd: &[Operand],
        dot: &Data,
        piped: Option<Data>,
    ) -> Result<Data, String> {
        if let Some(Operand::Func(name)) = cmd.first() {
            let mut args = cmd[1..]
                .iter()
                .map(|a| self.operand(a, dot))
                .collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return funcs::call(name, args);
        }
        if cmd.len() > 1 || piped.is_some() {
            return Err("can't give argument to non-function".into());
        }
        self.operand(&cmd[0], dot)
    }

    fn operand(&mut self, op: &Operand, dot: &Data) -> Result<Data, String> {
        let (base, chain) = match op {
            Operand::Dot(chain) => (dot.clone(), chain),
            Operand::Var(name, chain) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable: ${name}"))?;
                (value, chain)
            }
            Operand::Sub(pipe, chain) => (self.pipe(pipe, dot)?, chain),
            Operand::Str(s) => return Ok(Data::Str(s.clone())),
            Operand::Int(n) => return Ok(Data::Int(*n)),
            Operand::Bool(b) => return Ok(Data::Bool(*b)),
            Operand::Nil => return Ok(Data::Missing),
            Operand::Func(name) => return funcs::call(name, Vec::new()),
        };
        chain.iter().try_fold(base, |v, f| v.field(f))
    }
}
