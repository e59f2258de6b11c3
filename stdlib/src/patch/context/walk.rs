//! A context hunk's two sides, as GNU patch lays them out and walks them:
//! swapped for `-R` (`pch_swap`) and merged into one sequence of context,
//! removed and added lines (`apply_hunk`'s walk).

use crate::patch::parse::{HunkLines, Kind};

/// One line of a hunk in GNU patch's layout: index 0 is the `***` line,
/// then the old side, the `---` line (`=`), the new side.
#[derive(Debug, Clone, Default)]
pub(super) struct Slot {
    /// ` `, `-`, `+`, `!`, `*`, `=`, or `\n` for a blank line between the
    /// old side and `---` (part of neither side).
    pub mark: u8,
    pub text: Vec<u8>,
}

/// The hunk with its sides swapped, as GNU patch's `pch_swap` swaps them:
/// the new side (additions now removals) first, then the old side.
pub(super) fn swap(p: &[Slot], ptrn_lines: usize) -> Vec<Slot> {
    let mut at = ptrn_lines + 1;
    let blank = p.get(at).filter(|s| s.mark == b'\n').cloned();
    if blank.is_some() {
        at += 1;
    }
    // Each side keeps its lines; its header line and its own kind of
    // change line take the other side's marks.
    let relabel = |slots: &[Slot], header: u8, from: u8, to: u8| -> Vec<Slot> {
        slots
            .iter()
            .enumerate()
            .map(|(n, slot)| Slot {
                mark: match slot.mark {
                    _ if n == 0 => header,
                    mark if mark == from => to,
                    mark => mark,
                },
                text: slot.text.clone(),
            })
            .collect()
    };
    let mut swapped = relabel(&p[at.min(p.len())..], b'*', b'+', b'-');
    swapped.extend(blank);
    swapped.extend(relabel(
        &p[..(ptrn_lines + 1).min(p.len())],
        b'=',
        b'-',
        b'+',
    ));
    swapped
}

/// The two sides as one sequence, walked as GNU patch's `apply_hunk`
/// walks them: removals first, then additions, `!` runs as removals
/// followed by additions, unchanged lines in step. Old lines left when the
/// new side runs out stay as context; new context lines left when the old
/// side runs out are dropped, as GNU patch drops them. Errors give the two
/// lines that disagree (1-based within the hunk).
pub(super) fn merge(p: &[Slot], ptrn_lines: usize) -> Result<HunkLines, (usize, usize)> {
    let mark = |i: usize| p.get(i).map_or(b'^', |s| s.mark);
    let pat_end = p.len() - 1;
    let mut out = Vec::with_capacity(p.len());
    let mut old = 1;
    let mut new = ptrn_lines + 1;
    while matches!(mark(new), b'=' | b'\n') {
        new += 1;
    }
    while old <= ptrn_lines {
        if mark(old) == b'-' {
            out.push((Kind::Delete, p[old].text.clone()));
            old += 1;
        } else if new > pat_end {
            break;
        } else if mark(new) == b'+' {
            out.push((Kind::Insert, p[new].text.clone()));
            new += 1;
        } else if mark(new) != mark(old) {
            return Err((old, new));
        } else if mark(new) == b'!' {
            while mark(old) == b'!' && old <= ptrn_lines {
                out.push((Kind::Delete, p[old].text.clone()));
                old += 1;
            }
            while mark(new) == b'!' {
                out.push((Kind::Insert, p[new].text.clone()));
                new += 1;
            }
        } else {
            out.push((Kind::Context, p[old].text.clone()));
            old += 1;
            new += 1;
        }
    }
    while old <= ptrn_lines {
        out.push((Kind::Context, p[old].text.clone()));
        old += 1;
    }
    while new <= pat_end && mark(new) == b'+' {
        out.push((Kind::Insert, p[new].text.clone()));
        new += 1;
    }
    Ok(out)
}
