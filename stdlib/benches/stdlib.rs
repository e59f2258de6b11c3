//! The standard library against the tools stdenv uses, side by side.
//!
//! Run with `cargo bench -p phaser-stdlib`. It prints one table: for each
//! operation the median time of phaser's function (called by name through
//! `phaser_stdlib::registry()`, in a child process so its peak memory is
//! its own) and of the reference tool (a bash loop with `sed -i`,
//! `sed -i`, `tar xzf`, `cp -a`, GNU `patch`, `sha256sum`, `xargs gzip`), each run
//! on freshly generated inputs in a temporary directory. `ratio` is reference ÷
//! phaser: above 1 phaser is faster. `PHASER_BENCH_RUNS` sets the number
//! of runs (default 5; 3 for the slow shebang loop), `PHASER_BENCH_ONLY`
//! (function names, comma-separated) limits the operations measured, and
//! `PHASER_BENCH_CHILD_STDERR=1` shows the calls' log lines.
//!
//! phaser's time is the call alone, measured inside the child; a reference
//! tool's is its whole process (bash included), as a build would pay it.
//! Peak RSS is of the whole process: phaser's child (the bench binary with
//! the registry, a few MiB before the call) and `bash -c 'sed ...'`.
//!
//! The compressManPages row compresses the man pages `tests/fetch-man-pages`
//! prepares (in `PHASER_MAN_PAGE_CACHE`, else `<workspace>/.cache/man-pages`)
//! against one `gzip -f -n` per page on every core, as stdenv's hook runs
//! it; it runs 3 times at most.
//!
//! The unpack row uses `hello_2.10.orig.tar.gz` from `PHASER_SOURCE_CACHE`
//! (else `<workspace>/.cache/sources`) and says so when it had to generate
//! a similar tarball instead. A function missing from the registry is
//! reported as "not available". Each call tries argument shapes in order,
//! the way a binding passes them, until one is accepted:
//!
//! - `patchShebangs(dir)`: 2,500 rewritten files expected;
//! - `substituteInPlace(file, replaceFail: [from, to])`, then with
//!   `replaceFail: [[from, to]]`, then `(file, "--replace-fail", from, to)`:
//!   no placeholder may remain and the size must fit;
//! - `unpack(tarball)` in the destination directory, then
//!   `unpack(tarball, dest)`: every file of the tarball expected;
//! - `copy(src, dest)`: every file expected;
//! - `patch{patch, dir, flags: ["-p1"]}`: every file patched and backed up
//!   (each hunk is at an offset), against `patch -p1 < p.diff`;
//! - `hash(file)`: the result must contain the sha256 in hex or base64;
//! - `compressManPages(out)`: every page compressed.
//!
//! A call none of whose shapes fit, that fails, or whose result does not
//! check out is reported with the reason under the table.

#[path = "stdlib/inputs.rs"]
mod inputs;
#[path = "stdlib/man_pages.rs"]
mod man_pages;
#[path = "stdlib/measure.rs"]
mod measure;

use std::fs;
use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};

use measure::{Answer, Call, Run, Shape};

/// What one table row needs from an operation.
struct Spec<'a> {
    label: String,
    function: &'static str,
    runs: usize,
    target_ms: Option<f64>,
    /// Extra rows (peak memory) wanted for this operation.
    memory_target_mib: Option<f64>,
    reference_name: &'a str,
}

/// Medians (milliseconds) and peak memory (KiB) of one operation.
struct Outcome {
    phaser: Result<(f64, i64), String>,
    reference: (f64, i64),
    notes: Vec<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(measure::CHILD_FLAG) {
        measure::child_main(args.get(2).map(String::as_str).unwrap_or("{}"));
        return;
    }
    let runs: usize = std::env::var("PHASER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);
    let only = std::env::var("PHASER_BENCH_ONLY").unwrap_or_default();
    let wanted = |function: &str| only.is_empty() || only.split(',').any(|f| f == function);
    let work = tempfile::tempdir().expect("a temporary directory for the benchmark");
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    let spec = Spec {
        label: String::from("patchShebangs, 5,000 files (2,500 scripts)"),
        function: "patchShebangs",
        runs: runs.min(3),
        target_ms: Some(100.0),
        memory_target_mib: None,
        reference_name: "bash loop + sed -i",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, shebangs(&spec), &mut rows, &mut notes);
    }

    let spec = Spec {
        label: String::from("substituteInPlace, one string in 50 MiB"),
        function: "substituteInPlace",
        runs,
        target_ms: Some(100.0),
        memory_target_mib: Some(2.0 * (inputs::BIG >> 20) as f64),
        reference_name: "sed -i",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, substitute(&spec), &mut rows, &mut notes);
    }

    let (tarball, cached) = inputs::hello_tarball(work.path());
    let spec = Spec {
        label: if cached {
            String::from("unpack hello_2.10.orig.tar.gz")
        } else {
            String::from("unpack generated hello-like .tar.gz (hello_2.10.orig.tar.gz not cached)")
        },
        function: "unpack",
        runs,
        target_ms: None,
        memory_target_mib: None,
        reference_name: "tar xzf",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, unpack(&spec, &tarball), &mut rows, &mut notes);
    }

    let spec = Spec {
        label: String::from("copy of the unpacked tree"),
        function: "copy",
        runs,
        target_ms: None,
        memory_target_mib: None,
        reference_name: "cp -a",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, copy(&spec, &tarball), &mut rows, &mut notes);
    }

    let spec = Spec {
        label: format!(
            "patch -p1, {} files x {} hunks at an offset",
            inputs::PATCHED_FILES,
            inputs::HUNKS_PER_FILE
        ),
        function: "patch",
        runs,
        target_ms: None,
        memory_target_mib: None,
        reference_name: "GNU patch -p1 <",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, patch(&spec), &mut rows, &mut notes);
    }

    let spec = Spec {
        label: String::from("hash (sha256) of 50 MiB"),
        function: "hash",
        runs,
        target_ms: None,
        memory_target_mib: None,
        reference_name: "sha256sum",
    };
    if wanted(spec.function) {
        eprintln!("benchmarking {}...", spec.function);
        push(&spec, hash(&spec), &mut rows, &mut notes);
    }

    if wanted("compressManPages") {
        eprintln!("benchmarking compressManPages...");
        man_page_row(runs, &mut rows, &mut notes);
    }

    print_table(runs, &rows, &notes);
}

/// compressManPages on the Debian pages of `tests/fetch-man-pages`, or a
/// row saying they are missing.
fn man_page_row(runs: usize, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let Some(tree) = man_pages::source_tree() else {
        rows.push([
            String::from("compressManPages"),
            String::from("no pages"),
            String::from("-"),
            String::from("-"),
            String::from("-"),
        ]);
        notes.push(String::from(
            "compressManPages: run tests/fetch-man-pages to prepare the man pages it compresses",
        ));
        return;
    };
    let (pages, bytes) = man_pages::pages_in(&tree);
    let spec = Spec {
        label: format!(
            "compressManPages, {pages} Debian man pages ({:.0} MiB)",
            bytes as f64 / f64::from(1 << 20)
        ),
        function: "compressManPages",
        runs: runs.min(3),
        target_ms: None,
        memory_target_mib: None,
        reference_name: "xargs -P gzip -n",
    };
    push(&spec, man_pages::compress(&spec, &tree, pages), rows, notes);
}

/// Runs an operation `spec.runs` times. `prepare` makes a fresh input in
/// the directory it is given and returns what the other steps need.
fn measure<S>(
    spec: &Spec<'_>,
    prepare: impl Fn(&Path) -> S,
    call: impl Fn(&S) -> Call,
    check: impl Fn(&S, &Answer) -> Result<(), String>,
    reference: impl Fn(&S) -> Run,
) -> Outcome {
    let mut notes = Vec::new();
    let mut phaser_runs: Result<Vec<Run>, String> = if measure::available(spec.function) {
        Ok(Vec::new())
    } else {
        Err(String::from("not available"))
    };
    let mut reference_runs = Vec::new();
    for _ in 0..spec.runs {
        if let Ok(runs) = &mut phaser_runs {
            let dir = tempfile::tempdir().unwrap();
            let input = prepare(dir.path());
            let (answer, run) = measure::phaser(&call(&input));
            match &answer.error {
                Some(error) => notes.push(format!("{}: {error}", spec.function)),
                None => {
                    if let Err(problem) = check(&input, &answer) {
                        notes.push(format!(
                            "{}: result not as expected: {problem}",
                            spec.function
                        ));
                    }
                    runs.push(run);
                }
            }
            if answer.error.is_some() {
                phaser_runs = Err(String::from("failed (see note)"));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let input = prepare(dir.path());
        reference_runs.push(reference(&input));
    }
    notes.dedup();
    let summarize = |runs: &[Run]| {
        (
            measure::median(runs.iter().map(|r| r.ms).collect()),
            runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0),
        )
    };
    Outcome {
        phaser: phaser_runs.map(|runs| summarize(&runs)),
        reference: summarize(&reference_runs),
        notes,
    }
}

fn context_env() -> std::collections::BTreeMap<String, String> {
    [("PATH", "/usr/bin:/bin")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A call of `function` on the output directory `out` in `dir`.
fn call_on_output(function: &str, dir: &Path) -> Call {
    call(
        function,
        dir,
        vec![Shape::positional(vec![json!(dir.join("out"))])],
    )
}

fn call(function: &str, cwd: &Path, shapes: Vec<Shape>) -> Call {
    Call {
        function: function.to_string(),
        cwd: cwd.to_path_buf(),
        env: context_env(),
        shapes,
    }
}

/// The reference for patchShebangs: stdenv's loop, slimmed to its forks
/// (`type -P` in a subshell, `basename`, `sed -i`) without the mktemp/
/// cat/touch/stat it also runs per file.
const SHEBANG_LOOP: &str = r#"
export PATH=/usr/bin:/bin
find "$1" -type f -perm -0100 -print0 | while IFS= read -r -d '' f; do
  read -r -n 2 magic < "$f" || true
  [[ $magic == '#!' ]] || continue
  read -r line < "$f" || true
  read -r old arg0 args <<< "${line:2}"
  if [[ $old == */bin/env ]]; then
    new=$(type -P "$arg0" || true)
  else
    new=$(type -P "$(basename "$old")" || true)
    args="$arg0 $args"
  fi
  [[ -n $new && $new != "$old" ]] || continue
  line="$new $args"
  line=${line%${line##*[![:space:]]}}
  sed -i -e "1 s|.*|#!$line|" "$f"
done
"#;

fn shebangs(spec: &Spec<'_>) -> Outcome {
    measure(
        spec,
        |dir| {
            inputs::script_tree(&dir.join("out"), 5000);
            dir.to_path_buf()
        },
        |dir| call_on_output(spec.function, dir),
        |_, answer| match answer.result.as_array().map(Vec::len) {
            Some(2500) => Ok(()),
            other => Err(format!("{other:?} files rewritten, expected 2500")),
        },
        |dir| measure::reference(SHEBANG_LOOP, &[&dir.join("out")], dir),
    )
}

fn substitute(spec: &Spec<'_>) -> Outcome {
    let (from, to) = (inputs::PLACEHOLDER, inputs::REPLACEMENT);
    measure(
        spec,
        |dir| {
            let file = dir.join("big.txt");
            let count = inputs::text_file(&file);
            (file, count)
        },
        |(file, _)| {
            let path = json!(file);
            call(
                spec.function,
                file.parent().unwrap(),
                vec![
                    Shape::with_named(vec![path.clone()], json!({"replaceFail": [from, to]})),
                    Shape::with_named(vec![path.clone()], json!({"replaceFail": [[from, to]]})),
                    Shape::positional(vec![path, json!("--replace-fail"), json!(from), json!(to)]),
                ],
            )
        },
        |(file, count), _| {
            let data = fs::read(file).map_err(|e| e.to_string())?;
            let expected =
                (inputs::BIG / (64 << 10)) * (64 << 10) + count * (to.len() - from.len());
            if memchr::memmem::find(&data, from.as_bytes()).is_some() {
                return Err(String::from("the placeholder is still there"));
            }
            if data.len() < expected - (64 << 10) || data.len() > expected + (64 << 10) {
                return Err(format!(
                    "{} bytes after, expected about {expected}",
                    data.len()
                ));
            }
            Ok(())
        },
        |(file, _)| {
            let script = format!("sed -i 's|{from}|{to}|g' \"$1\"");
            measure::reference(&script, &[file], file.parent().unwrap())
        },
    )
}

/// Files in `tarball`, counted once by unpacking it with tar.
fn files_in(tarball: &Path) -> usize {
    let dir = tempfile::tempdir().unwrap();
    measure::reference("tar xzf \"$1\"", &[tarball], dir.path());
    inputs::count_files(dir.path())
}

fn unpack(spec: &Spec<'_>, tarball: &Path) -> Outcome {
    let expected = files_in(tarball);
    measure(
        spec,
        |dir| dir.to_path_buf(),
        |dir| {
            call(
                spec.function,
                dir,
                vec![
                    Shape::positional(vec![json!(tarball)]),
                    Shape::positional(vec![json!(tarball), json!(dir)]),
                ],
            )
        },
        |dir, _| match inputs::count_files(dir) {
            n if n == expected => Ok(()),
            n => Err(format!("{n} files unpacked, expected {expected}")),
        },
        |dir| measure::reference("tar xzf \"$1\"", &[tarball], dir),
    )
}

fn copy(spec: &Spec<'_>, tarball: &Path) -> Outcome {
    let expected = files_in(tarball);
    measure(
        spec,
        |dir| {
            let src = dir.join("src");
            fs::create_dir_all(&src).unwrap();
            measure::reference("tar xzf \"$1\"", &[tarball], &src);
            let tree = fs::read_dir(&src).unwrap().next().unwrap().unwrap().path();
            (dir.to_path_buf(), tree, dir.join("copied"))
        },
        |(dir, tree, dest)| {
            call(
                spec.function,
                dir,
                vec![Shape::positional(vec![json!(tree), json!(dest)])],
            )
        },
        |(_, _, dest), _| match inputs::count_files(dest) {
            n if n == expected => Ok(()),
            n => Err(format!("{n} files copied, expected {expected}")),
        },
        |(dir, tree, dest)| measure::reference("cp -a \"$1\" \"$2\"", &[tree, dest], dir),
    )
}

/// `patch` as stdenv's patchPhase calls it (`flags: ["-p1"]`, GNU patch's
/// defaults, backups included) against `patch -p1 < p.diff`.
fn patch(spec: &Spec<'_>) -> Outcome {
    measure(
        spec,
        |dir| (dir.to_path_buf(), inputs::patch_tree(dir)),
        |(dir, tree)| {
            call(
                spec.function,
                dir,
                vec![Shape::with_named(
                    vec![],
                    json!({
                        "patch": dir.join("p.diff"),
                        "dir": tree,
                        "flags": ["-p1"],
                    }),
                )],
            )
        },
        |_, answer| {
            let files = answer.result["files"].as_array().map_or(0, Vec::len);
            let backups = answer.result["files"].as_array().map_or(0, |f| {
                f.iter().filter(|f| f.get("backup").is_some()).count()
            });
            match (files, backups) {
                (inputs::PATCHED_FILES, inputs::PATCHED_FILES) => Ok(()),
                _ => Err(format!(
                    "{files} files patched and {backups} backed up, expected {} of each",
                    inputs::PATCHED_FILES
                )),
            }
        },
        |(dir, tree)| measure::reference("patch -s -p1 < \"$1\"", &[&dir.join("p.diff")], tree),
    )
}

fn hash(spec: &Spec<'_>) -> Outcome {
    let digest: Option<(String, String)> = None;
    let expected = std::cell::RefCell::new(digest);
    measure(
        spec,
        |dir| {
            let file = dir.join("big.bin");
            inputs::binary_file(&file);
            file
        },
        |file| {
            call(
                spec.function,
                file.parent().unwrap(),
                vec![Shape::positional(vec![json!(file)])],
            )
        },
        |file, answer| {
            let mut expected = expected.borrow_mut();
            let (hex, base64) = expected.get_or_insert_with(|| {
                let sum = Sha256::digest(fs::read(file).unwrap());
                (hex_string(&sum), base64_string(&sum))
            });
            let text = answer.result.to_string();
            if text.contains(hex.as_str()) || text.contains(base64.as_str()) {
                Ok(())
            } else {
                Err(format!("{text} does not contain the sha256 {hex}"))
            }
        },
        |file| measure::reference("sha256sum \"$1\"", &[file], file.parent().unwrap()),
    )
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_string(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | b as u32) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

type Row = [String; 5];

fn push(spec: &Spec<'_>, outcome: Outcome, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let (reference_ms, reference_kib) = outcome.reference;
    let reference = format!("{reference_ms:.1} ({})", spec.reference_name);
    let row = match &outcome.phaser {
        Ok((ms, _)) => [
            spec.label.clone(),
            format!("{ms:.1}"),
            reference,
            format!("{:.1}x", reference_ms / ms),
            target_text(spec.target_ms.map(|t| (t, *ms <= t)), "ms"),
        ],
        Err(why) => [
            spec.label.clone(),
            why.clone(),
            reference,
            String::from("-"),
            untested(spec.target_ms, "ms"),
        ],
    };
    rows.push(row);
    if let Some(limit) = spec.memory_target_mib {
        let reference = format!("{:.1} ({})", mib(reference_kib), spec.reference_name);
        let (phaser, target) = match &outcome.phaser {
            Ok((_, kib)) => (
                format!("{:.1}", mib(*kib)),
                target_text(Some((limit, mib(*kib) <= limit)), "MiB"),
            ),
            Err(why) => (why.clone(), untested(Some(limit), "MiB")),
        };
        rows.push([
            format!("  {} peak RSS (MiB, whole process)", spec.function),
            phaser,
            reference,
            String::from("-"),
            target,
        ]);
    }
    notes.extend(outcome.notes);
}

fn mib(kib: i64) -> f64 {
    kib as f64 / 1024.0
}

fn target_text(target: Option<(f64, bool)>, unit: &str) -> String {
    match target {
        Some((limit, true)) => format!("<= {limit:.0} {unit}: met"),
        Some((limit, false)) => format!("<= {limit:.0} {unit}: MISSED"),
        None => String::from("-"),
    }
}

/// The target of an operation phaser could not run.
fn untested(limit: Option<f64>, unit: &str) -> String {
    match limit {
        Some(limit) => format!("<= {limit:.0} {unit}: untested"),
        None => String::from("-"),
    }
}

fn print_table(runs: usize, rows: &[Row], notes: &[String]) {
    let header: Row = [
        String::from("operation"),
        String::from("phaser (ms)"),
        String::from("reference tool (ms)"),
        String::from("ratio"),
        String::from("target"),
    ];
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: &Row| {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 0 || i == 4 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        format!("| {} |", cells.join(" | "))
    };
    println!(
        "\nphaser-stdlib benchmark: medians of {runs} runs (patchShebangs, compressManPages: {}), fresh inputs each run; ratio = reference / phaser",
        runs.min(3)
    );
    println!("{}", line(&header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    println!("|-{}-|", rule.join("-|-"));
    for row in rows {
        println!("{}", line(row));
    }
    for note in notes {
        println!("  note: {note}");
    }
}
