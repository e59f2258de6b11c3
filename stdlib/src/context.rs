//! What a standard-library call runs in: working directory, environment,
//! the directories it may write to, and where its log goes.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::process_group::{ProcessGroups, GROUPS_VAR};
use crate::{Error, Result};

/// The environment variable through which a bash phase tells `phaser std`
/// which directories it may write to (colon-separated absolute paths).
pub const WRITE_ROOTS_VAR: &str = "PHASER_WRITE_ROOTS";

/// The environment variable that names the phase in `phaser std`'s log lines.
pub const PHASE_VAR: &str = "PHASER_PHASE";

/// Where writes may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// Anywhere: a person running `phaser std` by hand, outside any build.
    Unrestricted,
    /// Only below one of these directories (absolute, symlinks resolved).
    Only(Vec<PathBuf>),
}

/// Everything a standard-library function needs from its caller.
///
/// Relative paths in arguments are resolved against [`Context::cwd`];
/// processes get exactly [`Context::env`], never the runner's own
/// environment, and join [`Context::groups`].
#[derive(Debug, Clone)]
pub struct Context {
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    roots: Roots,
    label: String,
    groups: ProcessGroups,
}

impl Context {
    /// A context rooted at `cwd` with an empty environment and no write
    /// restriction; narrow it with [`Context::with_roots`].
    pub fn new(cwd: impl Into<PathBuf>) -> Context {
        Context {
            cwd: cwd.into(),
            env: BTreeMap::new(),
            roots: Roots::Unrestricted,
            label: String::from("std"),
            groups: ProcessGroups::new(),
        }
    }

    /// The context of a `phaser std` subprocess: the current directory and
    /// environment, writes confined to the directories `PHASER_WRITE_ROOTS`
    /// lists (none when it is unset: a phase that drops the variable gains
    /// nothing), child processes recorded where `PHASER_PROCESS_GROUPS`
    /// says, so a later `--resume` can stop them.
    pub fn from_process() -> Result<Context> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::io("reading the current directory", ".", e))?;
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let roots = match std::env::var_os(WRITE_ROOTS_VAR) {
            Some(list) => Roots::Only(
                std::env::split_paths(&list)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect(),
            ),
            None => Roots::Only(Vec::new()),
        };
        let groups = match std::env::var_os(GROUPS_VAR) {
            Some(path) if !path.is_empty() => ProcessGroups::recorded_in(path),
            _ => ProcessGroups::new(),
        };
        let label = env
            .get(PHASE_VAR)
            .cloned()
            .unwrap_or_else(|| String::from("std"));
        Ok(Context::new(cwd)
            .with_env(env)
            .with_roots(roots)
            .with_label(label)
            .with_groups(groups))
    }

    /// Replaces the environment that processes and `--subst-var` see.
    pub fn with_env(mut self, env: BTreeMap<String, String>) -> Context {
        self.env = env;
        self
    }

    /// Restricts writes to `roots`. Each root is canonicalized once here
    /// (a root that does not exist yet is kept as given, made absolute).
    pub fn with_roots(mut self, roots: Roots) -> Context {
        self.roots = match roots {
            Roots::Unrestricted => Roots::Unrestricted,
            Roots::Only(list) => Roots::Only(
                list.into_iter()
                    .filter_map(|root| resolve_links(&self.cwd.join(root)))
                    .collect(),
            ),
        };
        self
    }

    /// Puts the processes functions start into `groups` (the runner's, so
    /// stopping the build stops them).
    pub fn with_groups(mut self, groups: ProcessGroups) -> Context {
        self.groups = groups;
        self
    }

    /// The process groups children started from this context join.
    pub fn groups(&self) -> &ProcessGroups {
        &self.groups
    }

    /// Names the caller (usually the phase) in log lines.
    pub fn with_label(mut self, label: impl Into<String>) -> Context {
        self.label = label.into();
        self
    }

    /// The working directory relative paths are resolved against.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// The environment a process started by the library gets.
    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The environment as `OsString` pairs, for `Command::envs`.
    pub fn env_os(&self) -> impl Iterator<Item = (OsString, OsString)> + '_ {
        self.env
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
    }

    /// One variable of [`Context::env`].
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }

    /// The directories writes are confined to.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// Who is calling, for log lines.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `path` made absolute against the working directory (no file system access).
    pub fn resolve(&self, path: impl AsRef<Path>) -> PathBuf {
        absolute(&self.cwd, path.as_ref())
    }

    /// `path` resolved and checked against the write roots: the path to
    /// write to (made absolute, `.` and `..` folded), or
    /// [`Error::OutsideRoots`]. The check follows the path the way the
    /// kernel will when the write happens: every symlink, a dangling one
    /// included (writing creates its target), and `..` taken after the link
    /// before it; so a link in the tree (an archive can plant one) opens no
    /// way out. A function that replaces an entry rather than writing
    /// through it (`copy` onto a symlink) gets the entry's own path.
    pub fn writable(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        self.writable_target(&path)?;
        Ok(self.resolve(path))
    }

    /// Like [`Context::writable`], but the path returned is where the write
    /// lands, every symlink resolved: open it with `O_NOFOLLOW`, and a link
    /// put there after the check is refused instead of followed.
    pub fn writable_target(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        let joined = self.cwd.join(path.as_ref());
        let real = resolve_links(&joined);
        let Roots::Only(roots) = &self.roots else {
            return Ok(real.unwrap_or_else(|| self.resolve(path)));
        };
        match real {
            Some(real) if roots.iter().any(|root| real.starts_with(root)) => Ok(real),
            _ => Err(Error::OutsideRoots {
                path: self.resolve(path),
                roots: if roots.is_empty() {
                    format!("none: set {WRITE_ROOTS_VAR} to the directories `phaser std` may write to, e.g. {WRITE_ROOTS_VAR}=$PWD")
                } else {
                    roots
                        .iter()
                        .map(|r| r.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }),
        }
    }

    /// Writes an informational line to the build log.
    pub fn log(&self, message: impl std::fmt::Display) {
        eprintln!("[{}] {}", self.label, message);
    }

    /// Writes a warning to the build log.
    pub fn warn(&self, message: impl std::fmt::Display) {
        eprintln!("[{}] warning: {}", self.label, message);
    }
}

/// `path` joined to `base` when relative, with `.` and `..` folded lexically.
fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// How many symlinks one resolution follows before giving up, as Linux
/// does (`ELOOP`).
const MAX_LINKS: usize = 40;

/// `path` (absolute) with every symlink resolved as the kernel resolves
/// it for a write: each existing component looked at in turn, a link
/// replaced by its target (a dangling one too: writing through it creates
/// the target), `..` applied to what the path really is at that point.
/// The part that does not exist yet is appended as it is. `None` for a
/// symlink loop.
pub(crate) fn resolve_links(path: &Path) -> Option<PathBuf> {
    let mut pending: std::collections::VecDeque<std::ffi::OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut out = PathBuf::from("/");
    let mut exists = true;
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        if part == ".." {
            out.pop();
            continue;
        }
        let next = out.join(&part);
        if !exists {
            out = next;
            continue;
        }
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                let target = std::fs::read_link(&next).ok()?;
                if target.is_absolute() {
                    out = PathBuf::from("/");
                }
                for component in target.components().rev() {
                    match component {
                        Component::Normal(name) => pending.push_front(name.to_os_string()),
                        Component::ParentDir => pending.push_front("..".into()),
                        _ => {}
                    }
                }
            }
            Ok(_) => out = next,
            Err(_) => {
                exists = false;
                out = next;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_roots_are_allowed_and_outside_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cx = Context::new(dir.path()).with_roots(Roots::Only(vec![dir.path().into()]));
        assert!(cx.writable("a/b/c").is_ok());
        let err = cx.writable("../escape").unwrap_err().to_string();
        assert!(err.contains("outside the directories"), "{err}");
        assert!(cx.writable("/etc/passwd").is_err());
    }

    #[test]
    fn dangling_links_and_dotdot_after_a_link_resolve_as_the_kernel_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let inside = root.join("inside");
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        let outside = root.join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink(outside.join("file"), inside.join("dangling")).unwrap();
        std::os::unix::fs::symlink(&outside, inside.join("out")).unwrap();
        std::os::unix::fs::symlink("sub/../sub", inside.join("relative")).unwrap();
        std::os::unix::fs::symlink("loop", inside.join("loop")).unwrap();
        let cx = Context::new(&inside).with_roots(Roots::Only(vec![inside.clone()]));
        assert!(cx.writable("dangling").is_err());
        assert!(
            cx.writable("out/../x").is_err(),
            "`..` after a link leaves it"
        );
        assert!(cx.writable("loop").is_err());
        assert_eq!(
            cx.writable_target("relative/new").unwrap(),
            inside.join("sub/new")
        );
        assert_eq!(cx.writable("missing/../x").unwrap(), inside.join("x"));
    }

    #[test]
    fn a_symlink_out_of_the_roots_does_not_open_a_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let cx = Context::new(dir.path()).with_roots(Roots::Only(vec![dir.path().into()]));
        assert!(cx.writable("link/file").is_err());
    }
}
