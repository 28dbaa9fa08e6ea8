//! restpoint's OpenAPI 3.0 → Rust client generator.
//!
//! Real vendor specs (hundreds of operations, thousands of schemas) go through
//! [`normalize`] (what progenitor cannot take), progenitor (under `catch_unwind`, operations
//! bisected when the whole spec fails), and then through passes over the generated syntax tree:
//! bodies progenitor cannot encode ([`custom_body`]), lenient enums ([`lenient_enums`]),
//! first-letter-case aliases ([`lenient_fields`]) and typed sends through a restpoint session
//! ([`typed_send`]). Secret properties are typed `restpoint_session::SecretField` ([`secrets`]).
//! [`standalone`] writes a whole client crate; [`settings`] reads a product's settings file.
//!
//! Every rewrite is generic: it is keyed on a construct of the spec, never on a vendor's names.
//! What is vendor-specific (a header the session sets, the operations the session owns, more
//! secret property names) enters through [`Config`], which the caller (the product) passes.
//! The crate's README lists every rewrite.
//!
//! ```no_run
//! let spec = restpoint_codegen::load_spec(std::path::Path::new("openapi.json"))?;
//! let config = restpoint_codegen::Config {
//!     inner_type: Some("crate::client::ApiSession".into()),
//!     strip_header_parameters: vec!["x-api-version".into()],
//!     session_owned_operations: vec!["CreateToken".into()],
//!     ..Default::default()
//! };
//! let generated = restpoint_codegen::generate(spec, &config)?;
//! std::fs::write("generated.rs", generated.code)?;
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod build;
pub mod custom_body;
pub mod lenient_enums;
pub mod lenient_fields;
pub mod normalize;
pub mod openapi;
pub mod secrets;
pub mod settings;
pub mod standalone;
pub mod typed_send;

pub use openapi::{Generated, Operation, generate, load_spec, operations};

/// What the caller (a product) tells the generator; everything vendor-specific lives here.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Rust path of the type the generated `Client` carries as its inner value, a
    /// `restpoint_session::Session<_>` whose crate then implements `ClientHooks` for `Client`
    /// (session handling); every builder's `send` then answers `restpoint_session::Error`
    /// ([`typed_send`]). `None`: a plain progenitor client.
    pub inner_type: Option<String>,
    /// Header parameters removed from every operation (compared without regard to ASCII case),
    /// because the session sets them once per client (e.g. an API version header).
    pub strip_header_parameters: Vec<String>,
    /// Operation ids (compared without regard to ASCII case) that the hand-written session owns
    /// (logon, token refresh, logoff): left out of the generated client, so that no caller can
    /// send them behind the session's back. Their model types stay (secrets redacted).
    pub session_owned_operations: Vec<String>,
    /// Property names (compared as [`secrets::normalised`]) that are secret beside the built-in,
    /// vendor-neutral rules of [`secrets`].
    pub extra_secret_names: Vec<String>,
}
