//! Credentials held as secrets: redacted in `Debug` and `Display`, exposed only to build the
//! header or form field that carries them.

use std::fmt;
use std::io::BufRead;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ConfigError, Error};

/// A username and a password (or a client id and a client secret).
///
/// `Debug` and `Display` show the username and never the password.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

impl Credentials {
    /// Credentials from arguments.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Credentials from two environment variables, e.g.
    /// `Credentials::from_env("RESTPOINT_VBR_USER", "RESTPOINT_VBR_PASSWORD")`.
    pub fn from_env(username_var: &str, password_var: &str) -> Result<Self, Error> {
        let username = std::env::var(username_var)
            .map_err(|_| Error::Config(ConfigError::MissingEnv(username_var.to_owned())))?;
        let password = std::env::var(password_var)
            .map_err(|_| Error::Config(ConfigError::MissingEnv(password_var.to_owned())))?;
        Ok(Self::new(username, password))
    }

    /// Credentials for `username` with the password read as the first line of `reader` (the
    /// line ending is removed).
    pub fn from_reader(
        username: impl Into<String>,
        mut reader: impl BufRead,
    ) -> Result<Self, Error> {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|_| Error::Config(ConfigError::Stdin))?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        line.clear();
        Ok(Self::new(username, password))
    }

    /// Credentials for `username` with the password read as one line from stdin. The terminal
    /// echo is not switched off: pipe the password in (`pass show vbr | restpoint ...`).
    pub fn from_stdin(username: impl Into<String>) -> Result<Self, Error> {
        Self::from_reader(username, std::io::stdin().lock())
    }

    /// The username (not a secret).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, still wrapped.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// `Authorization: Basic base64(user:password)`, marked sensitive so that HTTP layers never
    /// log it.
    pub fn basic_auth_header(&self) -> HeaderValue {
        let raw = format!("{}:{}", self.username, self.password.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
            .expect("base64 is a valid header value");
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (password redacted)", self.username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_password() {
        let c = Credentials::new("alice", "hunter2-secret");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{c}").contains("hunter2"));
        assert!(format!("{c:?}").contains("alice"));
    }

    #[test]
    fn basic_header_is_sensitive_and_correct() {
        let c = Credentials::new("Aladdin", "open sesame");
        let h = c.basic_auth_header();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(!format!("{h:?}").contains("QWxh"));
    }

    #[test]
    fn from_reader_strips_the_line_ending() {
        let c = Credentials::from_reader("bob", &b"pa ss\r\nnext"[..]).unwrap();
        assert_eq!(c.password().expose_secret(), "pa ss");
    }

    #[test]
    fn missing_env_names_the_variable_only() {
        let e = Credentials::from_env("RESTPOINT_TEST_NO_SUCH_USER", "X").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: environment variable RESTPOINT_TEST_NO_SUCH_USER is not set"
        );
    }
}
