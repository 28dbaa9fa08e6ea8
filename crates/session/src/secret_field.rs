//! [`SecretField`]: the type of every secret property of the generated models.
//!
//! `cargo xtask regen` gives this type to the properties of an OpenAPI model that hold a
//! password, a token, a client secret, an authorization code or a private key (see
//! `xtask/src/secrets.rs` for how they are chosen). Unlike [`secrecy::SecretString`] it
//! serializes to its value, so a request body built from a generated model still carries the
//! password; unlike a `String` it never shows that value in `Debug`.

use std::fmt;

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string property of a generated model (a password, a token, a client secret, …).
///
/// - `Debug` prints `"<redacted>"`, never the value; there is no `Display`.
/// - `Serialize` writes the value itself (a request must carry it) and `Deserialize` reads a
///   plain string, so the wire form is the one the spec describes.
/// - [`SecretField::expose`] is the only way to read the value; the memory is zeroed on drop.
///
/// ```
/// use restpoint_session::SecretField;
///
/// let password = SecretField::from("hunter2-but-longer");
/// assert_eq!(format!("{password:?}"), "\"<redacted>\"");
/// assert_eq!(serde_json::to_string(&password).unwrap(), "\"hunter2-but-longer\"");
/// assert_eq!(password.expose(), "hunter2-but-longer");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretField(String);

impl SecretField {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for the code that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value as a [`SecretString`], to keep it wrapped beyond the model.
    pub fn to_secret_string(&self) -> SecretString {
        SecretString::from(self.0.clone())
    }
}

impl fmt::Debug for SecretField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt("<redacted>", f)
    }
}

impl Drop for SecretField {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl From<String> for SecretField {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretField {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<&SecretString> for SecretField {
    fn from(value: &SecretString) -> Self {
        Self(value.expose_secret().to_owned())
    }
}

impl From<SecretField> for SecretString {
    fn from(value: SecretField) -> Self {
        value.to_secret_string()
    }
}

impl Serialize for SecretField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value_and_serde_keeps_it() {
        let field = SecretField::new("s3cr3t-value-1234");
        assert_eq!(format!("{field:?}"), "\"<redacted>\"");
        assert_eq!(format!("{field:#?}"), "\"<redacted>\"");
        let some = Some(field.clone());
        assert!(!format!("{some:?}").contains("s3cr3t"));
        assert_eq!(
            serde_json::to_string(&field).unwrap(),
            "\"s3cr3t-value-1234\""
        );
        let back: SecretField = serde_json::from_str("\"s3cr3t-value-1234\"").unwrap();
        assert_eq!(back, field);
        assert_eq!(back.expose(), "s3cr3t-value-1234");
        assert!(serde_json::from_str::<SecretField>("42").is_err());
        let wrapped: SecretString = back.into();
        assert_eq!(wrapped.expose_secret(), "s3cr3t-value-1234");
    }
}
