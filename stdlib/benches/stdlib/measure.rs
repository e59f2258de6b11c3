//! Timing and peak memory: phaser's calls run in a child process (this
//! bench binary re-executed with [`CHILD_FLAG`]), so each call's peak RSS
//! is its own (`VmHWM`, reported by the child); reference tools run as
//! forked children and their peak RSS is read with `wait4`.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use phaser_stdlib::{registry, Context, Error, Roots};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The first argument that makes this binary run one call and exit.
pub const CHILD_FLAG: &str = "--phaser-bench-child";

/// One way of passing a function its arguments, as a binding would.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shape {
    pub positional: Vec<Value>,
    pub named: Map<String, Value>,
}

impl Shape {
    /// Positional arguments only.
    pub fn positional(values: Vec<Value>) -> Shape {
        Shape {
            positional: values,
            named: Map::new(),
        }
    }

    /// Positional arguments plus named ones (`named` must be an object).
    pub fn with_named(values: Vec<Value>, named: Value) -> Shape {
        Shape {
            positional: values,
            named: match named {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        }
    }
}

/// What the child is asked to do: call `function` in `cwd` (also the only
/// write root) with `env`, trying `shapes` in order until one's arguments
/// are accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub function: String,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    pub shapes: Vec<Shape>,
}

/// What the child answers on standard output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// Milliseconds the accepted call took inside the child.
    pub ms: f64,
    /// Its result.
    pub result: Value,
    /// Why no call succeeded, if none did.
    pub error: Option<String>,
    /// The child's own peak RSS (`VmHWM`), in KiB.
    pub vm_hwm_kib: Option<i64>,
}

/// A measured run: wall or in-call time, and the process's peak RSS.
#[derive(Debug, Clone)]
pub struct Run {
    pub ms: f64,
    pub max_rss_kib: i64,
}

/// The child's side: runs the call described by `spec` and prints an [`Answer`].
pub fn child_main(spec: &str) {
    let call: Call = serde_json::from_str(spec).expect("bench child: bad call description");
    let cx = Context::new(&call.cwd)
        .with_roots(Roots::Only(vec![call.cwd.clone()]))
        .with_env(call.env.clone());
    let mut answer = Answer {
        ms: 0.0,
        result: Value::Null,
        error: Some(String::from("no argument shape given")),
        vm_hwm_kib: None,
    };
    for shape in &call.shapes {
        let function = match registry().get(&call.function) {
            Ok(f) => f,
            Err(e) => {
                answer.error = Some(e.to_string());
                break;
            }
        };
        let args = match function.arguments(shape.positional.clone(), shape.named.clone()) {
            Ok(args) => args,
            Err(e) => {
                answer.error = Some(e.to_string());
                continue;
            }
        };
        let start = Instant::now();
        let outcome = function.call(&cx, args);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok(result) => {
                answer = Answer {
                    ms,
                    result,
                    error: None,
                    vm_hwm_kib: None,
                };
                break;
            }
            // The shape did not fit this function's signature: try the next.
            Err(e @ Error::Arguments { .. }) => answer.error = Some(e.to_string()),
            Err(e) => {
                answer.error = Some(e.to_string());
                break;
            }
        }
    }
    answer.vm_hwm_kib = peak_rss_kib();
    println!("{}", serde_json::to_string(&answer).unwrap());
}

/// This process's peak resident set since its `exec` (`VmHWM`), which,
/// unlike `ru_maxrss`, does not inherit the parent's memory.
fn peak_rss_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether the registry of this build has `function`.
pub fn available(function: &str) -> bool {
    !matches!(registry().get(function), Err(Error::UnknownFunction(_)))
}

/// Runs `call` in a child process: the answer and its peak RSS.
pub fn phaser(call: &Call) -> (Answer, Run) {
    let exe = std::env::current_exe().expect("the bench binary's own path");
    let spec = serde_json::to_string(call).unwrap();
    let mut command = Command::new(exe);
    command
        .arg(CHILD_FLAG)
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("PHASER_BENCH_CHILD_STDERR").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    let (stdout, run) = spawn_measured(&mut command);
    let answer: Answer = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| Answer {
        ms: run.ms,
        result: Value::Null,
        error: Some(format!("the bench child died ({e}): {stdout}")),
        vm_hwm_kib: None,
    });
    let run = Run {
        ms: answer.ms,
        max_rss_kib: answer.vm_hwm_kib.unwrap_or(run.max_rss_kib),
    };
    (answer, run)
}

/// Runs a bash script (the reference tool) with arguments in `cwd`:
/// wall time and peak RSS. Panics when it fails, since the comparison
/// would be meaningless.
pub fn reference(script: &str, args: &[&Path], cwd: &Path) -> Run {
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(script)
        .arg("reference")
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let (_, run) = spawn_measured(&mut command);
    run
}

/// Spawns `command`, collects its standard output, and waits for it with
/// `wait4` to read the child's own resource usage.
fn spawn_measured(command: &mut Command) -> (String, Run) {
    // SAFETY: the hook does nothing; it only makes std fork instead of
    // vfork. A vfork child's `exec` records the parent's peak RSS as the
    // child's, which would make every measurement include the bench's
    // own biggest moment; a forked child starts from the parent's current
    // (small) RSS.
    unsafe {
        command.pre_exec(|| Ok(()));
    }
    let start = Instant::now();
    // Reaped by wait4 below, which std's `wait` cannot replace (no rusage).
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().expect("starting a bench process");
    let stderr_reader = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        })
    });
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    let stderr = stderr_reader
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet waited for; status and
    // usage are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    assert!(pid > 0, "wait4 failed: {}", std::io::Error::last_os_error());
    let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(
        exited_ok,
        "bench process failed (status {status}): {stderr}"
    );
    (
        stdout,
        Run {
            ms,
            max_rss_kib: usage.ru_maxrss,
        },
    )
}

/// The median of some measurements.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
