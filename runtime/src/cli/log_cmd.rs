//! `phaser log [--build-dir D] [PHASE]`: a phase's kept output, by
//! default the phase that started last (the failed one after a failure).

use std::path::Path;

use phaser::phase_log::PhaseLogs;

use super::exit_code;

/// Runs `phaser log`; returns the exit status.
pub fn main(build_dir: &Path, phase: Option<&str>, previous: usize) -> i32 {
    let logs = PhaseLogs::of_build(build_dir);
    let Some(phase) = phase.map(str::to_string).or_else(|| logs.last_phase()) else {
        eprintln!(
            "phaser log: no phase has run in {} (no {}): give the --build-dir the run printed",
            build_dir.display(),
            logs.dir().join("last").display()
        );
        return exit_code::MISSING_INPUT;
    };
    let path = logs.path(&phase, previous);
    match std::fs::File::open(&path) {
        Ok(mut file) => match std::io::copy(&mut file, &mut std::io::stdout().lock()) {
            Ok(_) => 0,
            Err(e) => {
                eprintln!("phaser log: {}: {e}", path.display());
                exit_code::INTERNAL
            }
        },
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && previous == 0
                && ran(build_dir, &logs, &phase) =>
        {
            // A phase that printed nothing leaves no log file.
            eprintln!("phaser log: `{phase}` printed nothing");
            0
        }
        Err(e) => {
            let mut kept: Vec<String> = std::fs::read_dir(logs.dir())
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".log").map(str::to_string)
                })
                .collect();
            kept.sort();
            let kept = if kept.is_empty() {
                String::from("none")
            } else {
                kept.join(", ")
            };
            eprintln!(
                "phaser log: {}: {e} (logs kept in {}: {kept})",
                path.display(),
                build_dir.display()
            );
            exit_code::MISSING_INPUT
        }
    }
}

/// Whether `phase` ran in the build in `build_dir`: the phase that
/// started last, a finished one, or one with logs of other runs.
fn ran(build_dir: &Path, logs: &PhaseLogs, phase: &str) -> bool {
    logs.last_phase().as_deref() == Some(phase)
        || (1..=phaser::phase_log::KEPT).any(|n| logs.path(phase, n).exists())
        || phaser::BuildState::read(build_dir)
            .ok()
            .flatten()
            .is_some_and(|state| state.completed.iter().any(|done| done == phase))
}
