//! phaser's standard library: the native functions build phases call.
//!
//! Every function lives in one [`Registry`] under a name (`copy`, `run`,
//! `substitute`, ...) with a one-paragraph doc and a typed argument struct.
//! Interpreters bind the registry generically: they turn a call's arguments
//! into one JSON object (see [`Function::arguments`]) and hand it to
//! [`Function::call`] together with a [`Context`]. Nothing here knows which
//! language made the call.
//!
//! Writes are confined: a function that creates, changes or deletes a path
//! asks [`Context::writable`] first, which refuses paths outside the roots
//! the phase may write to.

mod cancel;
mod context;
mod error;
mod registry;

pub mod control_file;
pub mod process_group;

mod archive;
mod files;
mod fixup;
mod hash;
mod json;
mod log;
mod patch;
mod process;
mod text;

pub use cancel::{Cancel, Watch};
pub use context::{Context, Roots, PHASE_VAR, WRITE_ROOTS_VAR};
pub use error::{Error, Result};
pub use process_group::{ProcessGroups, GROUPS_VAR};
pub use registry::{registry, Function, Registry};
