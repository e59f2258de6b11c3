//! `phaser` with no arguments: a Nix builder. The plan is the derivation's
//! `.attrs.json` (`__structuredAttrs = true`), outputs are its `outputs`
//! object, the build directory is the current one. A derivation written by
//! `phaser split` runs only its phases, on the previous phase's result
//! (see `phaser::split::SplitBuild`).

use std::path::{Path, PathBuf};

use phaser::split::SplitBuild;
use phaser::Plan;

/// Where Nix put `.attrs.json`: `NIX_ATTRS_JSON_FILE` when that file
/// exists (Nix 2.8 sets it to a host path that does not exist inside its
/// sandbox), else `$NIX_BUILD_TOP/.attrs.json`.
fn attrs_file() -> Option<PathBuf> {
    let from_var = std::env::var_os("NIX_ATTRS_JSON_FILE").map(PathBuf::from);
    let from_top = std::env::var_os("NIX_BUILD_TOP").map(|top| Path::new(&top).join(".attrs.json"));
    [from_var, from_top]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
}

pub fn main() -> i32 {
    // Nix gives the builder a terminal but keeps its log in a file.
    std::env::set_var("NO_COLOR", "1");
    let Some(attrs) = attrs_file() else {
        eprintln!(
            "phaser: no command given and no .attrs.json found (NIX_ATTRS_JSON_FILE, $NIX_BUILD_TOP/.attrs.json), so this is not a Nix build.\nRun `phaser --help` for the commands, e.g. `phaser run PLAN`."
        );
        return super::exit_code::USAGE;
    };
    let mut plan = match super::load_plan(&attrs) {
        Ok((plan, _)) => plan,
        Err(status) => return status,
    };
    if !matches!(
        plan.attrs.get("outputs"),
        Some(serde_json::Value::Object(_))
    ) {
        eprintln!("phaser: {}: `outputs` is not an object of output paths; is `__structuredAttrs = true` set in the derivation?", attrs.display());
        return super::exit_code::INVALID_PLAN;
    }
    // One derivation of a `phaser split` build: its settings leave the
    // plan here, so the phases see the package's attributes only.
    let split = match SplitBuild::take(&mut plan) {
        Ok(split) => split,
        Err(e) => {
            eprintln!("phaser: {}: {e:#}", attrs.display());
            return super::exit_code::INVALID_PLAN;
        }
    };
    let top = std::env::var_os("NIX_BUILD_TOP")
        .map(PathBuf::from)
        .or_else(|| attrs.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut options = super::run_options(top.clone());
    options.build_dir = Some(top.clone());
    if let Some(split) = &split {
        eprintln!(
            "phaser: split build of {}: phase {} (running {} to {})",
            plan.display_name(),
            split.phase,
            split.from,
            split.to
        );
        match split.restore_previous(&plan, &top) {
            Ok(Some(transfer)) => eprintln!("phaser: hand-off in: {transfer}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("phaser: bringing in the previous phase's result: {e:#}");
                return 1;
            }
        }
        options.range = split.range();
    }
    let status = super::run_plan(&plan, options);
    if status != 0 {
        return status;
    }
    if let Some(split) = &split {
        match split.save_tree(&plan, &top) {
            Ok(Some(transfer)) => eprintln!("phaser: hand-off out: {transfer}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("phaser: saving the build tree for the next phase: {e:#}");
                return 1;
            }
        }
    }
    create_missing_outputs(&plan);
    0
}

/// Nix fails a build that did not create every output; an output no phase
/// wrote to (a `dev` with nothing to hold, say) becomes an empty directory.
fn create_missing_outputs(plan: &Plan) {
    if let Some(serde_json::Value::Object(outputs)) = plan.attrs.get("outputs") {
        for path in outputs.values().filter_map(|p| p.as_str()) {
            if !Path::new(path).exists() {
                if let Err(e) = std::fs::create_dir_all(path) {
                    eprintln!("phaser: creating the empty output {path}: {e}");
                }
            }
        }
    }
}
