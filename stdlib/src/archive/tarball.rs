//! Tar streams (already decompressed), entry by entry through a [`Target`].

use std::io::Read;

use tar::EntryType;

use super::target::Target;
use crate::Result;

/// Unpacks every entry of the tar stream `input` into `target`.
pub(super) fn unpack(input: impl Read, target: &mut Target) -> Result<()> {
    let mut archive = tar::Archive::new(input);
    let entries = archive.entries().map_err(|e| target.corrupt(e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| target.corrupt(e))?;
        let name = entry.path_bytes().into_owned();
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0o644);
        let mtime = header.mtime().ok().and_then(|t| i64::try_from(t).ok());
        match kind {
            // Pre-POSIX archives mark directories only by a trailing slash.
            EntryType::Regular if name.ends_with(b"/") => target.dir(&name, mode, mtime)?,
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                target.file(&name, mode, mtime, &mut entry)?
            }
            EntryType::Directory => target.dir(&name, mode, mtime)?,
            EntryType::Symlink => {
                let link = entry.link_name_bytes().unwrap_or_default().into_owned();
                target.symlink(&name, &link, mtime)?
            }
            EntryType::Link => {
                let link = entry.link_name_bytes().unwrap_or_default().into_owned();
                target.hardlink(&name, &link)?
            }
            EntryType::Char => return Err(target.special(&name, "character device")),
            EntryType::Block => return Err(target.special(&name, "block device")),
            EntryType::Fifo => return Err(target.special(&name, "fifo")),
            // Global pax headers (git archive writes one) carry no file.
            EntryType::XGlobalHeader => {}
            other => {
                return Err(target.refuse(
                    &name,
                    format!(
                        "has the unsupported tar entry type {:?}",
                        other.as_byte() as char
                    ),
                ));
            }
        }
    }
    Ok(())
}
