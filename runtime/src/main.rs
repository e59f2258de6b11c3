//! The `phaser` binary: a thin shell over the `phaser` library.

fn main() {
    // Called as cc, gcc, g++, c++ or ld: the compiler wrapper, before
    // anything else (it runs for every compiler call of a build).
    if let Some(status) = phaser::wrapper::run_if_called_as_tool() {
        std::process::exit(status);
    }
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
