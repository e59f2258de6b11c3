//! The standard library through all three bindings: every scenario is one
//! call (a function name and an argument object), made from Rhai as
//! `NAME(#{...})`, from Lua as `std.NAME{...}` and from bash as
//! `phaser std NAME '{...}'`, after the same setup, with the same checks
//! (the harness is `phaser_tests::bindings`; the fixup functions of
//! stdenv's setup hooks are in `stdlib_bindings_fixup.rs`).

use std::path::Path;

use phaser_tests::bindings::{call, read, Binding, BINDINGS};
use phaser_tests::stderr;
use serde_json::{json, Value};

#[test]
fn mkdir_write_read_and_exists() {
    for b in BINDINGS {
        let o = call(b, "", "mkdir", json!({"path": "a/b/c"}));
        o.ok(b);
        assert!(o.dir().join("a/b/c").is_dir(), "{b:?}");
        let o = call(
            b,
            "",
            "write",
            json!({"path": "d/note.txt", "content": "hi\n"}),
        );
        o.ok(b);
        assert_eq!(read(&o.dir(), "d/note.txt"), "hi\n");
        let o = call(
            b,
            "printf 'x\\ny\\n' > f.txt",
            "read",
            json!({"path": "f.txt"}),
        );
        assert_eq!(o.ok(b).result(), json!("x\ny\n"), "{b:?}");
        let o = call(b, "touch here", "exists", json!({"path": "here"}));
        assert_eq!(o.ok(b).result(), json!(true), "{b:?}");
    }
}

#[test]
fn copy_keeps_modes_and_move_and_remove_work() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p src/sub && echo a > src/sub/x && chmod 750 src/sub/x && ln -s x src/sub/link",
            "copy",
            json!({"src": "src", "dest": "dst"}),
        );
        o.ok(b);
        let meta = std::fs::metadata(o.dir().join("dst/sub/x")).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o750,
            "{b:?}"
        );
        assert_eq!(
            std::fs::read_link(o.dir().join("dst/sub/link")).unwrap(),
            Path::new("x"),
            "{b:?}"
        );
        let o = call(
            b,
            "echo a > one",
            "move",
            json!({"src": "one", "dest": "two"}),
        );
        o.ok(b);
        assert!(
            !o.dir().join("one").exists() && o.dir().join("two").exists(),
            "{b:?}"
        );
        let o = call(
            b,
            "mkdir -p gone/deep && touch gone/deep/f",
            "remove",
            json!({"path": "gone", "recursive": true}),
        );
        o.ok(b);
        assert!(!o.dir().join("gone").exists(), "{b:?}");
    }
}

#[test]
fn run_captures_output_and_a_failure_names_the_command() {
    for b in BINDINGS {
        let o = call(
            b,
            "",
            "run",
            json!({"argv": ["sh", "-c", "echo \"$greeting\""], "capture": true}),
        );
        assert_eq!(o.ok(b).result()["stdout"], json!("hello\n"), "{b:?}");
        let o = call(
            b,
            "",
            "run",
            json!({"argv": ["sh", "-c", "echo broken >&2; exit 3"]}),
        );
        o.failed_with(b, &["exited with status 3", "broken"]);
        // From Rhai and Lua the build exits with the command's status, as
        // stdenv's builder does; bash's `$(phaser std ...)` fails with 1.
        let status = if matches!(b, Binding::Bash) { 1 } else { 3 };
        assert_eq!(o.output.status.code(), Some(status), "{b:?}");
    }
}

#[test]
fn substitute_in_place_and_its_failure() {
    for b in BINDINGS {
        let o = call(
            b,
            "printf 'prefix=@out@\\npath=/usr/bin\\n' > conf",
            "substituteInPlace",
            json!({"files": ["conf"], "args": ["--replace-fail", "/usr/bin", "/bin", "--subst-var", "greeting"]}),
        );
        o.ok(b);
        let o2 = call(
            b,
            "printf 'a=@greeting@ /usr/bin\\n' > conf",
            "substituteInPlace",
            json!({"files": ["conf"], "args": ["--replace-fail", "/usr/bin", "/bin", "--subst-var", "greeting"]}),
        );
        o2.ok(b);
        assert_eq!(read(&o2.dir(), "conf"), "a=hello /bin\n", "{b:?}");
        let o = call(
            b,
            "echo nothing here > conf",
            "substituteInPlace",
            json!({"files": ["conf"], "args": ["--replace-fail", "absent", "x"]}),
        );
        o.failed_with(b, &["conf", "absent"]);
        assert_eq!(
            read(&o.dir(), "conf"),
            "nothing here\n",
            "{b:?}: a failed substitution changed the file"
        );
    }
}

#[test]
fn hash_of_a_string_and_a_file() {
    let hello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    for b in BINDINGS {
        let o = call(b, "", "hash", json!({"string": "hello"}));
        assert_eq!(o.ok(b).result(), json!(hello), "{b:?}");
        let o = call(
            b,
            "printf hello > f",
            "hash",
            json!({"file": "f", "format": "sri"}),
        );
        assert_eq!(
            o.ok(b).result(),
            json!("sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
            "{b:?}"
        );
    }
}

#[test]
fn json_read_and_write() {
    for b in BINDINGS {
        let o = call(
            b,
            "",
            "writeJson",
            json!({"path": "v.json", "value": {"a": [1, 2]}}),
        );
        o.ok(b);
        let v: Value = serde_json::from_str(&read(&o.dir(), "v.json")).unwrap();
        assert_eq!(v, json!({"a": [1, 2]}), "{b:?}");
        let o = call(
            b,
            "echo '{\"k\": \"v\"}' > r.json",
            "readJson",
            json!({"path": "r.json"}),
        );
        assert_eq!(o.ok(b).result(), json!({"k": "v"}), "{b:?}");
    }
}

#[test]
fn writes_outside_the_roots_are_refused() {
    for b in BINDINGS {
        let o = call(
            b,
            "",
            "write",
            json!({"path": "/etc/phaser-must-not-exist", "content": "x"}),
        );
        o.failed_with(b, &["outside the directories this phase may write to"]);
        assert!(!Path::new("/etc/phaser-must-not-exist").exists());
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    for b in BINDINGS {
        let o = call(b, "", "read", json!({"path": "no-such-file"}));
        o.failed_with(b, &["no-such-file"]);
    }
}

#[test]
fn unpack_reports_the_source_root() {
    for b in BINDINGS {
        let o = call(b, "mkdir -p pkg-1.0/src && echo x > pkg-1.0/src/a.c && tar czf pkg.tar.gz pkg-1.0 && rm -r pkg-1.0 && mkdir into", "unpack", json!({"src": "pkg.tar.gz", "dest": "into"}));
        assert_eq!(o.ok(b).result()["sourceRoot"], json!("pkg-1.0"), "{b:?}");
        assert_eq!(read(&o.dir(), "into/pkg-1.0/src/a.c"), "x\n");
    }
}

#[test]
fn patch_applies_and_a_failing_hunk_leaves_the_tree_unchanged() {
    let setup = "mkdir -p t && printf 'one\\ntwo\\nthree\\n' > t/f.txt && printf -- '--- a/f.txt\\n+++ b/f.txt\\n@@ -1,3 +1,3 @@\\n one\\n-two\\n+TWO\\n three\\n' > good.diff && printf -- '--- a/f.txt\\n+++ b/f.txt\\n@@ -1,3 +1,3 @@\\n uno\\n-dos\\n+DOS\\n tres\\n' > bad.diff";
    for b in BINDINGS {
        let o = call(b, setup, "patch", json!({"patch": "good.diff", "dir": "t"}));
        o.ok(b);
        assert_eq!(read(&o.dir(), "t/f.txt"), "one\nTWO\nthree\n", "{b:?}");
        let o = call(b, setup, "patch", json!({"patch": "bad.diff", "dir": "t"}));
        o.failed_with(b, &["bad.diff", "f.txt", "hunk"]);
        assert_eq!(read(&o.dir(), "t/f.txt"), "one\ntwo\nthree\n", "{b:?}");
    }
}

#[test]
fn patch_takes_gnu_patchs_flags() {
    // The file has a line more at the top: GNU patch's defaults keep the
    // original as f.txt.orig when a hunk lands at an offset.
    let setup = "mkdir -p t && printf 'zero\\none\\ntwo\\nthree\\n' > t/f.txt && printf -- '--- a/f.txt\\n+++ b/f.txt\\n@@ -1,3 +1,3 @@\\n one\\n-two\\n+TWO\\n three\\n' > good.diff";
    for b in BINDINGS {
        let o = call(
            b,
            setup,
            "patch",
            json!({"patch": "good.diff", "dir": "t", "flags": ["-p1"]}),
        );
        assert_eq!(
            o.ok(b).result()["files"][0]["backup"],
            json!("f.txt.orig"),
            "{b:?}"
        );
        assert_eq!(
            read(&o.dir(), "t/f.txt"),
            "zero\none\nTWO\nthree\n",
            "{b:?}"
        );
        assert_eq!(
            read(&o.dir(), "t/f.txt.orig"),
            "zero\none\ntwo\nthree\n",
            "{b:?}"
        );
        let o = call(
            b,
            setup,
            "patch",
            json!({"patch": "good.diff", "dir": "t", "flags": ["-p1", "--frobnicate"]}),
        );
        o.failed_with(b, &["good.diff", "--frobnicate", "-p N/--strip=N"]);
    }
}

#[test]
fn patch_shebangs_uses_the_phase_path() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p bin && printf '#!/usr/bin/env sh\\necho hi\\n' > bin/s && chmod +x bin/s",
            "patchShebangs",
            json!({"paths": ["bin"]}),
        );
        o.ok(b);
        let first = read(&o.dir(), "bin/s").lines().next().unwrap().to_string();
        assert!(
            first.starts_with("#!/") && first.ends_with("/sh") && !first.contains("env"),
            "{b:?}: {first}"
        );
    }
}

#[test]
fn man_pages_are_compressed() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p o/share/man/man1 && echo page > o/share/man/man1/x.1",
            "compressManPages",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert!(o.dir().join("o/share/man/man1/x.1.gz").is_file(), "{b:?}");
        assert!(!o.dir().join("o/share/man/man1/x.1").exists(), "{b:?}");
    }
}

#[test]
fn symlink_chmod_find_and_install() {
    for b in BINDINGS {
        let o = call(
            b,
            "touch target",
            "symlink",
            json!({"target": "target", "link": "ln"}),
        );
        o.ok(b);
        assert_eq!(
            std::fs::read_link(o.dir().join("ln")).unwrap(),
            Path::new("target"),
            "{b:?}"
        );
        let o = call(
            b,
            "touch f && chmod 644 f",
            "chmod",
            json!({"mode": "u+x,g-r", "paths": ["f"]}),
        );
        o.ok(b);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(o.dir().join("f")).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o704, "{b:?}");
        let o = call(
            b,
            "mkdir -p s/d && touch s/a.c s/d/b.c s/d/c.h",
            "find",
            json!({"root": "s", "glob": "*.c"}),
        );
        assert_eq!(o.ok(b).result(), json!(["s/a.c", "s/d/b.c"]), "{b:?}");
        // bash's glob with nullglob: no dot files, one directory level per `*`.
        let o = call(
            b,
            "mkdir -p s/d && touch s/a.c s/.h.c s/d/b.c",
            "glob",
            json!({"pattern": "*.c", "dir": "s"}),
        );
        assert_eq!(o.ok(b).result(), json!(["a.c"]), "{b:?}");
        let o = call(b, "", "glob", json!({"pattern": "none-*"}));
        assert_eq!(o.ok(b).result(), json!([]), "{b:?}");
        let o = call(
            b,
            "echo '#!/bin/sh' > tool",
            "install",
            json!({"src": "tool", "dest": "o/bin/tool"}),
        );
        o.ok(b);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(o.dir().join("o/bin/tool"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o755, "{b:?}");
    }
}

#[test]
fn substitute_log_stat_touch_and_newest_mtime() {
    for b in BINDINGS {
        let o = call(
            b,
            "echo 'v=@version@' > in",
            "substitute",
            json!({"src": "in", "dest": "out", "args": ["--subst-var-by", "version", "1.2"]}),
        );
        o.ok(b);
        assert_eq!(read(&o.dir(), "out"), "v=1.2\n", "{b:?}");
        let o = call(
            b,
            "",
            "log",
            json!({"message": "a log line from the binding test"}),
        );
        assert!(
            stderr(&o.ok(b).output).contains("a log line from the binding test"),
            "{b:?}"
        );
        let o = call(
            b,
            "printf abc > f && chmod 755 f",
            "stat",
            json!({"path": "f"}),
        );
        let s = o.ok(b).result();
        assert_eq!(
            (
                s["type"].clone(),
                s["size"].clone(),
                s["executable"].clone()
            ),
            (json!("file"), json!(3), json!(true)),
            "{b:?}"
        );
        let o = call(
            b,
            "touch f",
            "touch",
            json!({"path": "f", "mtime": 1234567890}),
        );
        o.ok(b);
        let mtime =
            std::os::unix::fs::MetadataExt::mtime(&std::fs::metadata(o.dir().join("f")).unwrap());
        assert_eq!(mtime, 1234567890, "{b:?}");
        let o = call(
            b,
            "mkdir t && touch -d @1000 t/a && touch -d @2000 t/b && touch -d @1500 t",
            "newestMtime",
            json!({"path": "t"}),
        );
        assert_eq!(o.ok(b).result(), json!(2000), "{b:?}");
    }
}

#[test]
fn output_layout_helpers() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p o/man/man1 o/doc && touch o/man/man1/x.1 o/doc/README",
            "moveDocs",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert!(
            o.dir().join("o/share/man/man1/x.1").exists()
                && o.dir().join("o/share/doc/README").exists(),
            "{b:?}"
        );
        let o = call(
            b,
            "mkdir -p o/lib64 && touch o/lib64/libx.so",
            "moveLib64",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert!(o.dir().join("o/lib/libx.so").exists(), "{b:?}");
        let o = call(
            b,
            "mkdir -p o/sbin && touch o/sbin/daemon",
            "moveSbin",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert!(o.dir().join("o/bin/daemon").exists(), "{b:?}");
        let la = "# libx.la - a libtool library file\\n# Generated by libtool (GNU libtool) 2.4.7\\ndependency_libs=' -lz'\\nold_library=''\\n";
        let o = call(
            b,
            &format!("mkdir -p o/lib && printf \"{la}\" > o/lib/libx.la"),
            "pruneLibtoolFiles",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert!(
            read(&o.dir(), "o/lib/libx.la").contains("dependency_libs=''"),
            "{b:?}: {}",
            read(&o.dir(), "o/lib/libx.la")
        );
    }
}

#[test]
fn strip_removes_debug_info() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p o/bin && printf 'int main(void){return 0;}\\n' > m.c && cc -g -o o/bin/m m.c",
            "strip",
            json!({"paths": ["o"]}),
        );
        o.ok(b);
        let sections = std::process::Command::new("readelf")
            .arg("-S")
            .arg(o.dir().join("o/bin/m"))
            .output()
            .expect("readelf (binutils) is needed: apt-get install binutils");
        let text = String::from_utf8_lossy(&sections.stdout);
        assert!(!text.contains(".debug_info"), "{b:?}: debug info left");
        assert!(
            text.contains(".symtab"),
            "{b:?}: -S must keep the symbol table"
        );
    }
}

/// Every function of the registry is called by some scenario above.
#[test]
fn every_standard_library_function_has_a_binding_scenario() {
    let output = phaser_tests::phaser()
        .args(["std", "--list"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&output.stdout);
    let this_file = concat!(
        include_str!("stdlib_bindings.rs"),
        include_str!("stdlib_bindings_fixup.rs")
    );
    let mut missing = Vec::new();
    for line in listing
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
    {
        let name = line.split('{').next().unwrap_or(line);
        if !this_file.contains(&format!("\"{name}\",")) {
            missing.push(name.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "functions without a scenario through the bindings: {missing:?}"
    );
}

/// `phaser std ... | head` ends quietly when head stops reading, as
/// coreutils do, instead of panicking on the closed pipe.
#[test]
fn a_closed_stdout_ends_phaser_std_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "line\n".repeat(200_000)).unwrap();
    let mut child = phaser_tests::phaser()
        .args(["std", "read"])
        .arg(&big)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close the pipe: the rest (1 MB, more than a
    // pipe holds) has nowhere to go.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        output.status.signal() == Some(libc::SIGPIPE) || output.status.success(),
        "{:?}: {err}",
        output.status
    );
}
