//! The `Interpreter` trait and its backends.
