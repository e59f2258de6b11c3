//! Replacing store paths with other store paths of the same length, in
//! file contents and symlink targets: Nix's own hash rewriting. A phase's
//! derivation gets its predecessor's outputs, whose bytes name the
//! predecessor's output paths; rewriting them to its own paths keeps every
//! file valid (binaries included, since no offset moves).

use std::io::{self, Read, Write};

use memchr::memmem;

/// Pairs of byte strings to replace, every pair of equal length.
#[derive(Debug, Clone, Default)]
pub struct Rewrites {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    longest: usize,
}

impl Rewrites {
    /// No rewrites.
    pub fn new() -> Rewrites {
        Rewrites::default()
    }

    /// Rewrites the store path `from` to `to` (same length). When both are
    /// `<store>/<hash>-<name>` with the same store directory and name, only
    /// the 32-character hash part is rewritten, as Nix does, so a bare hash
    /// is caught too; otherwise the whole path is.
    pub fn add(&mut self, from: &str, to: &str) -> Result<(), String> {
        if from.len() != to.len() {
            return Err(format!(
                "cannot rewrite {from} to {to}: the paths differ in length (every phase derivation must have the same name)"
            ));
        }
        if from == to {
            return Ok(());
        }
        let (from, to) = match (hash_part(from), hash_part(to)) {
            (Some((dir_a, hash_a, name_a)), Some((dir_b, hash_b, name_b)))
                if dir_a == dir_b && name_a == name_b =>
            {
                (hash_a, hash_b)
            }
            _ => (from, to),
        };
        self.pairs
            .push((from.as_bytes().to_vec(), to.as_bytes().to_vec()));
        self.longest = self.longest.max(from.len());
        Ok(())
    }

    /// True when there is nothing to replace.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Replaces every occurrence in `bytes`; returns how many.
    pub fn apply(&self, bytes: &mut [u8]) -> usize {
        let mut count = 0;
        for (from, to) in &self.pairs {
            // Collect first: the finder borrows `bytes` while it searches.
            let hits: Vec<usize> = memmem::find_iter(bytes, from).collect();
            for at in &hits {
                bytes[*at..*at + to.len()].copy_from_slice(to);
            }
            count += hits.len();
        }
        count
    }

    /// Copies `input` (about `len_hint` bytes) to `output`, rewriting on
    /// the way; returns the bytes copied and the number of replacements.
    /// Reads in chunks of at most 1 MiB and carries the last `longest - 1`
    /// bytes over, so an occurrence split across two reads is still found
    /// and no file is held in memory whole.
    pub fn copy(
        &self,
        input: &mut impl Read,
        output: &mut impl Write,
        len_hint: u64,
    ) -> io::Result<(u64, usize)> {
        const CHUNK: usize = 1 << 20;
        let keep = self.longest.saturating_sub(1);
        // Most build files are small: no need to clear a whole MiB for each.
        let chunk = (len_hint as usize).clamp(4096, CHUNK);
        let mut buffer = vec![0u8; chunk + keep];
        let mut filled = 0;
        let mut total = 0u64;
        let mut count = 0;
        loop {
            let n = read_some(input, &mut buffer[filled..])?;
            let end = filled + n;
            total += n as u64;
            count += self.apply(&mut buffer[..end]);
            if n == 0 {
                output.write_all(&buffer[..end])?;
                return Ok((total, count));
            }
            // Everything but the tail is final: an occurrence starting in
            // the tail may continue in the next read.
            let emit = end.saturating_sub(keep);
            output.write_all(&buffer[..emit])?;
            buffer.copy_within(emit..end, 0);
            filled = end - emit;
        }
    }
}

/// Fills as much of `buffer` as one or more reads give, stopping at end of
/// file; returns the number of bytes read.
fn read_some(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Splits `<dir>/<32-char hash>-<name>` into its parts.
fn hash_part(path: &str) -> Option<(&str, &str, &str)> {
    let (dir, base) = path.rsplit_once('/')?;
    let (hash, name) = base.split_once('-')?;
    let nix_base32 =
        |c: char| c.is_ascii_digit() || (c.is_ascii_lowercase() && !"eotu".contains(c));
    (hash.len() == 32 && hash.chars().all(nix_base32)).then_some((dir, hash, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-2.10";
    const B: &str = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-hello-2.10";
    const C: &str = "/nix/store/cccccccccccccccccccccccccccccccc-hello-2.10-dev";
    const D: &str = "/nix/store/dddddddddddddddddddddddddddddddd-hello-2.10-dev";

    fn rewrites() -> Rewrites {
        let mut r = Rewrites::new();
        r.add(A, B).unwrap();
        r.add(C, D).unwrap();
        r
    }

    #[test]
    fn rewrites_hash_parts_in_place() {
        let mut text = format!(
            "prefix={A}\nincludedir={C}/include\nhash only: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
        )
        .into_bytes();
        let n = rewrites().apply(&mut text);
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            format!(
                "prefix={B}\nincludedir={D}/include\nhash only: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
            )
        );
    }

    #[test]
    fn paths_of_different_length_are_refused() {
        let err = Rewrites::new().add(A, C).unwrap_err();
        assert!(err.contains("differ in length"), "{err}");
    }

    #[test]
    fn other_paths_are_rewritten_whole() {
        let mut r = Rewrites::new();
        r.add("/tmp/one", "/tmp/two").unwrap();
        let mut text = b"a /tmp/one b /tmp/onex".to_vec();
        assert_eq!(r.apply(&mut text), 2);
        assert_eq!(text, b"a /tmp/two b /tmp/twox");
    }

    #[test]
    fn copy_finds_occurrences_across_chunk_boundaries() {
        // Place occurrences at every offset around the 1 MiB read size, so
        // some straddle two reads.
        let chunk = 1 << 20;
        let mut input = vec![b'.'; 3 * chunk];
        let hash = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let starts: Vec<usize> = (chunk - 40..chunk + 8)
            .step_by(33)
            .chain([0, 3 * chunk - 32])
            .collect();
        for &s in &starts {
            input[s..s + 32].copy_from_slice(hash);
        }
        let mut output = Vec::new();
        let (bytes, n) = rewrites()
            .copy(&mut input.as_slice(), &mut output, input.len() as u64)
            .unwrap();
        assert_eq!(bytes, input.len() as u64);
        assert_eq!(n, starts.len());
        assert_eq!(output.len(), input.len());
        assert!(memmem::find(&output, hash).is_none());
        for &s in &starts {
            assert_eq!(&output[s..s + 32], b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        }
    }

    #[test]
    fn copy_without_rewrites_is_a_plain_copy() {
        let input: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut output = Vec::new();
        let (bytes, n) = Rewrites::new()
            .copy(&mut input.as_slice(), &mut output, input.len() as u64)
            .unwrap();
        assert_eq!((bytes, n), (input.len() as u64, 0));
        assert_eq!(output, input);
    }
}
