//! The JSON Schema (draft 2020-12) of plans, printed by `phaser schema`.
//! The loader's own checks are the authority (they also catch cycles and
//! unknown phases, which a schema cannot); the schema serves editors and
//! other tools.

/// The schema's text.
pub const PLAN_SCHEMA: &str = include_str!("plan/schema.json");
