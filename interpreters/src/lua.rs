//! The Lua backend (Lua 5.4 through mlua): the chunk sees `input` (also
//! passed as `...`) and returns the answer table, or nothing.

use mlua::{
    HookTriggers, Lua, LuaOptions, LuaSerdeExt, MultiValue, StdLib, Table, Value as LuaValue,
    VmState,
};
use phaser_stdlib::Cancel;
use serde_json::{Map, Value};

use crate::stdlib_binding::CurrentContext;
use crate::{
    Answer, Interpreter, Invocation, Language, Location, PhaseError, PhaseInput, Script,
    ScriptSource,
};

/// Runs Lua phases, each in a Lua state of its own, so nothing one phase
/// does (globals, `string.upper = ...`, the string metatable, the random
/// seed) is seen by the next. A fresh state with phaser's standard
/// library costs about 0.2 ms (`cargo bench -p phaser --bench dispatch`).
pub struct LuaInterpreter {
    cancel: Cancel,
}

impl Default for LuaInterpreter {
    fn default() -> Self {
        LuaInterpreter::new()
    }
}

impl LuaInterpreter {
    /// A backend whose states have Lua's `string`, `table`, `math`,
    /// `utf8`, `coroutine` libraries, the parts of `os` and `io` a phase
    /// needs (time, environment, reading; no `os.exit`, `os.execute`,
    /// file removal or opening files for writing: files go through
    /// `std`), the `std` table (phaser's standard library) and `null`
    /// (JSON null: a value that deletes a key in an answer).
    pub fn new() -> LuaInterpreter {
        LuaInterpreter::with_cancel(&Cancel::new())
    }

    /// A backend whose running chunk stops soon after `cancel` is
    /// triggered (checked every [`CANCEL_CHECK_INSTRUCTIONS`] instructions).
    pub fn with_cancel(cancel: &Cancel) -> LuaInterpreter {
        LuaInterpreter {
            cancel: cancel.clone(),
        }
    }

    /// A fresh state for one phase, its standard-library calls made in `current`.
    fn state(&self, current: &CurrentContext) -> mlua::Result<Lua> {
        let libs = StdLib::COROUTINE
            | StdLib::TABLE
            | StdLib::IO
            | StdLib::OS
            | StdLib::STRING
            | StdLib::UTF8
            | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::default())?;
        restrict_os_and_io(&lua)?;
        install_globals(&lua, current)?;
        let cancel = self.cancel.clone();
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(CANCEL_CHECK_INSTRUCTIONS),
            move |_, _| match cancel.is_cancelled() {
                true => Err(mlua::Error::RuntimeError(cancel.message())),
                false => Ok(VmState::Continue),
            },
        );
        Ok(lua)
    }
}

/// How often a running chunk checks for cancellation: often enough to stop
/// a busy loop within microseconds, rarely enough to cost nothing.
pub const CANCEL_CHECK_INSTRUCTIONS: u32 = 10_000;

/// What of `os` and `io` a phase must not have: ending phaser, running
/// commands outside its process group, writing files past the write roots.
fn restrict_os_and_io(lua: &Lua) -> mlua::Result<()> {
    let os: Table = lua.globals().get("os")?;
    for name in ["execute", "remove", "rename", "tmpname", "setlocale"] {
        os.set(name, LuaValue::Nil)?;
    }
    let exit = lua.create_function(|_, _: MultiValue| -> mlua::Result<()> {
        Err(mlua::Error::RuntimeError(String::from(
            "os.exit is not available in a phase: return an answer, or call error(...) to fail the phase",
        )))
    })?;
    os.set("exit", exit)?;
    let io: Table = lua.globals().get("io")?;
    for name in ["open", "popen", "tmpfile", "input", "output", "close"] {
        io.set(name, LuaValue::Nil)?;
    }
    Ok(())
}

/// `std` and `null`. A function of `std` is made the first time the phase
/// uses it (a fresh state for every phase must stay cheap: making all of
/// them each time cost more than the rest of the state).
fn install_globals(lua: &Lua, current: &CurrentContext) -> mlua::Result<()> {
    let std = lua.create_table()?;
    let current = current.clone();
    let make = lua.create_function(move |lua, (table, name): (Table, String)| {
        let Ok(function) = phaser_stdlib::registry().get(&name) else {
            return Ok(LuaValue::Nil);
        };
        let name = function.name;
        let current = current.clone();
        let f =
            lua.create_function(move |lua, args: MultiValue| call(lua, &current, name, args))?;
        table.raw_set(name, f.clone())?;
        Ok(LuaValue::Function(f))
    })?;
    let meta = lua.create_table()?;
    meta.set("__index", make)?;
    std.set_metatable(Some(meta));
    lua.globals().set("std", std)?;
    lua.globals().set("null", lua.null())?;
    Ok(())
}

impl Interpreter for LuaInterpreter {
    fn language(&self) -> Language {
        Language::Lua
    }

    fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Lua, message);
        let current = CurrentContext::default();
        let shown = chunk_name(&script.name);
        let lua_fail = |err: mlua::Error| {
            let (message, location) = split_location(&shown, &root_message(&err));
            let location = location.map(|l| Location {
                file: script.name.clone(),
                ..l
            });
            fail(message)
                .at(location)
                .with_status(current.failed_command_status())
        };
        let text = match &script.source {
            ScriptSource::Argv(_) => {
                return Err(fail(
                    "a Lua body is source text or a file, not an argv".into(),
                ))
            }
            _ => script
                .text()
                .map_err(|e| fail(format!("cannot read {}: {e}", script.name)))?,
        };
        let lua = self.state(&current).map_err(lua_fail)?;
        let input_value = lua.to_value(input).map_err(lua_fail)?;
        lua.globals()
            .set("input", input_value.clone())
            .map_err(lua_fail)?;
        let _context = current.enter(input, invocation);
        let result: LuaValue = lua
            .load(text)
            .set_name(format!("={shown}"))
            .call(input_value)
            .map_err(lua_fail)?;
        if result.is_nil() {
            return Ok(Answer::default());
        }
        let json: Value = lua
            .from_value(result)
            .map_err(|e| fail(format!("bad answer: {}", root_message(&e))))?;
        Answer::from_value(json).map_err(|m| fail(format!("bad answer: {m}")))
    }

    fn check(&self, scripts: &[&Script]) -> Vec<Result<(), String>> {
        let lua = Lua::new_with(StdLib::NONE, LuaOptions::default());
        scripts
            .iter()
            .map(|script| match (&lua, &script.source) {
                (_, ScriptSource::Argv(_)) => {
                    Err("a Lua body is source text or a file, not an argv".into())
                }
                (Ok(lua), _) => LuaInterpreter::load_only(lua, script),
                (Err(e), _) => Err(format!("cannot create a Lua state: {e}")),
            })
            .collect()
    }
}

impl LuaInterpreter {
    /// Whether `script` loads (compiles), without running it.
    fn load_only(lua: &Lua, script: &Script) -> Result<(), String> {
        let text = script
            .text()
            .map_err(|e| format!("cannot read {}: {e}", script.name))?;
        match lua
            .load(text)
            .set_name(format!("={}", script.name))
            .into_function()
        {
            Ok(_) => Ok(()),
            Err(err) => {
                let (message, location) = split_location(&script.name, &root_message(&err));
                Err(match location {
                    Some(at) => format!("{}: {message}", at.line_column()),
                    None => message,
                })
            }
        }
    }
}

/// `std.NAME(...)`: a single table splits into positional (array part) and
/// named (string keys) arguments; several arguments are all positional.
fn call(
    lua: &Lua,
    current: &CurrentContext,
    name: &str,
    args: MultiValue,
) -> mlua::Result<LuaValue> {
    let here = caller_position(lua);
    let fail = |message: String| mlua::Error::RuntimeError(format!("{here}std.{name}: {message}"));
    let mut positional = Vec::new();
    let mut named = Map::new();
    let args: Vec<LuaValue> = args.into_iter().collect();
    match args.as_slice() {
        [LuaValue::Table(table)] if table.metatable().is_none() => {
            let mut indexed = std::collections::BTreeMap::new();
            for pair in table.clone().pairs::<LuaValue, LuaValue>() {
                let (key, value) = pair?;
                let value: Value = lua.from_value(value)?;
                match key {
                    LuaValue::Integer(i) => {
                        indexed.insert(i, value);
                    }
                    LuaValue::String(s) => {
                        named.insert(s.to_str()?.to_string(), value);
                    }
                    other => {
                        return Err(fail(format!("unexpected key type {}", other.type_name())))
                    }
                }
            }
            for (expected, (i, value)) in (1..).zip(indexed) {
                if i != expected {
                    return Err(fail(format!(
                        "positional arguments must be 1..n, found index {i}"
                    )));
                }
                positional.push(value);
            }
        }
        _ => {
            for value in args {
                positional.push(lua.from_value(value)?);
            }
        }
    }
    let function = phaser_stdlib::registry()
        .get(name)
        .map_err(|e| fail(e.to_string()))?;
    let args = function
        .arguments(positional, named)
        .map_err(|e| fail(e.to_string()))?;
    let result = current.call(name, args).map_err(fail)?;
    lua.to_value(&result)
}

/// `name:line: ` of the Lua code calling into Rust, so standard-library
/// errors point at the script line like Lua's own errors do.
fn caller_position(lua: &Lua) -> String {
    lua.inspect_stack(1)
        .and_then(|debug| {
            let line = debug.curr_line();
            let source = debug.source().short_src?.to_string();
            (line > 0).then(|| format!("{source}:{line}: "))
        })
        .unwrap_or_default()
}

/// The message that caused `err`, without mlua's wrapping and tracebacks.
fn root_message(err: &mlua::Error) -> String {
    match err {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::WithContext { cause, .. } => root_message(cause),
        mlua::Error::RuntimeError(message) => message.clone(),
        mlua::Error::SyntaxError { message, .. } => format!("syntax error: {message}"),
        other => other.to_string(),
    }
}

/// The name Lua shows for a chunk: the script's, or its end after `...`
/// when Lua would cut it (messages keep 59 characters of a chunk name,
/// LUA_IDSIZE); errors name the whole file again.
fn chunk_name(name: &str) -> String {
    const LIMIT: usize = 55;
    if name.len() <= LIMIT {
        return name.to_string();
    }
    let mut start = name.len() - (LIMIT - 3);
    while !name.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &name[start..])
}

/// Splits `name:line: message` (Lua's own format) into a location and the message.
fn split_location(name: &str, message: &str) -> (String, Option<Location>) {
    let mut message = message.to_string();
    let mut prefix = String::new();
    if let Some(rest) = message.strip_prefix("syntax error: ") {
        prefix = String::from("syntax error: ");
        message = rest.to_string();
    }
    if let Some(rest) = message.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
        if let Some((line, text)) = rest.split_once(": ") {
            if let Ok(line) = line.parse::<u32>() {
                let location = Location {
                    file: name.to_string(),
                    line,
                    column: None,
                };
                return (format!("{prefix}{text}"), Some(location));
            }
        }
    }
    (format!("{prefix}{message}"), None)
}
