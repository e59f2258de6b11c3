//! `patch` with `flags`: GNU patch's options, each compared with GNU patch
//! itself run as stdenv's patchPhase runs it (`patch FLAGS < PATCH`, no
//! terminal) on the same tree, and checked for what it should do (the
//! random mix is in `archive_patch_flags_mix.rs`).

mod patch_support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use patch_support::{
    compare, flags, make_patch, numbered, our_patch, system_time, Outcome, Spec, NEW_TIME, START,
};

/// A scenario: `tree` patched with `patch` and `flags` by both; the
/// outcome and our tree.
struct Case {
    work: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, tree: &[Spec], patch: &[u8], options: &[&str]) -> Outcome {
        compare(
            self.work.path(),
            tree,
            patch,
            &flags(options),
            &format!("{options:?}"),
        )
    }

    fn ours(&self) -> PathBuf {
        self.work.path().join("ours")
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.ours().join(name)).unwrap()
    }

    fn exists(&self, name: &str) -> bool {
        self.ours().join(name).exists()
    }

    fn patch(&self, a: &[Spec], b: &[Spec], args: &[&str]) -> Vec<u8> {
        make_patch(self.work.path(), a, b, args)
    }
}

/// `f` changed at line 10, and a tree where it sits two lines lower.
fn shifted() -> (Vec<Spec>, Vec<Spec>, Vec<Spec>) {
    let a = vec![Spec::new("f", numbered(1..=20))];
    let b = vec![Spec::new(
        "f",
        numbered(1..=20).replace("line 10\n", "TEN\n"),
    )];
    let tree = vec![Spec::new("f", format!("x\ny\n{}", numbered(1..=20)))];
    (a, b, tree)
}

#[test]
fn backups_are_made_when_gnu_patch_makes_them() {
    let case = Case::new();
    let (a, b, tree) = shifted();
    let patch = case.patch(&a, &b, &["-ru"]);
    // An offset is a mismatch: GNU patch keeps the original as f.orig.
    assert_eq!(case.run(&tree, &patch, &["-p1"]), Outcome::Applied);
    assert_eq!(case.read("f.orig"), format!("x\ny\n{}", numbered(1..=20)));
    assert_eq!(
        case.run(&tree, &patch, &["-p1", "--no-backup-if-mismatch"]),
        Outcome::Applied
    );
    assert!(!case.exists("f.orig"));
    // An exact match makes none, unless -b.
    assert_eq!(case.run(&a, &patch, &["-p1"]), Outcome::Applied);
    assert!(!case.exists("f.orig"));
    assert_eq!(case.run(&a, &patch, &["-p1", "-b"]), Outcome::Applied);
    assert_eq!(case.read("f.orig"), numbered(1..=20));
    assert_eq!(
        case.run(&a, &patch, &["-p1", "--backup", "-z", ".bak"]),
        Outcome::Applied
    );
    assert!(case.exists("f.bak") && !case.exists("f.orig"));
    assert_eq!(
        case.run(&a, &patch, &["-p1", "-b", "-Y", "old-", "-B", "saved/"]),
        Outcome::Applied
    );
    assert!(case.exists("saved/old-f"));
    let mut numbered_tree = tree.clone();
    numbered_tree.push(Spec::new("f.~4~", "older\n"));
    assert_eq!(case.run(&numbered_tree, &patch, &["-p1"]), Outcome::Applied);
    assert!(
        case.exists("f.~5~"),
        "existing numbered backups make it numbered"
    );
    assert_eq!(
        case.run(&a, &patch, &["-p1", "-b", "-V", "numbered"]),
        Outcome::Applied
    );
    assert!(case.exists("f.~1~"));
    // A new file backed up is an empty backup.
    let created = case.patch(&[], &b, &["-ruN"]);
    assert_eq!(case.run(&[], &created, &["-p1", "-b"]), Outcome::Applied);
    assert_eq!(case.read("f.orig"), "");
}

#[test]
fn strip_levels_and_no_strip_keep_gnu_patchs_names() {
    let case = Case::new();
    let a = [Spec::new("sub/f", numbered(1..=5))];
    let b = [Spec::new(
        "sub/f",
        numbered(1..=5).replace("line 3\n", "THREE\n"),
    )];
    let patch = case.patch(&a, &b, &["-ru"]);
    assert_eq!(case.run(&a, &patch, &["-p1"]), Outcome::Applied);
    assert!(case.read("sub/f").contains("THREE"));
    assert_eq!(case.run(&a, &patch, &["--strip=1"]), Outcome::Applied);
    assert_eq!(case.run(&a, &patch, &["--strip", "1"]), Outcome::Applied);
    // -p2 leaves `f`, which is not there: both fail.
    assert_eq!(case.run(&a, &patch, &["-p2"]), Outcome::Refused);
    // No -p: base names only, so `f` at the top.
    let top = [Spec::new("f", numbered(1..=5))];
    assert_eq!(case.run(&top, &patch, &[]), Outcome::Applied);
    assert!(case.read("f").contains("THREE"));
    // -p0 keeps `a/sub/f`.
    let whole = [Spec::new("a/sub/f", numbered(1..=5))];
    assert_eq!(case.run(&whole, &patch, &["-p0"]), Outcome::Applied);
    assert!(case.read("a/sub/f").contains("THREE"));
}

#[test]
fn reverse_forward_batch_and_force_decide_about_applied_patches_like_gnu_patch() {
    let case = Case::new();
    let (a, b, _) = shifted();
    let patch = case.patch(&a, &b, &["-ru"]);
    assert_eq!(case.run(&b, &patch, &["-p1", "-R"]), Outcome::Applied);
    assert_eq!(case.read("f"), numbered(1..=20));
    assert_eq!(
        case.run(&b, &patch, &["-p1", "--reverse"]),
        Outcome::Applied
    );
    // Applied already: GNU patch without a terminal skips it and fails,
    // with or without -N; -t undoes it; -f tries it as it is.
    assert_eq!(case.run(&b, &patch, &["-p1"]), Outcome::Refused);
    assert_eq!(case.run(&b, &patch, &["-p1", "-N"]), Outcome::Refused);
    assert_eq!(
        case.run(&b, &patch, &["-p1", "--forward"]),
        Outcome::Refused
    );
    assert_eq!(case.run(&b, &patch, &["-p1", "-t"]), Outcome::Applied);
    assert_eq!(case.read("f"), numbered(1..=20));
    assert!(
        case.exists("f.orig"),
        "a reversed file counts as a mismatch"
    );
    assert_eq!(case.run(&b, &patch, &["-p1", "--batch"]), Outcome::Applied);
    assert_eq!(case.run(&b, &patch, &["-p1", "-f"]), Outcome::Refused);
    // -R on an unpatched tree: "unreversed patch detected".
    assert_eq!(case.run(&a, &patch, &["-p1", "-R"]), Outcome::Refused);
    assert_eq!(case.run(&a, &patch, &["-p1", "-R", "-t"]), Outcome::Applied);
    assert!(case.read("f").contains("TEN"));
    // Creating a file that exists, deleting one that does not.
    let created = case.patch(&[], &b, &["-ruN"]);
    assert_eq!(case.run(&b, &created, &["-p1"]), Outcome::Refused);
    assert_eq!(case.run(&b, &created, &["-p1", "-t"]), Outcome::Applied);
    assert!(!case.exists("f"), "-t reverses the creation: a deletion");
    assert_eq!(case.run(&b, &created, &["-p1", "-f"]), Outcome::Refused);
    let deleted = case.patch(&a, &[], &["-ruN"]);
    assert_eq!(case.run(&[], &deleted, &["-p1"]), Outcome::Refused);
    assert_eq!(case.run(&[], &deleted, &["-p1", "-t"]), Outcome::Applied);
    assert_eq!(case.read("f"), numbered(1..=20));
}

#[test]
fn fuzz_and_ignored_whitespace_widen_the_match_like_gnu_patch() {
    let case = Case::new();
    let (a, b, _) = shifted();
    let patch = case.patch(&a, &b, &["-ru"]);
    let changed = [Spec::new(
        "f",
        numbered(1..=20).replace("line 7\n", "SEVEN\n"),
    )];
    assert_eq!(
        case.run(&changed, &patch, &["-p1", "-F0"]),
        Outcome::Refused
    );
    assert_eq!(
        case.run(&changed, &patch, &["-p1", "--fuzz=0"]),
        Outcome::Refused
    );
    assert_eq!(
        case.run(&changed, &patch, &["-p1", "-F", "1"]),
        Outcome::Applied
    );
    assert!(case.read("f").contains("SEVEN\nline 8\nline 9\nTEN\n"));
    assert!(case.exists("f.orig"), "fuzz is a mismatch");
    let respaced = [Spec::new(
        "f",
        numbered(1..=20)
            .replace("line 9\n", "line\t 9\n")
            .replace("line 11\n", "line  11   \n"),
    )];
    assert_eq!(
        case.run(&respaced, &patch, &["-p1", "-F0"]),
        Outcome::Refused
    );
    assert_eq!(
        case.run(&respaced, &patch, &["-p1", "-F0", "-l"]),
        Outcome::Applied
    );
    assert!(
        case.read("f").contains("line\t 9\nTEN\nline  11   \n"),
        "context stays the file's"
    );
    assert_eq!(
        case.run(&respaced, &patch, &["-p1", "-F0", "--ignore-whitespace"]),
        Outcome::Applied
    );
}

#[test]
fn emptied_files_stay_unless_remove_empty_files() {
    let case = Case::new();
    let a = [Spec::new("f", "only\n"), Spec::new("g", "x\n")];
    let b = [Spec::new("f", ""), Spec::new("g", "y\n")];
    let patch = case.patch(&a, &b, &["-ru"]);
    assert_eq!(case.run(&a, &patch, &["-p1"]), Outcome::Applied);
    assert_eq!(case.read("f"), "");
    assert_eq!(case.run(&a, &patch, &["-p1", "-E"]), Outcome::Applied);
    assert!(!case.exists("f"));
    assert_eq!(
        case.run(&a, &patch, &["-p1", "--remove-empty-files"]),
        Outcome::Applied
    );
    let context = case.patch(&a, &b, &["-rc"]);
    assert_eq!(case.run(&a, &context, &["-p1", "-E"]), Outcome::Applied);
    assert!(!case.exists("f"));
}

#[test]
fn binary_keeps_the_crs_of_a_crlf_patch() {
    let case = Case::new();
    let a = [Spec::new("f", "one\r\ntwo\r\nthree\r\n")];
    let b = [Spec::new("f", "one\r\nTWO\r\nthree\r\n")];
    let lf = case.patch(&a, &b, &["-ru"]);
    let crlf: Vec<u8> = String::from_utf8(lf.clone())
        .unwrap()
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes();
    // The whole patch in CRLF: its CRs go, and CRLF lines no longer match.
    assert_eq!(case.run(&a, &crlf, &["-p1"]), Outcome::Refused);
    assert_eq!(case.run(&a, &crlf, &["-p1", "--binary"]), Outcome::Applied);
    assert_eq!(case.read("f"), "one\r\nTWO\r\nthree\r\n");
    let unix = [Spec::new("f", "one\ntwo\nthree\n")];
    assert_eq!(case.run(&unix, &crlf, &["-p1"]), Outcome::Applied);
    assert_eq!(case.read("f"), "one\nTWO\nthree\n");
    assert_eq!(case.run(&a, &lf, &["-p1"]), Outcome::Applied);
}

#[test]
fn set_utc_and_set_time_take_file_times_from_the_headers() {
    let case = Case::new();
    let (a, b, tree) = shifted();
    let patch = case.patch(&a, &b, &["-ru"]);
    let time_of = |name: &str| {
        let meta = fs::metadata(case.ours().join(name)).unwrap();
        (meta.mtime(), meta.mtime_nsec() as u32)
    };
    for option in ["-Z", "--set-utc", "-T", "--set-time"] {
        assert_eq!(case.run(&a, &patch, &["-p1", option]), Outcome::Applied);
        assert_eq!(time_of("f"), NEW_TIME, "{option}");
    }
    // Not when the file's time is not the old side's date, nor after an
    // offset (unless -f), as GNU patch says.
    let other_time: Vec<Spec> = a
        .iter()
        .map(|s| Spec {
            time: (START.0 + 60, 0),
            ..s.clone()
        })
        .collect();
    assert_eq!(
        case.run(&other_time, &patch, &["-p1", "-Z"]),
        Outcome::Applied
    );
    assert_ne!(time_of("f"), NEW_TIME);
    assert_eq!(case.run(&tree, &patch, &["-p1", "-Z"]), Outcome::Applied);
    assert_ne!(time_of("f"), NEW_TIME);
    assert_eq!(
        case.run(&tree, &patch, &["-p1", "-Z", "-f"]),
        Outcome::Applied
    );
    assert_eq!(time_of("f"), NEW_TIME);
    let created = case.patch(&[], &b, &["-ruN"]);
    assert_eq!(case.run(&[], &created, &["-p1", "-Z"]), Outcome::Applied);
    assert_eq!(time_of("f"), NEW_TIME);
    assert_eq!(
        system_time(NEW_TIME),
        fs::metadata(case.ours().join("f"))
            .unwrap()
            .modified()
            .unwrap()
    );
}

#[test]
fn directory_and_format_options() {
    let case = Case::new();
    let a = [Spec::new("f", numbered(1..=5))];
    let b = [Spec::new(
        "f",
        numbered(1..=5).replace("line 3\n", "THREE\n"),
    )];
    let unified = case.patch(&a, &b, &["-ru"]);
    let context = case.patch(&a, &b, &["-rc"]);
    let nested = [Spec::new("in/side/f", numbered(1..=5))];
    assert_eq!(
        case.run(&nested, &unified, &["-p1", "-d", "in/side"]),
        Outcome::Applied
    );
    assert!(case.read("in/side/f").contains("THREE"));
    assert_eq!(
        case.run(&nested, &unified, &["-p1", "--directory=in", "-dside"]),
        Outcome::Applied
    );
    assert_eq!(
        case.run(&nested, &unified, &["-p1", "-d", "nowhere"]),
        Outcome::Refused
    );
    assert_eq!(case.run(&a, &unified, &["-p1", "-u"]), Outcome::Applied);
    assert_eq!(case.run(&a, &context, &["-p1", "-c"]), Outcome::Applied);
    assert_eq!(
        case.run(&a, &context, &["-p1", "--context"]),
        Outcome::Applied
    );
    // The other format is text around the diff: only garbage.
    assert_eq!(case.run(&a, &context, &["-p1", "-u"]), Outcome::Refused);
    assert_eq!(
        case.run(&a, &unified, &["-p1", "--context"]),
        Outcome::Refused
    );
}

#[test]
fn quiet_batch_force_dry_run_and_friends_change_no_result() {
    let case = Case::new();
    let (a, b, tree) = shifted();
    let patch = case.patch(&a, &b, &["-ru"]);
    for options in [
        &["-p1", "-s"][..],
        &["-p1", "--silent"],
        &["-p1", "--quiet", "--verbose"],
        &["-p1", "-t"],
        &["-p1", "-f"],
        &["-p1", "-r", "-", "--reject-format=unified"],
        &[
            "-p1",
            "--quoting-style=literal",
            "--read-only=warn",
            "-g",
            "0",
        ],
        &["-Nsp1", "--no-backup-if-mismatch"],
        &["-p1", "--"],
    ] {
        assert_eq!(
            case.run(&tree, &patch, options),
            Outcome::Applied,
            "{options:?}"
        );
    }
    assert_eq!(
        case.run(&tree, &patch, &["-p1", "--dry-run"]),
        Outcome::Applied
    );
    assert_eq!(case.read("f"), format!("x\ny\n{}", numbered(1..=20)));
    assert!(!case.exists("f.orig"));
}

#[test]
fn unknown_and_unsupported_options_are_errors_naming_them() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("t");
    patch_support::write_tree(&dir, &[Spec::new("f", "x\n")]);
    let patch = work.path().join("p.diff");
    fs::write(&patch, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n").unwrap();
    for (options, expected) in [
        (&["-p1", "-q"][..], "invalid option `-q`"),
        (&["--frobnicate"], "unrecognized option `--frobnicate`"),
        (&["-p1", "--ed"], "`--ed` is not supported"),
        (&["-p1", "-D", "X"], "`-D` is not supported"),
        (&["-p1", "f"], "`f` is a file operand"),
        (&["-p"], "option `-p` requires an argument"),
    ] {
        let err = our_patch(&dir, &flags(options), &patch).unwrap_err();
        assert!(err.contains(expected), "{options:?}: {err}");
        assert!(err.contains("p.diff"), "names the patch: {err}");
        assert!(err.contains("-p N/--strip=N"), "says what works: {err}");
    }
    assert_eq!(fs::read_to_string(dir.join("f")).unwrap(), "x\n");
}

#[test]
fn git_diffs_and_odd_headers_apply_like_gnu_patch() {
    let case = Case::new();
    let mut script = Spec::new("script.sh", "echo hi\n");
    script.mode = 0o644;
    let tree = [
        Spec::new("f.c", numbered(1..=10)),
        Spec::new("old.txt", "bye\n"),
        script,
        Spec::new("mv_src.txt", "moving\n"),
        Spec::new("logo.png", "not really a png\n"),
    ];
    let git = "From: someone\nSubject: [PATCH] all kinds\n\n---\n f.c | 2 +-\n\n\
        diff --git a/f.c b/f.c\nindex 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n\
        @@ -2,3 +2,3 @@\n line 2\n-line 3\n+THREE\n line 4\n\
        diff --git a/script.sh b/script.sh\nold mode 100644\nnew mode 100755\n\
        diff --git a/mv_src.txt b/moved.txt\nsimilarity index 100%\nrename from mv_src.txt\nrename to moved.txt\n\
        diff --git a/old.txt b/old.txt\ndeleted file mode 100644\nindex 3333333..0000000\n--- a/old.txt\n+++ /dev/null\n\
        @@ -1 +0,0 @@\n-bye\n\
        diff --git a/new/file.txt b/new/file.txt\nnew file mode 100755\nindex 0000000..4444444\n--- /dev/null\n+++ b/new/file.txt\n\
        @@ -0,0 +1 @@\n+hi\n\
        diff --git a/logo.png b/logo.png\nindex 5555555..6666666 100644\nBinary files a/logo.png and b/logo.png differ\n\
        diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -8,2 +8,2 @@\n line 8\n-line 9\n+NINE\n\
        -- \n2.47.3\n";
    assert_eq!(case.run(&tree, git.as_bytes(), &["-p1"]), Outcome::Applied);
    assert!(case.read("f.c").contains("THREE") && case.read("f.c").contains("NINE"));
    assert!(case.exists("moved.txt") && !case.exists("mv_src.txt") && !case.exists("old.txt"));
    assert_eq!(case.read("new/file.txt"), "hi\n");
    // And back: the patched tree, reversed.
    let patched: Vec<Spec> = walkdir::WalkDir::new(case.ours())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(case.ours()).unwrap();
            let mut spec = Spec::new(&name.to_string_lossy(), fs::read(e.path()).unwrap());
            spec.mode = e.metadata().unwrap().mode() & 0o7777;
            spec
        })
        .collect();
    assert_eq!(
        case.run(&patched, git.as_bytes(), &["-p1", "-R"]),
        Outcome::Applied
    );
    assert!(case.exists("mv_src.txt") && case.exists("old.txt") && !case.exists("new"));
    assert_eq!(
        case.run(&patched, git.as_bytes(), &["-p1", "-t"]),
        Outcome::Applied
    );
    assert_eq!(
        case.run(&tree, git.as_bytes(), &["-p1", "-b"]),
        Outcome::Applied
    );
    assert_eq!(case.run(&tree, git.as_bytes(), &[]), Outcome::Applied);
    assert_eq!(
        case.run(&tree, git.as_bytes(), &["-p1", "-E", "-Z"]),
        Outcome::Applied
    );

    // Headers apart, names that differ, `Index:` alone, a forwarded mail's
    // `- ` prefix, `#` comment lines in a hunk.
    let tree = [
        Spec::new("f.c", numbered(1..=10)),
        Spec::new("g.c", numbered(1..=10)),
        Spec::new("h.c", numbered(1..=10)),
    ];
    let odd = "--- f.c.orig\tsome date\nrandom words\n+++ f.c\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+THREE\n# a comment\n line 4\n\
        Index: g.c\n===================================================================\n\
        @@ -5,2 +5,2 @@\n-line 5\n+FIVE\n line 6\n\
        - --- h.c\n- +++ h.c\n@@ -1,1 +1,1 @@\n-line 1\n+ONE\n";
    assert_eq!(case.run(&tree, odd.as_bytes(), &["-p0"]), Outcome::Applied);
    assert!(case.read("f.c").contains("THREE"));
}

#[test]
fn prereq_lines_check_the_version_like_gnu_patch() {
    let case = Case::new();
    let tree = [Spec::new("f", "version 1.2\nline 2\nline 3\n")];
    let patch = |version: &str| {
        format!("Prereq: {version}\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n version 1.2\n-line 2\n+LINE 2\n line 3\n")
    };
    assert_eq!(
        case.run(&tree, patch("1.2").as_bytes(), &["-p1"]),
        Outcome::Applied
    );
    assert_eq!(
        case.run(&tree, patch("1.3").as_bytes(), &["-p1"]),
        Outcome::Refused
    );
    assert_eq!(
        case.run(&tree, patch("1.").as_bytes(), &["-p1"]),
        Outcome::Refused
    );
    assert_eq!(
        case.run(&tree, patch("1.3").as_bytes(), &["-p1", "-f"]),
        Outcome::Applied
    );
    assert_eq!(
        case.run(&tree, patch("1.3").as_bytes(), &["-p1", "-t"]),
        Outcome::Refused
    );
}

#[test]
fn patched_files_keep_permission_bits_only_as_with_gnu_patch() {
    let case = Case::new();
    let a = [Spec::new("tool", numbered(1..=5))];
    let b = [Spec::new(
        "tool",
        numbered(1..=5).replace("line 3\n", "THREE\n"),
    )];
    let patch = case.patch(&a, &b, &["-ru"]);
    for mode in [0o4755, 0o2750, 0o1777, 0o600] {
        let mut tree = a.clone();
        tree[0].mode = mode;
        assert_eq!(case.run(&tree, &patch, &["-p1"]), Outcome::Applied);
        let now = fs::metadata(case.ours().join("tool")).unwrap().mode() & 0o7777;
        assert_eq!(now, mode & 0o777, "{mode:o}");
    }
}
