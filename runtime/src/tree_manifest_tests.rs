//! Tests of `tree_manifest`: capture, restore and the binary file.

use super::*;

#[test]
fn added_entries_go_and_changed_modes_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("src/a.c"), "a").unwrap();
    std::fs::create_dir(root.join(".phaser")).unwrap();
    let manifest =
        TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
    // The interrupted phase adds files and a directory, and chmods.
    std::fs::write(root.join("src/a.o"), "o").unwrap();
    std::fs::create_dir_all(root.join("build/deep")).unwrap();
    std::fs::write(root.join("build/deep/x"), "x").unwrap();
    std::fs::set_permissions(root.join("src/a.c"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(root.join(".phaser/state.json"), "{}").unwrap();
    let restored = manifest.restore(&root.join(".phaser")).unwrap();
    assert_eq!(restored.modes, 1);
    assert!(!root.join("src/a.o").exists() && !root.join("build").exists());
    assert!(root.join("src/a.c").exists() && root.join(".phaser/state.json").exists());
}

#[test]
fn a_modified_file_makes_the_restore_refuse_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("config.h"), "old").unwrap();
    let manifest =
        TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
    std::fs::write(root.join("new.o"), "o").unwrap();
    std::fs::write(root.join("config.h"), "newer contents").unwrap();
    let changed = manifest.restore(&root.join(".phaser")).unwrap_err();
    assert_eq!(changed, vec![root.join("config.h")]);
    assert!(
        root.join("new.o").exists(),
        "nothing is removed when the restore is refused"
    );
}

#[test]
fn the_binary_file_reads_back_what_was_written_and_only_for_its_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join(".phaser")).unwrap();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/b/c.o"), "xyz").unwrap();
    std::os::unix::fs::symlink("b/c.o", root.join("a/link")).unwrap();
    let manifest =
        TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
    let written = manifest.write(&root, 1, 7).unwrap();
    assert_eq!(TreeManifest::read(&root, written).unwrap(), manifest);
    let len = manifest.len() as u64;
    assert_eq!(TreeManifest::recorded_len(&root, written), Some(len));
    let stale = TreeRef {
        slot: 1,
        sequence: 6,
    };
    assert!(TreeManifest::read(&root, stale).is_err());
    assert_eq!(TreeManifest::recorded_len(&root, stale), None);
    std::fs::write(root.join(".phaser/tree.1"), "garbage").unwrap();
    assert!(TreeManifest::read(&root, written).is_err());
    assert_eq!(TreeManifest::recorded_len(&root, written), None);
}

/// Sets `path`'s modification time to `secs` seconds after the epoch.
fn set_mtime(path: &Path, secs: u64) {
    let modified = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(modified).unwrap();
}

#[test]
fn times_after_2262_are_recorded_and_compared_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let file = root.join("from-the-future");
    std::fs::write(&file, "x").unwrap();
    // 2286 and 2317: past what nanoseconds in an i64 can hold (2262),
    // and tar and ext4 both allow them.
    set_mtime(&file, 10_000_000_000);
    let manifest =
        TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
    assert!(manifest.restore(&root.join(".phaser")).is_ok());
    set_mtime(&file, 11_000_000_000);
    let changed = manifest.restore(&root.join(".phaser")).unwrap_err();
    assert_eq!(changed, vec![file]);
}
