//! A seeded random mix of GNU patch's options, diff formats (unified, git,
//! context, CRLF, mangled) and trees (moved lines, changed blanks, patches
//! applied already), applied by our `patch` with `flags` and by GNU patch
//! run as stdenv runs it: the same result, or both refuse.

mod patch_support;

use patch_support::{compare, make_patch, Rng, Spec, Tally, START};

/// `patch` in CRLF.
fn to_crlf(patch: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(patch)
        .replace('\n', "\r\n")
        .into_bytes()
}

/// A `diff -ruN` patch in git's format: `diff --git` lines, new and
/// deleted file modes, `/dev/null`, no dates.
fn to_git(patch: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(patch);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let header = |line: &str| {
            line.split('\t')
                .next()
                .unwrap_or(line)
                .trim_end()
                .to_string()
        };
        let epoch = |line: &str| line.contains("\t1970-01-01");
        if let (Some(names), Some(old), Some(new)) = (
            line.strip_prefix("diff -ruN "),
            lines.get(i + 1).filter(|l| l.starts_with("--- ")),
            lines.get(i + 2).filter(|l| l.starts_with("+++ ")),
        ) {
            out.push_str(&format!("diff --git {names}"));
            match (epoch(old), epoch(new)) {
                (true, _) => out.push_str("new file mode 100644\n--- /dev/null\n"),
                (_, true) => out.push_str("deleted file mode 100644\n"),
                _ => {}
            }
            if !epoch(old) {
                out.push_str(&format!("{}\n", header(old)));
            }
            match epoch(new) {
                true => out.push_str("+++ /dev/null\n"),
                false => out.push_str(&format!("{}\n", header(new))),
            }
            i += 3;
        } else {
            out.push_str(line);
            i += 1;
        }
    }
    out.into_bytes()
}

/// Header names with one more leading component (`x/a/f` for `a/f`).
fn deeper(patch: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(patch);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let header = ["--- ", "+++ ", "*** "].iter().find(|p| {
            line.starts_with(*p) && (line[4..].starts_with("a/") || line[4..].starts_with("b/"))
        });
        match header {
            Some(prefix) => out.push_str(&format!("{prefix}x/{}", &line[4..])),
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

#[test]
fn random_options_apply_like_gnu_patch() {
    let mut rng = Rng(patch_support::seed(0x000f_1a95));
    let work = tempfile::tempdir().unwrap();
    let mut tally = Tally::default();
    for case in 0..patch_support::cases(200) {
        let crlf_files = rng.chance(10);
        let eol = |text: Vec<String>| -> Vec<u8> {
            let text = text.concat();
            match crlf_files {
                true => text.replace('\n', "\r\n").into_bytes(),
                false => text.into_bytes(),
            }
        };
        let flat = rng.chance(50);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut sides = Vec::new();
        for number in 0..1 + rng.below(3) {
            let name = match flat || rng.chance(50) {
                true => format!("f{number}"),
                false => format!("sub/f{number}"),
            };
            let length = 3 + rng.below(25);
            let old = rng.lines(length);
            let edits = 1 + rng.below(4);
            let new = rng.edit(&old, edits);
            let kind = rng.below(16);
            let (has_old, has_new) = (kind != 0, kind != 1);
            let new = if kind == 2 { Vec::new() } else { new };
            if has_old {
                a.push(Spec::new(&name, eol(old.clone())));
            }
            if has_new {
                b.push(Spec::new(&name, eol(new.clone())));
            }
            sides.push((name, old, new, has_old, has_new));
        }
        let format = ["-ruN", "-rcN", "-rNU1", "-rNU0", "-rNC1"][rng.below(5)];
        let mut patch = make_patch(work.path(), &a, &b, &[format]);
        if patch.is_empty() {
            continue;
        }
        if format == "-ruN" && rng.chance(30) {
            patch = to_git(&patch);
        }
        let mut options: Vec<String> = Vec::new();
        // -p0 keeps `a/f0`; -p2 strips `x/a/`; no -p (flat trees) keeps
        // base names.
        let levels = match rng.below(8) {
            0 => Some(0),
            1 => Some(2),
            2 if flat => None,
            _ => Some(1),
        };
        if levels == Some(2) {
            patch = deeper(&patch);
        }
        match levels {
            None => {}
            Some(n) if rng.chance(20) => options.push(format!("--strip={n}")),
            Some(n) => options.push(format!("-p{n}")),
        }
        let prefix = if levels == Some(0) { "a/" } else { "" };
        let reverse = rng.chance(15);
        let applied_already = rng.chance(12);
        let mut tree = Vec::new();
        for (name, old, new, has_old, has_new) in &sides {
            let (base, exists) = match reverse != applied_already {
                true => (new, *has_new),
                false => (old, *has_old),
            };
            if !exists {
                continue;
            }
            let edits = if rng.chance(40) { rng.below(3) } else { 0 };
            let mut lines = rng.edit(base, edits);
            if rng.chance(20) {
                let count = 1 + rng.below(3);
                lines = rng.respace(&lines, count);
            }
            let mut spec = Spec::new(&format!("{prefix}{name}"), eol(lines));
            if rng.chance(20) {
                spec.time = (START.0 + 3600, 0);
            }
            tree.push(spec);
        }
        if reverse {
            options.push(["-R", "--reverse"][rng.below(2)].into());
        }
        for (option, percent) in [
            ("-N", 10),
            ("-t", 10),
            ("-f", 8),
            ("-l", 15),
            ("-E", 15),
            ("--binary", 10),
            ("-s", 20),
            ("-u", 5),
            ("-c", 5),
        ] {
            if rng.chance(percent) {
                options.push(option.into());
            }
        }
        if rng.chance(50) {
            options.push(format!("-F{}", rng.below(4)));
        }
        match rng.below(10) {
            0 => options.push("-Z".into()),
            1 => options.push("-T".into()),
            _ => {}
        }
        match rng.below(8) {
            0 => options.push("--no-backup-if-mismatch".into()),
            1 => options.push("-b".into()),
            2 => options.extend(["-z".to_string(), ".old".to_string()]),
            3 => options.extend(["-V".to_string(), "numbered".to_string()]),
            _ => {}
        }
        if rng.chance(10) {
            patch = to_crlf(&patch);
        }
        if rng.chance(10) {
            patch = rng.mangle(&patch);
        }
        tally.add(compare(
            work.path(),
            &tree,
            &patch,
            &options,
            &format!("case {case}"),
        ));
    }
    tally.check("patches", 80, 30);
}
