//! Helpers for phaser's end-to-end tests: find the built `phaser` binary,
//! write plans into temporary directories, run them, and read what they left.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

// The bootstrap's seed chroot and static phaser, kept in their own module.
pub mod bootstrap;

/// The workspace root (where `Cargo.toml` with `[workspace]` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The target directory cargo builds into.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Builds something of the workspace with the cargo that runs the tests.
pub fn cargo_build(args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .arg("build")
        .arg("--quiet")
        .args(args)
        .current_dir(workspace_root())
        .status()
        .expect("running cargo build");
    assert!(status.success(), "cargo build {args:?} failed");
}

/// The `phaser` binary, built once per test process with the same cargo
/// that runs the tests (a separate package's binary is not built for us).
pub fn phaser_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        cargo_build(&["-p", "phaser", "--bin", "phaser"]);
        let bin = target_dir().join("debug").join("phaser");
        assert!(bin.exists(), "{} was not built", bin.display());
        bin
    })
}

/// A `phaser` command with a clean colour setting.
pub fn phaser() -> Command {
    let mut command = Command::new(phaser_bin());
    command.env("NO_COLOR", "1");
    command
}

/// A plan written into a fresh directory, with its build and output dirs.
pub struct Sandbox {
    /// Holds everything; removed on drop.
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    /// A fresh sandbox.
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("creating a temporary directory"),
        }
    }

    /// A path inside the sandbox.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The build directory runs use.
    pub fn build_dir(&self) -> PathBuf {
        self.path("build")
    }

    /// Writes `plan` as `plan.json` and returns its path.
    pub fn write_plan(&self, plan: &Value) -> PathBuf {
        let path = self.path("plan.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(plan).expect("plan serializes"),
        )
        .expect("writing the plan");
        path
    }

    /// `phaser run plan.json --build-dir build --out-dir out` plus `extra` arguments.
    pub fn run(&self, plan: &Value, extra: &[&str]) -> Output {
        let path = self.write_plan(plan);
        let mut command = self.run_command(&path);
        command.args(extra);
        command.output().expect("running phaser")
    }

    /// The command `run` uses, for tests that need to control the process.
    pub fn run_command(&self, plan: &Path) -> Command {
        let mut command = phaser();
        command
            .arg("run")
            .arg(plan)
            .arg("--build-dir")
            .arg(self.build_dir())
            .arg("--out-dir")
            .arg(self.path("out"));
        command
    }

    /// The state file the last run left, parsed.
    pub fn state(&self) -> Value {
        let bytes =
            std::fs::read(self.build_dir().join(".phaser/state.json")).expect("reading state.json");
        serde_json::from_slice(&bytes).expect("state.json is valid JSON")
    }
}

/// stdout and stderr of a run, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The stderr of a run as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A file from the Debian source cache (`PHASER_SOURCE_CACHE`, else
/// `.cache/sources`), or a failure that says how to fetch it.
pub fn source(file: &str) -> PathBuf {
    let cache = std::env::var_os("PHASER_SOURCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".cache/sources"));
    let path = cache.join(file);
    assert!(
        path.exists(),
        "{} is missing: run tests/fetch-sources (as root; tests/run does it) to download the Debian sources the tests use",
        path.display()
    );
    path
}

/// Fails with how to install `tool` when it is not on PATH.
pub fn require_tool(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not on PATH: install it with `apt-get install {package}` (tests/run does it)"
    );
}

/// Every file under `root` (relative path -> contents and mode), symlinks
/// as their target, for comparing two output trees.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("reading a directory of the tree") {
            let path = entry.expect("a directory entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(rel, (target.display().to_string().into_bytes(), 0o120000));
            } else if meta.is_dir() {
                files.insert(rel, (Vec::new(), meta.permissions().mode()));
                stack.push(path);
            } else {
                files.insert(
                    rel,
                    (std::fs::read(&path).unwrap(), meta.permissions().mode()),
                );
            }
        }
    }
    files
}
