//! Benchmarks of restpoint: every performance figure of `shared/docs/targets.md` (P1–P7) measured
//! against its baseline in the same run, printed as one table.
//!
//! `cargo xtask bench` builds the release binaries once and runs `restpoint-bench all`, which runs
//! each figure in a child process of its own (so that one figure's memory, threads or output do
//! not disturb the next) and prints the table; it also writes it as Markdown to
//! `target/bench-table.md`. `cargo xtask bench --build-times` adds P7 (a cold workspace build in
//! a target folder of its own, then a rebuild after touching the session core).
//!
//! | figure | ours | baseline |
//! | --- | --- | --- |
//! | P1 | median of N authenticated `GET /api/v1/jobs?limit=50` through the typed VBR client, decoded into `JobsResult` | the same GET by bare reqwest on one reused connection, headers set by hand, decoded with serde_json |
//! | P2 | N concurrent typed calls that all find the access token expired (virtual clock moved past it) | the same N calls with a fresh token |
//! | P3 | VmRSS of the emulator's `sessions_memory` example holding 100,000 live sessions | its VmRSS before the logons |
//! | P4 | authenticated GETs/s against the emulator (`throughput` example) | the same load against a bare axum TLS handler |
//! | P5 | wall time of the whole conformance suite against the embedded emulator | — |
//! | P6 | EM LogonSession parse into typed structs (the `restpoint-em` `parse` bench) | a bare quick-xml event scan |
//! | P7 | cold `cargo build --workspace --all-targets`; rebuild after touching `crates/session/src/lib.rs` | — |
//! | Py | log on → list jobs → log off, N times, with a new `VbrSession` each time | the same cycle by `python/cycle.py` (`requests`) |

pub mod client;
pub mod procs;
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
}

impl Sizes {
    /// The sizes the targets name.
    pub const FULL: Sizes = Sizes {
        p1_calls: 2_000,
        p2_concurrent: 1_000,
        p3_sessions: 100_000,
        p4_seconds: 5,
        py_cycles: 200,
    };

    /// Small sizes (`--quick`): a look in a few seconds, not the targets' figures.
    pub const QUICK: Sizes = Sizes {
        p1_calls: 200,
        p2_concurrent: 100,
        p3_sessions: 10_000,
        p4_seconds: 2,
        py_cycles: 20,
    };
}
