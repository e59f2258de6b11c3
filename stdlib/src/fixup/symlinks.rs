//! The symlink checks of stdenv's postFixup: absolute links inside an
//! output made relative
//! (pkgs/build-support/setup-hooks/make-symlinks-relative.sh) and links
//! that dangle, point at themselves or into the build directory refused
//! (pkgs/build-support/setup-hooks/no-broken-symlinks.sh).

use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};

use super::walk;
use super::OutputArgs;
use crate::{Context, Error, Function, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckArgs {
    path: String,
    stores: Vec<String>,
    #[serde(default)]
    tmpdir: Option<String>,
}

/// The registry entries.
pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function::new::<OutputArgs, _>(
            "makeSymlinksRelative",
            "{path: string}",
            &["path"],
            "Rewrites every symlink under the output `path` whose target is an absolute path \
             inside `path` into the relative link `ln -snrf` makes (both ends resolved through \
             existing symlinks first), as stdenv's make-symlinks-relative hook; a link whose \
             target is missing is rewritten too, with a note. Returns the rewritten links.",
            |cx, a: OutputArgs| {
                let rewritten = make_symlinks_relative(cx, Path::new(&a.path))?;
                Ok(json!(rewritten))
            },
        ),
        Function::new::<CheckArgs, _>(
            "checkSymlinks",
            "{path: string, stores: [string], tmpdir?: string}",
            &["path"],
            "stdenv's no-broken-symlinks check of the output `path`: a symlink whose target \
             (made absolute without following links) is under `tmpdir` (the build directory) \
             is an error; one whose target is under none of `stores` (NIX_STORE, and outside \
             Nix the directories holding the outputs) is passed over; of the rest, one that \
             points at itself (reflexive) or at nothing (dangling) is an error. Every problem \
             is logged, then the call fails with the counts.",
            |cx, a: CheckArgs| {
                check_symlinks(cx, Path::new(&a.path), &a.stores, a.tmpdir.as_deref())?;
                Ok(Value::Null)
            },
        ),
    ]
}

/// make-symlinks-relative for one output; returns the rewritten links.
pub(crate) fn make_symlinks_relative(cx: &Context, output: &Path) -> Result<Vec<PathBuf>> {
    let output = cx.resolve(output);
    if fs::symlink_metadata(&output).is_err() {
        return Ok(Vec::new());
    }
    let mut rewritten = Vec::new();
    for link in walk::list(cx, "makeSymlinksRelative", &output).symlinks {
        let Ok(target) = fs::read_link(&link) else {
            continue;
        };
        // `"$target"/ == "$prefix"/*`: the output itself or anything in it.
        if !target.is_absolute() || !target.starts_with(&output) {
            continue;
        }
        if !target.exists() {
            cx.log(format!(
                "the symlink {} is broken, it points to {} (which is missing)",
                link.display(),
                target.display()
            ));
        }
        cx.log(format!(
            "rewriting symlink {} to be relative to {}",
            link.display(),
            output.display()
        ));
        let directory = link.parent().unwrap_or(Path::new("/"));
        let relative = relative_path(
            &canonicalize_missing(&target),
            &canonicalize_missing(directory),
        );
        let writable = super::writable_entry(cx, &link)?;
        fs::remove_file(&writable).map_err(|e| Error::io("replacing the symlink", &writable, e))?;
        std::os::unix::fs::symlink(&relative, &writable)
            .map_err(|e| Error::io("creating the symlink", &writable, e))?;
        rewritten.push(link);
    }
    Ok(rewritten)
}

/// no-broken-symlinks for one output.
fn check_symlinks(
    cx: &Context,
    output: &Path,
    stores: &[String],
    tmpdir: Option<&str>,
) -> Result<()> {
    let output = cx.resolve(output);
    if fs::symlink_metadata(&output).is_err() {
        return Ok(());
    }
    let stores: Vec<PathBuf> = stores.iter().map(|s| normalize(&cx.resolve(s))).collect();
    let tmpdir = tmpdir
        .filter(|t| !t.is_empty())
        .map(|t| normalize(&cx.resolve(t)));
    let (mut dangling, mut reflexive, mut unreadable) = (0, 0, 0);
    for link in walk::list(cx, "checkSymlinks", &output).symlinks {
        let Ok(target) = fs::read_link(&link) else {
            cx.warn(format!("the symlink {} is unreadable", link.display()));
            unreadable += 1;
            continue;
        };
        let target = if target.is_absolute() {
            target
        } else {
            normalize(&link.parent().unwrap_or(Path::new("/")).join(&target))
        };
        if tmpdir
            .as_ref()
            .is_some_and(|t| target.starts_with(t) && target != *t)
        {
            cx.warn(format!(
                "the symlink {} points to {} directory: {}",
                link.display(),
                tmpdir
                    .as_ref()
                    .map_or(String::new(), |t| t.display().to_string()),
                target.display()
            ));
            dangling += 1;
            continue;
        }
        if !stores.iter().any(|s| target.starts_with(s) && target != *s) {
            continue;
        }
        if target == link {
            cx.warn(format!("the symlink {} is reflexive", link.display()));
            reflexive += 1;
        } else if !target.exists() {
            cx.warn(format!(
                "the symlink {} points to a missing target: {}",
                link.display(),
                target.display()
            ));
            dangling += 1;
        }
    }
    if dangling + reflexive + unreadable > 0 {
        return Err(Error::msg(format!(
            "found {dangling} dangling symlinks, {reflexive} reflexive symlinks and \
             {unreadable} unreadable symlinks in {} (set dontCheckForBrokenSymlinks to allow \
             them)",
            output.display()
        )));
    }
    Ok(())
}

/// `realpath --no-symlinks --canonicalize-missing`: `.` and `..` resolved
/// by name, repeated slashes dropped, nothing looked up.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// `realpath -m`: an absolute path with every existing symlink on the way
/// resolved, the missing rest appended by name.
pub(crate) fn canonicalize_missing(path: &Path) -> PathBuf {
    let mut resolved = PathBuf::from("/");
    let mut pending: Vec<std::ffi::OsString> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut links_followed = 0;
    while let Some(name) = pending.pop() {
        if name == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&name);
        match fs::read_link(&candidate) {
            Ok(target) if links_followed < 40 => {
                links_followed += 1;
                if target.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => pending.push(n.to_os_string()),
                        Component::ParentDir => pending.push("..".into()),
                        _ => {}
                    }
                }
            }
            _ => resolved = candidate,
        }
    }
    resolved
}

/// The relative path from directory `base` to `target`, both absolute and
/// canonical, as coreutils' `ln -r` computes it.
pub(crate) fn relative_path(target: &Path, base: &Path) -> PathBuf {
    let target: Vec<&OsStr> = target.iter().collect();
    let base: Vec<&OsStr> = base.iter().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for part in &target[common..] {
        relative.push(part);
    }
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    relative
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Roots;
    use std::os::unix::fs::symlink;

    fn context(dir: &Path) -> Context {
        Context::new(dir).with_roots(Roots::Only(vec![dir.into()]))
    }

    #[test]
    fn absolute_links_inside_the_output_become_relative() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("share/systemd/user")).unwrap();
        fs::create_dir_all(out.join("lib/systemd")).unwrap();
        fs::create_dir_all(out.join("bin")).unwrap();
        fs::write(out.join("bin/tool"), "").unwrap();
        symlink(out.join("share/systemd/user"), out.join("lib/systemd/user")).unwrap();
        symlink(out.join("bin/tool"), out.join("bin/alias")).unwrap();
        symlink("/etc/hostname", out.join("bin/outside")).unwrap();
        let cx = context(dir.path());
        let rewritten = make_symlinks_relative(&cx, &out).unwrap();
        assert_eq!(rewritten.len(), 2);
        assert_eq!(
            fs::read_link(out.join("lib/systemd/user")).unwrap(),
            Path::new("../../share/systemd/user")
        );
        assert_eq!(
            fs::read_link(out.join("bin/alias")).unwrap(),
            Path::new("tool")
        );
        assert_eq!(
            fs::read_link(out.join("bin/outside")).unwrap(),
            Path::new("/etc/hostname")
        );
    }

    #[test]
    fn dangling_reflexive_and_build_directory_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let out = store.join("out");
        let build = dir.path().join("build");
        fs::create_dir_all(out.join("lib")).unwrap();
        fs::create_dir_all(&build).unwrap();
        let cx = context(dir.path());
        let stores = vec![store.display().to_string()];
        let tmp = build.display().to_string();
        symlink("/etc/hostname", out.join("lib/outside")).unwrap();
        check_symlinks(&cx, &out, &stores, Some(&tmp)).unwrap();
        symlink("missing", out.join("lib/dangling")).unwrap();
        let err = check_symlinks(&cx, &out, &stores, Some(&tmp))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("found 1 dangling symlinks, 0 reflexive"),
            "{err}"
        );
        fs::remove_file(out.join("lib/dangling")).unwrap();
        symlink("self", out.join("lib/self")).unwrap();
        let err = check_symlinks(&cx, &out, &stores, Some(&tmp))
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 reflexive"), "{err}");
        fs::remove_file(out.join("lib/self")).unwrap();
        symlink(build.join("x"), out.join("lib/tmp")).unwrap();
        assert!(check_symlinks(&cx, &out, &stores, Some(&tmp)).is_err());
    }

    #[test]
    fn relative_paths_as_ln_r() {
        assert_eq!(
            relative_path(Path::new("/a/b/c"), Path::new("/a/d")),
            Path::new("../b/c")
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b")),
            Path::new(".")
        );
        assert_eq!(normalize(Path::new("/a/./b/../c//d")), Path::new("/a/c/d"));
    }
}
