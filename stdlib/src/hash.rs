//! Standard-library family `hash`: SHA-256/SHA-512 of a file or a string,
//! as hex, SRI (`sha256-<base64>`) or Nix's base-32.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

use crate::{Context, Error, Function, Result};

/// A hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// SHA-256 (the default).
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Algo::Sha256 => "sha256",
            Algo::Sha512 => "sha512",
        }
    }
}

/// How a digest is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Lowercase hexadecimal, as `sha256sum` prints (the default).
    Hex,
    /// Subresource Integrity: `sha256-` + standard base64, as Nix's `hash` attributes.
    Sri,
    /// Nix's own base-32 (`nix-hash --base32`), as in older `sha256 = "..."` attributes.
    #[serde(alias = "base32")]
    Nix32,
}

/// The digest of everything `reader` yields, read in blocks.
pub fn digest_reader(algo: Algo, reader: impl Read) -> io::Result<Vec<u8>> {
    match algo {
        Algo::Sha256 => digest_with::<Sha256>(reader),
        Algo::Sha512 => digest_with::<Sha512>(reader),
    }
}

fn digest_with<D: Digest>(mut reader: impl Read) -> io::Result<Vec<u8>> {
    let mut hasher = D::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hasher.finalize().to_vec()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The digest of the file at `path`, streamed.
pub fn digest_file(algo: Algo, path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::io("hashing", path, e))?;
    digest_reader(algo, file).map_err(|e| Error::io("hashing", path, e))
}

/// `digest` written in `format`.
pub fn format_digest(algo: Algo, digest: &[u8], format: Format) -> String {
    match format {
        Format::Hex => digest.iter().map(|b| format!("{b:02x}")).collect(),
        Format::Sri => format!("{}-{}", algo.name(), base64(digest)),
        Format::Nix32 => nix32(digest),
    }
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(group >> (18 - 6 * i) & 0x3f) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Nix's base-32: its own alphabet (no e o u t), and the digits taken from
/// the last 5-bit group of the little-endian bit string to the first.
fn nix32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let len = (bytes.len() * 8).div_ceil(5);
    (0..len)
        .rev()
        .map(|n| {
            let bit = n * 5;
            let (i, j) = (bit / 8, bit % 8);
            let low = u32::from(bytes[i]) >> j;
            let high = bytes.get(i + 1).map_or(0, |&b| u32::from(b) << (8 - j));
            ALPHABET[((low | high) & 0x1f) as usize] as char
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashArgs {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    algo: Option<Algo>,
    #[serde(default)]
    format: Option<Format>,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![Function::new(
        "hash",
        "{file?: string, string?: string, algo?: \"sha256\"|\"sha512\", \
         format?: \"hex\"|\"sri\"|\"nix32\"}",
        &["file"],
        "Hashes a file (read in blocks, any size) or a string (its UTF-8 bytes); give exactly \
         one of `file` and `string`. `algo` is sha256 (default) or sha512; `format` is hex \
         (default, as `sha256sum`), sri (`sha256-<base64>`, as Nix `hash` attributes) or nix32 \
         (alias base32, as `nix-hash --base32`). Returns the string.",
        |cx: &Context, a: HashArgs| {
            let algo = a.algo.unwrap_or(Algo::Sha256);
            let digest = match (a.file, a.string) {
                (Some(file), None) => digest_file(algo, &cx.resolve(file))?,
                (None, Some(text)) => digest_reader(algo, text.as_bytes())
                    .map_err(|e| Error::msg(format!("hash: {e}")))?,
                _ => {
                    return Err(Error::msg(
                        "hash: give exactly one of `file` (a path) and `string` (text)",
                    ))
                }
            };
            Ok(Value::String(format_digest(
                algo,
                &digest,
                a.format.unwrap_or(Format::Hex),
            )))
        },
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn nix32_matches_nix_hash() {
        // `nix-hash --type sha256 --flat --base32` of an empty file.
        let digest = digest_reader(Algo::Sha256, &b""[..]).unwrap();
        assert_eq!(
            nix32(&digest),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
    }
}
