//! `phaser run`: the plan loaded, the output captured for the logs, the
//! status line and the events, the runner run, and the end reported the
//! way `--log-format` asks.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use phaser::{Range, Runner};
use serde_json::json;

use super::events::Events;
use super::exit_code;
use super::run_output::RunOutput;

/// How `phaser run` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Headers, the build's output, a status line on a terminal, the table.
    Human,
    /// Only events, one JSON object per line on stderr (`phaser schema --events`).
    Json,
}

/// What `phaser run` was asked for.
pub struct RunArgs {
    pub plan: PathBuf,
    pub build_dir: Option<PathBuf>,
    pub out_dir: PathBuf,
    pub range: Range,
    pub log_format: LogFormat,
    pub events: Option<PathBuf>,
}

/// Runs `phaser run`; returns the exit status.
pub fn main(args: RunArgs) -> i32 {
    let human = args.log_format == LogFormat::Human;
    let events = match open_events(&args) {
        Ok(events) => events,
        Err(status) => return status,
    };
    let started = Instant::now();
    let end = |status: i32, build_dir: Option<&Path>, outputs, error: Option<String>| {
        if let Some(events) = &events {
            events.emit(
                "run_end",
                json!({
                    "status": status,
                    "outputs": outputs,
                    "build_dir": build_dir.map(|d| d.display().to_string()),
                    "wall_s": started.elapsed().as_secs_f64(),
                    "error": error,
                }),
            );
        }
        status
    };
    let plan = match phaser::check::load(&args.plan) {
        Ok(plan) => plan,
        Err(errors) => {
            let status = if human {
                super::report_plan_errors(&errors)
            } else {
                exit_code::of_plan_errors(&errors)
            };
            return end(status, None, json!({}), Some(errors.to_string()));
        }
    };
    if let Some(events) = &events {
        events.emit(
            "run_start",
            json!({
                "plan": args.plan.display().to_string(),
                "digest": phaser::plan_hash(&plan.source),
                "version": env!("CARGO_PKG_VERSION"),
            }),
        );
    }
    let mut options = super::run_options(args.out_dir);
    options.build_dir = args.build_dir;
    options.range = args.range;
    let output = match RunOutput::begin(human, events.clone()) {
        Ok(output) => output,
        Err(e) => {
            // A closed stdout, say: the build runs as before captures existed.
            eprintln!("phaser: warning: cannot capture the build's output ({e}); no logs are kept");
            let status = super::run_plan(&plan, options);
            return end(status, None, json!({}), None);
        }
    };
    let runner = Runner::new(&plan, options).with_observer(output.observer());
    let result = runner.run();
    let status = match &result {
        Ok(_) => 0,
        Err(failure) => exit_code::of_failure(failure, || {
            super::interrupts::Interrupts::get().exit_status()
        }),
    };
    output.finish(status);
    drop(output);
    if human {
        super::report_run(&runner, &result, started.elapsed());
    }
    let status = match &result {
        Ok(report) => end(status, Some(&report.build_top), json!(report.outputs), None),
        Err(failure) => end(
            status,
            failure.build_top.as_deref(),
            json!({}),
            Some(failure.to_string()),
        ),
    };
    // The process ends here: the interpreters' memory needs no freeing.
    runner.end_with_process();
    status
}

/// The events' destinations: stderr for `--log-format json`, the
/// `--events` file.
fn open_events(args: &RunArgs) -> Result<Option<Arc<Events>>, i32> {
    let mut sinks = Vec::new();
    if args.log_format == LogFormat::Json {
        match super::terminal::duplicate(2) {
            Ok(stderr) => sinks.push(stderr),
            Err(e) => {
                eprintln!("phaser: {e}");
                return Err(exit_code::INTERNAL);
            }
        }
    }
    if let Some(path) = &args.events {
        match Events::file(path) {
            Ok(file) => sinks.push(file),
            Err(e) => {
                eprintln!("phaser: --events {}: {e}", path.display());
                return Err(exit_code::USAGE);
            }
        }
    }
    Ok((!sinks.is_empty()).then(|| Arc::new(Events::new(sinks))))
}
