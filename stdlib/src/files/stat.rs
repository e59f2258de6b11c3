//! Looking at a file without changing it (`stat`) and setting
//! modification times (`touch`), which reproducible builds need.

use std::fs;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::{Context, Error, Function, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatArgs {
    path: String,
    #[serde(default = "yes")]
    follow: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TouchArgs {
    path: String,
    #[serde(default)]
    mtime: Option<i64>,
    #[serde(default)]
    reference: Option<String>,
}

/// `stat` as JSON: `null` for a missing path.
fn stat(cx: &Context, a: StatArgs) -> Result<Value> {
    let path = cx.resolve(&a.path);
    let meta = if a.follow {
        fs::metadata(&path)
    } else {
        fs::symlink_metadata(&path)
    };
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Value::Null),
        Err(e) => return Err(Error::io("reading the status of", path, e)),
    };
    let kind = if meta.file_type().is_symlink() {
        "symlink"
    } else if meta.is_dir() {
        "dir"
    } else if meta.is_file() {
        "file"
    } else {
        "other"
    };
    let mode = meta.permissions().mode() & 0o7777;
    Ok(json!({
        "type": kind,
        "mode": format!("{mode:04o}"),
        "executable": meta.is_file() && mode & 0o100 != 0,
        "size": meta.len(),
        "mtime": meta.mtime(),
    }))
}

/// Sets a file's modification time: to `mtime` (seconds since the epoch),
/// to `reference`'s, or to now; creates a missing file like `touch`.
fn touch(cx: &Context, a: TouchArgs) -> Result<Value> {
    let path = cx.writable_target(&a.path)?;
    let time = match (a.mtime, &a.reference) {
        (Some(_), Some(_)) => {
            return Err(Error::msg("touch: give `mtime` or `reference`, not both"))
        }
        (Some(seconds), None) => UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64),
        (None, Some(reference)) => {
            let reference = cx.resolve(reference);
            fs::metadata(&reference)
                .and_then(|m| m.modified())
                .map_err(|e| Error::io("reading the time of", reference, e))?
        }
        (None, None) => SystemTime::now(),
    };
    // Created when missing; never through a symlink put there since the
    // check (the checked path names none).
    let file = fs::File::options()
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .or_else(|_| {
            fs::File::options()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
        })
        .map_err(|e| Error::io("opening", &path, e))?;
    file.set_modified(time)
        .map_err(|e| Error::io("setting the time of", &path, e))?;
    Ok(Value::Null)
}

/// This file's functions, for the registry.
pub(super) fn functions() -> Vec<Function> {
    vec![
        Function::new(
            "stat",
            "{path: string, follow?: bool}",
            &["path"],
            "Describes a path without changing it: `{type: \"file\"|\"dir\"|\"symlink\"|\"other\", \
             mode: \"0755\", executable: bool, size, mtime}` (seconds since the epoch), or `null` \
             when nothing is there. Symlinks are followed unless `follow` is false.",
            stat,
        ),
        Function::new(
            "touch",
            "{path: string, mtime?: int, reference?: string}",
            &["path"],
            "Sets a file's modification time to `mtime` (seconds since the epoch), to that of \
             `reference`, or to now, creating an empty file when none exists (like `touch`, \
             `touch -d @N`, `touch -r REF`).",
            touch,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Roots;

    #[test]
    fn stat_touch_and_newest_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let cx = Context::new(dir.path()).with_roots(Roots::Only(vec![dir.path().into()]));
        assert_eq!(
            stat(
                &cx,
                StatArgs {
                    path: "nope".into(),
                    follow: true
                }
            )
            .unwrap(),
            Value::Null
        );
        touch(
            &cx,
            TouchArgs {
                path: "a".into(),
                mtime: Some(1000),
                reference: None,
            },
        )
        .unwrap();
        let s = stat(
            &cx,
            StatArgs {
                path: "a".into(),
                follow: true,
            },
        )
        .unwrap();
        assert_eq!(s["type"], "file");
        assert_eq!(s["mtime"], 1000);
        touch(
            &cx,
            TouchArgs {
                path: "b".into(),
                mtime: None,
                reference: Some("a".into()),
            },
        )
        .unwrap();
        assert_eq!(
            stat(
                &cx,
                StatArgs {
                    path: "b".into(),
                    follow: true
                }
            )
            .unwrap()["mtime"],
            1000
        );
        touch(
            &cx,
            TouchArgs {
                path: ".".into(),
                mtime: Some(500),
                reference: None,
            },
        )
        .unwrap();
        let outside = touch(
            &cx,
            TouchArgs {
                path: "/etc/x".into(),
                mtime: None,
                reference: None,
            },
        );
        assert!(outside.is_err());
    }
}
