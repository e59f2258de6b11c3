//! Simple commands: assignments, `echo`/`printf`/here-documents into files,
//! `cd`/`export`/`unset`, and any other program through `run` (file
//! commands are in `files.rs`).

use brush_parser::ast::{
    self, AssignmentName, AssignmentValue, CommandPrefixOrSuffixItem, IoFileRedirectKind,
    IoFileRedirectTarget, IoRedirect, Pipeline, SimpleCommand,
};

use super::words::concat;
use super::{Lowerer, NotHere, Position, STDENV_FUNCTIONS};
use crate::ir::{Arg, Call, Expr, Item, List, Stmt, Value};

/// An option word and the value it took from the next word (`-t DIR`).
type Opt = (String, Option<Item>);

/// What a command's redirections ask for.
#[derive(Default)]
pub(super) struct Redirects {
    /// `> file` or `>> file` (true: append).
    pub(super) stdout: Option<(Expr, bool)>,
    /// Output thrown away or sent to stderr (`>/dev/null`, `2>&1`, `>&2`).
    pub(super) quiet: bool,
    /// A here-document or here-string as standard input.
    pub(super) stdin: Option<Expr>,
}

impl Lowerer<'_> {
    pub(crate) fn simple_command(
        &mut self,
        simple: &SimpleCommand,
        at: Position,
    ) -> Result<Vec<Stmt>, NotHere> {
        let mut assignments = Vec::new();
        let mut redirect_items = Vec::new();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::AssignmentWord(a, _) => assignments.push(a),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirect_items.push(r),
                _ => return Err(NotHere::statement("a process substitution".into())),
            }
        }
        let mut words = Vec::new();
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::Word(w) => words.push(w.value.clone()),
                CommandPrefixOrSuffixItem::AssignmentWord(_, w) => words.push(w.value.clone()),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirect_items.push(r),
                CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {
                    return Err(NotHere::statement("a process substitution".into()))
                }
            }
        }
        let redirects = self.redirects(&redirect_items)?;
        let Some(name_word) = &simple.word_or_name else {
            if redirects.stdout.is_some() || redirects.stdin.is_some() {
                return Err(NotHere::statement("a redirection without a command".into()));
            }
            let mut out = Vec::new();
            for a in assignments {
                out.extend(self.assignment(a)?);
            }
            return Ok(out);
        };
        let name = match self.word(&name_word.value)?.as_slice() {
            [Item::Word(Expr::Lit(name))] => name.clone(),
            // `${bats}/bin/bats test`: a program named by an expansion.
            [Item::Word(program)] if assignments.is_empty() => {
                let call = self.run_call(Item::Word(program.clone()), &words, &[], &redirects)?;
                return Ok(vec![Stmt::Call(call)]);
            }
            _ => {
                return Err(NotHere::statement(
                    "a command name that is an expansion".into(),
                ))
            }
        };
        if !assignments.is_empty() && !is_program(&name) {
            return Err(NotHere::whole(format!(
                "variable assignments before `{name}`"
            )));
        }
        let plain = |this: &Self, what: &str| -> Result<(), NotHere> {
            if redirects.stdout.is_some() || redirects.stdin.is_some() {
                let _ = this;
                return Err(NotHere::statement(format!("a redirection of `{what}`")));
            }
            Ok(())
        };
        match name.as_str() {
            ":" | "true" => {
                plain(self, &name)?;
                Ok(Vec::new())
            }
            "runHook" => self.run_hook(&words, at),
            "echo" => self.echo(&words, redirects),
            "printf" => self.printf(&words, redirects),
            "cat" => self.cat(&words, redirects),
            "set" => match words.as_slice() {
                [flag] if flag == "-x" || flag == "+x" => Ok(Vec::new()),
                _ => Err(NotHere::whole("`set` changes the shell's options".into())),
            },
            "export" => {
                plain(self, &name)?;
                self.export(simple)
            }
            "unset" => {
                plain(self, &name)?;
                let mut out = Vec::new();
                for word in &words {
                    if word.starts_with('-') {
                        continue;
                    }
                    out.extend(self.mark_unset(word)?);
                }
                Ok(out)
            }
            "cd" => {
                plain(self, &name)?;
                match words.as_slice() {
                    [dir] if dir != "-" => {
                        let target = self.single(dir)?;
                        self.change_dir(target)?;
                        Ok(Vec::new())
                    }
                    _ => Err(NotHere::whole("`cd` without exactly one directory".into())),
                }
            }
            "pushd" => {
                plain_quiet(&redirects)?;
                match words.as_slice() {
                    [dir] => {
                        let target = self.single(dir)?;
                        let current = self.dir.clone();
                        self.change_dir(target)?;
                        self.dir_stack.push(current);
                        Ok(Vec::new())
                    }
                    _ => Err(NotHere::whole(
                        "`pushd` without exactly one directory".into(),
                    )),
                }
            }
            "popd" => {
                plain_quiet(&redirects)?;
                if self.in_block() {
                    return Err(NotHere::whole("a `popd` inside a block".into()));
                }
                self.dir = self.dir_stack.pop().ok_or_else(|| {
                    NotHere::whole("`popd` without a `pushd` in the snippet".into())
                })?;
                Ok(Vec::new())
            }
            "mkdir" => {
                plain_quiet(&redirects)?;
                self.mkdir(&words)
            }
            "install" => {
                plain_quiet(&redirects)?;
                self.install(&words)
            }
            "cp" => {
                plain_quiet(&redirects)?;
                self.cp(&words)
            }
            "mv" => {
                plain_quiet(&redirects)?;
                self.mv(&words)
            }
            "ln" => {
                plain_quiet(&redirects)?;
                self.ln(&words)
            }
            "rm" => {
                plain_quiet(&redirects)?;
                self.rm(&words)
            }
            "chmod" => {
                plain_quiet(&redirects)?;
                self.chmod(&words)
            }
            "touch" => {
                plain_quiet(&redirects)?;
                self.touch(&words)
            }
            "substituteInPlace" | "substitute" => {
                plain(self, &name)?;
                self.substitute(&name, &words)
            }
            "patchShebangs" => {
                plain_quiet(&redirects)?;
                self.patch_shebangs(&words)
            }
            "moveToOutput" => {
                plain_quiet(&redirects)?;
                self.move_to_output(&words)
            }
            "appendToVar" | "prependToVar" => {
                plain(self, &name)?;
                self.add_to_var(name == "appendToVar", &words)
            }
            "false" => Ok(vec![Stmt::Fail(Expr::Lit("`false` failed".into()))]),
            "continue" if words.is_empty() && self.loop_depth > 0 => Ok(vec![Stmt::Continue]),
            "exit" | "return" => Err(NotHere::whole(format!("`{name}` ends the snippet early"))),
            _ if STDENV_FUNCTIONS.contains(&name.as_str()) => Err(NotHere::whole(format!(
                "stdenv's `{name}` has no standard-library translation"
            ))),
            _ if super::STATEFUL_BUILTINS.contains(&name.as_str()) => {
                Err(NotHere::whole(format!("`{name}` changes the shell itself")))
            }
            _ if !is_program(&name) => {
                Err(NotHere::statement(format!("the shell builtin `{name}`")))
            }
            _ => {
                let program = Item::Word(Expr::Lit(name.clone()));
                let call = self.run_call(program, &words, &assignments, &redirects)?;
                Ok(vec![Stmt::Call(call)])
            }
        }
    }

    /// A program run through `run`.
    pub(super) fn run_call(
        &mut self,
        program: Item,
        words: &[String],
        assignments: &[&ast::Assignment],
        redirects: &Redirects,
    ) -> Result<Call, NotHere> {
        if redirects.stdout.is_some() {
            return Err(NotHere::statement(
                "a program's output redirected to a file".into(),
            ));
        }
        let mut argv = vec![program];
        argv.extend(self.items(words)?);
        let mut call = Call::new("run").arg("argv", Arg::List(List(argv)));
        if !assignments.is_empty() {
            let mut env = Vec::new();
            for a in assignments {
                let (AssignmentName::VariableName(var), AssignmentValue::Scalar(w)) =
                    (&a.name, &a.value)
                else {
                    return Err(NotHere::statement(
                        "an array assignment before a command".into(),
                    ));
                };
                if a.append {
                    return Err(NotHere::statement("`+=` before a command".into()));
                }
                env.push((var.clone(), self.word_text(&w.value)?));
            }
            call = call.arg("env", Arg::Map(env));
        }
        call = self.call_with_dir(call);
        if let Some(stdin) = &redirects.stdin {
            call = call.arg("stdin", Arg::Str(stdin.clone()));
        }
        if redirects.quiet {
            call = call.arg("capture", Arg::Bool(true));
        }
        Ok(call)
    }

    /// The call when `pipeline` is one program with arguments, for
    /// conditions and `|| true`.
    pub(crate) fn external_call(&mut self, pipeline: &Pipeline) -> Result<Option<Call>, NotHere> {
        let [ast::Command::Simple(simple)] = pipeline.seq.as_slice() else {
            return Ok(None);
        };
        let Some(name_word) = &simple.word_or_name else {
            return Ok(None);
        };
        let name = name_word.value.clone();
        if !is_program(&name) || super::words::has_glob(&name) || name.contains('$') {
            return Ok(None);
        }
        let mut words = Vec::new();
        let mut redirect_items = Vec::new();
        let mut assignments = Vec::new();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::AssignmentWord(a, _) => assignments.push(a),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirect_items.push(r),
                _ => return Ok(None),
            }
        }
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::Word(w) => words.push(w.value.clone()),
                CommandPrefixOrSuffixItem::AssignmentWord(_, w) => words.push(w.value.clone()),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirect_items.push(r),
                _ => return Ok(None),
            }
        }
        if matches!(
            name.as_str(),
            "mkdir" | "install" | "cp" | "mv" | "ln" | "rm" | "chmod" | "touch" | "cd"
        ) {
            return Ok(None);
        }
        let redirects = self.redirects(&redirect_items)?;
        Ok(Some(self.run_call(
            Item::Word(Expr::Lit(name)),
            &words,
            &assignments,
            &redirects,
        )?))
    }

    fn redirects(&mut self, items: &[&IoRedirect]) -> Result<Redirects, NotHere> {
        let mut out = Redirects::default();
        for item in items {
            match item {
                IoRedirect::File(
                    _,
                    IoFileRedirectKind::DuplicateOutput,
                    IoFileRedirectTarget::Duplicate(w),
                )
                | IoRedirect::File(
                    _,
                    IoFileRedirectKind::DuplicateOutput,
                    IoFileRedirectTarget::Filename(w),
                ) if w.value == "1" || w.value == "2" => {
                    out.quiet = out.quiet || w.value == "2";
                }
                IoRedirect::File(
                    _,
                    IoFileRedirectKind::DuplicateOutput,
                    IoFileRedirectTarget::Fd(fd),
                ) if *fd == 1 || *fd == 2 => {
                    out.quiet = out.quiet || *fd == 2;
                }
                IoRedirect::File(fd, kind, IoFileRedirectTarget::Filename(target)) => {
                    let fd = fd.unwrap_or(match kind {
                        IoFileRedirectKind::Read => 0,
                        _ => 1,
                    });
                    let raw = target.value.as_str();
                    match (fd, kind) {
                        (
                            _,
                            IoFileRedirectKind::Write
                            | IoFileRedirectKind::Append
                            | IoFileRedirectKind::Clobber,
                        ) if raw == "/dev/null" => out.quiet = true,
                        (1, IoFileRedirectKind::Write | IoFileRedirectKind::Clobber) => {
                            let path = self.single(raw)?;
                            out.stdout = Some((self.at_dir(path)?, false));
                        }
                        (1, IoFileRedirectKind::Append) => {
                            let path = self.single(raw)?;
                            out.stdout = Some((self.at_dir(path)?, true));
                        }
                        _ => return Err(NotHere::statement(format!("the redirection to `{raw}`"))),
                    }
                }
                IoRedirect::HereDocument(None | Some(0), doc) => {
                    let text = if doc.requires_expansion {
                        self.heredoc_text(&doc.doc.value)?
                    } else {
                        Expr::Lit(doc.doc.value.clone())
                    };
                    if doc.remove_tabs {
                        return Err(NotHere::statement("a `<<-` here-document".into()));
                    }
                    out.stdin = Some(text);
                }
                IoRedirect::HereString(None | Some(0), word) => {
                    let text = self.word_text(&word.value)?;
                    out.stdin = Some(concat(vec![text, Expr::Lit("\n".into())]));
                }
                IoRedirect::OutputAndError(w, _) if w.value == "/dev/null" => out.quiet = true,
                _ => return Err(NotHere::statement("a redirection".into())),
            }
        }
        Ok(out)
    }

    /// Every word of `words` expanded, in order.
    pub(crate) fn items(&mut self, words: &[String]) -> Result<Vec<Item>, NotHere> {
        let mut items = Vec::new();
        for w in words {
            items.extend(self.word(w)?);
        }
        Ok(items)
    }

    /// Splits expanded words into options (leading literal `-x` words,
    /// until `--`) and operands.
    /// Short options in `takes` (like `-t DIR`) take the next word when
    /// none follows them in their own word; options may come after operands,
    /// as GNU tools allow.
    pub(super) fn options(
        &mut self,
        words: &[String],
        takes: &str,
    ) -> Result<(Vec<Opt>, Vec<Item>), NotHere> {
        let mut options: Vec<Opt> = Vec::new();
        let mut operands = Vec::new();
        let mut done = false;
        let mut items = self.items(words)?.into_iter();
        while let Some(item) = items.next() {
            match &item {
                Item::Word(Expr::Lit(s)) if !done && s == "--" => done = true,
                Item::Word(Expr::Lit(s)) if !done && s.starts_with('-') && s.len() > 1 => {
                    let value = if !s.starts_with("--") && taking_flag(s, takes) {
                        Some(items.next().ok_or_else(|| {
                            NotHere::statement(format!("the option `{s}` without its value"))
                        })?)
                    } else {
                        None
                    };
                    options.push((s.clone(), value));
                }
                _ => operands.push(item),
            }
        }
        Ok((options, operands))
    }

    /// Paths joined to the directory a `cd` moved to.
    pub(super) fn paths(&mut self, items: Vec<Item>) -> Result<List, NotHere> {
        let mut out = Vec::new();
        for item in items {
            out.push(match item {
                Item::Word(e) => Item::Word(self.at_dir(e)?),
                Item::Glob(pattern, dir) if self.dir_snapshot().is_some() => {
                    // Expanded from the moved directory, the results are relative to it.
                    let _ = dir;
                    Item::Glob(self.at_dir(pattern)?, None)
                }
                other if self.dir_snapshot().is_none() => other,
                _ => return Err(NotHere::statement("a list of paths after a `cd`".into())),
            });
        }
        Ok(List(out))
    }

    pub(super) fn path(&mut self, item: Item) -> Result<Expr, NotHere> {
        match item {
            Item::Word(e) => self.at_dir(e),
            _ => Err(NotHere::statement(
                "a path that may be several words".into(),
            )),
        }
    }

    fn run_hook(&mut self, words: &[String], at: Position) -> Result<Vec<Stmt>, NotHere> {
        let [hook] = words else {
            return Err(NotHere::whole("`runHook` with arguments".into()));
        };
        let role = self.role().clone();
        let pre = format!("pre{}", role.phase);
        let post = format!("post{}", role.phase);
        if role.body
            && !self.in_block()
            && ((*hook == pre && at.first) || (*hook == post && at.last))
        {
            // The runner runs a non-bash body's hooks around it.
            let when = if *hook == pre { "before" } else { "after" };
            return Ok(vec![Stmt::Comment(format!(
                "(phaser runs the {hook} hooks {when} this body)"
            ))]);
        }
        Err(NotHere::whole(format!(
            "`runHook {hook}` where the runner cannot run it for the translation"
        )))
    }

    fn export(&mut self, simple: &SimpleCommand) -> Result<Vec<Stmt>, NotHere> {
        let mut out = Vec::new();
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::AssignmentWord(a, _) => out.extend(self.assignment(a)?),
                CommandPrefixOrSuffixItem::Word(w) if w.value.starts_with('-') => {
                    return Err(NotHere::whole(format!("`export {}`", w.value)))
                }
                CommandPrefixOrSuffixItem::Word(w) => {
                    // `export NAME`: its value (if the snippet set one) reaches `env`.
                    if !w
                        .value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(NotHere::whole(format!("`export {}`", w.value)));
                    }
                }
                _ => return Err(NotHere::whole("`export` with a redirection".into())),
            }
        }
        Ok(out)
    }

    fn assignment(&mut self, a: &ast::Assignment) -> Result<Vec<Stmt>, NotHere> {
        let AssignmentName::VariableName(name) = &a.name else {
            return Err(NotHere::whole("an assignment to an array element".into()));
        };
        let value = match &a.value {
            AssignmentValue::Scalar(w) => Value::Text(self.word_text(&w.value)?),
            AssignmentValue::Array(elements) => {
                let mut items = Vec::new();
                for (key, w) in elements {
                    if key.is_some() {
                        return Err(NotHere::whole("an array with explicit indices".into()));
                    }
                    items.extend(self.word(&w.value)?);
                }
                Value::List(List(items))
            }
        };
        if let Value::Text(e) = &value {
            self.note_absolute(name, e);
        }
        if a.append {
            self.append(name, value)
        } else {
            self.assign(name, value)
        }
    }
}

fn plain_quiet(redirects: &Redirects) -> Result<(), NotHere> {
    if redirects.stdout.is_some() || redirects.stdin.is_some() {
        return Err(NotHere::statement("a redirection of a file command".into()));
    }
    Ok(())
}

/// Whether the short-option word `option` ends with a flag in `takes`
/// that has no value in the same word (`-Dt`, `-m`; not `-m644`).
pub(super) fn taking_flag(option: &str, takes: &str) -> bool {
    let flags: Vec<char> = option.chars().skip(1).collect();
    match flags.iter().position(|c| takes.contains(*c)) {
        Some(i) => i + 1 == flags.len(),
        None => false,
    }
}

/// Whether `name` names a program rather than a shell builtin or keyword.
pub(super) fn is_program(name: &str) -> bool {
    const BUILTINS: &[&str] = &[
        "echo",
        "printf",
        "test",
        "[",
        "[[",
        "type",
        "command",
        "which",
        "builtin",
        "caller",
        "compgen",
        "complete",
        "dirs",
        "disown",
        "fc",
        "fg",
        "bg",
        "help",
        "history",
        "jobs",
        "kill",
        "logout",
        "suspend",
        "times",
        "bind",
        "false",
        "true",
        ":",
        "source",
        ".",
        "eval",
        "exec",
        "exit",
        "return",
        "local",
        "declare",
        "typeset",
        "export",
        "unset",
        "set",
        "shopt",
        "read",
        "cd",
        "pushd",
        "popd",
        "wait",
        "trap",
        "shift",
        "let",
        "getopts",
        "hash",
        "alias",
        "unalias",
        "readonly",
        "umask",
        "ulimit",
        "enable",
        "mapfile",
        "readarray",
    ];
    !BUILTINS.contains(&name) && !STDENV_FUNCTIONS.contains(&name)
}
