//! `unpack` on well-formed archives: every compression, zip, directory
//! sources, stdenv's sourceRoot rule, stripComponents, modes and links.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use phaser_stdlib::{registry, Context, Roots};
use serde_json::{json, Map, Value};

const MTIME: u64 = 1_600_000_000;

fn context(dir: &Path) -> Context {
    Context::new(dir).with_roots(Roots::Only(vec![dir.into()]))
}

fn unpack(dir: &Path, args: Value) -> Result<Value, String> {
    registry()
        .call(&context(dir), "unpack", args)
        .map_err(|e| e.to_string())
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(MTIME);
    header
}

/// A source tarball: a top directory with an executable, a read-only file,
/// a symlink, a hard link and a read-only subdirectory with a file.
fn sample_tar(top: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let add_dir = |b: &mut tar::Builder<Vec<u8>>, path: &str, mode| {
        let mut h = header(tar::EntryType::Directory, mode, 0);
        b.append_data(&mut h, path, &[][..]).unwrap();
    };
    add_dir(&mut b, &format!("{top}/"), 0o755);
    let file = |b: &mut tar::Builder<Vec<u8>>, path: &str, mode, data: &[u8]| {
        let mut h = header(tar::EntryType::Regular, mode, data.len() as u64);
        b.append_data(&mut h, path, data).unwrap();
    };
    file(
        &mut b,
        &format!("{top}/configure"),
        0o755,
        b"#!/bin/sh\necho configured\n",
    );
    file(&mut b, &format!("{top}/README"), 0o444, b"read me\n");
    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
    b.append_link(&mut h, format!("{top}/link"), "README")
        .unwrap();
    let mut h = header(tar::EntryType::Link, 0o644, 0);
    b.append_link(&mut h, format!("{top}/hard"), format!("{top}/README"))
        .unwrap();
    let add_dir = |b: &mut tar::Builder<Vec<u8>>, path: &str, mode| {
        let mut h = header(tar::EntryType::Directory, mode, 0);
        b.append_data(&mut h, path, &[][..]).unwrap();
    };
    add_dir(&mut b, &format!("{top}/locked/"), 0o555);
    file(
        &mut b,
        &format!("{top}/locked/inner.c"),
        0o644,
        b"int main;\n",
    );
    b.into_inner().unwrap()
}

fn compress(kind: &str, data: &[u8]) -> Vec<u8> {
    match kind {
        "tar" => data.to_vec(),
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "bzip2" => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "xz" => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "lzma" => {
            let options = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
            let stream = liblzma::stream::Stream::new_lzma_encoder(&options).unwrap();
            let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "zstd" => zstd::encode_all(data, 3).unwrap(),
        other => panic!("no compression {other}"),
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn check_sample(root: &Path, writable: bool) {
    assert_eq!(
        fs::read(root.join("configure")).unwrap(),
        b"#!/bin/sh\necho configured\n"
    );
    assert_eq!(mode(&root.join("configure")), 0o755);
    assert_eq!(
        mode(&root.join("README")),
        if writable { 0o644 } else { 0o444 }
    );
    assert_eq!(
        mode(&root.join("locked")),
        if writable { 0o755 } else { 0o555 }
    );
    assert_eq!(
        fs::read_link(root.join("link")).unwrap(),
        Path::new("README")
    );
    let readme = fs::metadata(root.join("README")).unwrap();
    let hard = fs::metadata(root.join("hard")).unwrap();
    assert_eq!(
        (readme.ino(), readme.nlink()),
        (hard.ino(), 2),
        "hard link kept"
    );
    assert_eq!(readme.mtime(), MTIME as i64);
    assert_eq!(
        fs::metadata(root).unwrap().mtime(),
        MTIME as i64,
        "directory time kept"
    );
    assert_eq!(
        fs::metadata(root.join("locked")).unwrap().mtime(),
        MTIME as i64
    );
    assert_eq!(
        fs::read(root.join("locked/inner.c")).unwrap(),
        b"int main;\n"
    );
}

#[test]
fn every_compression_is_detected_by_content_not_name() {
    for kind in ["tar", "gzip", "bzip2", "xz", "lzma", "zstd"] {
        let dir = tempfile::tempdir().unwrap();
        // A misleading name: detection must come from the magic bytes.
        let src = dir.path().join("source.zip");
        fs::write(&src, compress(kind, &sample_tar("pkg-1.0"))).unwrap();
        let out = unpack(dir.path(), json!({"src": src, "dest": "build"})).unwrap();
        assert_eq!(
            out,
            json!({"sourceRoot": "pkg-1.0", "entries": 7}),
            "{kind}"
        );
        check_sample(&dir.path().join("build/pkg-1.0"), true);
    }
}

#[test]
fn make_writable_false_keeps_read_only_modes() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.tar.gz");
    fs::write(&src, compress("gzip", &sample_tar("pkg"))).unwrap();
    unpack(dir.path(), json!({"src": src, "makeWritable": false})).unwrap();
    check_sample(&dir.path().join("pkg"), false);
    // Let the tempdir be removed.
    fs::set_permissions(
        dir.path().join("pkg/locked"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}

#[test]
fn positional_arguments_fill_src_and_dest() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.tar");
    fs::write(&src, sample_tar("pkg")).unwrap();
    let f = registry().get("unpack").unwrap();
    let args = f
        .arguments(vec![json!(src), json!("out")], Map::new())
        .unwrap();
    let out = f.call(&context(dir.path()), args).unwrap();
    assert_eq!(out["sourceRoot"], "pkg");
    assert!(dir.path().join("out/pkg/configure").is_file());
}

fn zip_archive() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let time = zip::DateTime::from_date_and_time(2020, 1, 2, 3, 4, 6).unwrap();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time);
    w.add_directory("proj/", options.unix_permissions(0o755))
        .unwrap();
    w.start_file("proj/run.sh", options.unix_permissions(0o755))
        .unwrap();
    w.write_all(b"#!/bin/sh\n").unwrap();
    w.start_file("proj/sub/data.txt", options.unix_permissions(0o444))
        .unwrap();
    w.write_all(&b"data\n".repeat(1000)).unwrap();
    w.add_symlink("proj/latest", "sub/data.txt", options)
        .unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn zip_files_keep_modes_times_and_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("proj.tar.gz");
    fs::write(&src, zip_archive()).unwrap();
    let out = unpack(dir.path(), json!({"src": src})).unwrap();
    assert_eq!(out, json!({"sourceRoot": "proj", "entries": 4}));
    let root = dir.path().join("proj");
    assert_eq!(mode(&root.join("run.sh")), 0o755);
    assert_eq!(mode(&root.join("sub/data.txt")), 0o644, "u+w added");
    assert_eq!(
        fs::read(root.join("sub/data.txt")).unwrap(),
        b"data\n".repeat(1000)
    );
    assert_eq!(
        fs::read_link(root.join("latest")).unwrap(),
        Path::new("sub/data.txt")
    );
    // 2020-01-02 03:04:06 UTC
    assert_eq!(
        fs::metadata(root.join("run.sh")).unwrap().mtime(),
        1_577_934_246
    );
}

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let kind = if path.ends_with('/') {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        };
        let mut h = header(kind, 0o644, data.len() as u64);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn source_root_follows_stdenv_rules() {
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two.tar");
    fs::write(&two, tar_of(&[("a/x", b"1"), ("b/y", b"2")])).unwrap();
    let err = unpack(dir.path(), json!({"src": two, "dest": "t1"})).unwrap_err();
    assert!(
        err.starts_with("unpacker produced multiple directories (a, b)"),
        "{err}"
    );

    let flat = dir.path().join("flat.tar");
    fs::write(&flat, tar_of(&[("x.c", b"1"), (".hidden/y", b"2")])).unwrap();
    let err = unpack(dir.path(), json!({"src": flat, "dest": "t2"})).unwrap_err();
    assert!(
        err.starts_with("unpacker appears to have produced no directories"),
        "{err}"
    );

    // Opting out: extra archives unpacked into an existing tree.
    let out = unpack(
        dir.path(),
        json!({"src": two, "dest": "t3", "sourceRoot": false}),
    )
    .unwrap();
    assert_eq!(out, json!({"sourceRoot": null, "entries": 2}));

    // Directories that were there before do not count.
    fs::create_dir_all(dir.path().join("t4/old")).unwrap();
    let one = dir.path().join("one.tar");
    fs::write(
        &one,
        tar_of(&[("old/z", b"1"), ("new/", b""), ("new/w", b"2")]),
    )
    .unwrap();
    let out = unpack(dir.path(), json!({"src": one, "dest": "t4"})).unwrap();
    assert_eq!(out["sourceRoot"], "new");
}

#[test]
fn strip_components_drops_leading_directories() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("s.tar");
    fs::write(
        &src,
        tar_of(&[
            ("pkg-1.0/", b""),
            ("pkg-1.0/top.txt", b"t"),
            ("pkg-1.0/src/a.c", b"a"),
        ]),
    )
    .unwrap();
    let out = unpack(
        dir.path(),
        json!({"src": src, "dest": "o", "stripComponents": 1}),
    )
    .unwrap();
    assert_eq!(out, json!({"sourceRoot": "src", "entries": 2}));
    assert_eq!(fs::read(dir.path().join("o/src/a.c")).unwrap(), b"a");
    assert_eq!(fs::read(dir.path().join("o/top.txt")).unwrap(), b"t");
    assert!(!dir.path().join("o/pkg-1.0").exists());
}

#[test]
fn directory_sources_are_copied_without_the_store_hash() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir
        .path()
        .join("store/0c6yqn9cg6kfx3yd3ph8bq6jcp6zhbxj-mysrc");
    fs::create_dir_all(src.join("lib")).unwrap();
    fs::write(src.join("build.sh"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(src.join("build.sh"), fs::Permissions::from_mode(0o555)).unwrap();
    fs::write(src.join("lib/a.c"), "a\n").unwrap();
    std::os::unix::fs::symlink("lib/a.c", src.join("link")).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(MTIME);
    fs::File::options()
        .write(true)
        .open(src.join("lib/a.c"))
        .unwrap()
        .set_modified(old)
        .unwrap();

    let out = unpack(dir.path(), json!({"src": src, "dest": "build"})).unwrap();
    assert_eq!(out, json!({"sourceRoot": "mysrc", "entries": 5}));
    let root = dir.path().join("build/mysrc");
    assert_eq!(mode(&root.join("build.sh")), 0o755, "u+w added, x kept");
    assert_eq!(
        fs::read_link(root.join("link")).unwrap(),
        PathBuf::from("lib/a.c")
    );
    assert_eq!(
        fs::metadata(root.join("lib/a.c")).unwrap().mtime(),
        MTIME as i64
    );

    let err = unpack(dir.path(), json!({"src": src, "dest": "build"})).unwrap_err();
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn unknown_formats_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.tar.gz");
    fs::write(&text, "just some text, not an archive\n".repeat(40)).unwrap();
    let err = unpack(dir.path(), json!({"src": text})).unwrap_err();
    assert!(
        err.starts_with("do not know how to unpack source archive"),
        "{err}"
    );

    let gz = dir.path().join("file.gz");
    fs::write(&gz, compress("gzip", &b"not a tar\n".repeat(100))).unwrap();
    let err = unpack(dir.path(), json!({"src": gz})).unwrap_err();
    assert!(
        err.contains("gzip-compressed but does not contain a tar archive"),
        "{err}"
    );

    let truncated = dir.path().join("cut.tar.xz");
    let whole = compress("xz", &sample_tar("pkg"));
    fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let err = unpack(dir.path(), json!({"src": truncated, "dest": "cut"})).unwrap_err();
    assert!(err.contains("corrupt or truncated"), "{err}");
}

#[test]
fn the_destination_must_be_writable() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.tar");
    fs::write(&src, sample_tar("pkg")).unwrap();
    let err = unpack(dir.path(), json!({"src": src, "dest": outside.path()})).unwrap_err();
    assert!(
        err.contains("outside the directories this phase may write to"),
        "{err}"
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
}
