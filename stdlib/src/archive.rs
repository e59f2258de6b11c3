//! Standard-library family `archive`: unpacking source archives and source
//! directories the way stdenv's unpack phase does, without ever writing
//! outside the destination.
//!
//! The format comes from the file's first bytes, not its name: tar (plain
//! or compressed with gzip, bzip2, xz, lzma or zstd) and zip. Archives are
//! streamed: the compressed input is read in large blocks and each entry is
//! written as it is decompressed.

mod detect;
mod directory;
mod source_root;
mod tarball;
mod target;
mod zipfile;

pub(crate) use detect::{decompress_all, Compression};

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::json;

use crate::{Context, Error, Function, Result};
use target::Target;

/// Input buffer size: large reads keep the decompressor streaming.
const READ_BUFFER: usize = 1 << 20;

/// What [`unpack`] unpacks, where, and how.
#[derive(Debug, Clone)]
pub struct UnpackOptions {
    /// The archive file or source directory.
    pub src: PathBuf,
    /// The directory to unpack into (created when missing).
    pub dest: PathBuf,
    /// Leading path components to drop from every entry (tar's
    /// `--strip-components`); entries with no more components are skipped.
    pub strip_components: usize,
    /// Give the owner write permission on everything unpacked (stdenv's
    /// default, `dontMakeSourcesWritable` turns it off).
    pub make_writable: bool,
    /// Find the source root with stdenv's rule and fail unless exactly one
    /// directory was added to `dest`.
    pub source_root: bool,
}

impl UnpackOptions {
    /// Unpack `src` into `dest` with stdenv's defaults.
    pub fn new(src: impl Into<PathBuf>, dest: impl Into<PathBuf>) -> UnpackOptions {
        UnpackOptions {
            src: src.into(),
            dest: dest.into(),
            strip_components: 0,
            make_writable: true,
            source_root: true,
        }
    }
}

/// What [`unpack`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// The directory unpacking added to the destination (its name), when
    /// [`UnpackOptions::source_root`] asked for it.
    pub source_root: Option<String>,
    /// How many entries (files, directories, links) were written.
    pub entries: u64,
}

/// Unpacks an archive or copies a source directory into
/// [`UnpackOptions::dest`].
pub fn unpack(cx: &Context, options: &UnpackOptions) -> Result<Unpacked> {
    let src = cx.resolve(&options.src);
    let dest = cx.writable(&options.dest)?;
    fs::create_dir_all(&dest).map_err(|e| Error::io("creating directory", &dest, e))?;
    let before = match options.source_root {
        true => Some(source_root::listing(&dest)?),
        false => None,
    };
    let meta = fs::metadata(&src).map_err(|e| Error::io("reading the source", &src, e))?;
    let entries = if meta.is_dir() {
        if options.strip_components != 0 {
            return Err(Error::msg(format!(
                "unpacking the directory {}: stripComponents applies to archives only",
                src.display()
            )));
        }
        directory::copy(&src, &dest, options.make_writable)?
    } else {
        unpack_file(&src, &dest, options)?
    };
    let source_root = match before {
        Some(before) => Some(source_root::added_directory(&dest, &before, &src)?),
        None => None,
    };
    Ok(Unpacked {
        source_root,
        entries,
    })
}

fn unpack_file(src: &Path, dest: &Path, options: &UnpackOptions) -> Result<u64> {
    let file = File::open(src).map_err(|e| Error::io("opening", src, e))?;
    let mut head = [0u8; 512];
    let got = read_head(&file, &mut head).map_err(|e| Error::io("reading", src, e))?;
    let head = &head[..got];
    let mut target = Target::new(
        dest.to_path_buf(),
        src,
        options.strip_components,
        options.make_writable,
    );
    if detect::is_zip(head) {
        zipfile::unpack(file, &mut target)?;
        return target.finish();
    }
    let compression = Compression::sniff(head);
    let input = BufReader::with_capacity(READ_BUFFER, file);
    let mut stream = compression.decoder(input).map_err(|e| target.corrupt(e))?;
    let mut first = vec![0u8; 512];
    let got = detect::read_up_to(&mut *stream, &mut first).map_err(|e| target.corrupt(e))?;
    first.truncate(got);
    if !detect::is_tar_header(&first) {
        return Err(Error::msg(match compression {
            Compression::None => format!(
                "do not know how to unpack source archive {}: it is neither a tar archive (plain or \
                 compressed with gzip, bzip2, xz, lzma or zstd) nor a zip file; unpack it with a \
                 command instead",
                src.display()
            ),
            other => format!(
                "do not know how to unpack source archive {}: it is {} but does not contain a tar \
                 archive; decompress it with a command instead",
                src.display(),
                other.describe()
            ),
        }));
    }
    tarball::unpack(io::Cursor::new(first).chain(stream), &mut target)?;
    target.finish()
}

/// Reads the first bytes of `file` without moving its offset.
fn read_head(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UnpackArgs {
    src: String,
    #[serde(default)]
    dest: Option<String>,
    #[serde(default)]
    strip_components: usize,
    #[serde(default = "yes")]
    make_writable: bool,
    #[serde(default = "yes")]
    source_root: bool,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![Function::new(
        "unpack",
        "{src: string, dest?: string, stripComponents?: int, makeWritable?: bool, sourceRoot?: bool}",
        &["src", "dest"],
        "Unpacks `src` into `dest` (default: the working directory) the way stdenv's unpack phase \
         does. The format is read from the file's first bytes, not its name: tar, plain or \
         compressed with gzip, bzip2, xz, lzma or zstd, and zip. A directory is copied with its \
         modes and times under its name minus the Nix store hash; an existing destination is an \
         error. File modes, times, symbolic links and hard links are kept; `stripComponents` drops \
         leading path components like tar's option. Nothing is ever written outside `dest`: entries \
         with absolute paths or `..`, entries that would be written through a symbolic link \
         (including one the archive itself created), hard links to anything outside, and devices or \
         fifos are refused with an error naming the entry. Unless `makeWritable: false`, everything \
         unpacked gets `u+w`. Returns `{sourceRoot, entries}`: `sourceRoot` is the one directory \
         unpacking added to `dest` (an error when there are none or several, as in stdenv); pass \
         `sourceRoot: false` to skip that check when unpacking extra archives into a tree, and \
         `sourceRoot` is then null.",
        |cx: &Context, a: UnpackArgs| {
            let dest = a.dest.map_or_else(|| cx.cwd().to_path_buf(), PathBuf::from);
            let options = UnpackOptions {
                strip_components: a.strip_components,
                make_writable: a.make_writable,
                source_root: a.source_root,
                ..UnpackOptions::new(a.src, dest)
            };
            let unpacked = unpack(cx, &options)?;
            Ok(json!({"sourceRoot": unpacked.source_root, "entries": unpacked.entries}))
        },
    )]
}
