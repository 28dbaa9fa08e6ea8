//! OpenAPI → Rust: load a spec, normalise it, run progenitor, make enums lenient, format.
//!
//! The output tolerates what newer servers send: string enums decode re-cased and unknown
//! values ([`lenient_enums`]), and property names decode with either case of their first letter
//! ([`lenient_fields`]). Secret properties (passwords, tokens, …) are typed
//! `restpoint_session::SecretField`, which never prints its value ([`secrets`]). A client over a session sends every operation through it and answers
//! `restpoint_session::Error` naming the spec's operation id ([`typed_send`]).
//!
//! progenitor panics on some constructs instead of returning an error. Generation runs under
//! `catch_unwind`; when the whole spec fails, the operations are bisected to find the ones that
//! fail on their own, those are skipped with one warning line each, and the rest is generated.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use progenitor::{CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::Config;
use crate::normalize::{self, METHODS};
use crate::{custom_body, lenient_enums, lenient_fields, secrets, typed_send};

/// One operation of a spec, as listed in snapshots.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Operation id after normalisation.
    pub id: String,
}

/// The result of generating one spec.
#[derive(Debug)]
pub struct Generated {
    /// Formatted Rust source, without the `@generated` header.
    pub code: String,
    /// Operations that were generated.
    pub operations: Vec<Operation>,
    /// Number of component schemas in the spec.
    pub n_schemas: usize,
    /// One line per rewrite or skipped operation.
    pub warnings: Vec<String>,
    /// Where each property given the secret type is ([`secrets::mark_secrets`]).
    pub secret_fields: Vec<String>,
    /// Operations left out because the session owns them ([`Config::session_owned_operations`]).
    pub session_owned: Vec<Operation>,
    /// Operations whose request body is sent by our own code path with its real media type
    /// ([`custom_body`]), as `METHOD path (media type)`.
    pub custom_bodies: Vec<String>,
    /// Operations progenitor could not generate, skipped (each also has a warning line).
    pub skipped: Vec<Operation>,
}

/// Reads a spec file as JSON or YAML.
pub fn load_spec(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read spec {}", path.display()))?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if is_json {
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
    } else {
        serde_yaml_ng::from_str(&text)
            .with_context(|| format!("{} is not valid YAML", path.display()))
    }
}

/// The operations of a (normalised) spec, sorted by path then method.
pub fn operations(spec: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    ops.push(Operation {
                        method: method.to_uppercase(),
                        path: path.clone(),
                        id: op
                            .get("operationId")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    });
                }
            }
        }
    }
    ops.sort();
    ops
}

/// Normalises and generates `spec` as `config` says.
pub fn generate(mut spec: Value, config: &Config) -> Result<Generated> {
    let settings = config;
    let report = normalize::normalize(&mut spec, config)?;
    let mut warnings = report.warnings;
    let session_owned = remove_session_owned(&mut spec, &config.session_owned_operations);
    for op in &session_owned {
        warnings.push(format!(
            "{} {}: left out of the client ({}: the session owns it)",
            op.method, op.path, op.id
        ));
    }
    let secret_fields = secrets::mark_secrets(&mut spec, &config.extra_secret_names);
    let mut skipped = Vec::new();
    let n_schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |s| s.len());

    let tokens = match try_generate(&spec, settings) {
        Ok(tokens) => tokens,
        Err(whole) => {
            let all = operations(&spec);
            if try_generate(&only_operations(&spec, &[]), settings).is_err() {
                bail!("the spec's schemas cannot be generated: {whole}");
            }
            let mut bad = Vec::new();
            bisect(&spec, settings, &all, &mut bad);
            skipped.extend(bad.iter().map(|(op, _)| op.clone()));
            for (op, why) in &bad {
                warnings.push(format!(
                    "{} {}: skipped ({}: {why})",
                    op.method, op.path, op.id
                ));
            }
            let good: Vec<Operation> = all
                .into_iter()
                .filter(|op| !bad.iter().any(|(b, _)| b == op))
                .collect();
            spec = only_operations(&spec, &good);
            try_generate(&spec, settings).map_err(|e| anyhow!("generation failed: {e}"))?
        }
    };
    let mut file: syn::File =
        syn::parse2(tokens).context("progenitor produced tokens that are not a Rust file")?;
    let custom_bodies = custom_body::apply(&mut file, &spec)?;
    lenient_enums::make_enums_lenient(&mut file);
    lenient_fields::add_case_aliases(&mut file);
    if settings.inner_type.is_some() {
        typed_send::wrap_sends(&mut file, &operations(&spec))?;
    }
    Ok(Generated {
        code: prettyplease::unparse(&file),
        operations: operations(&spec),
        n_schemas,
        warnings,
        secret_fields,
        session_owned,
        custom_bodies,
        skipped,
    })
}

/// Removes the operations whose id is in `owned` (compared without regard to ASCII case, as
/// operation ids are made unique); returns them.
fn remove_session_owned(spec: &mut Value, owned: &[String]) -> Vec<Operation> {
    if owned.is_empty() {
        return Vec::new();
    }
    let removed: Vec<Operation> = operations(spec)
        .into_iter()
        .filter(|op| owned.iter().any(|o| o.eq_ignore_ascii_case(&op.id)))
        .collect();
    let keep: Vec<Operation> = operations(spec)
        .into_iter()
        .filter(|op| !removed.contains(op))
        .collect();
    *spec = only_operations(spec, &keep);
    removed
}

/// Runs progenitor once, turning a panic into an error.
fn try_generate(spec: &Value, settings: &Config) -> Result<proc_macro2::TokenStream, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let mut gen_settings = GenerationSettings::new();
    gen_settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_crate(secrets::SECRET_CRATE, CrateVers::Any, None)
        .with_crate("std", CrateVers::Any, None);
    if let Some(inner) = &settings.inner_type {
        let inner: proc_macro2::TokenStream = inner
            .parse()
            .map_err(|e| format!("inner type {inner:?} is not a Rust path: {e}"))?;
        gen_settings
            .with_inner_type(inner)
            .with_hooks(HooksMode::Expected);
    }
    quiet_panics_hook();
    QUIET.set(true);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&gen_settings).generate_tokens(&openapi)
    }));
    QUIET.set(false);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(panic_message(payload.as_ref())),
    }
}

std::thread_local! {
    /// Whether this thread runs progenitor: its panics are caught and reported as warnings.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent on a thread running progenitor and hands every
/// other panic to the hook that was there before: other threads' panics keep their messages.
fn quiet_panics_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("progenitor panicked: {}", text.lines().next().unwrap_or(""))
}

/// A copy of `spec` with only `keep` among its operations.
fn only_operations(spec: &Value, keep: &[Operation]) -> Value {
    let mut spec = spec.clone();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for method in METHODS {
                    let kept = keep
                        .iter()
                        .any(|op| &op.path == path && op.method.eq_ignore_ascii_case(method));
                    if !kept {
                        item.remove(method);
                    }
                }
            }
        }
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|i| METHODS.iter().any(|m| i.contains_key(*m)))
        });
    }
    spec
}

/// Finds the operations of `ops` that fail to generate on their own.
fn bisect(spec: &Value, settings: &Config, ops: &[Operation], bad: &mut Vec<(Operation, String)>) {
    if ops.is_empty() {
        return;
    }
    match try_generate(&only_operations(spec, ops), settings) {
        Ok(_) => {}
        Err(why) if ops.len() == 1 => bad.push((ops[0].clone(), why)),
        Err(_) => {
            let (left, right) = ops.split_at(ops.len() / 2);
            bisect(spec, settings, left, bad);
            bisect(spec, settings, right, bad);
        }
    }
}
