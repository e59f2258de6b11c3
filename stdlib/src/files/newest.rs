//! The newest file of a tree (`newestMtime`, `newestFile`): what stdenv
//! raises `SOURCE_DATE_EPOCH` to after unpacking
//! (pkgs/build-support/setup-hooks/set-source-date-epoch-to-latest.sh).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::{Context, Error, Function, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewestMtimeArgs {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewestFileArgs {
    path: String,
    #[serde(default)]
    not_newer_than: Option<String>,
}

/// The newest modification time (seconds) of anything under `path`,
/// symlinks themselves included. Times in the future are passed over: they
/// must not push the epoch past the moment of the build.
fn newest_mtime(cx: &Context, a: NewestMtimeArgs) -> Result<Value> {
    let root = cx.resolve(&a.path);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(i64::MAX);
    let mut newest: Option<i64> = None;
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.map_err(|e| Error::msg(format!("walking {}: {e}", root.display())))?;
        let meta = entry
            .metadata()
            .map_err(|e| Error::msg(format!("reading {}: {e}", entry.path().display())))?;
        if meta.mtime() <= now {
            newest = Some(newest.map_or(meta.mtime(), |n| n.max(meta.mtime())));
        }
    }
    Ok(newest.map(Value::from).unwrap_or(Value::Null))
}

/// The newest regular file under `path` (symlinks are not followed) whose
/// time is not after `not_newer_than`'s, as stdenv's
/// `find PATH -type f -not -newer REF | sort -n | tail -n1`: ties go to
/// the greater path.
fn newest_file(cx: &Context, a: NewestFileArgs) -> Result<Value> {
    let root = cx.resolve(&a.path);
    let limit = match &a.not_newer_than {
        Some(reference) => {
            let reference = cx.resolve(reference);
            let meta = fs::metadata(&reference)
                .map_err(|e| Error::io("reading the time of", &reference, e))?;
            Some((meta.mtime(), meta.mtime_nsec()))
        }
        None => None,
    };
    let mut newest: Option<((i64, i64), PathBuf)> = None;
    for entry in walkdir::WalkDir::new(&root).follow_root_links(false) {
        let entry = entry.map_err(|e| Error::msg(format!("walking {}: {e}", root.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| Error::msg(format!("reading {}: {e}", entry.path().display())))?;
        let time = (meta.mtime(), meta.mtime_nsec());
        if limit.is_some_and(|limit| time > limit) {
            continue;
        }
        let candidate = (time, entry.into_path());
        if newest.as_ref().is_none_or(|best| candidate > *best) {
            newest = Some(candidate);
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(i64::MAX);
    Ok(match newest {
        Some(((seconds, _), path)) => {
            json!({"mtime": seconds, "age": now.saturating_sub(seconds), "path": path})
        }
        None => Value::Null,
    })
}

/// This file's functions, for the registry.
pub(super) fn functions() -> Vec<Function> {
    vec![
        Function::new(
            "newestMtime",
            "{path: string}",
            &["path"],
            "The newest modification time (seconds since the epoch) of anything under `path`, \
             the path itself included, passing over times in the future; `null` when there is \
             nothing.",
            newest_mtime,
        ),
        Function::new(
            "newestFile",
            "{path: string, notNewerThan?: string}",
            &["path"],
            "The newest regular file under `path` (symlinks are not followed) as `{mtime, age, \
             path}` (mtime in whole seconds since the epoch, age in seconds before now), or \
             `null` when there is none. With \
             `notNewerThan`, files modified after that path was are passed over: stdenv's \
             set-source-date-epoch-to-latest hook gives the parent of the build directory, so \
             files made during the build do not count. Ties go to the greater path, as with \
             `sort -n | tail -n1`.",
            newest_file,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Roots;

    fn set_mtime(path: &std::path::Path, seconds: u64) {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(UNIX_EPOCH + std::time::Duration::from_secs(seconds))
            .unwrap();
    }

    #[test]
    fn the_newest_regular_file_not_newer_than_the_reference() {
        let dir = tempfile::tempdir().unwrap();
        let cx = Context::new(dir.path()).with_roots(Roots::Only(vec![dir.path().into()]));
        fs::create_dir(dir.path().join("src")).unwrap();
        for (name, time) in [
            ("old", 1000),
            ("newer", 2000),
            ("fresh", 9000),
            ("ref", 5000),
        ] {
            let path = dir.path().join(if name == "ref" {
                name.to_string()
            } else {
                format!("src/{name}")
            });
            fs::write(&path, name).unwrap();
            set_mtime(&path, time);
        }
        std::os::unix::fs::symlink("old", dir.path().join("src/link")).unwrap();
        let all = newest_file(
            &cx,
            NewestFileArgs {
                path: "src".into(),
                not_newer_than: None,
            },
        )
        .unwrap();
        assert_eq!(all["mtime"], 9000);
        let before = newest_file(
            &cx,
            NewestFileArgs {
                path: "src".into(),
                not_newer_than: Some("ref".into()),
            },
        )
        .unwrap();
        assert_eq!(before["mtime"], 2000);
        assert!(before["path"].as_str().unwrap().ends_with("src/newer"));
        fs::remove_file(dir.path().join("src/link")).unwrap();
        fs::File::open(dir.path().join("src"))
            .unwrap()
            .set_modified(UNIX_EPOCH + std::time::Duration::from_secs(500))
            .unwrap();
        assert_eq!(
            newest_mtime(&cx, NewestMtimeArgs { path: "src".into() }).unwrap(),
            json!(9000)
        );
    }
}
