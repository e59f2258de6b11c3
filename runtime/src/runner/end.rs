//! The end of a build, as stdenv's exitHandler has it
//! (pkgs/stdenv/generic/setup.sh): the build's status is the failing
//! command's, `failureHook` runs after a failure and `exitHook` after
//! success (their own failures change nothing), and `succeedOnFailure`
//! turns a failure into a good end with the status in
//! `$out/nix-support/failed`.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use phaser_interpreters::PhaseError;

use super::{Build, Runner};
use crate::plan::Body;

/// The status a build that failed with `error` ends with: the failing
/// command's, or 1 when no command failed (a bad answer, an internal error).
pub(super) fn status_of(error: &anyhow::Error) -> i32 {
    error
        .downcast_ref::<PhaseError>()
        .and_then(|e| e.status)
        .filter(|s| *s != 0)
        .unwrap_or(1)
}

impl Runner<'_> {
    /// `runHook failureHook` or `runHook exitHook` with `exitCode` set to
    /// `status`, when the build has either; on a copy of the state, since
    /// nothing runs after them.
    pub(super) fn end_of_build(&self, build: &mut Build, hook: &str, status: i32, index: usize) {
        let Some(script) = crate::stdenv_hooks::end_of_build(&build.state.attrs, hook, status)
        else {
            return;
        };
        let state = build.state.clone();
        let result = self.run_body(build, &Body::Script(script), "build", Some(hook), index);
        build.state = state;
        if let Err(e) = result {
            self.observer
                .note(&format!("{hook} failed (ignored, as by stdenv): {e:#}"));
        }
    }

    /// succeedOnFailure: `$out/nix-support/failed` holds the failing
    /// status, and the build ends well.
    pub(super) fn record_ignored_failure(&self, build: &Build, status: i32) -> anyhow::Result<()> {
        self.observer
            .note(&format!("build failed with exit code {status} (ignored)"));
        let out = build.state.outputs.get("out").ok_or_else(|| {
            anyhow!("succeedOnFailure needs an `out` output to record the failure in")
        })?;
        let dir = Path::new(out).join("nix-support");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("failed"), status.to_string())
            .with_context(|| format!("writing {}/failed", dir.display()))
    }
}
