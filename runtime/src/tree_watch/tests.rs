//! The tracker against a fresh walk after every kind of change, walked,
//! watched and switching between the two.

use super::*;

/// The tracker's manifest must equal a fresh walk after any changes.
fn assert_current(tracker: &mut TreeTracker, roots: &[PathBuf], skip: &Path) {
    let walked = TreeManifest::capture(roots, skip).unwrap();
    tracker
        .with_current_changed(|manifest, _| assert_eq!(manifest, &walked))
        .unwrap();
}

/// A build directory (its `.phaser` made) and the canonical path of
/// its top.
fn build_top() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(top.join(".phaser")).unwrap();
    (dir, top)
}

fn is_watched(tracker: &TreeTracker) -> bool {
    matches!(tracker.tracked, Tracked::Watched(_))
}

/// Watched from the second look on (the first has nothing to go by),
/// walked at every look, and watched from the third look on (the
/// first finds 4 entries, the second 10: the switch mid-build).
#[test]
fn the_manifest_follows_every_kind_of_change() {
    for watch_from in [0, usize::MAX, 6] {
        follows_every_kind_of_change(watch_from);
    }
}

fn follows_every_kind_of_change(watch_from: usize) {
    let (_dir, top) = build_top();
    let skip = top.join(".phaser");
    std::fs::create_dir_all(top.join("src/sub")).unwrap();
    std::fs::write(top.join("src/a.c"), "a").unwrap();
    let out = top.join("out");
    let roots = vec![top.clone(), out.clone()];
    let mut tracker = TreeTracker::watching_from(&roots, &skip, watch_from);
    assert_current(&mut tracker, &roots, &skip);
    assert!(!is_watched(&tracker), "the first look walks");

    // Files written, new deep directories at once, chmod, rename of a
    // directory, phaser's own files ignored.
    std::fs::write(top.join("src/a.c"), "changed").unwrap();
    std::fs::create_dir_all(top.join("build/x/y/z")).unwrap();
    std::fs::write(top.join("build/x/y/z/deep.o"), "o").unwrap();
    std::fs::set_permissions(
        top.join("src/a.c"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::rename(top.join("src/sub"), top.join("src/moved")).unwrap();
    std::fs::write(top.join("src/moved/in-moved"), "m").unwrap();
    std::fs::write(skip.join("state.json"), "{}").unwrap();
    assert_current(&mut tracker, &roots, &skip);
    assert_eq!(
        is_watched(&tracker),
        watch_from == 0,
        "inotify is available here, and the first look found 4 entries"
    );

    // A tree removed; an output root that did not exist appears.
    std::fs::remove_dir_all(top.join("build")).unwrap();
    std::fs::create_dir_all(out.join("bin")).unwrap();
    std::fs::write(out.join("bin/tool"), "t").unwrap();
    std::os::unix::fs::symlink("tool", out.join("bin/link")).unwrap();
    assert_current(&mut tracker, &roots, &skip);
    assert_eq!(is_watched(&tracker), watch_from != usize::MAX);

    // A directory replaced by a file of the same name, and changes
    // the thread takes in on its own before the next boundary.
    std::fs::remove_dir_all(top.join("src/moved")).unwrap();
    std::fs::write(top.join("src/moved"), "now a file").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    std::fs::write(out.join("bin/tool"), "longer now").unwrap();
    assert_current(&mut tracker, &roots, &skip);
}

#[test]
fn a_phase_that_runs_long_is_watched_while_it_runs() {
    let (_dir, top) = build_top();
    let (skip, roots) = (top.join(".phaser"), vec![top.clone()]);
    let mut tracker = TreeTracker::watching_from(&roots, &skip, usize::MAX);
    assert_current(&mut tracker, &roots, &skip);
    // A short phase.
    tracker.phase_started();
    std::fs::write(top.join("short"), "s").unwrap();
    assert_current(&mut tracker, &roots, &skip);
    assert!(!is_watched(&tracker));
    // A long one, changing the tree before and after the watch starts.
    tracker.phase_started();
    std::fs::create_dir_all(top.join("early/deep")).unwrap();
    std::fs::write(top.join("early/deep/file"), "e").unwrap();
    // The watch starts within twice WATCH_AFTER; more for a busy machine.
    std::thread::sleep(timer::WATCH_AFTER * 5);
    std::fs::write(top.join("early/deep/file"), "changed").unwrap();
    std::fs::create_dir(top.join("late")).unwrap();
    std::fs::write(top.join("late/file"), "l").unwrap();
    std::fs::remove_file(top.join("short")).unwrap();
    assert_current(&mut tracker, &roots, &skip);
    assert!(is_watched(&tracker), "inotify is available here");
}

#[test]
fn a_tree_known_to_be_large_is_watched_from_the_start() {
    let (_dir, top) = build_top();
    let (skip, roots) = (top.join(".phaser"), vec![top.clone()]);
    assert!(is_watched(&TreeTracker::start(&roots, &skip, WATCH_FROM)));
    let mut small = TreeTracker::start(&roots, &skip, WATCH_FROM - 1);
    assert!(!is_watched(&small));
    assert_current(&mut small, &roots, &skip);
    assert!(!is_watched(&small), "the walk found the tree empty");
}

#[test]
fn a_look_says_whether_the_tree_changed_since_the_last() {
    for watch_from in [0, usize::MAX] {
        says_whether_the_tree_changed(watch_from);
    }
}

fn says_whether_the_tree_changed(watch_from: usize) {
    let (_dir, top) = build_top();
    let (skip, roots) = (top.join(".phaser"), vec![top.clone()]);
    let mut tracker = TreeTracker::watching_from(&roots, &skip, watch_from);
    let mut look = || tracker.with_current_changed(|_, changed| changed).unwrap();
    assert!(look(), "the first look has nothing to compare with");
    assert!(!look());
    // phaser's own files are not the tree.
    std::fs::write(skip.join("state.json"), "{}").unwrap();
    assert!(!look());
    std::fs::write(top.join("a"), "a").unwrap();
    assert!(look());
    assert!(!look());
    // Taken in by the thread on its own before the look.
    std::fs::create_dir(top.join("d")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(look());
}
