//! Unit tests of seed manifests: each kind of tampering is refused with a
//! message naming the file.

use std::fs;
use std::path::Path;

use super::*;

/// A seed set of two files under `usr/` and `bin/`, with its manifest.
struct SeedSet {
    dir: tempfile::TempDir,
}

impl SeedSet {
    fn new() -> SeedSet {
        let set = SeedSet {
            dir: tempfile::tempdir().unwrap(),
        };
        set.put("bin/phaser", b"\x7fELF pretend phaser");
        set.put("usr/lib/crt1.o", b"start file");
        set.write_manifest(None);
        set
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn put(&self, path: &str, bytes: &[u8]) {
        let path = self.root().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    /// Lists every file now under bin/ and usr/ with its current hash.
    fn write_manifest(&self, dirs: Option<&[&str]>) {
        let mut files = Vec::new();
        for path in ["bin/phaser", "usr/lib/crt1.o"] {
            let sha = sha256_file(&self.root().join(path)).unwrap();
            files.push(serde_json::json!({"path": path, "sha256": sha, "what": "test seed"}));
        }
        let mut manifest = serde_json::json!({"root": "..", "files": files});
        if let Some(dirs) = dirs {
            manifest["dirs"] = serde_json::json!(dirs);
        }
        fs::create_dir_all(self.root().join("plans")).unwrap();
        fs::write(self.manifest(), manifest.to_string()).unwrap();
    }

    fn manifest(&self) -> std::path::PathBuf {
        self.root().join("plans/seeds.json")
    }

    fn problems(&self) -> Vec<(String, Problem)> {
        match verify(&self.manifest()) {
            Err(SeedError::Mismatch { problems, .. }) => problems,
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    fn message(&self) -> String {
        verify(&self.manifest()).unwrap_err().to_string()
    }
}

#[test]
fn an_untouched_seed_set_verifies() {
    let set = SeedSet::new();
    let verified = verify(&set.manifest()).unwrap();
    assert_eq!(verified.files, 2);
    assert_eq!(verified.bytes, 19 + 10);
}

#[test]
fn one_flipped_byte_is_refused_naming_the_file() {
    let set = SeedSet::new();
    let path = set.root().join("usr/lib/crt1.o");
    let mut bytes = fs::read(&path).unwrap();
    bytes[3] ^= 0x01;
    fs::write(&path, bytes).unwrap();
    let problems = set.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "usr/lib/crt1.o");
    assert!(matches!(problems[0].1, Problem::Changed { .. }));
    let message = set.message();
    assert!(message.contains("usr/lib/crt1.o: changed"), "{message}");
    assert!(message.contains("no phase ran"), "{message}");
    assert!(message.contains("bootstrap/make-seeds"), "{message}");
}

#[test]
fn a_missing_seed_is_refused_naming_the_file() {
    let set = SeedSet::new();
    fs::remove_file(set.root().join("bin/phaser")).unwrap();
    assert_eq!(
        set.problems(),
        vec![("bin/phaser".to_string(), Problem::Missing)]
    );
    assert!(set.message().contains("bin/phaser: missing"));
}

#[test]
fn an_extra_file_in_a_seed_directory_is_refused_naming_it() {
    let set = SeedSet::new();
    set.put("usr/include/stdio.h", b"/* sneaked in */");
    assert_eq!(
        set.problems(),
        vec![("usr/include/stdio.h".to_string(), Problem::Extra)]
    );
    assert!(set
        .message()
        .contains("usr/include/stdio.h: not in the manifest"));
}

#[test]
fn files_outside_the_seed_directories_are_not_seeds() {
    // The plans, sources and build directory live beside the seeds.
    let set = SeedSet::new();
    set.put("build/lua.o", b"object");
    set.put("sources/lua.tar.gz", b"tarball");
    verify(&set.manifest()).unwrap();
}

#[test]
fn explicit_dirs_widen_the_check() {
    let set = SeedSet::new();
    set.put("build/stray", b"x");
    set.write_manifest(Some(&["bin", "usr", "build"]));
    assert_eq!(
        set.problems(),
        vec![("build/stray".to_string(), Problem::Extra)]
    );
}

#[test]
fn a_symlink_is_refused_listed_or_not() {
    let set = SeedSet::new();
    std::os::unix::fs::symlink("/etc/passwd", set.root().join("bin/extra-link")).unwrap();
    let target = set.root().join("usr/lib/crt1.o");
    let saved = set.root().join("crt1.saved");
    fs::rename(&target, &saved).unwrap();
    std::os::unix::fs::symlink(&saved, &target).unwrap();
    let problems = set.problems();
    assert_eq!(
        problems,
        vec![
            ("bin/extra-link".to_string(), Problem::Extra),
            (
                "usr/lib/crt1.o".to_string(),
                Problem::NotAFile("a symbolic link")
            ),
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let set = SeedSet::new();
    fs::remove_file(set.root().join("bin/phaser")).unwrap();
    set.put("usr/lib/crt1.o", b"changed");
    set.put("usr/lib/crti.o", b"extra");
    let paths: Vec<String> = set.problems().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["bin/phaser", "usr/lib/crt1.o", "usr/lib/crti.o"]);
}

#[test]
fn a_bad_manifest_names_itself_and_the_entry() {
    let set = SeedSet::new();
    let cases = [
        ("not json", "invalid manifest"),
        (
            r#"{"files": [{"path": "../etc/passwd", "sha256": "00", "what": "x"}]}"#,
            "`../etc/passwd` must be relative",
        ),
        (
            r#"{"files": [{"path": "bin/a", "sha256": "xyz", "what": "x"}]}"#,
            "not 64 hex digits",
        ),
        (r#"{"files": [], "extra": 1}"#, "unknown field `extra`"),
    ];
    for (text, expected) in cases {
        fs::write(set.manifest(), text).unwrap();
        let message = set.message();
        assert!(message.contains("seeds.json"), "{message}");
        assert!(message.contains(expected), "{text}: {message}");
    }
    let twice = format!(
        r#"{{"files": [{{"path": "bin/a", "sha256": "{0}", "what": "x"}}, {{"path": "bin/a", "sha256": "{0}", "what": "x"}}]}}"#,
        "0".repeat(64)
    );
    fs::write(set.manifest(), twice).unwrap();
    assert!(set.message().contains("`bin/a` is listed twice"));
}

#[test]
fn a_missing_manifest_says_where_manifests_come_from() {
    let message = verify(Path::new("/nonexistent/seeds.json"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("/nonexistent/seeds.json"), "{message}");
    assert!(message.contains("phaser.seeds"), "{message}");
}

#[test]
fn default_dirs_are_the_top_level_directories_of_the_seeds() {
    let set = SeedSet::new();
    let manifest = Manifest::load(&set.manifest()).unwrap();
    assert_eq!(manifest.dirs, ["bin", "usr"]);
}

/// The seed set plus `lib64/loader`, a listed link to `usr/lib/crt1.o`.
fn with_link(target: &str) -> SeedSet {
    let set = SeedSet::new();
    fs::create_dir_all(set.root().join("lib64")).unwrap();
    std::os::unix::fs::symlink(target, set.root().join("lib64/loader")).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(set.manifest()).unwrap()).unwrap();
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!(
            {"path": "lib64/loader", "symlink": "/usr/lib/crt1.o", "what": "a link"}
        ));
    fs::write(set.manifest(), manifest.to_string()).unwrap();
    set
}

#[test]
fn a_listed_symlink_verifies_when_its_target_matches() {
    let set = with_link("/usr/lib/crt1.o");
    assert_eq!(verify(&set.manifest()).unwrap().files, 3);
}

#[test]
fn a_symlink_pointing_elsewhere_is_refused_naming_it() {
    let set = with_link("/bin/phaser");
    assert_eq!(
        set.problems(),
        vec![(
            "lib64/loader".to_string(),
            Problem::Link {
                expected: "/usr/lib/crt1.o".into(),
                found: "-> /bin/phaser".into()
            }
        )]
    );
    assert!(set.message().contains(
        "lib64/loader: should be a symbolic link to /usr/lib/crt1.o, but is -> /bin/phaser"
    ));
}

#[test]
fn a_seed_link_must_point_at_a_listed_file() {
    let set = SeedSet::new();
    for target in ["/etc/passwd", "../../outside", "../usr/lib"] {
        let manifest = serde_json::json!({"files": [
            {"path": "bin/phaser", "sha256": "0".repeat(64), "what": "x"},
            {"path": "lib64/loader", "symlink": target, "what": "x"}
        ]});
        fs::write(set.manifest(), manifest.to_string()).unwrap();
        let message = set.message();
        assert!(
            message.contains("not a file the manifest lists"),
            "{target}: {message}"
        );
    }
}

#[test]
fn link_targets_resolve_inside_the_root() {
    assert_eq!(
        link_target("lib64/ld.so", "/lib/ld.so").as_deref(),
        Some("lib/ld.so")
    );
    assert_eq!(
        link_target("lib64/ld.so", "../lib/./ld.so").as_deref(),
        Some("lib/ld.so")
    );
    assert_eq!(
        link_target("lib64/ld.so", "ld-2.36.so").as_deref(),
        Some("lib64/ld-2.36.so")
    );
    assert_eq!(link_target("lib64/ld.so", "../../x"), None);
}
