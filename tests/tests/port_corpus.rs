//! `phaser port` on a corpus of real nixpkgs phase snippets
//! (`tests/fixtures/port/corpus.txt`): each snippet, with the small source
//! tree it works on, is ported to Lua and to Rhai, and `phaser port
//! --check` must build the original and the translation with identical
//! outputs. The build tree is copied into `$out` at the end, so what a
//! snippet does to the source counts too. Prints the coverage and the time
//! the ported phases took against their bash originals.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use phaser_tests::{phaser, require_tool, workspace_root};
use serde_json::{json, Map, Value};

/// One corpus entry.
#[derive(Debug, Clone, Default)]
struct Entry {
    name: String,
    nixpkgs: String,
    attrs: Map<String, Value>,
    files: Vec<(String, u32, String)>,
    zips: Vec<(String, String)>,
    snippets: Vec<(String, String)>,
}

fn corpus() -> Vec<Entry> {
    let text = std::fs::read_to_string(workspace_root().join("tests/fixtures/port/corpus.txt"))
        .expect("reading the corpus");
    let mut entries: Vec<Entry> = Vec::new();
    // The section being read: a file (path, mode) or a snippet name.
    let mut section: Option<(String, Option<u32>)> = None;
    let mut body: Vec<&str> = Vec::new();
    let finish = |entries: &mut Vec<Entry>,
                  section: &mut Option<(String, Option<u32>)>,
                  body: &mut Vec<&str>| {
        if let (Some((name, mode)), Some(entry)) = (section.take(), entries.last_mut()) {
            while body.last().is_some_and(|l| l.trim().is_empty()) {
                body.pop();
            }
            let text = body.join("\n") + "\n";
            match mode {
                Some(mode) => entry.files.push((name, mode, text)),
                None => entry.snippets.push((name, text.trim_end().to_string())),
            }
        }
        body.clear();
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            finish(&mut entries, &mut section, &mut body);
            entries.push(Entry {
                name: name.trim().to_string(),
                ..Entry::default()
            });
        } else if let Some(header) = line.strip_prefix("--- ") {
            finish(&mut entries, &mut section, &mut body);
            let words: Vec<&str> = header.split_whitespace().collect();
            match words.as_slice() {
                ["file", path] => section = Some((path.to_string(), Some(0o644))),
                ["file", path, mode] => {
                    section = Some((
                        path.to_string(),
                        Some(u32::from_str_radix(mode, 8).unwrap()),
                    ))
                }
                ["zip", name, dir] => {
                    let entry = entries.last_mut().expect("a zip inside an entry");
                    entry.zips.push((name.to_string(), dir.to_string()));
                }
                [snippet] => section = Some((snippet.to_string(), None)),
                _ => panic!("bad corpus header: {line}"),
            }
        } else if section.is_some() {
            body.push(line);
        } else if let Some(entry) = entries.last_mut() {
            if let Some(path) = line.strip_prefix("nixpkgs: ") {
                entry.nixpkgs = path.trim().to_string();
            } else if let Some(json) = line.strip_prefix("attrs: ") {
                let value: Value = serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("{}: bad attrs: {e}", entry.name));
                entry.attrs = value.as_object().cloned().unwrap_or_default();
            }
        }
    }
    finish(&mut entries, &mut section, &mut body);
    entries
}

/// The phase a top-level snippet belongs to.
fn phase_of(snippet: &str) -> String {
    let stem = snippet
        .strip_suffix("Phase")
        .or_else(|| snippet.strip_prefix("pre"))
        .or_else(|| snippet.strip_prefix("post"))
        .unwrap_or(snippet);
    let mut chars = stem.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Writes the entry's tree and plan into `dir`; returns the plan's path.
fn write_entry(entry: &Entry, dir: &Path) -> std::path::PathBuf {
    let tree = dir.join(format!("{}-1.0", entry.name));
    for (path, mode, text) in &entry.files {
        let file = tree.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    for (name, source) in &entry.zips {
        let status = std::process::Command::new("zip")
            .args(["-qrX", &format!("../{name}"), "."])
            .current_dir(tree.join(source))
            .status()
            .expect("running zip");
        assert!(status.success(), "zip failed for {}", entry.name);
        std::fs::rename(tree.join(name), tree.join(name)).ok();
        std::fs::remove_dir_all(tree.join(source)).unwrap();
    }
    let attrs_text = serde_json::to_string(&entry.attrs)
        .unwrap()
        .replace("@TREE@", &tree.display().to_string());
    let attrs: Map<String, Value> = serde_json::from_str(&attrs_text).unwrap();
    let after = match attrs.get("phases").and_then(Value::as_array) {
        Some(list) => list.last().and_then(Value::as_str).unwrap_or("install"),
        None if attrs.get("doInstallCheck") == Some(&json!(true)) => "installCheck",
        None => "fixup",
    }
    .to_string();
    let mut plan = json!({
        "pname": entry.name,
        "version": "1.0",
        "src": format!("{}-1.0", entry.name),
        "dontFixup": true,
        "phaser": {"phases": {"snapshot": {
            "after": after,
            // The whole build tree goes into $out, so changes to the source are compared too.
            "rhai": "for p in glob(input.paths.buildTop + \"/*\") { copy(p, input.outputs.out + \"/build-tree/\"); }\n#{}"
        }}}
    });
    for (k, v) in attrs {
        plan[k] = v;
    }
    for (name, text) in &entry.snippets {
        plan[name] = json!(text);
    }
    let path = dir.join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    path
}

/// What `phaser port --check` said for one entry and target.
struct Checked {
    statements: usize,
    translated: usize,
    bash_time: f64,
    ported_time: f64,
    /// The report's lines saying what stayed bash and why.
    kept: Vec<String>,
}

fn check(entry: &Entry, target: &str) -> Result<Checked, String> {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_entry(entry, dir.path());
    let output = phaser()
        .args(["port", "--check"])
        .arg(&plan)
        .args(["--to", target])
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || !stdout.contains("outputs identical") {
        return Err(format!(
            "{} ({}) to {target}: {stdout}\n{}",
            entry.name,
            entry.nixpkgs,
            stderr
                .lines()
                .rev()
                .take(60)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    let kept = stderr
        .lines()
        .filter(|l| l.starts_with("  line "))
        .map(|l| format!("{}: {}", entry.name, l.trim()))
        .collect();
    let coverage = stderr
        .lines()
        .find_map(|l| l.strip_prefix("coverage: "))
        .ok_or("no coverage line")?;
    let (counts, _) = coverage.split_once(' ').ok_or("bad coverage line")?;
    let (translated, statements) = counts.split_once('/').ok_or("bad coverage counts")?;
    // Phase times of the phases the snippets belong to.
    let phases: Vec<String> = entry.snippets.iter().map(|(n, _)| phase_of(n)).collect();
    let (mut bash_time, mut ported_time) = (0.0, 0.0);
    for line in stderr.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [phase, a, ua, "->", b, ub] = words.as_slice() {
            if phases.iter().any(|p| p == phase) {
                bash_time += millis(a, ua);
                ported_time += millis(b, ub);
            }
        }
    }
    Ok(Checked {
        statements: statements.parse().map_err(|_| "bad count")?,
        translated: translated.parse().map_err(|_| "bad count")?,
        bash_time,
        ported_time,
        kept,
    })
}

fn millis(value: &str, unit: &str) -> f64 {
    let v: f64 = value.parse().unwrap_or(0.0);
    match unit {
        "s" => v * 1000.0,
        "ms" => v,
        "µs" | "us" => v / 1000.0,
        _ => 0.0,
    }
}

#[test]
fn every_corpus_snippet_ports_to_lua_and_rhai_with_identical_outputs() {
    require_tool("zip", "zip");
    require_tool("unzip", "unzip");
    let entries = corpus();
    assert!(
        entries.len() >= 60,
        "the corpus has {} entries",
        entries.len()
    );
    for entry in &entries {
        assert!(
            entry.nixpkgs.starts_with("pkgs/"),
            "{} names no nixpkgs package",
            entry.name
        );
        assert!(!entry.snippets.is_empty(), "{} has no snippet", entry.name);
    }
    let results: Mutex<BTreeMap<(String, String), Result<Checked, String>>> = Mutex::default();
    let next = Mutex::new(0usize);
    let jobs: Vec<(&Entry, &str)> = entries
        .iter()
        .flat_map(|e| [(e, "lua"), (e, "rhai")])
        .collect();
    std::thread::scope(|scope| {
        // PORT_CORPUS_JOBS=1 measures each phase without the others running.
        let threads: usize = std::env::var("PORT_CORPUS_JOBS")
            .ok()
            .and_then(|j| j.parse().ok())
            .unwrap_or(4);
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some((entry, target)) = jobs.get(i) else {
                    break;
                };
                let result = check(entry, target);
                results
                    .lock()
                    .unwrap()
                    .insert((entry.name.clone(), target.to_string()), result);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut failures = Vec::new();
    println!(
        "{:<8} {:>10} {:>10} {:>9} {:>12} {:>12}",
        "target", "statements", "translated", "coverage", "bash ms", "ported ms"
    );
    for target in ["lua", "rhai"] {
        let (mut statements, mut translated, mut identical) = (0, 0, 0);
        let (mut bash, mut ported) = (0.0, 0.0);
        for ((_, t), result) in &results {
            if t != target {
                continue;
            }
            match result {
                Ok(c) => {
                    statements += c.statements;
                    translated += c.translated;
                    identical += 1;
                    bash += c.bash_time;
                    ported += c.ported_time;
                }
                Err(e) => failures.push(e.clone()),
            }
        }
        println!(
            "{target:<8} {statements:>10} {translated:>10} {:>8.1}% {bash:>12.1} {ported:>12.1}   ({identical} of {} outputs identical)",
            100.0 * translated as f64 / statements.max(1) as f64,
            entries.len()
        );
        assert!(
            translated * 100 >= statements * 80,
            "{target}: only {translated} of {statements} statements translated without bash"
        );
    }
    println!("what stays bash (Lua; Rhai is the same):");
    for ((_, target), result) in &results {
        if let (Ok(c), "lua") = (result, target.as_str()) {
            for line in &c.kept {
                println!("  {line}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
