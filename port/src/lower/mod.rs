//! From bash's syntax tree to [`crate::ir`]: statements, control flow and
//! the variables a snippet reads and changes. Anything without a faithful
//! translation is a [`NotHere`]: the statement then runs through `bash -c`
//! when it changes no shell state, or the whole snippet stays bash.

mod commands;
mod conditions;
mod words;

use std::collections::{BTreeMap, BTreeSet};

use brush_parser::ast::{
    self, AndOr, AndOrList, Command, CompoundCommand, CompoundList, Pipeline, SeparatorOperator,
};

use crate::ir::{
    Answer, AnswerValue, AsText, Call, Expr, Item, Kind, List, Program, Source, Stmt, Value,
};
use crate::names::{attribute_like, is_flag_name, AttrKind, Names};
use crate::parse::Snippet;
use crate::report::{Kept, SnippetReport};

/// Why a piece of bash has no translation.
#[derive(Debug, Clone)]
pub struct NotHere {
    /// Said to the user.
    pub reason: String,
    /// The whole snippet must stay bash (shell state later statements see).
    pub whole: bool,
}

impl NotHere {
    /// Only this statement needs bash.
    pub fn statement(reason: String) -> NotHere {
        NotHere {
            reason,
            whole: false,
        }
    }

    /// The snippet's statements depend on each other through shell state.
    pub fn whole(reason: String) -> NotHere {
        NotHere {
            reason,
            whole: true,
        }
    }
}

/// Where an assigned variable's final value goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Channel {
    /// Nowhere: a variable of the snippet.
    Local,
    /// An attribute (with its kind in the plan, `None` when new).
    Attr(Option<AttrKind>),
    /// The environment.
    Env,
    /// The state (`sourceRoot`).
    State,
}

/// A variable the snippet assigns.
#[derive(Debug, Clone)]
struct Var {
    kind: Kind,
    channel: Channel,
    declared: bool,
    one_word: bool,
    absolute: Option<bool>,
    unset: bool,
}

/// The directory later commands run in after a `cd`.
#[derive(Debug, Clone, PartialEq)]
enum Dir {
    /// Relative to where the phase started, literal components.
    Relative(Vec<String>),
    /// An absolute expression.
    Absolute(Expr),
}

/// What the snippet is: a phase body or a hook of a phase.
#[derive(Debug, Clone)]
pub struct Role {
    /// The phase it belongs to, capitalized (`Install`).
    pub phase: String,
    /// Whether it is the phase's body (so `runHook pre/post<Phase>` may be dropped).
    pub body: bool,
}

/// Lowers one snippet.
pub(crate) struct Lowerer<'a> {
    names: &'a Names,
    role: Role,
    vars: BTreeMap<String, Var>,
    /// Loop variables in scope.
    loop_vars: BTreeMap<String, (bool, Option<bool>)>,
    dir: Option<Dir>,
    /// `pushd`'s stack.
    dir_stack: Vec<Option<Dir>>,
    depth: usize,
    /// How many `for` loops the statement being lowered is in.
    pub(crate) loop_depth: usize,
    /// Statements to place before the current top-level statement.
    hoisted: Vec<Stmt>,
}

/// The outcome of translating one snippet.
pub struct Lowered {
    /// The program, or `None` when the whole snippet stays bash.
    pub program: Option<Program>,
    /// Counts and reasons.
    pub report: SnippetReport,
}

/// Translates a parsed snippet.
pub(crate) fn lower(snippet: &Snippet, names: &Names, role: Role, label: &str) -> Lowered {
    let mut lowerer = Lowerer {
        names,
        role,
        vars: BTreeMap::new(),
        loop_vars: BTreeMap::new(),
        dir: None,
        dir_stack: Vec::new(),
        depth: 0,
        loop_depth: 0,
        hoisted: Vec::new(),
    };
    let items = snippet.items();
    let mut report = SnippetReport::new(label);
    report.statements = items.iter().map(|i| count_statements(&i.0)).sum();
    if let Err(e) = lowerer.prescan(&items) {
        report.whole_snippet(items.first().map_or(1, |i| snippet.line_of(&i.0)), e.reason);
        return Lowered {
            program: None,
            report,
        };
    }
    let mut body = Vec::new();
    let last = items.len().saturating_sub(1);
    for (index, (list, separator)) in items.iter().enumerate() {
        let line = snippet.line_of(list);
        let text = snippet.text_of(index);
        let count = count_statements(list);
        if matches!(separator, SeparatorOperator::Async) {
            report.whole_snippet(line, "a background job (`&`)".into());
            return Lowered {
                program: None,
                report,
            };
        }
        let saved = (lowerer.vars.clone(), lowerer.dir.clone());
        lowerer.hoisted.clear();
        let position = Position {
            first: index == 0,
            last: index == last,
        };
        match lowerer.and_or_statement(list, position) {
            Ok(stmts) => {
                body.append(&mut lowerer.hoisted);
                if !text.trim().is_empty() {
                    body.push(Stmt::Comment(text.clone()));
                }
                body.extend(stmts);
                report.translated += count;
            }
            Err(e) => {
                (lowerer.vars, lowerer.dir) = saved;
                let kept = if e.whole {
                    None
                } else {
                    lowerer.bash_statement(list, &text)
                };
                match kept {
                    Some(stmt) => {
                        body.push(Stmt::Comment(text.clone()));
                        body.push(Stmt::Comment(format!("kept in bash: {}", e.reason)));
                        body.push(stmt);
                        report.kept.push(Kept {
                            line,
                            statements: count,
                            reason: e.reason,
                        });
                    }
                    None => {
                        report.whole_snippet(line, e.reason);
                        return Lowered {
                            program: None,
                            report,
                        };
                    }
                }
            }
        }
    }
    let answer = lowerer.answer();
    Lowered {
        program: Some(Program { body, answer }),
        report,
    }
}

/// Where a top-level statement is in its snippet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position {
    pub first: bool,
    pub last: bool,
}

/// Simple commands and pipelines in a list: the unit coverage counts.
pub(crate) fn count_statements(list: &AndOrList) -> usize {
    list.iter().map(|(_, p)| count_pipeline(p)).sum()
}

fn count_pipeline(pipeline: &Pipeline) -> usize {
    match pipeline.seq.as_slice() {
        [one] => count_command(one),
        _ => 1,
    }
}

fn count_command(command: &Command) -> usize {
    let lists = |list: &CompoundList| -> usize {
        list.0.iter().map(|item| count_statements(&item.0)).sum()
    };
    match command {
        Command::Simple(_) | Command::ExtendedTest(..) => 1,
        Command::Function(f) => count_compound(&f.body.0, &lists),
        Command::Compound(c, _) => count_compound(c, &lists),
    }
}

fn count_compound(c: &CompoundCommand, lists: &dyn Fn(&CompoundList) -> usize) -> usize {
    match c {
        CompoundCommand::BraceGroup(g) => lists(&g.list),
        CompoundCommand::Subshell(s) => lists(&s.list),
        CompoundCommand::ForClause(f) => 1 + lists(&f.body.list),
        CompoundCommand::IfClause(i) => {
            lists(&i.condition)
                + lists(&i.then)
                + i.elses
                    .iter()
                    .flatten()
                    .map(|e| e.condition.as_ref().map_or(0, lists) + lists(&e.body))
                    .sum::<usize>()
        }
        CompoundCommand::CaseClause(c) => {
            1 + c
                .cases
                .iter()
                .map(|i| i.cmd.as_ref().map_or(0, lists))
                .sum::<usize>()
        }
        CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
            lists(&w.0) + lists(&w.1.list)
        }
        _ => 1,
    }
}

/// Shell builtins that change the shell itself: a statement with one of
/// them cannot run in a `bash -c` of its own.
const STATEFUL_BUILTINS: &[&str] = &[
    "cd",
    "pushd",
    "popd",
    "export",
    "unset",
    "local",
    "declare",
    "typeset",
    "readonly",
    "set",
    "shopt",
    "read",
    "readarray",
    "mapfile",
    "eval",
    "source",
    ".",
    "exit",
    "return",
    "shift",
    "trap",
    "alias",
    "unalias",
    "getopts",
    "let",
    "exec",
    "hash",
    "enable",
    "builtin",
    "wait",
    "umask",
    "ulimit",
];

/// stdenv's shell functions (phaser's prelude defines them): a plain `bash -c`
/// does not have them.
pub(crate) const STDENV_FUNCTIONS: &[&str] = &[
    "runHook",
    "substituteInPlace",
    "substitute",
    "substituteAll",
    "substituteAllInPlace",
    "substituteStream",
    "patchShebangs",
    "getAllOutputNames",
    "stripDirs",
    "compressManPages",
    "moveToOutput",
    "appendToVar",
    "prependToVar",
    "concatTo",
    "concatStringsSep",
    "stripHash",
    "addToSearchPath",
    "isELF",
    "isScript",
    "isMachO",
    "echoCmd",
    "runOneHook",
    "wrapProgram",
    "makeWrapper",
    "wrapProgramShell",
    "installShellCompletion",
    "installManPage",
    "installBin",
    "fixupPhase",
    "genericBuild",
    "runPhase",
    "phaser",
    "mapOffset",
    "_assignFirst",
    "dumpVars",
    "nixLog",
    "nixInfoLog",
    "nixWarnLog",
    "nixErrorLog",
    "prependToVar",
    "_overrideFirst",
    "isElf",
    "patchELF",
    "substituteAllStream",
    "printWords",
    "printLines",
];

impl<'a> Lowerer<'a> {
    /// Decides, before lowering, where each assigned variable's value goes.
    fn prescan(&mut self, items: &[&(AndOrList, SeparatorOperator)]) -> Result<(), NotHere> {
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
            } else if attribute_like(&name) {
                Channel::Attr(None)
            } else if self.names.is_env(&name) || exported.contains(&name) {
                Channel::Env
            } else {
                Channel::Local
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
        for name in exported {
            if let Some(var) = self.vars.get_mut(&name) {
                if var.channel == Channel::Local {
                    var.channel = Channel::Env;
                }
            }
        }
        Ok(())
    }

    /// The answer: every assigned variable that is not the snippet's own.
    fn answer(&self) -> Answer {
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
                Channel::Local => {}
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

    fn and_or_statement(&mut self, list: &AndOrList, at: Position) -> Result<Vec<Stmt>, NotHere> {
        let chain: Vec<(Option<bool>, &Pipeline)> = std::iter::once((None, &list.first))
            .chain(list.additional.iter().map(|ao| match ao {
                AndOr::And(p) => (Some(true), p),
                AndOr::Or(p) => (Some(false), p),
            }))
            .collect();
        if chain.len() == 1 {
            return self.pipeline_statement(&list.first, at);
        }
        let (last_op, last) = chain[chain.len() - 1];
        let head = &chain[..chain.len() - 1];
        // `cmd || true`: the failure is ignored.
        if head.len() == 1 && last_op == Some(false) && is_true(last) {
            return self.ignore_failure(head[0].1);
        }
        // `mkdir -p build && cd build`: steps that are no condition (a
        // standard-library command) run in order; one failing fails the
        // phase, where bash would skip the rest.
        if chain.iter().all(|(op, _)| *op != Some(false)) {
            let saved = (self.vars.clone(), self.dir.clone());
            let conditions: Result<Vec<_>, _> = head
                .iter()
                .map(|(_, p)| self.pipeline_condition(p))
                .collect();
            (self.vars, self.dir) = saved;
            if conditions.is_err() {
                let mut out = Vec::new();
                for (_, pipeline) in &chain {
                    out.extend(self.pipeline_statement(
                        pipeline,
                        Position {
                            first: false,
                            last: false,
                        },
                    )?);
                }
                return Ok(out);
            }
        }
        let mut cond = None;
        for (op, pipeline) in head {
            let c = self.pipeline_condition(pipeline)?;
            cond = Some(match (cond, op) {
                (None, _) => c,
                (Some(prev), Some(true)) => crate::ir::Cond::And(Box::new(prev), Box::new(c)),
                (Some(prev), _) => crate::ir::Cond::Or(Box::new(prev), Box::new(c)),
            });
        }
        let cond = cond.expect("a chain has a head");
        let cond = if last_op == Some(true) {
            cond
        } else {
            crate::ir::Cond::Not(Box::new(cond))
        };
        self.depth += 1;
        let body = self.pipeline_statement(
            last,
            Position {
                first: false,
                last: false,
            },
        );
        self.depth -= 1;
        Ok(vec![Stmt::If(vec![(cond, body?)], Vec::new())])
    }

    fn ignore_failure(&mut self, pipeline: &Pipeline) -> Result<Vec<Stmt>, NotHere> {
        if let Some(call) = self.external_call(pipeline)? {
            let call = call.arg("check", crate::ir::Arg::Bool(false));
            return Ok(vec![Stmt::Call(call)]);
        }
        Err(NotHere::statement(
            "`|| true` after a command that is not a program".into(),
        ))
    }

    fn pipeline_statement(
        &mut self,
        pipeline: &Pipeline,
        at: Position,
    ) -> Result<Vec<Stmt>, NotHere> {
        if pipeline.bang {
            return Err(NotHere::statement(
                "a negated command as a statement".into(),
            ));
        }
        match pipeline.seq.as_slice() {
            [command] => self.command_statement(command, at),
            _ => Err(NotHere::statement("a pipeline".into())),
        }
    }

    fn command_statement(&mut self, command: &Command, at: Position) -> Result<Vec<Stmt>, NotHere> {
        match command {
            Command::Simple(simple) => self.simple_command(simple, at),
            Command::Compound(compound, redirects) => {
                if redirects.is_some() {
                    return Err(NotHere::statement(
                        "a redirection of a compound command".into(),
                    ));
                }
                self.compound(compound)
            }
            Command::Function(_) => Err(NotHere::whole("a shell function".into())),
            Command::ExtendedTest(..) => {
                Err(NotHere::statement("a `[[ ]]` test as a statement".into()))
            }
        }
    }

    fn compound(&mut self, compound: &CompoundCommand) -> Result<Vec<Stmt>, NotHere> {
        self.depth += 1;
        let result = self.compound_inner(compound);
        self.depth -= 1;
        result
    }

    fn compound_inner(&mut self, compound: &CompoundCommand) -> Result<Vec<Stmt>, NotHere> {
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
    fn subshell(&mut self, list: &CompoundList) -> Result<Vec<Stmt>, NotHere> {
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

    fn block(&mut self, list: &CompoundList) -> Result<Vec<Stmt>, NotHere> {
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

    fn for_loop(&mut self, clause: &ast::ForClauseCommand) -> Result<Vec<Stmt>, NotHere> {
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
            Item::Word(e) => matches!(e, Expr::Lit(s) if !s.contains(char::is_whitespace)),
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
            }
        }
        Ok(vec![Stmt::For(local_name(&name), list, body?)])
    }

    fn case(&mut self, clause: &ast::CaseClauseCommand) -> Result<Vec<Stmt>, NotHere> {
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

    /// The statement kept in bash, run by `bash -c`, when it changes no
    /// shell state and reads only variables that can be passed to it.
    fn bash_statement(&mut self, list: &AndOrList, text: &str) -> Option<Stmt> {
        let mut assigned = Vec::new();
        let mut exported = BTreeSet::new();
        scan_list(list, &mut assigned, &mut exported).ok()?;
        if !assigned.is_empty() || !exported.is_empty() {
            return None;
        }
        let mut commands = Vec::new();
        collect_command_names(list, &mut commands);
        if commands.iter().any(|c| {
            STATEFUL_BUILTINS.contains(&c.as_str()) || STDENV_FUNCTIONS.contains(&c.as_str())
        }) {
            return None;
        }
        let mut env = Vec::new();
        for name in free_variables(text) {
            if let Some(var) = self.vars.get(&name) {
                if var.kind == Kind::List {
                    return None;
                }
                if var.declared {
                    env.push((
                        name.clone(),
                        Expr::Var(Source::Local(local_name(&name)), AsText::Plain),
                    ));
                    continue;
                }
            }
            if self.loop_vars.contains_key(&name) {
                env.push((
                    name.clone(),
                    Expr::Var(Source::Local(local_name(&name)), AsText::Plain),
                ));
                continue;
            }
            let l = self.names.lookup(&name);
            if l.list {
                return None;
            }
            if !matches!(
                l.source,
                Source::Input("env", _) | Source::Input("outputs", _)
            ) {
                env.push((name.clone(), Expr::Var(l.source, l.text)));
            }
        }
        let cwd = self.dir.as_ref().map(dir_expr);
        Some(Stmt::Bash {
            script: text.trim_end().trim_end_matches(';').trim_end().to_string(),
            reason: String::new(),
            env,
            cwd,
        })
    }

    // ----- variables -----

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

    fn initial_value(&self, name: &str) -> Value {
        let var = &self.vars[name];
        match var.channel {
            Channel::Local => match var.kind {
                Kind::List => Value::List(List::default()),
                Kind::Text => Value::Text(Expr::Lit(String::new())),
            },
            _ => Value::From(self.names.lookup(name).source, var.kind),
        }
    }

    /// Reads `name` as bash would expand `$name`.
    pub(crate) fn read_var(&mut self, name: &str) -> Result<Expr, NotHere> {
        if self.loop_vars.contains_key(name) {
            return Ok(Expr::Var(Source::Local(local_name(name)), AsText::Plain));
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
    fn var_source(&self, name: &str) -> Option<Source> {
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

    fn list_is_one_word(&self, source: &Source) -> bool {
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

    // ----- the working directory -----

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
            Some(false) => Ok(words::concat(vec![
                dir_expr(dir),
                Expr::Lit("/".into()),
                path,
            ])),
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
                                    words::concat(vec![expr, Expr::Lit(format!("/{part}"))])
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
                (Some(false), _, None) => Dir::Absolute(words::concat(vec![
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

    pub(crate) fn role(&self) -> &Role {
        &self.role
    }

    pub(crate) fn in_block(&self) -> bool {
        self.depth > 0
    }

    pub(crate) fn mark_unset(&mut self, name: &str) -> Result<Vec<Stmt>, NotHere> {
        if self
            .vars
            .get(name)
            .is_some_and(|v| v.channel == Channel::Local)
        {
            return self.assign(name, Value::Text(Expr::Lit(String::new())));
        }
        match self.vars.get_mut(name) {
            Some(var) if var.channel != Channel::Local => {
                if self.depth > 0 {
                    return Err(NotHere::whole(format!("`unset {name}` inside a block")));
                }
                var.unset = true;
                var.declared = false;
                Ok(Vec::new())
            }
            _ => Err(NotHere::whole(format!("`unset {name}`"))),
        }
    }

    pub(crate) fn note_absolute(&mut self, name: &str, expr: &Expr) {
        let abs = self.absoluteness(expr);
        if let Some(var) = self.vars.get_mut(name) {
            var.absolute = abs;
        }
    }

    pub(crate) fn call_with_dir(&self, call: Call) -> Call {
        match self.dir_snapshot() {
            Some(dir) => call.arg("cwd", crate::ir::Arg::Str(dir)),
            None => call,
        }
    }
}

fn is_true(pipeline: &Pipeline) -> bool {
    matches!(pipeline.seq.as_slice(), [Command::Simple(s)]
        if s.prefix.is_none() && s.suffix.is_none()
            && s.word_or_name.as_ref().is_some_and(|w| w.value == "true" || w.value == ":"))
}

fn common_absoluteness(list: &List, lowerer: &Lowerer<'_>) -> Option<bool> {
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

fn dir_expr(dir: &Dir) -> Expr {
    match dir {
        Dir::Relative(parts) => Expr::Lit(parts.join("/")),
        Dir::Absolute(expr) => expr.clone(),
    }
}

fn absolute_dir(dir: &Dir) -> Expr {
    match dir {
        Dir::Absolute(expr) => expr.clone(),
        Dir::Relative(parts) => words::concat(vec![
            Expr::Var(Source::StartDir, AsText::Plain),
            Expr::Lit(format!("/{}", parts.join("/"))),
        ]),
    }
}

/// The name a bash variable has in Lua and Rhai: the same, unless it is a
/// keyword or a name the translation itself uses.
pub(crate) fn local_name(name: &str) -> String {
    const TAKEN: &[&str] = &[
        "and",
        "break",
        "do",
        "else",
        "elseif",
        "end",
        "false",
        "for",
        "function",
        "goto",
        "if",
        "in",
        "local",
        "nil",
        "not",
        "or",
        "repeat",
        "return",
        "then",
        "true",
        "until",
        "while",
        "let",
        "const",
        "fn",
        "switch",
        "loop",
        "continue",
        "throw",
        "try",
        "catch",
        "import",
        "export",
        "as",
        "global",
        "private",
        "this",
        "is",
        "print",
        "debug",
        "type_of",
        "eval",
        "call",
        "curry",
        "var",
        "static",
        "shared",
        "sync",
        "async",
        "await",
        "yield",
        "default",
        "void",
        "null",
        "new",
        "use",
        "with",
        "module",
        "package",
        "super",
        "match",
        "case",
        "public",
        "protected",
        "exit",
        "spawn",
        "thread",
        "go",
        "Fn",
        "std",
        "input",
        "table",
        "ipairs",
        "pairs",
        "tostring",
        "string",
        "error",
        "select",
        "type",
        "pcall",
        "words",
        "concat",
        "answer",
        "os",
        "io",
        "math",
        "next",
        "load",
        "require",
    ];
    if TAKEN.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

// ----- scanning for assignments -----

fn scan_list(
    list: &AndOrList,
    assigned: &mut Vec<(String, Kind)>,
    exported: &mut BTreeSet<String>,
) -> Result<(), NotHere> {
    for (_, pipeline) in list.iter() {
        for command in &pipeline.seq {
            scan_command(command, assigned, exported)?;
        }
    }
    Ok(())
}

fn scan_compound_list(
    list: &CompoundList,
    assigned: &mut Vec<(String, Kind)>,
    exported: &mut BTreeSet<String>,
) -> Result<(), NotHere> {
    for item in &list.0 {
        scan_list(&item.0, assigned, exported)?;
    }
    Ok(())
}

fn scan_command(
    command: &Command,
    assigned: &mut Vec<(String, Kind)>,
    exported: &mut BTreeSet<String>,
) -> Result<(), NotHere> {
    let mut add = |name: String, kind: Kind| {
        if !assigned.iter().any(|(n, _)| *n == name) {
            assigned.push((name, kind));
        }
    };
    match command {
        Command::Simple(simple) => {
            let has_command = simple.word_or_name.is_some();
            let name = simple.word_or_name.as_ref().map(|w| w.value.as_str());
            if !has_command {
                for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
                    if let ast::CommandPrefixOrSuffixItem::AssignmentWord(a, _) = item {
                        let ast::AssignmentName::VariableName(n) = &a.name else {
                            return Err(NotHere::whole("an assignment to an array element".into()));
                        };
                        let kind = match a.value {
                            ast::AssignmentValue::Array(_) => Kind::List,
                            ast::AssignmentValue::Scalar(_) => Kind::Text,
                        };
                        add(n.clone(), kind);
                    }
                }
            }
            if name == Some("unset") {
                for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
                    if let ast::CommandPrefixOrSuffixItem::Word(w) = item {
                        if !w.value.starts_with('-') {
                            add(w.value.clone(), Kind::Text);
                        }
                    }
                }
            }
            if matches!(
                name,
                Some("export")
                    | Some("local")
                    | Some("declare")
                    | Some("readonly")
                    | Some("typeset")
            ) {
                for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
                    let text = match item {
                        ast::CommandPrefixOrSuffixItem::Word(w) => w.value.clone(),
                        ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => w.value.clone(),
                        _ => continue,
                    };
                    if text.starts_with('-') {
                        continue;
                    }
                    let var = text
                        .split(['=', '+'])
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let list = text.contains("=(");
                    if name == Some("export") {
                        exported.insert(var.clone());
                    }
                    if text.contains('=') {
                        add(var, if list { Kind::List } else { Kind::Text });
                    }
                }
            }
        }
        Command::Compound(compound, _) => match compound {
            CompoundCommand::BraceGroup(g) => scan_compound_list(&g.list, assigned, exported)?,
            CompoundCommand::Subshell(_) => {}
            CompoundCommand::ForClause(f) => scan_compound_list(&f.body.list, assigned, exported)?,
            CompoundCommand::IfClause(i) => {
                scan_compound_list(&i.condition, assigned, exported)?;
                scan_compound_list(&i.then, assigned, exported)?;
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        scan_compound_list(c, assigned, exported)?;
                    }
                    scan_compound_list(&e.body, assigned, exported)?;
                }
            }
            CompoundCommand::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        scan_compound_list(list, assigned, exported)?;
                    }
                }
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                scan_compound_list(&w.0, assigned, exported)?;
                scan_compound_list(&w.1.list, assigned, exported)?;
            }
            _ => {}
        },
        Command::Function(_) | Command::ExtendedTest(..) => {}
    }
    Ok(())
}

fn collect_command_names(list: &AndOrList, out: &mut Vec<String>) {
    fn compound_list(list: &CompoundList, out: &mut Vec<String>) {
        for item in &list.0 {
            collect_command_names(&item.0, out);
        }
    }
    for (_, pipeline) in list.iter() {
        for command in &pipeline.seq {
            match command {
                Command::Simple(s) => {
                    if let Some(w) = &s.word_or_name {
                        out.push(w.value.clone());
                    }
                }
                Command::Function(_) => out.push(String::from("function")),
                Command::ExtendedTest(..) => {}
                Command::Compound(c, _) => match c {
                    CompoundCommand::BraceGroup(g) => compound_list(&g.list, out),
                    CompoundCommand::Subshell(s) => {
                        // A subshell's `cd` or assignments stay inside it.
                        let mut inner = Vec::new();
                        compound_list(&s.list, &mut inner);
                        out.extend(
                            inner
                                .into_iter()
                                .filter(|c| !STATEFUL_BUILTINS.contains(&c.as_str())),
                        );
                    }
                    CompoundCommand::ForClause(f) => compound_list(&f.body.list, out),
                    CompoundCommand::IfClause(i) => {
                        compound_list(&i.condition, out);
                        compound_list(&i.then, out);
                        for e in i.elses.iter().flatten() {
                            if let Some(c) = &e.condition {
                                compound_list(c, out);
                            }
                            compound_list(&e.body, out);
                        }
                    }
                    CompoundCommand::CaseClause(c) => {
                        for item in &c.cases {
                            if let Some(l) = &item.cmd {
                                compound_list(l, out);
                            }
                        }
                    }
                    CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                        compound_list(&w.0, out);
                        compound_list(&w.1.list, out);
                    }
                    _ => {}
                },
            }
        }
    }
}

/// Names a piece of bash text reads with `$name` or `${name...}`.
fn free_variables(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_single = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' && !in_single && (i == 0 || bytes[i - 1] != b'\\') {
            in_single = true;
        } else if c == b'\'' && in_single {
            in_single = false;
        } else if c == b'$' && !in_single {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let start = if bytes.get(start) == Some(&b'#') || bytes.get(start) == Some(&b'!') {
                start + 1
            } else {
                start
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                names.insert(text[start..end].to_string());
            }
        }
        i += 1;
    }
    names
}

/// Every variable a snippet assigns: (name, is a list, is exported).
pub(crate) fn assigned_names(snippet: &Snippet) -> Vec<(String, bool, bool)> {
    let mut assigned = Vec::new();
    let mut exported = BTreeSet::new();
    for (list, _) in snippet.items() {
        let _ = scan_list(list, &mut assigned, &mut exported);
    }
    let mut out: Vec<(String, bool, bool)> = assigned
        .into_iter()
        .map(|(n, k)| {
            let e = exported.contains(&n);
            (n, k == Kind::List, e)
        })
        .collect();
    for name in exported {
        if !out.iter().any(|(n, _, _)| *n == name) {
            out.push((name, false, true));
        }
    }
    out
}
