//! The dependencies' own setup hooks: a bash step the runner runs before
//! the first phase, as setup.sh's `activatePackage` and `_addToEnv` do.
//! Each `nix-support/setup-hook` (or a dependency that is itself a file)
//! is sourced with `hostOffset` and `targetOffset` set, in activation
//! order; then the env hooks they registered with `addEnvHooks` run over
//! the dependencies (`_addToEnv` in the bash prelude). What the step
//! changes is its answer like any bash phase's: exported variables reach
//! the environment, `configureFlags+=(...)` or `preConfigureHooks+=(fn)`
//! the attributes, the functions the hooks define every later bash phase.

use std::fmt::Write as _;
use std::path::Path;

use phaser_interpreters::{Language, Script};

use super::Dependencies;
use crate::stdenv_hooks::quote;

/// The step's name in logs and errors.
pub const STEP: &str = "setupHooks";

/// The bash step for `deps`, or `None` when no dependency has a setup hook.
pub fn script(deps: &Dependencies) -> Option<Script> {
    let hooked: Vec<(&Path, super::Offsets)> = deps
        .activation_order()
        .filter(|(pkg, _)| pkg.is_file() || pkg.join("nix-support/setup-hook").is_file())
        .collect();
    if hooked.is_empty() {
        return None;
    }
    let mut text = String::from(
        "# phaser: the dependencies' setup hooks (pkgs/stdenv/generic/setup.sh:\n\
         # activatePackage, then _addToEnv for the env hooks they register).\n\
         declare -a envBuildBuildHooks=() envBuildHostHooks=() envBuildTargetHooks=()\n\
         declare -a envHostHostHooks=() envHostTargetHooks=() envTargetTargetHooks=()\n\
         _PATH= _HOST_PATH= _XDG_DATA_DIRS=\n",
    );
    for (pkg, offsets) in hooked {
        let _ = writeln!(
            text,
            "__phaser_activate {} {} {}",
            quote(&pkg.display().to_string()),
            offsets.host,
            offsets.target
        );
    }
    text.push_str(
        "_addToEnv\n\
         PATH=\"${_PATH-}${_PATH:+${PATH:+:}}$PATH\"\n\
         HOST_PATH=\"${_HOST_PATH-}${_HOST_PATH:+${HOST_PATH:+:}}${HOST_PATH-}\"\n\
         export XDG_DATA_DIRS=\"${_XDG_DATA_DIRS-}${_XDG_DATA_DIRS:+${XDG_DATA_DIRS:+:}}${XDG_DATA_DIRS-}\"\n\
         unset _PATH _HOST_PATH _XDG_DATA_DIRS\n\
         __phaser_forget_empty_env_hooks\n",
    );
    Some(Script::inline(
        Language::Bash,
        text,
        format!("phaser:{STEP}"),
    ))
}
