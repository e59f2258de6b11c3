//! The hello benchmark: GNU hello 2.10 built by the standard phases, with
//! each phase's wall time, the time its child processes (configure, make,
//! strip, ...) were alive, and phaser's own time (the rest).
//!
//! ```text
//! cargo bench -p phaser --bench hello          # needs tests/fetch-sources first
//! PHASER_BENCH_RUNS=3 cargo bench -p phaser --bench hello
//! ```
//!
//! For comparison, nixpkgs' bash stdenv on this kind of machine: hello 2.10
//! in 15.0 s with serial make (configure 12.1 s), its fixup alone 88 ms.
//! Targets: fixup <= 10 ms, phaser's own time <= 20 ms for the whole build.

use std::path::PathBuf;
use std::time::Duration;

use phaser::{format_duration, Outcome, PhaseReport, Plan, RunOptions, Runner};
use serde_json::json;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cache = std::env::var_os("PHASER_SOURCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".cache/sources"));
    let tarball = cache.join("hello_2.10.orig.tar.gz");
    if !tarball.exists() {
        eprintln!(
            "{} is missing: run tests/fetch-sources first",
            tarball.display()
        );
        std::process::exit(1);
    }
    let runs: usize = std::env::var("PHASER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let phaser_exe = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("phaser")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("phaser"));

    let mut all: Vec<(Vec<PhaseReport>, Duration)> = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let plan = Plan::from_value(
            json!({"pname": "hello", "version": "2.10", "src": tarball, "doCheck": true}),
            dir.path(),
            "hello.json",
        )
        .expect("the hello plan is valid");
        let mut options = RunOptions::new(dir.path().join("out"));
        options.build_dir = Some(dir.path().join("build"));
        options.phaser_exe = Some(phaser_exe.clone());
        eprintln!("run {} of {runs} (serial make, doCheck)", run + 1);
        let report = Runner::new(&plan, options).run().expect("hello builds");
        all.push((report.phases, report.total));
    }
    // The median run by total time.
    all.sort_by_key(|(_, total)| *total);
    let (phases, total) = &all[all.len() / 2];

    println!("\nhello 2.10 with phaser's standard phases (median of {runs} run(s))");
    println!("| phase        |       wall |   children | phaser's own |");
    println!("|--------------|------------|------------|--------------|");
    for p in phases.iter().filter(|p| p.outcome == Outcome::Ran) {
        println!(
            "| {:12} | {:>10} | {:>10} | {:>12} |",
            p.name,
            format_duration(p.duration),
            format_duration(p.child_time),
            format_duration(p.duration.saturating_sub(p.child_time))
        );
    }
    let children: Duration = phases.iter().map(|p| p.child_time).sum();
    println!(
        "| {:12} | {:>10} | {:>10} | {:>12} |",
        "total",
        format_duration(*total),
        format_duration(children),
        format_duration(total.saturating_sub(children))
    );
    let fixup = phases
        .iter()
        .find(|p| p.name == "fixup")
        .map(|p| p.duration)
        .unwrap_or_default();
    println!(
        "\nfixup: {} (target <= 10 ms; nixpkgs stdenv: 88 ms)",
        format_duration(fixup)
    );
    println!(
        "phaser's own time: {} (target <= 20 ms; nixpkgs stdenv builds hello in 15.0 s with serial make)",
        format_duration(total.saturating_sub(children))
    );
}
