//! What `restpoint conform` exits with, and the typed errors that decide it.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | every scenario that ran passed |
//! | 1 | a rule failed (a scenario failed, a coverage problem, a cucumber error) |
//! | 2 | usage: a bad option, a missing user or password, an unreadable CA file |
//! | 3 | a target is unreachable, or its TLS or logon pre-flight failed |
//! | 4 | no scenario ran (e.g. a `--tag` filter that matches nothing) |

use std::fmt;
use std::process::ExitCode;

use crate::report::Summary;

/// Every scenario that ran passed.
pub const PASSED: u8 = 0;
/// A rule failed.
pub const FAILED: u8 = 1;
/// The command line or the environment is wrong.
pub const USAGE: u8 = 2;
/// A target is unreachable or its pre-flight logon failed.
pub const PREFLIGHT: u8 = 3;
/// No scenario ran.
pub const NOTHING_RAN: u8 = 4;

/// A mistake in the options or the environment (exit code [`USAGE`]). The message names
/// options and variables, never a secret.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// One or more targets failed their pre-flight (exit code [`PREFLIGHT`]): no scenario was run.
/// Each reason names the product, its URL and what went wrong, never a password or token.
#[derive(Debug)]
pub struct PreflightFailed {
    /// One line per failed target.
    pub reasons: Vec<String>,
}

impl fmt::Display for PreflightFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pre-flight failed; no scenario was run")?;
        for r in &self.reasons {
            write!(f, "\n  - {r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PreflightFailed {}

/// The exit code of a finished run: [`PASSED`], [`FAILED`] or [`NOTHING_RAN`].
pub fn code_of_summary(summary: &Summary) -> u8 {
    if !summary.success() {
        FAILED
    } else if summary.passed == 0 {
        NOTHING_RAN
    } else {
        PASSED
    }
}

/// The exit code of a run that stopped with `error`: [`USAGE`], [`PREFLIGHT`], or [`FAILED`]
/// for anything else.
pub fn code_of_error(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<UsageError>().is_some()
        || error
            .downcast_ref::<restpoint_emulator::UnknownProfile>()
            .is_some()
    {
        USAGE
    } else if error.downcast_ref::<PreflightFailed>().is_some() {
        PREFLIGHT
    } else {
        FAILED
    }
}

/// The process exit code of `result`, as `restpoint conform` exits.
pub fn exit_code(result: &anyhow::Result<Summary>) -> ExitCode {
    ExitCode::from(match result {
        Ok(summary) => code_of_summary(summary),
        Err(e) => code_of_error(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_codes() {
        assert_eq!(
            code_of_error(&anyhow::Error::new(UsageError("x".into()))),
            USAGE
        );
        let pre = anyhow::Error::new(PreflightFailed {
            reasons: vec!["EM: refused".into()],
        })
        .context("while starting");
        assert_eq!(code_of_error(&pre), PREFLIGHT);
        assert_eq!(code_of_error(&anyhow::anyhow!("boom")), FAILED);
    }
}
