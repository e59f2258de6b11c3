//! `phaser source`: the patched source tree, without configuring or building.

use std::path::{Path, PathBuf};

use phaser::{Range, Runner};
use serde_json::Value;

pub fn main(plan_path: &Path, out_dir: &Path, build_dir: Option<PathBuf>) -> i32 {
    let (plan, phases) = match super::load_plan(plan_path) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    // Everything before `configure`; without a configure phase, up to `patch`.
    let last = match phases.iter().position(|p| p.name == "configure") {
        Some(0) => {
            eprintln!("phaser: `configure` is the first phase: there is no source phase to run");
            return super::exit_code::INVALID_PLAN;
        }
        Some(i) => phases[i - 1].name.clone(),
        None => match phases.iter().find(|p| p.name == "patch") {
            Some(p) => p.name.clone(),
            None => {
                eprintln!("phaser: the plan has neither `configure` nor `patch`: cannot tell where the source phases end");
                return super::exit_code::INVALID_PLAN;
            }
        },
    };
    if out_dir.exists()
        && std::fs::read_dir(out_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "phaser: {} exists and is not empty; give a new directory",
            out_dir.display()
        );
        return super::exit_code::USAGE;
    }
    let scratch = match build_dir {
        Some(dir) => Scratch::Kept(dir),
        None => match tempfile::Builder::new().prefix("phaser-source-").tempdir() {
            Ok(dir) => Scratch::Temporary(dir),
            Err(e) => {
                eprintln!("phaser: creating a build directory: {e}");
                return 1;
            }
        },
    };
    let mut options = super::run_options(scratch.path().join(".outputs"));
    options.build_dir = Some(scratch.path().to_path_buf());
    options.range = Range::Span {
        from: None,
        to: Some(last),
    };
    let runner = Runner::new(&plan, options);
    let report = match runner.run() {
        Ok(report) => report,
        Err(failure) => {
            runner.print_table(&failure.phases, failure.bookkeeping, Default::default());
            return super::report_failure(&failure);
        }
    };
    let root = match report.state.state.get("sourceRoot").and_then(Value::as_str) {
        Some(root) => report.build_top.join(root),
        None => report.state.cwd.clone(),
    };
    // `copy` puts a tree *into* an existing directory; the empty one the
    // user may have made goes, so the tree lands at OUT_DIR itself.
    let _ = std::fs::remove_dir(out_dir);
    let cx = phaser::stdlib::Context::new(&report.build_top);
    let args = serde_json::json!({"src": format!("{}/", root.display()), "dest": out_dir});
    if let Err(e) = phaser::stdlib::registry().call(&cx, "copy", args) {
        eprintln!("phaser: copying the source to {}: {e}", out_dir.display());
        return 1;
    }
    eprintln!(
        "phaser: patched source of {} in {}",
        plan.display_name(),
        out_dir.display()
    );
    0
}

/// The build directory: the user's (kept) or a temporary one (removed).
enum Scratch {
    Kept(PathBuf),
    Temporary(tempfile::TempDir),
}

impl Scratch {
    fn path(&self) -> &Path {
        match self {
            Scratch::Kept(dir) => dir,
            Scratch::Temporary(dir) => dir.path(),
        }
    }
}
