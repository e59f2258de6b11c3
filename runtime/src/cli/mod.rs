//! Command-line parsing and the commands, each a few lines over the library.

mod capture;
mod check_cmd;
mod events;
mod exit_code;
mod init_cmd;
mod interrupts;
mod log_cmd;
mod nix_builder;
mod plan_cmd;
mod port_cmd;
mod run_cmd;
mod run_output;
mod shell_cmd;
mod source_cmd;
mod split_cmd;
mod std_cmd;
mod terminal;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use phaser::{Plan, Range, RunOptions, Runner};

const EXAMPLES: &str = "\
Examples:
  phaser init hello-2.10.tar.gz -o hello.json && phaser check hello.json
  phaser run runtime/examples/relay.json --out-dir result
  phaser log --build-dir /tmp/b            # the failed phase's output
  phaser run hello.json --build-dir /tmp/b --from configure --to install
  phaser plan hello.json
  phaser std --list
  phaser std hash --string hello

With no command, inside a Nix build (a derivation with __structuredAttrs = true
whose builder is phaser), phaser builds the derivation from its .attrs.json.";

/// Runs the build phases of a package through rhai, lua, bash or any
/// program that speaks phaser's JSON protocol.
#[derive(Parser)]
#[command(name = "phaser", version, about, after_help = format!("{EXAMPLES}\n\n{}", exit_code::TABLE))]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write a starting plan for a source tarball or directory: pname and
    /// version from its name, the build system and tests from its files.
    #[command(
        after_help = "Examples:\n  phaser init hello-2.10.tar.gz -o hello.json && phaser run hello.json\n  phaser init ./src-dir"
    )]
    Init {
        /// The source: a tarball (.tar.gz, .tar.xz, .zip, ...) or a directory.
        source: PathBuf,
        /// Write the plan here (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run a plan's phases (all, one with --only, or a range).
    #[command(
        after_help = "Example:\n  phaser run hello.json --out-dir result --build-dir /tmp/hello-build"
    )]
    Run {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Build directory (default: a fresh one under TMPDIR, kept afterwards).
        #[arg(long)]
        build_dir: Option<PathBuf>,
        /// Outputs go to OUT_DIR/NAME (`out`, `dev`, ...).
        #[arg(long, default_value = "result")]
        out_dir: PathBuf,
        /// Run only this phase, from the state in --build-dir.
        #[arg(long, conflicts_with_all = ["from", "to", "resume"])]
        only: Option<String>,
        /// Continue the build in --build-dir after its last finished phase,
        /// with the tree put back the way that phase left it.
        #[arg(long, requires = "build_dir", conflicts_with_all = ["from", "to"])]
        resume: bool,
        /// First phase to run (needs the state of the phases before it in --build-dir).
        #[arg(long)]
        from: Option<String>,
        /// Last phase to run.
        #[arg(long)]
        to: Option<String>,
        /// `json`: instead of the human output, one JSON event per line on
        /// stderr (the schema: `phaser schema --events`).
        #[arg(long, value_enum, default_value = "human")]
        log_format: run_cmd::LogFormat,
        /// Also write the events to FILE.
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
    },
    /// Print a phase's output, kept in BUILD_DIR/.phaser/log/PHASE.log (by
    /// default the phase that started last: the failed one).
    #[command(
        after_help = "Examples:\n  phaser log --build-dir /tmp/hello-build\n  phaser log --build-dir /tmp/hello-build configure --previous 1"
    )]
    Log {
        /// The build directory (default: the current directory).
        #[arg(long, default_value = ".")]
        build_dir: PathBuf,
        /// The phase.
        phase: Option<String>,
        /// An earlier run's log of the phase (1: the one before the last).
        #[arg(long, default_value_t = 0)]
        previous: usize,
    },
    /// Check a plan without running it: everything `run` checks before the
    /// first phase, every problem with its JSON path; exit 0 only when clean.
    #[command(
        after_help = "Examples:\n  phaser check hello.json\n  phaser check hello.json --json"
    )]
    Check {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Print `{"ok": BOOL, "problems": [{"file", "at", "message"}]}` on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print the resolved phase order: interpreter and provenance of each phase.
    #[command(after_help = "Example:\n  phaser plan hello.json --json")]
    Plan {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Print the body of one phase (to copy it as the start of your own).
        #[arg(long)]
        show: Option<String>,
    },
    /// Write the patched source: run the phases up to and including
    /// `patch` (and any the plan places before `configure`), then copy the
    /// source root to OUT_DIR.
    #[command(after_help = "Example:\n  phaser source hello.json --out-dir hello-src")]
    Source {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Where the patched tree goes (must not exist yet, or be empty).
        #[arg(long)]
        out_dir: PathBuf,
        /// Build directory (default: a fresh one under TMPDIR, removed afterwards).
        #[arg(long)]
        build_dir: Option<PathBuf>,
    },
    /// An interactive bash with the build's environment, stdenv's helpers
    /// and the state loaded; inside, `runPhase NAME` (or `phaser phase NAME`)
    /// runs a phase through the runner.
    #[command(
        after_help = "Example:\n  phaser shell hello.json --build-dir /tmp/hello --at build\n  [phaser:build] $ runPhase build"
    )]
    Shell {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Build directory (default: a fresh one under TMPDIR, kept afterwards).
        #[arg(long)]
        build_dir: Option<PathBuf>,
        /// Run every phase before this one first (those already finished are not run again).
        #[arg(long)]
        at: Option<String>,
        /// Outputs go to OUT_DIR/NAME.
        #[arg(long, default_value = "result")]
        out_dir: PathBuf,
    },
    /// Run one phase of the build `phaser shell` started (PHASER_PLAN and
    /// NIX_BUILD_TOP name it) and update its state.
    Phase {
        /// The phase to run.
        name: Option<String>,
        /// Print the shell variables of the current state instead (for the shell to reload).
        #[arg(long)]
        vars: bool,
    },
    /// Write a Nix expression with one derivation per phase, each building
    /// on the previous one's outputs and build tree (`nix-build` it).
    #[command(
        after_help = "Example:\n  phaser split hello.json > phases.nix && nix-build phases.nix\n  nix-build phases.nix -A phases.configure.phaserTree   # up to configure: result/build is its tree"
    )]
    Split {
        /// The plan file (JSON).
        plan: PathBuf,
        /// The phaser Nix runs as the builder (default: this one); a static
        /// build works on any builder of the same platform.
        #[arg(long)]
        phaser: Option<PathBuf>,
    },
    /// Translate the plan's bash phases and hooks into Lua or Rhai (the
    /// report goes to stderr), or with --check build both and compare outputs.
    #[command(
        after_help = "Examples:\n  phaser port hello.json --to lua -o hello-lua.json\n  phaser port --check hello.json --to rhai"
    )]
    Port {
        /// The plan file (JSON).
        plan: PathBuf,
        /// The language to write.
        #[arg(long, default_value = "lua", value_parser = ["lua", "rhai"])]
        to: String,
        /// Write the new plan here (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Build the original and the translation in two build directories
        /// and compare every output; the exit status says whether they match.
        #[arg(long, conflicts_with = "output")]
        check: bool,
    },
    /// Print the JSON Schema (draft 2020-12) of plans (or of phaser
    /// modules, or of `phaser run`'s events).
    Schema {
        /// The schema of phaser modules (nix-support/phaser-module.json) instead.
        #[arg(long, conflicts_with = "events")]
        module: bool,
        /// The schema of `phaser run`'s events (`--log-format json`, `--events`) instead.
        #[arg(long)]
        events: bool,
    },
    /// Print a completion script for a shell (`source <(phaser completions bash)`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print phaser's manual page (roff: `phaser man | man -l -`).
    Man,
    /// Call a standard-library function (as bash phases do).
    #[command(
        after_help = "Examples:\n  phaser std --list\n  phaser std hash --string hello --format sri\n  phaser std copy src dest\n  phaser std run '{\"argv\": [\"make\", \"-j2\"]}'"
    )]
    Std {
        /// Print every function with its signature and doc.
        #[arg(long)]
        list: bool,
        /// Print the reference manual (Markdown).
        #[arg(long)]
        reference: bool,
        /// Print the result as JSON (strings quoted, nothing as `null`).
        #[arg(long)]
        json: bool,
        /// The function, then its arguments: positional values, `--key value`,
        /// `--flag`, or one JSON object.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        call: Vec<String>,
    },
}

/// Runs the command line; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; anything else is
            // a usage error, with sysexits' code rather than clap's 2.
            let _ = e.print();
            return if e.use_stderr() { exit_code::USAGE } else { 0 };
        }
    };
    let Some(command) = cli.command else {
        return nix_builder::main();
    };
    match command {
        Command::Run {
            plan,
            build_dir,
            out_dir,
            only,
            resume,
            from,
            to,
            log_format,
            events,
        } => {
            let range = match (only, from, to) {
                _ if resume => Range::Resume,
                (Some(only), _, _) => Range::Only(only),
                (None, None, None) => Range::All,
                (None, from, to) => Range::Span { from, to },
            };
            run_cmd::main(run_cmd::RunArgs {
                plan,
                build_dir,
                out_dir,
                range,
                log_format,
                events,
            })
        }
        Command::Log {
            build_dir,
            phase,
            previous,
        } => log_cmd::main(&build_dir, phase.as_deref(), previous),
        Command::Check { plan, json } => check_cmd::main(&plan, json),
        Command::Plan { plan, json, show } => plan_cmd::main(&plan, json, show.as_deref()),
        Command::Source {
            plan,
            out_dir,
            build_dir,
        } => source_cmd::main(&plan, &out_dir, build_dir),
        Command::Shell {
            plan,
            build_dir,
            at,
            out_dir,
        } => shell_cmd::main(&plan, build_dir, at.as_deref(), out_dir),
        Command::Phase { name, vars } => shell_cmd::phase(name.as_deref(), vars),
        Command::Split { plan, phaser } => split_cmd::main(&plan, phaser),
        Command::Port {
            plan,
            to,
            output,
            check,
        } => {
            let target = to.parse().expect("clap checked the value");
            port_cmd::main(&plan, target, output, check)
        }
        Command::Init { source, output } => init_cmd::main(&source, output),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "phaser", &mut std::io::stdout());
            0
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("phaser man: {e}");
                    exit_code::INTERNAL
                }
            }
        }
        Command::Schema { module, events } => {
            if events {
                print!("{}", events::SCHEMA);
            } else if module {
                print!("{}", phaser::schema::module_schema());
            } else {
                print!("{}", phaser::schema::PLAN_SCHEMA);
            }
            0
        }
        Command::Std {
            list,
            reference,
            json,
            call,
        } => std_cmd::main(list, reference, json, call),
    }
}

/// Options for a run of this command: bash phases call this phaser for
/// `phaser std`, and SIGINT/SIGTERM/SIGHUP stop the build.
pub(crate) fn run_options(out_dir: PathBuf) -> RunOptions {
    let mut options = RunOptions::new(out_dir);
    options.phaser_exe = std::env::current_exe().ok();
    options.cancel = interrupts::Interrupts::get().cancel();
    options
}

/// Loads and resolves a plan, or prints why not and gives the exit status.
fn load_plan(path: &std::path::Path) -> Result<(Plan, Vec<phaser::ResolvedPhase>), i32> {
    let plan = phaser::check::load(path).map_err(|e| report_plan_errors(&e))?;
    let phases = phaser::resolve_order(&plan).map_err(|e| report_plan_errors(&e.into()))?;
    Ok((plan, phases))
}

/// Prints every problem of a plan, one per line; returns the exit status
/// (invalid plan, or missing input).
fn report_plan_errors(errors: &phaser::PlanErrors) -> i32 {
    for problem in errors.iter() {
        eprintln!("phaser: {problem}");
    }
    exit_code::of_plan_errors(errors)
}

/// Runs a loaded plan, prints the closing table, and returns the exit status.
fn run_plan(plan: &Plan, options: RunOptions) -> i32 {
    let runner = Runner::new(plan, options);
    let started = std::time::Instant::now();
    let result = runner.run();
    report_run(&runner, &result, started.elapsed())
}

/// Prints the closing table and what to do next; returns the exit status.
fn report_run(
    runner: &Runner<'_>,
    result: &Result<phaser::RunReport, phaser::RunFailure>,
    elapsed: std::time::Duration,
) -> i32 {
    match result {
        Ok(report) => {
            runner.print_table(&report.phases, report.bookkeeping, report.total);
            if let Some(status) = report.ignored_failure {
                eprintln!("phaser: a phase failed with status {status}; succeedOnFailure is set, so the build ends well with the status in $out/nix-support/failed");
            }
            for (name, path) in &report.outputs {
                eprintln!("phaser: output {name}: {path}");
            }
            0
        }
        Err(failure) => {
            if failure.phases.is_empty() && failure.build_top.is_none() {
                // Nothing started (a plan error): no table to show.
                return report_failure(failure);
            }
            runner.print_table(&failure.phases, failure.bookkeeping, elapsed);
            report_failure(failure)
        }
    }
}

/// Says why a run failed and how to continue; returns the exit status.
fn report_failure(failure: &phaser::RunFailure) -> i32 {
    if let Some(errors) = failure.error.downcast_ref::<phaser::PlanErrors>() {
        return report_plan_errors(errors);
    }
    eprintln!("phaser: {failure}");
    if let Some(interrupted) = failure.error.downcast_ref::<phaser::Interrupted>() {
        if let Some(dir) = &failure.build_top {
            eprintln!(
                "phaser: `{}` did not finish; the state of the last finished phase is in {}: continue with `--build-dir {} --resume`",
                interrupted.phase,
                phaser::BuildState::path(dir).display(),
                dir.display()
            );
        }
    }
    let failed = failure
        .phases
        .last()
        .filter(|row| row.outcome == phaser::Outcome::Failed);
    if let (Some(top), Some(failed)) = (&failure.build_top, failed) {
        let dir = top.display();
        let phase = &failed.name;
        eprintln!(
            "phaser: {dir} keeps the state of the last finished phase: fix the problem (in the plan, or by hand in {dir}) and continue with `--build-dir {dir} --from {phase}`: it runs `{phase}` again on the tree as it is. (After a crash or a kill, `--build-dir {dir} --resume` puts the tree back exactly where the last finished phase left it first.)"
        );
        let log = phaser::phase_log::PhaseLogs::of_build(top).path(phase, 0);
        if log.exists() {
            eprintln!(
                "phaser: the output of `{phase}` is in {} (`phaser log --build-dir {dir}` prints it)",
                log.display()
            );
        }
    }
    exit_code::of_failure(failure, || interrupts::Interrupts::get().exit_status())
}
