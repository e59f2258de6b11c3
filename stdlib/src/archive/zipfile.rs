//! Zip files, entry by entry through a [`Target`]. The central directory
//! is read from the end of the file and each entry decompressed as it is
//! written, so the archive is never held in memory.

use std::fs::File;
use std::io::Read;

use zip::ExtraField;

use super::target::Target;
use crate::Result;

const FILE_TYPE: u32 = 0o170000;
const SYMLINK: u32 = 0o120000;
const DIRECTORY: u32 = 0o040000;
const REGULAR: u32 = 0o100000;
/// Longest symbolic-link target accepted (PATH_MAX).
const MAX_LINK: u64 = 4096;

/// Unpacks every entry of the zip file `file` into `target`.
pub(super) fn unpack(file: File, target: &mut Target) -> Result<()> {
    let mut zip = zip::ZipArchive::new(file).map_err(|e| target.corrupt(e))?;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(|e| target.corrupt(e))?;
        let name = entry.name_raw().to_vec();
        if entry.encrypted() {
            return Err(target.refuse(&name, "is encrypted"));
        }
        let mtime = modification_time(&entry);
        let unix = entry.unix_mode().filter(|mode| mode & FILE_TYPE != 0);
        let kind = unix.map(|mode| mode & FILE_TYPE);
        let permissions = unix
            .map(|mode| mode & 0o7777)
            .filter(|mode| mode & 0o777 != 0);
        if kind == Some(SYMLINK) {
            let mut link = Vec::new();
            (&mut entry)
                .take(MAX_LINK + 1)
                .read_to_end(&mut link)
                .map_err(|e| target.corrupt(e))?;
            if link.len() as u64 > MAX_LINK {
                return Err(target.refuse(&name, "is a symbolic link with an overlong target"));
            }
            target.symlink(&name, &link, mtime)?;
        } else if kind == Some(DIRECTORY) || (kind.is_none() && entry.is_dir()) {
            target.dir(&name, permissions.unwrap_or(0o755), mtime)?;
        } else if kind.is_none() || kind == Some(REGULAR) {
            target.file(&name, permissions.unwrap_or(0o644), mtime, &mut entry)?;
        } else {
            return Err(target.special(&name, "special file"));
        }
    }
    Ok(())
}

/// The entry's mtime: the Unix extended timestamp when present, else the
/// DOS date and time read as UTC (what unzip does with `TZ=UTC`, as in
/// builds).
fn modification_time(entry: &zip::read::ZipFile<'_, File>) -> Option<i64> {
    for field in entry.extra_data_fields() {
        if let ExtraField::ExtendedTimestamp(stamp) = field {
            if let Some(mtime) = stamp.mod_time() {
                return Some(i64::from(mtime));
            }
        }
    }
    let dos = entry.last_modified()?;
    let days = days_from_civil(
        i64::from(dos.year()),
        u32::from(dos.month()),
        u32::from(dos.day()),
    );
    Some(
        days * 86_400
            + i64::from(dos.hour()) * 3600
            + i64::from(dos.minute()) * 60
            + i64::from(dos.second()),
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_index + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::days_from_civil;

    #[test]
    fn civil_dates_become_epoch_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1980, 1, 1), 3652);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}
