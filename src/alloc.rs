//! The global allocator of everything linking this crate: mimalloc (feature `mimalloc`,
//! on by default), configured once at start-up by [`configure`].
//!
//! The parser allocates a small node per token and the analysis drops each file's tree
//! before the next, so the same memory is allocated and freed over and over. By default
//! mimalloc gives freed memory back to the system after a delay (1 s in the version
//! linked) and later files then fault it in again, zeroed by the kernel: on the benchmark
//! corpus at two threads that was about 3 s of system time and 15% of the wall time.
//! Keeping it costs little: a run's peak stays about one file set in flight plus the
//! index (peak RSS about 8% higher).

use std::os::raw::c_int;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (mimalloc.h): milliseconds before
/// freed memory is given back to the system, `-1` for never. The Rust bindings do not
/// name it.
pub const PURGE_DELAY: c_int = 15;

/// Keeps freed memory for reuse instead of returning it to the system. Call first thing
/// in `main`; it only changes when memory goes back to the system, so calling it late is
/// harmless. Without the `mimalloc` feature, nothing to do.
pub fn configure() {
    // SAFETY: setting an option is always allowed; mimalloc reads it on its next purge.
    #[cfg(feature = "mimalloc")]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1)
    }
}

#[cfg(all(test, feature = "mimalloc"))]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // A delay in milliseconds by default (purging on), unless set from outside.
        let before = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!(before > 0, "{before}");
        }
        configure();
        let after = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
