//! `find`: the paths under a root that match globs, sorted.
//!
//! Path rule (the one `find ROOT` uses): each result is `root` joined with
//! the path below it, so it is usable as an argument to the next call from
//! the same cwd: root `src` gives `src/a/b.c`, an absolute root gives
//! absolute paths, and the default root `.` gives `a/b.c` (no `./`).
//! Globs match the path *below* the root (`a/b.c`); a glob without a `/`
//! matches the file name at any depth (`*.c`, as `find -name` and
//! `.gitignore` do), one with a `/` the whole relative path (`src/*.c`,
//! `**/test/*.py`). `*` never crosses a `/`; `**` does.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::Value;
use walkdir::WalkDir;

use crate::{Context, Error, Function, Result};

/// Which kinds of entries `find` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    /// Regular files.
    File,
    /// Directories.
    Dir,
    /// Symlinks (never followed).
    Symlink,
}

/// What to look for below a root.
#[derive(Debug, Clone, Default)]
pub struct FindQuery {
    /// Globs; empty matches everything.
    pub globs: Vec<String>,
    /// Only entries of this type.
    pub entry_type: Option<EntryType>,
    /// Only this many levels down (1: the root's own entries).
    pub max_depth: Option<usize>,
}

/// Name globs (no `/`) and path globs, compiled.
struct Matcher {
    names: GlobSet,
    paths: GlobSet,
    any: bool,
}

impl Matcher {
    fn new(globs: &[String]) -> Result<Matcher> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for glob in globs {
            let text = glob.strip_prefix("./").unwrap_or(glob);
            let compiled = GlobBuilder::new(text)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| Error::msg(format!("find: bad glob {glob:?}: {e}")))?;
            if text.contains('/') {
                paths.add(compiled);
            } else {
                names.add(compiled);
            }
        }
        let build = |set: GlobSetBuilder| {
            set.build()
                .map_err(|e| Error::msg(format!("find: bad globs: {e}")))
        };
        Ok(Matcher {
            names: build(names)?,
            paths: build(paths)?,
            any: globs.is_empty(),
        })
    }

    fn matches(&self, relative: &Path) -> bool {
        self.any
            || relative
                .file_name()
                .is_some_and(|name| self.names.is_match(Path::new(name)))
            || self.paths.is_match(relative)
    }
}

/// The entries below `root` matching `query`, as strings under the path
/// rule of the module documentation, sorted. Non-UTF-8 names cannot be
/// returned as strings: they are skipped with a warning.
pub fn find(cx: &Context, root: &str, query: &FindQuery) -> Result<Vec<String>> {
    let root_path = cx.resolve(root);
    let matcher = Matcher::new(&query.globs)?;
    let prefix = match root.trim_end_matches('/') {
        "." => None,
        _ if root.is_empty() => None,
        _ => Some(PathBuf::from(root)),
    };
    if !root_path.is_dir() {
        let hint = if root.contains(['*', '?', '[']) {
            "; to match a glob below the current directory, pass it as `glob`"
        } else {
            ""
        };
        return Err(Error::msg(format!(
            "find: root {} is not a directory (resolved from {root:?}){hint}",
            root_path.display()
        )));
    }
    let mut walk = WalkDir::new(&root_path).min_depth(1);
    if let Some(depth) = query.max_depth {
        walk = walk.max_depth(depth);
    }
    let mut found = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(&root_path).display().to_string();
            Error::msg(format!("find: walking {at}: {e}"))
        })?;
        let file_type = entry.file_type();
        let wanted = match query.entry_type {
            None => true,
            Some(EntryType::File) => file_type.is_file(),
            Some(EntryType::Dir) => file_type.is_dir(),
            Some(EntryType::Symlink) => file_type.is_symlink(),
        };
        let Ok(relative) = entry.path().strip_prefix(&root_path) else {
            continue;
        };
        if !wanted || !matcher.matches(relative) {
            continue;
        }
        let shown = match &prefix {
            Some(prefix) => prefix.join(relative),
            None => relative.to_path_buf(),
        };
        match shown.into_os_string().into_string() {
            Ok(text) => found.push(text),
            Err(raw) => cx.warn(format!(
                "find: skipping {}: the name is not UTF-8",
                Path::new(&raw).display()
            )),
        }
    }
    found.sort();
    Ok(found)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FindArgs {
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    glob: Option<String>,
    #[serde(default)]
    globs: Vec<String>,
    #[serde(default, rename = "type")]
    entry_type: Option<EntryType>,
    #[serde(default)]
    max_depth: Option<usize>,
}

pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "find",
        "{root?: string, glob?: string, globs?: [string], type?: \"file\"|\"dir\"|\"symlink\", \
         maxDepth?: int}",
        &["root", "*globs"],
        "Lists the entries below `root` (default \".\", itself not included) whose path \
         matches any of the globs (all entries when none), sorted. Each result is `root` \
         joined with the path below it, like `find ROOT` prints them (`.` adds no prefix), so \
         results work as arguments from the same directory. A glob without `/` matches the \
         file name at any depth (`*.c`); one with `/` matches the whole path below the root \
         (`src/*.c`, `**/test/*.py`); `*` does not cross `/`, `**` does. `type` keeps only \
         files, directories or symlinks (symlinks are never followed); `maxDepth` 1 means the \
         root's own entries.",
        |cx: &Context, a: FindArgs| {
            let mut globs: Vec<String> = a.glob.into_iter().collect();
            globs.extend(a.globs);
            let query = FindQuery {
                globs,
                entry_type: a.entry_type,
                max_depth: a.max_depth,
            };
            let found = find(cx, a.root.as_deref().unwrap_or("."), &query)?;
            Ok(Value::from(found))
        },
    )]
}
