//! The Rhai backend: `input` is in scope, the script's value is the answer.

use rhai::packages::{Package, StandardPackage};
use rhai::{Dynamic, Engine, EvalAltResult, Position, Scope, AST};
use serde_json::{Map, Value};

use crate::stdlib_binding::CurrentContext;
use crate::{
    Answer, Interpreter, Invocation, Language, Location, PhaseError, PhaseInput, Script,
    ScriptSource, Settings,
};

/// The most positional arguments a standard-library call takes in Rhai
/// (`copy("a", "b")`); pass a map for more.
const MAX_POSITIONAL: usize = 6;

/// Runs Rhai phases. The engine, its standard package and the bindings of
/// the standard library are built once and shared by every phase.
pub struct RhaiInterpreter {
    engine: Engine,
    current: CurrentContext,
}

impl Default for RhaiInterpreter {
    fn default() -> Self {
        RhaiInterpreter::new()
    }
}

impl RhaiInterpreter {
    /// An engine with Rhai's standard package and phaser's standard
    /// library, no operation limit, never cancelled.
    pub fn new() -> RhaiInterpreter {
        RhaiInterpreter::with_settings(&Settings::new("phaser"))
    }

    /// An engine that stops a script when `settings.cancel` is triggered or
    /// when it takes more than `settings.rhai_max_operations` operations.
    pub fn with_settings(settings: &Settings) -> RhaiInterpreter {
        let mut engine = Engine::new_raw();
        engine.register_global_module(StandardPackage::new().as_shared_module());
        engine.on_print(|text| println!("{text}"));
        engine.on_debug(|text, source, pos| {
            eprintln!("[{}] {text} ({pos:?})", source.unwrap_or("rhai"))
        });
        engine.set_max_expr_depths(256, 256);
        if let Some(limit) = settings.rhai_max_operations {
            engine.set_max_operations(limit);
        }
        let cancel = settings.cancel.clone();
        engine.on_progress(move |_| {
            cancel
                .is_cancelled()
                .then(|| Dynamic::from(cancel.message()))
        });
        let current = CurrentContext::default();
        for function in phaser_stdlib::registry().iter() {
            register(&mut engine, function.name, &current);
        }
        RhaiInterpreter { engine, current }
    }

    /// The scope every script runs in: `input` and `NULL`.
    fn scope(input: Dynamic) -> Scope<'static> {
        let mut scope = Scope::new();
        scope.push_constant("input", input);
        scope.push_constant("NULL", Dynamic::UNIT);
        scope
    }

    fn compile(
        &self,
        script: &Script,
        scope: &Scope<'_>,
    ) -> Result<AST, (String, Option<Location>)> {
        let text = script
            .text()
            .map_err(|e| (format!("cannot read {}: {e}", script.name), None))?;
        let mut ast = self.engine.compile_with_scope(scope, text).map_err(|e| {
            let location = location(&script.name, e.position());
            (e.err_type().to_string(), location)
        })?;
        ast.set_source(script.name.as_str());
        Ok(ast)
    }
}

impl Interpreter for RhaiInterpreter {
    fn language(&self) -> Language {
        Language::Rhai
    }

    fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Rhai, message);
        if matches!(script.source, ScriptSource::Argv(_)) {
            return Err(fail(
                "a Rhai body is source text or a file, not an argv".into(),
            ));
        }
        let input_value = rhai::serde::to_dynamic(input).map_err(|e| fail(e.to_string()))?;
        let mut scope = RhaiInterpreter::scope(input_value);
        let ast = self
            .compile(script, &scope)
            .map_err(|(message, location)| fail(format!("syntax error: {message}")).at(location))?;
        let _context = self.current.enter(input, invocation);
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
            .map_err(|err| {
                let (message, position) = innermost(*err);
                fail(message)
                    .at(location(&script.name, position))
                    .with_status(self.current.failed_command_status())
            })?;
        if value.is_unit() {
            return Ok(Answer::default());
        }
        let json: Value = rhai::serde::from_dynamic(&value).map_err(|e| fail(e.to_string()))?;
        Answer::from_value(json).map_err(|m| fail(format!("bad answer: {m}")))
    }

    fn check(&self, scripts: &[&Script]) -> Vec<Result<(), String>> {
        let scope = RhaiInterpreter::scope(Dynamic::UNIT);
        scripts
            .iter()
            .map(|script| match self.compile(script, &scope) {
                Ok(_) => Ok(()),
                Err((message, Some(at))) => {
                    Err(format!("{}: syntax error: {message}", at.line_column()))
                }
                Err((message, None)) => Err(format!("syntax error: {message}")),
            })
            .collect()
    }
}

/// Registers `name` with every arity up to [`MAX_POSITIONAL`], each taking
/// any values: the registry's argument rules decide what they mean.
fn register(engine: &mut Engine, name: &'static str, current: &CurrentContext) {
    macro_rules! arity {
        ($($arg:ident),*) => {{
            let current = current.clone();
            engine.register_fn(name, move |$($arg: Dynamic),*| -> Result<Dynamic, Box<EvalAltResult>> {
                call(&current, name, vec![$($arg),*])
            });
        }};
    }
    arity!();
    arity!(a);
    arity!(a, b);
    arity!(a, b, c);
    arity!(a, b, c, d);
    arity!(a, b, c, d, e);
    arity!(a, b, c, d, e, f);
    const _: () = assert!(MAX_POSITIONAL == 6);
}

fn call(
    current: &CurrentContext,
    name: &str,
    args: Vec<Dynamic>,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let positional = args
        .iter()
        .map(rhai::serde::from_dynamic::<Value>)
        .collect::<Result<Vec<Value>, _>>()?;
    let function = phaser_stdlib::registry()
        .get(name)
        .map_err(|e| e.to_string())?;
    let args = function
        .arguments(positional, Map::new())
        .map_err(|e| e.to_string())?;
    let result = current.call(name, args)?;
    rhai::serde::to_dynamic(result)
}

/// The message of the innermost error and the outermost known position:
/// the line of the script that made the failing call, and what failed.
fn innermost(err: EvalAltResult) -> (String, Position) {
    let mut position = err.position();
    let mut err = err;
    loop {
        match err {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) => {
                if position.is_none() {
                    position = pos;
                }
                err = *inner;
            }
            EvalAltResult::ErrorRuntime(value, pos) => {
                if position.is_none() {
                    position = pos;
                }
                let message = match value.clone().into_immutable_string() {
                    Ok(text) => text.to_string(),
                    Err(_) => value.to_string(),
                };
                return (message, position);
            }
            EvalAltResult::ErrorTerminated(token, pos) => {
                let message = token
                    .into_immutable_string()
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| String::from("interrupted"));
                return (message, if position.is_none() { pos } else { position });
            }
            EvalAltResult::ErrorTooManyOperations(pos) => {
                let message = String::from(
                    "the script took more operations than the plan's `phaser.rhaiMaxOperations` allows",
                );
                return (message, if position.is_none() { pos } else { position });
            }
            other => {
                if position.is_none() {
                    position = other.position();
                }
                let mut other = other;
                other.clear_position();
                return (other.to_string(), position);
            }
        }
    }
}

fn location(file: &str, position: Position) -> Option<Location> {
    Some(Location {
        file: file.to_string(),
        line: position.line()? as u32,
        column: position.position().map(|c| c as u32),
    })
}
