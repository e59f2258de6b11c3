//! The `phaser` binary: a thin shell over the `phaser` library.

fn main() {
    // As coreutils do: when the reader of our output goes away
    // (`phaser std ... | head`), SIGPIPE ends phaser quietly instead of a
    // panic on the closed pipe. (Rust ignores SIGPIPE by default.)
    // SAFETY: setting a signal's disposition before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(phaser_cli::main());
}

#[path = "cli/mod.rs"]
mod phaser_cli;
