//! The registry: every standard-library function under its name.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Context, Error, Result};

type Call = Box<dyn Fn(&Context, Value) -> Result<Value> + Send + Sync>;

/// One standard-library function.
pub struct Function {
    /// The name every binding uses: `std.NAME` (Lua), `NAME(...)` (Rhai),
    /// `phaser std NAME` (bash).
    pub name: &'static str,
    /// One paragraph saying what it does, for `phaser std --list` and
    /// `stdlib/REFERENCE.md`.
    pub doc: &'static str,
    /// The argument object's shape, e.g. `{argv: [string], cwd?: string}`.
    pub signature: &'static str,
    /// The keys positional arguments fill, in order. A key starting with
    /// `*` (only the last) takes all remaining positional arguments as a list,
    /// so `run("make", "-j2")` and `run(#{argv: ["make", "-j2"]})` agree.
    pub positional: &'static [&'static str],
    call: Call,
}

impl Function {
    /// A function whose arguments deserialize into `A`. Give `A`
    /// `#[serde(deny_unknown_fields)]` so typos in keys are errors.
    pub fn new<A, F>(
        name: &'static str,
        signature: &'static str,
        positional: &'static [&'static str],
        doc: &'static str,
        f: F,
    ) -> Function
    where
        A: DeserializeOwned,
        F: Fn(&Context, A) -> Result<Value> + Send + Sync + 'static,
    {
        Function {
            name,
            doc,
            signature,
            positional,
            call: Box::new(move |cx, args| {
                let args = serde_json::from_value(args).map_err(|e| Error::Arguments {
                    function: name,
                    signature,
                    message: e.to_string(),
                })?;
                f(cx, args)
            }),
        }
    }

    /// Calls the function with an argument object (see [`Function::arguments`]).
    pub fn call(&self, cx: &Context, args: Value) -> Result<Value> {
        (self.call)(cx, args)
    }

    /// Builds the argument object from positional and named arguments, the
    /// way every binding does: positional values fill [`Function::positional`]
    /// in order, named ones are added as they are, and a name given both ways
    /// is an error. A single object argument with no names is the object itself.
    pub fn arguments(&self, positional: Vec<Value>, named: Map<String, Value>) -> Result<Value> {
        if named.is_empty() && positional.len() == 1 && positional[0].is_object() {
            return Ok(positional.into_iter().next().unwrap_or_default());
        }
        let mut args = named;
        let mut values = positional.into_iter();
        for key in self.positional {
            if let Some(rest) = key.strip_prefix('*') {
                let list: Vec<Value> = values.by_ref().collect();
                if !list.is_empty() {
                    self.insert(&mut args, rest, Value::Array(list))?;
                }
                break;
            }
            match values.next() {
                Some(value) => self.insert(&mut args, key, value)?,
                None => break,
            }
        }
        let extra = values.count();
        if extra > 0 {
            return Err(Error::Arguments {
                function: self.name,
                signature: self.signature,
                message: format!(
                    "{extra} positional argument(s) too many; it takes {}",
                    self.positional_names()
                ),
            });
        }
        Ok(Value::Object(args))
    }

    fn insert(&self, args: &mut Map<String, Value>, key: &str, value: Value) -> Result<()> {
        if args.insert(key.to_string(), value).is_some() {
            return Err(Error::Arguments {
                function: self.name,
                signature: self.signature,
                message: format!("`{key}` given both by position and by name"),
            });
        }
        Ok(())
    }

    fn positional_names(&self) -> String {
        if self.positional.is_empty() {
            return String::from("none (pass named arguments)");
        }
        self.positional.join(", ")
    }
}

/// All standard-library functions, by name.
pub struct Registry {
    functions: BTreeMap<&'static str, Function>,
}

impl Registry {
    fn build() -> Registry {
        let families = [
            crate::files::functions(),
            crate::process::functions(),
            crate::text::functions(),
            crate::archive::functions(),
            crate::patch::functions(),
            crate::fixup::functions(),
            crate::hash::functions(),
            crate::json::functions(),
            crate::log::functions(),
        ];
        let mut functions = BTreeMap::new();
        for function in families.into_iter().flatten() {
            let name = function.name;
            assert!(
                functions.insert(name, function).is_none(),
                "standard-library function `{name}` registered twice"
            );
        }
        Registry { functions }
    }

    /// The function called `name`.
    pub fn get(&self, name: &str) -> Result<&Function> {
        self.functions
            .get(name)
            .ok_or_else(|| Error::UnknownFunction(name.to_string()))
    }

    /// Every function, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Function> {
        self.functions.values()
    }

    /// Calls `name` with an argument object.
    pub fn call(&self, cx: &Context, name: &str, args: Value) -> Result<Value> {
        self.get(name)?.call(cx, args)
    }

    /// The reference manual in Markdown (`stdlib/REFERENCE.md` is this text).
    pub fn reference_markdown(&self) -> String {
        let mut out = String::from(
            "# phaser standard library reference\n\n\
             Generated from the registry by `phaser std --reference`; do not edit.\n\n\
             Every function takes one argument object. Lua calls it as `std.NAME{...}`,\n\
             Rhai as `NAME(#{...})`, bash as `phaser std NAME --key value ...` or\n\
             `phaser std NAME '{json}'`. Positional arguments fill the keys listed\n\
             under *positional*, in order; `*key` takes all the rest as a list.\n",
        );
        for f in self.iter() {
            out.push_str(&format!(
                "\n## `{}`\n\n`{}{}`\n\n",
                f.name, f.name, f.signature
            ));
            if !f.positional.is_empty() {
                out.push_str(&format!("positional: `{}`\n\n", f.positional.join("`, `")));
            }
            out.push_str(f.doc.trim());
            out.push('\n');
        }
        out
    }
}

/// The registry, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Function {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Args {
            argv: Vec<String>,
            #[serde(default)]
            cwd: Option<String>,
        }
        Function::new(
            "sample",
            "{argv: [string], cwd?: string}",
            &["*argv"],
            "A test function.",
            |_, a: Args| Ok(json!({"argv": a.argv, "cwd": a.cwd})),
        )
    }

    #[test]
    fn positional_rest_and_named_arguments_combine() {
        let f = sample();
        let mut named = Map::new();
        named.insert("cwd".into(), json!("src"));
        let args = f
            .arguments(vec![json!("make"), json!("-j2")], named)
            .unwrap();
        assert_eq!(args, json!({"cwd": "src", "argv": ["make", "-j2"]}));
        let out = f.call(&Context::new("/"), args).unwrap();
        assert_eq!(out["argv"], json!(["make", "-j2"]));
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_function() {
        let f = sample();
        let err = f
            .call(&Context::new("/"), json!({"argv": [], "cdw": "x"}))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("sample: bad arguments"), "{err}");
        assert!(err.contains("cdw"), "{err}");
    }

    #[test]
    fn every_registered_function_is_documented() {
        for f in registry().iter() {
            assert!(!f.doc.trim().is_empty(), "{} has no doc", f.name);
            assert!(f.signature.starts_with('{'), "{} signature", f.name);
        }
    }
}
