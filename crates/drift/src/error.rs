//! The errors of loading a document: it cannot be read, is neither JSON nor YAML, or is not an
//! OpenAPI 3.x document.

use std::path::PathBuf;

/// Why a document could not be loaded. Comparing two loaded documents never fails.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The text is neither valid JSON nor valid YAML.
    #[error("{name} is neither JSON nor YAML: {message}")]
    Parse {
        /// The file name (or the name given to [`crate::Spec::parse`]).
        name: String,
        /// The parser's message (line and column included).
        message: String,
    },
    /// The document parsed but is not an OpenAPI 3.x document (no `openapi: 3.x` field, or no
    /// `paths` object).
    #[error("{name} is not an OpenAPI 3.x document: {why}")]
    NotOpenApi {
        /// The file name (or the name given to [`crate::Spec::parse`]).
        name: String,
        /// What is missing.
        why: String,
    },
}
