//! Phase changes reported to Nix the way stdenv does: `@nix` JSON lines on
//! the file descriptor `NIX_LOG_FD` names.

use std::fs::File;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

/// The descriptor from `NIX_LOG_FD`, when Nix gave one.
pub struct NixLog {
    fd: Option<i32>,
}

impl NixLog {
    /// Reads `NIX_LOG_FD`.
    pub fn from_env() -> NixLog {
        let fd = std::env::var("NIX_LOG_FD")
            .ok()
            .and_then(|v| v.parse::<i32>().ok())
            .filter(|fd| *fd >= 0);
        NixLog { fd }
    }

    /// `@nix {"action":"setPhase","phase":"buildPhase"}`.
    pub fn set_phase(&self, phase: &str) {
        let Some(fd) = self.fd else { return };
        let line = format!(
            "@nix {}\n",
            serde_json::json!({"action": "setPhase", "phase": format!("{phase}Phase")})
        );
        // SAFETY: Nix opened this descriptor for us; ManuallyDrop keeps it open.
        let mut file = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
        let _ = file.write_all(line.as_bytes());
    }
}
