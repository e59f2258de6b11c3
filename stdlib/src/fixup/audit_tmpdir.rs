//! `auditTmpdir`: stdenv's check that nothing installed still points into
//! the build directory (pkgs/build-support/setup-hooks/audit-tmpdir.sh):
//! an ELF file whose run path names `$TMPDIR/...`, or a wrapper script
//! (one with a `.NAME-wrapped` beside it) that mentions `$TMPDIR/`, would
//! let whoever owns that directory later inject code.

use std::fs;
use std::path::{Path, PathBuf};

use object::elf;
use object::read::elf::{Dyn, FileHeader, SectionHeader};
use object::Endianness;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::walk;
use crate::{Context, Error, Function, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: String,
    #[serde(default)]
    tmpdir: Option<String>,
}

/// The registry entry.
pub(crate) fn function() -> Function {
    Function::new::<Args, _>(
        "auditTmpdir",
        "{path: string, tmpdir?: string}",
        &["path"],
        "stdenv's audit-tmpdir check of the output `path`: fails, naming each file, when an \
         ELF file's RPATH or RUNPATH has an entry under `tmpdir` (default: TMPDIR, the build \
         directory) or a wrapper script (a script with a `.NAME-wrapped` file beside it) \
         contains `TMPDIR/`. Files under `.build-id` directories are passed over.",
        |cx, a: Args| {
            let tmpdir = match a.tmpdir.or_else(|| cx.var("TMPDIR").map(str::to_string)) {
                Some(t) if !t.is_empty() => t,
                _ => return Ok(Value::Null),
            };
            audit_tmpdir(cx, Path::new(&a.path), &tmpdir)?;
            Ok(Value::Null)
        },
    )
}

/// Checks one output.
pub(crate) fn audit_tmpdir(cx: &Context, output: &Path, tmpdir: &str) -> Result<()> {
    let output = cx.resolve(output);
    if fs::symlink_metadata(&output).is_err() {
        return Ok(());
    }
    let needle = format!("{}/", tmpdir.trim_end_matches('/'));
    let files: Vec<PathBuf> = walk::list(cx, "auditTmpdir", &output)
        .files
        .into_iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == ".build-id"))
        .collect();
    let problems: Vec<String> = files
        .par_iter()
        .filter_map(|file| problem(file, &needle))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    for problem in &problems {
        cx.warn(problem);
    }
    Err(Error::msg(format!(
        "{} file(s) in {} contain forbidden references to {needle}; check the messages above",
        problems.len(),
        output.display()
    )))
}

/// What is wrong with one file, if anything. Only an ELF file's headers
/// and a wrapper script's text are read, not every file in full.
fn problem(file: &Path, needle: &str) -> Option<String> {
    let mut handle = fs::File::open(file).ok()?;
    let mut magic = [0u8; 4];
    let got = std::io::Read::read(&mut handle, &mut magic).ok()?;
    if got == 4 && magic == *b"\x7fELF" {
        let cache = object::ReadCache::new(handle);
        let paths = run_paths(&cache);
        if format!(":{paths}").contains(&format!(":{needle}")) {
            return Some(format!(
                "RPATH of binary {} contains a forbidden reference to {needle}",
                file.display()
            ));
        }
    } else if got >= 2 && magic.starts_with(b"#!") {
        let name = file.file_name()?.to_string_lossy();
        let wrapped = file.with_file_name(format!(".{name}-wrapped"));
        if !wrapped.exists() {
            return None;
        }
        let data = fs::read(file).ok()?;
        if memchr::memmem::find(&data, needle.as_bytes()).is_some() {
            return Some(format!(
                "wrapper script {} contains a forbidden reference to {needle}",
                file.display()
            ));
        }
    }
    None
}

/// The RPATH and RUNPATH entries of an ELF file, joined by `:` as
/// `patchelf --print-rpath` prints them (empty when it has none or cannot
/// be read).
pub(crate) fn run_paths<'data, R: object::ReadRef<'data>>(data: R) -> String {
    // e_ident[EI_CLASS], the fifth byte, says 32 or 64 bits.
    let class = data
        .read_bytes_at(4, 1)
        .ok()
        .and_then(|b| b.first().copied());
    let paths = if class == Some(elf::ELFCLASS64) {
        dynamic_strings::<elf::FileHeader64<Endianness>, R>(data)
    } else {
        dynamic_strings::<elf::FileHeader32<Endianness>, R>(data)
    };
    paths.unwrap_or_default().join(":")
}

fn dynamic_strings<'data, Elf: FileHeader<Endian = Endianness>, R: object::ReadRef<'data>>(
    data: R,
) -> Option<Vec<String>> {
    let header = Elf::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    let dynamic = sections
        .iter()
        .find(|s| s.sh_type(endian) == elf::SHT_DYNAMIC)?;
    let entries: &[Elf::Dyn] = dynamic.data_as_array(endian, data).ok()?;
    let strings = sections
        .strings(
            endian,
            data,
            object::SectionIndex(dynamic.sh_link(endian) as usize),
        )
        .ok()?;
    let mut found = Vec::new();
    for entry in entries {
        let tag = entry.tag32(endian).map(i64::from);
        if tag == Some(elf::DT_NULL) {
            break;
        }
        if tag == Some(elf::DT_RPATH) || tag == Some(elf::DT_RUNPATH) {
            if let Ok(text) = entry.string(endian, strings) {
                found.push(String::from_utf8_lossy(text).into_owned());
            }
        }
    }
    Some(found)
}
