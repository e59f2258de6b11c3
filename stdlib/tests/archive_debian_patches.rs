//! Real Debian source packages: unpacked with our `unpack` (checked against
//! GNU tar), then their debian/patches series applied with our `patch` in
//! one copy and with GNU patch in another; the two trees must be identical.
//! Then once more as stdenv's patchPhase does it (`patch -pN < PATCH`, GNU
//! patch's default backups) against our `patch` with the same `flags`.
//!
//! The packages come from `tests/fetch-sources` (run it as root on Debian
//! bookworm); without them this test fails rather than skips.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use phaser_stdlib::{registry, Context, Roots};
use serde_json::json;

/// Must match the list in tests/fetch-sources.
const PACKAGES: &[&str] = &["hello", "bc", "less", "cpio", "patch", "indent", "gzip"];

fn cache_dir() -> PathBuf {
    match std::env::var_os("PHASER_SOURCE_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/sources"),
    }
}

/// The one file in the cache named `<package>_*<infix>*`, not a signature.
fn cached(cache: &Path, package: &str, infix: &str) -> PathBuf {
    let prefix = format!("{package}_");
    let found: Vec<PathBuf> = fs::read_dir(cache)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.contains(infix) && !name.ends_with(".asc")
        })
        .collect();
    match found.as_slice() {
        [one] => one.clone(),
        _ => panic!(
            "{package}: expected one `{infix}` file in {}, found {found:?}; run `tests/fetch-sources` \
             (as root, on Debian bookworm) to download the source packages this test needs",
            cache.display()
        ),
    }
}

fn context(dir: &Path) -> Context {
    Context::new(dir).with_roots(Roots::Only(vec![dir.into()]))
}

/// Unpacks the orig tarball and the debian tarball into `dest` with our
/// `unpack`; returns the source root.
fn unpack_package(work: &Path, dest: &str, orig: &Path, debian: &Path) -> PathBuf {
    let cx = context(work);
    let out = registry()
        .call(&cx, "unpack", json!({"src": orig, "dest": dest}))
        .unwrap_or_else(|e| panic!("unpacking {}: {e}", orig.display()));
    let root = work.join(dest).join(out["sourceRoot"].as_str().unwrap());
    registry()
        .call(
            &cx,
            "unpack",
            json!({"src": debian, "dest": root, "sourceRoot": false}),
        )
        .unwrap_or_else(|e| panic!("unpacking {}: {e}", debian.display()));
    root
}

/// Every entry below `root`: what it is and (for files) its contents and
/// executable bits.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>)> {
    let mut entries = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let meta = entry.path().symlink_metadata().unwrap();
        let value = if meta.file_type().is_symlink() {
            let target = fs::read_link(entry.path()).unwrap();
            (
                "symlink".to_string(),
                target.into_os_string().into_encoded_bytes(),
            )
        } else if meta.is_dir() {
            ("dir".to_string(), Vec::new())
        } else {
            let exec = meta.permissions().mode() & 0o111;
            (format!("file {exec:o}"), fs::read(entry.path()).unwrap())
        };
        entries.insert(rel, value);
    }
    entries
}

fn assert_same_tree(package: &str, what: &str, ours: &Path, theirs: &Path) {
    let (a, b) = (snapshot(ours), snapshot(theirs));
    let only_ours: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_theirs: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "{package} {what}: only in ours: {only_ours:?}; only in theirs: {only_theirs:?}"
    );
    for (path, value) in &a {
        let other = &b[path];
        assert!(
            value.0 == other.0,
            "{package} {what}: {} is `{}` in ours, `{}` in theirs",
            path.display(),
            value.0,
            other.0
        );
        assert!(
            value.1 == other.1,
            "{package} {what}: {} differs",
            path.display()
        );
    }
}

/// The series: each patch with its strip level (`-pN`, default 1).
fn series(root: &Path) -> Vec<(String, usize)> {
    let Ok(text) = fs::read_to_string(root.join("debian/patches/series")) else {
        return Vec::new();
    };
    let mut patches = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap().trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let name = words.next().unwrap().to_string();
        let mut strip = 1;
        while let Some(option) = words.next() {
            if let Some(level) = option.strip_prefix("-p") {
                let level = if level.is_empty() {
                    words.next().unwrap_or("1")
                } else {
                    level
                };
                strip = level.parse().expect("a numeric -p level in the series");
            }
        }
        patches.push((name, strip));
    }
    patches
}

fn gnu(program: &str, args: &[&str], dir: &Path) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} in {} failed: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn debian_patch_series_apply_exactly_like_gnu_patch() {
    let cache = cache_dir();
    assert!(
        cache.is_dir(),
        "the source cache {} is missing: run `tests/fetch-sources` (as root, on Debian bookworm) to \
         download the Debian source packages this test needs",
        cache.display()
    );
    let mut total = 0;
    let mut report = Vec::new();
    for package in PACKAGES {
        let orig = cached(&cache, package, ".orig.tar.");
        let debian = cached(&cache, package, ".debian.tar.");
        let work = tempfile::tempdir().unwrap();
        let ours = unpack_package(work.path(), "ours", &orig, &debian);
        let theirs = unpack_package(work.path(), "gnu", &orig, &debian);

        // Our unpack against GNU tar's, before any patch.
        fs::create_dir(work.path().join("tar")).unwrap();
        gnu(
            "tar",
            &["-xf", orig.to_str().unwrap()],
            &work.path().join("tar"),
        );
        let tar_root = work.path().join("tar").join(ours.file_name().unwrap());
        gnu("tar", &["-xf", debian.to_str().unwrap()], &tar_root);
        assert_same_tree(package, "unpacked (ours vs GNU tar)", &ours, &tar_root);

        let patches = series(&ours);
        let mut adjusted = 0;
        for (name, strip) in &patches {
            let file = ours.join("debian/patches").join(name);
            let cx = context(work.path());
            let out = registry()
                .call(
                    &cx,
                    "patch",
                    json!({"patch": file, "strip": strip, "dir": ours}),
                )
                .unwrap_or_else(|e| panic!("{package}: our patch failed on {name}: {e}"));
            adjusted += out["hunks"].as_array().unwrap().len();
            let file = theirs.join("debian/patches").join(name);
            let strip = format!("-p{strip}");
            let input = file.to_str().unwrap();
            gnu(
                "patch",
                &[&strip, "--no-backup-if-mismatch", "--quiet", "-i", input],
                &theirs,
            );
        }
        assert_same_tree(package, "patched (ours vs GNU patch)", &ours, &theirs);
        if !patches.is_empty() {
            assert!(
                snapshot(&ours) != snapshot(&tar_root),
                "{package}: the patches changed nothing"
            );
        }

        // Again as stdenv's patchPhase applies them: `patch -pN < PATCH`
        // with GNU patch's defaults (backups of files patched at an offset
        // or with fuzz), against our patch given the same flags.
        fs::create_dir(work.path().join("tar2")).unwrap();
        gnu(
            "tar",
            &["-xf", orig.to_str().unwrap()],
            &work.path().join("tar2"),
        );
        let stdin_root = work.path().join("tar2").join(ours.file_name().unwrap());
        gnu("tar", &["-xf", debian.to_str().unwrap()], &stdin_root);
        let mut backups = 0;
        for (name, strip) in &patches {
            let flags = [format!("-p{strip}")];
            let cx = context(work.path());
            let file = tar_root.join("debian/patches").join(name);
            let out = registry()
                .call(
                    &cx,
                    "patch",
                    json!({"patch": file, "flags": flags, "dir": tar_root}),
                )
                .unwrap_or_else(|e| panic!("{package}: our patch {flags:?} failed on {name}: {e}"));
            backups += out["files"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f.get("backup").is_some())
                .count();
            let input = fs::File::open(stdin_root.join("debian/patches").join(name)).unwrap();
            let status = Command::new("patch")
                .args(&flags)
                .current_dir(&stdin_root)
                .stdin(input)
                .output()
                .unwrap_or_else(|e| panic!("running GNU patch: {e}"));
            assert!(
                status.status.success(),
                "{package}: GNU patch {flags:?} < {name} failed"
            );
        }
        assert_same_tree(
            package,
            "patched like stdenv (ours vs GNU patch)",
            &tar_root,
            &stdin_root,
        );
        total += patches.len();
        report.push(format!(
            "{package}: {} patches ({adjusted} hunks at an offset, {backups} .orig backups)",
            patches.len()
        ));
    }
    eprintln!("identical after {total} patches: {}", report.join(", "));
    assert!(
        total >= 50,
        "only {total} patches were compared: the series were not found"
    );
}
