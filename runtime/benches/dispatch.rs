//! How much a phase costs when it does nothing: the price of the protocol.
//!
//! `cargo bench -p phaser --bench dispatch` prints one table:
//!
//! 1. per-phase dispatch through `Interpreters::run` for each interpreter,
//!    with a ~10 KB `state` in the input and a no-op script that answers a
//!    small state change (bash both in a subshell of the build's one bash
//!    and in a bash of its own);
//! 2. the whole-process wall time of `phaser run` on an 8-phase no-op plan
//!    in Rhai, in Lua and in bash, and in bash with a `preX`/`postX` bash
//!    hook on every phase (the release binary, spawned afresh each time
//!    with a fresh build directory), with events written, and 8 bash
//!    phases writing 100 MB through the output capture into their logs.
//!
//! Every figure is the median (and 90th percentile) of many timed runs after
//! a warm-up; the target column says what we aim for. Beside them, the CPU
//! time per run: on a busy machine wall times wander, CPU time much less.
//! A few extra rows show where the time goes (engine construction, the
//! state file). Build and scratch directories are made under `TMPDIR`;
//! `TMPDIR=/dev/shm cargo bench ...` takes the disk out of the figures.
//!
//! A plain `main` (`harness = false`), no benchmarking framework. Run by
//! `cargo test --benches` (no `--bench` argument), it does every case once,
//! as a smoke test, and prints no table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use phaser::interpreters::{
    Interpreters, Invocation, Language, Paths, PhaseInfo, PhaseInput, Script, ScriptSource,
    Settings,
};
use phaser::{BuildState, STATE_VERSION};
use serde_json::{json, Map, Value};

mod measure;
use measure::{cpu_time, measure, ms, phaser_exe, smoke_test, Stats};

/// One row of the table.
struct Row {
    what: String,
    stats: Stats,
    /// The target in ms, if there is one.
    target: Option<f64>,
}

/// ~10 KB of state, as a real build's merged answers might hold: 100 keys,
/// strings and lists of strings.
fn big_state() -> Map<String, Value> {
    let mut state = Map::new();
    for i in 0..100 {
        let value = if i % 2 == 0 {
            json!(format!(
                "/nix/store/{i:032}-some-dependency-{i}-1.2.3/lib/pkgconfig:/nix/store/{i:032}-dev/share"
            ))
        } else {
            json!([
                format!("--with-feature-{i}"),
                format!("--enable-option-{i}=yes"),
                format!("-DSOMETHING_{i}=1"),
            ])
        };
        state.insert(format!("key{i:03}"), value);
    }
    state
}

fn phase_input(dir: &Path) -> PhaseInput {
    let out = dir.join("out").display().to_string();
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
    );
    env.insert("HOME".into(), "/homeless-shelter".into());
    env.insert("NIX_BUILD_CORES".into(), "2".into());
    env.insert("NIX_BUILD_TOP".into(), dir.display().to_string());
    env.insert("TMPDIR".into(), dir.display().to_string());
    env.insert("out".into(), out.clone());
    let attrs = json!({
        "pname": "hello",
        "version": "2.12",
        "configureFlags": ["--disable-nls", "--with-x"],
        "doCheck": true,
    });
    PhaseInput {
        phase: PhaseInfo {
            name: "build".into(),
            index: 3,
            hook: None,
        },
        attrs: attrs.as_object().cloned().unwrap_or_default(),
        outputs: BTreeMap::from([("out".to_string(), out)]),
        state: big_state(),
        env,
        paths: Paths {
            build_top: dir.to_path_buf(),
            source_root: None,
            cwd: dir.to_path_buf(),
        },
    }
}

fn dispatch_rows(phaser: &Path, rows: &mut Vec<Row>) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    let roots = vec![dir.path().to_path_buf()];
    let input = phase_input(dir.path());
    let state_bytes = serde_json::to_vec(&Value::Object(input.state.clone()))
        .unwrap()
        .len();
    let groups = phaser::stdlib::ProcessGroups::new();
    let invocation = Invocation {
        label: "build",
        roots: &roots,
        scratch: scratch.path(),
        groups: &groups,
    };
    let interpreters = Interpreters::new(Settings::new(phaser));
    let argv = |words: &[&str]| Script {
        language: Language::Exec,
        source: ScriptSource::Argv(words.iter().map(|w| w.to_string()).collect()),
        name: "bench".into(),
    };
    let cases: Vec<(&str, Script, usize, usize, Option<f64>)> = vec![
        (
            "rhai    #{state: #{n: 1}}",
            Script::inline(Language::Rhai, "#{state: #{n: 1}}", "bench.rhai"),
            200,
            3000,
            Some(0.15),
        ),
        (
            "lua     return {state = {n = 1}}",
            Script::inline(Language::Lua, "return {state = {n = 1}}", "bench.lua"),
            200,
            3000,
            Some(0.15),
        ),
        (
            "bash    :  (a subshell of the build's one bash)",
            Script::inline(Language::Bash, ":", "bench.sh"),
            20,
            1000,
            Some(1.0),
        ),
        (
            r#"exec    sh -c 'cat >/dev/null; echo {"state":{"n":1}}'"#,
            argv(&["sh", "-c", "cat >/dev/null; echo '{\"state\":{\"n\":1}}'"]),
            20,
            500,
            Some(1.5),
        ),
        (
            "exec    /bin/true (lower bound)",
            argv(&["/bin/true"]),
            20,
            500,
            None,
        ),
    ];
    for (what, script, warmup, runs, target) in cases {
        // Fail loudly rather than time an error path.
        interpreters
            .run(&script, &input, &invocation)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut stats = measure(warmup, runs, || {
            interpreters.run(&script, &input, &invocation).unwrap();
        });
        if script.language == Language::Bash && !smoke_test() {
            // The long-lived bash's CPU time (its subshells') is counted
            // only once it is reaped, when its interpreters drop: measure
            // it on a set of its own, its start included.
            let before = cpu_time();
            let own = Interpreters::new(Settings::new(phaser));
            for _ in 0..runs {
                own.run(&script, &input, &invocation).unwrap();
            }
            drop(own);
            stats.cpu = (cpu_time() - before) / runs as u32;
        }
        rows.push(Row {
            what: format!("phase  {what}"),
            stats,
            target,
        });
    }
    // The same bash phase in a bash of its own, as before the long-lived
    // bash (and still for a phase whose environment needs a fresh bash).
    let mut fresh = Settings::new(phaser);
    fresh.one_bash_per_build = false;
    let fresh = Interpreters::new(fresh);
    let script = Script::inline(Language::Bash, ":", "bench.sh");
    rows.push(Row {
        what: "phase  bash    :  (a bash of its own)".into(),
        stats: measure(20, 300, || {
            fresh.run(&script, &input, &invocation).unwrap();
        }),
        target: None,
    });
    // What the first bash phase pays once per build on top: starting the
    // long-lived bash and sourcing the prelude.
    rows.push(Row {
        what: "once   bash    start + first phase".into(),
        stats: measure(5, 100, || {
            Interpreters::new(Settings::new(phaser))
                .run(&script, &input, &invocation)
                .unwrap();
        }),
        target: None,
    });

    // What the first phase of a language pays once per process on top.
    for (what, script) in [
        (
            "rhai    engine construction + first phase",
            Script::inline(Language::Rhai, "#{state: #{n: 1}}", "bench.rhai"),
        ),
        (
            "lua     state construction + first phase",
            Script::inline(Language::Lua, "return {state = {n = 1}}", "bench.lua"),
        ),
    ] {
        let stats = measure(5, 100, || {
            Interpreters::new(Settings::new(phaser))
                .run(&script, &input, &invocation)
                .unwrap();
        });
        rows.push(Row {
            what: format!("once   {what}"),
            stats,
            target: None,
        });
    }

    // What the runner adds per phase: the state file, rewritten atomically.
    let build_top = tempfile::tempdir().expect("tempdir");
    let build_state = BuildState {
        version: STATE_VERSION,
        plan_hash: "0".repeat(64),
        completed: vec!["unpack".into(), "patch".into()],
        state: input.state.clone(),
        env: input.env.clone(),
        attrs: input.attrs.clone(),
        outputs: input.outputs.clone(),
        cwd: build_top.path().to_path_buf(),
        plan_digest: Default::default(),
        tree: Default::default(),
    };
    let stats = measure(20, 1000, || build_state.write(build_top.path()).unwrap());
    rows.push(Row {
        what: "runner  state file write, atomic (after every phase)".into(),
        stats,
        target: None,
    });
    state_bytes
}

/// Writes the 8-phase no-op plan in `language` with body `body`; with
/// `hooks`, each phase also has a `preX` and a `postX` bash string, the
/// shape of a package ported from nixpkgs.
fn write_plan(dir: &Path, language: &str, body: &str, hooks: bool) -> PathBuf {
    let names: Vec<String> = (1..=8).map(|i| format!("p{i}")).collect();
    let mut phases = Map::new();
    for name in &names {
        phases.insert(name.clone(), json!({ language: body }));
    }
    let mut plan = json!({
        "pname": "noop",
        "version": "1",
        "phases": names,
        "phaser": {"phases": phases},
    });
    if hooks {
        for i in 1..=8 {
            plan[format!("preP{i}")] = json!(":");
            plan[format!("postP{i}")] = json!(":");
        }
    }
    let suffix = if hooks { "-hooks" } else { "" };
    let path = dir.join(format!("noop-{language}{suffix}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
    path
}

/// Times `phaser run PLAN` with a fresh build directory under `parent` each
/// time, `extra` added to its arguments.
fn time_plan(
    phaser: &Path,
    plan: &Path,
    parent: &Path,
    (warmup, runs): (usize, usize),
    extra: &[&str],
) -> Stats {
    let out = parent.join("out");
    let mut serial = 0;
    measure(warmup, runs, || {
        serial += 1;
        let build = parent.join(format!("build-{serial}"));
        let status = Command::new(phaser)
            .arg("run")
            .arg(plan)
            .arg("--build-dir")
            .arg(&build)
            .arg("--out-dir")
            .arg(&out)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("spawning phaser");
        assert!(status.success(), "phaser run {} failed", plan.display());
    })
}

fn whole_process_rows(phaser: &Path, rows: &mut Vec<Row>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("rhai", "#{}", false, Some(3.0)),
        ("lua", "return {}", false, Some(3.0)),
        ("bash", ":", false, None),
        ("bash", ":", true, Some(10.0)),
    ];
    for (language, body, hooks, target) in cases {
        let plan = write_plan(dir.path(), language, body, hooks);
        let parent = dir.path().join(format!("{language}-{hooks}"));
        let with = if hooks {
            ", each with bash preX/postX"
        } else {
            ""
        };
        rows.push(Row {
            what: format!("process  phaser run: 8 no-op {language} phases{with}"),
            stats: time_plan(phaser, &plan, &parent, (10, 100), &[]),
            target,
        });
    }
    // The output capture: every event of a run written, and a build that
    // writes 100 MB (8 phases of 12.5 MB lines), copied to the terminal
    // (here /dev/null) and the phases' logs.
    let plan = write_plan(dir.path(), "rhai", "#{}", false);
    let events = dir.path().join("events.jsonl");
    rows.push(Row {
        what: "process  ... rhai, --events FILE".into(),
        stats: time_plan(
            phaser,
            &plan,
            &dir.path().join("events"),
            (10, 100),
            &["--events", &events.display().to_string()],
        ),
        target: None,
    });
    let loud = dir.path().join("loud");
    std::fs::create_dir_all(&loud).expect("creating a directory");
    let body = "head -c 12500000 /dev/zero | tr '\\0' x | fold -w 99";
    let plan = write_plan(&loud, "bash", body, false);
    rows.push(Row {
        what: "process  phaser run: 8 bash phases writing 100 MB".into(),
        stats: time_plan(phaser, &plan, &loud, (1, 5), &[]),
        target: None,
    });
    // The same with the build directory in memory: what the disk adds
    // (creating a file costs some file systems far more than others).
    let in_memory = tempfile::tempdir_in("/dev/shm").ok();
    if let Some(shm) = in_memory.filter(|_| !dir.path().starts_with("/dev/shm")) {
        for (language, body) in [("rhai", "#{}"), ("lua", "return {}")] {
            let plan = write_plan(dir.path(), language, body, false);
            let parent = shm.path().join(language);
            rows.push(Row {
                what: format!("process  ... {language}, build dir in /dev/shm"),
                stats: time_plan(phaser, &plan, &parent, (10, 100), &[]),
                target: None,
            });
        }
    }
    // The floor under every whole-process figure: starting the binary.
    let stats = measure(10, 100, || {
        let status = Command::new(phaser)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("spawning phaser");
        assert!(status.success());
    });
    rows.push(Row {
        what: "process  phaser --version (start-up floor)".into(),
        stats,
        target: None,
    });
}

fn print_table(rows: &[Row], state_bytes: usize) {
    if smoke_test() {
        println!("dispatch: every case ran once (smoke test); `cargo bench -p phaser --bench dispatch` prints the table");
        return;
    }
    let width = rows.iter().map(|r| r.what.len()).max().unwrap_or(0);
    println!();
    println!(
        "phaser dispatch benchmark: per-phase input carries a {:.1} KB state; times in ms",
        state_bytes as f64 / 1024.0
    );
    println!(
        "median, p90: wall time per run; cpu/run: user+system time of this process and its children, mean"
    );
    println!(
        "(wall time well above cpu/run is waiting: a busy machine or disk, not phaser's work)"
    );
    println!();
    println!(
        "{:<width$}  {:>8}  {:>8}  {:>8}  {:>5}  target",
        "what", "median", "p90", "cpu/run", "runs"
    );
    println!(
        "{}",
        "-".repeat(width + 2 + 8 + 2 + 8 + 2 + 8 + 2 + 5 + 2 + 15)
    );
    for row in rows {
        let target = match row.target {
            Some(t) if ms(row.stats.median) <= t => format!("<= {t:<5} ok"),
            Some(t) => format!("<= {t:<5} MISSED"),
            None => String::from("-"),
        };
        println!(
            "{:<width$}  {:>8.3}  {:>8.3}  {:>8.3}  {:>5}  {}",
            row.what,
            ms(row.stats.median),
            ms(row.stats.p90),
            ms(row.stats.cpu),
            row.stats.runs,
            target
        );
    }
    println!();
    println!(
        "reference, not measured by this benchmark: nixpkgs' bash stdenv takes 85–105 ms for the same trivial build (issue 14's figure)"
    );
}

fn main() {
    // `cargo bench` passes `--bench` (see `smoke_test`). A filter argument
    // is ignored: the table is always the whole table.
    let phaser = phaser_exe();
    let mut rows = Vec::new();
    let state_bytes = dispatch_rows(&phaser, &mut rows);
    whole_process_rows(&phaser, &mut rows);
    print_table(&rows, state_bytes);
}
