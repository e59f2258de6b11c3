//! The `files` family through the registry.

mod core_support;

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use core_support::{call, call_positional, context_in, fail, fail_positional, mode_of, setup};
use serde_json::json;

fn set_mode(path: impl AsRef<Path>, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Sets atime and mtime of `path` itself (symlinks not followed).
fn set_times(path: &Path, secs: i64, nsec: i64) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    let t = libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: nsec as _,
    };
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            [t, t].as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    assert_eq!(rc, 0, "utimensat {}", path.display());
}

fn mtime(path: &Path) -> (i64, i64) {
    let m = fs::symlink_metadata(path).unwrap();
    (m.mtime(), m.mtime_nsec())
}

#[test]
fn mkdir_creates_parents_by_default_and_plain_mkdir_refuses_existing() {
    let (dir, cx) = setup();
    call_positional(&cx, "mkdir", vec![json!("a/b/c"), json!("d")]);
    assert!(dir.path().join("a/b/c").is_dir() && dir.path().join("d").is_dir());
    call(&cx, "mkdir", json!({"path": "a/b/c"}));
    let err = fail(&cx, "mkdir", json!({"path": "d", "parents": false}));
    assert!(
        err.contains("creating directory") && err.contains("/d"),
        "{err}"
    );
    let err = fail(&cx, "mkdir", json!({"path": "x/y", "parents": false}));
    assert!(err.contains("x/y"), "{err}");
    let err = fail(&cx, "mkdir", json!({}));
    assert!(err.contains("no path given"), "{err}");
}

#[test]
fn write_read_append_and_mode() {
    let (dir, cx) = setup();
    call_positional(&cx, "write", vec![json!("sub/f.txt"), json!("hello\n")]);
    call(
        &cx,
        "write",
        json!({"path": "sub/f.txt", "content": "world\n", "append": true}),
    );
    assert_eq!(
        call(&cx, "read", json!({"path": "sub/f.txt"})),
        json!("hello\nworld\n")
    );
    call(
        &cx,
        "write",
        json!({"path": "sub/f.txt", "content": "x", "mode": "750"}),
    );
    assert_eq!(fs::read(dir.path().join("sub/f.txt")).unwrap(), b"x");
    assert_eq!(mode_of(dir.path().join("sub/f.txt")), 0o750);
    call(
        &cx,
        "write",
        json!({"path": "sub/f.txt", "content": "y", "mode": "g-x,o+r"}),
    );
    assert_eq!(mode_of(dir.path().join("sub/f.txt")), 0o744);
    // Truncating keeps the mode, like `>`.
    call(&cx, "write", json!({"path": "sub/f.txt", "content": "z"}));
    assert_eq!(mode_of(dir.path().join("sub/f.txt")), 0o744);
    let err = fail(
        &cx,
        "write",
        json!({"path": "f", "content": "x", "mode": 755}),
    );
    assert!(err.starts_with("write: bad arguments"), "{err}");
}

#[test]
fn read_errors_name_the_file() {
    let (dir, cx) = setup();
    let err = fail(&cx, "read", json!({"path": "missing.txt"}));
    assert!(
        err.contains("reading") && err.contains("missing.txt"),
        "{err}"
    );
    fs::write(dir.path().join("bin"), b"ok\xff\x00").unwrap();
    let err = fail(&cx, "read", json!({"path": "bin"}));
    assert!(
        err.contains("not UTF-8") && err.contains("offset 2"),
        "{err}"
    );
    assert!(err.contains("/bin"), "{err}");
}

#[test]
fn exists_follows_symlinks() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("f"), "").unwrap();
    symlink("f", dir.path().join("good")).unwrap();
    symlink("nowhere", dir.path().join("dangling")).unwrap();
    assert_eq!(call(&cx, "exists", json!({"path": "f"})), json!(true));
    assert_eq!(
        call_positional(&cx, "exists", vec![json!("good")]),
        json!(true)
    );
    assert_eq!(
        call(&cx, "exists", json!({"path": "dangling"})),
        json!(false)
    );
    assert_eq!(
        call(&cx, "exists", json!({"path": "missing"})),
        json!(false)
    );
}

#[test]
fn symlink_creates_replaces_only_with_force_and_never_a_directory() {
    let (dir, cx) = setup();
    call_positional(
        &cx,
        "symlink",
        vec![json!("../lib/libz.so.1"), json!("lib64/libz.so")],
    );
    let link = dir.path().join("lib64/libz.so");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("../lib/libz.so.1"));
    let err = fail(
        &cx,
        "symlink",
        json!({"target": "other", "link": "lib64/libz.so"}),
    );
    assert!(
        err.contains("already exists") && err.contains("force"),
        "{err}"
    );
    call(
        &cx,
        "symlink",
        json!({"target": "other", "link": "lib64/libz.so", "force": true}),
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("other"));
    fs::create_dir(dir.path().join("d")).unwrap();
    let err = fail(
        &cx,
        "symlink",
        json!({"target": "x", "link": "d", "force": true}),
    );
    assert!(err.contains("is a directory"), "{err}");
    assert_eq!(fs::read_dir(dir.path().join("lib64")).unwrap().count(), 1);
}

#[test]
fn remove_is_rm_with_recursive_and_force() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::create_dir_all(root.join("tree/ro/deep")).unwrap();
    fs::write(root.join("tree/ro/deep/f"), "x").unwrap();
    fs::write(root.join("keep"), "x").unwrap();
    symlink(root.join("keep"), root.join("tree/link")).unwrap();
    set_mode(root.join("tree/ro/deep"), 0o555);
    set_mode(root.join("tree/ro"), 0o555);

    let err = fail(&cx, "remove", json!({"path": "tree"}));
    assert!(
        err.contains("is a directory") && err.contains("recursive: true"),
        "{err}"
    );
    call(&cx, "remove", json!({"path": "tree", "recursive": true}));
    assert!(!root.join("tree").exists());
    assert!(
        root.join("keep").exists(),
        "a symlink's target is not removed"
    );

    let err = fail(&cx, "remove", json!({"path": "gone"}));
    assert!(err.contains("gone"), "{err}");
    call(&cx, "remove", json!({"path": "gone", "force": true}));
    call_positional(&cx, "remove", vec![json!("keep")]);
    assert!(!root.join("keep").exists());
}

#[test]
fn remove_deletes_a_symlink_that_points_out_of_the_roots() {
    let (dir, cx) = setup();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("precious"), "x").unwrap();
    symlink(outside.path(), dir.path().join("escape")).unwrap();
    call(&cx, "remove", json!({"path": "escape", "recursive": true}));
    assert!(fs::symlink_metadata(dir.path().join("escape")).is_err());
    assert!(outside.path().join("precious").exists());
}

/// src/ with modes, a relative and a dangling symlink, a hard link pair, a
/// read-only subdirectory and old timestamps everywhere.
fn make_tree(root: &Path) {
    let src = root.join("src");
    fs::create_dir_all(src.join("bin")).unwrap();
    fs::create_dir_all(src.join("share/doc")).unwrap();
    fs::write(src.join("bin/tool"), "#!/bin/sh\necho hi\n").unwrap();
    set_mode(src.join("bin/tool"), 0o751);
    fs::write(src.join("share/doc/README"), "read me").unwrap();
    set_mode(src.join("share/doc/README"), 0o640);
    fs::hard_link(src.join("bin/tool"), src.join("bin/tool-again")).unwrap();
    symlink("tool", src.join("bin/alias")).unwrap();
    symlink("../missing", src.join("bin/dangling")).unwrap();
    for (i, path) in [
        "bin/tool",
        "bin/alias",
        "bin/dangling",
        "share/doc/README",
        "share/doc",
        "share",
        "bin",
        "",
    ]
    .iter()
    .enumerate()
    {
        set_times(
            &src.join(path),
            1_000_000_000 + i as i64 * 1000,
            123_456_789,
        );
    }
    set_mode(src.join("share/doc"), 0o555);
}

fn assert_same_tree(src: &Path, dest: &Path) {
    for path in [
        "",
        "bin",
        "bin/tool",
        "bin/alias",
        "bin/dangling",
        "share/doc",
        "share/doc/README",
    ] {
        let (a, b) = (src.join(path), dest.join(path));
        assert_eq!(mode_of(&a), mode_of(&b), "mode of {path}");
        assert_eq!(mtime(&a), mtime(&b), "mtime of {path}");
        assert_eq!(
            fs::symlink_metadata(&a).unwrap().file_type(),
            fs::symlink_metadata(&b).unwrap().file_type(),
            "type of {path}"
        );
    }
    assert_eq!(
        fs::read_link(dest.join("bin/alias")).unwrap(),
        Path::new("tool")
    );
    assert_eq!(
        fs::read_link(dest.join("bin/dangling")).unwrap(),
        Path::new("../missing")
    );
    assert_eq!(fs::read(dest.join("share/doc/README")).unwrap(), b"read me");
    let (one, two) = (
        fs::metadata(dest.join("bin/tool")).unwrap(),
        fs::metadata(dest.join("bin/tool-again")).unwrap(),
    );
    assert_eq!(one.ino(), two.ino(), "hard links stay linked");
    assert_ne!(one.ino(), fs::metadata(src.join("bin/tool")).unwrap().ino());
}

#[test]
fn copy_keeps_symlinks_modes_mtimes_and_hard_links() {
    let (dir, cx) = setup();
    make_tree(dir.path());
    call_positional(&cx, "copy", vec![json!("src"), json!("out/copy")]);
    assert_same_tree(&dir.path().join("src"), &dir.path().join("out/copy"));
    // Into an existing directory: dest/<name>, as cp -r.
    call(&cx, "copy", json!({"src": "src", "dest": "out"}));
    assert_same_tree(&dir.path().join("src"), &dir.path().join("out/src"));
    // Again onto the same place merges and replaces files.
    call(&cx, "copy", json!({"src": "src", "dest": "out"}));
    assert_same_tree(&dir.path().join("src"), &dir.path().join("out/src"));
    set_mode(dir.path().join("src/share/doc"), 0o755);
    set_mode(dir.path().join("out/src/share/doc"), 0o755);
    set_mode(dir.path().join("out/copy/share/doc"), 0o755);
}

#[test]
fn copy_destination_rules() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::write(root.join("a"), "A").unwrap();
    fs::write(root.join("b"), "B").unwrap();
    call(&cx, "copy", json!({"src": "a", "dest": "new/dir/"}));
    assert_eq!(fs::read(root.join("new/dir/a")).unwrap(), b"A");
    call(&cx, "copy", json!({"src": ["a", "b"], "dest": "many"}));
    assert_eq!(fs::read(root.join("many/b")).unwrap(), b"B");
    call(&cx, "copy", json!({"src": "a", "dest": "deep/er/c"}));
    assert_eq!(fs::read(root.join("deep/er/c")).unwrap(), b"A");

    // A symlink at the destination is replaced, not written through.
    symlink(root.join("b"), root.join("to-b")).unwrap();
    call(&cx, "copy", json!({"src": "a", "dest": "to-b"}));
    assert_eq!(fs::read(root.join("b")).unwrap(), b"B");
    assert!(fs::symlink_metadata(root.join("to-b")).unwrap().is_file());

    let err = fail(
        &cx,
        "copy",
        json!({"src": "a", "dest": "b", "overwrite": false}),
    );
    assert!(
        err.contains("already exists") && err.contains("overwrite"),
        "{err}"
    );
    let err = fail(&cx, "copy", json!({"src": "missing", "dest": "x"}));
    assert!(err.contains("missing"), "{err}");
    fs::create_dir(root.join("d")).unwrap();
    let err = fail(&cx, "copy", json!({"src": "d", "dest": "d/x/inner"}));
    assert!(err.contains("into itself"), "{err}");
    assert!(
        !root.join("d/x").exists(),
        "nothing created before the refusal"
    );
    let err = fail(&cx, "copy", json!({"src": "d", "dest": "a"}));
    assert!(err.contains("cannot overwrite non-directory"), "{err}");
}

#[test]
fn move_renames_and_moves_into_directories() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::write(root.join("a"), "A").unwrap();
    call_positional(&cx, "move", vec![json!("a"), json!("b")]);
    assert!(!root.join("a").exists());
    assert_eq!(fs::read(root.join("b")).unwrap(), b"A");
    fs::create_dir(root.join("d")).unwrap();
    call(&cx, "move", json!({"src": "b", "dest": "d"}));
    assert_eq!(fs::read(root.join("d/b")).unwrap(), b"A");
    call(&cx, "move", json!({"src": "d", "dest": "e/f/"}));
    assert_eq!(fs::read(root.join("e/f/d/b")).unwrap(), b"A");
    let err = fail(&cx, "move", json!({"src": "e", "dest": "e/f/d/"}));
    assert!(
        err.contains("cannot move directory") && err.contains("into itself"),
        "{err}"
    );
    let err = fail(&cx, "move", json!({"src": "nope", "dest": "x"}));
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn move_across_file_systems_copies_and_removes() {
    // /dev/shm is a tmpfs on most Linux machines; where it is the same file
    // system as the temporary directory there is nothing to test here.
    let (dir, cx) = setup();
    let Ok(shm) = tempfile::tempdir_in("/dev/shm") else {
        return;
    };
    if fs::metadata(shm.path()).unwrap().dev() == fs::metadata(dir.path()).unwrap().dev() {
        return;
    }
    make_tree(dir.path());
    let cx = cx.with_roots(phaser_stdlib::Roots::Only(vec![
        dir.path().into(),
        shm.path().into(),
    ]));
    let dest = shm.path().join("moved");
    let reference = dir.path().join("reference");
    call(&cx, "copy", json!({"src": "src", "dest": reference}));
    call(&cx, "move", json!({"src": "src", "dest": dest}));
    assert!(!dir.path().join("src").exists());
    assert_same_tree(&reference, &dest);
    set_mode(dest.join("share/doc"), 0o755);
    set_mode(reference.join("share/doc"), 0o755);
}

#[test]
fn chmod_octal_symbolic_and_recursive() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::create_dir_all(root.join("t/sub")).unwrap();
    fs::write(root.join("t/sub/f"), "").unwrap();
    fs::write(root.join("t/x"), "").unwrap();
    set_mode(root.join("t/x"), 0o700);
    fs::write(root.join("target"), "").unwrap();
    set_mode(root.join("target"), 0o600);
    symlink(root.join("target"), root.join("t/link")).unwrap();

    call_positional(&cx, "chmod", vec![json!("640"), json!("t/x")]);
    assert_eq!(mode_of(root.join("t/x")), 0o640);
    call(&cx, "chmod", json!({"mode": "u+x,g+w", "path": "t/x"}));
    assert_eq!(mode_of(root.join("t/x")), 0o760);
    call(
        &cx,
        "chmod",
        json!({"mode": "go-rwx,u=rwX", "paths": ["t"], "recursive": true}),
    );
    assert_eq!(mode_of(root.join("t")), 0o700);
    assert_eq!(mode_of(root.join("t/sub")), 0o700);
    assert_eq!(mode_of(root.join("t/sub/f")), 0o600);
    assert_eq!(mode_of(root.join("t/x")), 0o700);
    assert_eq!(
        mode_of(root.join("target")),
        0o600,
        "symlinks inside are skipped"
    );

    let err = fail(&cx, "chmod", json!({"mode": "u+q", "path": "t"}));
    assert!(err.contains("invalid mode \"u+q\""), "{err}");
    let err = fail(&cx, "chmod", json!({"mode": "644", "path": "missing"}));
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn find_matches_globs_and_follows_the_path_rule() {
    let (dir, cx) = setup();
    let root = dir.path();
    for file in [
        "src/a.c",
        "src/lib/b.c",
        "src/lib/b.h",
        "src/.hidden.c",
        "doc/x.md",
    ] {
        let path = root.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "").unwrap();
    }
    symlink("a.c", root.join("src/link.c")).unwrap();

    let all_c = call(&cx, "find", json!({"glob": "*.c"}));
    assert_eq!(
        all_c,
        json!(["src/.hidden.c", "src/a.c", "src/lib/b.c", "src/link.c"])
    );
    let under_src = call_positional(&cx, "find", vec![json!("src"), json!("*.c"), json!("*.h")]);
    assert_eq!(
        under_src,
        json!([
            "src/.hidden.c",
            "src/a.c",
            "src/lib/b.c",
            "src/lib/b.h",
            "src/link.c"
        ])
    );
    let path_glob = call(&cx, "find", json!({"root": "src", "glob": "lib/*"}));
    assert_eq!(path_glob, json!(["src/lib/b.c", "src/lib/b.h"]));
    let top_only = call(&cx, "find", json!({"globs": ["src/*.c"], "type": "file"}));
    assert_eq!(top_only, json!(["src/.hidden.c", "src/a.c"]));
    let links = call(&cx, "find", json!({"type": "symlink"}));
    assert_eq!(links, json!(["src/link.c"]));
    let dirs = call(&cx, "find", json!({"type": "dir", "maxDepth": 1}));
    assert_eq!(dirs, json!(["doc", "src"]));
    let absolute = call(&cx, "find", json!({"root": root.join("doc")}));
    assert_eq!(absolute, json!([root.join("doc/x.md")]));

    let err = fail(&cx, "find", json!({"root": "nowhere"}));
    assert!(
        err.contains("nowhere") && err.contains("not a directory"),
        "{err}"
    );
    let err = fail_positional(&cx, "find", vec![json!("*.c")]);
    assert!(err.contains("pass it as `glob`"), "{err}");
    let err = fail(&cx, "find", json!({"glob": "a[b"}));
    assert!(err.contains("bad glob"), "{err}");
    let err = fail(&cx, "find", json!({"type": "fifo"}));
    assert!(err.contains("unknown variant"), "{err}");
}

#[test]
fn install_files_and_directories() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::write(root.join("tool"), "bin").unwrap();
    set_mode(root.join("tool"), 0o600);
    fs::write(root.join("lib.h"), "h").unwrap();

    call_positional(&cx, "install", vec![json!("tool"), json!("out/bin/tool")]);
    assert_eq!(fs::read(root.join("out/bin/tool")).unwrap(), b"bin");
    assert_eq!(mode_of(root.join("out/bin/tool")), 0o755);
    call(
        &cx,
        "install",
        json!({"src": "lib.h", "dest": "out/include/", "mode": "644"}),
    );
    assert_eq!(mode_of(root.join("out/include/lib.h")), 0o644);
    call(
        &cx,
        "install",
        json!({"src": ["tool", "lib.h"], "dest": "out/share", "mode": "u+r"}),
    );
    assert_eq!(mode_of(root.join("out/share/tool")), 0o400);
    // Replacing a read-only installed file works, like install(1).
    set_mode(root.join("out/bin/tool"), 0o444);
    fs::write(root.join("tool"), "new").unwrap();
    call(&cx, "install", json!({"src": "tool", "dest": "out/bin"}));
    assert_eq!(fs::read(root.join("out/bin/tool")).unwrap(), b"new");

    call(
        &cx,
        "install",
        json!({"dirs": ["out/lib/pkgconfig", "out/etc"], "mode": "750"}),
    );
    assert_eq!(mode_of(root.join("out/lib/pkgconfig")), 0o750);
    assert_eq!(mode_of(root.join("out/etc")), 0o750);

    let err = fail(
        &cx,
        "install",
        json!({"src": "tool", "dest": "x/y", "parents": false}),
    );
    assert!(err.contains("x/y"), "{err}");
    let err = fail(&cx, "install", json!({"src": "out", "dest": "x"}));
    assert!(err.contains("not a regular file"), "{err}");
    let err = fail(&cx, "install", json!({"src": "tool"}));
    assert!(err.contains("either `src` and `dest`"), "{err}");
}

#[test]
fn relative_paths_resolve_against_the_context_cwd() {
    let (dir, _) = setup();
    fs::create_dir(dir.path().join("work")).unwrap();
    let cx = context_in(dir.path()).with_label("test");
    let inner = phaser_stdlib::Context::new(dir.path().join("work")).with_roots(cx.roots().clone());
    call(
        &inner,
        "write",
        json!({"path": "../up.txt", "content": "x"}),
    );
    assert!(dir.path().join("up.txt").exists());
}
