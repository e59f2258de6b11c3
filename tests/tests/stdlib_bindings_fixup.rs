//! The standard library's versions of stdenv's fixup hooks through all
//! three bindings (see `stdlib_bindings.rs`): moveToOutput, the symlink
//! checks, audit-tmpdir, the systemd unit move, and newestFile.

use std::path::Path;

use phaser_tests::bindings::{call, read, Binding, BINDINGS};
use serde_json::json;

#[test]
fn move_to_output_moves_merges_and_removes() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p out/lib/pkgconfig out/share/doc/x dev/share/doc/y && echo pc > out/lib/pkgconfig/x.pc \
             && echo a > out/share/doc/x/A && echo b > dev/share/doc/y/B && touch out/lib/libx.so",
            "moveToOutput",
            json!({"pattern": "share/doc", "dest": "dev", "outputs": ["out", "dev"]}),
        );
        o.ok(b);
        assert_eq!(read(&o.dir(), "dev/share/doc/x/A"), "a\n", "{b:?}");
        assert_eq!(read(&o.dir(), "dev/share/doc/y/B"), "b\n", "{b:?}");
        assert!(
            !o.dir().join("out/share").exists(),
            "{b:?}: emptied share/ stays"
        );
        let o = call(
            b,
            "mkdir -p out/share/gtk-doc/html && touch out/share/gtk-doc/html/i.html out/keep",
            "moveToOutput",
            json!({"pattern": "share/gtk-doc", "dest": "REMOVE", "outputs": ["out"]}),
        );
        o.ok(b);
        assert!(!o.dir().join("out/share").exists(), "{b:?}");
        assert!(o.dir().join("out/keep").exists(), "{b:?}");
    }
}

#[test]
fn symlinks_made_relative_and_broken_ones_refused() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p out/bin && touch out/bin/tool && ln -s \"$PWD/out/bin/tool\" out/bin/alias",
            "makeSymlinksRelative",
            json!({"path": "out"}),
        );
        o.ok(b);
        assert_eq!(
            std::fs::read_link(o.dir().join("out/bin/alias")).unwrap(),
            Path::new("tool"),
            "{b:?}"
        );
        let o = call(
            b,
            "mkdir -p store/out/lib && ln -s missing store/out/lib/dangling",
            "checkSymlinks",
            json!({"path": "store/out", "stores": ["store"]}),
        );
        o.failed_with(b, &["1 dangling symlinks", "dontCheckForBrokenSymlinks"]);
        let o = call(
            b,
            "mkdir -p store/out/lib && ln -s /etc/hostname store/out/lib/outside",
            "checkSymlinks",
            json!({"path": "store/out", "stores": ["store"]}),
        );
        o.ok(b);
    }
}

#[test]
fn audit_tmpdir_finds_build_directory_references_in_wrappers() {
    for b in BINDINGS {
        let setup = "mkdir -p out/bin && printf '#!/bin/sh\\nexec /tmp/build-x/real \"$@\"\\n' > out/bin/tool \
                     && chmod +x out/bin/tool && touch out/bin/.tool-wrapped";
        let o = call(
            b,
            setup,
            "auditTmpdir",
            json!({"path": "out", "tmpdir": "/tmp/build-x"}),
        );
        o.failed_with(
            b,
            &["wrapper script", "forbidden reference to /tmp/build-x/"],
        );
        let o = call(
            b,
            setup,
            "auditTmpdir",
            json!({"path": "out", "tmpdir": "/tmp/elsewhere"}),
        );
        o.ok(b);
    }
    // An ELF file's run path, read from its dynamic section.
    let o = call(
        Binding::Rhai,
        "mkdir -p out/bin && printf 'int main(void){return 0;}\\n' > m.c \
         && cc -o out/bin/m m.c -Wl,-rpath,/tmp/build-x/lib",
        "auditTmpdir",
        json!({"path": "out", "tmpdir": "/tmp/build-x"}),
    );
    o.failed_with(Binding::Rhai, &["RPATH of binary", "out/bin/m"]);
}

#[test]
fn systemd_user_units_move_to_share() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p o/lib/systemd/user && echo unit > o/lib/systemd/user/x.service",
            "moveSystemdUserUnits",
            json!({"path": "o"}),
        );
        o.ok(b);
        assert_eq!(read(&o.dir(), "o/share/systemd/user/x.service"), "unit\n");
        assert!(std::fs::read_link(o.dir().join("o/lib/systemd/user"))
            .unwrap()
            .is_absolute());
    }
}

#[test]
fn newest_file_passes_over_files_newer_than_the_reference() {
    for b in BINDINGS {
        let o = call(
            b,
            "mkdir -p src && touch -d @1000 src/old && touch -d @3000 src/new && touch -d @2000 ref",
            "newestFile",
            json!({"path": "src", "notNewerThan": "ref"}),
        );
        assert_eq!(o.ok(b).result()["mtime"], json!(1000), "{b:?}");
    }
}
