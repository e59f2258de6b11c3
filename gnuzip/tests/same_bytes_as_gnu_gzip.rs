//! `phaser_gnuzip::gzip` against the real `gzip -n` on inputs chosen to
//! reach every corner of gzip's encoder: empty and tiny files, sizes around
//! the lookahead and window boundaries, files over 64 KiB (the window
//! slides), runs and repeats crossing the 32 KiB window, matches at the
//! farthest distance, random bytes (stored blocks), text in many blocks,
//! Huffman codes over the length limit.
//! Real man pages are compared in stdlib/tests/fixup_man_pages_vs_stdenv.rs.

use std::fs;
use std::process::Command;

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn byte(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 56) as u8
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }

    fn below(&mut self, n: usize) -> usize {
        (usize::from(self.byte()) << 8 | usize::from(self.byte())) % n
    }

    fn pick(&mut self, from: &[u8]) -> u8 {
        from[self.below(from.len())]
    }
}

/// Bytes shaped like object code: runs of zeros, small values far more
/// common than large ones (each next value kept with probability
/// `keep` / 1000), and stretches of random bytes.
fn object_code_like(seed: u64, len: usize, keep: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(len + 64);
    while out.len() < len {
        match rng.below(10) {
            0 | 1 => out.extend(std::iter::repeat_n(0, 1 + rng.below(39))),
            2..=4 => {
                for _ in 0..4 + rng.below(56) {
                    let mut value = 0u8;
                    while value < 255 && rng.below(1000) < keep {
                        value += 1;
                    }
                    out.push(value);
                }
            }
            _ => {
                for _ in 0..1 + rng.below(11) {
                    let byte = rng.byte();
                    out.push(byte);
                }
            }
        }
    }
    out
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x6e75);
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("one byte".into(), b"a".to_vec()),
        ("two bytes".into(), b"ab".to_vec()),
        ("three bytes".into(), b"abc".to_vec()),
        ("1 MiB of zeros".into(), vec![0; 1 << 20]),
        ("70,000 times one byte".into(), vec![b'a'; 70_000]),
    ];
    // Around the lookahead (262), half window, slide point and window.
    for n in [
        258, 259, 261, 262, 263, 32_767, 32_768, 32_769, 65_274, 65_275, 65_536, 65_798,
    ] {
        let text: Vec<u8> = b"abcdefgh".iter().cycle().take(n).copied().collect();
        inputs.push((format!("{n} bytes repeating"), text));
        inputs.push((format!("{n} random bytes"), rng.bytes(n)));
    }
    inputs.push(("200,000 random bytes".into(), rng.bytes(200_000)));
    let block = rng.bytes(1000);
    let mut runs = Vec::new();
    for _ in 0..5 {
        runs.extend(&block);
        runs.extend([b'x'; 40_000]);
        runs.extend(&block);
    }
    inputs.push(("runs of 40,000 across the window".into(), runs));
    // Repeats at, just under and beyond the farthest match (32,506).
    for period in [32_505, 32_506, 32_507, 33_000] {
        let unit = rng.bytes(period);
        inputs.push((format!("period {period}"), unit.repeat(4)));
    }
    let two_letters: Vec<u8> = (0..300_000).map(|_| rng.pick(b"ab")).collect();
    inputs.push(("two letters, 300,000".into(), two_letters));
    let few_letters: Vec<u8> = (0..500_000).map(|_| rng.pick(b"abcd \n")).collect();
    inputs.push(("six symbols, 500,000".into(), few_letters));
    let words: Vec<Vec<u8>> = (0..2000)
        .map(|_| {
            let len = 1 + rng.below(9);
            (0..len).map(|_| rng.pick(b"etaoinshrdlucmfwyp")).collect()
        })
        .collect();
    let mut text = Vec::new();
    for _ in 0..200_000 {
        text.extend(&words[rng.below(words.len())]);
        text.push(if rng.byte() < 20 { b'\n' } else { b' ' });
    }
    inputs.push(("words, 1.2 MB".into(), text));
    // These two need literal/length codes longer than 15 bits, which gzip
    // shortens in its own way.
    for (seed, keep) in [(3, 780), (29, 714)] {
        inputs.push((
            format!("object code {seed}"),
            object_code_like(seed, 150_000, keep),
        ));
    }
    inputs
}

#[test]
fn gzip_n_writes_the_same_bytes() {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("gzip").is_file()));
    assert!(
        found,
        "`gzip` is not on PATH: install it with `apt-get install gzip` (tests/run does it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs();
    let mut different = Vec::new();
    for (i, (name, data)) in inputs.iter().enumerate() {
        // From a file, as the hook runs it: gzip then reads in whole
        // window-sized chunks, which its output depends on.
        let file = dir.path().join(i.to_string());
        fs::write(&file, data).unwrap();
        let gnu = Command::new("gzip")
            .arg("-n")
            .arg("-c")
            .arg(&file)
            .output()
            .unwrap();
        assert!(gnu.status.success(), "gzip -n -c {name}");
        let ours = phaser_gnuzip::gzip(data);
        if ours != gnu.stdout {
            different.push(format!(
                "{name}: {} bytes, gzip wrote {}",
                ours.len(),
                gnu.stdout.len()
            ));
        }
    }
    eprintln!(
        "{} inputs compared with gzip -n: {} identical",
        inputs.len(),
        inputs.len() - different.len()
    );
    assert!(different.is_empty(), "{}", different.join("\n"));
}

#[test]
fn the_stream_decompresses_to_the_input() {
    use std::io::Read;
    for (name, data) in inputs() {
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&phaser_gnuzip::deflate(&data)[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == data, "{name}");
    }
}
