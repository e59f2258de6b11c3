//! The stdenv contract (tests/contract/): plans whose expected results were
//! produced by nixpkgs' own `pkgs/stdenv/generic/setup.sh` and default setup
//! hooks (an oracle kept outside the repository; tests/contract/README.md).
//!
//! A case is a directory holding `plan.json`, optionally `tree.sh` (run
//! there first, it generates the sources) and fixture files. [`run_case`]
//! runs it through `phaser run` (or, with `PHASER_CONTRACT_ORACLE` naming
//! the oracle's `stdenv-build`, through the oracle: how a maintainer checks
//! that an expectation holds under the real setup.sh), and gives the output
//! trees with the paths that differ between runs replaced by placeholders:
//! `@@out:NAME@@` for an output, `@@in:FILE@@` for a file the plan names
//! (`src`, `srcs`, `patches`, `setupHook`), `@@build@@` for the build
//! directory.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The `PATH` phaser runs cases with: Debian's tools, as the oracle's stdenv
/// has them (its initialPath is /usr/bin).
pub const CASE_PATH: &str = "/usr/bin:/bin";

/// Attributes naming files relative to the plan.
const FILE_ATTRIBUTES: [&str; 4] = ["src", "srcs", "patches", "setupHook"];

/// One run of a case.
pub struct Run {
    /// The builder's exit status (0: success).
    pub status: i32,
    /// Everything the build printed.
    pub log: String,
    /// Holds `<output name>/...`, normalized.
    pub outputs: PathBuf,
    /// Keeps the temporary directory alive.
    _dir: tempfile::TempDir,
}

impl Run {
    /// The normalized output tree named `name`.
    pub fn output(&self, name: &str) -> PathBuf {
        self.outputs.join(name)
    }

    /// The manifest of every output the run left, by output name.
    pub fn manifests(&self) -> BTreeMap<String, BTreeMap<String, Value>> {
        let mut all = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(&self.outputs) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                all.insert(name, manifest(&entry.path()));
            }
        }
        all
    }

    /// A failure message with the status and the end of the log.
    pub fn describe(&self) -> String {
        let lines: Vec<&str> = self.log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(40)..];
        format!(
            "exit status {}\n--- log (last lines)\n{}",
            self.status,
            tail.join("\n")
        )
    }
}

/// The directory of the contract cases and expectations.
pub fn contract_dir() -> PathBuf {
    crate::workspace_root().join("tests/contract")
}

/// Runs the case in `case_dir` (see the module documentation).
pub fn run_case(case_dir: &Path) -> Run {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let work = dir.path().join("case");
    copy_dir(case_dir, &work);
    if work.join("tree.sh").exists() {
        let out = Command::new("bash")
            .arg("tree.sh")
            .current_dir(&work)
            .env("PATH", CASE_PATH)
            .env("CONTRACT_TREE_LIB", contract_dir().join("tree-lib.sh"))
            .output()
            .expect("running bash tree.sh");
        assert!(
            out.status.success(),
            "{}/tree.sh failed: {}",
            case_dir.display(),
            crate::describe(&out)
        );
    }
    let plan = work.join("plan.json");
    let outputs = dir.path().join("outputs");
    let (status, log) = match std::env::var_os("PHASER_CONTRACT_ORACLE") {
        Some(oracle) => run_oracle(Path::new(&oracle), &plan, &outputs),
        None => run_phaser(&plan, dir.path(), &outputs),
    };
    Run {
        status,
        log,
        outputs,
        _dir: dir,
    }
}

fn run_oracle(oracle: &Path, plan: &Path, outputs: &Path) -> (i32, String) {
    let out = Command::new(oracle)
        .arg(plan)
        .arg(outputs)
        .output()
        .expect("running the oracle named by PHASER_CONTRACT_ORACLE");
    let status = out.status.code().unwrap_or(-1);
    assert!(
        status != 125,
        "the oracle could not run {}: {}",
        plan.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn run_phaser(plan: &Path, dir: &Path, outputs: &Path) -> (i32, String) {
    let build = dir.join("build");
    let raw = dir.join("raw");
    // The oracle's stdenv runs the host's gcc as it is, with no cc-wrapper,
    // so phaser runs without its compiler wrapper too (its flags would be
    // in the debug info's DW_AT_producer).
    let mut unwrapped: Value =
        serde_json::from_slice(&std::fs::read(plan).expect("reading plan.json"))
            .expect("plan.json is JSON");
    unwrapped["phaser"]["compilerWrapper"] = Value::Bool(false);
    let run_plan = plan.with_file_name("plan.unwrapped.json");
    std::fs::write(&run_plan, unwrapped.to_string()).expect("writing the plan phaser runs");
    let out = Command::new(crate::phaser_bin())
        .arg("run")
        .arg(&run_plan)
        .arg("--build-dir")
        .arg(&build)
        .arg("--out-dir")
        .arg(&raw)
        .env("PATH", CASE_PATH)
        .env("NO_COLOR", "1")
        .env_remove("NIX_BUILD_CORES")
        .output()
        .expect("running phaser");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let plan_value: Value =
        serde_json::from_slice(&std::fs::read(plan).expect("reading plan.json"))
            .expect("plan.json is JSON");
    let mut pairs = Vec::new();
    for name in output_names(&plan_value) {
        pairs.push((
            raw.join(&name).display().to_string(),
            format!("@@out:{name}@@"),
        ));
    }
    for file in input_files(&plan_value, plan.parent().unwrap()) {
        let base = file.file_name().unwrap().to_string_lossy().into_owned();
        pairs.push((file.display().to_string(), format!("@@in:{base}@@")));
    }
    pairs.push((build.display().to_string(), "@@build@@".to_string()));
    pairs.sort_by_key(|(literal, _)| std::cmp::Reverse(literal.len()));
    std::fs::create_dir_all(outputs).expect("creating the outputs directory");
    if let Ok(entries) = std::fs::read_dir(&raw) {
        for entry in entries.flatten() {
            copy_normalized(&entry.path(), &outputs.join(entry.file_name()), &pairs);
        }
    }
    (out.status.code().unwrap_or(-1), log)
}

/// The plan's output names (`outputs`, default `out`).
pub fn output_names(plan: &Value) -> Vec<String> {
    match plan.get("outputs") {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        _ => vec!["out".to_string()],
    }
}

fn input_files(plan: &Value, dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for key in FILE_ATTRIBUTES {
        let values = match plan.get(key) {
            Some(Value::Array(items)) => items.clone(),
            Some(v) => vec![v.clone()],
            None => continue,
        };
        for v in values {
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                let path = dir.join(s);
                if path.exists() {
                    files.push(path);
                }
            }
        }
    }
    files
}

fn replace_all(mut data: Vec<u8>, pairs: &[(String, String)]) -> Vec<u8> {
    for (literal, placeholder) in pairs {
        let literal = literal.as_bytes();
        if literal.is_empty() {
            continue;
        }
        let mut out = Vec::with_capacity(data.len());
        let mut i = 0;
        while i < data.len() {
            if data[i..].starts_with(literal) {
                out.extend_from_slice(placeholder.as_bytes());
                i += literal.len();
            } else {
                out.push(data[i]);
                i += 1;
            }
        }
        data = out;
    }
    data
}

fn copy_normalized(src: &Path, dst: &Path, pairs: &[(String, String)]) {
    use std::os::unix::ffi::OsStrExt;
    let meta = std::fs::symlink_metadata(src).expect("stat");
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(src).expect("readlink");
        let target = replace_all(target.as_os_str().as_bytes().to_vec(), pairs);
        std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), dst)
            .expect("creating a symlink");
    } else if meta.is_dir() {
        std::fs::create_dir_all(dst).expect("creating a directory");
        for entry in std::fs::read_dir(src)
            .expect("reading a directory")
            .flatten()
        {
            copy_normalized(&entry.path(), &dst.join(entry.file_name()), pairs);
        }
        std::fs::set_permissions(dst, meta.permissions()).expect("chmod");
    } else {
        let data = replace_all(std::fs::read(src).expect("reading a file"), pairs);
        std::fs::write(dst, data).expect("writing a file");
        std::fs::set_permissions(dst, meta.permissions()).expect("chmod");
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("creating a directory");
    for entry in std::fs::read_dir(src)
        .expect("reading a case directory")
        .flatten()
    {
        let path = entry.path();
        let to = dst.join(entry.file_name());
        let meta = std::fs::symlink_metadata(&path).expect("stat");
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&path).unwrap(), &to).unwrap();
        } else if meta.is_dir() {
            copy_dir(&path, &to);
        } else {
            std::fs::copy(&path, &to).expect("copying a case file");
        }
    }
}

/// The tree under `root` as relative path (`.` for the root) -> entry:
/// `type` (file, dir, symlink), `mode` (octal), `size`, `sha256` and (small
/// UTF-8 files) `text`, or `target`. The same shape the oracle's
/// `stdenv-build --manifest` writes.
pub fn manifest(root: &Path) -> BTreeMap<String, Value> {
    let mut entries = BTreeMap::new();
    walk(root, ".", &mut entries);
    entries
}

fn walk(path: &Path, rel: &str, entries: &mut BTreeMap<String, Value>) {
    let meta = std::fs::symlink_metadata(path).expect("stat");
    let mode = format!("{:04o}", meta.permissions().mode() & 0o7777);
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).unwrap().display().to_string();
        entries.insert(rel.into(), json!({"type": "symlink", "target": target}));
    } else if meta.is_dir() {
        entries.insert(rel.into(), json!({"type": "dir", "mode": mode}));
        let mut names: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let child = if rel == "." {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            walk(&path.join(&name), &child, entries);
        }
    } else {
        let data = std::fs::read(path).unwrap();
        let mut entry = Map::new();
        entry.insert("type".into(), json!("file"));
        entry.insert("mode".into(), json!(mode));
        entry.insert("size".into(), json!(data.len()));
        entry.insert(
            "sha256".into(),
            json!(format!("{:x}", Sha256::digest(&data))),
        );
        if data.len() <= 4096 {
            if let Ok(text) = std::str::from_utf8(&data) {
                entry.insert("text".into(), json!(text));
            }
        }
        entries.insert(rel.into(), Value::Object(entry));
    }
}

/// The differences between a run and an oracle result (`expected.json`:
/// `status` and `outputs`), one line each. The outputs of a build that
/// fails are not compared: Nix discards them, only the status counts.
pub fn compare_result(expected: &Value, run: &Run) -> Vec<String> {
    let mut diffs = Vec::new();
    let status = expected["status"].as_i64().unwrap_or(0);
    if i64::from(run.status) != status {
        diffs.push(format!("exit status {}, expected {status}", run.status));
    }
    if status == 0 {
        let outputs = expected["outputs"].as_object().cloned().unwrap_or_default();
        diffs.extend(compare_outputs(&outputs, &run.manifests()));
    }
    diffs
}

/// The differences between an expected manifest (from the oracle) and a
/// run's, one line each, contents shown as the first differing line.
pub fn compare_outputs(
    expected: &Map<String, Value>,
    got: &BTreeMap<String, BTreeMap<String, Value>>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for (name, want) in expected {
        let Some(have) = got.get(name) else {
            diffs.push(format!("output {name}: missing"));
            continue;
        };
        let want = want.as_object().cloned().unwrap_or_default();
        for (path, w) in &want {
            let at = format!("{name}/{path}");
            match have.get(path) {
                None => diffs.push(format!("{at}: missing ({})", kind(w))),
                Some(h) => diffs.extend(compare_entry(&at, w, h)),
            }
        }
        for (path, h) in have {
            if !want.contains_key(path) {
                diffs.push(format!("{name}/{path}: not expected ({})", kind(h)));
            }
        }
    }
    for name in got.keys() {
        if !expected.contains_key(name) {
            diffs.push(format!("output {name}: not expected"));
        }
    }
    diffs
}

fn kind(entry: &Value) -> &str {
    entry["type"].as_str().unwrap_or("?")
}

fn compare_entry(at: &str, want: &Value, have: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    if kind(want) != kind(have) {
        diffs.push(format!("{at}: a {}, expected a {}", kind(have), kind(want)));
        return diffs;
    }
    if kind(want) == "symlink" {
        if want["target"] != have["target"] {
            diffs.push(format!(
                "{at}: symlink to {}, expected {}",
                have["target"], want["target"]
            ));
        }
        return diffs;
    }
    if want["mode"] != have["mode"] {
        diffs.push(format!(
            "{at}: mode {}, expected {}",
            have["mode"].as_str().unwrap_or("?"),
            want["mode"].as_str().unwrap_or("?")
        ));
    }
    if kind(want) == "file" && want["sha256"] != have["sha256"] {
        let detail = match (want["text"].as_str(), have["text"].as_str()) {
            (Some(w), Some(h)) => first_difference(w, h),
            _ => format!("{} bytes, expected {}", have["size"], want["size"]),
        };
        diffs.push(format!("{at}: contents differ: {detail}"));
    }
    diffs
}

fn first_difference(want: &str, have: &str) -> String {
    let (w, h): (Vec<&str>, Vec<&str>) = (want.lines().collect(), have.lines().collect());
    for i in 0..w.len().max(h.len()) {
        let (a, b) = (w.get(i), h.get(i));
        if a != b {
            return format!(
                "line {}: {:?}, expected {:?}",
                i + 1,
                b.copied().unwrap_or("<end>"),
                a.copied().unwrap_or("<end>")
            );
        }
    }
    "only line endings differ".into()
}

/// Checks a run against a hand-written expectation (`expect.json` of the
/// nixpkgs test ports and behaviour tests): `status`, `log` (substrings
/// the log must contain; `{N}` in one stands for a decimal number),
/// `logAbsent`, and `files` by `<output>/<path>`
/// with any of `text`, `firstLine`, `contains`, `mode`, `type`, `target`,
/// `absent`. Returns what does not hold.
pub fn check_expectation(run: &Run, expect: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(status) = expect.get("status").and_then(Value::as_i64) {
        if i64::from(run.status) != status {
            problems.push(format!("exit status {}, expected {status}", run.status));
        }
    }
    for needle in strings(expect.get("log")) {
        if !log_contains(&run.log, &needle) {
            problems.push(format!("the log lacks {needle:?}"));
        }
    }
    for needle in strings(expect.get("logAbsent")) {
        if run.log.contains(&needle) {
            problems.push(format!("the log has {needle:?}"));
        }
    }
    if let Some(Value::Object(files)) = expect.get("files") {
        for (rel, want) in files {
            problems.extend(check_file(&run.outputs.join(rel), rel, want));
        }
    }
    problems
}

/// Whether `log` contains `pattern`, where each `{N}` in the pattern
/// matches one or more decimal digits.
fn log_contains(log: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split("{N}").collect();
    if parts.len() == 1 {
        return log.contains(pattern);
    }
    log.match_indices(parts[0]).any(|(start, first)| {
        let mut rest = &log[start + first.len()..];
        for part in &parts[1..] {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 || !rest[digits..].starts_with(part) {
                return false;
            }
            rest = &rest[digits + part.len()..];
        }
        true
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_file(path: &Path, rel: &str, want: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let meta = std::fs::symlink_metadata(path);
    if want.get("absent") == Some(&json!(true)) {
        if meta.is_ok() {
            problems.push(format!("{rel}: exists, expected absent"));
        }
        return problems;
    }
    let Ok(meta) = meta else {
        problems.push(format!("{rel}: missing"));
        return problems;
    };
    let kind = if meta.file_type().is_symlink() {
        "symlink"
    } else if meta.is_dir() {
        "dir"
    } else {
        "file"
    };
    if let Some(t) = want.get("type").and_then(Value::as_str) {
        if t != kind {
            problems.push(format!("{rel}: a {kind}, expected a {t}"));
        }
    }
    if let Some(target) = want.get("target").and_then(Value::as_str) {
        let have = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        if have != target {
            problems.push(format!("{rel}: symlink to {have:?}, expected {target:?}"));
        }
    }
    if let Some(mode) = want.get("mode").and_then(Value::as_str) {
        let have = format!("{:04o}", meta.permissions().mode() & 0o7777);
        if have != mode {
            problems.push(format!("{rel}: mode {have}, expected {mode}"));
        }
    }
    let text = || std::fs::read(path).map(|d| String::from_utf8_lossy(&d).into_owned());
    if let Some(expected) = want.get("text").and_then(Value::as_str) {
        match text() {
            Ok(have) if have == expected => {}
            Ok(have) => problems.push(format!("{rel}: contains {have:?}, expected {expected:?}")),
            Err(e) => problems.push(format!("{rel}: {e}")),
        }
    }
    if let Some(expected) = want.get("firstLine").and_then(Value::as_str) {
        let have = text().unwrap_or_default();
        let first = have.lines().next().unwrap_or_default();
        if first != expected {
            problems.push(format!(
                "{rel}: first line {first:?}, expected {expected:?}"
            ));
        }
    }
    for needle in strings(want.get("contains")) {
        if !text().unwrap_or_default().contains(&needle) {
            problems.push(format!("{rel}: lacks {needle:?}"));
        }
    }
    problems
}

/// Runs the expectation case `group/name` (a directory under
/// tests/contract with `plan.json` and `expect.json`) and fails the test
/// with every problem and the log.
pub fn assert_expectation(group: &str, name: &str) {
    let dir = contract_dir().join(group).join(name);
    let expect: Value = serde_json::from_slice(
        &std::fs::read(dir.join("expect.json"))
            .unwrap_or_else(|e| panic!("{}/expect.json: {e}", dir.display())),
    )
    .expect("expect.json is JSON");
    let run = run_case(&dir);
    let problems = check_expectation(&run, &expect);
    assert!(
        problems.is_empty(),
        "{group}/{name} does not behave as under nixpkgs' setup.sh:\n  {}\n{}",
        problems.join("\n  "),
        run.describe()
    );
}

/// Runs the behaviour case `behaviour/NAME` and fails the test unless it
/// gives the exit status and output trees of `expected.json` (written by
/// the oracle) and the log lines of `expect.json`.
pub fn assert_behaviour(name: &str) {
    let dir = contract_dir().join("behaviour").join(name);
    let read = |file: &str| -> Value {
        let path = dir.join(file);
        let text = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; write it with tests/contract/regenerate behaviour/{name}",
                path.display()
            )
        });
        serde_json::from_slice(&text).expect("valid JSON")
    };
    let expected = read("expected.json");
    let expect = read("expect.json");
    let run = run_case(&dir);
    let mut problems = check_expectation(&run, &expect);
    problems.extend(compare_result(&expected, &run));
    assert!(
        problems.is_empty(),
        "behaviour/{name} ({}) differs from nixpkgs' setup.sh:\n  {}\n{}",
        expect["about"].as_str().unwrap_or(""),
        problems.join("\n  "),
        run.describe()
    );
}
