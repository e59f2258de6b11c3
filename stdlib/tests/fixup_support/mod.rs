//! Helpers shared by the fixup tests: contexts, files with modes and
//! times, and a reader of ELF section names.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use phaser_stdlib::{registry, Context, Result, Roots};
use serde_json::{Map, Value};

/// A context confined to `dir` with the given environment.
pub fn context(dir: &Path, env: &[(&str, String)]) -> Context {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Context::new(dir)
        .with_roots(Roots::Only(vec![dir.into()]))
        .with_env(env)
}

/// Calls `name` the way a binding does, with positional and named arguments.
pub fn call(cx: &Context, name: &str, positional: Vec<Value>, named: Value) -> Result<Value> {
    let function = registry().get(name)?;
    let named: Map<String, Value> = match named {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    function.call(cx, function.arguments(positional, named)?)
}

/// Writes `text` to `path` (creating parents) with `mode`.
pub fn write(path: &Path, text: impl AsRef<[u8]>, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The permission bits of `path` (not following symlinks).
pub fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// A fixed, recognisable modification time.
pub fn old_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// Sets `path`'s modification time to [`old_time`].
pub fn age(path: &Path) {
    let file = fs::File::options()
        .write(true)
        .open(path)
        .unwrap_or_else(|_| fs::File::open(path).unwrap());
    file.set_modified(old_time()).unwrap();
}

/// `path`'s modification time.
pub fn mtime(path: &Path) -> SystemTime {
    fs::symlink_metadata(path).unwrap().modified().unwrap()
}

/// The section names of a 64-bit little-endian ELF file.
pub fn elf_sections(path: &Path) -> Vec<String> {
    let data = fs::read(path).unwrap();
    assert_eq!(&data[..4], b"\x7fELF", "{} is not ELF", path.display());
    assert_eq!(data[4], 2, "only ELF64 is read here");
    assert_eq!(data[5], 1, "only little-endian ELF is read here");
    let u16_at = |o: usize| u16::from_le_bytes([data[o], data[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap()) as usize;
    let (shoff, shentsize, shnum, shstrndx) =
        (u64_at(0x28), u16_at(0x3a), u16_at(0x3c), u16_at(0x3e));
    let header = |i: usize| shoff + i * shentsize;
    let names_at = u64_at(header(shstrndx) + 0x18);
    (0..shnum)
        .map(|i| {
            let start = names_at + u32_at(header(i));
            let end = start + data[start..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8_lossy(&data[start..end]).into_owned()
        })
        .collect()
}
