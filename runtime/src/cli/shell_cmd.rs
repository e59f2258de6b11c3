//! `phaser shell` and `phaser phase`: an interactive bash that sees what a
//! bash phase sees, and the command it runs phases with.

use std::path::{Path, PathBuf};
use std::process::Command;

use phaser::{BuildState, Range, Runner};

/// The variables that tie a shell to its build.
const PLAN_VAR: &str = "PHASER_PLAN";
const BUILD_VAR: &str = "NIX_BUILD_TOP";

pub fn main(
    plan_path: &Path,
    build_dir: Option<PathBuf>,
    at: Option<&str>,
    out_dir: PathBuf,
) -> i32 {
    let plan_path = std::path::absolute(plan_path).unwrap_or_else(|_| plan_path.to_path_buf());
    let (plan, phases) = match super::load_plan(&plan_path) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let build_dir = match build_dir {
        Some(dir) => dir,
        None => match tempfile::Builder::new().prefix("phaser-shell-").tempdir() {
            Ok(dir) => dir.keep(),
            Err(e) => {
                eprintln!("phaser: creating a build directory: {e}");
                return 1;
            }
        },
    };
    if let Err(e) = std::fs::create_dir_all(&build_dir) {
        eprintln!("phaser: creating {}: {e}", build_dir.display());
        return 1;
    }
    let build_dir = build_dir.canonicalize().unwrap_or(build_dir);
    let mut options = super::run_options(out_dir);
    options.build_dir = Some(build_dir.clone());

    // Run what comes before --at, unless an earlier run already did.
    let saved = BuildState::read(&build_dir).ok().flatten();
    if let Some(at) = at {
        let i = match phaser::order::position(&phases, at) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("phaser: {e}");
                return super::exit_code::USAGE;
            }
        };
        let done = saved
            .as_ref()
            .map(|s| s.completed.clone())
            .unwrap_or_default();
        let missing: Vec<&str> = phases[..i]
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| !done.iter().any(|d| d == n))
            .collect();
        if !missing.is_empty() {
            let mut first_run = options.clone();
            first_run.range = if i == 0 {
                Range::Span {
                    from: None,
                    to: None,
                }
            } else if done.is_empty() {
                Range::Span {
                    from: None,
                    to: Some(phases[i - 1].name.clone()),
                }
            } else {
                Range::Span {
                    from: Some(missing[0].to_string()),
                    to: Some(phases[i - 1].name.clone()),
                }
            };
            if i > 0 {
                let runner = Runner::new(&plan, first_run);
                if let Err(failure) = runner.run() {
                    runner.print_table(&failure.phases, failure.bookkeeping, Default::default());
                    return super::report_failure(&failure);
                }
            }
        }
    }
    let runner = Runner::new(&plan, options.clone());
    let state = match BuildState::read(&build_dir) {
        Ok(Some(state)) => state,
        Ok(None) => match runner
            .initial_state(&build_dir)
            .and_then(|s| s.write(&build_dir).map(|_| s))
        {
            Ok(state) => state,
            Err(e) => {
                eprintln!("phaser: {e:#}");
                return 1;
            }
        },
        Err(e) => {
            eprintln!("phaser: {e:#}");
            return 1;
        }
    };
    let label = at.unwrap_or("shell");
    let input = phaser::phase_input(&state, &build_dir, label, 0, None);
    let exe = options
        .phaser_exe
        .clone()
        .unwrap_or_else(|| PathBuf::from("phaser"));
    let rc = format!(
        "{setup}\ncd -- {cwd}\n\
         runPhase() {{ \"$PHASER_EXE\" phase \"$1\" && eval \"$(\"$PHASER_EXE\" phase --vars)\"; }}\n\
         PS1='[phaser:{label}] \\w\\$ '\n\
         echo \"phaser shell for {name} in $NIX_BUILD_TOP: run a phase with 'runPhase NAME' (or 'phaser phase NAME'); phases: {order}\"\n",
        setup = phaser::interpreters::shell_setup(&input),
        cwd = quote(&state.cwd.display().to_string()),
        name = plan.display_name(),
        order = phases.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" "),
    );
    let rc_path = build_dir.join(".phaser").join("shell.rc");
    if let Err(e) = phaser::stdlib::control_file::overwrite(&rc_path, rc.as_bytes()) {
        eprintln!("phaser: writing {}: {e}", rc_path.display());
        return 1;
    }
    let mut roots = vec![build_dir.clone()];
    roots.extend(state.outputs.values().map(PathBuf::from));
    let status = Command::new("bash")
        .arg("--rcfile")
        .arg(&rc_path)
        .arg("-i")
        .env_clear()
        .envs(&state.env)
        .envs(std::env::var("TERM").ok().map(|t| ("TERM", t)))
        .env("PHASER_EXE", &exe)
        .env(PLAN_VAR, &plan_path)
        .env(BUILD_VAR, &build_dir)
        .env(
            phaser::stdlib::WRITE_ROOTS_VAR,
            std::env::join_paths(&roots).unwrap_or_default(),
        )
        .current_dir(&state.cwd)
        .status();
    match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("phaser: starting bash: {e}");
            1
        }
    }
}

/// `phaser phase NAME` / `phaser phase --vars`, inside a `phaser shell`.
pub fn phase(name: Option<&str>, vars: bool) -> i32 {
    let (Some(plan_path), Some(build_dir)) =
        (std::env::var_os(PLAN_VAR), std::env::var_os(BUILD_VAR))
    else {
        eprintln!("phaser phase: {PLAN_VAR} and {BUILD_VAR} are not set: run it inside `phaser shell PLAN`");
        return super::exit_code::USAGE;
    };
    let plan = match super::load_plan(Path::new(&plan_path)) {
        Ok((plan, _)) => plan,
        Err(status) => return status,
    };
    let build_dir = PathBuf::from(build_dir);
    if vars {
        return match BuildState::read(&build_dir) {
            Ok(Some(state)) => {
                let input = phaser::phase_input(&state, &build_dir, "shell", 0, None);
                print!("{}", phaser::interpreters::shell_variables(&input));
                for (name, value) in &state.env {
                    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        println!("export {name}={}", quote(value));
                    }
                }
                println!("cd -- {}", quote(&state.cwd.display().to_string()));
                0
            }
            _ => {
                eprintln!("phaser phase: no state in {}", build_dir.display());
                1
            }
        };
    }
    let Some(name) = name else {
        eprintln!("phaser phase: name the phase to run, e.g. `phaser phase build`");
        return super::exit_code::USAGE;
    };
    let out_dir = BuildState::read(&build_dir)
        .ok()
        .flatten()
        .and_then(|s| {
            s.outputs.values().next().map(|p| {
                Path::new(p)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            })
        })
        .unwrap_or_else(|| PathBuf::from("result"));
    let mut options = super::run_options(out_dir);
    options.build_dir = Some(build_dir);
    options.range = Range::Only(name.to_string());
    super::run_plan(&plan, options)
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
