//! Text: `echo`, `printf` and here-documents into files (or the log), and
//! `$(...)` command substitutions (`basename`, `dirname`, `pwd` natively,
//! a program's output through `run`).

use brush_parser::ast::{self, CommandPrefixOrSuffixItem};

use super::commands::{is_program, Redirects};
use super::words::concat;
use super::{Lowerer, NotHere, STDENV_FUNCTIONS};
use crate::ir::{Arg, Call, Expr, Item, List, Stmt, StrOp};

impl Lowerer<'_> {
    pub(super) fn echo(
        &mut self,
        words: &[String],
        redirects: Redirects,
    ) -> Result<Vec<Stmt>, NotHere> {
        let mut newline = true;
        let mut rest = words;
        while let Some(first) = rest.first() {
            match first.as_str() {
                "-n" => newline = false,
                "-E" => {}
                "-e" | "-ne" | "-en" => return Err(NotHere::statement("`echo -e` escapes".into())),
                _ => break,
            }
            rest = &rest[1..];
        }
        let list = List(self.items(rest)?);
        let mut text = if list.0.len() == 1 {
            match &list.0[0] {
                Item::Word(e) => e.clone(),
                _ => Expr::Join(Box::new(list)),
            }
        } else {
            Expr::Join(Box::new(list))
        };
        self.output(&mut text, newline, redirects)
    }

    pub(super) fn output(
        &mut self,
        text: &mut Expr,
        newline: bool,
        redirects: Redirects,
    ) -> Result<Vec<Stmt>, NotHere> {
        if redirects.stdin.is_some() {
            return Err(NotHere::statement("standard input for `echo`".into()));
        }
        match redirects.stdout {
            Some((path, append)) => {
                let content = if newline {
                    concat(vec![text.clone(), Expr::Lit("\n".into())])
                } else {
                    text.clone()
                };
                let mut call = Call::new("write")
                    .arg("path", Arg::Str(path))
                    .arg("content", Arg::Str(content));
                if append {
                    call = call.arg("append", Arg::Bool(true));
                }
                Ok(vec![Stmt::Call(call)])
            }
            None => Ok(vec![Stmt::Log(text.clone())]),
        }
    }

    pub(super) fn printf(
        &mut self,
        words: &[String],
        redirects: Redirects,
    ) -> Result<Vec<Stmt>, NotHere> {
        let Some((format, args)) = words.split_first() else {
            return Err(NotHere::statement("`printf` without a format".into()));
        };
        let format = match self.word(format)?.as_slice() {
            [Item::Word(Expr::Lit(f))] => f.clone(),
            _ => {
                return Err(NotHere::statement(
                    "a `printf` format that is an expansion".into(),
                ))
            }
        };
        let mut values: Vec<Expr> = Vec::new();
        for item in self.items(args)? {
            match item {
                Item::Word(e) => values.push(e),
                _ => {
                    return Err(NotHere::statement(
                        "`printf` arguments that may be several words".into(),
                    ))
                }
            }
        }
        let mut text = printf_text(&format, &values)?;
        self.output(&mut text, false, redirects)
    }

    pub(super) fn cat(
        &mut self,
        words: &[String],
        redirects: Redirects,
    ) -> Result<Vec<Stmt>, NotHere> {
        match (words, &redirects.stdin, &redirects.stdout) {
            ([], Some(text), Some(_)) => {
                let mut text = text.clone();
                self.output(
                    &mut text,
                    false,
                    Redirects {
                        stdin: None,
                        ..redirects
                    },
                )
            }
            _ => Err(NotHere::statement(
                "`cat` other than a here-document into a file".into(),
            )),
        }
    }

    /// `$(cmd)`: `basename`/`dirname`/`pwd` natively, a program through `run`.
    pub(crate) fn command_substitution(&mut self, text: &str) -> Result<Expr, NotHere> {
        let snippet = crate::parse::Snippet::parse(text)
            .map_err(|e| NotHere::statement(format!("cannot parse `$({text})`: {e}")))?;
        let items = snippet.items();
        let [(list, _)] = items.as_slice() else {
            return Err(NotHere::statement(format!(
                "`$({text})` with several commands"
            )));
        };
        if !list.additional.is_empty() || list.first.seq.len() != 1 || list.first.bang {
            return Err(NotHere::statement(format!(
                "`$({text})` is not one command"
            )));
        }
        let ast::Command::Simple(simple) = &list.first.seq[0] else {
            return Err(NotHere::statement(format!(
                "`$({text})` is not a simple command"
            )));
        };
        let name = simple
            .word_or_name
            .as_ref()
            .map(|w| w.value.clone())
            .unwrap_or_default();
        let words: Vec<String> = simple
            .suffix
            .iter()
            .flat_map(|s| s.0.iter())
            .filter_map(|i| match i {
                CommandPrefixOrSuffixItem::Word(w) => Some(w.value.clone()),
                _ => None,
            })
            .collect();
        let all_words = simple
            .suffix
            .iter()
            .flat_map(|s| s.0.iter())
            .all(|i| matches!(i, CommandPrefixOrSuffixItem::Word(_)));
        if simple.prefix.is_some() || !all_words {
            return Err(NotHere::statement(format!(
                "`$({text})` with redirections or assignments"
            )));
        }
        match (name.as_str(), words.as_slice()) {
            ("basename", [path]) => Ok(Expr::Op(StrOp::Basename, Box::new(self.single(path)?))),
            ("basename", [path, suffix]) => {
                let base = Expr::Op(StrOp::Basename, Box::new(self.single(path)?));
                match self.single(suffix)? {
                    Expr::Lit(s) => Ok(Expr::Op(StrOp::StripSuffix(s), Box::new(base))),
                    _ => Err(NotHere::statement(
                        "`basename` with a suffix that is an expansion".into(),
                    )),
                }
            }
            ("dirname", [path]) => Ok(Expr::Op(StrOp::Dirname, Box::new(self.single(path)?))),
            ("pwd", []) => self.read_var("PWD"),
            _ if is_program(&name) && !STDENV_FUNCTIONS.contains(&name.as_str()) => {
                let program = Item::Word(Expr::Lit(name.clone()));
                let call = self.run_call(program, &words, &[], &Redirects::default())?;
                Ok(Expr::Capture(Box::new(
                    call.arg("capture", Arg::Bool(true)),
                )))
            }
            _ => Err(NotHere::statement(format!("`$({text})`"))),
        }
    }
}

/// `printf FORMAT ARGS` as text: `%s`, `%%` and the escapes `\n \t \\`;
/// the format is reused while arguments remain, as bash does.
fn printf_text(format: &str, args: &[Expr]) -> Result<Expr, NotHere> {
    let specs = format.matches("%s").count();
    let mut parts = Vec::new();
    let mut next = 0;
    loop {
        let mut chars = format.chars().peekable();
        let mut lit = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => lit.push('\n'),
                    Some('t') => lit.push('\t'),
                    Some('\\') => lit.push('\\'),
                    Some('"') => lit.push('"'),
                    other => {
                        return Err(NotHere::statement(format!(
                            "the `printf` escape `\\{}`",
                            other.map(String::from).unwrap_or_default()
                        )))
                    }
                },
                '%' => match chars.next() {
                    Some('%') => lit.push('%'),
                    Some('s') => {
                        parts.push(Expr::Lit(std::mem::take(&mut lit)));
                        parts.push(args.get(next).cloned().unwrap_or(Expr::Lit(String::new())));
                        next += 1;
                    }
                    other => {
                        return Err(NotHere::statement(format!(
                            "the `printf` conversion `%{}`",
                            other.map(String::from).unwrap_or_default()
                        )))
                    }
                },
                c => lit.push(c),
            }
        }
        parts.push(Expr::Lit(lit));
        if specs == 0 || next >= args.len() {
            break;
        }
    }
    Ok(concat(parts))
}
