//! Shared by the tests that compare our `patch` with GNU patch: generated
//! trees (contents, modes, times), `diff` to make patches, GNU patch run as
//! stdenv runs it (`patch FLAGS < PATCH`, no terminal), our `patch` with
//! the same `flags`, and a comparison of the resulting trees.
//!
//! To explore further: `PATCH_TEST_SEED` and `PATCH_TEST_CASES` change the
//! random tests' seed and number of cases; with `PATCH_TEST_KEEP` set, each
//! case's tree, patch and flags are written to /tmp/patch-case first, so a
//! failing one can be replayed by hand.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::{self, File, FileTimes};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use phaser_stdlib::{registry, Context, Roots};
use serde_json::{json, Value};

/// The random tests' seed: `default`, or `PATCH_TEST_SEED`.
pub fn seed(default: u64) -> u64 {
    std::env::var("PATCH_TEST_SEED").map_or(default, |s| s.parse().expect("a number"))
}

/// The random tests' number of cases: `default`, or `PATCH_TEST_CASES`.
pub fn cases(default: usize) -> usize {
    std::env::var("PATCH_TEST_CASES").map_or(default, |s| s.parse().expect("a number"))
}

/// The time every generated file starts with (with nanoseconds, so a time
/// set from a patch header is told from one kept).
pub const START: (i64, u32) = (981_173_106, 123_456_789);

/// A small deterministic generator (64-bit LCG, high bits).
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A line from a small vocabulary (lines repeat, so searches meet
    /// look-alike places), with a blank inside for `-l`.
    pub fn line(&mut self) -> String {
        format!("w{} x{}\n", self.below(6), self.below(2))
    }

    pub fn lines(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.line()).collect()
    }

    /// `lines` with a few random insertions, deletions and replacements.
    pub fn edit(&mut self, lines: &[String], edits: usize) -> Vec<String> {
        let mut out = lines.to_vec();
        for _ in 0..edits {
            let at = self.below(out.len() + 1);
            match self.below(3) {
                0 => out.insert(at, self.line()),
                1 if at < out.len() => {
                    out.remove(at);
                }
                _ if at < out.len() => out[at] = self.line(),
                _ => out.push(self.line()),
            }
        }
        out
    }

    /// `patch` with one line dropped, doubled, blanked, or its first byte
    /// or one digit changed: malformed input both must treat alike.
    pub fn mangle(&mut self, patch: &[u8]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = patch
            .split_inclusive(|b| *b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        let at = self.below(lines.len());
        match self.below(5) {
            0 => {
                lines.remove(at);
            }
            1 => lines.insert(at, lines[at].clone()),
            2 => lines[at] = b"\n".to_vec(),
            3 => lines[at][0] = b" -+!*@\t\\#"[self.below(9)],
            _ => {
                if let Some(digit) = lines[at].iter().position(u8::is_ascii_digit) {
                    lines[at][digit] = b'0' + self.below(10) as u8;
                }
            }
        }
        lines.concat()
    }

    /// `lines` with the blanks of a few lines changed (`-l` matches them).
    pub fn respace(&mut self, lines: &[String], count: usize) -> Vec<String> {
        let mut out = lines.to_vec();
        for _ in 0..count {
            if out.is_empty() {
                break;
            }
            let at = self.below(out.len());
            let blank = ["  ", "\t", " \t "][self.below(3)];
            out[at] = out[at].replacen(' ', blank, 1);
        }
        out
    }
}

/// A file of a generated tree.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub bytes: Vec<u8>,
    pub mode: u32,
    pub time: (i64, u32),
}

impl Spec {
    pub fn new(name: &str, bytes: impl Into<Vec<u8>>) -> Spec {
        Spec {
            name: name.into(),
            bytes: bytes.into(),
            mode: 0o644,
            time: START,
        }
    }
}

pub fn system_time((seconds, nanos): (i64, u32)) -> SystemTime {
    SystemTime::UNIX_EPOCH
        + Duration::from_secs(seconds as u64)
        + Duration::from_nanos(nanos.into())
}

/// Writes `files` below `root` with their modes and times.
pub fn write_tree(root: &Path, files: &[Spec]) {
    fs::create_dir_all(root).unwrap();
    for spec in files {
        let path = root.join(&spec.name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &spec.bytes).unwrap();
        let time = system_time(spec.time);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(FileTimes::new().set_accessed(time).set_modified(time))
            .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(spec.mode)).unwrap();
    }
}

/// What a test compares of a tree entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: &'static str,
    pub mode: u32,
    pub bytes: Vec<u8>,
    /// Modification time; `None` for directories and for files written
    /// during the test (both tools wrote them "now").
    pub time: Option<(i64, u32)>,
}

/// Every entry below `root`; files changed after `since` have no time.
pub fn snapshot(root: &Path, since: SystemTime) -> BTreeMap<String, Entry> {
    let mut entries = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap();
        let meta = entry.path().symlink_metadata().unwrap();
        let modified = meta.modified().unwrap();
        let time =
            (meta.is_file() && modified < since).then(|| (meta.mtime(), meta.mtime_nsec() as u32));
        let value = Entry {
            kind: if meta.is_dir() {
                "dir"
            } else if meta.is_file() {
                "file"
            } else {
                "other"
            },
            mode: meta.mode() & 0o7777,
            bytes: if meta.is_file() {
                fs::read(entry.path()).unwrap()
            } else {
                Vec::new()
            },
            time,
        };
        entries.insert(rel.to_string_lossy().into_owned(), value);
    }
    entries
}

/// `diff ARGS` in `dir`; its output (exit status 1 just means "differ").
pub fn diff(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("diff")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("running diff (GNU diffutils must be installed for this test): {e}")
        });
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "diff {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// GNU patch as stdenv runs it: `patch FLAGS < PATCH` in `dir`, output to
/// a pipe (so it asks nothing). Its exit status and output.
pub fn gnu_patch(dir: &Path, flags: &[String], patch: &Path) -> (i32, String) {
    let out = Command::new("patch")
        .args(flags)
        .current_dir(dir)
        .stdin(File::open(patch).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| {
            panic!("running GNU patch (it must be installed for this test: apt-get install patch): {e}")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Our `patch` with `flags`, through the registry, in `dir` (the write
/// root is `dir`'s parent, where backups with `-B ../x` could go).
pub fn our_patch(dir: &Path, flags: &[String], patch: &Path) -> Result<Value, String> {
    let root = dir.parent().unwrap();
    let cx = Context::new(root).with_roots(Roots::Only(vec![root.into()]));
    registry()
        .call(
            &cx,
            "patch",
            json!({"patch": patch, "dir": dir, "flags": flags}),
        )
        .map_err(|e| e.to_string())
}

/// How one comparison came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Both applied the patch, with the same result.
    Applied,
    /// Both refused (GNU patch exited non-zero; ours changed nothing).
    Refused,
}

/// Writes `files` into `gnu/` and `ours/` below `work`, applies `patch`
/// with `flags` in each, and checks they agree: GNU patch exits 0 exactly
/// when ours succeeds; then the trees are identical (names, contents,
/// modes, times kept or set), else ours changed nothing.
pub fn compare(work: &Path, files: &[Spec], patch: &[u8], flags: &[String], case: &str) -> Outcome {
    if std::env::var_os("PATCH_TEST_KEEP").is_some() {
        let keep = Path::new("/tmp/patch-case");
        let _ = fs::remove_dir_all(keep);
        write_tree(&keep.join("tree"), files);
        fs::write(keep.join("p.diff"), patch).unwrap();
        fs::write(keep.join("flags"), flags.join(" ")).unwrap();
    }
    let patch_file = work.join("p.diff");
    fs::write(&patch_file, patch).unwrap();
    let (gnu, ours) = (work.join("gnu"), work.join("ours"));
    for dir in [&gnu, &ours] {
        let _ = fs::remove_dir_all(dir);
        write_tree(dir, files);
    }
    let since = SystemTime::now() - Duration::from_secs(1);
    let before = snapshot(&ours, since);
    let (status, output) = gnu_patch(&gnu, flags, &patch_file);
    let result = our_patch(&ours, flags, &patch_file);
    let text = String::from_utf8_lossy(patch);
    match (status, &result) {
        (0, Ok(_)) => {
            let (a, b) = (snapshot(&ours, since), snapshot(&gnu, since));
            for name in a.keys().chain(b.keys()) {
                assert_eq!(
                    a.get(name),
                    b.get(name),
                    "{case}: `{name}` differs (left: ours, right: GNU patch) with flags {flags:?}\n\
                     GNU patch said:\n{output}\npatch:\n{text}"
                );
            }
            Outcome::Applied
        }
        (0, Err(e)) => panic!(
            "{case}: GNU patch applied with {flags:?}, ours failed: {e}\nGNU patch said:\n{output}\npatch:\n{text}"
        ),
        (_, Ok(v)) => panic!(
            "{case}: GNU patch failed ({status}) with {flags:?}, ours applied: {v}\nGNU patch said:\n{output}\npatch:\n{text}"
        ),
        (_, Err(_)) => {
            assert_eq!(
                snapshot(&ours, since),
                before,
                "{case}: our failed patch changed the tree"
            );
            Outcome::Refused
        }
    }
}

/// The time the new side of generated diffs has.
pub const NEW_TIME: (i64, u32) = (1_234_567_890, 0);

pub fn numbered(range: std::ops::RangeInclusive<usize>) -> String {
    range.map(|i| format!("line {i}\n")).collect()
}

/// `diff ARGS a b` of two trees written below `work/gen`.
pub fn make_patch(work: &Path, a: &[Spec], b: &[Spec], args: &[&str]) -> Vec<u8> {
    let generated = work.join("gen");
    let _ = fs::remove_dir_all(&generated);
    write_tree(&generated.join("a"), a);
    let b: Vec<Spec> = b
        .iter()
        .map(|spec| Spec {
            time: NEW_TIME,
            ..spec.clone()
        })
        .collect();
    write_tree(&generated.join("b"), &b);
    let mut all = args.to_vec();
    all.extend(["a", "b"]);
    diff(&generated, &all)
}

/// How a random test's cases came out.
#[derive(Debug, Default)]
pub struct Tally {
    applied: usize,
    refused: usize,
}

impl Tally {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Applied => self.applied += 1,
            Outcome::Refused => self.refused += 1,
        }
    }

    /// Says how many `what` applied and were refused, and checks both
    /// happened often enough for the test to mean something.
    pub fn check(&self, what: &str, applied: usize, refused: usize) {
        eprintln!(
            "{} {what} applied identically, {} refused by both",
            self.applied, self.refused
        );
        assert!(
            self.applied > applied && self.refused > refused,
            "too few interesting cases: {} applied, {} refused",
            self.applied,
            self.refused
        );
    }
}

/// `flags` as owned strings.
pub fn flags(flags: &[&str]) -> Vec<String> {
    flags.iter().map(|f| f.to_string()).collect()
}
