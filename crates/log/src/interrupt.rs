//! SIGINT and SIGTERM as a request to stop: the first one is recorded and the run stops after
//! its current step, writing everything (see [`crate::RunLogger`]'s
//! [`meanfield_core::Observer::stop_requested`]); a second SIGINT ends the process at once
//! with status 130.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Whether a signal arrived, and which.
struct Received {
    any: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

fn received_flags() -> &'static Received {
    static FLAGS: OnceLock<Received> = OnceLock::new();
    FLAGS.get_or_init(|| Received {
        any: Arc::new(AtomicBool::new(false)),
        which: Arc::new(AtomicUsize::new(0)),
    })
}

/// Installs the handlers (once per process; later calls do nothing).
///
/// # Errors
/// The operating system refused a handler.
pub fn install() -> std::io::Result<()> {
    static INSTALLED: Once = Once::new();
    let mut result = Ok(());
    INSTALLED.call_once(|| {
        let flags = received_flags();
        result = (|| {
            // Runs before the flag is set: exits only on a second SIGINT.
            signal_hook::flag::register_conditional_shutdown(SIGINT, 130, Arc::clone(&flags.any))?;
            for signal in [SIGINT, SIGTERM] {
                signal_hook::flag::register_usize(
                    signal,
                    Arc::clone(&flags.which),
                    signal as usize,
                )?;
                signal_hook::flag::register(signal, Arc::clone(&flags.any))?;
            }
            Ok(())
        })();
    });
    result
}

/// The name of the last signal received since [`install`], if any.
pub fn received() -> Option<&'static str> {
    let flags = received_flags();
    if !flags.any.load(Ordering::Relaxed) {
        return None;
    }
    Some(if flags.which.load(Ordering::Relaxed) == SIGTERM as usize {
        "SIGTERM"
    } else {
        "SIGINT"
    })
}
