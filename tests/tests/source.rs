//! `phaser source`: the patched source, compared with GNU tar + GNU patch
//! applying the same Debian patch series.

use std::path::Path;
use std::process::Command;

use phaser_tests::{describe, phaser, source, tree, Sandbox};
use serde_json::json;

/// The Debian patch series of `debian_tarball`, extracted under `dir`.
fn debian_series(debian_tarball: &Path, dir: &Path) -> Vec<std::path::PathBuf> {
    let status = Command::new("tar")
        .arg("xf")
        .arg(debian_tarball)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success());
    let patches = dir.join("debian/patches");
    let series = std::fs::read_to_string(patches.join("series")).unwrap_or_default();
    series
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| patches.join(l.split_whitespace().next().unwrap()))
        .collect()
}

fn compare(orig: &str, debian: &str, root: &str) {
    let sandbox = Sandbox::new();
    let patches = debian_series(&source(debian), sandbox.dir.path());
    let plan = sandbox.write_plan(&json!({"pname": "p", "src": source(orig), "patches": patches}));
    let out = sandbox.path("patched");
    let output = phaser()
        .arg("source")
        .arg(&plan)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));

    let reference = sandbox.path("reference");
    std::fs::create_dir(&reference).unwrap();
    assert!(Command::new("tar")
        .arg("xf")
        .arg(source(orig))
        .current_dir(&reference)
        .status()
        .unwrap()
        .success());
    let reference = reference.join(root);
    for p in &patches {
        let applied = Command::new("patch")
            .args(["-p1", "--no-backup-if-mismatch", "--quiet", "-i"])
            .arg(p)
            .current_dir(&reference)
            .status()
            .expect("GNU patch (apt-get install patch)");
        assert!(applied.success(), "GNU patch failed on {}", p.display());
    }
    let (ours, theirs) = (tree(&out), tree(&reference));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "file lists differ"
    );
    for (name, (bytes, mode)) in &theirs {
        assert!(&ours[name].0 == bytes, "{name}: contents differ");
        // stdenv (and phaser) make the source owner-writable.
        assert_eq!(ours[name].1 & 0o7577, mode & 0o7577, "{name}: mode differs");
    }
}

#[test]
fn hello_source_is_the_unpacked_tarball() {
    compare(
        "hello_2.10.orig.tar.gz",
        "hello_2.10-3.debian.tar.xz",
        "hello-2.10",
    );
}

#[test]
fn bc_source_has_the_debian_patches_applied() {
    compare(
        "bc_1.07.1.orig.tar.gz",
        "bc_1.07.1-3.debian.tar.xz",
        "bc-1.07.1",
    );
}

#[test]
fn an_existing_non_empty_out_dir_is_refused() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({"pname": "p", "src": source("hello_2.10.orig.tar.gz")}));
    std::fs::create_dir(sandbox.path("taken")).unwrap();
    std::fs::write(sandbox.path("taken/file"), "x").unwrap();
    let output = phaser()
        .arg("source")
        .arg(&plan)
        .arg("--out-dir")
        .arg(sandbox.path("taken"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exists and is not empty"));
}
