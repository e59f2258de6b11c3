//! The fuzz targets, one function each, so `cargo fuzz` (nightly, with the
//! `libfuzzer` feature: see `fuzz/run`) and the ordinary test suite (stable,
//! over the committed corpora in `fuzz/corpus/`) run the same code.
//!
//! Each target feeds arbitrary bytes to one of phaser's input parsers and
//! checks what must hold for any input, beyond "no panic":
//!
//! - [`plan`]: a plan that loads resolves, its phases have unique names,
//!   and the check before a run agrees on the order;
//! - [`merge_patch`]: applying a JSON Merge Patch twice is applying it once;
//! - [`archive`]: unpacking writes nothing outside the destination;
//! - [`patch`]: a patch that fails changes nothing;
//! - [`bash_answer`]: the driver's variable dump and `$PHASER_OUTPUT` parse
//!   or give an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use phaser_interpreters::{Paths, PhaseInfo, PhaseInput};
use phaser_stdlib::{registry, Context, Roots};
use serde_json::{json, Value};

/// A fuzz target: any bytes in, a panic for a bug.
pub type Target = fn(&[u8]);

/// The targets by name, for the corpus tests and `fuzz/run`.
pub const TARGETS: [(&str, Target); 5] = [
    ("plan", plan),
    ("merge_patch", merge_patch),
    ("archive", archive),
    ("patch", patch),
    ("bash_answer", bash_answer),
];

/// A plan as JSON: loading, resolving its order, and the check before a
/// run (bodies compiled, `bash -n`, input files).
pub fn plan(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(plan) = phaser::Plan::from_value(value, Path::new("/nonexistent"), "fuzz.json") else {
        return;
    };
    let phases = phaser::resolve_order(&plan).expect("a plan that loads resolves");
    if let Ok(checked) = phaser::check(&plan) {
        assert_eq!(
            checked.len(),
            phases.len(),
            "the check resolved another order"
        );
    }
    let mut names: Vec<&str> = phases.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a phase appears twice in the order");
}

/// Two JSON values, target then patch.
pub fn merge_patch(data: &[u8]) {
    let mut values = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let (Some(Ok(mut target)), Some(Ok(patch))) = (values.next(), values.next()) else {
        return;
    };
    phaser::merge_patch(&mut target, &patch);
    let once = target.clone();
    phaser::merge_patch(&mut target, &patch);
    assert_eq!(target, once, "applying the patch again changed the result");
}

/// Archive bytes (any format: detection is by content) unpacked into
/// `box/dest`, with `dest` the only write root.
pub fn archive(data: &[u8]) {
    let dir = scratch();
    let file = dir.path().join("input");
    std::fs::write(&file, data).expect("writing the input");
    let sandbox = dir.path().join("box");
    std::fs::create_dir(&sandbox).expect("creating box/");
    let dest = sandbox.join("dest");
    let cx = Context::new(&sandbox).with_roots(Roots::Only(vec![dest.clone()]));
    let _ = registry().call(&cx, "unpack", json!({"src": file, "dest": dest}));
    assert_eq!(
        entries(&sandbox),
        entries_if(&dest, ["dest"]),
        "unpacking wrote outside its destination"
    );
    assert_eq!(entries(dir.path()), ["box", "input"]);
}

/// File content, a NUL byte, then a patch for `f.txt` applied in its
/// directory.
pub fn patch(data: &[u8]) {
    let (content, patch) = match data.iter().position(|b| *b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (&b"one\ntwo\nthree\n"[..], data),
    };
    let dir = scratch();
    let tree = dir.path().join("src");
    std::fs::create_dir(&tree).expect("creating src/");
    std::fs::write(tree.join("f.txt"), content).expect("writing f.txt");
    let patch_file = dir.path().join("fix.patch");
    std::fs::write(&patch_file, patch).expect("writing the patch");
    let before = snapshot(&tree);
    let cx = Context::new(&tree).with_roots(Roots::Only(vec![tree.clone()]));
    let result = registry().call(&cx, "patch", json!({"patch": patch_file, "dir": tree}));
    if result.is_err() {
        assert!(snapshot(&tree) == before, "a failed patch changed the tree");
    }
    assert_eq!(entries(dir.path()), ["fix.patch", "src"]);
}

/// One byte `n`, then `n` bytes of `$PHASER_OUTPUT` (none when `n` is 0),
/// then the driver's NUL-separated variable dump.
pub fn bash_answer(data: &[u8]) {
    let Some((n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(*n).min(rest.len());
    let explicit = (n > 0).then(|| &rest[..n]);
    let _ = phaser_interpreters::answer_from_dump(&sample_input(), &rest[n..], explicit);
}

/// What a bash phase of a typical package sees.
fn sample_input() -> PhaseInput {
    let attrs = json!({
        "name": "x-1.0",
        "configureFlags": ["--enable-a", "--with-b=c"],
        "doCheck": true,
        "enableParallelBuilding": 1,
        "sourceRoot": "x-1.0",
        "env": {"CFLAGS": "-O2"}
    });
    let env: BTreeMap<String, String> = [("PATH", "/usr/bin:/bin"), ("HOME", "/homeless-shelter")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    PhaseInput {
        phase: PhaseInfo {
            name: "build".into(),
            index: 3,
            hook: None,
        },
        attrs: attrs.as_object().cloned().unwrap_or_default(),
        outputs: BTreeMap::from([("out".to_string(), "/out".to_string())]),
        state: serde_json::Map::new(),
        env,
        paths: Paths {
            build_top: PathBuf::from("/build"),
            source_root: None,
            cwd: PathBuf::from("/build"),
        },
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("creating a scratch directory")
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `names` when `path` exists, else nothing.
fn entries_if<const N: usize>(path: &Path, names: [&str; N]) -> Vec<String> {
    if path.symlink_metadata().is_ok() {
        names.iter().map(|n| n.to_string()).collect()
    } else {
        Vec::new()
    }
}

/// Every entry under `root`: path, kind, mode, contents (link target).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut all = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(list) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in list.flatten() {
            let path = entry.path();
            let Ok(meta) = path.symlink_metadata() else {
                continue;
            };
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .map(|t| t.as_os_str().as_bytes().to_vec())
                    .unwrap_or_default()
            } else if meta.is_file() {
                std::fs::read(&path).unwrap_or_default()
            } else {
                stack.push(path.clone());
                Vec::new()
            };
            all.insert(path, (meta.mode(), content));
        }
    }
    all
}
