//! `.attrs.json` and `.attrs.sh` in the build directory, as Nix writes
//! them for a derivation with `__structuredAttrs = true` (stdenv's own
//! tests read both).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde_json::Value;

/// Writes both files for `plan_attrs` (the `phaser` key left out, the
/// outputs as name to path); under Nix they are already there and stay as
/// Nix wrote them.
pub(super) fn write(
    build_top: &Path,
    plan_attrs: &serde_json::Map<String, Value>,
    outputs: &BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let json_file = build_top.join(".attrs.json");
    if json_file.exists() {
        return Ok(());
    }
    let mut attrs = plan_attrs.clone();
    attrs.remove("phaser");
    attrs.insert(
        "outputs".into(),
        Value::Object(
            outputs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
    );
    let text = serde_json::to_vec(&sorted(&Value::Object(attrs.clone())))?;
    std::fs::write(&json_file, text).with_context(|| format!("writing {}", json_file.display()))?;
    let sh_file = build_top.join(".attrs.sh");
    std::fs::write(
        &sh_file,
        phaser_interpreters::structured_attrs_shell(&attrs),
    )
    .with_context(|| format!("writing {}", sh_file.display()))?;
    Ok(())
}

/// `value` with the keys of every object in order, as Nix writes them.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
