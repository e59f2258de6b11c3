//! Comparing what two builds made: every output's file list, contents,
//! modes and symlink targets, with each build's own paths (outputs, build
//! directory) replaced by placeholders so the two can be equal.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One build's outputs and the paths in them that differ between builds.
#[derive(Debug, Clone)]
pub struct Side<'a> {
    /// Output name to directory.
    pub outputs: &'a BTreeMap<String, String>,
    /// Other paths of this build to normalize (the build directory).
    pub paths: Vec<String>,
}

impl Side<'_> {
    /// Every path this build's files may mention, longest first, with its placeholder.
    fn replacements(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut list: Vec<(Vec<u8>, Vec<u8>)> = self
            .outputs
            .iter()
            .map(|(name, path)| (path.as_bytes().to_vec(), format!("<{name}>").into_bytes()))
            .chain(
                self.paths
                    .iter()
                    .map(|p| (p.as_bytes().to_vec(), b"<build>".to_vec())),
            )
            .collect();
        list.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        list
    }
}

#[derive(Debug, PartialEq)]
enum Entry {
    Dir(u32),
    File(u32, Vec<u8>),
    Symlink(Vec<u8>),
    Other,
}

/// The first difference between the outputs of two builds, or `None` when
/// they are the same.
pub fn first_difference(a: &Side<'_>, b: &Side<'_>) -> Option<String> {
    let names: Vec<&String> = a.outputs.keys().collect();
    if names != b.outputs.keys().collect::<Vec<_>>() {
        return Some(format!(
            "the outputs differ: {:?} and {:?}",
            a.outputs.keys().collect::<Vec<_>>(),
            b.outputs.keys().collect::<Vec<_>>()
        ));
    }
    let (ra, rb) = (a.replacements(), b.replacements());
    for name in names {
        let ta = match tree(Path::new(&a.outputs[name]), &ra) {
            Ok(t) => t,
            Err(e) => return Some(format!("output {name} of the first build: {e}")),
        };
        let tb = match tree(Path::new(&b.outputs[name]), &rb) {
            Ok(t) => t,
            Err(e) => return Some(format!("output {name} of the second build: {e}")),
        };
        for path in ta.keys().chain(tb.keys()) {
            let (ea, eb) = (ta.get(path), tb.get(path));
            if ea == eb {
                continue;
            }
            let shown = if path.is_empty() {
                String::from(".")
            } else {
                path.clone()
            };
            return Some(match (ea, eb) {
                (Some(_), None) => format!("{name}/{shown}: only the first build has it"),
                (None, Some(_)) => format!("{name}/{shown}: only the second build has it"),
                (Some(x), Some(y)) => format!("{name}/{shown}: {}", describe(x, y)),
                (None, None) => unreachable!("one side has the path"),
            });
        }
    }
    None
}

fn describe(a: &Entry, b: &Entry) -> String {
    match (a, b) {
        (Entry::File(ma, ca), Entry::File(mb, cb)) if ma != mb && ca == cb => {
            format!("mode {ma:o} against {mb:o}")
        }
        (Entry::File(..), Entry::File(_, _)) => {
            let (Entry::File(_, ca), Entry::File(_, cb)) = (a, b) else {
                unreachable!()
            };
            let at = ca
                .iter()
                .zip(cb.iter())
                .position(|(x, y)| x != y)
                .unwrap_or(ca.len().min(cb.len()));
            let line = ca[..at].iter().filter(|c| **c == b'\n').count() + 1;
            let show = |c: &[u8]| {
                let end = c[at..]
                    .iter()
                    .position(|x| *x == b'\n')
                    .map_or(c.len(), |p| at + p);
                let start = c[..at]
                    .iter()
                    .rposition(|x| *x == b'\n')
                    .map_or(0, |p| p + 1);
                String::from_utf8_lossy(&c[start..end]).into_owned()
            };
            format!(
                "contents differ at line {line}: {:?} against {:?}",
                show(ca),
                show(cb)
            )
        }
        (Entry::Dir(ma), Entry::Dir(mb)) => format!("directory mode {ma:o} against {mb:o}"),
        (Entry::Symlink(x), Entry::Symlink(y)) => format!(
            "symlink to {} against {}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        ),
        _ => format!("{} against {}", kind(a), kind(b)),
    }
}

fn kind(e: &Entry) -> &'static str {
    match e {
        Entry::Dir(_) => "a directory",
        Entry::File(..) => "a file",
        Entry::Symlink(_) => "a symlink",
        Entry::Other => "a special file",
    }
}

fn tree(
    root: &Path,
    replacements: &[(Vec<u8>, Vec<u8>)],
) -> Result<BTreeMap<String, Entry>, String> {
    let mut out = BTreeMap::new();
    if !root.exists() && root.symlink_metadata().is_err() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry
            .path()
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .display()
            .to_string();
        let meta = entry.path().symlink_metadata().map_err(|e| e.to_string())?;
        let mode = meta.permissions().mode() & 0o7777;
        let value = if meta.file_type().is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(|e| e.to_string())?;
            Entry::Symlink(normalize(
                target.as_os_str().as_encoded_bytes(),
                replacements,
            ))
        } else if meta.is_dir() {
            Entry::Dir(mode)
        } else if meta.is_file() {
            let bytes = std::fs::read(entry.path()).map_err(|e| format!("{rel}: {e}"))?;
            Entry::File(mode, normalize(&bytes, replacements))
        } else {
            Entry::Other
        };
        out.insert(rel, value);
    }
    Ok(out)
}

/// `bytes` with every occurrence of a replacement's path replaced by its placeholder.
fn normalize(bytes: &[u8], replacements: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (from, to) in replacements {
        if from.is_empty() {
            continue;
        }
        let mut result = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(from) {
                result.extend_from_slice(to);
                i += from.len();
            } else {
                result.push(out[i]);
                i += 1;
            }
        }
        out = result;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Two builds: each an output `out` under its own directory.
    fn builds() -> (
        tempfile::TempDir,
        BTreeMap<String, String>,
        BTreeMap<String, String>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        for (side, map) in [("a-build", &mut a), ("bb-build", &mut b)] {
            let out = dir.path().join(side).join("out");
            std::fs::create_dir_all(out.join("bin")).unwrap();
            map.insert("out".to_string(), out.display().to_string());
        }
        (dir, a, b)
    }

    fn side(outputs: &BTreeMap<String, String>) -> Side<'_> {
        Side {
            outputs,
            paths: Vec::new(),
        }
    }

    #[test]
    fn own_output_paths_compare_equal_and_the_first_difference_is_named() {
        let (_dir, a, b) = builds();
        for map in [&a, &b] {
            let out = Path::new(&map["out"]);
            std::fs::write(
                out.join("bin/tool"),
                format!("#!/bin/sh\nexec {}/libexec/x\n", map["out"]),
            )
            .unwrap();
            std::os::unix::fs::symlink(format!("{}/bin/tool", map["out"]), out.join("bin/alias"))
                .unwrap();
        }
        assert_eq!(first_difference(&side(&a), &side(&b)), None);

        let tool = Path::new(&b["out"]).join("bin/tool");
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let diff = first_difference(&side(&a), &side(&b)).unwrap();
        assert!(diff.starts_with("out/bin/tool: mode "), "{diff}");

        std::fs::write(Path::new(&a["out"]).join("extra"), "x").unwrap();
        let diff = first_difference(&side(&a), &side(&b)).unwrap();
        assert_eq!(diff, "out/bin/tool: mode 644 against 755");
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o644)).unwrap();
        let diff = first_difference(&side(&a), &side(&b)).unwrap();
        assert_eq!(diff, "out/extra: only the first build has it");
    }

    #[test]
    fn contents_differences_name_the_line() {
        let (_dir, a, b) = builds();
        std::fs::write(Path::new(&a["out"]).join("f"), "same\nleft\n").unwrap();
        std::fs::write(Path::new(&b["out"]).join("f"), "same\nright\n").unwrap();
        let diff = first_difference(&side(&a), &side(&b)).unwrap();
        assert_eq!(
            diff,
            "out/f: contents differ at line 2: \"left\" against \"right\""
        );
    }
}
