//! Hostile archives: `unpack` must never write outside its destination and
//! must name the entry it refuses.
//!
//! Each test unpacks into `<tempdir>/dest` with the archive stored in a
//! different tempdir, then checks that `<tempdir>` holds nothing but `dest`
//! (and, where a test plants one, its bait file unchanged).

use std::fs;
use std::path::Path;

use phaser_stdlib::{registry, Context, Roots};
use serde_json::json;
use tar::{EntryType, Header};

/// One raw tar entry; names are written byte for byte into the header so
/// that `..` and absolute paths get through the builder untouched.
struct Raw<'a> {
    name: &'a str,
    kind: EntryType,
    link: &'a str,
    data: &'a [u8],
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name,
        kind: EntryType::Regular,
        link: "",
        data,
    }
}

fn symlink<'a>(name: &'a str, link: &'a str) -> Raw<'a> {
    Raw {
        name,
        kind: EntryType::Symlink,
        link,
        data: b"",
    }
}

fn hardlink<'a>(name: &'a str, link: &'a str) -> Raw<'a> {
    Raw {
        name,
        kind: EntryType::Link,
        link,
        data: b"",
    }
}

fn dir(name: &str) -> Raw<'_> {
    Raw {
        name,
        kind: EntryType::Directory,
        link: "",
        data: b"",
    }
}

fn raw_tar(entries: &[Raw]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = Header::new_gnu();
        let old = h.as_old_mut();
        old.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        old.linkname[..e.link.len()].copy_from_slice(e.link.as_bytes());
        h.set_entry_type(e.kind);
        h.set_mode(0o644);
        h.set_size(e.data.len() as u64);
        h.set_mtime(1_600_000_000);
        h.set_cksum();
        b.append(&h, e.data).unwrap();
    }
    b.into_inner().unwrap()
}

struct Scene {
    outer: tempfile::TempDir,
    _archives: tempfile::TempDir,
    archive: std::path::PathBuf,
}

impl Scene {
    fn new(bytes: Vec<u8>) -> Scene {
        let outer = tempfile::tempdir().unwrap();
        let archives = tempfile::tempdir().unwrap();
        let archive = archives.path().join("hostile.tar");
        fs::write(&archive, bytes).unwrap();
        fs::create_dir(outer.path().join("dest")).unwrap();
        Scene {
            outer,
            _archives: archives,
            archive,
        }
    }

    fn dest(&self) -> std::path::PathBuf {
        self.outer.path().join("dest")
    }

    fn unpack(&self) -> String {
        let dest = self.dest();
        let cx = Context::new(&dest).with_roots(Roots::Only(vec![dest.clone()]));
        let err = registry()
            .call(
                &cx,
                "unpack",
                json!({"src": self.archive, "sourceRoot": false}),
            )
            .expect_err("a hostile archive must be refused");
        err.to_string()
    }

    /// Asserts that the outer directory holds only `dest` and `allowed`.
    fn nothing_outside(&self, allowed: &[&str]) {
        let mut names: Vec<String> = fs::read_dir(self.outer.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        expected.push("dest".into());
        expected.sort();
        assert_eq!(names, expected, "something was written outside dest");
    }
}

fn assert_names(err: &str, entry: &str, why: &str) {
    assert!(
        err.contains(&format!("entry `{entry}`")),
        "error does not name `{entry}`: {err}"
    );
    assert!(err.contains(why), "error does not say `{why}`: {err}");
}

#[test]
fn parent_directory_components_are_refused() {
    let scene = Scene::new(raw_tar(&[
        file("ok.txt", b"fine"),
        file("../evil", b"pwned"),
    ]));
    let err = scene.unpack();
    assert_names(&err, "../evil", "`..` component");
    scene.nothing_outside(&[]);

    let scene = Scene::new(raw_tar(&[file("a/b/../../../evil", b"pwned")]));
    assert_names(&scene.unpack(), "a/b/../../../evil", "`..` component");
    scene.nothing_outside(&[]);
}

#[test]
fn absolute_paths_are_refused() {
    let scene = Scene::new(Vec::new());
    let target = scene.outer.path().join("abs-evil");
    let bytes = raw_tar(&[file(target.to_str().unwrap(), b"pwned")]);
    fs::write(&scene.archive, bytes).unwrap();
    assert_names(&scene.unpack(), target.to_str().unwrap(), "absolute path");
    scene.nothing_outside(&[]);
}

#[test]
fn writing_through_a_symlink_from_the_same_archive_is_refused() {
    let scene = Scene::new(Vec::new());
    let outer = scene.outer.path().to_str().unwrap().to_string();
    fs::write(
        &scene.archive,
        raw_tar(&[symlink("link", &outer), file("link/evil", b"pwned")]),
    )
    .unwrap();
    let err = scene.unpack();
    assert_names(&err, "link/evil", "symbolic link `link`");
    scene.nothing_outside(&[]);
    assert!(scene
        .dest()
        .join("link")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn relative_symlink_chains_out_are_refused() {
    let scene = Scene::new(raw_tar(&[symlink("up", ".."), file("up/evil", b"pwned")]));
    assert_names(&scene.unpack(), "up/evil", "symbolic link `up`");
    scene.nothing_outside(&[]);

    let scene = Scene::new(raw_tar(&[
        symlink("here", "."),
        symlink("there", "here/.."),
        dir("sub/"),
        symlink("sub/deeper", "../there"),
        file("sub/deeper/evil", b"pwned"),
    ]));
    assert_names(
        &scene.unpack(),
        "sub/deeper/evil",
        "symbolic link `sub/deeper`",
    );
    scene.nothing_outside(&[]);
}

#[test]
fn a_preexisting_symlink_in_dest_is_not_followed() {
    let scene = Scene::new(raw_tar(&[file("planted/evil", b"pwned")]));
    std::os::unix::fs::symlink(scene.outer.path(), scene.dest().join("planted")).unwrap();
    assert_names(&scene.unpack(), "planted/evil", "symbolic link `planted`");
    scene.nothing_outside(&[]);
}

#[test]
fn hard_links_to_outside_files_are_refused() {
    let scene = Scene::new(raw_tar(&[hardlink("passwd", "/etc/passwd")]));
    assert_names(
        &scene.unpack(),
        "passwd",
        "`/etc/passwd`, which is an absolute path",
    );
    assert!(!scene.dest().join("passwd").exists());

    let scene = Scene::new(raw_tar(&[hardlink("bait", "../bait")]));
    fs::write(scene.outer.path().join("bait"), "secret").unwrap();
    assert_names(&scene.unpack(), "bait", "`..` component");
    scene.nothing_outside(&["bait"]);
    assert!(!scene.dest().join("bait").exists());

    // Through a symlink the archive made first.
    let scene = Scene::new(Vec::new());
    fs::write(scene.outer.path().join("bait"), "secret").unwrap();
    let outer = scene.outer.path().to_str().unwrap().to_string();
    fs::write(
        &scene.archive,
        raw_tar(&[
            symlink("out", &outer),
            hardlink("grab", "out/bait"),
            file("grab", b"overwritten"),
        ]),
    )
    .unwrap();
    assert_names(&scene.unpack(), "grab", "symbolic link `out`");
    assert_eq!(
        fs::read_to_string(scene.outer.path().join("bait")).unwrap(),
        "secret"
    );
    scene.nothing_outside(&["bait"]);
}

#[test]
fn devices_and_fifos_are_refused() {
    for (kind, word) in [
        (EntryType::Char, "character device"),
        (EntryType::Block, "block device"),
        (EntryType::Fifo, "fifo"),
    ] {
        let scene = Scene::new(raw_tar(&[Raw {
            name: "dev/thing",
            kind,
            link: "",
            data: b"",
        }]));
        assert_names(&scene.unpack(), "dev/thing", word);
        assert!(!scene.dest().join("dev/thing").exists());
    }
}

#[test]
fn replacing_a_symlink_never_writes_through_it() {
    // A file or directory entry named like an earlier symlink replaces the
    // link itself; the link's target is untouched.
    let outer_bait = tempfile::tempdir().unwrap();
    let bait = outer_bait.path().join("bait");
    fs::write(&bait, "secret").unwrap();
    let bytes = raw_tar(&[
        symlink("f", bait.to_str().unwrap()),
        file("f", b"replaced"),
        symlink("d", outer_bait.path().to_str().unwrap()),
        dir("d/"),
        file("d/inside", b"fine"),
    ]);
    let dest = tempfile::tempdir().unwrap();
    let src = outer_bait.path().join("ok.tar");
    fs::write(&src, bytes).unwrap();
    let cx = Context::new(dest.path()).with_roots(Roots::Only(vec![dest.path().into()]));
    registry()
        .call(&cx, "unpack", json!({"src": src, "sourceRoot": false}))
        .unwrap();
    assert_eq!(fs::read_to_string(&bait).unwrap(), "secret");
    assert_eq!(
        fs::read_to_string(dest.path().join("f")).unwrap(),
        "replaced"
    );
    assert!(dest.path().join("d").symlink_metadata().unwrap().is_dir());
    assert_eq!(
        fs::read_to_string(dest.path().join("d/inside")).unwrap(),
        "fine"
    );
    assert!(!outer_bait.path().join("inside").exists());
}

#[test]
fn hostile_zip_entries_are_refused() {
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    let scene = Scene::new(Vec::new());
    let outer = scene.outer.path().to_str().unwrap().to_string();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    w.add_symlink("link", &outer, options).unwrap();
    w.start_file("link/evil", options).unwrap();
    w.write_all(b"pwned").unwrap();
    fs::write(&scene.archive, w.finish().unwrap().into_inner()).unwrap();
    assert_names(&scene.unpack(), "link/evil", "symbolic link `link`");
    scene.nothing_outside(&[]);

    let scene = Scene::new(Vec::new());
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("../evil", options).unwrap();
    w.write_all(b"pwned").unwrap();
    fs::write(&scene.archive, w.finish().unwrap().into_inner()).unwrap();
    assert_names(&scene.unpack(), "../evil", "`..` component");
    scene.nothing_outside(&[]);
}

#[test]
fn check_the_helpers_build_what_they_claim() {
    // The raw builder really produces `..` names (a builder that sanitised
    // them would make the tests above pass vacuously).
    let bytes = raw_tar(&[file("../evil", b"x")]);
    let mut archive = tar::Archive::new(&bytes[..]);
    let entry = archive.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(&*entry.path_bytes(), b"../evil");
    assert!(Path::new("/etc/passwd").is_absolute());
}

/// A few bytes of lzma header can ask for gigabytes of dictionary (found
/// by the archive fuzz target): refused before anything is allocated.
#[test]
fn an_lzma_stream_asking_for_gigabytes_of_memory_is_refused() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus/archive/lzma-header-asks-for-4-GiB.bin");
    let scene = Scene::new(fs::read(corpus).unwrap());
    let err = scene.unpack();
    assert!(
        err.contains("would take more than 512 MiB of memory"),
        "{err}"
    );
    scene.nothing_outside(&[]);
}
