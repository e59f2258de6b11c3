//! `install`: `install -Dm755 SRC DEST` and `install -d DIR`.

use std::fs::{self, Permissions};
use std::os::unix::fs::PermissionsExt;

use serde::Deserialize;
use serde_json::Value;

use super::clone::copy_contents;
use super::mode::parse_mode;
use super::{create_parent, names_directory, writable_entry, yes, Mode, StringOrList, TempFile};
use crate::{Context, Error, Function, Result};

/// `install [-D] -m MODE SRC... DEST`: copies each file's content (a
/// symlink source is followed) into a fresh file with `mode`, renamed over
/// the destination so a running executable or a read-only file there is
/// replaced cleanly. Into `dest` when it is an existing directory, ends in
/// `/` or several sources are given. `parents` (`-D`) creates missing
/// directories. Timestamps are not kept (install without `-p`).
pub fn install(
    cx: &Context,
    src: &StringOrList,
    dest: &str,
    mode: &Mode,
    parents: bool,
) -> Result<()> {
    let dest_path = cx.writable(dest)?;
    let dest_is_dir = fs::metadata(&dest_path).is_ok_and(|m| m.is_dir());
    let into = dest_is_dir || names_directory(dest) || matches!(src, StringOrList::Many(_));
    if into && !dest_is_dir {
        if !parents {
            return Err(Error::msg(format!(
                "install: target directory {} does not exist; pass parents: true to create it",
                dest_path.display()
            )));
        }
        fs::create_dir_all(&dest_path)
            .map_err(|e| Error::io("creating directory", &dest_path, e))?;
    }
    // install's symbolic modes start from nothing: "u+x" is 0100.
    let mode = mode.apply(0, false, 0);
    for source in src.items() {
        let src_path = cx.resolve(source);
        let meta =
            fs::metadata(&src_path).map_err(|e| Error::io("install: reading", &src_path, e))?;
        if !meta.is_file() {
            return Err(Error::msg(format!(
                "install: {} is not a regular file; use `copy` for directories or `install` \
                 with `dirs` to create directories",
                src_path.display()
            )));
        }
        let target = if into {
            let name = src_path.file_name().ok_or_else(|| {
                Error::msg(format!("install: {} has no file name", src_path.display()))
            })?;
            dest_path.join(name)
        } else {
            dest_path.clone()
        };
        let target = writable_entry(cx, &target)?;
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(Error::msg(format!(
                "install: cannot overwrite directory {} with file {}",
                target.display(),
                src_path.display()
            )));
        }
        if parents {
            create_parent(&target)?;
        }
        let input = fs::File::open(&src_path).map_err(|e| Error::io("reading", &src_path, e))?;
        let (tmp, output) = TempFile::beside(&target)
            .map_err(|e| Error::io("creating a temporary file beside", &target, e))?;
        copy_contents(&input, &output).map_err(|e| Error::io("copying to", &target, e))?;
        output
            .set_permissions(Permissions::from_mode(mode))
            .map_err(|e| Error::io("setting the mode of", &target, e))?;
        drop(output);
        tmp.persist(&target)
            .map_err(|e| Error::io("installing", &target, e))?;
    }
    Ok(())
}

/// `install -d -m MODE DIR`: creates the directory and its parents, then
/// gives the directory itself `mode`.
pub fn install_dir(cx: &Context, dir: &str, mode: &Mode) -> Result<()> {
    let path = cx.writable(dir)?;
    fs::create_dir_all(&path).map_err(|e| Error::io("creating directory", &path, e))?;
    let mode = mode.apply(0, true, 0);
    fs::set_permissions(&path, Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting the mode of", &path, e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallArgs {
    #[serde(default)]
    src: Option<StringOrList>,
    #[serde(default)]
    dest: Option<String>,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default = "yes")]
    parents: bool,
}

pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "install",
        "{src?: string | [string], dest?: string, mode?: string, parents?: bool, dirs?: [string]}",
        &["src", "dest"],
        "Like `install -Dm755 SRC DEST`: copies the content of each file in `src` (symlinks \
         followed) to `dest` with `mode` (default \"755\"; symbolic modes count from 000), \
         replacing an existing file atomically; timestamps are not kept. `dest` is a directory \
         to install into when it exists as one, ends in `/` or `src` is a list. `parents` \
         (default true, `-D`) creates missing directories. With `dirs` instead of src/dest it \
         is `install -d`: each directory is created with its parents and given `mode`.",
        |cx: &Context, a: InstallArgs| {
            let mode = parse_mode("install", a.mode.as_deref().unwrap_or("755"))?;
            match (a.src, a.dest, a.dirs.is_empty()) {
                (Some(src), Some(dest), true) => install(cx, &src, &dest, &mode, a.parents)?,
                (None, None, false) => {
                    for dir in &a.dirs {
                        install_dir(cx, dir, &mode)?;
                    }
                }
                _ => {
                    return Err(Error::msg(
                        "install: pass either `src` and `dest` (install files) or `dirs` \
                         (create directories), not both and not one without the other",
                    ))
                }
            }
            Ok(Value::Null)
        },
    )]
}
