//! A gzip encoder whose output is byte for byte what GNU gzip writes at its
//! default level (6) with `-n`, for one file per gzip process.
//!
//! General-purpose encoders (zlib, miniz_oxide, zlib-rs) make different
//! choices than GNU gzip even at the same level: zlib's level 6 gives
//! gzip's bytes for about 98% of man pages, not all. Reproducible builds
//! that compare a package built by nixpkgs' stdenv (whose fixup gzips man
//! pages) with one built by phaser need all of them, so this crate makes
//! gzip's decisions:
//!
//! - LZ77 over gzip's 64 KiB window, read and slid as gzip reads and
//!   slides it, with 15-bit hash chains and lazy matching at level 6's
//!   limits (good 8, lazy 16, nice 128, chain 128), matches at most
//!   32,506 bytes back, 3-byte matches dropped beyond 4,096 ([`lz77`]);
//! - blocks ended at 32,767 symbols, or early when a check every 4,096
//!   symbols estimates they compress well ([`block`]);
//! - gzip's Huffman tree construction and its tie-breaking ([`huffman`]);
//! - per block, stored, fixed or dynamic, whichever gzip's size estimate
//!   prefers.
//!
//! Measured against GNU gzip 1.12 (Debian bookworm), 1.13 and 1.14, which
//! give identical output for the same input: their NEWS lists no change to
//! compression since 1.11, which added hardware deflate on IBM Z only (a
//! gzip built with it writes other bytes there). The header is that of
//! `gzip -n`: no name, mtime 0, XFL 0, OS 3 (Unix).

mod bits;
mod block;
mod huffman;
mod lz77;
mod tables;

use bits::BitWriter;

/// The header `gzip -n` writes at level 6: magic, deflate, no flags (no
/// name), mtime 0, no extra flags, Unix.
pub const GZIP_N_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

/// `data` as `gzip -n` (level 6) compresses it: header, DEFLATE stream,
/// CRC-32 and length (mod 2^32).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    out.extend_from_slice(&GZIP_N_HEADER);
    let mut out = deflate_into(data, out);
    out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// `data` as the raw DEFLATE stream (RFC 1951) inside gzip's output.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    deflate_into(data, Vec::with_capacity(data.len() / 3 + 16))
}

fn deflate_into(data: &[u8], out: Vec<u8>) -> Vec<u8> {
    let mut writer = BitWriter::new(out);
    lz77::compress(data, &mut writer);
    writer.finish()
}
