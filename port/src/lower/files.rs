//! File commands as standard-library calls: `mkdir`, `install`, `cp`,
//! `mv`, `ln -s`, `rm`, `chmod`, `touch`, and stdenv's
//! `substituteInPlace`/`substitute` and `patchShebangs`, each with the
//! options whose meaning the call keeps.

use super::words::concat;
use super::{Lowerer, NotHere};
use crate::ir::{Arg, AsText, Call, Cond, Expr, FileTest, Item, List, Source, Stmt, StrOp, Value};

impl Lowerer<'_> {
    pub(super) fn mkdir(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn install(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn cp(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let (options, mut operands) = self.options(words, "t")?;
        let mut target = None;
        let (mut archive, mut recursive, mut preserve) = (false, false, false);
        for (o, value) in &options {
            match o.as_str() {
                "--archive" => archive = true,
                "--recursive" => recursive = true,
                "--preserve" | "--preserve=all" | "--preserve=mode,timestamps" => preserve = true,
                "--force" | "--verbose" | "--no-dereference" => {}
                _ if o.starts_with("--reflink") => {}
                _ if o.starts_with("--") => return Err(NotHere::statement(format!("`cp {o}`"))),
                _ => {}
            }
            if o.starts_with("--") {
                continue;
            }
            for flag in short_flags(o)? {
                match flag {
                    'a' => archive = true,
                    'r' | 'R' => recursive = true,
                    'p' => preserve = true,
                    'f' | 'v' | 'P' | 'd' => {}
                    't' => match value {
                        Some(Item::Word(dir)) => target = Some(self.at_dir(dir.clone())?),
                        _ => return Err(NotHere::statement(format!("`cp {o}` with a list"))),
                    },
                    _ => return Err(NotHere::statement(format!("`cp {o}`"))),
                }
            }
        }
        // `copy` is `cp -a`: modes kept exactly, symlinks copied as links.
        // Plain `cp` and `cp -r` follow symlinks given as sources and mask
        // modes with the umask, so they run coreutils' cp.
        if !(archive || (recursive && preserve)) {
            let call = self.run_call(
                Item::Word(Expr::Lit("cp".into())),
                words,
                &[],
                &super::commands::Redirects::default(),
            )?;
            return Ok(vec![Stmt::Call(call)]);
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

    pub(super) fn mv(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn ln(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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
        // `ln -s ../* .`: a list of targets goes into the directory.
        let several =
            operands.len() > 2 || (operands.len() == 2 && !matches!(operands[0], Item::Word(_)));
        let (target, link) = match operands.len() {
            1 => {
                let Item::Word(target) = operands.remove(0) else {
                    return Err(NotHere::statement("`ln -s` of a list".into()));
                };
                let link = self.at_dir(basename_of(&target))?;
                (target, link)
            }
            2 if !several => {
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
        if l_ends_with_slash(&link) {
            let inside = concat(vec![link.clone(), basename_of(&target)]);
            return Ok(vec![symlink(inside)]);
        }
        // A computed link path is named once, then tested and used.
        let mut out = Vec::new();
        let named = !matches!(link, Expr::Lit(_) | Expr::Var(..)) && !self.uses_name("link");
        let link = if named {
            out.push(Stmt::Declare("link".into(), Value::Text(link)));
            Expr::Var(Source::Local("link".into()), AsText::Plain)
        } else {
            link
        };
        let inside = concat(vec![
            link.clone(),
            Expr::Lit("/".into()),
            basename_of(&target),
        ]);
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
        out.push(Stmt::If(
            vec![(cond, vec![symlink(inside)])],
            vec![symlink(link)],
        ));
        Ok(out)
    }

    pub(super) fn rm(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn chmod(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn touch(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn substitute(
        &mut self,
        name: &str,
        words: &[String],
    ) -> Result<Vec<Stmt>, NotHere> {
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

    pub(super) fn patch_shebangs(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
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

    /// stdenv's `moveToOutput PATTERN DEST`, over every output.
    pub(super) fn move_to_output(&mut self, words: &[String]) -> Result<Vec<Stmt>, NotHere> {
        let [pattern, dest] = words else {
            return Err(NotHere::whole(
                "`moveToOutput` without a pattern and an output".into(),
            ));
        };
        let pattern = self.word_text(pattern)?;
        let dest = self.single(dest)?;
        let outputs: Vec<Item> = self
            .names
            .outputs()
            .map(|o| {
                Item::Word(Expr::Var(
                    Source::Input("outputs", o.clone()),
                    AsText::Plain,
                ))
            })
            .collect();
        Ok(vec![Stmt::Call(
            Call::new("moveToOutput")
                .arg("pattern", Arg::Str(pattern))
                .arg("dest", Arg::Str(dest))
                .arg("outputs", Arg::List(List(outputs))),
        )])
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
