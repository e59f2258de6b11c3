//! The bookkeeping at phase boundaries, and `--resume`, on large trees:
//! the real runner, with no-op Rhai phases, in a build directory filled
//! with files of the size of a large package's build tree.
//!
//! ```text
//! cargo bench -p phaser --bench boundaries
//! PHASER_BENCH_FILES=30000 PHASER_BENCH_RESUME_FILES=40000 PHASER_BENCH_RUNS=1 \
//!     cargo bench -p phaser --bench boundaries
//! ```
//!
//! Rows:
//! - *boundary*: one phase boundary (the row the closing table shows,
//!   divided by the number of boundaries) in a run of 10 no-op phases on
//!   a tree of N files that no earlier run recorded: the first boundary
//!   walks it once more to start watching it (`tree_watch/`). Target: at
//!   most 50 ms at 100,000 files.
//! - *boundary after creating*: the boundary of one phase that creates the
//!   N files itself (an install): the tree was small when the phase
//!   started, and is watched from a moment into it when it runs long.
//! - *resume*: a build whose last finished phase left N/2 files and whose
//!   interrupted phase added N/2 more; `--resume` puts the tree back and
//!   runs the last, empty, phase (wall time of that run). Target: at most
//!   2 s at 40,000 files.
//!
//! Reference, not measured here: the runner before the tree manifest had a
//! file of its own and followed the tree with inotify (commit 1f168bb,
//! this machine, measured as the time a run of 11 phases took more than a
//! run of 1 phase, per extra phase): a boundary took 4.3 s at 100,000
//! files and 1.3 s at 30,000; a resume of 20,000 kept and 20,000 added
//! files took 256 s (7.6 s at 10,000).

use std::path::Path;
use std::time::{Duration, Instant};

use phaser::{Plan, Range, RunOptions, Runner};
use serde_json::{json, Value};

/// Files per directory, as in a typical build tree.
const PER_DIR: usize = 40;

fn main() {
    let sizes = |var: &str, default: &[usize]| -> Vec<usize> {
        match std::env::var(var) {
            Ok(list) => list
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
            Err(_) => default.to_vec(),
        }
    };
    let runs: usize = std::env::var("PHASER_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let mut rows = Vec::new();
    for files in sizes("PHASER_BENCH_FILES", &[10_000, 30_000, 100_000]) {
        let boundary = median(runs, || per_boundary(files));
        rows.push((
            format!("boundary, {files} files"),
            boundary,
            target(files, 100_000, 50),
        ));
        let creating = median(runs, || boundary_after_creating(files));
        rows.push((
            format!("boundary after a phase created {files} files"),
            creating,
            None,
        ));
    }
    for files in sizes("PHASER_BENCH_RESUME_FILES", &[10_000, 40_000]) {
        let resume = median(runs, || resume(files));
        rows.push((
            format!(
                "resume, {} kept + {} added files",
                files / 2,
                files - files / 2
            ),
            resume,
            target(files, 40_000, 2000),
        ));
    }
    println!("{:52}  {:>12}  target", "what", "time");
    for (what, time, target) in rows {
        let target = target.map(|ms| format!("<= {ms} ms")).unwrap_or_default();
        println!(
            "{what:52}  {:>9.1} ms  {target}",
            time.as_secs_f64() * 1000.0
        );
    }
}

fn target(files: usize, at: usize, ms: u64) -> Option<u64> {
    (files == at).then_some(ms)
}

fn median(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| f()).collect();
    times.sort();
    times[runs / 2]
}

/// `count` no-op phases `p0`, `p1`, ...; with `create`, the first one
/// makes `create` files itself.
fn plan(dir: &Path, count: usize, create: Option<usize>) -> Plan {
    let names: Vec<String> = (0..count).map(|i| format!("p{i}")).collect();
    let mut phases = serde_json::Map::new();
    for name in &names {
        phases.insert(name.clone(), json!({"rhai": "#{}"}));
    }
    if let Some(files) = create {
        let body = format!(
            "for d in 0..{} {{ for f in 0..{PER_DIR} {{ write(`made/d${{d}}/f${{f}}.o`, \"\"); }} }} #{{}}",
            files.div_ceil(PER_DIR)
        );
        phases.insert(names[0].clone(), json!({"rhai": body}));
    }
    let value: Value = json!({"pname": "bench", "phases": names, "phaser": {"phases": phases}});
    Plan::from_value(value, dir, "bench.json").expect("the bench plan is valid")
}

/// `files` empty files under `dir/tree`, `PER_DIR` to a directory.
fn fill(dir: &Path, files: usize, name: &str) {
    for d in 0..files.div_ceil(PER_DIR) {
        let sub = dir.join(name).join(format!("d{d}"));
        std::fs::create_dir_all(&sub).expect("creating a directory of the tree");
        for f in 0..PER_DIR.min(files - d * PER_DIR) {
            std::fs::write(sub.join(format!("f{f}.o")), b"").expect("creating a file");
        }
    }
}

fn options(dir: &Path, range: Range) -> RunOptions {
    let mut options = RunOptions::new(dir.join("out"));
    options.build_dir = Some(dir.join("build"));
    options.range = range;
    options
}

/// One boundary of a run of 10 no-op phases on a tree of `files` files.
fn per_boundary(files: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fill(&dir.path().join("build"), files, "tree");
    let plan = plan(dir.path(), 10, None);
    let report = Runner::new(&plan, options(dir.path(), Range::All))
        .run()
        .expect("the bench plan runs");
    report.bookkeeping / 10
}

/// The boundary of a phase that creates `files` files.
fn boundary_after_creating(files: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let plan = plan(dir.path(), 1, Some(files));
    let report = Runner::new(&plan, options(dir.path(), Range::All))
        .run()
        .expect("the bench plan runs");
    report.bookkeeping
}

fn resume(files: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let build = dir.path().join("build");
    fill(&build, files / 2, "kept");
    let plan = plan(dir.path(), 2, None);
    let first = Range::Span {
        from: None,
        to: Some("p0".into()),
    };
    Runner::new(&plan, options(dir.path(), first))
        .run()
        .expect("the first phase runs");
    // What the interrupted phase `p1` added before it was killed.
    fill(&build, files - files / 2, "added");
    let started = Instant::now();
    Runner::new(&plan, options(dir.path(), Range::Resume))
        .run()
        .expect("the build resumes");
    let took = started.elapsed();
    assert!(!build.join("added").exists(), "the resume left added files");
    took
}
