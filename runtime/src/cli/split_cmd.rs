//! `phaser split PLAN`: the plan as one Nix derivation per phase, on stdout.

use std::path::{Path, PathBuf};

use phaser::split::{render, SplitOptions};

pub fn main(plan: &Path, phaser_exe: Option<PathBuf>) -> i32 {
    let plan = match phaser::check::load(plan) {
        Ok(plan) => plan,
        Err(e) => return super::report_plan_errors(&e),
    };
    let Some(exe) = phaser_exe.or_else(|| std::env::current_exe().ok()) else {
        eprintln!("phaser: cannot tell where this phaser is; name the builder with --phaser PATH");
        return super::exit_code::INTERNAL;
    };
    let exe = std::path::absolute(&exe).unwrap_or(exe);
    match render(&plan, &SplitOptions::new(exe)) {
        Ok(rendered) => {
            for warning in &rendered.warnings {
                eprintln!("phaser: warning: {warning}");
            }
            print!("{}", rendered.text);
            0
        }
        Err(e) => {
            eprintln!("phaser: {e:#}");
            super::exit_code::INVALID_PLAN
        }
    }
}
