//! Starting to watch a small tree while a long phase runs: a phase that
//! takes a while can well create a large tree, and closing the inotify
//! instance at the end costs little next to it.
//!
//! One thread per run looks every [`WATCH_AFTER`] whether a phase has been
//! running that long, and if so starts the watch (walking the tree as it
//! is then, each directory watched before it is read). The boundary after
//! the phase takes the watch over, or learns that none was started. A
//! phase's start and end only note the time under a lock: nothing wakes
//! the thread, so a short phase costs nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Watch;

/// How long a phase runs before its tree is watched, however small it
/// was (it is between this and twice this).
pub(super) const WATCH_AFTER: Duration = Duration::from_millis(100);

/// What the thread did during a phase.
pub(super) enum Started {
    /// The phase ended first.
    Nothing,
    /// The tree is watched from some moment during the phase on.
    Watching(Watch),
    /// There is no inotify instance to be had here.
    Unavailable,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a watch the thread was starting is there.
    started: Condvar,
}

#[derive(Default)]
struct State {
    /// When the running phase started.
    phase_since: Option<Instant>,
    /// The thread is walking the tree to watch it.
    starting: bool,
    /// What it started during the running phase.
    outcome: Option<Started>,
    /// The tracker is gone.
    stopped: bool,
}

/// The tracker's end: the phases' starts and ends.
pub(super) struct Timer {
    shared: Arc<Shared>,
}

impl Timer {
    /// Starts the thread for the tree of `roots` (except `skip`), or
    /// `None` when no thread can be had.
    pub fn start(roots: Vec<PathBuf>, skip: PathBuf) -> Option<Timer> {
        let shared = Arc::new(Shared::default());
        let looking = shared.clone();
        std::thread::Builder::new()
            .name("phaser-tree-timer".into())
            .spawn(move || looking.look_until_stopped(&roots, &skip))
            .ok()?;
        Some(Timer { shared })
    }

    /// A phase starts.
    pub fn phase_started(&mut self) {
        let mut state = self.shared.lock();
        state.phase_since = Some(Instant::now());
        state.outcome = None;
    }

    /// The phase ended: what the thread did meanwhile (a watch it is
    /// starting is waited for).
    pub fn phase_ended(&mut self) -> Started {
        let mut state = self.shared.lock();
        state.phase_since = None;
        while state.starting {
            state = self
                .shared
                .started
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        state.outcome.take().unwrap_or(Started::Nothing)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The thread: every [`WATCH_AFTER`], a look at whether the running
    /// phase has run that long; the first time it has, the watch.
    fn look_until_stopped(&self, roots: &[PathBuf], skip: &Path) {
        loop {
            std::thread::sleep(WATCH_AFTER);
            {
                let mut state = self.lock();
                if state.stopped {
                    return;
                }
                let long = state
                    .phase_since
                    .is_some_and(|since| since.elapsed() >= WATCH_AFTER);
                if !long || state.outcome.is_some() {
                    continue;
                }
                state.starting = true;
            }
            let outcome = match Watch::new(roots, skip) {
                Some(watch) => Started::Watching(watch),
                None => Started::Unavailable,
            };
            let mut state = self.lock();
            state.starting = false;
            state.outcome = Some(outcome);
            self.started.notify_all();
            if state.stopped {
                return;
            }
        }
    }
}
