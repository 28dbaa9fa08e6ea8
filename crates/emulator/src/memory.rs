//! A hook through which the program that chose the global allocator gives freed memory back to
//! the system after the emulator dropped its expired sessions (R6, `crates/hardening/README.md`).
//!
//! The library chooses no allocator, so it cannot call one; a binary registers
//! [`set_memory_release`] once at start-up and the emulator calls the hook after each purge of
//! expired sessions (`POST /admin/purge`, [`crate::Admin::purge_expired`] and the periodic purge),
//! never on the request path.

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Registers the function the emulator calls after it purged expired sessions, to give the
/// allocator's free memory back to the system (for example mimalloc's `mi_collect`). Returns
/// `false` (and keeps the first) when a hook was already registered. The hook runs on a tokio
/// worker thread when there is a runtime; it must not block for long.
pub fn set_memory_release(release: fn()) -> bool {
    RELEASE.set(release).is_ok()
}

/// Calls the registered hook, if any.
pub(crate) fn release_memory() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}
