//! The compressManPages row: a real tree of man pages (the Debian pages
//! `tests/fetch-man-pages` prepares), compressed by phaser and by the
//! compression step of stdenv's hook, one `gzip -f -n` per page on every
//! core. Symlinks are left out: the row measures compression.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::measure;
use super::{call_on_output, Outcome, Spec};

/// The hook's compression step (`xargs -n1 -P "$NIX_BUILD_CORES" gzip -f`,
/// `-n` from GZIP_NO_TIMESTAMPS).
const GZIP_EACH_PAGE: &str = r#"
find "$1" -type f ! -name '*.gz' ! -name '*.bz2' ! -name '*.xz' -print0 \
    | xargs -0 -r -n1 -P"$(nproc)" gzip -f -n
"#;

/// The prepared tree of uncompressed pages, if the cache has it.
pub fn source_tree() -> Option<PathBuf> {
    let cache = std::env::var_os("PHASER_MAN_PAGE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/man-pages"));
    let tree = cache.join("tree/share/man");
    (cache.join("tree.done").is_file() && tree.is_dir()).then_some(tree)
}

/// Pages in `tree` and their total size in bytes.
pub fn pages_in(tree: &Path) -> (usize, u64) {
    walkdir::WalkDir::new(tree)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .fold((0, 0), |(n, bytes), e| {
            (n + 1, bytes + e.metadata().map_or(0, |m| m.len()))
        })
}

pub fn compress(spec: &Spec<'_>, tree: &Path, pages: usize) -> Outcome {
    super::measure(
        spec,
        |dir| {
            let man = dir.join("out/share/man");
            fs::create_dir_all(man.parent().unwrap()).unwrap();
            let copied = Command::new("cp")
                .arg("-a")
                .arg(tree)
                .arg(&man)
                .status()
                .expect("running cp")
                .success();
            assert!(copied, "cp -a {} failed", tree.display());
            for entry in walkdir::WalkDir::new(&man)
                .into_iter()
                .filter_map(Result::ok)
            {
                if entry.path_is_symlink() {
                    fs::remove_file(entry.path()).unwrap();
                }
            }
            dir.to_path_buf()
        },
        |dir| call_on_output(spec.function, dir),
        |_, answer| match answer.result["pages"].as_array().map(Vec::len) {
            Some(n) if n == pages => Ok(()),
            other => Err(format!("{other:?} pages compressed, expected {pages}")),
        },
        |dir| measure::reference(GZIP_EACH_PAGE, &[&dir.join("out/share/man")], dir),
    )
}
