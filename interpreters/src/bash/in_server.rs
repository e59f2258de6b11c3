//! Running a phase in the long-lived bash: starting it (early, or at the
//! first phase, or again after it died), the variables it declares once
//! (see [`super::base`]) and the files each phase runs from.

use std::path::{Path, PathBuf};

use super::base::Base;
use super::phase_files::PhaseFiles;
use super::vars::{self, Lines};
use super::{prelude, server, write_files, BashInterpreter, Ran, DRIVER, DRIVER_FUNCTIONS};
use crate::{Invocation, Language, PhaseError, PhaseInput, Script};

/// The long-lived bash (`None` until the first phase it runs, or after it
/// died), how many phases it was asked to run, and whether its directory
/// is there.
#[derive(Debug, Default)]
pub(super) struct ServerSlot {
    server: Option<(server::Server, Base)>,
    phases: u64,
    /// Whether the server's directory was made this build.
    dir_made: bool,
}

impl BashInterpreter {
    /// Starts the long-lived bash now, beside the scratch directory
    /// `scratch` (a phase's), unless it runs already or `input`'s phase
    /// would not run in it; it declares `input`'s variables once. Its
    /// start-up (starting bash, sourcing the prelude) then overlaps the
    /// runner's own work before the first bash phase. A bash that cannot
    /// start is left to that phase to report.
    pub fn start_early(&self, scratch: &Path, input: &PhaseInput) {
        let Some(slot) = &self.server else {
            return;
        };
        if !server::can_serve(input.env.keys()) {
            return;
        }
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.server.is_none() {
            let base = Base::new(
                &vars::export_lines(input),
                &vars::declaration_lines(input).0,
            );
            if let Ok(started) = self.start_server(&server_dir(scratch), base) {
                slot.server = Some(started);
                slot.dir_made = true;
            }
        }
    }

    /// Starts the long-lived bash in `dir`, declaring `base`.
    fn start_server(&self, dir: &Path, base: Base) -> std::io::Result<(server::Server, Base)> {
        let script = base.script();
        let server = server::Server::start(
            &self.bash,
            dir,
            prelude(),
            DRIVER_FUNCTIONS,
            DRIVER,
            &script,
        )?;
        Ok((server, base))
    }

    /// Runs the phase in a subshell of the long-lived bash (starting it,
    /// or a new one if it died), from the files of its directory.
    pub(super) fn run_in_server(
        &self,
        slot: &mut ServerSlot,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Ran, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Bash, message);
        let writing = |e: std::io::Error| fail(format!("writing the phase's files: {e}"));
        slot.phases += 1;
        let files = PhaseFiles::shared(&server_dir(invocation.scratch), slot.phases);
        // The directory is made once per build (the server's files stay).
        if !slot.dir_made {
            files.make_dir().map_err(writing)?;
        }
        slot.dir_made = true;
        let script_path = write_files(&files, script, input).map_err(writing)?;
        let mut env = vars::export_lines(input);
        let groups_record = invocation
            .groups
            .record_file()
            .map(|f| (phaser_stdlib::GROUPS_VAR, f.as_os_str().to_os_string()));
        let roots = std::env::join_paths(invocation.roots).unwrap_or_default();
        let driver_vars = self.driver_vars(&files, &files.file("prelude.sh"), &script_path, input);
        for (name, value) in [
            (phaser_stdlib::WRITE_ROOTS_VAR, roots),
            (phaser_stdlib::PHASE_VAR, invocation.label.into()),
        ]
        .into_iter()
        .chain(groups_record)
        .chain(driver_vars)
        {
            env.set(name, vars::export(name, &value.to_string_lossy()));
        }
        let (declarations, declared) = vars::declaration_lines(input);

        for attempt in 0..2 {
            if !slot
                .server
                .as_mut()
                .is_some_and(|(server, _)| server.is_alive())
            {
                slot.server = None;
            }
            if slot.server.is_none() {
                let base = Base::new(&env, &declarations);
                slot.server =
                    Some(self.start_server(&files.dir, base).map_err(|e| {
                        fail(format!("could not start {}: {e}", self.bash.display()))
                    })?);
            }
            let (running, base) = slot.server.as_mut().expect("started above");
            write_variables(&files, base, &env, &declarations).map_err(writing)?;
            match running.run(&files, invocation.label, invocation.groups) {
                Ok(finished) => {
                    return Ok(Ran {
                        files,
                        finished,
                        declared,
                    })
                }
                Err(None) if attempt == 0 => slot.server = None,
                Err(None) => break,
                Err(Some(message)) => {
                    slot.server = None;
                    return Err(fail(message));
                }
            }
        }
        slot.server = None;
        Err(fail(format!(
            "{} stopped before it could run the phase",
            self.bash.display()
        )))
    }
}

/// Writes what a phase's subshell sources beyond `base`: `env.sh` (the
/// environment `env`, before its `cd`) and `vars.sh` (the declarations).
fn write_variables(
    files: &PhaseFiles,
    base: &Base,
    env: &Lines,
    declarations: &Lines,
) -> std::io::Result<()> {
    let scripts = base.difference(env, declarations);
    files.write("env.sh", scripts.env.as_bytes())?;
    files.write("vars.sh", scripts.vars.as_bytes())
}

/// The long-lived bash's directory, beside the scratch directory of a
/// phase (`.phaser/tmp/.bash-server`).
fn server_dir(scratch: &Path) -> PathBuf {
    scratch.with_file_name(".bash-server")
}
