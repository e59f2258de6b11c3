//! The snippet's variables: where each assigned one's final value goes
//! (attributes, environment, state, or nowhere), how a read finds its
//! value, and the answer they make.

use std::collections::BTreeSet;

use brush_parser::ast::{AndOrList, SeparatorOperator};

use super::dir::absolute_dir;
use super::scan::scan_list;
use super::{local_name, Channel, Dir, Lowerer, NotHere, Var};
use crate::ir::{Answer, AnswerValue, AsText, Expr, Item, Kind, List, Source, Stmt, Value};
use crate::names::{is_flag_name, AttrKind};

impl Lowerer<'_> {
    /// Decides, before lowering, where each assigned variable's value goes.
    pub(super) fn prescan(
        &mut self,
        items: &[&(AndOrList, SeparatorOperator)],
    ) -> Result<(), NotHere> {
        let mut assigned = Vec::new();
        let mut exported = BTreeSet::new();
        for (list, _) in items {
            scan_list(list, &mut assigned, &mut exported)?;
        }
        for (name, kind) in assigned {
            if self.vars.contains_key(&name) {
                continue;
            }
            if self.names.is_output(&name) {
                return Err(NotHere::whole(format!(
                    "it assigns the output variable `{name}`"
                )));
            }
            let channel = if let Some(kind) = self.names.attr(&name) {
                Channel::Attr(Some(kind))
            } else if name == "sourceRoot" {
                Channel::State
            } else if self.names.is_env(&name) || exported.contains(&name) {
                Channel::Env
            } else {
                // stdenv's shell keeps every variable for the phases after:
                // a new one is a new attribute.
                Channel::Attr(None)
            };
            if let Channel::Attr(Some(k)) = channel {
                let list_attr = k == AttrKind::List;
                if list_attr != (kind == Kind::List) && kind == Kind::List {
                    return Err(NotHere::whole(format!(
                        "it makes the attribute `{name}` a list"
                    )));
                }
            }
            let kind = match channel {
                Channel::Attr(Some(AttrKind::List)) => Kind::List,
                _ => kind,
            };
            self.vars.insert(
                name,
                Var {
                    kind,
                    channel,
                    declared: false,
                    one_word: false,
                    absolute: None,
                    unset: false,
                },
            );
        }
        Ok(())
    }

    /// The answer: every assigned variable that is not the snippet's own.
    pub(super) fn answer(&self) -> Answer {
        let mut answer = Answer::default();
        for (name, var) in &self.vars {
            if !var.declared && !var.unset {
                continue;
            }
            let id = local_name(name);
            let value = if var.unset && !var.declared {
                AnswerValue::Null
            } else {
                match var.channel {
                    Channel::Attr(Some(AttrKind::Flag)) => AnswerValue::Flag(id),
                    Channel::Attr(Some(AttrKind::Number)) => AnswerValue::Number(id),
                    Channel::Attr(None) if var.kind == Kind::Text && is_flag_name(name) => {
                        AnswerValue::Flag(id)
                    }
                    _ => AnswerValue::Var(id),
                }
            };
            match var.channel {
                Channel::Attr(_) => answer.attrs.push((name.clone(), value)),
                Channel::Env => answer.env.push((name.clone(), value)),
                Channel::State => answer.state.push((name.clone(), value)),
            }
        }
        answer.cwd = match &self.dir {
            None => None,
            Some(Dir::Relative(parts)) if parts.is_empty() => None,
            Some(Dir::Relative(parts)) => Some(Expr::Lit(parts.join("/"))),
            Some(Dir::Absolute(expr)) => Some(expr.clone()),
        };
        answer
    }

    /// Marks `name` assigned here and returns its local name, declaring it
    /// (with `value`) at the first assignment.
    pub(crate) fn assign(&mut self, name: &str, value: Value) -> Result<Vec<Stmt>, NotHere> {
        let depth = self.depth;
        let Some(var) = self.vars.get_mut(name) else {
            return Err(NotHere::whole(format!(
                "`{name}` is assigned where phaser did not expect it"
            )));
        };
        let id = local_name(name);
        var.unset = false;
        if let Value::Text(e) = &value {
            var.one_word =
                matches!(e, Expr::Lit(s) if !s.contains(char::is_whitespace) && !s.is_empty());
        }
        if var.declared {
            return Ok(vec![Stmt::Assign(id, value)]);
        }
        var.declared = true;
        if depth == 0 {
            return Ok(vec![Stmt::Declare(id, value)]);
        }
        // First assigned inside a block: declared before the whole statement.
        let initial = self.initial_value(name);
        self.hoisted.push(Stmt::Declare(id.clone(), initial));
        Ok(vec![Stmt::Assign(id, value)])
    }

    /// Appends to a list or text variable, declaring it from its input value first.
    pub(crate) fn append(&mut self, name: &str, value: Value) -> Result<Vec<Stmt>, NotHere> {
        let Some(var) = self.vars.get(name) else {
            return Err(NotHere::whole(format!(
                "`{name}` is appended to where phaser did not expect it"
            )));
        };
        let kind = var.kind;
        let mut out = Vec::new();
        if !var.declared {
            let initial = self.initial_value(name);
            let id = local_name(name);
            let var = self.vars.get_mut(name).expect("checked above");
            var.declared = true;
            var.unset = false;
            var.one_word = false;
            if self.depth == 0 {
                out.push(Stmt::Declare(id, initial));
            } else {
                self.hoisted.push(Stmt::Declare(id, initial));
            }
        }
        let id = local_name(name);
        match (kind, value) {
            (Kind::List, Value::List(list)) => out.push(Stmt::Append(id, list)),
            (Kind::List, Value::Text(e)) => out.push(Stmt::Append(id, List(vec![Item::Word(e)]))),
            (Kind::Text, Value::Text(e)) => out.push(Stmt::AppendText(id, e)),
            _ => {
                return Err(NotHere::whole(format!(
                    "`{name}` is used as text and as a list"
                )))
            }
        }
        Ok(out)
    }

    pub(super) fn initial_value(&self, name: &str) -> Value {
        let var = &self.vars[name];
        Value::From(self.names.lookup(name).source, var.kind)
    }

    /// Reads `name` as bash would expand `$name`.
    /// stdenv's `appendToVar NAME WORDS` / `prependToVar NAME WORDS`: a
    /// list (structured attributes) unless NAME is already text.
    pub(crate) fn add_to_var(
        &mut self,
        append: bool,
        words: &[String],
    ) -> Result<Vec<Stmt>, NotHere> {
        let Some((name, values)) = words.split_first() else {
            return Err(NotHere::whole("`appendToVar` without a variable".into()));
        };
        let kind = self.vars.get(name).map(|v| v.kind);
        let mut items = Vec::new();
        for w in values {
            items.extend(self.word(w)?);
        }
        match (kind, append) {
            (Some(Kind::List), true) => self.append(name, Value::List(List(items))),
            _ => Err(NotHere::whole(format!(
                "`{}` of `{name}`, which is not a list the translation can extend",
                if append {
                    "appendToVar"
                } else {
                    "prependToVar"
                }
            ))),
        }
    }

    /// Whether the snippet has a variable (or loop variable) called `name`,
    /// so the translation must not make one of its own with that name.
    pub(crate) fn uses_name(&self, name: &str) -> bool {
        self.vars.contains_key(name)
            || self.loop_vars.contains_key(name)
            || self.ended_loop_vars.contains(name)
    }

    pub(crate) fn read_var(&mut self, name: &str) -> Result<Expr, NotHere> {
        if self.loop_vars.contains_key(name) {
            return Ok(Expr::Var(Source::Local(local_name(name)), AsText::Plain));
        }
        if self.ended_loop_vars.contains(name) {
            return Err(NotHere::whole(format!(
                "`${name}` read after its `for` loop (bash keeps the last value)"
            )));
        }
        if let Some(var) = self.vars.get(name) {
            if var.unset && !var.declared {
                return Ok(Expr::Lit(String::new()));
            }
            if var.declared {
                let text = match var.kind {
                    Kind::List => AsText::First,
                    Kind::Text => AsText::Plain,
                };
                return Ok(Expr::Var(Source::Local(local_name(name)), text));
            }
        }
        if name == "PWD" {
            return Ok(match &self.dir {
                None => Expr::Var(Source::StartDir, AsText::Plain),
                Some(d) => absolute_dir(d),
            });
        }
        if name == "sourceRoot" {
            return Ok(Expr::Var(
                Source::Input("state", "sourceRoot".into()),
                AsText::MaybeMissing,
            ));
        }
        let lookup = self.names.lookup(name);
        Ok(Expr::Var(lookup.source, lookup.text))
    }

    /// Where `name` lives, for `${name-default}` tests.
    pub(super) fn var_source(&self, name: &str) -> Option<Source> {
        if self.loop_vars.contains_key(name) {
            return Some(Source::Local(local_name(name)));
        }
        if let Some(var) = self.vars.get(name) {
            if var.declared {
                return Some(Source::Local(local_name(name)));
            }
        }
        Some(self.names.lookup(name).source)
    }

    /// A list variable for `"${name[@]}"`.
    pub(crate) fn list_var(&mut self, name: &str) -> Result<Source, NotHere> {
        if let Some(var) = self.vars.get(name) {
            if var.declared && var.kind == Kind::List {
                return Ok(Source::Local(local_name(name)));
            }
            if var.declared {
                return Err(NotHere::whole(format!(
                    "`${{{name}[@]}}` of a text variable"
                )));
            }
        }
        let l = self.names.lookup(name);
        if l.list {
            Ok(l.source)
        } else if self.names.knows(name) {
            Err(NotHere::whole(format!(
                "`${{{name}[@]}}` of a text attribute"
            )))
        } else {
            Err(NotHere::whole(format!(
                "`${{{name}[@]}}` names a list phaser does not know when porting"
            )))
        }
    }

    pub(super) fn list_is_one_word(&self, source: &Source) -> bool {
        match source {
            Source::Input("attrs", name) => self.names.lookup(name).one_word,
            _ => false,
        }
    }

    /// Whether an unquoted `$name` is always exactly one word.
    pub(crate) fn is_one_word(&self, name: &str) -> bool {
        if let Some((one_word, _)) = self.loop_vars.get(name) {
            return *one_word;
        }
        if let Some(var) = self.vars.get(name) {
            if var.declared {
                return var.one_word;
            }
        }
        name == "PWD" || {
            let l = self.names.lookup(name);
            l.one_word && !l.list && l.text == AsText::Plain
        }
    }

    pub(crate) fn function_args(&self) -> Result<Source, NotHere> {
        Err(NotHere::whole(
            "`$@` outside a function of the snippet".into(),
        ))
    }

    pub(crate) fn positional(&self, n: u32) -> Result<Expr, NotHere> {
        Err(NotHere::whole(format!(
            "`${n}` outside a function of the snippet"
        )))
    }

    pub(crate) fn mark_unset(&mut self, name: &str) -> Result<Vec<Stmt>, NotHere> {
        match self.vars.get_mut(name) {
            Some(var) => {
                if self.depth > 0 {
                    return Err(NotHere::whole(format!("`unset {name}` inside a block")));
                }
                var.unset = true;
                var.declared = false;
                Ok(Vec::new())
            }
            None => Err(NotHere::whole(format!("`unset {name}`"))),
        }
    }

    pub(crate) fn note_absolute(&mut self, name: &str, expr: &Expr) {
        let abs = self.absoluteness(expr);
        if let Some(var) = self.vars.get_mut(name) {
            var.absolute = abs;
        }
    }
}
