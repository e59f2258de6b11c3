//! Stopping a build from outside: a token the embedding program (or
//! phaser's CLI, on SIGINT/SIGTERM) triggers, and everything running for
//! the build watches.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::process_group::ProcessGroups;

/// A cancellation token. Clones share it; [`Cancel::cancel`] stops the
/// child processes of every [`ProcessGroups`] set watching it, and
/// interpreters and the runner check [`Cancel::is_cancelled`] so a stopped
/// phase ends as interrupted, never as finished.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    reason: Mutex<Option<String>>,
    sets: Mutex<Vec<(Weak<()>, ProcessGroups)>>,
}

/// Keeps a [`ProcessGroups`] set watching a token; the set stops being
/// signalled when this drops.
#[derive(Debug)]
pub struct Watch {
    _alive: Arc<()>,
}

impl Cancel {
    /// A token nobody has triggered.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the build: the first call records `reason` ("SIGTERM", "the
    /// user pressed stop") and terminates the children of every watching
    /// set; later calls change nothing.
    pub fn cancel(&self, reason: impl Into<String>) {
        if self.inner.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Ok(mut slot) = self.inner.reason.lock() {
            *slot = Some(reason.into());
        }
        let sets: Vec<ProcessGroups> = match self.inner.sets.lock() {
            Ok(sets) => sets
                .iter()
                .filter(|(alive, _)| alive.strong_count() > 0)
                .map(|(_, set)| set.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        for set in sets {
            set.terminate();
        }
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// The reason given to [`Cancel::cancel`].
    pub fn reason(&self) -> Option<String> {
        self.inner.reason.lock().ok().and_then(|r| r.clone())
    }

    /// `interrupted (REASON)`: what a stopped script or phase ends with.
    pub fn message(&self) -> String {
        match self.reason() {
            Some(reason) => format!("interrupted ({reason})"),
            None => String::from("interrupted"),
        }
    }

    /// Makes `set` stop when the token is cancelled (at once, if it
    /// already is), for as long as the returned [`Watch`] lives.
    pub fn watch(&self, set: &ProcessGroups) -> Watch {
        let alive = Arc::new(());
        if let Ok(mut sets) = self.inner.sets.lock() {
            sets.retain(|(alive, _)| alive.strong_count() > 0);
            sets.push((Arc::downgrade(&alive), set.clone()));
        }
        if self.is_cancelled() {
            set.terminate();
        }
        Watch { _alive: alive }
    }
}
