//! What the translation knows about the names a snippet reads: the plan's
//! outputs, attributes and environment, as a bash phase would see them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::ir::{AsText, Source};

/// The kind of a plan attribute, which decides how bash shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// A string.
    Text,
    /// A boolean (`1` or empty in bash).
    Flag,
    /// A number.
    Number,
    /// A list (a bash array).
    List,
    /// Something bash does not show (an object, null).
    Hidden,
}

/// Names a bash phase of the plan can see.
#[derive(Debug, Clone, Default)]
pub struct Names {
    outputs: BTreeSet<String>,
    env: BTreeSet<String>,
    attrs: BTreeMap<String, AttrKind>,
    /// Attribute values that have no blanks (so an unquoted read is one word).
    blank_free: BTreeSet<String>,
    /// Attribute-like names some snippet assigns (they may be in `input.attrs`).
    assigned_later: BTreeMap<String, AttrKind>,
    /// Whether each string attribute is an absolute path.
    absolute_attrs: BTreeMap<String, bool>,
}

/// How a bash variable a snippet reads is found at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// Where it is.
    pub source: Source,
    /// How it reads as text.
    pub text: AsText,
    /// Whether it is a list.
    pub list: bool,
    /// Whether its text never has blanks (an unquoted read is one word).
    pub one_word: bool,
}

impl Names {
    /// The names of a plan: `attrs` are its top-level attributes, `env` the
    /// names of the environment phases start with.
    pub fn new(attrs: &serde_json::Map<String, Value>, env: &[String]) -> Names {
        let outputs: BTreeSet<String> = match attrs.get("outputs") {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => BTreeSet::from([String::from("out")]),
        };
        let mut names = Names {
            env: env.iter().cloned().collect(),
            ..Names::default()
        };
        for (name, value) in attrs {
            if outputs.contains(name) || matches!(name.as_str(), "outputs" | "env" | "phaser") {
                continue;
            }
            let kind = match value {
                Value::String(_) => AttrKind::Text,
                Value::Bool(_) => AttrKind::Flag,
                Value::Number(_) => AttrKind::Number,
                Value::Array(_) => AttrKind::List,
                _ => AttrKind::Hidden,
            };
            // One word exactly: not empty (an empty unquoted expansion is
            // no word at all) and no blanks.
            let one_word = |s: &str| !s.is_empty() && !s.chars().any(char::is_whitespace);
            let blank_free = match value {
                Value::String(s) => one_word(s),
                Value::Array(items) => items.iter().all(|i| i.as_str().is_some_and(one_word)),
                _ => true,
            };
            if let Value::String(s) = value {
                names
                    .absolute_attrs
                    .insert(name.clone(), s.starts_with('/'));
            }
            if blank_free {
                names.blank_free.insert(name.clone());
            }
            names.attrs.insert(name.clone(), kind);
        }
        if let Some(Value::Object(extra)) = attrs.get("env") {
            names.env.extend(extra.keys().cloned());
        }
        names.env.extend(outputs.iter().cloned());
        names.outputs = outputs;
        names
    }

    /// Notes that some snippet assigns `name` (later phases see it as an attribute).
    pub fn assigned_somewhere(&mut self, name: &str, kind: AttrKind) {
        // Its value when a phase reads it is not the plan's any more.
        self.blank_free.remove(name);
        if !self.attrs.contains_key(name) {
            self.assigned_later.insert(name.to_string(), kind);
        }
    }

    /// The output names, sorted.
    pub fn outputs(&self) -> impl Iterator<Item = &String> {
        self.outputs.iter()
    }

    /// Whether `name` is an output.
    pub fn is_output(&self, name: &str) -> bool {
        self.outputs.contains(name)
    }

    /// The plan attribute `name`'s kind.
    pub fn attr(&self, name: &str) -> Option<AttrKind> {
        self.attrs.get(name).copied()
    }

    /// Whether `name` is in the environment phases start with.
    pub fn is_env(&self, name: &str) -> bool {
        self.env.contains(name)
    }

    /// Where bash would find `name`: an output, an attribute, or else the
    /// environment, where an earlier phase may have exported it; unset, it
    /// reads as "" (stdenv has no nounset).
    pub fn lookup(&self, name: &str) -> Lookup {
        self.known(name).unwrap_or(Lookup {
            source: Source::Input("env", name.into()),
            text: AsText::MaybeMissing,
            list: false,
            one_word: false,
        })
    }

    /// Whether the plan defines `name` (an output, attribute or variable of the environment).
    pub fn knows(&self, name: &str) -> bool {
        self.known(name).is_some()
    }

    fn known(&self, name: &str) -> Option<Lookup> {
        let plain = |source: Source, one_word: bool| Lookup {
            source,
            text: AsText::Plain,
            list: false,
            one_word,
        };
        if self.outputs.contains(name) {
            return Some(plain(Source::Input("outputs", name.into()), true));
        }
        if let Some(kind) = self.attrs.get(name) {
            let source = Source::Input("attrs", name.into());
            let one_word = self.blank_free.contains(name);
            return Some(match kind {
                AttrKind::Text => plain(source, one_word),
                AttrKind::Flag => Lookup {
                    text: AsText::Flag,
                    ..plain(source, true)
                },
                AttrKind::Number => Lookup {
                    text: AsText::Number,
                    ..plain(source, true)
                },
                AttrKind::List => Lookup {
                    text: AsText::First,
                    list: true,
                    ..plain(source, one_word)
                },
                AttrKind::Hidden => return None,
            });
        }
        if name == "prefix" {
            return Some(plain(Source::Input("outputs", "out".into()), true));
        }
        if let Some(kind) = self.assigned_later.get(name) {
            let source = Source::Input("attrs", name.into());
            return Some(Lookup {
                source,
                text: if *kind == AttrKind::List {
                    AsText::First
                } else {
                    AsText::MaybeMissing
                },
                list: *kind == AttrKind::List,
                one_word: false,
            });
        }
        if self.env.contains(name) {
            let one_word = matches!(
                name,
                "NIX_BUILD_TOP"
                    | "TMPDIR"
                    | "TMP"
                    | "TEMP"
                    | "TEMPDIR"
                    | "HOME"
                    | "NIX_BUILD_CORES"
                    | "SOURCE_DATE_EPOCH"
            );
            return Some(plain(Source::Input("env", name.into()), one_word));
        }
        None
    }
}

/// Whether `name` is a `dont*`/`do*` flag, which bash answers as a boolean.
pub fn is_flag_name(name: &str) -> bool {
    let flag = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_ascii_uppercase())
    };
    flag("do") || flag("dont")
}

impl Names {
    /// Whether the plan attribute `name` holds an absolute path (a string
    /// starting with `/`), when it is a string.
    pub fn attr_value_absolute(&self, name: &str) -> Option<bool> {
        self.absolute_attrs.get(name).copied()
    }
}
