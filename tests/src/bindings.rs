//! The harness of the standard-library binding tests: one call of a
//! registry function from Rhai, Lua or bash after the same bash setup.

use std::path::Path;

use serde_json::{json, Value};

use crate::{describe, stderr, Sandbox};

/// How a scenario calls the function.
#[derive(Clone, Copy, Debug)]
pub enum Binding {
    /// `NAME(#{...})`
    Rhai,
    /// `std.NAME{...}`
    Lua,
    /// `phaser std NAME '{...}'`
    Bash,
}

/// Every binding, for `for b in BINDINGS`.
pub const BINDINGS: [Binding; 3] = [Binding::Rhai, Binding::Lua, Binding::Bash];

fn rhai_literal(value: &Value) -> String {
    match value {
        Value::Null => "()".into(),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(rhai_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "#{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), rhai_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

fn lua_literal(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Array(items) => format!(
            "{{{}}}",
            items.iter().map(lua_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("[{}] = {}", Value::String(k.clone()), lua_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The phase body that calls `name` with `args` and puts the result in `state.result`.
fn call_body(binding: Binding, name: &str, args: &Value) -> Value {
    match binding {
        Binding::Rhai => {
            json!({"rhai": format!("#{{state: #{{result: {name}({})}}}}", rhai_literal(args))})
        }
        Binding::Lua => {
            json!({"lua": format!("return {{state = {{result = std.{name}{}}}}}", lua_literal(args))})
        }
        Binding::Bash => json!({"bash": format!(
            "result=$(phaser std --json {name} {})\nprintf '{{\"state\": {{\"result\": %s}}}}' \"$result\" > \"$PHASER_OUTPUT\"",
            shell_quote(&args.to_string())
        )}),
    }
}

/// What one call left: its build directory and the run's output.
pub struct Outcome {
    sandbox: Sandbox,
    /// What `phaser run` printed and how it exited.
    pub output: std::process::Output,
}

impl Outcome {
    /// The build directory.
    pub fn dir(&self) -> std::path::PathBuf {
        self.sandbox.build_dir()
    }

    /// The call's result (the phase put it in `state.result`).
    pub fn result(&self) -> Value {
        self.sandbox.state()["state"]["result"].clone()
    }

    /// Asserts the run succeeded.
    pub fn ok(&self, binding: Binding) -> &Self {
        assert!(
            self.output.status.success(),
            "{binding:?}: {}",
            describe(&self.output)
        );
        self
    }

    /// Asserts the call failed, naming the phase and each of `parts`.
    pub fn failed_with(&self, binding: Binding, parts: &[&str]) {
        assert!(
            matches!(self.output.status.code(), Some(code) if code != 0),
            "{binding:?}: {}",
            describe(&self.output)
        );
        let err = stderr(&self.output);
        assert!(
            err.contains("phase `call`"),
            "{binding:?}: the phase is not named: {err}"
        );
        for part in parts {
            assert!(
                err.contains(part),
                "{binding:?}: expected {part:?} in: {err}"
            );
        }
    }
}

/// Runs `setup` (bash, in the build directory), then the call.
pub fn call(binding: Binding, setup: &str, name: &str, args: Value) -> Outcome {
    let sandbox = Sandbox::new();
    let plan = json!({
        "pname": "bindings",
        "phases": ["setup", "call"],
        "env": {"greeting": "hello"},
        "phaser": {"phases": {
            "setup": {"bash": format!("set -e\n{setup}")},
            "call": call_body(binding, name, &args)
        }}
    });
    let output = sandbox.run(&plan, &[]);
    Outcome { sandbox, output }
}

/// A file of the build directory.
pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}
