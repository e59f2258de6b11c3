//! `compressManPages` through the registry.

mod fixup_support;

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use fixup_support::{age, call, context, mode, mtime, old_time, write};
use serde_json::json;

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn pages_are_gzipped_without_name_or_time_and_keep_mode_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("out/share/man/man1");
    let page = man1.join("foo.1");
    let text = ".TH FOO 1\n.SH NAME\nfoo \\- does foo things\n".repeat(20);
    write(&page, &text, 0o640);
    age(&page);
    let accessed = old_time() + std::time::Duration::from_nanos(123_456_789);
    let times = fs::FileTimes::new().set_accessed(accessed);
    fs::File::open(&page).unwrap().set_times(times).unwrap();
    let cx = context(dir.path(), &[]);
    let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();

    let gz = man1.join("foo.1.gz");
    assert_eq!(done, json!({"pages": [gz], "symlinks": []}));
    assert!(!page.exists());
    // Before anything reads it: gzip gives the .gz the page's access time.
    assert_eq!(fs::metadata(&gz).unwrap().accessed().unwrap(), accessed);
    let bytes = fs::read(&gz).unwrap();
    // magic, deflate, no flags (so no file name), mtime 0, level 6 (no
    // extra flags), Unix.
    assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(gunzip(&gz), text.as_bytes());
    assert_eq!(mode(&gz), 0o640);
    assert_eq!(mtime(&gz), old_time());
}

#[test]
fn symlinks_are_repointed_and_compressed_pages_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("out/share/man");
    write(&man.join("man1/bar.1"), ".TH BAR 1\n", 0o644);
    write(&man.join("man1/old.1.gz"), b"not touched", 0o644);
    write(&man.join("man1/old.1.xz"), b"not touched", 0o644);
    std::os::unix::fs::symlink("bar.1", man.join("man1/foo.1")).unwrap();
    fs::create_dir_all(man.join("man3")).unwrap();
    std::os::unix::fs::symlink("../man1/bar.1", man.join("man3/alias.3")).unwrap();
    std::os::unix::fs::symlink("missing.1", man.join("man1/dangling.1")).unwrap();
    std::os::unix::fs::symlink("old.1.gz", man.join("man1/older.1.gz")).unwrap();

    let cx = context(dir.path(), &[]);
    let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    assert_eq!(
        done["symlinks"],
        json!([man.join("man1/foo.1.gz"), man.join("man3/alias.3.gz")])
    );
    // Absolute, as stdenv's `ln -sf "$(readlink -f "$f")".gz "$f".gz`.
    let bar_gz = fs::canonicalize(man.join("man1")).unwrap().join("bar.1.gz");
    assert_eq!(fs::read_link(man.join("man1/foo.1.gz")).unwrap(), bar_gz);
    assert_eq!(fs::read_link(man.join("man3/alias.3.gz")).unwrap(), bar_gz);
    assert!(fs::symlink_metadata(man.join("man1/foo.1")).is_err());
    assert_eq!(gunzip(&man.join("man3/alias.3.gz")), b".TH BAR 1\n");
    assert_eq!(fs::read(man.join("man1/old.1.gz")).unwrap(), b"not touched");
    assert_eq!(fs::read(man.join("man1/old.1.xz")).unwrap(), b"not touched");
    assert_eq!(
        fs::read_link(man.join("man1/dangling.1")).unwrap(),
        Path::new("missing.1")
    );
    assert_eq!(
        fs::read_link(man.join("man1/older.1.gz")).unwrap(),
        Path::new("old.1.gz")
    );
}

#[test]
fn each_name_of_a_hard_linked_page_gets_its_own_gz_as_gzip_f_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("out/share/man/man1");
    write(&man1.join("a.1"), ".TH A 1\n", 0o644);
    fs::hard_link(man1.join("a.1"), man1.join("b.1")).unwrap();
    let cx = context(dir.path(), &[]);
    let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    assert_eq!(done["pages"].as_array().unwrap().len(), 2);
    let (a, b) = (man1.join("a.1.gz"), man1.join("b.1.gz"));
    assert_ne!(
        fs::metadata(&a).unwrap().ino(),
        fs::metadata(&b).unwrap().ino()
    );
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    assert_eq!(gunzip(&b), b".TH A 1\n");
    assert!(!man1.join("a.1").exists() && !man1.join("b.1").exists());
}

#[test]
fn only_gz_bz2_and_xz_names_count_as_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("out/share/man/man1");
    for name in ["a.1.zst", "b.1.lzma", "c.1.Z", "d.1.bz2"] {
        write(&man1.join(name), name, 0o644);
    }
    let cx = context(dir.path(), &[]);
    let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    let names = ["a.1.zst.gz", "b.1.lzma.gz", "c.1.Z.gz"].map(|n| man1.join(n));
    assert_eq!(done["pages"], json!(names));
    assert_eq!(gunzip(&man1.join("c.1.Z.gz")), b"c.1.Z");
    assert_eq!(fs::read(man1.join("d.1.bz2")).unwrap(), b"d.1.bz2");
}

#[test]
fn the_sticky_bit_is_dropped_as_gzip_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("out/share/man/man1/s.1");
    write(&page, ".TH S 1\n", 0o1640);
    let cx = context(dir.path(), &[]);
    call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    assert_eq!(mode(&page.with_extension("1.gz")), 0o640);
}

#[test]
fn a_setuid_page_is_refused_before_anything_is_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("out/share/man/man1");
    write(&man1.join("a.1"), ".TH A 1\n", 0o644);
    write(&man1.join("s.1"), ".TH S 1\n", 0o4644);
    let cx = context(dir.path(), &[]);
    let err = call(&cx, "compressManPages", vec![json!("out")], json!({}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("s.1 is set-user-ID or set-group-ID"), "{err}");
    assert!(err.contains("chmod ug-s"), "{err}");
    assert!(man1.join("a.1").exists() && !man1.join("a.1.gz").exists());
}

#[test]
fn links_to_links_are_repointed_in_byte_order() {
    // `B.1` sorts before `a.1`: it is repointed first, and `a.1`, which
    // goes through it, then resolves to the removed `B.1` and is
    // repointed to `B.1.gz`, as the hook's sorted loop does.
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("out/share/man/man1");
    write(&man1.join("page.1"), ".TH P 1\n", 0o644);
    std::os::unix::fs::symlink("page.1", man1.join("B.1")).unwrap();
    std::os::unix::fs::symlink("B.1", man1.join("a.1")).unwrap();
    let cx = context(dir.path(), &[]);
    call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    let real = fs::canonicalize(&man1).unwrap();
    assert_eq!(
        fs::read_link(man1.join("B.1.gz")).unwrap(),
        real.join("page.1.gz")
    );
    assert_eq!(
        fs::read_link(man1.join("a.1.gz")).unwrap(),
        real.join("B.1.gz")
    );
}

#[test]
fn a_symlinked_share_or_man_directory_is_left_alone() {
    for link in ["share", "share/man"] {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let page = if link == "share" {
            real.join("man/man1/x.1")
        } else {
            real.join("man1/x.1")
        };
        write(&page, ".TH X 1\n", 0o644);
        let at = dir.path().join("out").join(link);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&real, &at).unwrap();
        let cx = context(dir.path(), &[]);
        let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
        assert_eq!(done, json!({"pages": [], "symlinks": []}), "{link}");
        assert!(page.exists(), "{link}");
    }
}

#[test]
fn an_output_without_man_pages_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("out/bin")).unwrap();
    let cx = context(dir.path(), &[]);
    let done = call(&cx, "compressManPages", vec![json!("out")], json!({})).unwrap();
    assert_eq!(done, json!({"pages": [], "symlinks": []}));
}
