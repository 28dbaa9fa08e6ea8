#![doc = include_str!("../README.md")]

pub mod client;
pub mod procs;
pub mod spec_driven;
pub mod table;

pub use table::{Row, Verdict};

use std::path::PathBuf;
use std::time::Duration;

/// The workspace root (this crate sits in `crates/bench`).
pub fn workspace_root() -> PathBuf {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    root.canonicalize().unwrap_or(root)
}

/// The median of `samples` (sorted in place); zero when empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// A duration for the table: `412 µs`, `3.21 ms`, `12.4 s`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.1} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Sizes of a run: the full figures of the targets, or small ones for a quick look.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// P1: calls of each kind.
    pub p1_calls: usize,
    /// P2: concurrent calls.
    pub p2_concurrent: usize,
    /// P3: live sessions.
    pub p3_sessions: usize,
    /// P4: seconds of load on each server.
    pub p4_seconds: u64,
    /// Python comparison: cycles on each side.
    pub py_cycles: usize,
    /// P9: GETs of each kind.
    pub p9_calls: usize,
}

impl Sizes {
    /// The sizes the targets name.
    pub const FULL: Sizes = Sizes {
        p1_calls: 2_000,
        p2_concurrent: 1_000,
        p3_sessions: 100_000,
        p4_seconds: 5,
        py_cycles: 200,
        p9_calls: 20_000,
    };

    /// Small sizes (`--quick`): a look in a few seconds, not the targets' figures.
    pub const QUICK: Sizes = Sizes {
        p1_calls: 200,
        p2_concurrent: 100,
        p3_sessions: 10_000,
        p4_seconds: 2,
        py_cycles: 20,
        p9_calls: 2_000,
    };
}
