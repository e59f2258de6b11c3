//! The fixed parts of DEFLATE (RFC 1951, section 3.2.5): which code a
//! length or a distance gets, the extra bits each code carries, and the
//! code lengths of the fixed Huffman trees.

/// Literal bytes, the end-of-block code, then 29 length codes.
pub(crate) const LITERAL_LENGTH_CODES: usize = 256 + 1 + 29;
/// The end-of-block code.
pub(crate) const END_OF_BLOCK: usize = 256;
/// Distance codes.
pub(crate) const DISTANCE_CODES: usize = 30;
/// Codes of the tree that describes the other two trees' code lengths.
pub(crate) const CODE_LENGTH_CODES: usize = 19;

/// Extra bits after each length code (257..=285).
pub(crate) const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Extra bits after each distance code.
pub(crate) const DISTANCE_EXTRA: [u8; DISTANCE_CODES] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Extra bits after each code-length code: 16 repeats the previous length
/// 3-6 times, 17 and 18 give runs of zeros (3-10, 11-138).
pub(crate) const CODE_LENGTH_EXTRA: [u8; CODE_LENGTH_CODES] =
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
/// The order in which a dynamic block header lists the code-length codes'
/// own lengths.
pub(crate) const CODE_LENGTH_ORDER: [usize; CODE_LENGTH_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Length code (0-based, without the 257 offset) of `length - 3`, and
/// each code's first `length - 3`.
pub(crate) const LENGTH_CODE: [u8; 256] = LENGTHS.0;
pub(crate) const LENGTH_BASE: [u16; 29] = LENGTHS.1;
/// Distance code of `distance - 1` below 256, then of `(distance - 1) >> 7`
/// at index `256 + ...`; and each code's first `distance - 1`.
pub(crate) const DISTANCE_CODE: [u8; 512] = DISTANCES.0;
pub(crate) const DISTANCE_BASE: [u16; DISTANCE_CODES] = DISTANCES.1;

const DISTANCES: ([u8; 512], [u16; DISTANCE_CODES]) = code_table(&DISTANCE_EXTRA, DISTANCE_CODES);

const LENGTHS: ([u8; 256], [u16; 29]) = {
    let (mut code_of, mut base) = code_table::<256, 29>(&LENGTH_EXTRA, 28);
    // Length 258 fits code 284 with all extra bits set, but code 285
    // says it in no extra bits.
    code_of[255] = 28;
    base[28] = 255;
    (code_of, base)
};

/// Gives codes `0..codes` consecutive runs of values, `2^extra` each:
/// returns the code of each value (from 256 on, of each multiple of 128,
/// at `256 + value / 128`) and the first value of each code.
const fn code_table<const V: usize, const C: usize>(
    extra: &[u8; C],
    codes: usize,
) -> ([u8; V], [u16; C]) {
    let mut code_of = [0u8; V];
    let mut base = [0u16; C];
    let mut value = 0usize;
    let mut code = 0;
    while code < codes {
        base[code] = value as u16;
        let end = value + (1 << extra[code]);
        while value < end {
            if value < 256 {
                code_of[value] = code as u8;
                value += 1;
            } else {
                code_of[256 + (value >> 7)] = code as u8;
                value += 128;
            }
        }
        code += 1;
    }
    (code_of, base)
}

/// The distance code of `distance - 1`.
pub(crate) fn distance_code(distance_minus_one: u16) -> usize {
    let d = usize::from(distance_minus_one);
    if d < 256 {
        usize::from(DISTANCE_CODE[d])
    } else {
        usize::from(DISTANCE_CODE[256 + (d >> 7)])
    }
}

/// Code lengths of the fixed literal/length tree, with the two codes
/// (286, 287) a block never uses but the canonical code counts.
pub(crate) const FIXED_LITERAL_LENGTHS: [u8; 288] = {
    let mut lengths = [8u8; 288];
    let mut n = 144;
    while n < 256 {
        lengths[n] = 9;
        n += 1;
    }
    while n < 280 {
        lengths[n] = 7;
        n += 1;
    }
    lengths
};
/// Code lengths of the fixed distance tree.
pub(crate) const FIXED_DISTANCE_LENGTHS: [u8; DISTANCE_CODES] = [5; DISTANCE_CODES];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_distances_map_to_rfc_1951_codes() {
        // Length 3 -> 257, 10 -> 264, 11 -> 265 (1 extra bit), 258 -> 285.
        assert_eq!(LENGTH_CODE[0], 0);
        assert_eq!(LENGTH_CODE[7], 7);
        assert_eq!((LENGTH_CODE[8], LENGTH_BASE[8]), (8, 8));
        assert_eq!(LENGTH_CODE[227 - 3], 27);
        assert_eq!(LENGTH_CODE[255], 28);
        // Distance 1 -> 0, 5 -> 4, 257 -> 16, 24577 -> 29, 32768 -> 29.
        assert_eq!(distance_code(0), 0);
        assert_eq!(distance_code(4), 4);
        assert_eq!(distance_code(256), 16);
        assert_eq!(DISTANCE_BASE[16], 256);
        assert_eq!(distance_code(24576), 29);
        assert_eq!(distance_code(32767), 29);
        assert_eq!(DISTANCE_BASE[29], 24576);
    }
}
