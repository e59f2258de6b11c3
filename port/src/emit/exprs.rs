//! Expressions and conditions in Lua and Rhai syntax.

use super::{quote, Target, Writer};
use crate::ir::{Arg, AsText, Call, Cond, Expr, FileTest, Pattern, StrOp};

impl Writer {
    pub(super) fn expr(&mut self, expr: &Expr) -> String {
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
                // Long chains overflow Lua's parser and Rhai's expression
                // depth: a list of short pieces joined at run time instead.
                if newlines >= 3 || parts.len() > 12 {
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

    /// A long text (a here-document) as a list of its lines (long lines in
    /// pieces of a few parts) joined at run time, one line per source line.
    pub(super) fn lines_of(&mut self, parts: &[Expr], op: &str) -> String {
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
        let elements: Vec<String> = lines
            .iter()
            .flat_map(|l| l.chunks(8).map(|c| c.join(op)))
            .collect();
        let pad = "    ".repeat(self.indent + 1);
        let end = "    ".repeat(self.indent);
        let list = format!("\n{pad}{},\n{end}", elements.join(&format!(",\n{pad}")));
        if self.lua() {
            format!("table.concat({{{list}}})")
        } else {
            self.helpers.insert("concat_text");
            format!("concat_text([{list}])")
        }
    }

    /// An expression safe to use as an operand (parenthesized when compound).
    pub(super) fn operand(&mut self, expr: &Expr) -> String {
        let text = self.expr(expr);
        match expr {
            Expr::Concat(_) => format!("({text})"),
            _ => text,
        }
    }

    pub(super) fn op(&mut self, op: &StrOp, e: &Expr) -> String {
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

    pub(super) fn cond(&mut self, cond: &Cond) -> String {
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

    pub(super) fn matches(&mut self, e: &Expr, pattern: &Pattern) -> String {
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
