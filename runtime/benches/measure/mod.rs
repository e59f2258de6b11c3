//! What the benches share: timing many runs into median, 90th percentile
//! and CPU time, the smoke-test switch, and the release `phaser` binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Median and 90th percentile of a set of wall times, and the CPU time
/// (user + system, this process and its children) per run, on average.
pub struct Stats {
    /// Median wall time.
    pub median: Duration,
    /// 90th percentile wall time.
    pub p90: Duration,
    /// CPU time per run.
    pub cpu: Duration,
    /// How many runs were timed.
    pub runs: usize,
}

impl Stats {
    pub fn of(mut samples: Vec<Duration>, cpu: Duration) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Stats {
            median: at(0.5),
            p90: at(0.9),
            cpu: cpu / samples.len() as u32,
            runs: samples.len(),
        }
    }
}

/// CPU time used so far by this process and its waited-for children. On a
/// busy machine wall times wander; this tells work from waiting.
pub fn cpu_time() -> Duration {
    let used = |who| {
        // SAFETY: getrusage fills the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut usage) };
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        tv(usage.ru_utime) + tv(usage.ru_stime)
    };
    used(libc::RUSAGE_SELF) + used(libc::RUSAGE_CHILDREN)
}

/// Runs `f` `warmup` times untimed, then `runs` times timed one by one
/// (once, untimed, in a smoke test).
pub fn measure(warmup: usize, runs: usize, mut f: impl FnMut()) -> Stats {
    let (warmup, runs) = if smoke_test() { (0, 1) } else { (warmup, runs) };
    for _ in 0..warmup {
        f();
    }
    let cpu_before = cpu_time();
    let samples = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    Stats::of(samples, cpu_time() - cpu_before)
}

/// Run as a test (`cargo test --benches`) rather than by `cargo bench`.
pub fn smoke_test() -> bool {
    !std::env::args().any(|arg| arg == "--bench")
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `phaser` release binary beside this bench (`target/release/deps/<bench>-*`
/// is the bench). Cargo builds it before running a bench; should it
/// be missing all the same, it is built here.
pub fn phaser_exe() -> PathBuf {
    let me = std::env::current_exe().expect("the bench knows its own path");
    let release = me
        .parent()
        .and_then(Path::parent)
        .expect("the bench lives in target/<profile>/deps");
    let exe = release.join("phaser");
    if !exe.is_file() {
        if let Some(built) = option_env!("CARGO_BIN_EXE_phaser").map(PathBuf::from) {
            if built.is_file() {
                return built;
            }
        }
        eprintln!("building {} ...", exe.display());
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "-p", "phaser", "--bin", "phaser"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("running cargo build");
        assert!(status.success(), "cargo build --release failed");
    }
    exe
}
