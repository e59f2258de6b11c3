//! Simple commands: assignments, stdenv's helpers and coreutils as
//! standard-library calls, and any other program through `run`.

use brush_parser::ast::{
    self, AssignmentName, AssignmentValue, CommandPrefixOrSuffixItem, IoFileRedirectKind,
    IoFileRedirectTarget, IoRedirect, Pipeline, SimpleCommand,
};

use super::words::concat;
use super::{Lowerer, NotHere, Position, STDENV_FUNCTIONS};
use crate::ir::{Arg, AsText, Call, Cond, Expr, FileTest, Item, List, Source, Stmt, StrOp, Value};

/// An option word and the value it took from the next word (`-t DIR`).
type Opt = (String, Option<Item>);

/// What a command's redirections ask for.
#[derive(Default)]
struct Redirects {
    /// `> file` or `>> file` (true: append).
    stdout: Option<(Expr, bool)>,
    /// Output thrown away or sent to stderr (`>/dev/null`, `2>&1`, `>&2`).
    quiet: bool,
    /// A here-document or here-string as standard input.
    stdin: Option<Expr>,
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
                let call = self.run_call(&name, &words, &assignments, &redirects)?;
                Ok(vec![Stmt::Call(call)])
            }
        }
    }

    /// A program run through `run`.
    fn run_call(
        &mut self,
        name: &str,
        words: &[String],
        assignments: &[&ast::Assignment],
        redirects: &Redirects,
    ) -> Result<Call, NotHere> {
        if redirects.stdout.is_some() {
            return Err(NotHere::statement(format!(
                "the output of `{name}` redirected to a file"
            )));
        }
        let mut argv = vec![Item::Word(Expr::Lit(name.to_string()))];
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
            &name,
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
    fn options(&mut self, words: &[String], takes: &str) -> Result<(Vec<Opt>, Vec<Item>), NotHere> {
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
    fn paths(&mut self, items: Vec<Item>) -> Result<List, NotHere> {
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

    fn path(&mut self, item: Item) -> Result<Expr, NotHere> {
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
            return Ok(Vec::new());
        }
        Err(NotHere::whole(format!(
            "`runHook {hook}` where the runner cannot run it for the translation"
        )))
    }

    fn echo(&mut self, words: &[String], redirects: Redirects) -> Result<Vec<Stmt>, NotHere> {
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

    fn output(
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

    fn printf(&mut self, words: &[String], redirects: Redirects) -> Result<Vec<Stmt>, NotHere> {
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

    fn cat(&mut self, words: &[String], redirects: Redirects) -> Result<Vec<Stmt>, NotHere> {
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

    fn mkdir(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, operands) = self.options(words, "")?;
        let mut parents = false;
        for (o, _) in &options {
            for flag in short_flags(o)? {
                match flag {
                    'p' => parents = true,
                    'v' => {}
                    _ => return Err(NotHere::statement(format!("`mkdir {o}`"))),
                }
            }
        }
        let paths = self.paths(operands)?;
        let mut call = Call::new("mkdir").arg("paths", Arg::List(paths));
        if !parents {
            call = call.arg("parents", Arg::Bool(false));
        }
        Ok(vec![Stmt::Call(call)])
    }

    fn install(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, mut operands) = self.options(words, "mt")?;
        let mut parents = false;
        let mut dirs = false;
        let mut mode = None;
        let mut target = None;
        for (o, value) in options {
            if let Some(m) = o.strip_prefix("--mode=") {
                mode = Some(Expr::Lit(m.to_string()));
                continue;
            }
            if let Some(t) = o.strip_prefix("--target-directory=") {
                target = Some(self.at_dir(Expr::Lit(t.to_string()))?);
                continue;
            }
            if o.starts_with("--") {
                return Err(NotHere::statement(format!("`install {o}`")));
            }
            let flags: Vec<char> = o[1..].chars().collect();
            for (j, flag) in flags.iter().enumerate() {
                match flag {
                    'D' => parents = true,
                    'd' => dirs = true,
                    'c' | 'v' | 'p' => {}
                    'm' | 't' => {
                        let rest: String = flags[j + 1..].iter().collect();
                        let value = match (&value, rest.is_empty()) {
                            (_, false) => Expr::Lit(rest),
                            (Some(Item::Word(e)), true) => e.clone(),
                            _ => {
                                return Err(NotHere::statement(format!(
                                    "`install -{flag}` with a list"
                                )))
                            }
                        };
                        if *flag == 'm' {
                            mode = Some(value);
                        } else {
                            target = Some(self.at_dir(value)?);
                        }
                        break;
                    }
                    _ => return Err(NotHere::statement(format!("`install {o}`"))),
                }
            }
        }
        let mut call = Call::new("install");
        if dirs {
            call = call.arg("dirs", Arg::List(self.paths(operands)?));
        } else if let Some(target) = target {
            call = call
                .arg("src", Arg::List(self.paths(operands)?))
                .arg("dest", Arg::Str(target));
        } else {
            let Some(dest) = operands.pop() else {
                return Err(NotHere::statement("`install` without a destination".into()));
            };
            let dest = self.path(dest)?;
            let src = match operands.as_slice() {
                [Item::Word(_)] => Arg::Str(self.path(operands.remove(0))?),
                [] => return Err(NotHere::statement("`install` without a source".into())),
                _ => Arg::List(self.paths(operands)?),
            };
            call = call.arg("src", src).arg("dest", Arg::Str(dest));
        }
        if let Some(mode) = mode {
            call = call.arg("mode", Arg::Str(mode));
        }
        if !parents && !dirs {
            call = call.arg("parents", Arg::Bool(false));
        }
        Ok(vec![Stmt::Call(call)])
    }

    fn cp(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, mut operands) = self.options(words, "t")?;
        let mut target = None;
        for (o, value) in &options {
            match o.as_str() {
                "--recursive" | "--archive" | "--force" | "--verbose" | "--no-dereference" => {
                    continue
                }
                _ if o.starts_with("--preserve") || o.starts_with("--reflink") => continue,
                _ if o.starts_with("--") => return Err(NotHere::statement(format!("`cp {o}`"))),
                _ => {}
            }
            for flag in short_flags(o)? {
                match flag {
                    'r' | 'R' | 'a' | 'p' | 'f' | 'v' | 'P' | 'd' => {}
                    't' => match value {
                        Some(Item::Word(dir)) => target = Some(self.at_dir(dir.clone())?),
                        _ => return Err(NotHere::statement(format!("`cp {o}` with a list"))),
                    },
                    _ => return Err(NotHere::statement(format!("`cp {o}`"))),
                }
            }
        }
        let target_given = target.is_some();
        let dest = if let Some(dir) = target {
            concat(vec![dir, Expr::Lit("/".into())])
        } else {
            let Some(dest) = operands.pop() else {
                return Err(NotHere::statement("`cp` without a destination".into()));
            };
            self.path(dest)?
        };
        for item in &operands {
            if let Item::Word(Expr::Lit(s)) = item {
                if s.ends_with("/.") || s == "." {
                    return Err(NotHere::statement(format!("copying the contents of `{s}`")));
                }
            }
        }
        let src = match operands.as_slice() {
            [Item::Word(_)] if !target_given => Arg::Str(self.path(operands.remove(0))?),
            [] => return Err(NotHere::statement("`cp` without a source".into())),
            _ => Arg::List(self.paths(operands)?),
        };
        Ok(vec![Stmt::Call(
            Call::new("copy")
                .arg("src", src)
                .arg("dest", Arg::Str(dest)),
        )])
    }

    fn mv(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, mut operands) = self.options(words, "")?;
        for (o, _) in &options {
            for flag in short_flags(o)? {
                if !matches!(flag, 'f' | 'v') {
                    return Err(NotHere::statement(format!("`mv {o}`")));
                }
            }
        }
        let Some(dest) = operands.pop() else {
            return Err(NotHere::statement("`mv` without a destination".into()));
        };
        let dest = self.path(dest)?;
        let mut out = Vec::new();
        let several = operands.len() > 1 || !List(operands.clone()).is_static();
        let dest = if several {
            // Several sources go into the directory (mv requires it to exist).
            dest
        } else {
            dest
        };
        for item in operands {
            match item {
                Item::Word(e) => {
                    let src = self.at_dir(e)?;
                    out.push(Stmt::Call(
                        Call::new("move")
                            .arg("src", Arg::Str(src))
                            .arg("dest", Arg::Str(dest.clone())),
                    ));
                }
                other => {
                    let list = self.paths(vec![other])?;
                    out.push(Stmt::For(
                        "path".into(),
                        list,
                        vec![Stmt::Call(
                            Call::new("move")
                                .arg(
                                    "src",
                                    Arg::Str(Expr::Var(
                                        Source::Local("path".into()),
                                        AsText::Plain,
                                    )),
                                )
                                .arg("dest", Arg::Str(dest.clone())),
                        )],
                    ));
                }
            }
        }
        if out.is_empty() {
            return Err(NotHere::statement("`mv` without a source".into()));
        }
        Ok(out)
    }

    fn ln(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, mut operands) = self.options(words, "")?;
        let (mut symbolic, mut force, mut no_deref) = (false, false, false);
        for (o, _) in &options {
            for flag in short_flags(o)? {
                match flag {
                    's' => symbolic = true,
                    'f' => force = true,
                    'n' => no_deref = true,
                    'v' => {}
                    _ => return Err(NotHere::statement(format!("`ln {o}`"))),
                }
            }
        }
        if !symbolic {
            return Err(NotHere::statement("a hard link (`ln` without `-s`)".into()));
        }
        let (target, link) = match operands.len() {
            1 => {
                let Item::Word(target) = operands.remove(0) else {
                    return Err(NotHere::statement("`ln -s` of a list".into()));
                };
                let link = self.at_dir(basename_of(&target))?;
                (target, link)
            }
            2 => {
                let link = operands.pop().expect("two operands");
                let Item::Word(target) = operands.remove(0) else {
                    return Err(NotHere::statement("`ln -s` of a list".into()));
                };
                (target, self.path(link)?)
            }
            _ => {
                // `ln -s A B DIR`: a link in DIR for each target.
                let dir = self.path(operands.pop().expect("several operands"))?;
                let mut out = Vec::new();
                for item in operands {
                    let (list, target) = match item {
                        Item::Word(e) => (None, e),
                        other => (
                            Some(List(vec![other])),
                            Expr::Var(Source::Local("target".into()), AsText::Plain),
                        ),
                    };
                    let link = concat(vec![
                        dir.clone(),
                        Expr::Lit("/".into()),
                        basename_of(&target),
                    ]);
                    let mut call = Call::new("symlink")
                        .arg("target", Arg::Str(target))
                        .arg("link", Arg::Str(link));
                    if force {
                        call = call.arg("force", Arg::Bool(true));
                    }
                    out.push(match list {
                        None => Stmt::Call(call),
                        Some(list) => Stmt::For("target".into(), list, vec![Stmt::Call(call)]),
                    });
                }
                return Ok(out);
            }
        };
        let symlink = |link: Expr| {
            let mut call = Call::new("symlink")
                .arg("target", Arg::Str(target.clone()))
                .arg("link", Arg::Str(link));
            if force {
                call = call.arg("force", Arg::Bool(true));
            }
            Stmt::Call(call)
        };
        let inside = concat(vec![
            link.clone(),
            Expr::Lit("/".into()),
            basename_of(&target),
        ]);
        if l_ends_with_slash(&link) {
            let inside = concat(vec![link.clone(), basename_of(&target)]);
            return Ok(vec![symlink(inside)]);
        }
        // `ln -s T L` puts the link inside L when L is a directory (with
        // `-n`, not when L is a symlink to one).
        let mut cond = Cond::File(FileTest::Dir, link.clone());
        if no_deref {
            cond = Cond::And(
                Box::new(cond),
                Box::new(Cond::Not(Box::new(Cond::File(
                    FileTest::Symlink,
                    link.clone(),
                )))),
            );
        }
        Ok(vec![Stmt::If(
            vec![(cond, vec![symlink(inside)])],
            vec![symlink(link)],
        )])
    }

    fn rm(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, operands) = self.options(words, "")?;
        let (mut recursive, mut force) = (false, false);
        for (o, _) in &options {
            match o.as_str() {
                "--recursive" => recursive = true,
                "--force" => force = true,
                "--verbose" => {}
                _ if o.starts_with("--") => return Err(NotHere::statement(format!("`rm {o}`"))),
                _ => {
                    for flag in short_flags(o)? {
                        match flag {
                            'r' | 'R' => recursive = true,
                            'f' => force = true,
                            'v' => {}
                            _ => return Err(NotHere::statement(format!("`rm {o}`"))),
                        }
                    }
                }
            }
        }
        let paths = self.paths(operands)?;
        let mut call = Call::new("remove").arg("paths", Arg::List(paths));
        if recursive {
            call = call.arg("recursive", Arg::Bool(true));
        }
        if force {
            call = call.arg("force", Arg::Bool(true));
        }
        Ok(vec![Stmt::Call(call)])
    }

    fn chmod(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let mut recursive = false;
        let mut rest = Vec::new();
        for w in words {
            match w.as_str() {
                "-R" | "--recursive" => recursive = true,
                "-v" | "-f" | "-c" => {}
                _ => rest.push(w.clone()),
            }
        }
        let mut items = self.items(&rest)?;
        if items.len() < 2 {
            return Err(NotHere::statement(
                "`chmod` without a mode and a path".into(),
            ));
        }
        let Item::Word(mode) = items.remove(0) else {
            return Err(NotHere::statement(
                "a `chmod` mode that may be several words".into(),
            ));
        };
        let paths = self.paths(items)?;
        let mut call = Call::new("chmod")
            .arg("mode", Arg::Str(mode))
            .arg("paths", Arg::List(paths));
        if recursive {
            call = call.arg("recursive", Arg::Bool(true));
        }
        Ok(vec![Stmt::Call(call)])
    }

    fn touch(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, operands) = self.options(words, "")?;
        if let Some((o, _)) = options.first() {
            return Err(NotHere::statement(format!("`touch {o}`")));
        }
        let mut out = Vec::new();
        for item in operands {
            match item {
                Item::Word(e) => {
                    let path = self.at_dir(e)?;
                    out.push(Stmt::Call(Call::new("touch").arg("path", Arg::Str(path))));
                }
                other => {
                    let list = self.paths(vec![other])?;
                    out.push(Stmt::For(
                        "path".into(),
                        list,
                        vec![Stmt::Call(Call::new("touch").arg(
                            "path",
                            Arg::Str(Expr::Var(Source::Local("path".into()), AsText::Plain)),
                        ))],
                    ));
                }
            }
        }
        Ok(out)
    }

    fn substitute(&mut self, name: &str, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let items = self.items(words)?;
        let mut files = Vec::new();
        let mut rest = items.into_iter().peekable();
        while let Some(item) = rest.peek() {
            if matches!(item, Item::Word(Expr::Lit(s)) if s.starts_with("--")) {
                break;
            }
            files.push(rest.next().expect("peeked"));
        }
        let mut ops = Vec::new();
        let next_word =
            |rest: &mut std::iter::Peekable<std::vec::IntoIter<Item>>, option: &str| match rest
                .next()
            {
                Some(Item::Word(e)) => Ok(e),
                _ => Err(NotHere::whole(format!(
                    "`{option}` without its argument as one word"
                ))),
            };
        while let Some(item) = rest.next() {
            let Item::Word(Expr::Lit(option)) = item else {
                return Err(NotHere::whole(format!(
                    "an option of `{name}` that is an expansion"
                )));
            };
            let op = match option.as_str() {
                "--replace-fail" => "replaceFail",
                "--replace-warn" => "replaceWarn",
                "--replace-quiet" => "replaceQuiet",
                "--replace" => "replace",
                "--subst-var" => {
                    let var = match next_word(&mut rest, &option)? {
                        Expr::Lit(v) => v,
                        _ => return Err(NotHere::whole("`--subst-var` of an expansion".into())),
                    };
                    let value = self.read_var(&var)?;
                    ops.push(("substVarBy".to_string(), vec![Expr::Lit(var), value]));
                    continue;
                }
                "--subst-var-by" => {
                    let var = next_word(&mut rest, &option)?;
                    let value = next_word(&mut rest, &option)?;
                    ops.push(("substVarBy".to_string(), vec![var, value]));
                    continue;
                }
                other => return Err(NotHere::whole(format!("`{name} {other}`"))),
            };
            let a = next_word(&mut rest, &option)?;
            let b = next_word(&mut rest, &option)?;
            ops.push((op.to_string(), vec![a, b]));
        }
        let call = if name == "substitute" {
            let mut files = files.into_iter();
            let (Some(src), Some(dest), None) = (files.next(), files.next(), files.next()) else {
                return Err(NotHere::whole(
                    "`substitute` without exactly a source and a destination".into(),
                ));
            };
            Call::new("substitute")
                .arg("src", Arg::Str(self.path(src)?))
                .arg("dest", Arg::Str(self.path(dest)?))
        } else {
            if files.is_empty() {
                return Err(NotHere::whole("`substituteInPlace` without a file".into()));
            }
            let files = self.paths(files)?;
            Call::new("substituteInPlace").arg("files", Arg::List(files))
        };
        Ok(vec![Stmt::Call(call.arg("ops", Arg::Ops(ops)))])
    }

    fn patch_shebangs(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, operands) = self.options(words, "")?;
        let mut call = Call::new("patchShebangs");
        let paths = self.paths(operands)?;
        if paths.0.is_empty() {
            return Ok(Vec::new());
        }
        call = call.arg("paths", Arg::List(paths));
        for (o, _) in options {
            match o.as_str() {
                "--host" => call = call.arg("host", Arg::Bool(true)),
                "--build" => call = call.arg("build", Arg::Bool(true)),
                "--update" => call = call.arg("update", Arg::Bool(true)),
                _ => return Err(NotHere::whole(format!("`patchShebangs {o}`"))),
            }
        }
        Ok(vec![Stmt::Call(call)])
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
                let call = self.run_call(&name, &words, &[], &Redirects::default())?;
                Ok(Expr::Capture(Box::new(
                    call.arg("capture", Arg::Bool(true)),
                )))
            }
            _ => Err(NotHere::statement(format!("`$({text})`"))),
        }
    }
}

/// `basename` of a path, worked out now when the path is literal.
fn basename_of(path: &Expr) -> Expr {
    match path {
        Expr::Lit(p) => Expr::Lit(
            p.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        ),
        other => Expr::Op(StrOp::Basename, Box::new(other.clone())),
    }
}

fn plain_quiet(redirects: &Redirects) -> Result<(), NotHere> {
    if redirects.stdout.is_some() || redirects.stdin.is_some() {
        return Err(NotHere::statement("a redirection of a file command".into()));
    }
    Ok(())
}

fn l_ends_with_slash(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(s) => s.ends_with('/'),
        Expr::Concat(parts) => parts.last().is_some_and(l_ends_with_slash),
        _ => false,
    }
}

/// The letters of a short-option word (`-Dm` gives D, m).
fn short_flags(option: &str) -> Result<Vec<char>, NotHere> {
    if option.starts_with("--") {
        return Err(NotHere::statement(format!("the option `{option}`")));
    }
    Ok(option.chars().skip(1).collect())
}

/// Whether the short-option word `option` ends with a flag in `takes`
/// that has no value in the same word (`-Dt`, `-m`; not `-m644`).
fn taking_flag(option: &str, takes: &str) -> bool {
    let flags: Vec<char> = option.chars().skip(1).collect();
    match flags.iter().position(|c| takes.contains(*c)) {
        Some(i) => i + 1 == flags.len(),
        None => false,
    }
}

/// Whether `name` names a program rather than a shell builtin or keyword.
fn is_program(name: &str) -> bool {
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
