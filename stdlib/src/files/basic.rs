//! The small file functions: `mkdir`, `exists`, `read`, `write`,
//! `symlink`, `remove`.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{create_parent, path_list, writable_entry, yes, Mode, TempFile};
use crate::{Context, Error, Function, Result};

/// `mkdir [-p] PATH`: with `parents`, missing parents are created and an
/// existing directory is fine; without, both are errors.
pub fn mkdir(cx: &Context, path: &str, parents: bool) -> Result<()> {
    let path = cx.writable(path)?;
    let made = if parents {
        fs::create_dir_all(&path)
    } else {
        fs::create_dir(&path)
    };
    made.map_err(|e| Error::io("creating directory", &path, e))
}

/// `test -e PATH`: symlinks are followed, so a dangling one does not exist.
pub fn exists(cx: &Context, path: &str) -> bool {
    fs::metadata(cx.resolve(path)).is_ok()
}

/// The whole file as text; a file that is not UTF-8 is an error.
pub fn read(cx: &Context, path: &str) -> Result<String> {
    let path = cx.resolve(path);
    let bytes = fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::msg(format!(
            "read: {} is not UTF-8 text (invalid byte at offset {}); `read` returns text only, \
             use `copy`, `hash` or `substitute` for binary files",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes `content` to `path` like the shell's `>` (or `>>` with
/// `append`), creating missing parent directories; `mode` is applied
/// afterwards (symbolic modes relative to the file's mode).
pub fn write(
    cx: &Context,
    path: &str,
    content: &[u8],
    append: bool,
    mode: Option<&Mode>,
) -> Result<()> {
    let path = cx.writable_target(path)?;
    create_parent(&path)?;
    // The checked path names no symlink; one put there since is not
    // followed.
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .append(append)
        .truncate(!append)
        .mode(0o666)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| Error::io("opening for writing", &path, e))?;
    file.write_all(content)
        .map_err(|e| Error::io("writing", &path, e))?;
    if let Some(mode) = mode {
        let meta = file
            .metadata()
            .map_err(|e| Error::io("reading the mode of", &path, e))?;
        let new = mode.apply(meta.mode(), false, super::process_umask());
        file.set_permissions(Permissions::from_mode(new))
            .map_err(|e| Error::io("changing the mode of", &path, e))?;
    }
    Ok(())
}

/// `ln -s[f]T TARGET LINK`: `link` is always the link's own path (never a
/// directory to put it in); missing parents are created; `target` is stored
/// as given. With `force` an existing file or symlink is replaced
/// atomically; a directory never is.
pub fn symlink(cx: &Context, target: &str, link: &str, force: bool) -> Result<()> {
    let link = writable_entry(cx, link)?;
    create_parent(&link)?;
    match fs::symlink_metadata(&link) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::os::unix::fs::symlink(target, &link)
            .map_err(|e| Error::io("creating symlink", &link, e)),
        Err(e) => Err(Error::io("checking", &link, e)),
        Ok(meta) if meta.is_dir() => Err(Error::msg(format!(
            "symlink: {} is a directory; remove it first if the link should replace it",
            link.display()
        ))),
        Ok(_) if !force => Err(Error::msg(format!(
            "symlink: {} already exists; pass force: true to replace it",
            link.display()
        ))),
        Ok(_) => {
            // A new link under a temporary name renamed over the old entry:
            // there is no moment without a link.
            let (tmp, file) = TempFile::beside(&link)
                .map_err(|e| Error::io("creating a temporary file beside", &link, e))?;
            drop(file);
            fs::remove_file(tmp.path()).map_err(|e| Error::io("removing", tmp.path(), e))?;
            std::os::unix::fs::symlink(target, tmp.path())
                .map_err(|e| Error::io("creating symlink", tmp.path(), e))?;
            tmp.persist(&link)
                .map_err(|e| Error::io("replacing", &link, e))
        }
    }
}

/// `rm [-r] [-f] PATH`: a symlink is removed, never followed; a directory
/// needs `recursive`; a missing path is an error unless `force`. Read-only
/// directories inside the tree are made writable so their entries can go
/// (Go module caches and copied store paths are full of them).
pub fn remove(cx: &Context, path: &str, recursive: bool, force: bool) -> Result<()> {
    let path = writable_entry(cx, path)?;
    if path.parent().is_none() {
        return Err(Error::msg("remove: refusing to remove /"));
    }
    let meta = match fs::symlink_metadata(&path) {
        Err(e) if force && e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("removing", &path, e)),
        Ok(meta) => meta,
    };
    if !meta.is_dir() {
        return fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e));
    }
    if !recursive {
        return Err(Error::msg(format!(
            "remove: {} is a directory; pass recursive: true to remove it with its contents",
            path.display()
        )));
    }
    remove_tree(&path, &meta)
}

/// Removes the directory `dir` (described by `meta`) and all it holds.
pub(crate) fn remove_tree(dir: &Path, meta: &fs::Metadata) -> Result<()> {
    if meta.mode() & 0o700 != 0o700 {
        fs::set_permissions(dir, Permissions::from_mode(meta.mode() & 0o7777 | 0o700))
            .map_err(|e| Error::io("making writable", dir, e))?;
    }
    let entries = fs::read_dir(dir).map_err(|e| Error::io("reading directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("reading directory", dir, e))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| Error::io("checking", &path, e))?;
        if file_type.is_dir() {
            let meta = entry
                .metadata()
                .map_err(|e| Error::io("checking", &path, e))?;
            remove_tree(&path, &meta)?;
        } else {
            fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e))?;
        }
    }
    fs::remove_dir(dir).map_err(|e| Error::io("removing directory", dir, e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MkdirArgs {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default = "yes")]
    parents: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathArg {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    path: String,
    content: String,
    #[serde(default)]
    append: bool,
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SymlinkArgs {
    target: String,
    link: String,
    #[serde(default)]
    force: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveArgs {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    recursive: bool,
    #[serde(default)]
    force: bool,
}

pub(super) fn functions() -> Vec<Function> {
    vec![
        Function::new(
            "mkdir",
            "{path?: string, paths?: [string], parents?: bool}",
            &["*paths"],
            "Creates directories like `mkdir -p` (`parents`, on by default: missing parents \
             are created and an existing directory is fine); with `parents: false`, like plain \
             `mkdir`, an existing path or a missing parent is an error.",
            |cx: &Context, a: MkdirArgs| {
                for path in path_list("mkdir", a.path, a.paths)? {
                    mkdir(cx, &path, a.parents)?;
                }
                Ok(Value::Null)
            },
        ),
        Function::new(
            "exists",
            "{path: string}",
            &["path"],
            "Whether the path exists, like `test -e`: symlinks are followed, so a dangling \
             symlink does not exist. Returns a bool.",
            |cx: &Context, a: PathArg| Ok(Value::Bool(exists(cx, &a.path))),
        ),
        Function::new(
            "read",
            "{path: string}",
            &["path"],
            "Returns the file's content as a string. A file that is not UTF-8 is an error \
             (it names the offset of the first bad byte).",
            |cx: &Context, a: PathArg| read(cx, &a.path).map(Value::String),
        ),
        Function::new(
            "write",
            "{path: string, content: string, append?: bool, mode?: string}",
            &["path", "content"],
            "Writes `content` to the file like the shell's `>` (`>>` with `append`), creating \
             missing parent directories; an existing file keeps its mode unless `mode` is \
             given (octal \"644\" or symbolic \"u+x\", applied after writing).",
            |cx: &Context, a: WriteArgs| {
                let mode = a
                    .mode
                    .as_deref()
                    .map(|m| super::mode::parse_mode("write", m))
                    .transpose()?;
                write(cx, &a.path, a.content.as_bytes(), a.append, mode.as_ref())?;
                Ok(Value::Null)
            },
        ),
        Function::new(
            "symlink",
            "{target: string, link: string, force?: bool}",
            &["target", "link"],
            "Creates the symlink `link` pointing to `target` (stored exactly as given), like \
             `ln -sT`: `link` is the link's own path, never a directory to put it in. Missing \
             parents of `link` are created. An existing file or symlink at `link` is an error, \
             or with `force` is replaced atomically; an existing directory is always an error.",
            |cx: &Context, a: SymlinkArgs| {
                symlink(cx, &a.target, &a.link, a.force)?;
                Ok(Value::Null)
            },
        ),
        Function::new(
            "remove",
            "{path?: string, paths?: [string], recursive?: bool, force?: bool}",
            &["*paths"],
            "Removes files like `rm`: symlinks are removed, not followed; a directory needs \
             `recursive` (then read-only directories inside are made writable so all of it \
             goes, like `rm -rf` run by root); a missing path is an error unless `force`.",
            |cx: &Context, a: RemoveArgs| {
                for path in path_list("remove", a.path, a.paths)? {
                    remove(cx, &path, a.recursive, a.force)?;
                }
                Ok(Value::Null)
            },
        ),
    ]
}
