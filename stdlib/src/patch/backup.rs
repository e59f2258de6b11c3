//! Names of backup files, as GNU patch 2.7 chooses them: `NAME.orig`,
//! numbered `NAME.~N~`, or built from `-B`, `-Y` and `-z`.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// When and how files are backed up before the patch changes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// `-b`: every file the patch changes.
    pub always: bool,
    /// `--backup-if-mismatch` (GNU patch's default): files whose hunks
    /// needed an offset or fuzz, or were applied reversed.
    pub if_mismatch: bool,
    /// `-B PREFIX`: put before the whole name.
    pub prefix: Option<String>,
    /// `-Y PREFIX`: put before the base name.
    pub basename_prefix: Option<String>,
    /// `-z SUFFIX`: put after the name (instead of `.orig`, always simple).
    pub suffix: Option<String>,
    /// `-V STYLE` or `VERSION_CONTROL`.
    pub style: BackupStyle,
    /// The suffix of simple backups: `.orig`, or `SIMPLE_BACKUP_SUFFIX`.
    pub simple_suffix: String,
}

impl Default for Backup {
    /// No backups; `.orig` names if asked for.
    fn default() -> Backup {
        Backup {
            always: false,
            if_mismatch: false,
            prefix: None,
            basename_prefix: None,
            suffix: None,
            style: BackupStyle::Existing,
            simple_suffix: ".orig".into(),
        }
    }
}

/// GNU's backup styles (`-V`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupStyle {
    /// `simple`/`never`: `NAME.orig`.
    Simple,
    /// `numbered`/`t`: `NAME.~N~`, one more than the highest there.
    Numbered,
    /// `existing`/`nil` (the default): numbered if numbered backups of the
    /// file exist, else simple.
    Existing,
}

impl Backup {
    /// The backup name for `name` (relative to `dir`, as is the result).
    pub(crate) fn name_for(&self, dir: &Path, name: &[u8]) -> Vec<u8> {
        let base_at = name.iter().rposition(|b| *b == b'/').map_or(0, |at| at + 1);
        let (parent, base) = name.split_at(base_at);
        if self.prefix.is_some() || self.basename_prefix.is_some() || self.suffix.is_some() {
            let part = |s: &Option<String>| s.as_deref().unwrap_or("").as_bytes().to_vec();
            return [
                part(&self.prefix),
                parent.to_vec(),
                part(&self.basename_prefix),
                base.to_vec(),
                part(&self.suffix),
            ]
            .concat();
        }
        let simple = || [name, self.simple_suffix.as_bytes()].concat();
        if self.style == BackupStyle::Simple {
            return simple();
        }
        match highest_version(&dir.join(OsStr::from_bytes(parent)), base) {
            Some(version) => [name, format!(".~{}~", version + 1).as_bytes()].concat(),
            None if self.style == BackupStyle::Numbered => [name, b".~1~"].concat(),
            None => simple(),
        }
    }
}

/// The highest N of the `BASE.~N~` files in `dir`.
fn highest_version(dir: &Path, base: &[u8]) -> Option<u128> {
    let entries = fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name();
            let version = file
                .as_bytes()
                .strip_prefix(base)?
                .strip_prefix(b".~")?
                .strip_suffix(b"~")?;
            let numeric = matches!(version.first(), Some(b'1'..=b'9'))
                && version.iter().all(u8::is_ascii_digit);
            // Absurdly long numbers are not GNU's concern either.
            numeric
                .then(|| std::str::from_utf8(version).ok()?.parse().ok())
                .flatten()
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_numbered_and_built_names() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("src")).unwrap();
        let existing = Backup::default();
        assert_eq!(existing.name_for(dir.path(), b"src/f.c"), b"src/f.c.orig");
        fs::write(dir.path().join("src/f.c.~3~"), "").unwrap();
        fs::write(dir.path().join("src/f.c.~10~"), "").unwrap();
        fs::write(dir.path().join("src/f.c.~02~"), "").unwrap();
        assert_eq!(existing.name_for(dir.path(), b"src/f.c"), b"src/f.c.~11~");
        let numbered = Backup {
            style: BackupStyle::Numbered,
            ..Backup::default()
        };
        assert_eq!(numbered.name_for(dir.path(), b"g.c"), b"g.c.~1~");
        let built = Backup {
            prefix: Some("bak/".into()),
            basename_prefix: Some("old-".into()),
            ..Backup::default()
        };
        assert_eq!(built.name_for(dir.path(), b"src/f.c"), b"bak/src/old-f.c");
        let suffix = Backup {
            suffix: Some("~".into()),
            ..Backup::default()
        };
        assert_eq!(suffix.name_for(dir.path(), b"src/f.c"), b"src/f.c~");
    }
}
