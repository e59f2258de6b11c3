//! From bash's syntax tree to [`crate::ir`]: statements, control flow and
//! the variables a snippet reads and changes. Anything without a faithful
//! translation is a [`NotHere`]: the statement then runs through `bash -c`
//! when it changes no shell state, or the whole snippet stays bash.

mod commands;
mod conditions;
mod control;
mod dir;
mod files;
mod scan;
mod text;
mod vars;
mod words;

use dir::{common_absoluteness, dir_expr};
pub(crate) use scan::{assigned_names, count_statements};
use scan::{collect_command_names, free_variables, scan_list};

use std::collections::{BTreeMap, BTreeSet};

use brush_parser::ast::{AndOr, AndOrList, Command, Pipeline, SeparatorOperator};

use crate::ir::{AsText, Expr, Kind, Program, Source, Stmt};
use crate::names::{AttrKind, Names};
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

/// Where an assigned variable's final value goes (stdenv's shell carries
/// every variable to the phases after it).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Channel {
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
    /// Loop variables of loops that ended: bash keeps their last value.
    ended_loop_vars: BTreeSet<String>,
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
        ended_loop_vars: BTreeSet::new(),
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
            env,
            cwd,
        })
    }

    // ----- variables -----

    // ----- the working directory -----

    pub(crate) fn role(&self) -> &Role {
        &self.role
    }

    pub(crate) fn in_block(&self) -> bool {
        self.depth > 0
    }
}

fn is_true(pipeline: &Pipeline) -> bool {
    matches!(pipeline.seq.as_slice(), [Command::Simple(s)]
        if s.prefix.is_none() && s.suffix.is_none()
            && s.word_or_name.as_ref().is_some_and(|w| w.value == "true" || w.value == ":"))
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
