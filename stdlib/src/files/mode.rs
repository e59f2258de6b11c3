//! File modes as `chmod` spells them: octal (`"755"`) or the symbolic
//! subset stdenv uses (`"u+w,u-s,g-s"`, `"a+rX"`), and the `chmod` function.

use std::fs::{self, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::{Context, Error, Function, Result};

const WHO_U: u8 = 1;
const WHO_G: u8 = 2;
const WHO_O: u8 = 4;
const WHO_ALL: u8 = WHO_U | WHO_G | WHO_O;

/// A parsed mode argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// An absolute mode, e.g. `0o755`.
    Octal(u32),
    /// Comma-separated symbolic clauses, applied in order.
    Symbolic(Vec<Clause>),
}

/// One symbolic clause: `[ugoa]*` followed by one or more `[+-=][rwxXst]*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clause {
    /// Bit set of WHO_*; 0 means "not given": all classes, minus the umask.
    who: u8,
    actions: Vec<(char, Perms)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Perms {
    r: bool,
    w: bool,
    x: bool,
    big_x: bool,
    s: bool,
    t: bool,
}

impl Mode {
    /// Parses `spec`; the error text says what is accepted.
    pub(crate) fn parse(spec: &str) -> std::result::Result<Mode, String> {
        let bad = |why: &str| {
            format!(
                "invalid mode {spec:?}: {why}; give octal digits like \"755\" or symbolic \
                 clauses like \"u+w,go-w\" (who: u g o a, op: + - =, perms: r w x X s t)"
            )
        };
        if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit()) {
            if spec.len() > 4 || spec.bytes().any(|b| b > b'7') {
                return Err(bad("octal modes have at most 4 digits 0-7"));
            }
            return u32::from_str_radix(spec, 8)
                .map(Mode::Octal)
                .map_err(|e| bad(&e.to_string()));
        }
        let mut clauses = Vec::new();
        for text in spec.split(',') {
            let mut chars = text.chars().peekable();
            let mut who = 0;
            while let Some(&c) = chars.peek() {
                who |= match c {
                    'u' => WHO_U,
                    'g' => WHO_G,
                    'o' => WHO_O,
                    'a' => WHO_ALL,
                    _ => break,
                };
                chars.next();
            }
            let mut actions = Vec::new();
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return Err(bad(&format!("unexpected {op:?} in clause {text:?}")));
                }
                let mut perms = Perms::default();
                while let Some(&c) = chars.peek() {
                    match c {
                        'r' => perms.r = true,
                        'w' => perms.w = true,
                        'x' => perms.x = true,
                        'X' => perms.big_x = true,
                        's' => perms.s = true,
                        't' => perms.t = true,
                        '+' | '-' | '=' => break,
                        other => {
                            return Err(bad(&format!("unexpected {other:?} in clause {text:?}")))
                        }
                    }
                    chars.next();
                }
                actions.push((op, perms));
            }
            if actions.is_empty() {
                return Err(bad(&format!("clause {text:?} has no + - or =")));
            }
            clauses.push(Clause { who, actions });
        }
        Ok(Mode::Symbolic(clauses))
    }

    /// The mode a file with mode `old` gets; `is_dir` decides `X`, and
    /// `umask` limits clauses that name no class (`+x`), as chmod does.
    pub(crate) fn apply(&self, old: u32, is_dir: bool, umask: u32) -> u32 {
        let clauses = match self {
            Mode::Octal(mode) => return *mode,
            Mode::Symbolic(clauses) => clauses,
        };
        let mut mode = old & 0o7777;
        for clause in clauses {
            let (who, limit) = match clause.who {
                0 => (WHO_ALL, !umask & 0o777 | 0o7000),
                who => (who, 0o7777),
            };
            for &(op, perms) in &clause.actions {
                let x = perms.x || (perms.big_x && (is_dir || mode & 0o111 != 0));
                let mut bits = 0;
                let mut all = 0;
                for (class, shift, special, special_on) in [
                    (WHO_U, 6, 0o4000, perms.s),
                    (WHO_G, 3, 0o2000, perms.s),
                    (WHO_O, 0, 0o1000, perms.t),
                ] {
                    if who & class == 0 {
                        continue;
                    }
                    let rwx = (u32::from(perms.r) << 2) | (u32::from(perms.w) << 1) | u32::from(x);
                    bits |= rwx << shift;
                    all |= (0o7 << shift) | special;
                    if special_on {
                        bits |= special;
                    }
                }
                bits &= limit;
                match op {
                    '+' => mode |= bits,
                    '-' => mode &= !bits,
                    _ => mode = (mode & !all) | bits,
                }
            }
        }
        mode
    }
}

/// Parses a mode argument of `function`, naming the function in the error.
pub(crate) fn parse_mode(function: &str, spec: &str) -> Result<Mode> {
    Mode::parse(spec).map_err(|why| Error::msg(format!("{function}: {why}")))
}

/// This process's umask, read without changing it (umask(2) can only be
/// read by setting it, which would race with other threads).
pub(crate) fn process_umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    })
}

/// Sets `path`'s mode from `mode`, following a symlink (as chmod does).
pub(crate) fn set_mode(path: &Path, mode: &Mode) -> Result<()> {
    let meta = fs::metadata(path).map_err(|e| Error::io("reading the mode of", path, e))?;
    let old = meta.mode() & 0o7777;
    let new = mode.apply(old, meta.is_dir(), process_umask());
    if new != old {
        fs::set_permissions(path, Permissions::from_mode(new))
            .map_err(|e| Error::io("changing the mode of", path, e))?;
    }
    Ok(())
}

/// `chmod [-R] MODE PATH`. A recursive change visits a directory before
/// its contents (so `u+rx` makes it readable first) and leaves symlinks
/// found inside alone.
pub fn chmod(cx: &Context, path: &str, mode: &Mode, recursive: bool) -> Result<()> {
    let path = cx.writable(path)?;
    if !recursive {
        return set_mode(&path, mode);
    }
    for entry in walkdir::WalkDir::new(&path) {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(&path).to_path_buf();
            Error::msg(format!("chmod: walking {}: {e}", at.display()))
        })?;
        if !entry.file_type().is_symlink() {
            set_mode(entry.path(), mode)?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChmodArgs {
    mode: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    recursive: bool,
}

pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "chmod",
        "{mode: string, path?: string, paths?: [string], recursive?: bool}",
        &["mode", "*paths"],
        "Changes file modes like `chmod [-R] MODE PATH...`. `mode` is octal (\"755\") or \
         symbolic clauses (\"u+w,g-s\", \"a+rX\"; who u/g/o/a, op + - =, perms r w x X s t; \
         a clause without who respects the umask). Symlinks given as paths are followed; \
         `recursive` visits each directory before its contents and skips symlinks inside.",
        |cx: &Context, a: ChmodArgs| {
            let mode = parse_mode("chmod", &a.mode)?;
            for path in super::path_list("chmod", a.path, a.paths)? {
                chmod(cx, &path, &mode, a.recursive)?;
            }
            Ok(Value::Null)
        },
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(spec: &str, old: u32, is_dir: bool) -> u32 {
        Mode::parse(spec).unwrap().apply(old, is_dir, 0o022)
    }

    #[test]
    fn octal_modes_replace_the_mode() {
        assert_eq!(apply("755", 0o600, false), 0o755);
        assert_eq!(apply("0644", 0o777, false), 0o644);
        assert_eq!(apply("4755", 0o600, false), 0o4755);
    }

    #[test]
    fn symbolic_clauses_apply_in_order() {
        assert_eq!(apply("u+w,u-s,g-s", 0o6555, false), 0o755);
        assert_eq!(apply("go-w", 0o777, false), 0o755);
        assert_eq!(apply("a=r", 0o777, false), 0o444);
        assert_eq!(apply("u=rwx,g=rx,o=", 0o000, false), 0o750);
        assert_eq!(apply("u+x-w", 0o644, false), 0o544);
        assert_eq!(apply("g+s,o+t", 0o755, true), 0o3755);
    }

    #[test]
    fn capital_x_only_adds_execute_to_directories_and_executables() {
        assert_eq!(apply("a+rX", 0o600, false), 0o644);
        assert_eq!(apply("a+rX", 0o700, false), 0o755);
        assert_eq!(apply("a+rX", 0o600, true), 0o755);
    }

    #[test]
    fn a_clause_without_who_respects_the_umask() {
        assert_eq!(apply("+w", 0o444, false), 0o644);
        assert_eq!(apply("+x", 0o644, false), 0o755);
        assert_eq!(apply("a+w", 0o444, false), 0o666);
    }

    #[test]
    fn bad_modes_say_what_is_accepted() {
        for bad in ["", "9", "77777", "u+q", "u", "z+x", "u+w,"] {
            let err = Mode::parse(bad).unwrap_err();
            assert!(err.contains("invalid mode"), "{bad}: {err}");
            assert!(err.contains("\"755\""), "{bad}: {err}");
        }
    }
}
