//! What the build tree and the outputs looked like when a phase finished,
//! so a resume can put them back exactly there.
//!
//! A manifest records every entry (type, inode, size, mtime, mode), not its
//! contents: copying contents at every phase boundary would cost as much as
//! the build. Restoring therefore removes what the interrupted phase added
//! and puts back modes it changed; if it changed or removed anything that
//! was there before, the tree cannot be restored and the error names the
//! files, so the user can re-run from an earlier phase instead.
//!
//! The manifest is kept in a compact binary file of its own (paths share
//! their prefix with the one before, numbers are varints: about 20 bytes an
//! entry), two of them in turn: `.phaser/tree.0` and `.phaser/tree.1`. A
//! boundary writes the one the state file does not name, then the state
//! file, which names it ([`TreeRef`]); a kill in between leaves the state
//! file naming the other, intact one.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use serde::{Deserialize, Serialize};

/// One directory entry as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    kind: Kind,
    ino: u64,
    size: u64,
    /// Seconds and nanoseconds apart: nanoseconds since the epoch overflow
    /// an i64 in 2262, and files may carry later times.
    mtime: (i64, i64),
    mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
    Other,
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::File => b'f',
            Kind::Dir => b'd',
            Kind::Link => b'l',
            Kind::Other => b'o',
        }
    }

    fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            b'f' => Kind::File,
            b'd' => Kind::Dir,
            b'l' => Kind::Link,
            b'o' => Kind::Other,
            _ => return None,
        })
    }
}

impl Entry {
    fn of(meta: &std::fs::Metadata) -> Entry {
        let file_type = meta.file_type();
        let kind = if file_type.is_symlink() {
            Kind::Link
        } else if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        let is_dir = kind == Kind::Dir;
        Entry {
            kind,
            ino: meta.ino(),
            size: if is_dir { 0 } else { meta.size() },
            mtime: if is_dir {
                (0, 0)
            } else {
                (meta.mtime(), meta.mtime_nsec())
            },
            mode: meta.permissions().mode() & 0o7777,
        }
    }

    /// Same file, same contents as far as the metadata tells (a directory's
    /// own time changes whenever an entry is added, so it is not compared).
    fn same_content(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && (self.kind == Kind::Dir
                || (self.ino == other.ino && self.size == other.size && self.mtime == other.mtime))
    }
}

/// The entries under a set of roots at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeManifest {
    roots: Vec<PathBuf>,
    /// By path, as bytes: comparing bytes is several times cheaper than
    /// comparing paths component by component, and a directory's entries
    /// still sort right after it (everything that starts with `dir/`).
    entries: BTreeMap<Vec<u8>, Entry>,
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

fn path_of(key: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(key))
}

/// The keys strictly below `path`: from `path/` up to `path0` (`0` follows
/// `/` in ASCII).
fn below(path: &[u8]) -> (std::ops::Bound<Vec<u8>>, std::ops::Bound<Vec<u8>>) {
    use std::ops::Bound;
    let mut from = path.to_vec();
    if from.last() != Some(&b'/') {
        from.push(b'/');
    }
    let mut to = from.clone();
    *to.last_mut().expect("ends with /") = b'0';
    (Bound::Included(from), Bound::Excluded(to))
}

/// What a restore did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Restored {
    /// Entries the interrupted phase had added, now removed.
    pub removed: usize,
    /// Entries whose mode was put back.
    pub modes: usize,
}

/// Which tree file holds the manifest of a state, and which write of it:
/// what the state file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeRef {
    /// 0 or 1: `.phaser/tree.0` or `.phaser/tree.1`.
    pub slot: u8,
    /// The boundary count of the build directory when it was written; the
    /// file's header carries it too.
    pub sequence: u64,
}

const MAGIC: &[u8] = b"phaser tree manifest 1\n";

impl TreeManifest {
    /// Records everything under `roots` except `skip` (phaser's own directory).
    pub fn capture(roots: &[PathBuf], skip: &Path) -> anyhow::Result<TreeManifest> {
        let mut manifest = TreeManifest::with_roots(roots);
        for root in roots {
            walk(root, skip, &mut |path, meta| manifest.record(path, meta))?;
        }
        Ok(manifest)
    }

    /// An empty manifest of `roots`.
    pub(crate) fn with_roots(roots: &[PathBuf]) -> TreeManifest {
        TreeManifest {
            roots: roots.to_vec(),
            entries: BTreeMap::new(),
        }
    }

    /// Records `path` as `meta` describes it.
    pub(crate) fn record(&mut self, path: &Path, meta: &std::fs::Metadata) {
        self.entries.insert(key(path).to_vec(), Entry::of(meta));
    }

    /// Whether `path` is recorded.
    pub(crate) fn contains(&self, path: &Path) -> bool {
        self.entries.contains_key(key(path))
    }

    /// The inode of `path` when it is recorded as a directory.
    pub(crate) fn dir_inode(&self, path: &Path) -> Option<u64> {
        self.entries
            .get(key(path))
            .filter(|e| e.kind == Kind::Dir)
            .map(|e| e.ino)
    }

    /// How many entries the manifest holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The roots it covers.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Looks at `path` again: records what is there now, or forgets it
    /// (and everything below it) when it is gone or no longer a directory.
    pub(crate) fn update(&mut self, path: &Path) {
        match std::fs::symlink_metadata(path) {
            Ok(meta) => {
                let entry = Entry::of(&meta);
                if entry.kind != Kind::Dir {
                    self.forget_below(path);
                }
                self.entries.insert(key(path).to_vec(), entry);
            }
            Err(_) => {
                self.forget_below(path);
                self.entries.remove(key(path));
            }
        }
    }

    /// Forgets everything strictly below `path`.
    fn forget_below(&mut self, path: &Path) {
        let gone: Vec<Vec<u8>> = self
            .entries
            .range(below(key(path)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            self.entries.remove(&k);
        }
    }

    /// Whether some entry lies strictly below `path`.
    fn has_entries_below(&self, path: &[u8]) -> bool {
        self.entries.range(below(path)).next().is_some()
    }

    /// Puts the roots back the way the manifest saw them, or, when that is
    /// impossible, changes nothing and returns the entries that were
    /// modified or removed since.
    pub fn restore(&self, skip: &Path) -> Result<Restored, Vec<PathBuf>> {
        let now = match TreeManifest::capture(&self.roots, skip) {
            Ok(now) => now,
            Err(_) => return Err(self.roots.clone()),
        };
        let changed: Vec<PathBuf> = self
            .entries
            .iter()
            .filter(|(path, was)| {
                !now.entries
                    .get(*path)
                    .is_some_and(|is| was.same_content(is))
            })
            .map(|(path, _)| path_of(path))
            .collect();
        if !changed.is_empty() {
            return Err(changed);
        }
        let mut restored = Restored::default();
        // Added entries, deepest first (`dir/x` sorts after `dir`); an added
        // directory goes with its contents, unless something kept lies
        // below it.
        for added in now.entries.keys().rev() {
            if self.entries.contains_key(added) || self.has_entries_below(added) {
                continue;
            }
            let path = path_of(added);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let result = if meta.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if result.is_ok() {
                restored.removed += 1;
            }
        }
        for (path, was) in &self.entries {
            let mode_changed = now.entries.get(path).is_some_and(|is| is.mode != was.mode);
            if was.kind != Kind::Link && mode_changed {
                let _ = std::fs::set_permissions(
                    path_of(path),
                    std::fs::Permissions::from_mode(was.mode),
                );
                restored.modes += 1;
            }
        }
        Ok(restored)
    }

    /// Writes the manifest into tree file `slot` of `build_top`, marked as
    /// write number `sequence`.
    pub fn write(&self, build_top: &Path, slot: u8, sequence: u64) -> anyhow::Result<TreeRef> {
        let path = tree_file(build_top, slot);
        phaser_stdlib::control_file::overwrite(&path, &self.encode(sequence))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(TreeRef { slot, sequence })
    }

    /// How many entries the manifest a state file names holds, from the
    /// file's header alone (far cheaper than reading the manifest).
    pub fn recorded_len(build_top: &Path, tree: TreeRef) -> Option<u64> {
        use std::io::Read;
        // The roots are a few paths: the header fits easily.
        let mut head = Vec::new();
        std::fs::File::open(tree_file(build_top, tree.slot))
            .ok()?
            .take(64 * 1024)
            .read_to_end(&mut head)
            .ok()?;
        let (header, _) = Header::decode(&head)?;
        (header.sequence == tree.sequence).then_some(header.count)
    }

    /// Reads the manifest a state file names.
    pub fn read(build_top: &Path, tree: TreeRef) -> anyhow::Result<TreeManifest> {
        let path = tree_file(build_top, tree.slot);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let (sequence, manifest) = TreeManifest::decode(&bytes)
            .ok_or_else(|| anyhow!("{} is not a phaser tree manifest", path.display()))?;
        if sequence != tree.sequence {
            bail!(
                "{} holds the tree of another phase boundary (write {sequence}, the state names write {})",
                path.display(),
                tree.sequence
            );
        }
        Ok(manifest)
    }

    fn encode(&self, sequence: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.entries.len() * 24);
        out.extend_from_slice(MAGIC);
        put_varint(&mut out, sequence);
        put_varint(&mut out, self.roots.len() as u64);
        for root in &self.roots {
            put_bytes(&mut out, root.as_os_str().as_bytes());
        }
        put_varint(&mut out, self.entries.len() as u64);
        let mut previous: &[u8] = &[];
        for (bytes, entry) in &self.entries {
            let shared = previous
                .iter()
                .zip(bytes)
                .take_while(|(a, b)| a == b)
                .count();
            put_varint(&mut out, shared as u64);
            put_bytes(&mut out, &bytes[shared..]);
            out.push(entry.kind.code());
            put_varint(&mut out, entry.ino);
            put_varint(&mut out, entry.size);
            put_varint(&mut out, zigzag(entry.mtime.0));
            put_varint(&mut out, zigzag(entry.mtime.1));
            put_varint(&mut out, u64::from(entry.mode));
            previous = bytes.as_slice();
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<(u64, TreeManifest)> {
        let (
            Header {
                sequence,
                roots,
                count,
            },
            mut input,
        ) = Header::decode(bytes)?;
        let mut entries = BTreeMap::new();
        let mut previous: Vec<u8> = Vec::new();
        for _ in 0..count {
            let shared = usize::try_from(get_varint(&mut input)?).ok()?;
            let suffix = get_bytes(&mut input)?;
            let mut path = previous.get(..shared)?.to_vec();
            path.extend_from_slice(suffix);
            let (&kind, rest) = input.split_first()?;
            input = rest;
            let entry = Entry {
                kind: Kind::from_code(kind)?,
                ino: get_varint(&mut input)?,
                size: get_varint(&mut input)?,
                mtime: (
                    unzigzag(get_varint(&mut input)?),
                    unzigzag(get_varint(&mut input)?),
                ),
                mode: u32::try_from(get_varint(&mut input)?).ok()?,
            };
            previous = path.clone();
            entries.insert(path, entry);
        }
        input
            .is_empty()
            .then_some((sequence, TreeManifest { roots, entries }))
    }
}

/// What a tree file holds before its entries.
struct Header {
    /// The write's number.
    sequence: u64,
    roots: Vec<PathBuf>,
    /// How many entries follow.
    count: u64,
}

impl Header {
    /// The header of `bytes`, and the rest.
    fn decode(bytes: &[u8]) -> Option<(Header, &[u8])> {
        let mut input = bytes.strip_prefix(MAGIC)?;
        let sequence = get_varint(&mut input)?;
        let root_count = get_varint(&mut input)?;
        let mut roots = Vec::new();
        for _ in 0..root_count {
            roots.push(PathBuf::from(OsStr::from_bytes(get_bytes(&mut input)?)));
        }
        let count = get_varint(&mut input)?;
        let header = Header {
            sequence,
            roots,
            count,
        };
        Some((header, input))
    }
}

/// `.phaser/tree.SLOT` of `build_top`.
fn tree_file(build_top: &Path, slot: u8) -> PathBuf {
    build_top.join(".phaser").join(format!("tree.{slot}"))
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(input: &mut &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        n |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn get_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(get_varint(input)?).ok()?;
    let bytes = input.get(..len)?;
    *input = &input[len..];
    Some(bytes)
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Calls `visit` for `root` and everything below it, never following
/// symlinks, skipping `skip`. A missing root is simply empty.
pub(crate) fn walk(
    root: &Path,
    skip: &Path,
    visit: &mut dyn FnMut(&Path, &std::fs::Metadata),
) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(root) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    };
    if root == skip {
        return Ok(());
    }
    visit(root, &meta);
    if !meta.is_dir() {
        return Ok(());
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path == skip {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            visit(&path, &meta);
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "tree_manifest_tests.rs"]
mod tests;
