//! Reading a snippet's syntax tree without lowering it: how many
//! statements it has (coverage counts them), which variables it assigns or
//! exports, which commands it runs, and which variables a piece of text
//! reads (for a statement kept in `bash -c`).

use std::collections::BTreeSet;

use brush_parser::ast::{self, AndOrList, Command, CompoundCommand, CompoundList, Pipeline};

use super::{NotHere, STATEFUL_BUILTINS};
use crate::ir::Kind;
use crate::parse::Snippet;

/// Simple commands and pipelines in a list: the unit coverage counts.
pub(crate) fn count_statements(list: &AndOrList) -> usize {
    list.iter().map(|(_, p)| count_pipeline(p)).sum()
}

pub(super) fn count_pipeline(pipeline: &Pipeline) -> usize {
    match pipeline.seq.as_slice() {
        [one] => count_command(one),
        _ => 1,
    }
}

pub(super) fn count_command(command: &Command) -> usize {
    let lists = |list: &CompoundList| -> usize {
        list.0.iter().map(|item| count_statements(&item.0)).sum()
    };
    match command {
        Command::Simple(_) | Command::ExtendedTest(..) => 1,
        Command::Function(f) => count_compound(&f.body.0, &lists),
        Command::Compound(c, _) => count_compound(c, &lists),
    }
}

pub(super) fn count_compound(c: &CompoundCommand, lists: &dyn Fn(&CompoundList) -> usize) -> usize {
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

pub(super) fn scan_list(
    list: &AndOrList,
    assigned: &mut Vec<(String, Kind)>,
    exported: &mut BTreeSet<String>,
) -> Result<(), NotHere> {
    for (_, pipeline) in list.iter() {
        // Each command of a real pipeline runs in a subshell of its own:
        // what it assigns stays there.
        if pipeline.seq.len() > 1 {
            continue;
        }
        for command in &pipeline.seq {
            scan_command(command, assigned, exported)?;
        }
    }
    Ok(())
}

pub(super) fn scan_compound_list(
    list: &CompoundList,
    assigned: &mut Vec<(String, Kind)>,
    exported: &mut BTreeSet<String>,
) -> Result<(), NotHere> {
    for item in &list.0 {
        scan_list(&item.0, assigned, exported)?;
    }
    Ok(())
}

pub(super) fn scan_command(
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
            if name == Some("appendToVar") || name == Some("prependToVar") {
                if let Some(ast::CommandPrefixOrSuffixItem::Word(w)) =
                    simple.suffix.iter().flat_map(|s| s.0.iter()).next()
                {
                    add(w.value.clone(), Kind::List);
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

pub(super) fn collect_command_names(list: &AndOrList, out: &mut Vec<String>) {
    fn compound_list(list: &CompoundList, out: &mut Vec<String>) {
        for item in &list.0 {
            collect_command_names(&item.0, out);
        }
    }
    for (_, pipeline) in list.iter() {
        if pipeline.seq.len() > 1 {
            // Subshells: a `read` or `cd` there changes nothing outside.
            let mut inner = Vec::new();
            for command in &pipeline.seq {
                let single = Pipeline {
                    timed: None,
                    bang: false,
                    seq: vec![command.clone()],
                };
                let list = AndOrList {
                    first: single,
                    additional: Vec::new(),
                };
                collect_command_names(&list, &mut inner);
            }
            out.extend(
                inner
                    .into_iter()
                    .filter(|c| !STATEFUL_BUILTINS.contains(&c.as_str())),
            );
            continue;
        }
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
pub(super) fn free_variables(text: &str) -> BTreeSet<String> {
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
