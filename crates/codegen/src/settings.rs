//! A product's generation settings as a data file, read by every caller of the generator.
//!
//! A product crate keeps what is vendor-specific about its API in one small JSON file inside its
//! own package (restpoint's are `crates/vbr/codegen-settings.json` and
//! `crates/zvm/codegen-settings.json`): the header parameters the session sets, the operations
//! the session owns and extra secret property names. `cargo xtask regen` (code checked in) and
//! the product crate's build script (feature `full-api`, code generated into `OUT_DIR`) both read
//! that file, so the two ways of generating can never disagree.
//!
//! ```json
//! {
//!   "strip_header_parameters": ["x-api-version"],
//!   "session_owned_operations": ["CreateToken", "Logout"],
//!   "extra_secret_names": []
//! }
//! ```
//!
//! Every key is optional (an empty list when absent); an unknown key or a value that is not a
//! list of strings is an error, so that a misspelt key never silently changes the output.
//! [`Config::inner_type`] is not in the file: it is a Rust path that depends on where the code
//! is compiled (`crate::client::ApiSession` inside the product crate,
//! `::restpoint_vbr::client::ApiSession` in a standalone crate), so the caller passes it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::Config;

/// The keys a settings file may hold.
pub const KEYS: [&str; 3] = [
    "strip_header_parameters",
    "session_owned_operations",
    "extra_secret_names",
];

/// Parses the text of a settings file into a [`Config`] whose `inner_type` is `inner_type`.
pub fn parse(text: &str, inner_type: Option<String>) -> Result<Config> {
    let value: Value = serde_json::from_str(text).context("the settings are not valid JSON")?;
    let Value::Object(map) = value else {
        bail!("the settings must be a JSON object with the keys {KEYS:?}");
    };
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        bail!("unknown settings key `{unknown}` (known: {KEYS:?})");
    }
    let list = |key: &str| -> Result<Vec<String>> {
        match map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => bail!("`{key}` must list strings, found {other}"),
                })
                .collect(),
            Some(other) => bail!("`{key}` must be a list of strings, found {other}"),
        }
    };
    Ok(Config {
        inner_type,
        strip_header_parameters: list("strip_header_parameters")?,
        session_owned_operations: list("session_owned_operations")?,
        extra_secret_names: list("extra_secret_names")?,
    })
}

/// Reads a settings file (see the module documentation).
pub fn load(path: &Path, inner_type: Option<String>) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the generation settings {}", path.display()))?;
    parse(&text, inner_type).with_context(|| format!("in {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read_and_absent_ones_are_empty() {
        let config = parse(
            r#"{"strip_header_parameters": ["x-api-version"], "session_owned_operations": ["A", "B"]}"#,
            Some("crate::S".into()),
        )
        .unwrap();
        assert_eq!(config.inner_type.as_deref(), Some("crate::S"));
        assert_eq!(config.strip_header_parameters, ["x-api-version"]);
        assert_eq!(config.session_owned_operations, ["A", "B"]);
        assert!(config.extra_secret_names.is_empty());
    }

    #[test]
    fn a_misspelt_key_or_a_wrong_type_is_refused() {
        let err = parse(r#"{"session_owned_operation": []}"#, None).unwrap_err();
        assert!(err.to_string().contains("session_owned_operation"), "{err}");
        assert!(parse(r#"{"extra_secret_names": "token"}"#, None).is_err());
        assert!(parse(r#"{"extra_secret_names": [1]}"#, None).is_err());
        assert!(parse(r#"["x"]"#, None).is_err());
    }
}
