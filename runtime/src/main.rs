//! The `phaser` binary: a thin shell over the `phaser` library.

fn main() {
    // Called as cc, gcc, g++, c++ or ld: the compiler wrapper, before
    // anything else (it runs for every compiler call of a build).
    if let Some(status) = phaser::wrapper::run_if_called_as_tool() {
        std::process::exit(status);
    }
    std::process::exit(phaser_cli::main());
}

#[path = "cli/mod.rs"]
mod phaser_cli;
