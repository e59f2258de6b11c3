//! Running one program over many files, several files per invocation and
//! several invocations at once, and finding out which files it failed on.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use rayon::prelude::*;

use crate::{Context, Error, Result};

/// Most files handed to one invocation: enough to amortize the process
/// start, few enough that the batches spread over the cores.
const MAX_BATCH: usize = 64;

/// The outcome for the files a program was run on.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Files the program succeeded on.
    pub ok: Vec<PathBuf>,
    /// Files it failed on, each with the end of its standard error.
    pub failed: Vec<(PathBuf, String)>,
}

/// Runs `program flags... FILES...` over `files` in parallel batches in the
/// context's environment and working directory. A batch that fails is run
/// again one file at a time, so only the files the program really fails on
/// count as failed. A program killed by a signal is an error.
pub(crate) fn run(
    cx: &Context,
    program: &str,
    flags: &[String],
    files: &[PathBuf],
) -> Result<Outcome> {
    if files.is_empty() {
        return Ok(Outcome::default());
    }
    let threads = rayon::current_num_threads().max(1);
    let size = files.len().div_ceil(threads).clamp(1, MAX_BATCH);
    let outcomes: Vec<Result<Outcome>> = files
        .par_chunks(size)
        .map(|batch| {
            let (ok, _) = invoke(cx, program, flags, batch)?;
            if ok {
                return Ok(Outcome {
                    ok: batch.to_vec(),
                    failed: Vec::new(),
                });
            }
            let mut outcome = Outcome::default();
            for file in batch {
                match invoke(cx, program, flags, std::slice::from_ref(file))? {
                    (true, _) => outcome.ok.push(file.clone()),
                    (false, stderr) => outcome.failed.push((file.clone(), stderr)),
                }
            }
            Ok(outcome)
        })
        .collect();
    let mut all = Outcome::default();
    for outcome in outcomes {
        let outcome = outcome?;
        all.ok.extend(outcome.ok);
        all.failed.extend(outcome.failed);
    }
    Ok(all)
}

/// One invocation: whether it exited 0, and the tail of its standard error.
fn invoke(
    cx: &Context,
    program: &str,
    flags: &[String],
    files: &[PathBuf],
) -> Result<(bool, String)> {
    let mut command = Command::new(program);
    command
        .args(flags)
        .args(files)
        .env_clear()
        .envs(cx.env_os())
        .current_dir(cx.cwd())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let (child, guard) = cx
        .groups()
        .spawn(&mut command)
        .map_err(|e| Error::io("starting", program, e))?;
    let output = child
        .wait_with_output()
        .map_err(|e| Error::io("waiting for", program, e))?;
    drop(guard);
    let stderr = tail(&output.stderr);
    if output.status.success() {
        return Ok((true, stderr));
    }
    if output.status.code().is_none() {
        return Err(Error::Command {
            command: display(program, flags, files),
            status: status_text(&output.status),
            code: {
                use std::os::unix::process::ExitStatusExt;
                128 + output.status.signal().unwrap_or(0)
            },
            tail: if stderr.is_empty() {
                String::new()
            } else {
                format!("\n{stderr}")
            },
        });
    }
    Ok((false, stderr))
}

/// The last few lines of a program's standard error.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}

fn status_text(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => String::from("ended abnormally"),
    }
}

fn display(program: &str, flags: &[String], files: &[PathBuf]) -> String {
    let mut words = vec![program.to_string()];
    words.extend(flags.iter().cloned());
    match files {
        [one] => words.push(one.display().to_string()),
        _ => words.push(format!("<{} files>", files.len())),
    }
    words.join(" ")
}
