//! `phaser check PLAN`: what `phaser run` checks before the first phase,
//! without running anything: the plan file read (types, settings, order),
//! then [`phaser::check()`], the function `Runner::run` calls first, and
//! the seed manifest the run verifies next. Every problem is printed.

use std::path::Path;

use phaser::{PlanError, PlanErrors};
use serde_json::json;

use super::exit_code;

/// Runs `phaser check`; returns the exit status (0 only when clean).
pub fn main(path: &Path, as_json: bool) -> i32 {
    let (phases, problems) = match problems(path) {
        Ok(phases) => (phases, None),
        Err(errors) => (0, Some(errors)),
    };
    if as_json {
        let list: Vec<_> = problems
            .iter()
            .flat_map(PlanErrors::iter)
            .map(|p| json!({"file": p.file, "at": p.at, "message": p.message}))
            .collect();
        println!("{}", json!({"ok": problems.is_none(), "problems": list}));
    }
    match problems {
        Some(errors) => {
            if !as_json {
                for problem in errors.iter() {
                    eprintln!("phaser: {problem}");
                }
            }
            exit_code::of_plan_errors(&errors)
        }
        None => {
            if !as_json {
                let plural = if phases == 1 { "" } else { "s" };
                println!("{}: no problems ({phases} phase{plural})", path.display());
            }
            0
        }
    }
}

/// The number of phases when nothing is wrong, else every problem.
fn problems(path: &Path) -> Result<usize, PlanErrors> {
    let plan = phaser::check::load(path)?;
    let phases = phaser::check(&plan)?;
    if let Some(manifest) = &plan.seeds {
        phaser::seeds::verify(manifest)
            .map_err(|e| PlanError::at(&plan.file, "phaser.seeds", e.to_string()))?;
    }
    Ok(phases.len())
}
