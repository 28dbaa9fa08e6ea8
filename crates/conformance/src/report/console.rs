//! The live console output of a run, redacted line by line.
//!
//! cucumber's writer prints each step as it finishes, failure messages included; a message may
//! quote an answer that holds a token. [`RedactingWriter`] holds back each line until its end and
//! writes it through [`redact`], so the console shows no secret the run has seen, as the report
//! files do not.

use std::io::{self, Write};

use super::evidence::redact;

/// A `Write` that passes whole lines to `inner` with every secret seen so far replaced.
pub struct RedactingWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    /// Redacts what is written before it reaches `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_redacted(&mut self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        self.inner.write_all(redact(&text).as_bytes())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
            let lines: Vec<u8> = self.pending.drain(..=end).collect();
            self.write_redacted(&lines)?;
        }
        Ok(buf.len())
    }

    /// Writes what is held back even without its line end: cucumber rewrites a step's line in
    /// place with cursor moves, so a partial line is flushed as it is, redacted.
    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.write_redacted(&rest)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::report::evidence::{REDACTED, remember_secret};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_secret_split_across_writes_is_redacted_whole() {
        remember_secret("console-token-7f3a9c");
        let sink = Sink::default();
        let mut writer = RedactingWriter::new(sink.clone());
        write!(writer, "step failed: token console-tok").unwrap();
        write!(writer, "en-7f3a9c refused\nnext line").unwrap();
        writer.flush().unwrap();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("console-token-7f3a9c"), "{text}");
        assert_eq!(
            text,
            format!("step failed: token {REDACTED} refused\nnext line")
        );
    }
}
