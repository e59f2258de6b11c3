//! `patch` through the registry: offsets, fuzz, failures that change
//! nothing, reversing, new/deleted/renamed files, compressed patch files,
//! missing newlines, CRLF, junk before diffs, unsafe names.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use phaser_stdlib::{registry, Context, Roots};
use serde_json::{json, Map, Value};

fn context(dir: &Path) -> Context {
    Context::new(dir).with_roots(Roots::Only(vec![dir.into()]))
}

/// A tree in a tempdir with the patch file stored beside it.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("src")).unwrap();
        let tree = Tree { dir };
        for (name, text) in files {
            tree.write(name, text.as_bytes());
        }
        tree
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("src")
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.root().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.root().join(name)).unwrap()
    }

    fn patch_file(&self, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join("fix.patch");
        fs::write(&path, bytes).unwrap();
        path
    }

    fn apply(&self, patch: &str, extra: Value) -> Result<Value, String> {
        let file = self.patch_file(patch.as_bytes());
        self.apply_file(&file, extra)
    }

    fn apply_file(&self, file: &Path, extra: Value) -> Result<Value, String> {
        let mut args = json!({"patch": file, "dir": self.root()});
        if let Value::Object(extra) = extra {
            args.as_object_mut().unwrap().extend(extra);
        }
        registry()
            .call(&context(self.dir.path()), "patch", args)
            .map_err(|e| e.to_string())
    }

    /// Every file below the root with its contents and mode.
    fn snapshot(&self) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
        walkdir::WalkDir::new(self.root())
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| {
                let meta = e.path().symlink_metadata().unwrap();
                let bytes = if meta.is_file() {
                    fs::read(e.path()).unwrap()
                } else {
                    Vec::new()
                };
                (e.path().to_path_buf(), (bytes, meta.permissions().mode()))
            })
            .collect()
    }
}

fn numbered(range: std::ops::RangeInclusive<usize>) -> String {
    range.map(|i| format!("line {i}\n")).collect()
}

const CHANGE_10: &str = "\
--- a/f.txt
+++ b/f.txt
@@ -8,7 +8,7 @@
 line 8
 line 9
 line 10
-line 11
+LINE ELEVEN
 line 12
 line 13
 line 14
";

#[test]
fn a_hunk_applies_at_an_offset_and_the_summary_says_so() {
    let tree = Tree::new(&[("f.txt", &format!("extra\nextra\n{}", numbered(1..=30)))]);
    let out = tree.apply(CHANGE_10, json!({})).unwrap();
    assert!(tree
        .read("f.txt")
        .contains("line 10\nLINE ELEVEN\nline 12\n"));
    assert_eq!(
        out["files"],
        json!([{"path": "f.txt", "action": "patched"}])
    );
    assert_eq!(
        out["hunks"],
        json!([{"file": "f.txt", "hunk": 1, "line": 10, "offset": 2, "fuzz": 0}])
    );
}

#[test]
fn fuzz_lets_a_hunk_with_changed_context_apply() {
    let file = numbered(1..=30).replace("line 8\n", "line eight\n");
    let tree = Tree::new(&[("f.txt", &file)]);
    let err = tree.apply(CHANGE_10, json!({"fuzz": 0})).unwrap_err();
    assert!(
        err.contains("hunk #1 `@@ -8,7 +8,7 @@` does not apply to f.txt"),
        "{err}"
    );
    let out = tree.apply(CHANGE_10, json!({})).unwrap();
    assert_eq!(out["hunks"][0]["fuzz"], 1);
    assert!(tree
        .read("f.txt")
        .contains("line eight\nline 9\nline 10\nLINE ELEVEN\n"));
}

#[test]
fn a_failing_hunk_names_everything_and_changes_nothing() {
    let tree = Tree::new(&[
        ("a.c", &numbered(1..=20)),
        ("b.c", &numbered(1..=20)),
        ("old.c", "bye\n"),
    ]);
    let patch = "Subject: three files, the last hunk fails\n\n\
         diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n\
         diff --git a/new.c b/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+hello\n\
         diff --git a/old.c b/old.c\ndeleted file mode 100644\n--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n\
         --- a/b.c\n+++ b/b.c\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n\
         @@ -12,3 +12,3 @@ static int f(void)\n nothing\n-like\n+this\n here\n";
    let before = tree.snapshot();
    let err = tree.apply(patch, json!({})).unwrap_err();
    assert!(err.contains("fix.patch"), "names the patch: {err}");
    assert!(err.contains("b.c"), "names the file: {err}");
    assert!(
        err.contains("hunk #2 `@@ -12,3 +12,3 @@ static int f(void)`"),
        "names the hunk: {err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        tree.snapshot(),
        before,
        "a.c, new.c, old.c must be as they were"
    );
}

#[test]
fn reverse_undoes_and_an_applied_patch_is_recognized() {
    let original = numbered(1..=20);
    let tree = Tree::new(&[("f.txt", &original)]);
    tree.apply(CHANGE_10, json!({})).unwrap();
    let err = tree.apply(CHANGE_10, json!({})).unwrap_err();
    assert!(err.contains("already applied"), "{err}");
    tree.apply(CHANGE_10, json!({"reverse": true})).unwrap();
    assert_eq!(tree.read("f.txt"), original);
}

#[test]
fn git_diffs_create_delete_rename_and_change_modes() {
    let tree = Tree::new(&[
        ("gone/old.txt", "a\nb\n"),
        ("run.sh", "echo hi\n"),
        ("lib/name.c", "x\ny\nz\n"),
    ]);
    fs::set_permissions(
        tree.root().join("run.sh"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let patch = "\
diff --git a/tools/new.sh b/tools/new.sh
new file mode 100755
index 0000000..1111111
--- /dev/null
+++ b/tools/new.sh
@@ -0,0 +1,2 @@
+#!/bin/sh
+echo new
diff --git a/gone/old.txt b/gone/old.txt
deleted file mode 100644
index 2222222..0000000
--- a/gone/old.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/lib/name.c b/lib/renamed.c
similarity index 80%
rename from lib/name.c
rename to lib/renamed.c
index 3333333..4444444 100644
--- a/lib/name.c
+++ b/lib/renamed.c
@@ -1,3 +1,3 @@
 x
-y
+Y
 z
";
    let out = tree.apply(patch, json!({})).unwrap();
    assert_eq!(
        out["files"],
        json!([
            {"path": "tools/new.sh", "action": "created"},
            {"path": "gone/old.txt", "action": "deleted"},
            {"path": "run.sh", "action": "patched"},
            {"path": "lib/renamed.c", "action": "renamed", "from": "lib/name.c"},
        ])
    );
    let mode = |name: &str| {
        fs::metadata(tree.root().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(tree.read("tools/new.sh"), "#!/bin/sh\necho new\n");
    assert_eq!(mode("tools/new.sh"), 0o755);
    assert!(
        !tree.root().join("gone").exists(),
        "emptied directories go, as with GNU patch"
    );
    assert_eq!(mode("run.sh"), 0o755);
    assert_eq!(tree.read("lib/renamed.c"), "x\nY\nz\n");
    assert!(!tree.root().join("lib/name.c").exists());

    // And all of it undone.
    tree.apply(patch, json!({"reverse": true})).unwrap();
    assert_eq!(tree.read("gone/old.txt"), "a\nb\n");
    assert_eq!(mode("run.sh"), 0o644);
    assert_eq!(tree.read("lib/name.c"), "x\ny\nz\n");
    assert!(!tree.root().join("tools").exists());
}

#[test]
fn plain_diffs_create_and_delete_through_dev_null() {
    let tree = Tree::new(&[("doomed.txt", "1\n2\n")]);
    let patch = "\
--- /dev/null\t1970-01-01 00:00:00.000000000 +0000
+++ b/docs/new.txt\t2024-01-01 10:00:00.000000000 +0000
@@ -0,0 +1 @@
+fresh
--- a/doomed.txt\t2024-01-01 10:00:00.000000000 +0000
+++ /dev/null\t1970-01-01 00:00:00.000000000 +0000
@@ -1,2 +0,0 @@
-1
-2
";
    tree.apply(patch, json!({})).unwrap();
    assert_eq!(tree.read("docs/new.txt"), "fresh\n");
    assert!(!tree.root().join("doomed.txt").exists());
    let err = tree.apply(patch, json!({})).unwrap_err();
    assert!(
        err.contains("would create the file docs/new.txt, which already exists"),
        "{err}"
    );
}

#[test]
fn a_file_patched_twice_in_one_patch_sees_the_first_change() {
    let tree = Tree::new(&[("f.txt", &numbered(1..=20))]);
    let second = "--- a/f.txt\n+++ b/f.txt\n@@ -10,3 +10,4 @@\n line 10\n LINE ELEVEN\n+inserted\n line 12\n";
    let out = tree
        .apply(&format!("{CHANGE_10}{second}"), json!({}))
        .unwrap();
    assert!(tree
        .read("f.txt")
        .contains("line 10\nLINE ELEVEN\ninserted\nline 12\n"));
    assert_eq!(out["files"].as_array().unwrap().len(), 2);
}

#[test]
fn patched_files_keep_their_modes() {
    let tree = Tree::new(&[("f.txt", &numbered(1..=20))]);
    fs::set_permissions(tree.root().join("f.txt"), fs::Permissions::from_mode(0o751)).unwrap();
    tree.apply(CHANGE_10, json!({})).unwrap();
    let mode = fs::metadata(tree.root().join("f.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o751);
}

#[test]
fn compressed_patch_files_are_detected_by_content() {
    type Compress = fn(&[u8]) -> Vec<u8>;
    let compressors: [(&str, Compress); 4] = [
        ("gzip", |d| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        }),
        ("bzip2", |d| {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        }),
        ("xz", |d| {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(d).unwrap();
            e.finish().unwrap()
        }),
        ("zstd", |d| zstd::encode_all(d, 3).unwrap()),
    ];
    for (name, compress) in compressors {
        let tree = Tree::new(&[("f.txt", &numbered(1..=20))]);
        let file = tree.patch_file(&compress(CHANGE_10.as_bytes()));
        tree.apply_file(&file, json!({}))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(tree.read("f.txt").contains("LINE ELEVEN"), "{name}");
    }
}

#[test]
fn no_newline_at_end_of_file_on_either_side() {
    let tree = Tree::new(&[("f.txt", "a\nb")]);
    let add =
        "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n";
    tree.apply(add, json!({})).unwrap();
    assert_eq!(tree.read("f.txt"), "a\nb\n");
    tree.apply(add, json!({"reverse": true})).unwrap();
    assert_eq!(tree.read("f.txt"), "a\nb");
}

#[test]
fn crlf_content_is_kept_byte_for_byte() {
    let tree = Tree::new(&[("win.txt", "one\r\ntwo\r\nthree\r\n")]);
    let patch = "--- a/win.txt\n+++ b/win.txt\n@@ -1,3 +1,3 @@\n one\r\n-two\r\n+TWO\r\n three\r\n";
    tree.apply(patch, json!({})).unwrap();
    assert_eq!(
        fs::read(tree.root().join("win.txt")).unwrap(),
        b"one\r\nTWO\r\nthree\r\n"
    );

    // A patch whose every line (headers too) was converted to CRLF, by a
    // mailer say, applies to LF files: GNU patch strips the CRs then too.
    let tree = Tree::new(&[("unix.txt", "one\ntwo\nthree\n")]);
    let patch =
        "--- a/unix.txt\r\n+++ b/unix.txt\r\n@@ -1,3 +1,3 @@\r\n one\r\n-two\r\n+TWO\r\n three\r\n";
    tree.apply(patch, json!({})).unwrap();
    assert_eq!(
        fs::read(tree.root().join("unix.txt")).unwrap(),
        b"one\nTWO\nthree\n"
    );
}

#[test]
fn dep3_headers_and_strip_levels() {
    let tree = Tree::new(&[("deep/dir/f.txt", &numbered(1..=20))]);
    let patch = "\
Description: fix the eleventh line
 A DEP-3 header; the --- line below is not a diff.
Author: Someone <someone@example.org>
Forwarded: not-needed
---
This patch header follows DEP-3: http://dep.debian.net/deps/dep3/
Index: pkg/deep/dir/f.txt
===================================================================
--- pkg.orig/deep/dir/f.txt
+++ pkg/deep/dir/f.txt
@@ -10,3 +10,3 @@
 line 10
-line 11
+LINE ELEVEN
 line 12
";
    let err = tree.apply(patch, json!({"strip": 2})).unwrap_err();
    assert!(
        err.contains("can't find file to patch") && err.contains("dir/f.txt"),
        "{err}"
    );
    let f = registry().get("patch").unwrap();
    let file = tree.patch_file(patch.as_bytes());
    let mut named = Map::new();
    named.insert("dir".into(), json!(tree.root()));
    let args = f.arguments(vec![json!(file)], named).unwrap();
    f.call(&context(tree.dir.path()), args).unwrap();
    assert!(tree.read("deep/dir/f.txt").contains("LINE ELEVEN"));
}

#[test]
fn names_leaving_the_tree_are_refused() {
    let tree = Tree::new(&[]);
    let patch = "--- a/../escape.txt\n+++ b/../escape.txt\n@@ -0,0 +1 @@\n+pwned\n";
    let err = tree.apply(patch, json!({})).unwrap_err();
    assert!(err.contains("refusing to patch `../escape.txt`"), "{err}");
    assert!(!tree.dir.path().join("escape.txt").exists());
}

#[test]
fn unsupported_inputs_are_clear_errors() {
    let tree = Tree::new(&[("f.txt", "x\n")]);
    let err = tree
        .apply("just a description\nwith no diff in it\n", json!({}))
        .unwrap_err();
    assert!(err.contains("only garbage was found"), "{err}");
    let out = tree.apply("", json!({})).unwrap();
    assert_eq!(
        out,
        json!({"files": [], "hunks": []}),
        "an empty patch is no change"
    );
    let binary = "diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nGIT binary patch\nliteral 5\nMcmZ?wbYNg$00031\n\n";
    let err = tree.apply(binary, json!({})).unwrap_err();
    assert!(err.contains("binary diffs are not supported"), "{err}");
    let truncated = "--- a/f.txt\n+++ b/f.txt\n@@ -1,5 +1,5 @@\n x\n-y\n";
    let err = tree.apply(truncated, json!({})).unwrap_err();
    assert!(err.contains("ends in the middle of the hunk"), "{err}");
}

#[test]
fn line_numbers_too_large_for_any_file_are_refused_and_change_nothing() {
    for header in [
        "@@ -18446744073709551615,0 +1,1 @@",
        "@@ -1,1 +18446744073709551615,1 @@",
        "@@ -9223372036854775807,1 +1,1 @@",
    ] {
        let tree = Tree::new(&[("f.txt", "x\n")]);
        let before = tree.snapshot();
        let body = if header.contains(",0 ") {
            "+y\n"
        } else {
            "-x\n+y\n"
        };
        let patch = format!("--- a/f.txt\n+++ b/f.txt\n{header}\n{body}");
        let err = tree.apply(&patch, json!({})).unwrap_err();
        assert!(err.contains("line number too large"), "{header}: {err}");
        assert_eq!(tree.snapshot(), before, "{header} changed the tree");
    }
}
