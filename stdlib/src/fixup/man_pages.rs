//! `compressManPages`: gzip the man pages of an output natively, as
//! stdenv's compress-man-pages hook does with `gzip -n`.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use rayon::prelude::*;
use serde_json::json;

use super::preserve::Kept;
use super::walk;
use super::OutputArgs;
use crate::{Context, Error, Function, Result};

const NAME: &str = "compressManPages";

/// Pages already compressed in one of these formats are left as they are.
const COMPRESSED: &[&str] = &["gz", "bz2", "xz", "lzma", "zst"];

/// The gzip header's operating-system byte for Unix, as gzip writes it.
const OS_UNIX: u8 = 3;

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
        "Gzips every regular file under `<path>/share/man` that is not already compressed \
         (.gz, .bz2, .xz, .lzma, .zst) into `NAME.gz` and removes the original, as stdenv's \
         compressManPages: the gzip header carries no name and time (like `gzip -n`, level \
         9), the file's mode and times are kept, hard-linked pages stay hard-linked, and a \
         symlink to a page that now has a `.gz` is replaced by a `.gz` symlink (`foo.1 -> \
         bar.1` becomes `foo.1.gz -> bar.1.gz`). Nothing is done when `share` or \
         `share/man` is a symlink or there is no `share/man`. Returns `{pages, symlinks}`: \
         the `.gz` files and links made.",
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

    // Hard links to one page are compressed once and linked again.
    let mut groups: HashMap<(u64, u64), Vec<PathBuf>> = HashMap::new();
    let mut order = Vec::new();
    let mut pages = listing.files;
    pages.retain(|p| !walk::has_extension(p, COMPRESSED));
    pages.sort();
    for page in pages {
        let meta = fs::symlink_metadata(&page).map_err(|e| Error::io("reading", &page, e))?;
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

    let mut links = listing.symlinks;
    links.retain(|p| !walk::has_extension(p, COMPRESSED));
    links.sort();
    for link in links {
        if let Some(new_link) = repoint(cx, &link)? {
            done.symlinks.push(new_link);
        }
    }
    done.pages.sort();
    Ok(done)
}

/// `name` with `.gz` appended.
fn gz_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".gz");
    PathBuf::from(name)
}

/// Compresses the first of a group of hard links and links the others'
/// `.gz` names to the result.
fn compress_group(cx: &Context, group: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let Some((first, others)) = group.split_first() else {
        return Ok(Vec::new());
    };
    let first_gz = super::writable_entry(cx, &gz_name(first))?;
    gzip(cx.writable(first)?.as_path(), &first_gz)?;
    let mut written = vec![first_gz.clone()];
    for other in others {
        let other = cx.writable(other)?;
        let other_gz = super::writable_entry(cx, &gz_name(&other))?;
        remove_if_present(&other_gz)?;
        fs::hard_link(&first_gz, &other_gz).map_err(|e| Error::io("hard-linking", &other_gz, e))?;
        fs::remove_file(&other).map_err(|e| Error::io("removing", &other, e))?;
        written.push(other_gz);
    }
    fs::remove_file(first).map_err(|e| Error::io("removing", first, e))?;
    Ok(written)
}

/// Writes `source` gzipped to `target` the way `gzip -n -9` does, with
/// the source's mode and times.
fn gzip(source: &Path, target: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(source).map_err(|e| Error::io("reading", source, e))?;
    let kept = Kept::from(&meta);
    let input = File::open(source).map_err(|e| Error::io("opening", source, e))?;
    remove_if_present(target)?;
    let output = File::create(target).map_err(|e| Error::io("creating", target, e))?;
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(OS_UNIX)
        .write(BufWriter::new(output), Compression::best());
    io::copy(&mut BufReader::new(input), &mut encoder)
        .map_err(|e| Error::io("compressing", source, e))?;
    let output = encoder
        .finish()
        .and_then(|mut w| w.flush().map(|()| w))
        .map_err(|e| Error::io("writing", target, e))?;
    let output = output
        .into_inner()
        .map_err(|e| Error::io("writing", target, e.into_error()))?;
    kept.restore(&output, target)
}

/// Replaces `link` by `link.gz -> target.gz` when the page it resolves to
/// now has a `.gz` beside it.
fn repoint(cx: &Context, link: &Path) -> Result<Option<PathBuf>> {
    let Some(resolved) = readlink_f(link) else {
        return Ok(None);
    };
    if !gz_name(&resolved).is_file() {
        return Ok(None);
    }
    let target = fs::read_link(link).map_err(|e| Error::io("reading the symlink", link, e))?;
    let link = super::writable_entry(cx, link)?;
    let new_link = super::writable_entry(cx, &gz_name(&link))?;
    remove_if_present(&new_link)?;
    std::os::unix::fs::symlink(gz_name(&target), &new_link)
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
