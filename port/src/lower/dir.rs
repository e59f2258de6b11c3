//! The working directory after `cd`, `pushd` and `popd`: followed when
//! porting, so relative paths are joined to it and programs run in it, and
//! answered as `cwd` at the end.

use super::words::concat;
use super::{local_name, Dir, Lowerer, NotHere};
use crate::ir::{AsText, Call, Expr, Item, List, Source, StrOp};

impl Lowerer<'_> {
    pub(crate) fn cwd_for_glob(&self) -> Option<Expr> {
        self.dir.as_ref().map(dir_expr)
    }

    /// `path` as seen from the directory the phase runs calls in: joined to
    /// the directory a `cd` moved to when relative.
    pub(crate) fn at_dir(&self, path: Expr) -> Result<Expr, NotHere> {
        let Some(dir) = &self.dir else {
            return Ok(path);
        };
        match self.absoluteness(&path) {
            Some(true) => Ok(path),
            Some(false) => Ok(concat(vec![dir_expr(dir), Expr::Lit("/".into()), path])),
            None => Err(NotHere::statement(
                "a path that may be relative after a `cd`".into(),
            )),
        }
    }

    /// Whether an expression is an absolute path, when that is known.
    pub(crate) fn absoluteness(&self, expr: &Expr) -> Option<bool> {
        match expr {
            Expr::Lit(s) if s.is_empty() => None,
            Expr::Lit(s) => Some(s.starts_with('/')),
            Expr::Concat(parts) => parts.first().and_then(|p| self.absoluteness(p)),
            Expr::Var(Source::Input("outputs", _), _) | Expr::Var(Source::StartDir, _) => {
                Some(true)
            }
            Expr::Var(Source::Input("env", name), _) => matches!(
                name.as_str(),
                "NIX_BUILD_TOP" | "TMPDIR" | "TMP" | "TEMP" | "TEMPDIR" | "HOME"
            )
            .then_some(true),
            Expr::Var(Source::Input("attrs", name), _) => self.names.attr_value_absolute(name),
            Expr::Var(Source::Local(id), _) => self
                .loop_vars
                .iter()
                .find(|(n, _)| local_name(n) == *id)
                .and_then(|(_, (_, abs))| *abs)
                .or_else(|| {
                    self.vars
                        .iter()
                        .find(|(n, _)| local_name(n) == *id)
                        .and_then(|(_, v)| v.absolute)
                }),
            Expr::Op(op, inner) => match op {
                StrOp::Basename | StrOp::AfterLast('/') => Some(false),
                StrOp::AfterLast(_) | StrOp::AfterFirst(_) | StrOp::StripPrefix(_) => None,
                _ => self.absoluteness(inner),
            },
            _ => None,
        }
    }

    /// `cd DIR`.
    pub(crate) fn change_dir(&mut self, target: Expr) -> Result<(), NotHere> {
        if self.depth > 0 {
            return Err(NotHere::whole("a `cd` inside a block".into()));
        }
        self.dir = Some(
            match (self.absoluteness(&target), &target, self.dir.take()) {
                (Some(true), _, _) => Dir::Absolute(target),
                (Some(false), Expr::Lit(path), current) => {
                    let mut parts = match current {
                        None => Vec::new(),
                        Some(Dir::Relative(p)) => p,
                        Some(Dir::Absolute(base)) => {
                            let mut expr = base;
                            for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
                                expr = if part == ".." {
                                    Expr::Op(crate::ir::StrOp::Dirname, Box::new(expr))
                                } else {
                                    concat(vec![expr, Expr::Lit(format!("/{part}"))])
                                };
                            }
                            self.dir = Some(Dir::Absolute(expr));
                            return Ok(());
                        }
                    };
                    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
                        if part == ".." && parts.last().is_some_and(|p| p != "..") {
                            parts.pop();
                        } else {
                            parts.push(part.to_string());
                        }
                    }
                    Dir::Relative(parts)
                }
                (Some(false), _, None) => Dir::Absolute(concat(vec![
                    Expr::Var(Source::StartDir, AsText::Plain),
                    Expr::Lit("/".into()),
                    target,
                ])),
                _ => {
                    return Err(NotHere::whole(
                        "a `cd` to a directory phaser cannot follow when porting".into(),
                    ))
                }
            },
        );
        if let Some(Dir::Relative(parts)) = &self.dir {
            if parts.is_empty() {
                self.dir = None;
            }
        }
        Ok(())
    }

    pub(crate) fn dir_snapshot(&self) -> Option<Expr> {
        self.dir.as_ref().map(dir_expr)
    }

    pub(crate) fn call_with_dir(&self, call: Call) -> Call {
        match self.dir_snapshot() {
            Some(dir) => call.arg("cwd", crate::ir::Arg::Str(dir)),
            None => call,
        }
    }
}

pub(super) fn common_absoluteness(list: &List, lowerer: &Lowerer<'_>) -> Option<bool> {
    let mut result = None;
    for item in &list.0 {
        let abs = match item {
            Item::Word(e) | Item::Glob(e, _) | Item::Split(e) => lowerer.absoluteness(e),
            Item::Spread(..) => None,
        };
        match (result, abs) {
            (_, None) => return None,
            (None, a) => result = a,
            (Some(r), Some(a)) if r != a => return None,
            _ => {}
        }
    }
    result
}

pub(super) fn dir_expr(dir: &Dir) -> Expr {
    match dir {
        Dir::Relative(parts) => Expr::Lit(parts.join("/")),
        Dir::Absolute(expr) => expr.clone(),
    }
}

pub(super) fn absolute_dir(dir: &Dir) -> Expr {
    match dir {
        Dir::Absolute(expr) => expr.clone(),
        Dir::Relative(parts) => concat(vec![
            Expr::Var(Source::StartDir, AsText::Plain),
            Expr::Lit(format!("/{}", parts.join("/"))),
        ]),
    }
}
