//! Helpers for phaser's end-to-end tests: find the built `phaser` binary,
//! write plans into temporary directories, run them, and read what they left.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

mod tmux;
pub use tmux::Tmux;

// The bootstrap's seed chroot and static phaser, kept in their own module.
pub mod bootstrap;
// The stdenv contract: cases whose expected results come from nixpkgs' setup.sh.
pub mod contract;

// The harness of the standard-library binding tests.
pub mod bindings;

// A Nix remote builder over ssh on loopback, with a store of its own.
pub mod remote;

/// The phases a plain build runs (installCheck and dist are gated off by
/// default), in order.
pub const RUNNING_PHASES: [&str; 7] = [
    "unpack",
    "patch",
    "configure",
    "build",
    "check",
    "install",
    "fixup",
];

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

/// A plan of `phases` (name and body, e.g. `{"rhai": "#{}"}`), in order.
pub fn plan_of(phases: &[(&str, Value)]) -> Value {
    let names: Vec<&str> = phases.iter().map(|(n, _)| *n).collect();
    let bodies: serde_json::Map<String, Value> = phases
        .iter()
        .map(|(n, b)| (n.to_string(), b.clone()))
        .collect();
    serde_json::json!({"phases": names, "phaser": {"phases": bodies}})
}

/// Waits (up to 30 s) until `path` exists.
pub fn wait_for_file(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Whether process `pid` is still running (a zombie has exited).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
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

// ---------------------------------------------------------------------------
// Nix: builds through Debian's nix-bin (configured by tests/setup-nix), each
// test in a store of its own, so runs never find each other's results.
// ---------------------------------------------------------------------------

/// A Nix store in a directory of the test's own (`--store DIR`, a "chroot
/// store": store paths read `/nix/store/...`, their files live under DIR).
/// Builds in it are real sandboxed builds; removing DIR forgets them.
pub struct NixStore {
    /// The store's root directory.
    pub root: PathBuf,
}

impl NixStore {
    /// A store under `root`, created now: two Nix processes creating the
    /// same new store at once trip over each other.
    pub fn new(root: PathBuf) -> NixStore {
        require_tool("nix-build", "nix-bin");
        let conf = std::fs::read_to_string("/etc/nix/nix.conf").unwrap_or_default();
        assert!(
            conf.contains("written by phaser's tests/setup-nix"),
            "/etc/nix/nix.conf is not set up for the tests: run tests/setup-nix as root (tests/run does)"
        );
        let store = NixStore { root };
        let output = store
            .command("nix-store")
            .arg("--init")
            .output()
            .expect("running nix-store (apt-get install nix-bin)");
        assert!(
            output.status.success(),
            "nix-store --init failed\n{}",
            describe(&output)
        );
        store
    }

    /// `program --store ROOT`, for nix-build, nix-instantiate, nix-store.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.arg("--store").arg(&self.root);
        command
    }

    /// `nix-build --no-out-link` of `args` (file, `-A`, options...); fails
    /// the test with Nix's output unless it succeeds. Returns the output
    /// and the store paths it printed.
    pub fn build(&self, args: &[&std::ffi::OsStr]) -> (Output, Vec<String>) {
        let output = self
            .command("nix-build")
            .arg("--no-out-link")
            .args(args)
            .output()
            .expect("running nix-build (apt-get install nix-bin; tests/setup-nix configures it)");
        let paths = nix_build_paths(&output);
        (output, paths)
    }

    /// The `.drv` path of attribute `attr` of the expression in `file`.
    pub fn instantiate(&self, file: &Path, attr: &str) -> String {
        let output = self
            .command("nix-instantiate")
            .arg(file)
            .arg("-A")
            .arg(attr)
            .output()
            .expect("running nix-instantiate");
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Every output path of the derivation `drv`.
    pub fn outputs(&self, drv: &str) -> Vec<String> {
        let output = self
            .command("nix-store")
            .args(["--query", "--outputs", drv])
            .output()
            .expect("running nix-store");
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Where the files of `store_path` (`/nix/store/...`) are.
    pub fn files(&self, store_path: &str) -> PathBuf {
        self.root.join(store_path.trim_start_matches('/'))
    }
}

/// The store paths a successful `nix-build` printed; fails the test with
/// its output otherwise.
pub fn nix_build_paths(output: &Output) -> Vec<String> {
    assert!(
        output.status.success(),
        "nix-build failed\n{}",
        describe(output)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with("/nix/store/"))
        .map(str::to_string)
        .collect()
}

/// The derivations `nix-build` announced it would build ("these N
/// derivations will be built:" and the indented paths after it).
pub fn derivations_to_build(nix_stderr: &str) -> Vec<String> {
    let mut lines = nix_stderr.lines();
    let mut found = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("these ") && line.contains("derivations will be built")
            || line.starts_with("this derivation will be built")
        {
            found.extend(
                lines
                    .by_ref()
                    .take_while(|l| l.starts_with("  /nix/store/"))
                    .map(|l| l.trim().to_string()),
            );
        }
    }
    found
}

/// The static phaser (bootstrap/build-static-phaser) copied into `dir`, for
/// Nix to run as the builder: it needs no library from the builder machine,
/// and Nix copies it into the store (and to remote builders) by its path.
pub fn phaser_for_nix(dir: &Path) -> PathBuf {
    let copy = dir.join("phaser");
    std::fs::copy(bootstrap::static_phaser(), &copy).expect("copying the static phaser");
    copy
}

/// [`tree`] of a store path with its own hash part replaced by a
/// placeholder of the same length (in file contents and symlink targets),
/// so outputs of different derivations compare byte for byte.
pub fn tree_with_hash_masked(
    root: &Path,
    hash: &str,
) -> std::collections::BTreeMap<String, (Vec<u8>, u32)> {
    let mask = vec![b'0'; hash.len()];
    let mut files = tree(root);
    for (content, _) in files.values_mut() {
        let mut at = 0;
        while let Some(found) = content[at..]
            .windows(hash.len())
            .position(|w| w == hash.as_bytes())
        {
            let start = at + found;
            content[start..start + hash.len()].copy_from_slice(&mask);
            at = start + hash.len();
        }
    }
    files
}

/// The 32-character hash part of a store path.
pub fn store_hash(store_path: &str) -> &str {
    let base = store_path.trim_start_matches("/nix/store/");
    &base[..32.min(base.len())]
}

/// GNU hello for `phaser split` tests under Nix: outputs `out` and `man`,
/// `doCheck`, a bash `installPhase` and a `postInstall` hook. `env` sets
/// PATH (Nix gives none) and two compiler flags that make its output
/// comparable between two derivations:
///
/// - `LDFLAGS=-Wl,--build-id=none`: the ELF build id hashes the file,
///   embedded output path included, so it differs between any two
///   derivations.
/// - `CFLAGS=-O2 -fno-builtin-memcpy`: GCC's inline `memcpy` stores a path
///   constant (gnulib's `LIBDIR` in localcharset.c) as overlapping 16-byte
///   pieces, and the last piece holds one hash character apart from the
///   rest, which no rewriting finds: without the flag, one byte of an
///   earlier phase's output hash survives in a split build's `bin/hello`.
pub fn hello_nix_plan(install_phase: &str) -> Value {
    serde_json::json!({
        "pname": "hello",
        "version": "2.10",
        "src": source("hello_2.10.orig.tar.gz"),
        "outputs": ["out", "man"],
        "doCheck": true,
        "installPhase": install_phase,
        "postInstall": "ln -s hello $out/bin/hi",
        "env": {
            "PATH": "/usr/bin:/bin",
            "LDFLAGS": "-Wl,--build-id=none",
            "CFLAGS": "-O2 -fno-builtin-memcpy"
        }
    })
}

/// `phaser split plan.json --phaser BUILDER > phases.nix` in the sandbox.
pub fn split_expression(sandbox: &Sandbox, builder: &Path) -> PathBuf {
    let output = phaser()
        .arg("split")
        .arg(sandbox.path("plan.json"))
        .arg("--phaser")
        .arg(builder)
        .output()
        .expect("running phaser split");
    assert!(output.status.success(), "{}", describe(&output));
    let file = sandbox.path("phases.nix");
    std::fs::write(&file, &output.stdout).expect("writing phases.nix");
    file
}

/// The sandbox's plan.json as one derivation (`single.nix`) with the same
/// builder, for comparing with a split build.
pub fn single_expression(sandbox: &Sandbox, builder: &Path, plan: &Value) -> PathBuf {
    let name = format!(
        "{}-{}",
        plan["pname"].as_str().unwrap_or("package"),
        plan["version"].as_str().unwrap_or("0")
    );
    let text = format!(
        "let plan = builtins.fromJSON (builtins.readFile (/. + \"{plan}\")); in\n\
         derivation (plan // {{\n  name = \"{name}\";\n  system = \"{arch}-{os}\";\n  builder = \"${{/. + \"{builder}\"}}\";\n  src = \"${{/. + \"{src}\"}}\";\n  __structuredAttrs = true;\n}})\n",
        plan = sandbox.path("plan.json").display(),
        arch = std::env::consts::ARCH,
        os = std::env::consts::OS,
        builder = builder.display(),
        src = plan["src"].as_str().expect("the plan has a src"),
    );
    let file = sandbox.path("single.nix");
    std::fs::write(&file, text).expect("writing single.nix");
    file
}

/// Asserts that two derivations' outputs (lists from [`NixStore::outputs`])
/// hold the same files, bytes and modes, each output's own hash masked.
pub fn assert_same_outputs(store: &NixStore, got: &[String], want: &[String]) {
    // `/nix/store/<32>-` is 44 bytes; the rest names the output.
    let output_name = |p: &String| p.get(44..).unwrap_or_default().to_string();
    let mut names: Vec<String> = got.iter().map(output_name).collect();
    names.sort();
    let mut expected: Vec<String> = want.iter().map(output_name).collect();
    expected.sort();
    assert_eq!(names, expected, "the derivations have different outputs");
    for path in got {
        let other = want
            .iter()
            .find(|p| output_name(p) == output_name(path))
            .unwrap();
        let mine = tree_with_hash_masked(&store.files(path), store_hash(path));
        let theirs = tree_with_hash_masked(&store.files(other), store_hash(other));
        assert_eq!(
            mine.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{path} and {other} hold different files"
        );
        for (file, content) in &theirs {
            assert!(
                mine[file] == *content,
                "{file} differs between {path} and {other}"
            );
        }
    }
}
