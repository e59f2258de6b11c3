//! Every fuzz target over its committed corpus (`fuzz/corpus/TARGET/`):
//! the seeds, and every input a fuzzing run found a bug with, kept as a
//! regression test. Runs on stable, as part of the ordinary test suite.

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

#[test]
fn every_target_passes_over_its_corpus() {
    for (target, run) in phaser_fuzz::TARGETS {
        for file in corpus(target) {
            let data = std::fs::read(&file).expect("reading a corpus file");
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "fuzz target `{target}` fails on {}",
                file.display()
            );
        }
    }
}
