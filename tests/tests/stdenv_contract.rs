//! Real nixpkgs packages' bash phases and hooks, each with a small
//! generated source tree, must give the output tree nixpkgs' setup.sh gives:
//! the same files, modes, contents and symlink targets, and the same exit
//! status. Every case under tests/contract/cases (plan.json, tree.sh naming
//! the package, expected.json written by the oracle) runs through phaser,
//! all in parallel; the test reports every case that differs, with its
//! first differences.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use phaser_tests::contract::{compare_result, contract_dir, run_case};
use serde_json::Value;

/// Differences shown per case.
const SHOWN: usize = 8;

/// The outcome of one case: `None` when it matches.
fn check(dir: &Path) -> Option<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let expected_file = dir.join("expected.json");
    let Ok(text) = std::fs::read(&expected_file) else {
        return Some(format!(
            "{name}: no expected.json; write it with tests/contract/regenerate {name} (README.md)"
        ));
    };
    let expected: Value = serde_json::from_slice(&text).expect("expected.json is JSON");
    let run = run_case(dir);
    let diffs = compare_result(&expected, &run);
    if diffs.is_empty() {
        return None;
    }
    let nixpkgs = std::fs::read_to_string(dir.join("tree.sh"))
        .ok()
        .and_then(|t| t.lines().next().map(str::to_string))
        .unwrap_or_default();
    let mut report = format!("{name} ({} differences) {nixpkgs}\n", diffs.len());
    for d in diffs.iter().take(SHOWN) {
        report.push_str(&format!("    {d}\n"));
    }
    if run.status != 0 {
        let tail: Vec<&str> = run.log.lines().rev().take(6).collect();
        for line in tail.iter().rev() {
            report.push_str(&format!("    | {line}\n"));
        }
    }
    Some(report)
}

#[test]
fn real_packages_phases_give_stdenvs_output_trees() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(contract_dir().join("cases"))
        .expect("reading tests/contract/cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("plan.json").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "the corpus has {} cases", dirs.len());
    phaser_tests::phaser_bin();
    let queue = Arc::new(Mutex::new(dirs.clone()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .min(8);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || loop {
                let Some(dir) = queue.lock().unwrap().pop() else {
                    break;
                };
                if let Some(report) = check(&dir) {
                    failures.lock().unwrap().push(report);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a case thread panicked");
    }
    let mut failures = failures.lock().unwrap().clone();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from nixpkgs' setup.sh:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("")
    );
}
