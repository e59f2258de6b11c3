//! `phaser port`: a plan's bash phases and hooks translated into Lua or
//! Rhai (phaser-port does the work), and `--check`, which builds the
//! original and the translation and compares their outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use phaser::{Plan, Runner};
use phaser_port::compare::{first_difference, Side};
use phaser_port::{port_plan, PortOptions, Ported, Target};

/// Runs `phaser port`; returns the exit status.
pub fn main(plan_path: &Path, target: Target, output: Option<PathBuf>, check: bool) -> i32 {
    let (plan, ported) = match port(plan_path, target) {
        Ok(pair) => pair,
        Err(status) => return status,
    };
    eprint!("{}", ported.report.render());
    if check {
        return check_port(&plan, &ported, target);
    }
    let text = match serde_json::to_string_pretty(&ported.plan) {
        Ok(text) => text + "\n",
        Err(e) => {
            eprintln!("phaser port: {e}");
            return 1;
        }
    };
    match output {
        Some(path) => match std::fs::write(&path, text) {
            Ok(()) => {
                eprintln!("phaser port: wrote {}", path.display());
                let dir = |p: &Path| {
                    let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                    std::path::absolute(parent.unwrap_or(Path::new(".")))
                        .ok()
                        .and_then(|d| d.canonicalize().ok())
                };
                if dir(&path) != dir(plan_path) {
                    eprintln!(
                        "phaser port: note: relative paths in the plan (src, patches) are kept as written, relative to {}",
                        path.parent().map_or(String::from("."), |p| p.display().to_string())
                    );
                }
                0
            }
            Err(e) => {
                eprintln!("phaser port: cannot write {}: {e}", path.display());
                1
            }
        },
        None => {
            print!("{text}");
            0
        }
    }
}

/// Loads the plan and translates it; the translation is validated as a plan.
fn port(plan_path: &Path, target: Target) -> Result<(Plan, Ported), i32> {
    let (plan, phases) = super::load_plan(plan_path)?;
    let scratch = tempfile::tempdir().map_err(|e| {
        eprintln!("phaser port: cannot create a temporary directory: {e}");
        1
    })?;
    let runner = Runner::new(&plan, super::run_options(scratch.path().join("out")));
    let env = match runner.initial_state(scratch.path()) {
        Ok(state) => state.env.keys().cloned().collect(),
        Err(e) => {
            eprintln!("phaser port: {e:#}");
            return Err(1);
        }
    };
    let options = PortOptions {
        target,
        phases: phases.iter().map(|p| p.name.clone()).collect(),
        env,
    };
    let ported = port_plan(&plan.source, &plan.attrs, &options);
    if let Err(e) = Plan::from_value(ported.plan.clone(), &plan.dir, &plan.file) {
        eprintln!("phaser port: the translated plan is not valid (a bug in phaser port): {e}");
        return Err(1);
    }
    Ok((plan, ported))
}

/// Builds both plans in fresh directories and compares every output.
fn check_port(original: &Plan, ported: &Ported, target: Target) -> i32 {
    let translated = match Plan::from_value(ported.plan.clone(), &original.dir, &original.file) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("phaser port: {e}");
            return super::exit_code::INTERNAL;
        }
    };
    let scratch = match tempfile::Builder::new()
        .prefix("phaser-port-check-")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("phaser port: cannot create a temporary directory: {e}");
            return 1;
        }
    };
    let mut builds = Vec::new();
    for (name, plan) in [("bash", original), (target.key(), &translated)] {
        let dir = scratch.path().join(name);
        let mut options = super::run_options(dir.join("out"));
        options.build_dir = Some(dir.join("build"));
        eprintln!("phaser port: building the {name} plan in {}", dir.display());
        match Runner::new(plan, options).run() {
            Ok(report) => builds.push(report),
            Err(failure) => {
                eprintln!("phaser port: the {name} build failed: {failure}");
                return 1;
            }
        }
    }
    fn side(report: &phaser::RunReport) -> Side<'_> {
        Side {
            outputs: &report.outputs,
            paths: vec![report.build_top.display().to_string()],
        }
    }
    let (a, b) = (&builds[0], &builds[1]);
    print_times(a, b, target);
    match first_difference(&side(a), &side(b)) {
        None => {
            println!(
                "phaser port: outputs identical ({} outputs, bash and {})",
                a.outputs.len(),
                target.key()
            );
            0
        }
        Some(difference) => {
            println!("phaser port: outputs differ: {difference}");
            super::exit_code::FAILED
        }
    }
}

/// Each phase's wall time in both builds, hooks included.
fn print_times(a: &phaser::RunReport, b: &phaser::RunReport, target: Target) {
    let times = |r: &phaser::RunReport| -> BTreeMap<String, Duration> {
        r.phases
            .iter()
            .map(|p| (p.name.clone(), p.duration))
            .collect()
    };
    let (ta, tb) = (times(a), times(b));
    eprintln!("phaser port: phase times (bash -> {}):", target.key());
    for phase in &a.phases {
        if let (Some(x), Some(y)) = (ta.get(&phase.name), tb.get(&phase.name)) {
            if x.is_zero() && y.is_zero() {
                continue;
            }
            eprintln!(
                "  {:<14} {:>9} -> {:>9}",
                phase.name,
                phaser::format_duration(*x),
                phaser::format_duration(*y)
            );
        }
    }
}
