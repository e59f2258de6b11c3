//! compressManPages against stdenv's compress-man-pages hook with GNU gzip,
//! on thousands of real man pages: both trees must come out the same, byte
//! for byte in every `.gz`, with the same modes, modification times and
//! symlinks.
//!
//! The pages come from `tests/fetch-man-pages` (Debian bookworm packages,
//! decompressed into a cache); without them this test fails rather than
//! skips.

mod fixup_support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

use fixup_support::{call, context};
use serde_json::json;

/// The hook (`pkgs/build-support/setup-hooks/compress-man-pages.sh`) as
/// stdenv runs it on `$1`, with `-n` given to Debian's gzip explicitly
/// where nixpkgs' gzip takes it from GZIP_NO_TIMESTAMPS.
const STDENV_HOOK: &str = r#"
set -euo pipefail
man=$1/share/man
find "$man" -type f ! -name '*.gz' ! -name '*.bz2' ! -name '*.xz' -print0 \
    | xargs -0 -r -n1 -P2 gzip -f -n
find "$man" -type l ! -name '*.gz' ! -name '*.bz2' ! -name '*.xz' -print0 \
    | LC_ALL=C sort -z \
    | while IFS= read -r -d '' link; do
        target=$(readlink -f "$link")
        if [[ -f $target.gz ]]; then
            ln -sf "$target.gz" "$link.gz" && rm "$link"
        fi
    done
"#;

/// The hook forks three programs a symlink; one link in this many is kept
/// so that the test stays fast (the pages are all kept).
const KEEP_ONE_LINK_IN: usize = 6;

fn man_page_tree() -> PathBuf {
    let cache = match std::env::var_os("PHASER_MAN_PAGE_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/man-pages"),
    };
    let tree = cache.join("tree/share/man");
    assert!(
        cache.join("tree.done").is_file() && tree.is_dir(),
        "the man page cache {} is missing: run `tests/fetch-man-pages` (tests/run does) to \
         download and prepare the Debian packages this test needs",
        cache.display()
    );
    tree
}

fn require_tool(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    assert!(
        found,
        "`{tool}` is not on PATH: install it with `apt-get install {package}` (tests/run does it)"
    );
}

/// What a comparison looks at in one entry of an output tree.
#[derive(Debug, PartialEq)]
enum Entry {
    File {
        bytes: Vec<u8>,
        mode: u32,
        modified: SystemTime,
    },
    /// The link's target, with the tree's own absolute root written `<out>`.
    Link(String),
    Dir,
}

/// Every entry under `root`, by path relative to it.
fn entries(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let real_root = fs::canonicalize(root).unwrap();
    let mut found = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let path = entry.path();
        let meta = fs::symlink_metadata(path).unwrap();
        let value = if meta.file_type().is_symlink() {
            let target = fs::read_link(path).unwrap();
            Entry::Link(match target.strip_prefix(&real_root) {
                Ok(rest) => format!("<out>/{}", rest.display()),
                Err(_) => target.display().to_string(),
            })
        } else if meta.is_dir() {
            Entry::Dir
        } else {
            Entry::File {
                bytes: fs::read(path).unwrap(),
                mode: meta.permissions().mode() & 0o7777,
                modified: meta.modified().unwrap(),
            }
        };
        found.insert(path.strip_prefix(root).unwrap().to_path_buf(), value);
    }
    found
}

/// Copies `source` to `dest` (modes and times kept) and drops all but one
/// symlink in [`KEEP_ONE_LINK_IN`].
fn copy_pages(source: &Path, dest: &Path) {
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(source)
        .arg(dest)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        source.display(),
        dest.display()
    );
    let mut links: Vec<PathBuf> = walkdir::WalkDir::new(dest)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path_is_symlink())
        .map(|e| e.into_path())
        .collect();
    links.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    for (i, link) in links.iter().enumerate() {
        if i % KEEP_ONE_LINK_IN != 0 {
            fs::remove_file(link).unwrap();
        }
    }
}

#[test]
fn real_man_pages_come_out_exactly_as_stdenvs_hook_leaves_them() {
    require_tool("gzip", "gzip");
    let source = man_page_tree();
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("phaser/out");
    let theirs = dir.path().join("stdenv/out");
    copy_pages(&source, &ours.join("share/man"));
    copy_pages(&source, &theirs.join("share/man"));

    let started = Instant::now();
    let cx = context(dir.path(), &[]);
    call(&cx, "compressManPages", vec![json!(ours)], json!({})).unwrap();
    let phaser_time = started.elapsed();

    let started = Instant::now();
    let hook = Command::new("bash")
        .args(["-c", STDENV_HOOK, "hook"])
        .arg(&theirs)
        .output()
        .unwrap();
    let hook_time = started.elapsed();
    assert!(
        hook.status.success(),
        "stdenv's hook failed: {}",
        String::from_utf8_lossy(&hook.stderr)
    );

    let (ours, theirs) = (entries(&ours), entries(&theirs));
    let mut pages = 0;
    let mut identical = 0;
    let mut links = 0;
    let mut differences = Vec::new();
    for (path, expected) in &theirs {
        match expected {
            Entry::File { .. } => pages += 1,
            Entry::Link(_) => links += 1,
            Entry::Dir => {}
        }
        match ours.get(path) {
            Some(got) if got == expected => {
                if matches!(got, Entry::File { .. }) {
                    identical += 1;
                }
            }
            Some(got) => {
                differences.push(format!("{}: {}", path.display(), describe(got, expected)))
            }
            None => differences.push(format!("{}: missing from phaser's tree", path.display())),
        }
    }
    for path in ours.keys().filter(|p| !theirs.contains_key(*p)) {
        differences.push(format!("{}: only in phaser's tree", path.display()));
    }
    eprintln!(
        "{pages} man pages compared with GNU gzip's: {identical} identical; {links} symlinks \
         compared; compressManPages {phaser_time:.2?}, stdenv's hook {hook_time:.2?}"
    );
    assert!(pages >= 4000, "only {pages} pages in the cache");
    assert!(
        differences.is_empty(),
        "{} differences, the first ones:\n{}",
        differences.len(),
        differences[..differences.len().min(20)].join("\n")
    );
}

fn describe(got: &Entry, expected: &Entry) -> String {
    match (got, expected) {
        (
            Entry::File {
                bytes: a,
                mode: ma,
                modified: ta,
            },
            Entry::File {
                bytes: b,
                mode: mb,
                modified: tb,
            },
        ) => {
            let mut what = Vec::new();
            if a != b {
                what.push(format!("{} bytes, gzip wrote {}", a.len(), b.len()));
            }
            if ma != mb {
                what.push(format!("mode {ma:o}, gzip's {mb:o}"));
            }
            if ta != tb {
                what.push(format!("modified {ta:?}, gzip's {tb:?}"));
            }
            what.join("; ")
        }
        _ => format!("{} where stdenv has {}", kind(got), kind(expected)),
    }
}

fn kind(entry: &Entry) -> String {
    match entry {
        Entry::File { .. } => String::from("a file"),
        Entry::Link(target) => format!("a symlink to {target}"),
        Entry::Dir => String::from("a directory"),
    }
}
