//! The global allocator (mimalloc) and how it gives freed memory back to the system (R6,
//! `crates/hardening/README.md`).
//!
//! The emulator serves thousands of short TLS connections whose memory is freed on many
//! threads; glibc's malloc kept most of it in its arenas (the process stayed 3-4 times above its
//! baseline after every session had expired). mimalloc keeps free pages per thread and returns
//! them to the system lazily, during later allocator calls of the thread that owns them; an idle
//! emulator makes none. So [`configure`] asks it to purge free memory at once, and
//! [`release`], registered with the emulator, collects every tokio worker's heap after the
//! emulator purged its expired sessions.
//!
//! The only `unsafe` code of the crate: calls of mimalloc's C functions.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use libmimalloc_sys as ffi;

/// mimalloc's `mi_option_purge_delay` (its position in `enum mi_option_e` of the v3
/// `mimalloc.h` that the pinned libmimalloc-sys builds; the crate exports no constant for it):
/// milliseconds before freed memory is purged (default 1000 in v3; 0 purges at once).
const MI_OPTION_PURGE_DELAY: ffi::mi_option_t = 15;

/// mimalloc's `mi_option_arena_purge_mult` (same header): a multiplier of the purge delay for
/// arenas (default 1).
const MI_OPTION_ARENA_PURGE_MULT: ffi::mi_option_t = 24;

/// How long a worker waits for the others in [`release`] before it goes back to work.
const MEETING_TIMEOUT: Duration = Duration::from_millis(100);

/// The global allocator of the `restpoint` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sets mimalloc's options; call before any other thread starts (mimalloc's `mi_option_set` is
/// not thread safe).
pub fn configure() {
    // SAFETY: plain C calls with valid option numbers of the mimalloc version built by the
    // pinned libmimalloc-sys; called from `main` before the runtime starts its threads.
    #[allow(unsafe_code)]
    unsafe {
        ffi::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        ffi::mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 0);
    }
}

/// Frees the calling thread's empty pages and purges the free memory of every arena.
fn collect_here() {
    // SAFETY: `mi_collect` takes no pointer and may be called from any thread at any time.
    #[allow(unsafe_code)]
    unsafe {
        ffi::mi_collect(true);
    }
}

/// The hook registered with `restpoint_emulator::set_memory_release`: collects the calling
/// thread's heap, then that of every worker of the current tokio runtime (mimalloc collects only
/// the calling thread's heap). Each worker runs one collecting task and waits, at most
/// [`MEETING_TIMEOUT`], until all have collected, so that no worker runs two of them.
pub fn release() {
    collect_here();
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let workers = handle.metrics().num_workers();
    let meeting = Arc::new((Mutex::new(0usize), Condvar::new()));
    for _ in 0..workers {
        let meeting = Arc::clone(&meeting);
        handle.spawn(async move {
            collect_here();
            let (count, arrived) = &*meeting;
            let deadline = Instant::now() + MEETING_TIMEOUT;
            let Ok(mut n) = count.lock() else { return };
            *n += 1;
            arrived.notify_all();
            while *n < workers {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match arrived.wait_timeout(n, left) {
                    Ok((guard, _)) => n = guard,
                    Err(_) => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option numbers name the options meant: they read the defaults of those options in
    /// the mimalloc built (`options.c` of v3: 1000 ms and 1, unless the environment sets them),
    /// and the neighbouring numbers read theirs (0).
    #[test]
    fn option_numbers_are_purge_delay_and_arena_purge_mult() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
            || std::env::var_os("MIMALLOC_ARENA_PURGE_MULT").is_some()
        {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY or MIMALLOC_ARENA_PURGE_MULT is set");
            return;
        }
        // SAFETY: `mi_option_get` only reads an option.
        #[allow(unsafe_code)]
        let (delay, mult, numa, disallow) = unsafe {
            (
                ffi::mi_option_get(MI_OPTION_PURGE_DELAY),
                ffi::mi_option_get(MI_OPTION_ARENA_PURGE_MULT),
                ffi::mi_option_get(MI_OPTION_PURGE_DELAY + 1),
                ffi::mi_option_get(MI_OPTION_ARENA_PURGE_MULT + 2),
            )
        };
        assert_eq!((delay, mult), (1000, 1));
        // use_numa_nodes and disallow_arena_alloc default to 0.
        assert_eq!((numa, disallow), (0, 0));
    }
}
