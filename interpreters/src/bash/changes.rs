//! Turning what a bash script changed into its answer, the way stdenv's one
//! long-lived shell would have carried it to the phases after it.
//!
//! In stdenv every attribute is a shell variable and every shell variable
//! a later phase may read, so the rule is: a changed exported variable is
//! an `env` change; any other changed (or new, or unset) shell variable is
//! an `attrs` change, typed like the attribute it was; `sourceRoot` is a
//! `state` change, `cd` a `cwd`; functions the package defined travel in
//! the state for later bash phases.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use super::declare_p;
use super::vars::{
    is_attribute_name, own_hooks, scalar_text, Declared, DEFAULT_HOOKS, FUNCTIONS_KEY, PER_PHASE,
};
use crate::{Answer, PhaseInput};

/// Variables bash itself sets when the environment has none (`SHELL` from
/// the password database, `TERM=dumb`): not a change the script made.
const BASH_DEFAULTS: &[&str] = &["SHELL", "TERM"];

/// One shell variable as the driver dumped it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Variable {
    Scalar { value: String, exported: bool },
    Array(Vec<String>),
    Assoc(Vec<(String, String)>),
}

/// What the driver dumped after the script finished.
#[derive(Debug, Default)]
pub(super) struct Dump {
    pub(super) cwd: String,
    pub(super) variables: BTreeMap<String, Variable>,
    pub(super) functions: BTreeMap<String, String>,
}

impl Dump {
    /// Parses the NUL-separated records `__phaser_dump` writes.
    pub fn parse(bytes: &[u8]) -> Result<Dump, String> {
        let mut fields = bytes.split(|b| *b == 0);
        let mut dump = Dump::default();
        let mut complete = false;
        let mut raw = |what: &str| {
            fields
                .next()
                .ok_or_else(|| format!("variable dump ends early, at {what}"))
        };
        let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        loop {
            let tag = match raw("tag") {
                Ok([]) => break,
                Ok(tag) => lossy(tag),
                Err(_) => break,
            };
            let count = |text: &[u8]| -> Result<usize, String> {
                std::str::from_utf8(text)
                    .ok()
                    .and_then(|text| text.parse().ok())
                    .ok_or_else(|| "bad count in the variable dump".to_string())
            };
            match tag.as_str() {
                "end" => {
                    complete = true;
                    break;
                }
                "cwd" => dump.cwd = lossy(raw("cwd")?),
                "P" => dump.read_listing(raw("listing")?)?,
                "E" | "S" => {
                    let name = lossy(raw("name")?);
                    let value = lossy(raw("value")?);
                    let exported = tag == "E";
                    dump.variables
                        .insert(name, Variable::Scalar { value, exported });
                }
                "A" => {
                    let name = lossy(raw("name")?);
                    let n = count(raw("count")?)?;
                    let items = (0..n)
                        .map(|_| raw("item").map(lossy))
                        .collect::<Result<_, _>>()?;
                    dump.variables.insert(name, Variable::Array(items));
                }
                "H" => {
                    let name = lossy(raw("name")?);
                    let n = count(raw("count")?)?;
                    let pairs = (0..n)
                        .map(|_| Ok((lossy(raw("key")?), lossy(raw("value")?))))
                        .collect::<Result<_, String>>()?;
                    dump.variables.insert(name, Variable::Assoc(pairs));
                }
                "F" => {
                    let name = lossy(raw("name")?);
                    let definition = lossy(raw("definition")?);
                    dump.functions
                        .insert(name, definition.trim_end().to_string());
                }
                other => return Err(format!("unknown record `{other}` in the variable dump")),
            }
        }
        if !complete {
            return Err(String::from(
                "the record of what the script changed is cut short (is the disk full?), so its \
                 changes are unknown",
            ));
        }
        Ok(dump)
    }

    /// Takes in the variables of a `declare -p` listing: those set, but
    /// not name references (the driver writes what they read as in records
    /// of their own) nor phaser's and bash's own.
    fn read_listing(&mut self, listing: &[u8]) -> Result<(), String> {
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        for declaration in declare_p::parse(listing)? {
            let name = declaration.name;
            if declaration.flags.contains('n')
                || name.starts_with("__phaser")
                || name.starts_with("BASH_")
            {
                continue;
            }
            let flags = declaration.flags;
            let variable = match declaration.value {
                None => continue,
                Some(declare_p::Value::List(items)) if flags.contains('A') => Variable::Assoc(
                    items
                        .into_iter()
                        .map(|(key, value)| (text(key), text(value)))
                        .collect(),
                ),
                Some(declare_p::Value::List(items)) => {
                    Variable::Array(items.into_iter().map(|(_, value)| text(value)).collect())
                }
                Some(declare_p::Value::Scalar(value)) => Variable::Scalar {
                    value: text(value),
                    exported: flags.contains('x'),
                },
            };
            self.variables.insert(name, variable);
        }
        Ok(())
    }

    /// The answer: what changed against `input` and what the declarations
    /// script `declared`.
    pub fn answer(&self, input: &PhaseInput, declared: &Declared) -> Answer {
        let mut env = Map::new();
        let mut attrs = Map::new();
        let mut state = Map::new();

        for (name, variable) in &self.variables {
            if !is_attribute_name(name) || input.outputs.contains_key(name) {
                continue;
            }
            if BASH_DEFAULTS.contains(&name.as_str())
                && !input.env.contains_key(name)
                && !declared.attrs.contains(name)
                && matches!(
                    variable,
                    Variable::Scalar {
                        exported: false,
                        ..
                    }
                )
            {
                continue;
            }
            if let Variable::Scalar {
                value,
                exported: true,
            } = variable
            {
                if input.env.get(name) != Some(value) {
                    env.insert(name.clone(), Value::String(value.clone()));
                }
            } else if input.env.contains_key(name) {
                // Still a variable, but no longer in the environment.
                env.insert(name.clone(), Value::Null);
            }
            if name == "sourceRoot" {
                if let Variable::Scalar { value, .. } = variable {
                    if declared.computed.get(name) != Some(value) {
                        state.insert(name.clone(), Value::String(value.clone()));
                    }
                }
                continue;
            }
            if PER_PHASE.contains(&name.as_str()) {
                continue;
            }
            if let Some(before) = declared.computed.get(name) {
                if matches!(variable, Variable::Scalar { value, .. } if value == before) {
                    continue;
                }
            }
            // A variable of the environment's (not declared from an
            // attribute) changes only the environment.
            let exported = matches!(variable, Variable::Scalar { exported: true, .. });
            if !declared.attrs.contains(name) && (exported || input.env.contains_key(name)) {
                continue;
            }
            if let Some(value) = changed_attribute(name, input.attrs.get(name), variable) {
                attrs.insert(name.clone(), value);
            }
        }
        // A default hook array holds the package's own entries only.
        for (name, _) in DEFAULT_HOOKS {
            if let Some(Value::Array(items)) = attrs.get(*name) {
                let entries: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                let own = own_hooks(name, &entries);
                let before: Vec<String> = match input.attrs.get(*name) {
                    Some(Value::Array(old)) => old.iter().filter_map(scalar_text).collect(),
                    _ => Vec::new(),
                };
                if own == before {
                    attrs.remove(*name);
                } else {
                    attrs.insert(
                        name.to_string(),
                        Value::Array(own.into_iter().map(Value::String).collect()),
                    );
                }
            }
        }
        for name in input.env.keys() {
            if super::vars::is_shell_name(name)
                && !self.variables.contains_key(name)
                && !super::vars::SHELL_OWNED.contains(&name.as_str())
            {
                env.insert(name.clone(), Value::Null);
            }
        }
        for name in &declared.attrs {
            if !self.variables.contains_key(name) {
                attrs.insert(name.clone(), Value::Null);
            }
        }

        let before = input.state.get(FUNCTIONS_KEY).and_then(Value::as_object);
        let mut functions = Map::new();
        for (name, definition) in &self.functions {
            let old = before.and_then(|b| b.get(name)).and_then(Value::as_str);
            if old != Some(definition.as_str()) {
                functions.insert(name.clone(), Value::String(definition.clone()));
            }
        }
        for name in before.into_iter().flat_map(|b| b.keys()) {
            if !self.functions.contains_key(name) {
                functions.insert(name.clone(), Value::Null);
            }
        }
        if !functions.is_empty() {
            state.insert(FUNCTIONS_KEY.into(), Value::Object(functions));
        }

        let mut answer = Answer::default();
        if !state.is_empty() {
            answer.state = Some(Value::Object(state));
        }
        if !env.is_empty() {
            answer.env = Some(Value::Object(env));
        }
        if !attrs.is_empty() {
            answer.attrs = Some(Value::Object(attrs));
        }
        let start = input
            .paths
            .cwd
            .canonicalize()
            .unwrap_or_else(|_| input.paths.cwd.clone());
        if !self.cwd.is_empty()
            && std::path::Path::new(&self.cwd) != start
            && std::path::Path::new(&self.cwd) != input.paths.cwd
        {
            answer.cwd = Some(self.cwd.clone());
        }
        answer
    }
}

/// The attribute change a variable amounts to, or `None` when it still
/// says what the attribute said (as bash shows it).
fn changed_attribute(name: &str, before: Option<&Value>, variable: &Variable) -> Option<Value> {
    match variable {
        Variable::Scalar { value, .. } => {
            if before.and_then(scalar_text).as_deref() == Some(value.as_str()) {
                return None;
            }
            Some(typed_scalar(name, before, value))
        }
        Variable::Array(items) => {
            let same = match before {
                Some(Value::Array(old)) => {
                    old.len() == items.len()
                        && old
                            .iter()
                            .zip(items)
                            .all(|(b, a)| scalar_text(b).as_deref() == Some(a.as_str()))
                }
                _ => false,
            };
            (!same).then(|| Value::Array(items.iter().cloned().map(Value::String).collect()))
        }
        Variable::Assoc(pairs) => {
            let same = match before {
                Some(Value::Object(old)) => {
                    old.len() == pairs.len()
                        && pairs.iter().all(|(k, v)| {
                            old.get(k).and_then(scalar_text).as_deref() == Some(v.as_str())
                        })
                }
                _ => false,
            };
            (!same).then(|| {
                Value::Object(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                )
            })
        }
    }
}

/// A changed scalar typed like the attribute it was: booleans stay
/// booleans (empty is false), numbers stay numbers when they still parse,
/// a new `dont*`/`do*` flag is a boolean, everything else is a string.
fn typed_scalar(name: &str, before: Option<&Value>, text: &str) -> Value {
    let flag = name.len() > 2
        && (name.starts_with("dont") || name.starts_with("do"))
        && name
            .chars()
            .nth(if name.starts_with("dont") { 4 } else { 2 })
            .is_some_and(|c| c.is_ascii_uppercase());
    match before {
        Some(Value::Bool(_)) => Value::Bool(!text.is_empty()),
        Some(Value::Number(_)) => text
            .parse::<i64>()
            .map(|n| Value::Number(Number::from(n)))
            .unwrap_or_else(|_| Value::String(text.to_string())),
        None if flag => Value::Bool(!text.is_empty()),
        _ => Value::String(text.to_string()),
    }
}
