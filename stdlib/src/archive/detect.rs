//! What a file is, from its first bytes: the compression around a tar
//! stream, or a zip file. Names lie (`.tgz` that is plain tar, `.tar.gz`
//! that is xz), magic numbers do not.

use std::io::{self, BufRead, Read};

/// A compression format recognized by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// Not compressed (or not by a format we know).
    None,
    /// gzip, possibly several concatenated members (pigz).
    Gzip,
    /// bzip2, possibly several concatenated streams (pbzip2).
    Bzip2,
    /// xz, possibly several concatenated streams (pixz).
    Xz,
    /// The legacy `.lzma` format ("LZMA alone").
    Lzma,
    /// Zstandard, possibly several frames.
    Zstd,
}

impl Compression {
    /// The compression whose magic number `head` starts with.
    pub(crate) fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(&[0x5d, 0x00, 0x00]) {
            // lc=3 lp=0 pb=2 (what every lzma encoder uses) and a dictionary
            // size that is a multiple of 64 KiB; the format has no real magic.
            Compression::Lzma
        } else {
            Compression::None
        }
    }

    /// A word for messages ("gzip-compressed").
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip-compressed",
            Compression::Bzip2 => "bzip2-compressed",
            Compression::Xz => "xz-compressed",
            Compression::Lzma => "lzma-compressed",
            Compression::Zstd => "zstd-compressed",
        }
    }

    /// A reader that decompresses `input`.
    pub(crate) fn decoder<'a, R: BufRead + 'a>(self, input: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(input),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
            Compression::Xz => {
                let stream = liblzma::stream::Stream::new_stream_decoder(
                    XZ_MEMORY_LIMIT,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(io::Error::other)?;
                Box::new(MemoryLimit(liblzma::bufread::XzDecoder::new_stream(
                    input, stream,
                )))
            }
            Compression::Lzma => {
                let stream = liblzma::stream::Stream::new_lzma_decoder(XZ_MEMORY_LIMIT)
                    .map_err(io::Error::other)?;
                Box::new(MemoryLimit(liblzma::bufread::XzDecoder::new_stream(
                    input, stream,
                )))
            }
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
        })
    }
}

/// The most memory an xz or lzma stream may take to decompress. The
/// stream's header says how much it needs (its dictionary), and a few
/// bytes can ask for gigabytes; `xz -9` needs 65 MiB, so no source archive
/// comes near this.
const XZ_MEMORY_LIMIT: u64 = 512 << 20;

/// An xz/lzma reader whose "memory limit reached" says what it means.
struct MemoryLimit<R>(R);

impl<R: Read> Read for MemoryLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let over = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<liblzma::stream::Error>())
                .is_some_and(|inner| matches!(inner, liblzma::stream::Error::MemLimit));
            if over {
                io::Error::other(format!(
                    "decompressing it would take more than {} MiB of memory (a larger dictionary than any xz preset uses)",
                    XZ_MEMORY_LIMIT >> 20
                ))
            } else {
                e
            }
        })
    }
}

/// Whether `head` starts a zip file (a local file header, or the end record
/// of an empty zip).
pub(crate) fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// Whether `block` (the first 512 bytes of a stream) is a tar header: the
/// ustar magic, or a valid header checksum (old v7 archives have no magic),
/// or the all-zero block an empty archive consists of.
pub(crate) fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    if &block[257..262] == b"ustar" || block.iter().all(|b| *b == 0) {
        return true;
    }
    let Some(stored) = parse_octal(&block[148..156]) else {
        return false;
    };
    let unsigned: u64 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(*b)
            }
        })
        .sum();
    // Some old writers summed signed chars.
    let signed: i64 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(*b as i8)
            }
        })
        .sum();
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b));
    let mut value: u64 = 0;
    let mut digits = 0;
    for digit in text {
        value = value.checked_mul(8)? + u64::from(digit - b'0');
        digits += 1;
    }
    (digits > 0).then_some(value)
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
pub(crate) fn read_up_to(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `bytes` decompressed when they start with a known magic number, else
/// as they are (patch files are small enough to hold in memory).
pub(crate) fn decompress_all(bytes: Vec<u8>) -> io::Result<(Compression, Vec<u8>)> {
    let compression = Compression::sniff(&bytes);
    if compression == Compression::None {
        return Ok((compression, bytes));
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    compression.decoder(&bytes[..])?.read_to_end(&mut out)?;
    Ok((compression, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn magic_numbers_are_recognized() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x").unwrap();
        assert_eq!(Compression::sniff(&gz.finish().unwrap()), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&zstd::encode_all(&b"x"[..], 1).unwrap()),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"BZh91AY&SY"), Compression::Bzip2);
        assert_eq!(Compression::sniff(b"plain text"), Compression::None);
        assert!(is_zip(b"PK\x03\x04rest"));
    }

    #[test]
    fn tar_headers_are_told_from_text() {
        let mut header = tar::Header::new_old();
        header.set_path("file").unwrap();
        header.set_size(0);
        header.set_cksum();
        assert!(is_tar_header(header.as_bytes()));
        assert!(!is_tar_header(&[b'a'; 512]));
        assert!(is_tar_header(&[0; 512]));
    }

    #[test]
    fn decompress_all_round_trips_and_passes_plain_bytes_through() {
        let packed = zstd::encode_all(&b"hello"[..], 3).unwrap();
        assert_eq!(decompress_all(packed).unwrap().1, b"hello");
        assert_eq!(
            decompress_all(b"plain".to_vec()).unwrap(),
            (Compression::None, b"plain".to_vec())
        );
    }
}
