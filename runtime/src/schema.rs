//! The JSON Schemas (draft 2020-12) `phaser schema` prints: of plans, and
//! (`--module`) of phaser modules. The loader's own checks are the
//! authority (they also catch cycles and unknown phases, which a schema
//! cannot); the schemas serve editors and other tools.

use serde_json::{json, Value};

/// The plan schema's text.
pub const PLAN_SCHEMA: &str = include_str!("plan/schema.json");

/// The schema of `nix-support/phaser-module.json` files, sharing the
/// plan schema's definitions of bodies and attributes.
pub fn module_schema() -> String {
    let plan: Value = serde_json::from_str(PLAN_SCHEMA).expect("the plan schema is valid JSON");
    let phaser = &plan["properties"]["phaser"]["properties"];
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://phaser.invalid/schema/module.json",
        "title": "phaser module",
        "description": "A plan fragment a dependency ships as nix-support/phaser-module.json: default attributes and environment, phases and hooks in any interpreter (file bodies relative to this file). The plan's own settings win; two modules setting the same thing differently are an error.",
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "minLength": 1, "description": "Shown as the provenance of what the module adds (`phaser plan`)."},
            "description": {"type": "string"},
            "attrs": {
                "type": "object",
                "description": "Default attributes: used when the plan does not set them.",
                "properties": plan["properties"].clone(),
                "patternProperties": plan["patternProperties"].clone()
            },
            "env": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Default environment variables."},
            "phases": {
                "type": "object",
                "description": "Phases to add (with before/after) or standard phases to give a body; a phase the plan gives a body itself keeps the plan's.",
                "additionalProperties": {"$ref": "#/$defs/phaseBody"}
            },
            "hooks": phaser["hooks"].clone()
        },
        "$defs": plan["$defs"].clone()
    });
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}
