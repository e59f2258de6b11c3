//! What every in-process binding of the standard library shares: the
//! context calls run in, rebuilt for each phase.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use phaser_stdlib::{Context, Roots};

use crate::{Invocation, PhaseInput};

/// The context standard-library calls of the running phase use. Closures
/// registered once per engine hold a clone of this handle; the backend sets
/// it before each phase and clears it after.
#[derive(Clone, Default)]
pub(crate) struct CurrentContext(Rc<RefCell<Option<Context>>>, Rc<Cell<Option<i32>>>);

impl CurrentContext {
    /// Sets the context for the phase about to run.
    pub fn enter(&self, input: &PhaseInput, invocation: &Invocation<'_>) -> ContextGuard {
        let cx = Context::new(&input.paths.cwd)
            .with_env(input.env.clone())
            .with_roots(Roots::Only(invocation.roots.to_vec()))
            .with_label(invocation.label)
            .with_groups(invocation.groups.clone());
        *self.0.borrow_mut() = Some(cx);
        self.1.set(None);
        ContextGuard(self.clone())
    }

    /// The shell status of the last command a call of this phase ran that
    /// failed, for the phase's error (stdenv exits with it).
    pub fn failed_command_status(&self) -> Option<i32> {
        self.1.get()
    }

    /// Calls standard-library function `name` with an argument object.
    pub fn call(&self, name: &str, args: serde_json::Value) -> Result<serde_json::Value, String> {
        let registry = phaser_stdlib::registry();
        let function = registry.get(name).map_err(|e| e.to_string())?;
        let guard = self.0.borrow();
        let cx = guard
            .as_ref()
            .ok_or_else(|| format!("std.{name} called outside a phase"))?;
        function.call(cx, args).map_err(|e| {
            if let Some(status) = e.command_status() {
                self.1.set(Some(status));
            }
            e.to_string()
        })
    }
}

/// Clears the current context when the phase ends, however it ends.
pub(crate) struct ContextGuard(CurrentContext);

impl Drop for ContextGuard {
    fn drop(&mut self) {
        *(self.0).0.borrow_mut() = None;
    }
}
