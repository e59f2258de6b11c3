//! `patchShebangs` through the registry, on real files.

mod fixup_support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use fixup_support::{age, call, context, mode, mtime, old_time, write};
use serde_json::{json, Value};

/// A build directory with `bin/` holding fake interpreters (on PATH) and
/// `hostbin/` holding others (on HOST_PATH).
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let tree = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        for name in ["bash", "sh", "env", "perl"] {
            write(&tree.bin().join(name), "#!/bin/false\n", 0o755);
        }
        write(&tree.path("hostbin/bash"), "#!/bin/false\n", 0o755);
        write(&tree.path("bin/not-executable"), "data\n", 0o644);
        tree
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn bin(&self) -> PathBuf {
        self.path("bin")
    }

    fn found(&self, name: &str) -> String {
        self.bin().join(name).display().to_string()
    }

    fn cx(&self) -> phaser_stdlib::Context {
        context(
            self.dir.path(),
            &[
                ("PATH", self.bin().display().to_string()),
                ("HOST_PATH", self.path("hostbin").display().to_string()),
            ],
        )
    }

    fn script(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        write(&path, text, 0o755);
        path
    }

    fn patch(&self, named: Value) -> phaser_stdlib::Result<Value> {
        call(&self.cx(), "patchShebangs", vec![json!("out")], named)
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

#[test]
fn env_lines_get_the_program_found_on_path() {
    let t = Tree::new();
    let script = t.script("out/bin/hello", "#!/usr/bin/env bash -e\necho hello\n");
    let done = t.patch(json!({})).unwrap();
    assert_eq!(
        read(&script),
        format!("#!{} -e\necho hello\n", t.found("bash"))
    );
    assert_eq!(
        done,
        json!([{
            "path": script,
            "old": "#!/usr/bin/env bash -e",
            "new": format!("#!{} -e", t.found("bash")),
        }])
    );
}

#[test]
fn env_dash_s_keeps_env_and_resolves_the_program() {
    let t = Tree::new();
    let script = t.script("out/bin/tool", "#!/usr/bin/env -S perl -w -T\nprint 1;\n");
    t.patch(json!({})).unwrap();
    assert_eq!(
        read(&script),
        format!(
            "#!{} -S {} -w -T\nprint 1;\n",
            t.found("env"),
            t.found("perl")
        )
    );
}

#[test]
fn other_env_options_are_an_error_naming_the_file_and_nothing_changes() {
    let t = Tree::new();
    let good = t.script("out/bin/a-good", "#!/bin/sh\necho\n");
    let bad = t.script("out/bin/b-bad", "#!/usr/bin/env -i bash\necho\n");
    let err = t.patch(json!({})).unwrap_err().to_string();
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(err.contains("unsupported interpreter directive"), "{err}");
    assert_eq!(read(&good), "#!/bin/sh\necho\n");

    let t = Tree::new();
    let assigns = t.script("out/run", "#!/usr/bin/env LC_ALL=C perl\n");
    let err = t.patch(json!({})).unwrap_err().to_string();
    assert!(err.contains(&assigns.display().to_string()), "{err}");
}

#[test]
fn absolute_interpreters_are_looked_up_by_their_basename() {
    let t = Tree::new();
    let sh = t.script("out/bin/a", "#!/bin/sh -e\nexit 0\n");
    let bash = t.script("out/libexec/b", "#! /usr/local/bin/bash\n");
    let empty = t.script("out/c", "#!\necho default shell\n");
    t.patch(json!({})).unwrap();
    assert_eq!(read(&sh), format!("#!{} -e\nexit 0\n", t.found("sh")));
    assert_eq!(read(&bash), format!("#!{}\n", t.found("bash")));
    assert_eq!(
        read(&empty),
        format!("#!{}\necho default shell\n", t.found("sh"))
    );
}

#[test]
fn programs_not_on_the_path_and_store_interpreters_stay() {
    let t = Tree::new();
    let missing = t.script("out/a", "#!/usr/bin/python9\n");
    let missing_env = t.script("out/b", "#!/usr/bin/env ruby\n");
    let store = t.path("store").display().to_string();
    let in_store = format!("#!{store}/abc-bash/bin/bash\necho\n");
    let stored = t.script("out/c", &in_store);
    let done = t.patch(json!({"store": store})).unwrap();
    assert_eq!(done, json!([]));
    assert_eq!(read(&missing), "#!/usr/bin/python9\n");
    assert_eq!(read(&missing_env), "#!/usr/bin/env ruby\n");
    assert_eq!(read(&stored), in_store);

    t.patch(json!({"store": store, "update": true})).unwrap();
    assert_eq!(read(&stored), format!("#!{}\necho\n", t.found("bash")));
}

#[test]
fn non_executable_files_symlinks_and_non_scripts_are_ignored() {
    let t = Tree::new();
    let plain = t.path("out/share/data.sh");
    write(&plain, "#!/bin/sh\n", 0o644);
    let binary = t.path("out/bin/prog");
    write(&binary, b"\x7fELF#!/bin/sh\n", 0o755);
    let outside = t.script("elsewhere/script", "#!/bin/sh\n");
    std::os::unix::fs::symlink(&outside, t.path("out/bin/link")).unwrap();
    assert_eq!(t.patch(json!({})).unwrap(), json!([]));
    assert_eq!(read(&plain), "#!/bin/sh\n");
    assert_eq!(fs::read(&binary).unwrap(), b"\x7fELF#!/bin/sh\n");
    assert_eq!(read(&outside), "#!/bin/sh\n");
}

#[test]
fn mtime_mode_and_hard_links_are_kept_and_read_only_files_restored() {
    let t = Tree::new();
    let script = t.script("out/bin/ro", "#!/bin/bash\nbody\n");
    let link = t.path("out/bin/ro-link");
    fs::hard_link(&script, &link).unwrap();
    age(&script);
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
    t.patch(json!({})).unwrap();
    assert_eq!(read(&script), format!("#!{}\nbody\n", t.found("bash")));
    assert_eq!(mode(&script), 0o555);
    assert_eq!(mtime(&script), old_time());
    assert_eq!(read(&link), read(&script));
    assert_eq!(
        fs::metadata(&script).unwrap().ino(),
        fs::metadata(&link).unwrap().ino()
    );
}

#[test]
fn host_searches_host_path_and_build_searches_path() {
    let t = Tree::new();
    let script = t.script("out/bin/s", "#!/bin/bash\n");
    t.patch(json!({"host": true})).unwrap();
    assert_eq!(
        read(&script),
        format!("#!{}\n", t.path("hostbin/bash").display())
    );
    // A host interpreter is not in the default store, so build rewrites it again.
    t.patch(json!({"build": true})).unwrap();
    assert_eq!(read(&script), format!("#!{}\n", t.found("bash")));

    let err = t
        .patch(json!({"host": true, "build": true}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("only one of `host` and `build`"), "{err}");
}

#[test]
fn several_paths_and_a_last_line_without_newline() {
    let t = Tree::new();
    let a = t.script("out/bin/a", "#!/usr/bin/env bash");
    let b = t.script("dev/bin/b", "#!/bin/sh\n");
    let cx = t.cx();
    let done = call(
        &cx,
        "patchShebangs",
        vec![json!("out"), json!("dev/bin/b")],
        json!({}),
    )
    .unwrap();
    assert_eq!(done.as_array().unwrap().len(), 2);
    assert_eq!(read(&a), format!("#!{}", t.found("bash")));
    assert_eq!(read(&b), format!("#!{}\n", t.found("sh")));
}

#[test]
fn many_files_are_all_patched() {
    let t = Tree::new();
    for i in 0..300 {
        let text = if i % 2 == 0 {
            "#!/usr/bin/env bash\necho\n"
        } else {
            "not a script\n"
        };
        t.script(&format!("out/d{}/f{i}", i % 7), text);
    }
    let done = t.patch(json!({})).unwrap();
    assert_eq!(done.as_array().unwrap().len(), 150);
    assert_eq!(
        read(&t.path("out/d0/f0")),
        format!("#!{}\necho\n", t.found("bash"))
    );
    assert_eq!(read(&t.path("out/d1/f1")), "not a script\n");
}

#[test]
fn writing_outside_the_roots_is_refused() {
    let t = Tree::new();
    let outside = tempfile::tempdir().unwrap();
    let script = outside.path().join("s");
    write(&script, "#!/bin/sh\n", 0o755);
    let err = call(
        &t.cx(),
        "patchShebangs",
        vec![json!(outside.path())],
        json!({}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("outside the directories"), "{err}");
    assert_eq!(read(&script), "#!/bin/sh\n");
}
