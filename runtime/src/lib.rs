//! phaser's runtime: plans, phase ordering, the runner and its state file.
//!
//! This library is what the `phaser` binary calls and what an embedding
//! Rust program uses:
//!
//! ```no_run
//! use phaser::{Plan, Runner, RunOptions};
//!
//! let plan = Plan::load("hello.json".as_ref())?;
//! let report = Runner::new(&plan, RunOptions::new("result")).run()?;
//! println!("built {}", report.outputs["out"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Interpreters come from [`phaser_interpreters`], native build functions
//! from [`phaser_stdlib`]; this crate decides what runs when, and carries
//! each phase's answer to the next.

mod atomic_file;
mod boundaries;
pub mod check;
mod default_phases;
pub mod deps;
mod env;
pub mod handoff;
pub mod init;
mod merge_patch;
pub mod module;
mod nix_log;
pub mod order;
pub mod outputs;
pub mod phase_log;
pub mod plan;
mod plan_digest;
mod report;
mod resume;
mod runner;
pub mod schema;
pub mod seeds;
pub mod split;
mod state;
mod stdenv_hooks;
mod tree_manifest;
mod tree_watch;
pub mod wrapper;

pub use boundaries::Boundaries;
pub use check::check;
pub use default_phases::source as standard_phase_source;
pub use env::{build_cores, DEFAULT_NIX_STORE, DEFAULT_SOURCE_DATE_EPOCH};
pub use merge_patch::{merge_patch, merge_patch_object};
pub use order::{resolve as resolve_order, ResolvedPhase, STANDARD_PHASES};
pub use plan::{Placement, Plan, PlanError, PlanErrors};
pub use plan_digest::PlanDigest;
pub use report::{format_duration, Outcome, PhaseReport, Printer};
pub use runner::{
    outputs, phase_input, plan_hash, Console, Interrupted, Observer, Range, Refusal, RunFailure,
    RunOptions, RunReport, Runner,
};
pub use state::{BuildState, STATE_VERSION};
pub use tree_manifest::{Restored, TreeManifest, TreeRef};

pub use phaser_interpreters as interpreters;
pub use phaser_stdlib as stdlib;
