//! Keeping the tree manifest current without walking the tree at every
//! phase boundary.
//!
//! A small tree is simply walked again at every boundary, because an
//! inotify instance costs the process an RCU grace period when it is
//! closed (the kernel's `fsnotify_destroy_group` waits for its marks to be
//! freed): 5-16 ms on this project's machines, more than a no-op build's
//! whole run. The kernel (inotify) is asked to report every change below
//! the roots from the moment a build is worth it on:
//! - from the start, when the last run recorded the tree as large
//!   ([`WATCH_FROM`] entries);
//! - from a phase that has run for a while ([`timer`]): it may well make
//!   a large tree, and it took far longer than the closing costs;
//! - from the boundary after a walk found the tree large.
//!
//! While a tree is watched, a thread takes the reports in as phases run,
//! adds a watch to each directory as it appears, and, whenever the tree
//! has been quiet for a moment, looks again at the paths reported: the
//! manifest follows the tree as the phase goes, on the core the phase
//! leaves free. At a phase boundary only what was reported in the last
//! moments is left to look at.
//!
//! Whatever inotify cannot vouch for falls back to a full walk, so the
//! manifest is always exact: no inotify (or its watch limit reached), a
//! queue overflow, a root that appeared where nothing watched it. Changes
//! made through another path to the same file (a hard link outside the
//! watched directories) are not reported; the resume that compares the
//! tree then refuses, naming the file, rather than restoring wrongly.

use std::collections::{BTreeSet, HashMap};
use std::ffi::{CString, OsStr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::tree_manifest::{walk, TreeManifest};

mod timer;
use timer::{Started, Timer};

/// What inotify reports: entries created, removed, renamed, written,
/// closed after writing (covers writes through `mmap`), or with changed
/// metadata.
const MASK: u32 = libc::IN_CREATE
    | libc::IN_DELETE
    | libc::IN_MODIFY
    | libc::IN_CLOSE_WRITE
    | libc::IN_ATTRIB
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF
    | libc::IN_ONLYDIR
    | libc::IN_DONT_FOLLOW;

/// How long the tree must be quiet before the thread looks at what changed.
const QUIET_MS: i32 = 20;

/// How many reported paths make the thread look at them even while the
/// tree is busy, so a boundary after a large install has little left.
const BATCH: usize = 4096;

/// How many entries make a tree worth watching rather than walking at
/// every boundary. A walk costs about 3 µs an entry on this project's
/// machines (`cargo bench -p phaser --bench boundaries`): a dozen
/// boundaries at this size cost about what closing an inotify instance
/// costs once.
const WATCH_FROM: usize = 300;

/// A manifest of some roots, kept current.
pub(crate) struct TreeTracker {
    roots: Vec<PathBuf>,
    skip: PathBuf,
    tracked: Tracked,
    /// The size from which the tree is watched.
    watch_from: usize,
    /// The thread that starts watching while a long phase runs.
    timer: Option<Timer>,
}

enum Tracked {
    /// inotify follows the tree.
    Watched(Watch),
    /// Every boundary walks the tree: it is small, or there is no inotify
    /// here (`watchable` false).
    Walked {
        /// The last walk's manifest, `None` before the first look.
        manifest: Option<TreeManifest>,
        watchable: bool,
    },
}

impl TreeTracker {
    /// A tracker of `roots` (except `skip`, phaser's own directory).
    /// `known` is how many entries the tree had when the build directory
    /// last recorded it (0 for a new build): a tree known to be large is
    /// walked and watched now, as nothing changes it before the first
    /// phase; any other is walked at the first look.
    pub fn start(roots: &[PathBuf], skip: &Path, known: usize) -> TreeTracker {
        let mut tracker = TreeTracker::watching_from(roots, skip, WATCH_FROM);
        if known >= WATCH_FROM {
            if let Some(watch) = Watch::new(roots, skip) {
                tracker.tracked = Tracked::Watched(watch);
            }
        }
        tracker
    }

    /// `start`, watching the tree once a walk finds `entries` or more.
    fn watching_from(roots: &[PathBuf], skip: &Path, entries: usize) -> TreeTracker {
        TreeTracker {
            roots: roots.to_vec(),
            skip: skip.to_path_buf(),
            tracked: Tracked::Walked {
                manifest: None,
                watchable: true,
            },
            watch_from: entries,
            timer: None,
        }
    }

    /// A phase starts: should it run for long ([`timer::WATCH_AFTER`]),
    /// the tree is watched from then on.
    pub fn phase_started(&mut self) {
        if !matches!(
            self.tracked,
            Tracked::Walked {
                watchable: true,
                ..
            }
        ) {
            return;
        }
        if self.timer.is_none() {
            self.timer = Timer::start(self.roots.clone(), self.skip.clone());
        }
        if let Some(timer) = &mut self.timer {
            timer.phase_started();
        }
    }

    /// Takes over the watch the timer started while the last phase ran.
    fn take_timer_watch(&mut self) {
        let Some(timer) = &mut self.timer else {
            return;
        };
        match timer.phase_ended() {
            Started::Nothing => {}
            Started::Watching(watch) => {
                self.tracked = Tracked::Watched(watch);
                self.timer = None;
            }
            Started::Unavailable => {
                if let Tracked::Walked { watchable, .. } = &mut self.tracked {
                    *watchable = false;
                }
                self.timer = None;
            }
        }
    }

    /// Starts watching the tree when the last walk found it large and
    /// inotify is to be had. The watch's own walk is this look's: it adds
    /// each directory's watch before it reads the directory, so nothing a
    /// process left over from the last phase changes meanwhile is missed.
    fn watch_if_large(&mut self) {
        let Tracked::Walked {
            manifest: Some(walked),
            watchable: true,
        } = &self.tracked
        else {
            return;
        };
        if walked.len() < self.watch_from {
            return;
        }
        match Watch::new(&self.roots, &self.skip) {
            Some(watch) => {
                {
                    let mut state = watch.shared.lock();
                    state.changed = state.manifest != *walked;
                }
                self.tracked = Tracked::Watched(watch);
            }
            None => {
                self.tracked = Tracked::Walked {
                    manifest: None,
                    watchable: false,
                }
            }
        }
    }

    /// Calls `f` with the manifest as the tree is now, and whether it may
    /// differ from the one the previous call saw (always true the first
    /// time): an unchanged tree need not be written again.
    pub fn with_current_changed<R>(
        &mut self,
        f: impl FnOnce(&TreeManifest, bool) -> R,
    ) -> anyhow::Result<R> {
        self.take_timer_watch();
        self.watch_if_large();
        match &mut self.tracked {
            Tracked::Walked { manifest, .. } => {
                let now = TreeManifest::capture(&self.roots, &self.skip)?;
                let changed = manifest.as_ref() != Some(&now);
                Ok(f(manifest.insert(now), changed))
            }
            Tracked::Watched(watch) => {
                let mut state = watch.shared.lock();
                watch.shared.drain(&mut state);
                if state.lost {
                    state.lost = false;
                    state.pending.clear();
                    state.manifest = TreeManifest::with_roots(&self.roots);
                    watch.shared.watch_roots(&mut state, &self.roots);
                }
                watch.shared.apply(&mut state);
                for root in &self.roots {
                    let known = state.manifest.contains(root);
                    if !known && root.symlink_metadata().is_ok() {
                        watch.shared.watch_tree(&mut state, root);
                    }
                }
                let changed = std::mem::take(&mut state.changed);
                Ok(f(&state.manifest, changed))
            }
        }
    }
}

/// An inotify instance over the roots, its reports taken in by a thread.
struct Watch {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    fd: OwnedFd,
    skip: PathBuf,
    stop: AtomicBool,
    /// Written to when the watch drops, so the thread wakes at once.
    wake: (OwnedFd, OwnedFd),
    state: Mutex<WatchState>,
}

struct WatchState {
    manifest: TreeManifest,
    /// Watch descriptor to the directory it watches.
    dirs: HashMap<i32, PathBuf>,
    /// Roots that did not exist, by their parent directory's descriptor.
    awaited: HashMap<i32, Vec<PathBuf>>,
    /// Paths reported and not looked at yet.
    pending: BTreeSet<PathBuf>,
    /// Something was missed (queue overflow, a directory without a watch):
    /// only a full walk is exact.
    lost: bool,
    /// The manifest was touched since the last look at it.
    changed: bool,
}

impl Watch {
    /// The roots walked and watched, or `None` where the system has no
    /// inotify instance to give.
    fn new(roots: &[PathBuf], skip: &Path) -> Option<Watch> {
        // SAFETY: inotify_init1 has no preconditions.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: a descriptor inotify_init1 just gave us.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut pipe = [0; 2];
        // SAFETY: pipe2 fills two descriptors we then own.
        if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return None;
        }
        // SAFETY: the two descriptors pipe2 just gave us.
        let wake = unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
        let shared = Arc::new(Shared {
            fd,
            skip: skip.to_path_buf(),
            stop: AtomicBool::new(false),
            wake,
            state: Mutex::new(WatchState {
                manifest: TreeManifest::with_roots(roots),
                dirs: HashMap::new(),
                awaited: HashMap::new(),
                pending: BTreeSet::new(),
                lost: false,
                changed: true,
            }),
        });
        {
            let mut state = shared.lock();
            shared.watch_roots(&mut state, roots);
        }
        let reader = shared.clone();
        let thread = std::thread::Builder::new()
            .name("phaser-tree-watch".into())
            .spawn(move || reader.follow_until_stopped())
            .ok()?;
        Some(Watch {
            shared,
            thread: Some(thread),
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // SAFETY: one byte from a buffer we own into our pipe.
        unsafe {
            libc::write(self.shared.wake.1.as_raw_fd(), [1u8].as_ptr().cast(), 1);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, WatchState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The thread: take reports in as they come; look at the reported
    /// paths when the tree is quiet or many have piled up.
    fn follow_until_stopped(&self) {
        while !self.stop.load(Ordering::SeqCst) {
            let mut polls = [self.fd.as_raw_fd(), self.wake.0.as_raw_fd()].map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
            // SAFETY: two valid pollfds.
            let ready = unsafe { libc::poll(polls.as_mut_ptr(), 2, QUIET_MS) };
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let mut state = self.lock();
            if ready > 0 {
                self.drain(&mut state);
            }
            if (ready == 0 || state.pending.len() >= BATCH) && !state.lost {
                self.apply(&mut state);
            }
        }
    }

    /// Watches (and records) every root that exists; awaits the others in
    /// their parent directory.
    fn watch_roots(&self, state: &mut WatchState, roots: &[PathBuf]) {
        for root in roots {
            if root.symlink_metadata().is_ok() {
                self.watch_tree(state, root);
            } else {
                self.await_root(state, root);
            }
        }
    }

    /// Watches the parent of `root`, which is not there, for it to appear.
    fn await_root(&self, state: &mut WatchState, root: &Path) {
        if let Some(wd) = root.parent().and_then(|parent| self.add_watch(parent)) {
            state
                .awaited
                .entry(wd)
                .or_default()
                .push(root.to_path_buf());
        }
    }

    /// Reads and takes in every report queued now.
    fn drain(&self, state: &mut WatchState) {
        let mut buffer = vec![0u8; 64 * 1024];
        let header = std::mem::size_of::<libc::inotify_event>();
        loop {
            // SAFETY: reading into a buffer we own, of its length.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            };
            let Ok(n) = usize::try_from(n) else {
                return;
            };
            if n == 0 {
                return;
            }
            let mut at = 0;
            while at + header <= n {
                // SAFETY: the kernel wrote a whole event here; read_unaligned
                // because the byte buffer has no alignment.
                let event: libc::inotify_event =
                    unsafe { std::ptr::read_unaligned(buffer[at..].as_ptr().cast()) };
                let end = (at + header + event.len as usize).min(n);
                let name = buffer[at + header..end]
                    .split(|b| *b == 0)
                    .next()
                    .unwrap_or_default();
                self.take_in(state, event.wd, event.mask, OsStr::from_bytes(name));
                at = end;
            }
        }
    }

    /// One report.
    fn take_in(&self, state: &mut WatchState, wd: i32, mask: u32, name: &OsStr) {
        if mask & libc::IN_Q_OVERFLOW != 0 {
            state.lost = true;
            return;
        }
        if mask & libc::IN_IGNORED != 0 {
            state.dirs.remove(&wd);
            return;
        }
        if let Some(roots) = state.awaited.get(&wd) {
            let appeared: Vec<PathBuf> = roots
                .iter()
                .filter(|root| root.file_name() == Some(name))
                .cloned()
                .collect();
            for root in appeared {
                state.pending.insert(root);
            }
        }
        let Some(dir) = state.dirs.get(&wd) else {
            return;
        };
        let path = if name.is_empty() {
            dir.clone()
        } else {
            dir.join(name)
        };
        if !path.starts_with(&self.skip) {
            state.pending.insert(path);
        }
    }

    /// Looks at every reported path: records what is there now; a new
    /// directory is watched and recorded with all it holds.
    fn apply(&self, state: &mut WatchState) {
        let pending = std::mem::take(&mut state.pending);
        state.changed |= !pending.is_empty();
        for path in pending {
            // A directory that was not there before (created, moved in,
            // or replaced: another inode) has no watch yet.
            let before = state.manifest.dir_inode(&path);
            state.manifest.update(&path);
            let now = state.manifest.dir_inode(&path);
            if now.is_some() && now != before {
                self.watch_tree(state, &path);
            }
        }
    }

    /// Watches `top` and every directory below it, recording every entry.
    fn watch_tree(&self, state: &mut WatchState, top: &Path) {
        let mut lost = false;
        let mut dirs = Vec::new();
        let manifest = &mut state.manifest;
        let _ = walk(top, &self.skip, &mut |path, meta| {
            manifest.record(path, meta);
            if meta.is_dir() {
                match self.add_watch(path) {
                    Some(wd) => dirs.push((wd, path.to_path_buf())),
                    None => lost = true,
                }
            }
        });
        state.dirs.extend(dirs);
        state.lost |= lost;
        state.changed = true;
    }

    fn add_watch(&self, dir: &Path) -> Option<i32> {
        let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: our inotify descriptor and a NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), path.as_ptr(), MASK) };
        (wd >= 0).then_some(wd)
    }
}

#[cfg(test)]
mod tests;
