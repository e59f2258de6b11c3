//! Copying a file's bytes as cheaply as the file system allows, and
//! carrying timestamps over.
//!
//! In order: a reflink (`FICLONE`: btrfs, xfs, bcachefs share the blocks
//! and copy nothing), then `copy_file_range` (the kernel copies, or NFS and
//! overlayfs do it server-side), then a plain read/write loop.

use std::ffi::CString;
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Copies all of `input` (from its current position, normally the start)
/// into the empty file `output`.
pub(crate) fn copy_contents(input: &File, output: &File) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        if reflink(input, output) {
            return Ok(());
        }
        if kernel_copy(input, output)? {
            return Ok(());
        }
    }
    io::copy(&mut &*input, &mut &*output).map(|_| ())
}

/// Shares `input`'s blocks with `output`; false when the file system
/// cannot (nothing has been written then).
#[cfg(target_os = "linux")]
fn reflink(input: &File, output: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: FICLONE takes the source descriptor as its argument; both
    // descriptors are open for the duration of the call.
    unsafe { libc::ioctl(output.as_raw_fd(), libc::FICLONE, input.as_raw_fd()) == 0 }
}

/// Copies with `copy_file_range`; Ok(false) when the kernel or the file
/// systems do not support it and nothing was copied, so the caller falls
/// back to reading and writing.
#[cfg(target_os = "linux")]
fn kernel_copy(input: &File, output: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut copied: u64 = 0;
    loop {
        // SAFETY: null offsets make the kernel use and advance both files'
        // positions; the descriptors are open.
        let n = unsafe {
            libc::copy_file_range(
                input.as_raw_fd(),
                std::ptr::null_mut(),
                output.as_raw_fd(),
                std::ptr::null_mut(),
                1 << 30,
                0,
            )
        };
        if n > 0 {
            copied += n as u64;
            continue;
        }
        if n == 0 {
            // Some pseudo file systems report 0 at once for files that do
            // have content; reading an empty file the ordinary way costs
            // nothing, so never trust a 0 on the first call.
            return Ok(copied > 0);
        }
        let e = io::Error::last_os_error();
        let unsupported = matches!(
            e.raw_os_error(),
            Some(libc::ENOSYS | libc::EXDEV | libc::EINVAL | libc::EOPNOTSUPP | libc::EPERM)
        );
        return if copied == 0 && unsupported {
            Ok(false)
        } else {
            Err(e)
        };
    }
}

fn timespecs(meta: &Metadata) -> [libc::timespec; 2] {
    [
        libc::timespec {
            tv_sec: meta.atime() as libc::time_t,
            tv_nsec: meta.atime_nsec() as _,
        },
        libc::timespec {
            tv_sec: meta.mtime() as libc::time_t,
            tv_nsec: meta.mtime_nsec() as _,
        },
    ]
}

/// Gives the open file `file` the access and modification times of `meta`.
pub(crate) fn set_file_times(file: &File, meta: &Metadata) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let times = timespecs(meta);
    // SAFETY: the descriptor is open and `times` holds two timespecs.
    if unsafe { libc::futimens(file.as_raw_fd(), times.as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Gives `path` itself (a symlink is not followed) the access and
/// modification times of `meta`.
pub(crate) fn set_path_times(path: &Path, meta: &Metadata) -> io::Result<()> {
    utimensat_nofollow(path, &timespecs(meta))
}

/// Sets only the modification time of `path` itself (a symlink is not
/// followed), leaving its access time as it is.
pub(crate) fn set_mtime_nofollow(path: &Path, secs: i64, nanos: i64) -> io::Result<()> {
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: secs as libc::time_t,
            tv_nsec: nanos as _,
        },
    ];
    utimensat_nofollow(path, &times)
}

fn utimensat_nofollow(path: &Path, times: &[libc::timespec; 2]) -> io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    // SAFETY: `c_path` is NUL-terminated and `times` holds two timespecs.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn copies_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(dir.path().join("a"), &data).unwrap();
        let input = File::open(dir.path().join("a")).unwrap();
        let output = File::create(dir.path().join("b")).unwrap();
        copy_contents(&input, &output).unwrap();
        assert_eq!(fs::read(dir.path().join("b")).unwrap(), data);
    }

    #[test]
    fn copies_files_whose_size_the_kernel_does_not_know() {
        // /proc files report size 0 but have content: the fallback reads them.
        let dir = tempfile::tempdir().unwrap();
        let input = File::open("/proc/self/status").unwrap();
        let output = File::create(dir.path().join("status")).unwrap();
        copy_contents(&input, &output).unwrap();
        assert!(fs::read_to_string(dir.path().join("status"))
            .unwrap()
            .contains("Pid:"));
    }
}
