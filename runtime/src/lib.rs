//! phaser's runtime.
