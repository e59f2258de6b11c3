//! Generated inputs: deterministic, so every run measures the same work.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// 50 MiB, the size of the big-file inputs.
pub const BIG: usize = 50 << 20;

/// The placeholder substituted in the big text file.
pub const PLACEHOLDER: &str = "@prefix@";

/// What it is replaced with.
pub const REPLACEMENT: &str = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.10";

/// A small xorshift generator: enough variety for realistic compression.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `count` executable files under `root` in 50 directories: every other
/// one a script starting with `#!/usr/bin/env bash` or `#!/bin/sh`.
pub fn script_tree(root: &Path, count: usize) {
    let body: String = (0..30)
        .map(|i| format!("echo \"line {i} of a generated script\" >/dev/null\n"))
        .collect();
    for i in 0..count {
        let dir = root.join(format!("d{:02}", i % 50));
        if i < 50 {
            fs::create_dir_all(&dir).unwrap();
        }
        let path = dir.join(format!("f{i:05}"));
        let text = match i % 4 {
            0 => format!("#!/usr/bin/env bash\n{body}"),
            2 => format!("#!/bin/sh\n{body}"),
            _ => format!("plain data file {i}\n{body}"),
        };
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A 50 MiB text file with the placeholder every ~4 KiB; returns how
/// many times it occurs.
pub fn text_file(path: &Path) -> usize {
    let mut chunk = String::new();
    let mut line = 0;
    while chunk.len() < 64 << 10 {
        if line % 50 == 0 {
            chunk.push_str(&format!("prefix={PLACEHOLDER} # configured path\n"));
        } else {
            chunk.push_str(&format!(
                "line {line:06}: text that a configure script or Makefile could contain\n"
            ));
        }
        line += 1;
    }
    let per_chunk = chunk.matches(PLACEHOLDER).count();
    let mut file = fs::File::create(path).unwrap();
    let mut written = 0;
    let mut count = 0;
    while written + chunk.len() <= BIG {
        file.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
        count += per_chunk;
    }
    count
}

/// 50 MiB of pseudo-random bytes.
pub fn binary_file(path: &Path) {
    let mut rng = Rng::new(0x5eed);
    let mut data = Vec::with_capacity(BIG);
    while data.len() < BIG {
        data.extend_from_slice(&rng.next().to_le_bytes());
    }
    fs::write(path, data).unwrap();
}

/// The tarball to unpack: hello-2.10's from the source cache when it is
/// there, else a generated one of similar shape. The flag says which.
pub fn hello_tarball(work: &Path) -> (PathBuf, bool) {
    let cache = std::env::var_os("PHASER_SOURCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("stdlib sits in the workspace root")
                .join(".cache/sources")
        });
    let cached = cache.join("hello_2.10.orig.tar.gz");
    if cached.is_file() {
        return (cached, true);
    }
    (generated_tarball(work), false)
}

/// A source tree like hello-2.10's (about 500 files, 4 MiB of text in a
/// few directories), packed with `tar czf`.
fn generated_tarball(work: &Path) -> PathBuf {
    let root = work.join("gen/hello-2.10");
    let dirs = [
        "",
        "src",
        "lib",
        "doc",
        "po",
        "tests",
        "man",
        "build-aux",
        "m4",
        "contrib",
    ];
    let words = [
        "int",
        "return",
        "static",
        "const",
        "char",
        "hello",
        "world",
        "gettext",
        "printf",
        "struct",
        "void",
        "size_t",
        "if",
        "else",
        "for",
        "while",
        "the",
        "of",
        "GNU",
        "free",
        "software",
        "license",
        "version",
        "program",
        "message",
        "translation",
    ];
    let mut rng = Rng::new(2010);
    for i in 0..500 {
        let dir = root.join(dirs[i % dirs.len()]);
        fs::create_dir_all(&dir).unwrap();
        let size = 500 + rng.below(15_000) as usize;
        let mut text = String::with_capacity(size + 64);
        while text.len() < size {
            text.push_str(words[rng.below(words.len() as u64) as usize]);
            text.push(if rng.below(9) == 0 { '\n' } else { ' ' });
        }
        fs::write(dir.join(format!("file{i:03}.c")), text).unwrap();
    }
    let tarball = work.join("hello-2.10-generated.tar.gz");
    let ok = Command::new("tar")
        .arg("czf")
        .arg(&tarball)
        .arg("-C")
        .arg(work.join("gen"))
        .arg("hello-2.10")
        .status()
        .expect("running tar to generate the tarball")
        .success();
    assert!(ok, "tar czf failed while generating the tarball");
    fs::remove_dir_all(work.join("gen")).unwrap();
    tarball
}

/// Number of regular files under `root`.
pub fn count_files(root: &Path) -> usize {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Files in the tree [`patch_tree`] writes, and hunks per file.
pub const PATCHED_FILES: usize = 300;
pub const HUNKS_PER_FILE: usize = 10;

/// A source tree of [`PATCHED_FILES`] files of 400 lines under
/// `root/tree`, and `root/p.diff`, a unified diff changing one line in
/// [`HUNKS_PER_FILE`] places of each; the tree has two more lines at the
/// top than the diff expects, so every hunk applies at an offset (and GNU
/// patch's defaults back every file up). Returns the tree.
pub fn patch_tree(root: &Path) -> PathBuf {
    let tree = root.join("tree");
    let mut diff = String::new();
    for file in 0..PATCHED_FILES {
        let dir = tree.join(format!("d{:02}", file % 20));
        fs::create_dir_all(&dir).unwrap();
        let name = format!("d{:02}/f{file:04}.c", file % 20);
        let line = |n: usize| format!("    value_{file}_{n} = compute({n}, {file});\n");
        let mut text = String::from("/* added upstream */\n/* since the diff */\n");
        text.extend((1..=400).map(line));
        fs::write(tree.join(&name), text).unwrap();
        diff.push_str(&format!("--- a/{name}\n+++ b/{name}\n"));
        for hunk in 0..HUNKS_PER_FILE {
            let at = 20 + hunk * 38;
            diff.push_str(&format!("@@ -{},7 +{},7 @@\n", at - 3, at - 3));
            for n in at - 3..at {
                diff.push_str(&format!(" {}", line(n)));
            }
            diff.push_str(&format!("-{}", line(at)));
            diff.push_str(&format!("+    value_{file}_{at} = patched({at});\n"));
            for n in at + 1..=at + 3 {
                diff.push_str(&format!(" {}", line(n)));
            }
        }
    }
    fs::write(root.join("p.diff"), diff).unwrap();
    tree
}
