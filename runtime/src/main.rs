//! The `phaser` binary: a thin shell over the `phaser` library.

fn main() {
    std::process::exit(phaser_cli::main());
}

#[path = "cli/mod.rs"]
mod phaser_cli;
