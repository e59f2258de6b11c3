//! Helpers for the bootstrap tests (tests/tests/bootstrap.rs): the static
//! phaser, the seed chroot that bootstrap/make-seeds assembles, and running
//! commands inside it.
//!
//! A missing tool is a test failure that says how to get it, never a skip:
//! a bootstrap that silently did not run proves nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::workspace_root;

/// The Lua tarball the stage plans build (Debian bookworm's lua5.4 orig).
pub const LUA_TARBALL: &str = "lua5.4_5.4.4.orig.tar.gz";

/// Where the stages put their build directories and outputs in the chroot.
pub const BUILD: &str = "build";

/// The static phaser, built once per test process by
/// bootstrap/build-static-phaser (cargo's fingerprints make a rebuild cheap
/// when nothing changed).
pub fn static_phaser() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let script = workspace_root().join("bootstrap/build-static-phaser");
        let output = Command::new(&script)
            .current_dir(workspace_root())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(
            output.status.success(),
            "bootstrap/build-static-phaser failed (needs the x86_64-unknown-linux-gnu target: \
             `rustup target add x86_64-unknown-linux-gnu`):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let path = PathBuf::from(path);
        assert!(path.is_file(), "{} was not built", path.display());
        path
    })
}

/// Fails the test, saying how to fix it, unless everything the bootstrap
/// needs is here: root (for chroot), chroot, and the Debian packages whose
/// files become seeds.
pub fn require_tools() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "the bootstrap tests use chroot, which needs root: run them as root (tests/run does)"
    );
    chroot_program();
    for (file, package) in [
        ("/usr/bin/tcc", "tcc"),
        ("/bin/busybox", "busybox-static"),
        ("/usr/lib/x86_64-linux-gnu/crt1.o", "libc6-dev"),
        ("/usr/include/linux/errno.h", "linux-libc-dev"),
    ] {
        assert!(
            Path::new(file).exists(),
            "{file} is missing: run tests/run (it installs the test dependencies), or apt-get install {package}"
        );
    }
}

/// The host's `chroot` program.
pub fn chroot_program() -> PathBuf {
    ["/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("chroot is missing: apt-get install coreutils (tests/run installs it)")
}

/// The Lua tarball from the source cache (`$PHASER_SOURCE_CACHE`, else
/// `.cache/sources` in the repository), where tests/fetch-sources puts it.
pub fn lua_tarball() -> PathBuf {
    let cache = std::env::var_os("PHASER_SOURCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".cache/sources"));
    let path = cache.join(LUA_TARBALL);
    assert!(
        path.is_file(),
        "{} is missing: run tests/fetch-sources as root (or tests/run), which downloads Debian's lua5.4 sources",
        path.display()
    );
    path
}

/// A seed chroot in a fresh temporary directory, assembled by
/// bootstrap/make-seeds, with the Lua tarball when `with_sources`.
pub struct SeedChroot {
    /// The chroot's root; removed on drop.
    pub dir: tempfile::TempDir,
}

impl SeedChroot {
    /// Assembles a chroot with the static phaser and the seeds.
    pub fn new(with_sources: bool) -> SeedChroot {
        require_tools();
        let phaser = static_phaser();
        let dir = tempfile::Builder::new()
            .prefix("phaser-bootstrap-")
            .tempdir()
            .expect("creating a temporary directory");
        let mut command = Command::new(workspace_root().join("bootstrap/make-seeds"));
        command.arg(dir.path()).arg(phaser);
        if with_sources {
            command.arg(lua_tarball());
        }
        let output = command.output().expect("running bootstrap/make-seeds");
        assert!(
            output.status.success(),
            "bootstrap/make-seeds failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::create_dir_all(dir.path().join(BUILD).join("tmp")).expect("creating build/tmp");
        SeedChroot { dir }
    }

    /// The chroot's root on the host.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the chroot, seen from the host (`path` is written as
    /// inside the chroot, with or without the leading `/`).
    pub fn host_path(&self, path: &str) -> PathBuf {
        self.root().join(path.trim_start_matches('/'))
    }

    /// Runs `argv` inside the chroot with a clean environment: only
    /// `TMPDIR` (inside the build directory, since the chroot has no /tmp),
    /// a `PATH` of seed directories and `NO_COLOR`.
    pub fn run(&self, argv: &[&str]) -> Output {
        Command::new(chroot_program())
            .arg(self.root())
            .args(argv)
            .env_clear()
            .env("TMPDIR", format!("/{BUILD}/tmp"))
            .env("PATH", "/usr/bin:/bin")
            .env("NO_COLOR", "1")
            .current_dir("/")
            .output()
            .expect("running chroot")
    }

    /// `phaser run /bootstrap/STAGE.json` with its build directory and
    /// outputs under `/build/STAGE`.
    pub fn run_stage(&self, stage: &str) -> Output {
        let plan = format!("/bootstrap/{stage}.json");
        let work = format!("/{BUILD}/{stage}/work");
        let out = format!("/{BUILD}/{stage}");
        self.run(&[
            "/bin/phaser",
            "run",
            &plan,
            "--build-dir",
            &work,
            "--out-dir",
            &out,
        ])
    }

    /// The seed paths the manifest lists.
    pub fn manifest_paths(&self) -> BTreeSet<String> {
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.host_path("bootstrap/seeds.json")).expect("reading seeds.json"),
        )
        .expect("seeds.json is JSON");
        manifest["files"]
            .as_array()
            .expect("seeds.json has files")
            .iter()
            .map(|f| f["path"].as_str().expect("a seed has a path").to_string())
            .collect()
    }

    /// Every file and symlink in the chroot, relative to its root.
    pub fn file_list(&self) -> BTreeSet<String> {
        let mut files = BTreeSet::new();
        collect(self.root(), self.root(), &mut files);
        files
    }
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("reading a chroot directory") {
        let entry = entry.expect("reading a directory entry");
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            files.insert(relative.display().to_string());
        }
    }
}

/// The sha256 of a file, hex.
pub fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
