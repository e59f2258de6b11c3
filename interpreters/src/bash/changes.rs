//! Turning what a bash script changed into its answer, the way stdenv's one
//! long-lived shell would have carried it to the phases after it.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use super::vars::{scalar_text, source_root};
use crate::{Answer, PhaseInput};

/// Variables bash sets by itself, or phaser sets for the script.
const IGNORED_ENV: &[&str] = &[
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "PHASER_INPUT",
    "PHASER_OUTPUT",
    "PHASER_PRELUDE",
    "PHASER_VARS",
    "PHASER_SCRIPT",
    "PHASER_DUMP",
    "PHASER_ERRORS",
    "PHASER_CWD",
    "PHASER_EXE",
    phaser_stdlib::WRITE_ROOTS_VAR,
    phaser_stdlib::PHASE_VAR,
];

/// What the driver dumped after the script finished.
#[derive(Debug, Default)]
pub(super) struct Dump {
    cwd: String,
    exported: BTreeMap<String, String>,
    scalars: BTreeMap<String, String>,
    arrays: BTreeMap<String, Vec<String>>,
}

impl Dump {
    /// Parses the NUL-separated records `__phaser_dump` writes.
    pub fn parse(bytes: &[u8]) -> Result<Dump, String> {
        let mut fields = bytes
            .split(|b| *b == 0)
            .map(|f| String::from_utf8_lossy(f).into_owned());
        let mut dump = Dump::default();
        let mut next = |what: &str| {
            fields
                .next()
                .ok_or_else(|| format!("variable dump ends early, at {what}"))
        };
        loop {
            let tag = match next("tag") {
                Ok(tag) if tag.is_empty() => break,
                Ok(tag) => tag,
                Err(_) => break,
            };
            match tag.as_str() {
                "cwd" => dump.cwd = next("cwd")?,
                "E" => {
                    let name = next("name")?;
                    dump.exported.insert(name, next("value")?);
                }
                "S" => {
                    let name = next("name")?;
                    dump.scalars.insert(name, next("value")?);
                }
                "A" => {
                    let name = next("name")?;
                    let count: usize = next("count")?.parse().map_err(|_| "bad array count")?;
                    let items = (0..count).map(|_| next("item")).collect::<Result<_, _>>()?;
                    dump.arrays.insert(name, items);
                }
                other => return Err(format!("unknown record `{other}` in the variable dump")),
            }
        }
        Ok(dump)
    }

    /// The answer: changed exported variables as `env`, changed attribute
    /// variables as `attrs`, a changed `sourceRoot` as `state`, a `cd` as `cwd`.
    pub fn answer(&self, input: &PhaseInput, tracked: &[String]) -> Answer {
        let mut answer = Answer::default();
        let attr_like = |name: &str| {
            tracked.iter().any(|t| t == name)
                || self.scalars.contains_key(name)
                || self.arrays.contains_key(name)
                || name == "sourceRoot"
        };

        let mut env = Map::new();
        for (name, value) in &self.exported {
            if IGNORED_ENV.contains(&name.as_str())
                || input.outputs.contains_key(name)
                || attr_like(name)
            {
                continue;
            }
            if input.env.get(name) != Some(value) {
                env.insert(name.clone(), Value::String(value.clone()));
            }
        }
        // A name bash cannot hold as a variable (`a.b`, `with-dash`) never
        // shows in the dump: missing from it is not deleted.
        for name in input.env.keys().filter(|n| is_shell_name(n)) {
            if !self.exported.contains_key(name) && !attr_like(name) {
                env.insert(name.clone(), Value::Null);
            }
        }

        let mut attrs = Map::new();
        for (name, value) in &self.scalars {
            if name == "sourceRoot" {
                continue;
            }
            let before = input.attrs.get(name);
            if before.and_then(scalar_text).as_deref() == Some(value.as_str()) {
                continue;
            }
            attrs.insert(name.clone(), typed_scalar(name, before, value));
        }
        for (name, items) in &self.arrays {
            let after: Vec<Value> = items.iter().cloned().map(Value::String).collect();
            let unchanged = match input.attrs.get(name) {
                Some(Value::Array(before)) => {
                    before.len() == items.len()
                        && before
                            .iter()
                            .zip(items)
                            .all(|(b, a)| scalar_text(b).as_deref() == Some(a.as_str()))
                }
                _ => false,
            };
            if !unchanged {
                attrs.insert(name.clone(), Value::Array(after));
            }
        }
        for name in tracked {
            if !self.scalars.contains_key(name) && !self.arrays.contains_key(name) {
                attrs.insert(name.clone(), Value::Null);
            }
        }

        let root_after = self.scalars.get("sourceRoot");
        if root_after.is_some() && root_after.cloned() != source_root(input) {
            let mut state = Map::new();
            state.insert(
                "sourceRoot".into(),
                Value::String(root_after.cloned().unwrap_or_default()),
            );
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

/// Whether bash can hold `name` as a variable: a letter or `_`, then
/// letters, digits and `_`.
fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A changed scalar typed like the attribute it was: `dont*`/`do*` and
/// booleans become booleans (empty is false), numbers stay numbers when
/// they still parse, everything else is a string.
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
