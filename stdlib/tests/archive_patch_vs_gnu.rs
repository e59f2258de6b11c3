//! Differential test of hunk placement: random files, `diff -u` patches
//! between random edits, applied to randomly disturbed copies (moved lines,
//! changed context) by our `patch` and by GNU patch. Where GNU patch
//! applies every hunk, ours must produce the same bytes; where it rejects a
//! hunk, ours must fail (and change nothing).

use std::fs;
use std::path::Path;
use std::process::Command;

use patch_support::Rng;
use phaser_stdlib::{registry, Context, Roots};
use serde_json::json;

mod patch_support;

fn run(program: &str, args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {program} (it must be installed for this test): {e}"))
}

#[test]
fn hunk_placement_matches_gnu_patch() {
    let mut rng = Rng(0x5eed);
    let (mut applied, mut rejected) = (0, 0);
    for case in 0..400 {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let length = 20 + rng.below(60);
        let base: Vec<String> = (0..length).map(|_| rng.line()).collect();
        let (changes, disturbances) = (1 + rng.below(6), rng.below(5));
        let new = rng.edit(&base, changes);
        let disturbed = rng.edit(&base, disturbances);
        fs::create_dir_all(d.join("a")).unwrap();
        fs::create_dir_all(d.join("b")).unwrap();
        fs::write(d.join("a/f"), base.concat()).unwrap();
        fs::write(d.join("b/f"), new.concat()).unwrap();
        let context = format!("-U{}", 1 + rng.below(3));
        let diff = run("diff", &[&context, "a/f", "b/f"], d);
        if diff.stdout.is_empty() {
            continue;
        }
        fs::write(d.join("p.diff"), &diff.stdout).unwrap();
        for tree in ["ours", "gnu"] {
            fs::create_dir(d.join(tree)).unwrap();
            fs::write(d.join(tree).join("f"), disturbed.concat()).unwrap();
        }
        let fuzz = rng.below(3).to_string();
        let gnu = run(
            "patch",
            &[
                "-p1",
                "-f",
                "-s",
                "--no-backup-if-mismatch",
                "-r",
                "-",
                "-F",
                &fuzz,
                "-d",
                "gnu",
                "-i",
                "../p.diff",
            ],
            d,
        );
        let cx = Context::new(d).with_roots(Roots::Only(vec![d.into()]));
        // The same command line: -f, so neither looks for reversed patches.
        let flags = [
            "-p1",
            "-f",
            "-s",
            "--no-backup-if-mismatch",
            "-r",
            "-",
            "-F",
            &fuzz,
        ];
        let ours = registry().call(
            &cx,
            "patch",
            json!({"patch": "p.diff", "dir": "ours", "flags": flags}),
        );
        let ours_bytes = fs::read(d.join("ours/f")).unwrap();
        let patch_text = String::from_utf8_lossy(&diff.stdout);
        if gnu.status.success() {
            assert!(
                ours.is_ok(),
                "case {case}: GNU patch applied, ours failed: {}\n{patch_text}",
                ours.unwrap_err()
            );
            assert_eq!(
                String::from_utf8_lossy(&ours_bytes),
                String::from_utf8_lossy(&fs::read(d.join("gnu/f")).unwrap()),
                "case {case}: different results (fuzz {fuzz}) for\n{patch_text}"
            );
            applied += 1;
        } else {
            assert!(
                ours.is_err(),
                "case {case}: GNU patch rejected a hunk, ours applied:\n{patch_text}"
            );
            assert_eq!(
                ours_bytes,
                disturbed.concat().into_bytes(),
                "case {case}: a failed patch changed the file"
            );
            rejected += 1;
        }
    }
    eprintln!("{applied} patches applied identically, {rejected} rejected by both");
    assert!(
        applied > 100 && rejected > 10,
        "too few interesting cases: {applied} applied, {rejected} rejected"
    );
}
