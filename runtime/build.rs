//! Links the `phaser` binary as a position-dependent executable: with no
//! relative relocations to apply at start-up, a process starts ~1 ms
//! sooner, and every compiler call of a build goes through the compiler
//! wrapper, which is this binary.

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
