//! Hardening figures R1–R6 of `shared/docs/targets.md` for restpoint's clients and emulator.
//!
//! The figures themselves are tests (`tests/*.rs`) and the `soak` binary; this library holds what
//! they share: hostile servers on two origins ([`hostile`]), a log capture for a tracing subscriber ([`Capture`]), small TLS servers with
//! certificates made to order ([`tls`]), resident memory ([`rss_kib`]) and the soak run
//! ([`soak`]).

pub mod hostile;
pub mod soak;
pub mod tls;

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A `MakeWriter` for `tracing_subscriber` that keeps every line written in memory, so a test
/// can search the logs (R3) or find a warning (R5).
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far, lossily decoded.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Forgets what was written so far.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Resident memory of this process in KiB (`VmRSS` of `/proc/self/status`), `None` where there
/// is no such file.
pub fn rss_kib() -> Option<u64> {
    vm_rss(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// Resident memory of the process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`), `None` where
/// there is no such file (another OS, or the process is gone).
pub fn rss_kib_of(pid: u32) -> Option<u64> {
    vm_rss(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

fn vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Installs aws-lc-rs as the process's rustls provider (a guard against feature unification
/// turning on a second provider; see the toolchain notes).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
