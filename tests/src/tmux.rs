//! A program in a pseudo-terminal, driven as a person would: tmux runs
//! it on a private server, the test types into it and reads the screen.

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server with one 220x60 window running a command; killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` (a shell command line) in a new detached session,
    /// with `NO_COLOR=1` in its environment.
    pub fn start(command: &str) -> Tmux {
        crate::require_tool("tmux", "tmux");
        let socket = format!(
            "phaser-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        )
        .replace(['(', ')'], "");
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "220",
                "-y",
                "60",
                command,
            ])
            .env("NO_COLOR", "1")
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Tmux { socket }
    }

    /// Types `line` and Enter.
    pub fn send(&self, line: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t", line, "Enter"])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The screen and 500 lines of scrollback, as text.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-t",
                "t",
                "-S",
                "-500",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (up to a minute) until the screen satisfies `ready`; the
    /// screen then. `what` names the wait in the failure message.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `text` is on the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |screen| screen.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
