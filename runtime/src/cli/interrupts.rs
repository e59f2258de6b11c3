//! SIGINT, SIGTERM and SIGHUP: the CLI turns them into a cancelled build.
//! The runner stops the running phase's processes, records nothing for
//! it, and returns; the command then exits with 128 + the signal. The
//! library installs no handler: a program embedding it decides itself
//! what a signal means, and cancels through the same token.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

use phaser::stdlib::Cancel;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The token a signal triggers, and which signal it was.
pub struct Interrupts {
    cancel: Cancel,
    signal: Arc<AtomicI32>,
}

impl Interrupts {
    /// The process's handler, installed on first use: one thread for the
    /// whole process, however many runs it makes.
    pub fn get() -> &'static Interrupts {
        static INTERRUPTS: OnceLock<Interrupts> = OnceLock::new();
        INTERRUPTS.get_or_init(|| {
            let interrupts = Interrupts {
                cancel: Cancel::new(),
                signal: Arc::new(AtomicI32::new(0)),
            };
            match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
                Ok(mut signals) => {
                    let cancel = interrupts.cancel.clone();
                    let seen = interrupts.signal.clone();
                    std::thread::spawn(move || {
                        for signal in signals.forever() {
                            let _ = seen.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
                            cancel.cancel(name(signal));
                        }
                    });
                }
                Err(e) => eprintln!("phaser: warning: cannot handle SIGINT/SIGTERM ({e}); a signal kills phaser without stopping its phases"),
            }
            interrupts
        })
    }

    /// The token runs of this process watch.
    pub fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }

    /// 128 + the signal that stopped the build, the way a shell reports it.
    pub fn exit_status(&self) -> i32 {
        super::exit_code::SIGNAL_BASE + self.signal.load(Ordering::SeqCst)
    }
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    }
}
