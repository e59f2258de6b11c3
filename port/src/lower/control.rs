//! Compound commands: `{ }`, `if`, `for`, `case` and `( )` subshells.

use std::collections::BTreeSet;

use brush_parser::ast::{self, CompoundCommand, CompoundList, SeparatorOperator};

use super::scan::scan_list;
use super::{common_absoluteness, conditions, local_name, Lowerer, NotHere, Position};
use crate::ir::{Expr, Item, List, Stmt};

impl Lowerer<'_> {
    pub(super) fn compound(&mut self, compound: &CompoundCommand) -> Result<Vec<Stmt>, NotHere> {
        self.depth += 1;
        let result = self.compound_inner(compound);
        self.depth -= 1;
        result
    }

    pub(super) fn compound_inner(
        &mut self,
        compound: &CompoundCommand,
    ) -> Result<Vec<Stmt>, NotHere> {
        match compound {
            CompoundCommand::BraceGroup(group) => self.block(&group.list),
            CompoundCommand::IfClause(clause) => {
                let mut arms = vec![(
                    self.list_condition(&clause.condition)?,
                    self.block(&clause.then)?,
                )];
                let mut otherwise = Vec::new();
                for e in clause.elses.iter().flatten() {
                    match &e.condition {
                        Some(c) => arms.push((self.list_condition(c)?, self.block(&e.body)?)),
                        None => otherwise = self.block(&e.body)?,
                    }
                }
                Ok(vec![Stmt::If(arms, otherwise)])
            }
            CompoundCommand::ForClause(clause) => self.for_loop(clause),
            CompoundCommand::CaseClause(clause) => self.case(clause),
            CompoundCommand::Subshell(sub) => {
                let saved = (self.dir.clone(), self.vars.clone());
                let result = self.subshell(&sub.list);
                (self.dir, self.vars) = saved;
                result
            }
            _ => Err(NotHere::statement(format!(
                "a `{}` loop",
                match compound {
                    CompoundCommand::WhileClause(_) => "while",
                    CompoundCommand::UntilClause(_) => "until",
                    _ => "(( ))",
                }
            ))),
        }
    }

    /// `( ... )`: its `cd`s stay inside; it may change no variable.
    pub(super) fn subshell(&mut self, list: &CompoundList) -> Result<Vec<Stmt>, NotHere> {
        let mut assigned = Vec::new();
        let mut exported = BTreeSet::new();
        for item in &list.0 {
            scan_list(&item.0, &mut assigned, &mut exported)?;
        }
        if !assigned.is_empty() || !exported.is_empty() {
            return Err(NotHere::statement(
                "a subshell that assigns variables".into(),
            ));
        }
        let depth = std::mem::replace(&mut self.depth, 0);
        let mut out = Vec::new();
        let mut result = Ok(());
        for item in &list.0 {
            match self.and_or_statement(
                &item.0,
                Position {
                    first: false,
                    last: false,
                },
            ) {
                Ok(stmts) => out.extend(stmts),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.depth = depth;
        result.map(|_| out)
    }

    pub(super) fn block(&mut self, list: &CompoundList) -> Result<Vec<Stmt>, NotHere> {
        let mut out = Vec::new();
        for item in &list.0 {
            if matches!(item.1, SeparatorOperator::Async) {
                return Err(NotHere::whole("a background job (`&`)".into()));
            }
            out.extend(self.and_or_statement(
                &item.0,
                Position {
                    first: false,
                    last: false,
                },
            )?);
        }
        Ok(out)
    }

    pub(super) fn for_loop(
        &mut self,
        clause: &ast::ForClauseCommand,
    ) -> Result<Vec<Stmt>, NotHere> {
        let Some(values) = &clause.values else {
            return Err(NotHere::statement(
                "a `for` loop over the positional parameters".into(),
            ));
        };
        let mut items = Vec::new();
        for word in values {
            items.extend(self.word(&word.value)?);
        }
        let list = List(items);
        let name = clause.variable_name.clone();
        if self.vars.contains_key(&name) || self.names.knows(&name) {
            return Err(NotHere::whole(format!(
                "the loop variable `{name}` is also a variable of the package"
            )));
        }
        let one_word = list.0.iter().all(|i| match i {
            Item::Glob(..) => true,
            Item::Word(e) => {
                matches!(e, Expr::Lit(s) if !s.is_empty() && !s.contains(char::is_whitespace))
            }
            Item::Split(_) => true,
            Item::Spread(_, _) => false,
        });
        let absolute = common_absoluteness(&list, self);
        let previous = self.loop_vars.insert(name.clone(), (one_word, absolute));
        self.loop_depth += 1;
        let body = self.block(&clause.body.list);
        self.loop_depth -= 1;
        match previous {
            Some(p) => {
                self.loop_vars.insert(name.clone(), p);
            }
            None => {
                self.loop_vars.remove(&name);
                self.ended_loop_vars.insert(name.clone());
            }
        }
        Ok(vec![Stmt::For(local_name(&name), list, body?)])
    }

    pub(super) fn case(&mut self, clause: &ast::CaseClauseCommand) -> Result<Vec<Stmt>, NotHere> {
        let subject = self.word_text(&clause.value.value)?;
        let mut arms = Vec::new();
        let mut otherwise = Vec::new();
        for item in &clause.cases {
            if !matches!(item.post_action, ast::CaseItemPostAction::ExitCase) {
                return Err(NotHere::statement("a `;&` or `;;&` case item".into()));
            }
            let body = match &item.cmd {
                Some(list) => self.block(list)?,
                None => Vec::new(),
            };
            let mut cond: Option<crate::ir::Cond> = None;
            let mut catch_all = false;
            for pattern in &item.patterns {
                let p = conditions::case_pattern(&pattern.value)?;
                if p == crate::ir::Pattern::Any {
                    catch_all = true;
                }
                let c = crate::ir::Cond::Matches(subject.clone(), p);
                cond = Some(match cond {
                    None => c,
                    Some(prev) => crate::ir::Cond::Or(Box::new(prev), Box::new(c)),
                });
            }
            if catch_all {
                otherwise = body;
                break;
            }
            if let Some(cond) = cond {
                arms.push((cond, body));
            }
        }
        if arms.is_empty() {
            return Ok(otherwise);
        }
        Ok(vec![Stmt::If(arms, otherwise)])
    }
}
