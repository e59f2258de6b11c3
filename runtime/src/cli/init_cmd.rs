//! `phaser init SOURCE [-o PLAN]`: a starting plan from a source tarball
//! or directory.

use std::path::{Path, PathBuf};

pub fn main(source: &Path, output: Option<PathBuf>) -> i32 {
    if !source.exists() {
        eprintln!("phaser init: {} does not exist", source.display());
        return super::exit_code::MISSING_INPUT;
    }
    let src = src_as_written(source, output.as_deref());
    let detected = match phaser::init::detect(source, &src) {
        Ok(detected) => detected,
        Err(e) => {
            eprintln!("phaser init: {e:#}");
            return super::exit_code::FAILED;
        }
    };
    for reason in &detected.reasons {
        eprintln!("phaser init: {reason}");
    }
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(detected.plan))
        .expect("a plan serializes");
    text.push('\n');
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("phaser init: writing {}: {e}", path.display());
                return 1;
            }
            eprintln!(
                "phaser init: wrote {}; build it with `phaser run {}`",
                path.display(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    0
}

/// The source as the plan names it: relative to the plan's directory
/// (paths in a plan are), else as given when the plan goes to stdout.
fn src_as_written(source: &Path, plan: Option<&Path>) -> String {
    let Some(plan) = plan else {
        return source.display().to_string();
    };
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let source = absolute(source);
    let dir = absolute(plan)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    match source.strip_prefix(&dir) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => source.display().to_string(),
    }
}
