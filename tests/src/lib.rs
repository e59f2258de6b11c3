//! Helpers for phaser's end-to-end tests.
