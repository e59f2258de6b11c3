//! Context diffs (`diff -c`, `-C N`, old-style headers) applied by our
//! `patch` and by GNU patch to the same trees: the same result, or both
//! refuse (and ours changes nothing).

mod patch_support;

use std::fs;
use std::path::Path;

use patch_support::{compare, diff, flags, Outcome, Rng, Spec, Tally};

/// `*** 3,9 ****` and `--- 3,10 ----` without their trailing stars and
/// dashes: the pre-1990 context format GNU patch still reads.
fn old_style(patch: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(patch);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let range = |prefix: &str, tail: &str| {
            line.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(tail))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b','))
                .map(|n| format!("{prefix}{n}\n"))
        };
        match range("*** ", " ****\n").or_else(|| range("--- ", " ----\n")) {
            Some(old) => out.push_str(&old),
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

/// Writes the `a` and `b` trees below `dir/gen` and diffs them.
fn make_patch(dir: &Path, a: &[Spec], b: &[Spec], args: &[&str]) -> Vec<u8> {
    let generated = dir.join("gen");
    let _ = fs::remove_dir_all(&generated);
    patch_support::write_tree(&generated.join("a"), a);
    patch_support::write_tree(&generated.join("b"), b);
    let mut all = args.to_vec();
    all.extend(["a", "b"]);
    diff(&generated, &all)
}

fn text(lines: &[String], newline_at_end: bool) -> Vec<u8> {
    let mut text = lines.concat().into_bytes();
    if !newline_at_end {
        text.pop();
    }
    text
}

#[test]
fn changes_missing_newlines_and_omitted_sides_apply_as_gnu_patch_applies_them() {
    let work = tempfile::tempdir().unwrap();
    let a = [
        Spec::new("f.c", "one\ntwo\nthree\nfour\nfive\nsix\n"),
        Spec::new("last", "x"),
        Spec::new("gone", "bye\n"),
    ];
    let b = [
        Spec::new("f.c", "one\nTWO\nthree\nfour\nfive\nsix\nseven\n"),
        Spec::new("last", "y"),
        Spec::new("new/made", "hello\n"),
    ];
    let patch = make_patch(work.path(), &a, &b, &["-rcN"]);
    let text = String::from_utf8_lossy(&patch);
    assert!(
        text.contains("! TWO") && text.contains("\\ No newline") && text.contains("--- 0 ----")
    );
    let outcome = compare(work.path(), &a, &patch, &flags(&["-p1"]), "context");
    assert_eq!(outcome, Outcome::Applied);
    let ours = work.path().join("ours");
    assert_eq!(
        fs::read_to_string(ours.join("f.c")).unwrap(),
        "one\nTWO\nthree\nfour\nfive\nsix\nseven\n"
    );
    assert_eq!(fs::read_to_string(ours.join("last")).unwrap(), "y");
    assert_eq!(
        fs::read_to_string(ours.join("new/made")).unwrap(),
        "hello\n"
    );
    assert!(!ours.join("gone").exists());
    let old = old_style(&patch);
    assert!(String::from_utf8_lossy(&old).contains("\n*** 1,6\n"));
    assert_eq!(
        compare(work.path(), &a, &old, &flags(&["-p1"]), "old-style context"),
        Outcome::Applied
    );
}

#[test]
fn zero_context_deletions_are_refused_as_gnu_patch_refuses_them() {
    // GNU patch cannot read `diff -C0` hunks that only delete lines
    // ("replacement text or line numbers mangled"); neither do we.
    let work = tempfile::tempdir().unwrap();
    let a = [Spec::new("f", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")];
    let b = [Spec::new("f", "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n")];
    let patch = make_patch(work.path(), &a, &b, &["-rC0"]);
    assert_eq!(
        compare(work.path(), &a, &patch, &flags(&["-p1"]), "-C0"),
        Outcome::Refused
    );
    let b = [Spec::new("f", "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n10\n")];
    let patch = make_patch(work.path(), &a, &b, &["-rC0"]);
    assert_eq!(
        compare(work.path(), &a, &patch, &flags(&["-p1"]), "-C0 insertion"),
        Outcome::Applied
    );
}

#[test]
fn random_context_diffs_apply_like_gnu_patch() {
    let mut rng = Rng(patch_support::seed(0x00c0_47e7));
    let work = tempfile::tempdir().unwrap();
    let mut tally = Tally::default();
    for case in 0..patch_support::cases(150) {
        let (mut a, mut b, mut tree) = (Vec::new(), Vec::new(), Vec::new());
        let already_applied = rng.chance(12);
        for number in 0..1 + rng.below(3) {
            let name = if rng.chance(30) {
                format!("sub/f{number}")
            } else {
                format!("f{number}")
            };
            let length = 3 + rng.below(30);
            let old = rng.lines(length);
            let edits = 1 + rng.below(5);
            let new = rng.edit(&old, edits);
            let (old_end, new_end) = (!rng.chance(10), !rng.chance(10));
            let kind = rng.below(20);
            let (has_old, has_new) = (kind != 0, kind != 1);
            let new = if kind == 2 { Vec::new() } else { new };
            if has_old {
                a.push(Spec::new(&name, text(&old, old_end)));
            }
            if has_new {
                b.push(Spec::new(&name, text(&new, new_end || new.is_empty())));
            }
            let (base, end, exists) = match already_applied {
                true => (new, new_end, has_new),
                false => (old, old_end, has_old),
            };
            if exists {
                let edits = if rng.chance(50) { rng.below(3) } else { 0 };
                let disturbed = rng.edit(&base, edits);
                tree.push(Spec::new(
                    &name,
                    text(&disturbed, end || disturbed.is_empty()),
                ));
            }
        }
        let format = ["-rcN", "-rNC1", "-rNC2", "-rNC0", "-rNC5"][rng.below(5)];
        let mut patch = make_patch(work.path(), &a, &b, &[format]);
        if patch.is_empty() {
            continue;
        }
        if rng.chance(25) {
            patch = old_style(&patch);
        }
        if rng.chance(20) {
            patch = rng.mangle(&patch);
        }
        let mut options = vec!["-p1".to_string(), format!("-F{}", rng.below(4))];
        match rng.below(6) {
            0 => options.push("-N".into()),
            1 => options.push("-t".into()),
            2 => options.push("-f".into()),
            _ => {}
        }
        if rng.chance(50) {
            options.push("--no-backup-if-mismatch".into());
        }
        tally.add(compare(
            work.path(),
            &tree,
            &patch,
            &options,
            &format!("case {case}"),
        ));
    }
    tally.check("context diffs", 50, 20);
}
