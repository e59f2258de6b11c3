//! What phaser's compiler wrapper adds to every compiler call.
//!
//! `cargo bench -p phaser --bench cc_wrapper` prints one table: the median
//! wall time of 1,000 calls of `cc -c small.c` with gcc called directly,
//! through phaser's wrapper (the release binary as `cc` in a directory
//! first on PATH, with a build's NIX_CFLAGS_COMPILE), and with gcc given
//! the wrapper's flags directly; the difference is the wrapper's cost.
//! Because gcc's own time wanders by more than that on a busy machine, the
//! wrapper is also timed around a tool that does nothing (`true` as
//! `cc`), and beside a bash script that only execs gcc: the floor of any
//! wrapper written in bash, as nixpkgs' cc-wrapper is.
//!
//! Run by `cargo test --benches`, every case runs once and no table is
//! printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod measure;
use measure::{measure, ms, phaser_exe, smoke_test, Stats};

const CALLS: usize = 1000;

/// A build-like directory: `small.c`, the wrappers (`bin/cc` -> phaser),
/// a tool that does nothing as `noop/cc`, a bash wrapper, and a fake
/// dependency whose include directory the flags name.
struct Setup {
    dir: tempfile::TempDir,
}

/// One phaser binary as the wrapper: its directory (`NAME/cc`) and the
/// environment a build's phases give it.
struct Wrapper {
    what: &'static str,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(
            d.join("small.c"),
            "static int twice(int x) { return 2 * x; }\nint answer(void) { return twice(21); }\n",
        )
        .unwrap();
        std::fs::create_dir_all(d.join("dep/include")).unwrap();
        std::fs::create_dir_all(d.join("noop")).unwrap();
        std::os::unix::fs::symlink(which("true"), d.join("noop/cc")).unwrap();
        write_executable(
            &d.join("bash-wrapper/cc"),
            &format!("#!/bin/bash\nexec {} \"$@\"\n", which("cc").display()),
        );
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `phaser` installed as the wrappers of directory `name`, with the
    /// environment a build gives them; `real` is where the real `cc` is
    /// looked up after them.
    fn wrapper(&self, what: &'static str, name: &str, phaser: &Path, real: &str) -> Wrapper {
        let d = self.dir.path();
        let dir = d.join(name);
        phaser::wrapper::install(&dir, phaser).expect("installing the wrappers");
        let env = vec![
            ("PATH".into(), format!("{}:{real}", dir.display())),
            ("PHASER_WRAPPER_DIR".into(), dir.display().to_string()),
            ("NIX_BUILD_TOP".into(), d.display().to_string()),
            (
                "NIX_CFLAGS_COMPILE".into(),
                format!(
                    " -frandom-seed=0123456789 -isystem {}/dep/include",
                    d.display()
                ),
            ),
            (
                "NIX_LDFLAGS".into(),
                format!("-rpath {}/out/lib  -L{}/dep/lib", d.display(), d.display()),
            ),
        ];
        Wrapper { what, dir, env }
    }

    /// The flags the wrapper adds to a compile, for gcc called directly.
    fn wrapper_flags(&self) -> Vec<String> {
        let d = self.dir.path().display();
        vec![
            "-frandom-seed=0123456789".into(),
            "-isystem".into(),
            format!("{d}/dep/include"),
            format!("-ffile-prefix-map={d}=/build"),
        ]
    }

    /// Times `program -c small.c -o small.o extra...` in the directory,
    /// with `env` added to the environment.
    fn time(&self, program: &Path, extra: &[String], env: &[(String, String)]) -> Stats {
        measure(20, CALLS, || {
            let status = Command::new(program)
                .args(["-c", "small.c", "-o", "small.o"])
                .args(extra)
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .current_dir(self.dir.path())
                .stdout(Stdio::null())
                .status()
                .expect("spawning the compiler");
            assert!(status.success(), "{} failed", program.display());
        })
    }
}

fn which(tool: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{tool} is not on PATH"))
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The static phaser bootstrap/build-static-phaser makes (what Nix runs as
/// the builder), when it has been built.
fn static_phaser() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Some(target.join("x86_64-unknown-linux-gnu/release/phaser")).filter(|p| p.is_file())
}

fn main() {
    let setup = Setup::new();
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    let noop = setup.path("noop").display().to_string();
    let mut binaries = vec![("the release phaser (dynamic)", phaser_exe())];
    if let Some(path) = static_phaser() {
        binaries.push(("the static phaser (Nix's builder)", path));
    }
    let gcc = which("cc");
    let mut rows: Vec<(String, Stats)> = vec![
        (
            "cc -c small.c, gcc directly".into(),
            setup.time(&gcc, &[], &[]),
        ),
        (
            "cc -c small.c, gcc directly with the wrapper's flags".into(),
            setup.time(&gcc, &setup.wrapper_flags(), &[]),
        ),
        (
            "cc -c small.c through a bash script that only execs gcc".into(),
            setup.time(&setup.path("bash-wrapper/cc"), &[], &[]),
        ),
        (
            "a tool that does nothing (true as cc), directly".into(),
            setup.time(&setup.path("noop/cc"), &[], &[]),
        ),
    ];
    let mut summary = Vec::new();
    for (i, (what, phaser)) in binaries.iter().enumerate() {
        let compiler = setup.wrapper(what, &format!("bin{i}"), phaser, &path);
        let nothing = setup.wrapper(what, &format!("noop-bin{i}"), phaser, &noop);
        let wrapped = setup.time(&compiler.dir.join("cc"), &[], &compiler.env);
        let around_nothing = setup.time(&nothing.dir.join("cc"), &[], &nothing.env);
        summary.push((
            compiler.what,
            ms(wrapped.median) - ms(rows[1].1.median),
            ms(around_nothing.median) - ms(rows[3].1.median),
            ms(around_nothing.cpu) - ms(rows[3].1.cpu),
        ));
        rows.push((format!("cc -c small.c through {what}"), wrapped));
        rows.push((format!("true as cc, through {what}"), around_nothing));
    }
    if smoke_test() {
        println!("cc_wrapper: every case ran once (smoke test); `cargo bench -p phaser --bench cc_wrapper` prints the table");
        return;
    }
    println!();
    println!("phaser compiler wrapper benchmark ({CALLS} calls each; times in ms)");
    println!("median, p90: wall time per call; cpu/call: user+system of the process tree, mean");
    println!();
    let width = rows.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    println!(
        "{:<width$}  {:>8}  {:>8}  {:>8}  {:>5}",
        "what", "median", "p90", "cpu/call", "calls"
    );
    println!("{}", "-".repeat(width + 39));
    for (what, stats) in &rows {
        println!(
            "{what:<width$}  {:>8.3}  {:>8.3}  {:>8.3}  {:>5}",
            ms(stats.median),
            ms(stats.p90),
            ms(stats.cpu),
            stats.runs
        );
    }
    println!();
    println!("added per compiler call (target <= 1 ms):");
    for (what, on_gcc, wall, cpu) in summary {
        let verdict = if wall <= 1.0 { "ok" } else { "MISSED" };
        println!(
            "  {what}: {wall:.3} ms wall ({cpu:.3} ms cpu) around a tool that does nothing {verdict}; \
             {on_gcc:+.3} ms on `cc -c` against gcc with the same flags"
        );
    }
    println!(
        "  for scale: a bash script that only execs gcc adds {:+.3} ms",
        ms(rows[2].1.median) - ms(rows[0].1.median)
    );
}
