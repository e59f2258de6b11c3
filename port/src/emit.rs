//! Writing a translated [`Program`] as Lua or Rhai source: one standard
//! library call per bash command where one exists, the original bash as a
//! comment above each block, and the few helpers bash's expansion rules
//! need (word splitting, joining lists) only when the snippet uses them.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::ir::{
    Answer, AnswerValue, Arg, AsText, Call, Cond, Expr, FileTest, Item, List, Pattern, Program,
    Source, Stmt, StrOp, Value,
};

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
            (AnswerValue::Number(id), false) => format!("parse_int({id})"),
            (AnswerValue::Null, true) => "null".into(),
            (AnswerValue::Null, false) => "()".into(),
        }
    }

    fn field(&self, name: &str, value: &str) -> String {
        let plain = is_identifier(name);
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
            Source::Input(table, key) if is_identifier(key) => format!("input.{table}.{key}"),
            Source::Input(table, key) => format!("input.{table}[{}]", quote(key, self.target)),
        }
    }

    fn expr(&mut self, expr: &Expr) -> String {
        match expr {
            Expr::Lit(s) => quote(s, self.target),
            Expr::Var(source, text) => {
                let s = self.source(source);
                match (text, self.lua()) {
                    (AsText::Plain, _) => s,
                    (AsText::MaybeMissing, true) => format!("({s} or \"\")"),
                    (AsText::MaybeMissing, false) => format!("({s} ?? \"\")"),
                    (AsText::Flag, true) => format!("({s} and \"1\" or \"\")"),
                    (AsText::Flag, false) => format!("(if {s} {{ \"1\" }} else {{ \"\" }})"),
                    (AsText::Number, true) => format!("tostring({s})"),
                    (AsText::Number, false) => format!("{s}.to_string()"),
                    (AsText::First, true) => format!("(({s} or {{}})[1] or \"\")"),
                    (AsText::First, false) => {
                        format!("(if ({s} ?? []).is_empty() {{ \"\" }} else {{ {s}[0] }})")
                    }
                }
            }
            Expr::Concat(parts) => {
                let op = if self.lua() { " .. " } else { " + " };
                let newlines: usize = parts
                    .iter()
                    .map(|p| match p {
                        Expr::Lit(s) => s.matches('\n').count(),
                        _ => 0,
                    })
                    .sum();
                if newlines >= 3 {
                    return self.lines_of(parts, op);
                }
                let texts: Vec<String> = parts.iter().map(|p| self.operand(p)).collect();
                texts.join(op)
            }
            Expr::Join(list) => {
                let l = self.list(list);
                if self.lua() {
                    format!("table.concat({l}, \" \")")
                } else {
                    self.helpers.insert("join_words");
                    format!("join_words({l})")
                }
            }
            Expr::Choose(cond, a, b) => {
                let c = self.cond(cond);
                let a = self.operand(a);
                let b = self.operand(b);
                if self.lua() {
                    format!("({c} and {a} or {b})")
                } else {
                    format!("(if {c} {{ {a} }} else {{ {b} }})")
                }
            }
            Expr::Op(op, e) => self.op(op, e),
            Expr::Capture(call) => {
                let c = self.call(call);
                if self.lua() {
                    format!("({c}.stdout:gsub(\"\\n+$\", \"\"))")
                } else {
                    self.helpers.insert("chomp");
                    format!("chomp({c}.stdout)")
                }
            }
            Expr::Length(e) => {
                let e = self.operand(e);
                if self.lua() {
                    format!("tostring(#{e})")
                } else {
                    format!("{e}.len().to_string()")
                }
            }
        }
    }

    /// A long text (a here-document) written one line of it per source line.
    fn lines_of(&mut self, parts: &[Expr], op: &str) -> String {
        let mut lines: Vec<Vec<String>> = vec![Vec::new()];
        for part in parts {
            match part {
                Expr::Lit(text) => {
                    for piece in text.split_inclusive('\n') {
                        lines
                            .last_mut()
                            .expect("one line")
                            .push(quote(piece, self.target));
                        if piece.ends_with('\n') {
                            lines.push(Vec::new());
                        }
                    }
                }
                other => {
                    let text = self.operand(other);
                    lines.last_mut().expect("one line").push(text);
                }
            }
        }
        lines.retain(|l| !l.is_empty());
        let pad = "    ".repeat(self.indent + 1);
        let joined: Vec<String> = lines.iter().map(|l| l.join(op)).collect();
        format!(
            "\n{pad}{}",
            joined.join(&format!("{}\n{pad}", op.trim_end()))
        )
    }

    /// An expression safe to use as an operand (parenthesized when compound).
    fn operand(&mut self, expr: &Expr) -> String {
        let text = self.expr(expr);
        match expr {
            Expr::Concat(_) => format!("({text})"),
            _ => text,
        }
    }

    fn op(&mut self, op: &StrOp, e: &Expr) -> String {
        let s = self.operand(e);
        let lua = self.lua();
        match op {
            StrOp::StripPrefix(p) if lua => {
                format!("(({s}):gsub(\"^{}\", \"\"))", lua_pattern(p))
            }
            StrOp::StripSuffix(p) if lua => {
                format!("(({s}):gsub(\"{}$\", \"\"))", lua_pattern(p))
            }
            StrOp::AfterLast(c) if lua => {
                format!("(({s}):gsub(\"^.*{}\", \"\"))", lua_pattern(&c.to_string()))
            }
            StrOp::AfterFirst(c) if lua => {
                format!("(({s}):gsub(\"^.-{}\", \"\"))", lua_pattern(&c.to_string()))
            }
            StrOp::BeforeLast(c) if lua => {
                let c = lua_pattern(&c.to_string());
                format!("(({s}):gsub(\"{c}[^{c}]*$\", \"\"))")
            }
            StrOp::BeforeFirst(c) if lua => {
                format!("(({s}):gsub(\"{}.*$\", \"\"))", lua_pattern(&c.to_string()))
            }
            StrOp::Replace(a, b, all) if lua => {
                let count = if *all { String::new() } else { ", 1".into() };
                format!(
                    "(({s}):gsub(\"{}\", {}{count}))",
                    lua_pattern(a),
                    quote(&b.replace('%', "%%"), Target::Lua)
                )
            }
            StrOp::StripPrefix(p) => {
                let n = p.chars().count();
                format!(
                    "(if {s}.starts_with({q}) {{ {s}.sub_string({n}) }} else {{ {s} }})",
                    q = quote(p, Target::Rhai)
                )
            }
            StrOp::StripSuffix(p) => {
                let n = p.chars().count();
                format!(
                    "(if {s}.ends_with({q}) {{ {s}.sub_string(0, {s}.len() - {n}) }} else {{ {s} }})",
                    q = quote(p, Target::Rhai)
                )
            }
            StrOp::AfterLast(c) => {
                format!("{s}.split({})[-1]", quote(&c.to_string(), Target::Rhai))
            }
            StrOp::AfterFirst(c) | StrOp::BeforeFirst(c) | StrOp::BeforeLast(c) => {
                let name = match op {
                    StrOp::AfterFirst(_) => "after_first",
                    StrOp::BeforeFirst(_) => "before_first",
                    _ => "before_last",
                };
                self.helpers.insert(name);
                format!("{name}({s}, {})", quote(&c.to_string(), Target::Rhai))
            }
            StrOp::Replace(a, b, all) => {
                let name = if *all { "replace_all" } else { "replace_first" };
                self.helpers.insert(name);
                format!(
                    "{name}({s}, {}, {})",
                    quote(a, Target::Rhai),
                    quote(b, Target::Rhai)
                )
            }
            StrOp::Basename => {
                self.helpers.insert("basename");
                format!("basename({s})")
            }
            StrOp::Dirname => {
                self.helpers.insert("dirname");
                format!("dirname({s})")
            }
        }
    }

    fn cond(&mut self, cond: &Cond) -> String {
        let lua = self.lua();
        match cond {
            Cond::Const(b) => b.to_string(),
            Cond::Succeeds(call) => {
                let call = call.clone().arg("check", Arg::Bool(false));
                format!("{}.status == 0", self.call(&call))
            }
            Cond::File(test, path) => {
                let p = self.expr(path);
                let stat = |this: &mut Self, follow: bool| {
                    let mut call = Call::new("stat").arg("path", Arg::Str(path.clone()));
                    if !follow {
                        call = call.arg("follow", Arg::Bool(false));
                    }
                    this.call(&call)
                };
                let exists = self.call(&Call::new("exists").arg("path", Arg::Str(path.clone())));
                let _ = p;
                let (and, eq) = if lua { ("and", "==") } else { ("&&", "==") };
                match test {
                    FileTest::Exists => exists,
                    FileTest::Dir => {
                        format!("({exists} {and} {}.type {eq} \"dir\")", stat(self, true))
                    }
                    FileTest::File => {
                        format!("({exists} {and} {}.type {eq} \"file\")", stat(self, true))
                    }
                    FileTest::Executable => {
                        format!("({exists} {and} {}.executable)", stat(self, true))
                    }
                    FileTest::NonEmpty => format!("({exists} {and} {}.size > 0)", stat(self, true)),
                    FileTest::Symlink => format!("{}.type {eq} \"symlink\"", stat(self, false)),
                }
            }
            Cond::NonEmpty(e) => {
                let e = self.operand(e);
                if lua {
                    format!("{e} ~= \"\"")
                } else {
                    format!("{e} != \"\"")
                }
            }
            Cond::IsSet(source) => {
                let s = self.source(source);
                if lua {
                    format!("{s} ~= nil")
                } else {
                    format!("{s} != ()")
                }
            }
            Cond::Equal(a, b) => format!("{} == {}", self.operand(a), self.operand(b)),
            Cond::Matches(e, pattern) => self.matches(e, pattern),
            Cond::Compare(a, op, b) => {
                let (a, b) = (self.operand(a), self.operand(b));
                if lua {
                    let op = if *op == "!=" { "~=" } else { op };
                    format!("tonumber({a}) {op} tonumber({b})")
                } else {
                    format!("parse_int({a}) {op} parse_int({b})")
                }
            }
            Cond::Not(c) => {
                let c = self.cond(c);
                if lua {
                    format!("not ({c})")
                } else {
                    format!("!({c})")
                }
            }
            Cond::And(a, b) => {
                let (a, b) = (self.cond(a), self.cond(b));
                format!("({a} {} {b})", if lua { "and" } else { "&&" })
            }
            Cond::Or(a, b) => {
                let (a, b) = (self.cond(a), self.cond(b));
                format!("({a} {} {b})", if lua { "or" } else { "||" })
            }
        }
    }

    fn matches(&mut self, e: &Expr, pattern: &Pattern) -> String {
        let s = self.operand(e);
        let q = |t: &str| quote(t, self.target);
        let lua = self.lua();
        match pattern {
            Pattern::Any => "true".into(),
            Pattern::Exact(t) => format!("{s} == {}", q(t)),
            Pattern::Prefix(p) if lua => format!("{s}:sub(1, {}) == {}", p.len(), q(p)),
            Pattern::Prefix(p) => format!("{s}.starts_with({})", q(p)),
            Pattern::Suffix(p) if lua => format!("{s}:sub(-{}) == {}", p.len(), q(p)),
            Pattern::Suffix(p) => format!("{s}.ends_with({})", q(p)),
            Pattern::Contains(p) if lua => format!("{s}:find({}, 1, true) ~= nil", q(p)),
            Pattern::Contains(p) => format!("{s}.contains({})", q(p)),
            Pattern::PrefixSuffix(a, b) if lua => format!(
                "(#{s} >= {} and {s}:sub(1, {}) == {} and {s}:sub(-{}) == {})",
                a.len() + b.len(),
                a.len(),
                q(a),
                b.len(),
                q(b)
            ),
            Pattern::PrefixSuffix(a, b) => format!(
                "({s}.len() >= {} && {s}.starts_with({}) && {s}.ends_with({}))",
                a.chars().count() + b.chars().count(),
                q(a),
                q(b)
            ),
        }
    }

    fn call(&mut self, call: &Call) -> String {
        let registry = phaser_stdlib::registry();
        let positional: Vec<&str> = registry
            .get(call.function)
            .map(|f| f.positional.to_vec())
            .unwrap_or_default();
        let mut pos = Vec::new();
        let mut named = Vec::new();
        let mut next = 0;
        for (key, arg) in &call.args {
            let slot = positional.get(next).copied().unwrap_or_default();
            let rest = slot.strip_prefix('*');
            if named.is_empty() && rest == Some(*key) {
                if let Arg::List(list) = arg {
                    if list.is_static() {
                        for item in &list.0 {
                            pos.push(self.item_word(item));
                        }
                        next += 1;
                        continue;
                    }
                }
            } else if named.is_empty() && slot == *key {
                pos.push(self.arg(arg));
                next += 1;
                continue;
            }
            named.push((key, self.arg(arg)));
        }
        if self.lua() {
            let mut fields = pos;
            fields.extend(named.iter().map(|(k, v)| format!("{k} = {v}")));
            format!("std.{}{{{}}}", call.function, fields.join(", "))
        } else if named.is_empty()
            && pos.len() <= 6
            && !(pos.len() > 1 && RHAI_BUILTIN_NAMES.contains(&call.function))
        {
            format!("{}({})", call.function, pos.join(", "))
        } else {
            // Rhai takes named arguments as one map, positional ones by their keys.
            let mut fields = Vec::new();
            let mut values = pos.into_iter();
            for key in &positional {
                let key = key.trim_start_matches('*');
                if key
                    == positional
                        .last()
                        .copied()
                        .unwrap_or_default()
                        .trim_start_matches('*')
                    && positional.last().is_some_and(|k| k.starts_with('*'))
                {
                    let rest: Vec<String> = values.by_ref().collect();
                    if !rest.is_empty() {
                        fields.push(format!("{key}: [{}]", rest.join(", ")));
                    }
                    break;
                }
                match values.next() {
                    Some(v) => fields.push(format!("{key}: {v}")),
                    None => break,
                }
            }
            fields.extend(named.iter().map(|(k, v)| format!("{k}: {v}")));
            format!("{}(#{{{}}})", call.function, fields.join(", "))
        }
    }

    fn arg(&mut self, arg: &Arg) -> String {
        match arg {
            Arg::Str(e) => self.expr(e),
            Arg::List(l) => self.list(l),
            Arg::Bool(b) => b.to_string(),
            Arg::Map(entries) => {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let v = self.expr(v);
                        self.field(k, &v)
                    })
                    .collect();
                self.map(&fields)
            }
            Arg::Ops(ops) => {
                let items: Vec<String> = ops
                    .iter()
                    .map(|(name, values)| {
                        let vals: Vec<String> = values.iter().map(|v| self.expr(v)).collect();
                        let list = if self.lua() {
                            format!("{{{}}}", vals.join(", "))
                        } else {
                            format!("[{}]", vals.join(", "))
                        };
                        self.map(&[self.field(name, &list)])
                    })
                    .collect();
                if self.lua() {
                    format!("{{{}}}", items.join(", "))
                } else {
                    format!("[{}]", items.join(", "))
                }
            }
        }
    }

    /// A list expression (may share a table with the input).
    fn list(&mut self, list: &List) -> String {
        if let [single] = list.0.as_slice() {
            if !matches!(single, Item::Word(_)) {
                return self.item_list(single);
            }
        }
        self.fresh_list(list)
    }

    /// A list expression that is a new table or array.
    fn fresh_list(&mut self, list: &List) -> String {
        if self.lua() {
            if list.is_static() {
                let words: Vec<String> = list.0.iter().map(|i| self.item_word(i)).collect();
                return format!("{{{}}}", words.join(", "));
            }
            self.helpers.insert("concat");
            let parts: Vec<String> = list
                .0
                .iter()
                .map(|i| match i {
                    Item::Word(e) => self.expr(e),
                    other => self.item_list(other),
                })
                .collect();
            format!("concat({})", parts.join(", "))
        } else {
            let mut parts: Vec<String> = Vec::new();
            let mut words: Vec<String> = Vec::new();
            for item in &list.0 {
                match item {
                    Item::Word(e) => words.push(self.expr(e)),
                    other => {
                        if !words.is_empty() || parts.is_empty() {
                            parts.push(format!("[{}]", words.join(", ")));
                            words.clear();
                        }
                        parts.push(self.item_list(other));
                    }
                }
            }
            if !words.is_empty() || parts.is_empty() {
                parts.push(format!("[{}]", words.join(", ")));
            }
            if parts.len() > 1 && parts[0] == "[]" {
                parts.remove(0);
                if parts.len() == 1 {
                    // `[] + x` copies x; a lone list item is copied by `+ []`.
                    return format!("{} + []", parts[0]);
                }
            }
            parts.join(" + ")
        }
    }

    fn item_word(&mut self, item: &Item) -> String {
        match item {
            Item::Word(e) => self.expr(e),
            _ => unreachable!("static lists have only words"),
        }
    }

    fn item_list(&mut self, item: &Item) -> String {
        match item {
            Item::Word(e) => {
                let e = self.expr(e);
                if self.lua() {
                    format!("{{{e}}}")
                } else {
                    format!("[{e}]")
                }
            }
            Item::Split(e) => {
                self.helpers.insert("words");
                format!("words({})", self.expr(e))
            }
            Item::Spread(source, _) => {
                let s = self.source(source);
                match source {
                    Source::Input(..) if self.lua() => format!("({s} or {{}})"),
                    Source::Input(..) => format!("({s} ?? [])"),
                    _ => s,
                }
            }
            Item::Glob(pattern, dir) => {
                let mut call = Call::new("glob").arg("pattern", Arg::Str(pattern.clone()));
                if let Some(dir) = dir {
                    call = call.arg("dir", Arg::Str(dir.clone()));
                }
                self.call(&call)
            }
        }
    }

    fn helper_text(&self) -> String {
        let mut out = String::new();
        for name in &self.helpers {
            let text = match (self.target, *name) {
                (Target::Lua, "words") => LUA_WORDS,
                (Target::Lua, "concat") => LUA_CONCAT,
                (Target::Lua, "basename") => LUA_BASENAME,
                (Target::Lua, "dirname") => LUA_DIRNAME,
                (Target::Rhai, "words") => RHAI_WORDS,
                (Target::Rhai, "join_words") => RHAI_JOIN,
                (Target::Rhai, "chomp") => RHAI_CHOMP,
                (Target::Rhai, "basename") => RHAI_BASENAME,
                (Target::Rhai, "dirname") => RHAI_DIRNAME,
                (Target::Rhai, "after_first") => RHAI_AFTER_FIRST,
                (Target::Rhai, "before_first") => RHAI_BEFORE_FIRST,
                (Target::Rhai, "before_last") => RHAI_BEFORE_LAST,
                (Target::Rhai, "replace_all") => RHAI_REPLACE_ALL,
                (Target::Rhai, "replace_first") => RHAI_REPLACE_FIRST,
                _ => continue,
            };
            out.push_str(text);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

const LUA_WORDS: &str = "-- bash splits an unquoted expansion into words at blanks
local function words(text)
    local list = {}
    for word in text:gmatch(\"%S+\") do list[#list + 1] = word end
    return list
end
";
const LUA_CONCAT: &str = "-- words and lists joined into one list, as bash expands arguments
local function concat(...)
    local list = {}
    for _, part in ipairs({...}) do
        if type(part) == \"table\" then
            for _, word in ipairs(part) do list[#list + 1] = word end
        else
            list[#list + 1] = part
        end
    end
    return list
end
";
const LUA_BASENAME: &str = "-- the last component of a path, as `basename`
local function basename(path)
    local trimmed = path:gsub(\"/+$\", \"\")
    if trimmed == \"\" then return path == \"\" and \"\" or \"/\" end
    return (trimmed:gsub(\"^.*/\", \"\"))
end
";
const LUA_DIRNAME: &str = "-- all but the last component of a path, as `dirname`
local function dirname(path)
    local trimmed = path:gsub(\"/+$\", \"\")
    if not trimmed:find(\"/\") then return trimmed == \"\" and path ~= \"\" and \"/\" or \".\" end
    local dir = trimmed:gsub(\"/*[^/]*$\", \"\")
    return dir == \"\" and \"/\" or dir
end
";
const RHAI_WORDS: &str = "// bash splits an unquoted expansion into words at blanks
fn words(text) {
    let t = text;
    t.replace(\"\\t\", \" \");
    t.replace(\"\\n\", \" \");
    t.split(\" \").filter(|w| w != \"\")
}
";
const RHAI_JOIN: &str = "// words joined by spaces, as bash joins \"${list[*]}\"
fn join_words(list) {
    let out = \"\";
    for (word, i) in list {
        if i > 0 { out += \" \"; }
        out += word;
    }
    out
}
";
const RHAI_CHOMP: &str = "// a command's output without its trailing newlines, as `$(...)` gives it
fn chomp(text) {
    let t = text;
    while t.ends_with(\"\\n\") { t.truncate(t.len() - 1); }
    t
}
";
const RHAI_BASENAME: &str = "// the last component of a path, as `basename`
fn basename(path) {
    let t = path;
    while t.len() > 1 && t.ends_with(\"/\") { t.truncate(t.len() - 1); }
    if t == \"/\" { return t; }
    t.split(\"/\")[-1]
}
";
const RHAI_DIRNAME: &str = "// all but the last component of a path, as `dirname`
fn dirname(path) {
    let t = path;
    while t.len() > 1 && t.ends_with(\"/\") { t.truncate(t.len() - 1); }
    let parts = t.split(\"/\");
    if parts.len() == 1 { return \".\"; }
    parts.pop();
    while parts.len() > 1 && parts[-1] == \"\" { parts.pop(); }
    let dir = \"\";
    for (p, i) in parts { if i > 0 { dir += \"/\"; } dir += p; }
    if dir == \"\" { \"/\" } else { dir }
}
";
const RHAI_AFTER_FIRST: &str = "// `${text#*c}`: the text after the first c
fn after_first(text, c) {
    let i = text.index_of(c);
    if i < 0 { text } else { text.sub_string(i + 1) }
}
";
const RHAI_BEFORE_FIRST: &str = "// `${text%%c*}`: the text before the first c
fn before_first(text, c) {
    let i = text.index_of(c);
    if i < 0 { text } else { text.sub_string(0, i) }
}
";
const RHAI_BEFORE_LAST: &str = "// `${text%c*}`: the text before the last c
fn before_last(text, c) {
    let parts = text.split(c);
    if parts.len() < 2 { return text; }
    parts.pop();
    let out = \"\";
    for (p, i) in parts { if i > 0 { out += c; } out += p; }
    out
}
";
const RHAI_REPLACE_ALL: &str = "// `${text//a/b}`
fn replace_all(text, a, b) {
    let t = text;
    t.replace(a, b);
    t
}
";
const RHAI_REPLACE_FIRST: &str = "// `${text/a/b}`
fn replace_first(text, a, b) {
    let i = text.index_of(a);
    if i < 0 { text } else { text.sub_string(0, i) + b + text.sub_string(i + a.len()) }
}
";

/// Standard-library names Rhai also has as built-in methods taking strings
/// (`"abc".remove("b")`): a call with several strings would reach the
/// built-in, so those calls pass one map.
const RHAI_BUILTIN_NAMES: &[&str] = &["remove"];

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

/// A literal as a Lua pattern (magic characters escaped with `%`).
fn lua_pattern(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "^$()%.[]*+-?".contains(c) {
            out.push('%');
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}
