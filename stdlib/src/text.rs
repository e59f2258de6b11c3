//! Standard-library family `text`: `substitute` and `substituteInPlace`
//! with stdenv's meanings (see STDENV.md), byte-exact on any file.
//!
//! Files are handled as bytes (NUL bytes and invalid UTF-8 survive; stdenv
//! refuses such files). The result replaces the destination atomically
//! (temporary file + rename in the same directory) and writes through a
//! symlink the way the shell's `>` does. As in stdenv, which runs
//! `chmod +w` on an existing output, the destination keeps its mode with
//! write permission added (limited by the umask); a new one gets 0666 minus
//! the umask.

mod ops;

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

pub use ops::{apply, parse_flags, Op, Subject, Substituted};

use crate::files::{process_umask, StringOrList, TempFile};
use crate::{Context, Error, Function, Result};

/// How a call is made: stdenv's bash way (NUL bytes refused, as a shell
/// variable cannot hold one; messages naming the derivation) or not.
#[derive(Debug, Clone, Copy, Default)]
struct Manner<'a> {
    refuse_nul: bool,
    derivation: Option<&'a str>,
}

/// `substitute SRC DEST OPS`: reads `src`, applies `ops`, writes `dest`.
fn substitute(cx: &Context, src: &str, dest: &str, ops: &[Op], manner: Manner<'_>) -> Result<()> {
    let src_path = cx.resolve(src);
    if !src_path.is_file() {
        return Err(Error::msg(format!(
            "substitute(): ERROR: file '{src}' does not exist (or is not a regular file)"
        )));
    }
    let content = fs::read(&src_path).map_err(|e| Error::io("reading", &src_path, e))?;
    if manner.refuse_nul && memchr::memchr(0, &content).is_some() {
        return Err(Error::msg(format!(
            "consumeEntire(): ERROR: Input null bytes, won't process ({})",
            src_path.display()
        )));
    }
    let subject = Subject {
        derivation: manner.derivation,
        file: Path::new(src),
    };
    let result = apply(cx, content, ops, subject)?;
    let dest_path = cx.writable(dest)?;
    write_output(&dest_path, &result)
}

/// Replaces `dest`'s content with `data` under the rules in the module
/// documentation.
fn write_output(dest: &Path, data: &Substituted) -> Result<()> {
    // Through a symlink, like `>`; the write check already followed it.
    let target = fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
    let umask = process_umask();
    let existing = fs::metadata(&target).ok();
    let mode = match &existing {
        Some(meta) => meta.mode() & 0o7777 | (0o222 & !umask),
        None => 0o666 & !umask,
    };
    // Renaming would split a hard link; `>` keeps it.
    if existing.as_ref().is_some_and(|m| m.nlink() > 1) {
        return write_in_place(&target, data, mode);
    }
    let (tmp, file) = match TempFile::beside(&target) {
        Ok(pair) => pair,
        // A read-only directory holding a writable file: `>` still works.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && existing.is_some() => {
            return write_in_place(&target, data, mode)
        }
        Err(e) => return Err(Error::io("creating a temporary file beside", &target, e)),
    };
    write_buffered(&file, data).map_err(|e| Error::io("writing", tmp.path(), e))?;
    file.set_permissions(Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting the mode of", tmp.path(), e))?;
    drop(file);
    tmp.persist(&target)
        .map_err(|e| Error::io("renaming a temporary file onto", &target, e))
}

fn write_in_place(target: &Path, data: &Substituted, mode: u32) -> Result<()> {
    fs::set_permissions(target, Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting the mode of", target, e))?;
    let file = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)
        .map_err(|e| Error::io("opening for writing", target, e))?;
    write_buffered(&file, data).map_err(|e| Error::io("writing", target, e))
}

/// Writes through a large buffer: the last replacement produces many
/// small pieces.
fn write_buffered(file: &fs::File, data: &Substituted) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, file);
    data.write_to(&mut out)?;
    out.flush()
}

/// The operations of one call: the ordered `ops` list or stdenv's flags.
fn operations(function: &str, ops: Option<Vec<Op>>, flags: Vec<String>) -> Result<Vec<Op>> {
    match (ops, flags.is_empty()) {
        (Some(ops), true) => Ok(ops),
        (None, _) => parse_flags(&flags),
        (Some(_), false) => Err(Error::msg(format!(
            "{function}: give the operations either as `ops` (a list) or as stdenv flags \
             (`args`), not both"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubstituteArgs {
    src: String,
    dest: String,
    #[serde(default)]
    ops: Option<Vec<Op>>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default, rename = "refuseNul")]
    refuse_nul: bool,
    #[serde(default)]
    derivation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InPlaceArgs {
    files: StringOrList,
    #[serde(default)]
    ops: Option<Vec<Op>>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default, rename = "refuseNul")]
    refuse_nul: bool,
    #[serde(default)]
    derivation: Option<String>,
}

/// The `ops` and `args` part of both signatures.
macro_rules! ops_shape {
    () => {
        "ops?: [{replaceFail: [string, string]} | {replaceWarn: [string, string]} | \
         {replaceQuiet: [string, string]} | {replace: [string, string]} | {substVar: string} | \
         {substVarBy: [string, string]}], args?: [string], refuseNul?: bool, derivation?: string}"
    };
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function::new(
            "substitute",
            concat!("{src: string, dest: string, ", ops_shape!()),
            &["src", "dest", "*args"],
            "stdenv's `substitute SRC DEST OPTIONS`: applies operations in order, each to the \
             result of the previous, and writes DEST. `ops` is an ordered list such as \
             `[{\"replaceFail\": [\"/usr/bin\", \"/bin\"]}, {\"substVar\": \"out\"}]`; \
             `args` takes the same as stdenv's flags (`--replace-fail A B`, `--replace-warn A B`, \
             `--replace-quiet A B`, `--replace A B` (deprecated, warns), `--subst-var NAME`, \
             `--subst-var-by NAME VALUE`). replaceFail errors when the pattern does not occur, \
             replaceWarn warns, substVar replaces `@NAME@` by the environment variable and \
             errors when it is unset or not a valid bash name. Byte-exact on binary and \
             NUL-containing files, unless `refuseNul` (stdenv's bash `substitute` refuses \
             them; phaser's bash prelude sets it, and `derivation`, the name messages give \
             as stdenv's do); DEST is replaced atomically and keeps its \
             mode plus write permission (`chmod +w`, as stdenv).",
            |cx: &Context, a: SubstituteArgs| {
                let ops = operations("substitute", a.ops, a.args)?;
                let manner = Manner {
                    refuse_nul: a.refuse_nul,
                    derivation: a.derivation.as_deref(),
                };
                substitute(cx, &a.src, &a.dest, &ops, manner)?;
                Ok(Value::Null)
            },
        ),
        Function::new(
            "substituteInPlace",
            concat!("{files: string | [string], ", ops_shape!()),
            &["*files"],
            "stdenv's `substituteInPlace FILE... OPTIONS`: `substitute` of each file onto \
             itself (see `substitute` for `ops` and `args`). As in stdenv, positional \
             arguments are files up to the first one starting with `--`, and the rest are \
             options, so `substituteInPlace(\"Makefile\", \"--replace-fail\", \"a\", \"b\")` \
             works; no file is an error. Permissions are kept (plus write permission).",
            |cx: &Context, a: InPlaceArgs| {
                let mut files = Vec::new();
                let mut flags = Vec::new();
                for item in a.files.items() {
                    if !flags.is_empty() || item.starts_with("--") {
                        flags.push(item.to_string());
                    } else {
                        files.push(item.to_string());
                    }
                }
                flags.extend(a.args);
                if files.is_empty() {
                    return Err(Error::msg(
                        "substituteInPlace: called without any files to operate on (files \
                         must come before options!)",
                    ));
                }
                let ops = operations("substituteInPlace", a.ops, flags)?;
                let manner = Manner {
                    refuse_nul: a.refuse_nul,
                    derivation: a.derivation.as_deref(),
                };
                for file in &files {
                    substitute(cx, file, file, &ops, manner)?;
                }
                Ok(Value::Null)
            },
        ),
    ]
}
