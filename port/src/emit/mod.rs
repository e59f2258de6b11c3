//! Writing a translated [`Program`] as Lua or Rhai source: one standard
//! library call per bash command where one exists, the original bash as a
//! comment above each block, and the few helpers bash's expansion rules
//! need (word splitting, joining lists) only when the snippet uses them.

use std::cell::RefCell;
use std::collections::BTreeSet;

mod calls;
mod exprs;
mod helpers;

use crate::ir::{Answer, AnswerValue, Arg, Call, Expr, Item, List, Program, Source, Stmt, Value};

/// The language a translation is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Lua 5.4 (`{"lua": ...}` bodies).
    Lua,
    /// Rhai (`{"rhai": ...}` bodies).
    Rhai,
}

impl Target {
    /// The plan key of a body in this language.
    pub fn key(self) -> &'static str {
        match self {
            Target::Lua => "lua",
            Target::Rhai => "rhai",
        }
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        match s {
            "lua" => Ok(Target::Lua),
            "rhai" => Ok(Target::Rhai),
            other => Err(format!("unknown target `{other}`: use lua or rhai")),
        }
    }
}

/// Writes `program` in `target`.
pub fn emit(program: &Program, target: Target) -> String {
    let mut writer = Writer {
        target,
        lines: Vec::new(),
        indent: 0,
        helpers: BTreeSet::new(),
        outputs: RefCell::new(BTreeSet::new()),
    };
    for stmt in &program.body {
        writer.stmt(stmt);
    }
    writer.answer(&program.answer);
    let mut out = writer.helper_text();
    // Outputs by their bash names, as the snippet wrote them.
    for name in writer.outputs.borrow().iter() {
        match target {
            Target::Lua => out.push_str(&format!("local {name} = input.outputs.{name}\n")),
            Target::Rhai => out.push_str(&format!("let {name} = input.outputs.{name};\n")),
        }
    }
    if !writer.outputs.borrow().is_empty() {
        out.push('\n');
    }
    out.push_str(&writer.lines.join("\n"));
    out.push('\n');
    out
}

struct Writer {
    target: Target,
    lines: Vec<String>,
    indent: usize,
    helpers: BTreeSet<&'static str>,
    /// Outputs read, declared as variables of their own name at the top.
    outputs: RefCell<BTreeSet<String>>,
}

impl Writer {
    fn lua(&self) -> bool {
        self.target == Target::Lua
    }

    fn line(&mut self, text: impl AsRef<str>) {
        let pad = "    ".repeat(self.indent);
        self.lines.push(format!("{pad}{}", text.as_ref()));
    }

    fn comment(&mut self, text: &str) {
        let mark = if self.lua() { "--" } else { "//" };
        for line in text.lines() {
            if line.trim().is_empty() {
                self.line(mark);
            } else {
                self.line(format!("{mark} {line}"));
            }
        }
    }

    fn block(&mut self, stmts: &[Stmt]) {
        self.indent += 1;
        for s in stmts {
            self.stmt(s);
        }
        self.indent -= 1;
    }

    fn end(&self) -> &'static str {
        if self.lua() {
            ""
        } else {
            ";"
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        let semi = self.end();
        match stmt {
            Stmt::Comment(text) => self.comment(text),
            Stmt::Call(call) => {
                let text = self.call(call);
                self.line(format!("{text}{semi}"));
            }
            Stmt::Declare(id, value) => {
                let v = self.value(value);
                let kw = if self.lua() { "local" } else { "let" };
                self.line(format!("{kw} {id} = {v}{semi}"));
            }
            Stmt::Assign(id, value) => {
                let v = self.value(value);
                self.line(format!("{id} = {v}{semi}"));
            }
            Stmt::Append(id, list) => {
                if self.lua() {
                    for item in &list.0 {
                        match item {
                            Item::Word(e) => {
                                let e = self.expr(e);
                                self.line(format!("table.insert({id}, {e})"));
                            }
                            other => {
                                let l = self.item_list(other);
                                self.line(format!(
                                    "for _, word in ipairs({l}) do table.insert({id}, word) end"
                                ));
                            }
                        }
                    }
                } else {
                    let l = self.list(list);
                    self.line(format!("{id} += {l};"));
                }
            }
            Stmt::AppendText(id, e) => {
                let e = self.expr(e);
                if self.lua() {
                    self.line(format!("{id} = {id} .. {e}"));
                } else {
                    self.line(format!("{id} += {e};"));
                }
            }
            Stmt::If(arms, otherwise) => {
                for (i, (cond, body)) in arms.iter().enumerate() {
                    let c = self.cond(cond);
                    match (self.lua(), i) {
                        (true, 0) => self.line(format!("if {c} then")),
                        (true, _) => self.line(format!("elseif {c} then")),
                        (false, 0) => self.line(format!("if {c} {{")),
                        (false, _) => self.line(format!("}} else if {c} {{")),
                    }
                    self.block(body);
                }
                if !otherwise.is_empty() {
                    self.line(if self.lua() { "else" } else { "} else {" });
                    self.block(otherwise);
                }
                self.line(if self.lua() { "end" } else { "}" });
            }
            Stmt::For(id, list, body) => {
                let l = self.list(list);
                if self.lua() {
                    self.line(format!("for _, {id} in ipairs({l}) do"));
                } else {
                    self.line(format!("for {id} in {l} {{"));
                }
                self.block(body);
                if self.lua() && continues(body) {
                    // Lua has no `continue`: a `goto` to the end of the body.
                    self.line("    ::continue::");
                }
                self.line(if self.lua() { "end" } else { "}" });
            }
            Stmt::Continue => {
                self.line(if self.lua() {
                    "goto continue"
                } else {
                    "continue;"
                });
            }
            Stmt::Try(body) => {
                if self.lua() {
                    self.line("pcall(function()");
                    self.block(body);
                    self.line("end)");
                } else {
                    self.line("try {");
                    self.block(body);
                    self.line("} catch {}");
                }
            }
            Stmt::Log(e) => {
                let e = self.expr(e);
                if self.lua() {
                    self.line(format!("std.log{{{e}}}"));
                } else {
                    self.line(format!("log({e});"));
                }
            }
            Stmt::Fail(e) => {
                let e = self.expr(e);
                if self.lua() {
                    self.line(format!("error({e})"));
                } else {
                    self.line(format!("throw {e};"));
                }
            }
            Stmt::Bash {
                script, env, cwd, ..
            } => {
                let mut argv: Vec<Item> = ["bash", "-e", "-o", "pipefail", "-O", "nullglob", "-c"]
                    .iter()
                    .map(|s| Item::Word(Expr::Lit(s.to_string())))
                    .collect();
                argv.push(Item::Word(Expr::Lit(script.clone())));
                let mut call = Call::new("run").arg("argv", Arg::List(List(argv)));
                if !env.is_empty() {
                    call = call.arg("env", Arg::Map(env.clone()));
                }
                if let Some(cwd) = cwd {
                    call = call.arg("cwd", Arg::Str(cwd.clone()));
                }
                let text = self.call(&call);
                self.line(format!("{text}{semi}"));
            }
        }
    }

    fn answer(&mut self, answer: &Answer) {
        let mut parts = Vec::new();
        for (key, entries) in [
            ("attrs", &answer.attrs),
            ("env", &answer.env),
            ("state", &answer.state),
        ] {
            if entries.is_empty() {
                continue;
            }
            let fields: Vec<String> = entries
                .iter()
                .map(|(name, value)| {
                    let v = self.answer_value(value);
                    self.field(name, &v)
                })
                .collect();
            parts.push(self.field(key, &self.map(&fields)));
        }
        if let Some(cwd) = &answer.cwd {
            let c = self.expr(cwd);
            parts.push(self.field("cwd", &c));
        }
        if parts.is_empty() {
            if !self.lua() {
                self.line("#{}");
            }
            return;
        }
        let map = self.map(&parts);
        if self.lua() {
            self.line(format!("return {map}"));
        } else {
            self.line(map);
        }
    }

    fn answer_value(&mut self, value: &AnswerValue) -> String {
        match (value, self.lua()) {
            (AnswerValue::Var(id), _) => id.clone(),
            (AnswerValue::Flag(id), true) => format!("{id} ~= \"\""),
            (AnswerValue::Flag(id), false) => format!("{id} != \"\""),
            (AnswerValue::Number(id), true) => format!("tonumber({id}) or {id}"),
            (AnswerValue::Number(id), false) => {
                self.helpers.insert("number_or_text");
                format!("number_or_text({id})")
            }
            (AnswerValue::Null, true) => "null".into(),
            (AnswerValue::Null, false) => "()".into(),
        }
    }

    fn field(&self, name: &str, value: &str) -> String {
        let plain = is_identifier(name) && crate::lower::local_name(name) == name;
        match (self.lua(), plain) {
            (true, true) => format!("{name} = {value}"),
            (true, false) => format!("[{}] = {value}", quote(name, self.target)),
            (false, true) => format!("{name}: {value}"),
            (false, false) => format!("{}: {value}", quote(name, self.target)),
        }
    }

    fn map(&self, fields: &[String]) -> String {
        if self.lua() {
            format!("{{{}}}", fields.join(", "))
        } else {
            format!("#{{{}}}", fields.join(", "))
        }
    }

    fn value(&mut self, value: &Value) -> String {
        match value {
            Value::Text(e) => self.expr(e),
            Value::List(l) => self.fresh_list(l),
            Value::From(source, kind) => {
                let s = self.source(source);
                let missing_ok = !matches!(source, Source::Input("outputs", _) | Source::StartDir);
                match (kind, self.lua(), missing_ok) {
                    (crate::ir::Kind::Text, true, true) => format!("{s} or \"\""),
                    (crate::ir::Kind::List, true, true) => format!("{s} or {{}}"),
                    (crate::ir::Kind::Text, false, true) => format!("{s} ?? \"\""),
                    (crate::ir::Kind::List, false, true) => format!("{s} ?? []"),
                    _ => s,
                }
            }
        }
    }

    fn source(&self, source: &Source) -> String {
        match source {
            Source::Local(id) => id.clone(),
            Source::StartDir => "input.paths.cwd".into(),
            Source::Input("outputs", key)
                if is_identifier(key) && crate::lower::local_name(key) == *key =>
            {
                self.outputs.borrow_mut().insert(key.clone());
                key.clone()
            }
            // A keyword cannot follow a dot (`input.outputs.static` in Rhai).
            Source::Input(table, key)
                if is_identifier(key) && crate::lower::local_name(key) == *key =>
            {
                format!("input.{table}.{key}")
            }
            Source::Input(table, key) => format!("input.{table}[{}]", quote(key, self.target)),
        }
    }
}

/// Whether a loop body has a `continue` for this loop (not an inner one's).
fn continues(body: &[Stmt]) -> bool {
    body.iter().any(|s| match s {
        Stmt::Continue => true,
        Stmt::If(arms, otherwise) => arms.iter().any(|(_, b)| continues(b)) || continues(otherwise),
        Stmt::Try(b) => continues(b),
        _ => false,
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A string literal.
fn quote(text: &str, target: Target) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => match target {
                Target::Lua => out.push_str(&format!("\\{:03}", c as u32)),
                Target::Rhai => out.push_str(&format!("\\x{:02x}", c as u32)),
            },
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
