//! `moveDocs`, `moveLib64` and `moveSbin` through the registry.

mod fixup_support;

use std::fs;
use std::path::Path;

use fixup_support::{call, context, write};
use serde_json::json;

#[test]
fn move_docs_moves_man_doc_and_info_into_share() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(&out.join("man/man1/x.1"), ".TH X 1\n", 0o644);
    write(&out.join("doc/README"), "read me\n", 0o644);
    write(&out.join("info/x.info"), "info\n", 0o644);
    write(&out.join("share/info/other.info"), "already here\n", 0o644);
    let cx = context(dir.path(), &[]);
    let moved = call(&cx, "moveDocs", vec![json!("out")], json!({})).unwrap();
    assert_eq!(moved, json!([out.join("share/man"), out.join("share/doc")]));
    assert_eq!(
        fs::read_to_string(out.join("share/man/man1/x.1")).unwrap(),
        ".TH X 1\n"
    );
    assert!(out.join("share/doc/README").is_file());
    assert!(!out.join("man").exists() && !out.join("doc").exists());
    // Both info directories exist: both stay where they are.
    assert!(out.join("info/x.info").is_file());
    assert!(out.join("share/info/other.info").is_file());
}

#[test]
fn move_docs_takes_the_names_from_force_share() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(&out.join("man/x.1"), "x", 0o644);
    write(&out.join("locale/de/x.mo"), "x", 0o644);
    let cx = context(dir.path(), &[]);
    let moved = call(
        &cx,
        "moveDocs",
        vec![json!("out")],
        json!({"forceShare": ["locale"]}),
    )
    .unwrap();
    assert_eq!(moved, json!([out.join("share/locale")]));
    assert!(out.join("man/x.1").is_file());
}

#[test]
fn move_lib64_merges_into_lib_and_leaves_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(&out.join("lib64/libx.so"), "x", 0o755);
    write(&out.join("lib64/.hidden"), "h", 0o644);
    write(&out.join("lib64/pkgconfig/x.pc"), "pc", 0o644);
    write(&out.join("lib/liby.so"), "y", 0o755);
    let cx = context(dir.path(), &[]);
    let moved = call(&cx, "moveLib64", vec![json!("out")], json!({})).unwrap();
    assert_eq!(moved.as_array().unwrap().len(), 3);
    assert_eq!(fs::read_link(out.join("lib64")).unwrap(), Path::new("lib"));
    for name in ["libx.so", ".hidden", "pkgconfig/x.pc", "liby.so"] {
        assert!(out.join("lib").join(name).is_file(), "{name}");
    }
    // Again: lib64 is a symlink now, so nothing happens.
    let again = call(&cx, "moveLib64", vec![json!("out")], json!({})).unwrap();
    assert_eq!(again, json!([]));
}

#[test]
fn move_lib64_refuses_to_overwrite_and_moves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(&out.join("lib64/a.so"), "new a", 0o755);
    write(&out.join("lib64/libz.so"), "new", 0o755);
    write(&out.join("lib/libz.so"), "old", 0o755);
    let cx = context(dir.path(), &[]);
    let err = call(&cx, "moveLib64", vec![json!("out")], json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("libz.so") && err.contains("already exists"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(out.join("lib/libz.so")).unwrap(), "old");
    assert!(out.join("lib64/a.so").is_file());
}

#[test]
fn move_sbin_merges_into_bin_replacing_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(&out.join("sbin/daemon"), "daemon", 0o755);
    write(&out.join("sbin/tool"), "new tool", 0o755);
    write(&out.join("bin/tool"), "old tool", 0o755);
    let cx = context(dir.path(), &[]);
    call(&cx, "moveSbin", vec![json!("out")], json!({})).unwrap();
    assert_eq!(fs::read_link(out.join("sbin")).unwrap(), Path::new("bin"));
    assert_eq!(
        fs::read_to_string(out.join("bin/tool")).unwrap(),
        "new tool"
    );
    assert!(out.join("bin/daemon").is_file());
    assert!(
        out.join("sbin/daemon").is_file(),
        "reachable through the symlink"
    );
}

#[test]
fn move_sbin_without_sbin_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("out/bin")).unwrap();
    let cx = context(dir.path(), &[]);
    let moved = call(&cx, "moveSbin", vec![json!("out")], json!({})).unwrap();
    assert_eq!(moved, json!([]));
    assert!(fs::symlink_metadata(dir.path().join("out/sbin")).is_err());
}
