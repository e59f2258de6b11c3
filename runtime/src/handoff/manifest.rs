//! The metadata Nix does not keep. A store path loses its permission bits
//! (all become 0444 or 0555) and its timestamps (all become 1 s after the
//! epoch); `make` needs the timestamps and later phases need write access,
//! so the tree output carries a manifest of both, and the next phase puts
//! them back.
//!
//! Format: one record per file, `<mode octal> <mtime s> <mtime ns> <root>/<path>`
//! ending in a NUL byte (paths may hold any byte but NUL). `root` is `build`
//! for the build tree or an output name.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Mode and modification time of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Seconds of the modification time.
    pub mtime: i64,
    /// Nanoseconds of the modification time.
    pub mtime_nsec: i64,
}

impl Meta {
    /// The mode and mtime of `meta` (from `symlink_metadata`).
    pub fn of(meta: &std::fs::Metadata) -> Meta {
        use std::os::unix::fs::MetadataExt;
        Meta {
            mode: meta.mode() & 0o7777,
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
        }
    }
}

/// Per root, each path (relative, empty for the root itself) and its metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Root name to its files.
    pub roots: BTreeMap<String, BTreeMap<PathBuf, Meta>>,
}

impl Manifest {
    /// Records `rel` (relative to `root`).
    pub fn insert(&mut self, root: &str, rel: &Path, meta: Meta) {
        self.roots
            .entry(root.to_string())
            .or_default()
            .insert(rel.to_path_buf(), meta);
    }

    /// The metadata recorded for `rel` under `root`.
    pub fn get(&self, root: &str, rel: &Path) -> Option<Meta> {
        self.roots.get(root)?.get(rel).copied()
    }

    /// The manifest as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (root, files) in &self.roots {
            for (rel, meta) in files {
                out.extend_from_slice(
                    format!("{:o} {} {} {root}/", meta.mode, meta.mtime, meta.mtime_nsec)
                        .as_bytes(),
                );
                out.extend_from_slice(rel.as_os_str().as_bytes());
                out.push(0);
            }
        }
        out
    }

    /// Reads what [`Manifest::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, String> {
        let mut manifest = Manifest::default();
        for (i, record) in bytes.split(|b| *b == 0).enumerate() {
            if record.is_empty() {
                continue;
            }
            let bad = || format!("record {} is malformed", i + 1);
            let mut fields = record.splitn(4, |b| *b == b' ');
            let mut number = |radix: u32| -> Result<i64, String> {
                let field = fields.next().ok_or_else(bad)?;
                let text = std::str::from_utf8(field).map_err(|_| bad())?;
                i64::from_str_radix(text, radix).map_err(|_| bad())
            };
            let mode = number(8)? as u32;
            let mtime = number(10)?;
            let mtime_nsec = number(10)?;
            let path = fields.next().ok_or_else(bad)?;
            let slash = path.iter().position(|b| *b == b'/').ok_or_else(bad)?;
            let root = std::str::from_utf8(&path[..slash]).map_err(|_| bad())?;
            let rel = Path::new(OsStr::from_bytes(&path[slash + 1..]));
            manifest.insert(
                root,
                rel,
                Meta {
                    mode,
                    mtime,
                    mtime_nsec,
                },
            );
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_odd_names() {
        let mut m = Manifest::default();
        let meta = Meta {
            mode: 0o755,
            mtime: 1_400_000_000,
            mtime_nsec: 123_456_789,
        };
        m.insert("build", Path::new(""), meta);
        m.insert("build", Path::new("a dir/with\nnewline"), meta);
        m.insert(
            "out",
            Path::new(OsStr::from_bytes(b"bin/\xff odd")),
            Meta {
                mode: 0o4755,
                ..meta
            },
        );
        let back = Manifest::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back, m);
        assert_eq!(
            back.get("out", Path::new(OsStr::from_bytes(b"bin/\xff odd")))
                .unwrap()
                .mode,
            0o4755
        );
    }

    #[test]
    fn malformed_records_are_reported() {
        let err = Manifest::from_bytes(b"755 1 2 build/ok\0zzz 1 2 build/x\0").unwrap_err();
        assert_eq!(err, "record 2 is malformed");
    }
}
