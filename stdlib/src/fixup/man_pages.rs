//! `compressManPages`: gzip the man pages of an output natively, to the
//! same bytes, modes, times and links as stdenv's compress-man-pages hook
//! (`pkgs/build-support/setup-hooks/compress-man-pages.sh`), which runs
//! `gzip -f` on each page (`-n` through `GZIP_NO_TIMESTAMPS`, set by
//! `pkgs/stdenv/generic/setup.sh`) and then re-points symlinks.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;

use super::preserve::{set_mode, Kept};
use super::walk;
use super::OutputArgs;
use crate::{Context, Error, Function, Result};

const NAME: &str = "compressManPages";

/// Files and symlinks whose names end in one of these are left alone (the
/// hook's `find -regex '.*\.\(bz2\|gz\|xz\)$'`).
const COMPRESSED: &[&str] = &[".gz", ".bz2", ".xz"];

/// What compressing an output's man pages did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Compressed {
    /// The `.gz` files written (one per original page name).
    pub pages: Vec<PathBuf>,
    /// The `.gz` symlinks that replaced links to uncompressed pages.
    pub symlinks: Vec<PathBuf>,
}

/// The registry entry.
pub(crate) fn function() -> Function {
    Function::new::<OutputArgs, _>(
        NAME,
        "{path: string}",
        &["path"],
        "Gzips every regular file under `<path>/share/man` whose name does not end in .gz, \
         .bz2 or .xz into `NAME.gz` and removes it, as stdenv's compressManPages does with \
         `gzip -f -n` (GZIP_NO_TIMESTAMPS): the bytes are GNU gzip's at level 6 (no name, \
         mtime 0, XFL 0, OS Unix; gzip 1.12 to 1.14 agree), the `.gz` keeps the page's access \
         and modification times and permission bits (not the sticky bit), and each name of a \
         hard-linked page gets its own `.gz`. A set-user-ID or set-group-ID page is an error, \
         since gzip refuses it. Then each symlink not ending in .gz, .bz2 or .xz, in byte \
         order, whose `readlink -f` target T now has a file `T.gz`, is replaced by `NAME.gz \
         -> T.gz` with T absolute (stdenv's `ln -sf \"$target\".gz`). Nothing is done when \
         `share` or `share/man` is a symlink or there is no `share/man`. Returns `{pages, \
         symlinks}`: the `.gz` files and links made.",
        |cx, a: OutputArgs| {
            let done = compress_man_pages(cx, Path::new(&a.path))?;
            Ok(json!({"pages": done.pages, "symlinks": done.symlinks}))
        },
    )
}

/// Compresses the man pages of the output `output`.
pub(crate) fn compress_man_pages(cx: &Context, output: &Path) -> Result<Compressed> {
    let output = cx.resolve(output);
    let share = output.join("share");
    let man = share.join("man");
    for dir in [&share, &man] {
        if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            cx.log(format!(
                "{NAME}: {} is a symlink, leaving the man pages alone",
                dir.display()
            ));
            return Ok(Compressed::default());
        }
    }
    if !man.is_dir() {
        return Ok(Compressed::default());
    }
    cx.log(format!("gzipping man pages under {}/", man.display()));
    let listing = walk::list(cx, NAME, &man);

    // Hard links to one page are compressed once, then written to each name.
    let mut groups: HashMap<(u64, u64), Vec<PathBuf>> = HashMap::new();
    let mut order = Vec::new();
    let mut pages = listing.files;
    pages.retain(|p| !is_compressed(p));
    pages.sort();
    for page in pages {
        let meta = fs::symlink_metadata(&page).map_err(|e| Error::io("reading", &page, e))?;
        if meta.mode() & 0o6000 != 0 {
            return Err(Error::msg(format!(
                "{NAME}: {} is set-user-ID or set-group-ID, which gzip refuses to compress \
                 (stdenv's hook then fails the build); clear the bit (`chmod ug-s`) before \
                 fixup, or set dontGzipMan",
                page.display()
            )));
        }
        let key = (meta.dev(), meta.ino());
        let group = groups.entry(key).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(page);
    }
    let groups: Vec<Vec<PathBuf>> = order
        .into_iter()
        .filter_map(|key| groups.remove(&key))
        .collect();
    let written: Vec<Result<Vec<PathBuf>>> = groups
        .par_iter()
        .map(|group| compress_group(cx, group))
        .collect();
    let mut done = Compressed::default();
    for gz in written {
        done.pages.extend(gz?);
    }

    // `sort -z` in the C locale: by bytes. The order matters when links
    // point at links.
    let mut links = listing.symlinks;
    links.retain(|p| !is_compressed(p));
    links.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    for link in links {
        if let Some(new_link) = repoint(cx, &link)? {
            done.symlinks.push(new_link);
        }
    }
    done.pages.sort();
    Ok(done)
}

/// Whether the hook's `find` leaves `path` out as already compressed.
fn is_compressed(path: &Path) -> bool {
    let name = path.as_os_str().as_bytes();
    COMPRESSED
        .iter()
        .any(|suffix| name.ends_with(suffix.as_bytes()))
}

/// `name` with `.gz` appended.
fn gz_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(OsStr::new(".gz"));
    PathBuf::from(name)
}

/// Compresses the first of a group of hard links and writes the result
/// to every name's `.gz`, as `gzip -f` on each name would.
fn compress_group(cx: &Context, group: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let Some(first) = group.first() else {
        return Ok(Vec::new());
    };
    let source = cx.writable(first)?;
    let meta = fs::symlink_metadata(&source).map_err(|e| Error::io("reading", &source, e))?;
    let kept = Kept::from(&meta);
    let page = fs::read(&source).map_err(|e| Error::io("reading", &source, e))?;
    let compressed = phaser_gnuzip::gzip(&page);
    let mut written = Vec::with_capacity(group.len());
    for name in group {
        let name = cx.writable(name)?;
        let gz = super::writable_entry(cx, &gz_name(&name))?;
        write_like_gzip(&compressed, &kept, &gz)?;
        fs::remove_file(&name).map_err(|e| Error::io("removing", &name, e))?;
        written.push(gz);
    }
    Ok(written)
}

/// Writes `bytes` to a new `target` with the page's times and its
/// permission bits as gzip copies them (`st_mode & 0777`).
fn write_like_gzip(bytes: &[u8], kept: &Kept, target: &Path) -> Result<()> {
    remove_if_present(target)?;
    let mut output = File::create(target).map_err(|e| Error::io("creating", target, e))?;
    output
        .write_all(bytes)
        .map_err(|e| Error::io("writing", target, e))?;
    kept.restore_times(&output, target)?;
    set_mode(target, kept.mode() & 0o777)
}

/// Replaces `link` by `link.gz -> T.gz`, where T is the absolute path
/// `link` resolves to, when `T.gz` is a file.
fn repoint(cx: &Context, link: &Path) -> Result<Option<PathBuf>> {
    let Some(resolved) = readlink_f(link) else {
        return Ok(None);
    };
    if !gz_name(&resolved).is_file() {
        return Ok(None);
    }
    let link = super::writable_entry(cx, link)?;
    let new_link = super::writable_entry(cx, &gz_name(&link))?;
    remove_if_present(&new_link)?;
    std::os::unix::fs::symlink(gz_name(&resolved), &new_link)
        .map_err(|e| Error::io("creating the symlink", &new_link, e))?;
    fs::remove_file(&link).map_err(|e| Error::io("removing", &link, e))?;
    Ok(Some(new_link))
}

/// What `readlink -f` says: every link followed, every component but the
/// last required to exist (the page a link names has just been replaced by
/// its `.gz`, so the last one usually does not).
fn readlink_f(path: &Path) -> Option<PathBuf> {
    let mut current = path.to_path_buf();
    // The kernel's limit on links followed in one lookup.
    for _ in 0..40 {
        let parent = fs::canonicalize(current.parent()?).ok()?;
        let joined = parent.join(current.file_name()?);
        match fs::read_link(&joined) {
            Ok(target) => current = parent.join(target),
            Err(_) => return Some(joined),
        }
    }
    None
}

/// Removes `path` if anything (even a dangling symlink) is there, as
/// `gzip -f` and `ln -sf` replace what they find.
fn remove_if_present(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Err(Error::msg(format!(
            "{NAME}: {} is a directory; remove it so the compressed page can take its name",
            path.display()
        ))),
        Ok(_) => fs::remove_file(path).map_err(|e| Error::io("removing", path, e)),
        Err(_) => Ok(()),
    }
}
