//! A hand-off through a simulated store: save, reset modes and times the
//! way Nix does, restore under new output paths.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::*;

const OLD: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-demo-1.0";
const NEW: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-demo-1.0";
const OLD_DEV: &str = "cccccccccccccccccccccccccccccccc-demo-1.0-dev";
const NEW_DEV: &str = "dddddddddddddddddddddddddddddddd-demo-1.0-dev";

fn set_mtime(path: &Path, secs: i64) {
    set_meta(
        path,
        Meta {
            mode: fs::symlink_metadata(path).unwrap().mode() & 0o7777,
            mtime: secs,
            mtime_nsec: 0,
        },
    )
    .unwrap();
}

/// What Nix does to a store path: no write bits, every timestamp 1.
fn canonicalise(root: &Path) {
    let entries: Vec<_> = walkdir::WalkDir::new(root)
        .contents_first(true)
        .into_iter()
        .map(|e| e.unwrap())
        .collect();
    for entry in entries {
        let meta = entry.path().symlink_metadata().unwrap();
        if !meta.file_type().is_symlink() {
            let exec = meta.mode() & 0o100 != 0 || meta.is_dir();
            let mode = if exec { 0o555 } else { 0o444 };
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(mode)).unwrap();
        }
        set_meta(
            entry.path(),
            Meta {
                mode: meta.mode() & 0o7777,
                mtime: 1,
                mtime_nsec: 0,
            },
        )
        .ok();
    }
}

#[test]
fn a_tree_and_outputs_survive_the_store_under_new_paths() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path();
    let old_out = s.join(OLD);
    let old_dev = s.join(OLD_DEV);
    let build = s.join("build-1");
    let tree = s.join("tree");

    // The first phase's build directory and outputs.
    fs::create_dir_all(build.join("src/sub")).unwrap();
    fs::write(build.join(".attrs.json"), "{}").unwrap();
    fs::create_dir_all(build.join(".phaser")).unwrap();
    fs::write(build.join(".phaser/groups"), "4242\n").unwrap();
    let state = format!("{{\"out\": \"{}\"}}", old_out.display());
    fs::write(build.join(".phaser/state.json"), state).unwrap();
    fs::write(
        build.join("src/Makefile"),
        format!("prefix = {}\n", old_out.display()),
    )
    .unwrap();
    fs::write(build.join("src/configure"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(
        build.join("src/configure"),
        fs::Permissions::from_mode(0o751),
    )
    .unwrap();
    fs::write(build.join("src/sub/data.o"), vec![7u8; 5000]).unwrap();
    std::os::unix::fs::symlink(old_out.join("bin/demo"), build.join("src/link")).unwrap();
    set_mtime(&build.join("src/Makefile"), 1_500_000_000);
    set_mtime(&build.join("src/sub/data.o"), 1_500_000_123);
    set_mtime(&build.join("src/sub"), 1_400_000_000);
    fs::create_dir_all(old_out.join("bin")).unwrap();
    fs::write(
        old_out.join("bin/demo"),
        format!("uses {}\n", old_dev.display()),
    )
    .unwrap();
    fs::set_permissions(old_out.join("bin/demo"), fs::Permissions::from_mode(0o755)).unwrap();
    let outputs: BTreeMap<String, String> = [
        ("out".to_string(), old_out.display().to_string()),
        ("dev".to_string(), old_dev.display().to_string()),
    ]
    .into();

    let saved = save(&build, &tree, &outputs).unwrap();
    assert_eq!(saved.files, 4, "{saved}");
    assert!(
        !tree.join("build/.attrs.json").exists(),
        "Nix's file stays behind"
    );
    assert!(
        !tree.join("build/.phaser/groups").exists(),
        "process group ids stay behind"
    );
    canonicalise(&tree);
    canonicalise(&old_out);

    // The next phase: a fresh build directory holding its own .attrs.json.
    let build2 = s.join("build-2");
    fs::create_dir_all(&build2).unwrap();
    fs::write(build2.join(".attrs.json"), "{\"mine\": 1}").unwrap();
    let new_out = s.join(NEW);
    let new_dev = s.join(NEW_DEV);
    let own: BTreeMap<String, String> = [
        ("out".to_string(), new_out.display().to_string()),
        ("dev".to_string(), new_dev.display().to_string()),
    ]
    .into();
    let mut rewrites = Rewrites::new();
    for (name, path) in &outputs {
        rewrites.add(path, &own[name]).unwrap();
    }
    let restored = restore(&tree, &build2, &outputs, &own, &rewrites).unwrap();
    assert_eq!(restored.files, 5, "{restored}");
    assert_eq!(restored.rewrites, 4, "{restored}");
    assert_eq!(
        fs::read_to_string(build2.join(".phaser/state.json")).unwrap(),
        format!("{{\"out\": \"{}\"}}", new_out.display())
    );

    assert_eq!(
        fs::read_to_string(build2.join(".attrs.json")).unwrap(),
        "{\"mine\": 1}"
    );
    assert_eq!(
        fs::read_to_string(build2.join("src/Makefile")).unwrap(),
        format!("prefix = {}\n", new_out.display())
    );
    assert_eq!(
        fs::read_link(build2.join("src/link")).unwrap(),
        new_out.join("bin/demo")
    );
    assert_eq!(
        fs::read_to_string(new_out.join("bin/demo")).unwrap(),
        format!("uses {}\n", new_dev.display())
    );
    // dev was never created by the first phase, so it is not now either.
    assert!(!new_dev.exists());
    // Modes and timestamps are the ones before the store reset them.
    let meta = |p: &Path| fs::symlink_metadata(p).unwrap();
    assert_eq!(meta(&build2.join("src/configure")).mode() & 0o7777, 0o751);
    assert_eq!(meta(&build2.join("src/Makefile")).mode() & 0o7777, 0o644);
    assert_eq!(meta(&new_out.join("bin/demo")).mode() & 0o7777, 0o755);
    assert_eq!(meta(&build2.join("src/Makefile")).mtime(), 1_500_000_000);
    assert_eq!(meta(&build2.join("src/sub/data.o")).mtime(), 1_500_000_123);
    assert_eq!(meta(&build2.join("src/sub")).mtime(), 1_400_000_000);
    assert_eq!(
        fs::read(build2.join("src/sub/data.o")).unwrap(),
        vec![7u8; 5000]
    );
}

#[test]
fn a_tree_without_a_manifest_is_refused_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = restore(
        dir.path(),
        &dir.path().join("b"),
        &BTreeMap::new(),
        &BTreeMap::new(),
        &Rewrites::new(),
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("manifest") && text.contains("tree output"),
        "{text}"
    );
}
