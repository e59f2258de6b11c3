//! The `Interpreter` trait and the backends that run phase scripts.
//!
//! A phase is a script plus one JSON input ([`PhaseInput`]); running it gives
//! one JSON answer ([`Answer`]). Every backend speaks exactly that protocol,
//! which is why a plan can mix them freely:
//!
//! | backend | sees the input as | answers with |
//! |---|---|---|
//! | [`RhaiInterpreter`] | `input` (a map) | the script's value; `()` is an empty answer |
//! | [`LuaInterpreter`] | `input` global and `...` | the returned table, or nothing |
//! | [`BashInterpreter`] | variables/arrays, `$PHASER_INPUT` | `$PHASER_OUTPUT`, plus what the snippet changed |
//! | [`ExecInterpreter`] | JSON on stdin | JSON on stdout |
//!
//! Each backend sits behind a cargo feature of the same name, so a phaser
//! built without a C compiler (no Lua) still runs the other three. The
//! standard library ([`phaser_stdlib`]) is bound into every backend
//! generically, from its registry.
//!
//! This crate knows nothing about plans, ordering or state files: it runs one
//! script with one input.

mod attrs_sh;
mod child;
mod child_io;
mod error;
mod interpreter;
mod protocol;
mod script;
#[cfg(any(feature = "rhai", feature = "lua"))]
mod stdlib_binding;

#[cfg(feature = "bash")]
mod bash;
#[cfg(feature = "exec")]
mod exec;
#[cfg(feature = "lua")]
mod lua;
#[cfg(feature = "rhai")]
mod rhai;

pub use attrs_sh::structured_attrs_shell;
pub use error::{Location, PhaseError};
pub use interpreter::{Interpreter, Interpreters, Invocation, Settings};
pub use protocol::{Answer, Paths, PhaseInfo, PhaseInput};
pub use script::{Language, Script, ScriptSource};

#[cfg(feature = "bash")]
pub use bash::{answer_from_dump, shell_setup, shell_variables, BashInterpreter};
#[cfg(feature = "exec")]
pub use exec::ExecInterpreter;
#[cfg(feature = "lua")]
pub use lua::LuaInterpreter;
#[cfg(feature = "rhai")]
pub use rhai::RhaiInterpreter;
