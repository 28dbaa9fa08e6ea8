//! Secret properties of the OpenAPI models get `restpoint_session::SecretField`.
//!
//! progenitor derives `Debug` on every model, so a `password: String` would be printed by any
//! `{:?}` of a login request or a token answer. Before generation this pass marks each secret
//! string property with typify's `x-rust-type` extension, naming
//! [`restpoint_session::SecretField`](SECRET_TYPE): a type whose `Debug` prints `"<redacted>"`
//! and whose `Serialize` still sends the value.
//!
//! # Which properties are secret
//! Only properties whose own schema is a plain string (`type: string`, no `enum`, no format other
//! than `password` or `byte`) are considered. One of them is secret when:
//!
//! 1. its schema says `format: password` (OpenAPI's own marker for a sensitive string); this
//!    also applies to array items and to a named string schema with `format: password` (typify
//!    then makes a newtype around `SecretField`, which prints `Name("<redacted>")`); or
//! 2. its name, lower-cased with everything but letters and digits removed
//!    (`refresh_token`, `refreshToken` and `Refresh-Token` all become `refreshtoken`), ends
//!    with one of [`SECRET_SUFFIXES`] and is not one of [`NOT_SECRET`]; or
//! 3. it is named `code` in an object that also has a `grant_type` property (an OAuth 2.0 token
//!    request, RFC 6749 §4.1.3) or a `state` property (an OAuth 2.0 authorization response,
//!    RFC 6749 §4.1.2): `code` alone names error and status codes far more often than
//!    authorization codes.
//!
//! The rules look at property names and formats only, never at a vendor's schema names, so a
//! downloaded vendor spec gets the same treatment as ours. Deliberately *not* secret: `accessKey`
//! (the public half of an HMAC key pair; its `secretKey` is secret), `userCode` (RFC 8628 shows
//! it to the user), `licenseKey`, `key`, `sessionId` (a VBR session is a job run, not a logon).
//!
//! # Nullable properties
//! typify reads `x-rust-type` before `nullable`. A nullable secret that is not required is
//! `Option<SecretField>` anyway (JSON `null` reads as `None`); a required nullable one is marked
//! as `std::option::Option<SecretField>`.

use serde_json::{Map, Value, json};

/// The Rust path of the secret type.
pub const SECRET_TYPE: &str = "restpoint_session::SecretField";
/// The crate of [`SECRET_TYPE`], as `x-rust-type` names it.
pub const SECRET_CRATE: &str = "restpoint-session";

/// A normalised property name that ends with one of these is a secret (rule 2).
pub const SECRET_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secretkey",
    "token",
    "privatekey",
    "sharedkey",
    "apikey",
    "appkey",
    "encryptionkey",
    "authorizationcode",
    "authcode",
    "devicecode",
    "verificationcode",
];

/// Normalised names that end like a secret but are not one: paging cursors.
pub const NOT_SECRET: &[&str] = &["pagetoken", "nextpagetoken", "continuationtoken"];

/// The extension typify reads.
const RUST_TYPE: &str = "x-rust-type";

/// Marks every secret property of `spec` (see the module docs); returns where each one is, as
/// `<schema location>.<property>`.
///
/// `extra` names more secret properties (compared [`normalised`]) beside the built-in rules.
pub fn mark_secrets(spec: &mut Value, extra: &[String]) -> Vec<String> {
    let extra: Vec<String> = extra.iter().map(|n| normalised(n)).collect();
    let rules = Rules { extra: &extra };
    let found = &mut Found {
        rules,
        at: Vec::new(),
    };
    if let Some(components) = spec.get_mut("components").and_then(Value::as_object_mut) {
        if let Some(schemas) = components.get_mut("schemas").and_then(Value::as_object_mut) {
            for (name, schema) in schemas.iter_mut() {
                walk_schema(schema, name, found);
            }
        }
        for kind in ["requestBodies", "responses"] {
            if let Some(items) = components.get_mut(kind).and_then(Value::as_object_mut) {
                for (name, item) in items.iter_mut() {
                    walk_content(item, &format!("{kind}.{name}"), found);
                }
            }
        }
    }
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                let Some(operation) = operation.as_object_mut() else {
                    continue;
                };
                let at = format!("{} {path}", method.to_uppercase());
                if let Some(body) = operation.get_mut("requestBody") {
                    walk_content(body, &format!("{at} body"), found);
                }
                if let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                {
                    for (status, response) in responses.iter_mut() {
                        walk_content(response, &format!("{at} {status}"), found);
                    }
                }
            }
        }
    }
    std::mem::take(&mut found.at)
}

/// The configured extra names.
struct Rules<'a> {
    extra: &'a [String],
}

/// The rules and what they found.
struct Found<'a> {
    rules: Rules<'a>,
    at: Vec<String>,
}

impl Found<'_> {
    fn push(&mut self, at: String) {
        self.at.push(at);
    }

    fn is_secret_name(&self, name: &str) -> bool {
        is_secret_name(name) || self.rules.extra.contains(&normalised(name))
    }
}

/// The schemas of a request body's or a response's `content`.
fn walk_content(holder: &mut Value, at: &str, found: &mut Found<'_>) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut() {
        if let Some(schema) = media.get_mut("schema") {
            walk_schema(schema, at, found);
        }
    }
}

/// The name as the rules compare it: lower case, letters and digits only.
pub fn normalised(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Rule 2: a secret by its name alone.
pub fn is_secret_name(name: &str) -> bool {
    let name = normalised(name);
    !NOT_SECRET.contains(&name.as_str()) && SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A string that the secret type can stand for: no enum, no format but `password` or `byte`.
fn is_plain_string(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("enum").is_none()
        && schema.get(RUST_TYPE).is_none()
        && matches!(
            schema.get("format").and_then(Value::as_str),
            None | Some("password") | Some("byte")
        )
}

fn is_password_format(schema: &Value) -> bool {
    is_plain_string(schema) && schema.get("format").and_then(Value::as_str) == Some("password")
}

fn rust_type(path: &str, crate_name: &str, parameters: Vec<Value>) -> Value {
    json!({
        "crate": crate_name,
        "version": "*",
        "path": path,
        "parameters": parameters,
    })
}

/// Gives `schema` the secret type (`Option<SecretField>` when `optional`).
fn mark(schema: &mut Value, optional: bool) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let secret = rust_type(SECRET_TYPE, SECRET_CRATE, Vec::new());
    let extension = if optional {
        let inner = json!({ "type": "string", RUST_TYPE: secret });
        rust_type("std::option::Option", "std", vec![inner])
    } else {
        secret
    };
    object.insert(RUST_TYPE.into(), extension);
}

fn walk_schema(schema: &mut Value, at: &str, found: &mut Found<'_>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if is_password_format(&Value::Object(object.clone())) {
        let nullable = object.get("nullable").and_then(Value::as_bool) == Some(true);
        mark(schema, nullable);
        found.push(at.to_owned());
        return;
    }
    let required: Vec<String> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        let names: Vec<String> = properties.keys().map(|k| normalised(k)).collect();
        let oauth = names.iter().any(|n| n == "granttype" || n == "state");
        for (name, property) in properties.iter_mut() {
            let secret = is_plain_string(property)
                && (is_password_format(property)
                    || found.is_secret_name(name)
                    || (oauth && normalised(name) == "code"));
            if secret {
                let nullable = property.get("nullable").and_then(Value::as_bool) == Some(true);
                mark(property, nullable && required.contains(name));
                found.push(format!("{at}.{name}"));
            } else {
                walk_schema(property, &format!("{at}.{name}"), found);
            }
        }
    }
    walk_children(object, at, found);
}

fn walk_children(object: &mut Map<String, Value>, at: &str, found: &mut Found<'_>) {
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get_mut(key) {
            walk_schema(child, &format!("{at}[{key}]"), found);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(children) = object.get_mut(key).and_then(Value::as_array_mut) {
            for (i, child) in children.iter_mut().enumerate() {
                walk_schema(child, &format!("{at}[{key}.{i}]"), found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_normalised_and_by_suffix() {
        for secret in [
            "password",
            "Password",
            "rootPassword",
            "client_secret",
            "clientSecret",
            "access_token",
            "refreshToken",
            "vbr_token",
            "token",
            "privateKey",
            "s3SecretKey",
            "passphrase",
            "sharedKey",
            "api-key",
            "verificationCode",
            "deviceCode",
        ] {
            assert!(is_secret_name(secret), "{secret} should be secret");
        }
        for plain in [
            "username",
            "token_type",
            "tokenType",
            "accessKey",
            "userCode",
            "code",
            "errorCode",
            "key",
            "licenseKey",
            "sessionId",
            "passwordHint",
            "nextPageToken",
            "expires_in",
        ] {
            assert!(!is_secret_name(plain), "{plain} should not be secret");
        }
    }

    #[test]
    fn marks_plain_string_properties_only() {
        let mut spec = json!({
            "openapi": "3.0.3",
            "paths": {
                "/login": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"pin": {"type": "string", "format": "password"}}
                    }}}},
                    "responses": {}
                }}
            },
            "components": {"schemas": {
                "Login": {
                    "type": "object",
                    "required": ["grant_type", "password", "apiKey"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "code": {"type": "string"},
                        "apiKey": {"type": "string", "nullable": true},
                        "hasPassword": {"type": "boolean"},
                        "tokenIssued": {"type": "string", "format": "date-time"},
                        "nested": {"type": "array", "items": {"type": "object",
                            "properties": {"secret": {"type": "string"}}}}
                    }
                },
                "Error": {"type": "object", "properties": {"code": {"type": "string"}}},
                "Pin": {"type": "string", "format": "password"}
            }}
        });
        let mut found = mark_secrets(&mut spec, &[]);
        found.sort();
        assert_eq!(
            found,
            [
                "Login.apiKey",
                "Login.code",
                "Login.nested[items].secret",
                "Login.password",
                "POST /login body.pin",
                "Pin",
            ]
        );
        let login = &spec["components"]["schemas"]["Login"]["properties"];
        assert_eq!(login["password"][RUST_TYPE]["path"], SECRET_TYPE);
        assert_eq!(login["apiKey"][RUST_TYPE]["path"], "std::option::Option");
        assert_eq!(
            login["apiKey"][RUST_TYPE]["parameters"][0][RUST_TYPE]["path"],
            SECRET_TYPE
        );
        assert!(login["username"].get(RUST_TYPE).is_none());
        assert!(login["hasPassword"].get(RUST_TYPE).is_none());
        assert!(login["tokenIssued"].get(RUST_TYPE).is_none());
        let error = &spec["components"]["schemas"]["Error"]["properties"]["code"];
        assert!(error.get(RUST_TYPE).is_none());
        // A second pass finds nothing new to mark.
        assert!(mark_secrets(&mut spec, &[]).is_empty());
        // A configured name is secret too.
        let mut extra = json!({"components": {"schemas": {"S": {"type": "object",
            "properties": {"pin": {"type": "string"}, "username": {"type": "string"}}}}}});
        assert_eq!(mark_secrets(&mut extra, &["PIN".into()]), ["S.pin"]);
    }

    #[test]
    fn generated_models_carry_the_secret_type() {
        let spec = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/login": {"post": {
                "operationId": "Login",
                "requestBody": {"content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Login"}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Answer"}}}}}
            }}},
            "components": {"schemas": {
                "Login": {
                    "type": "object",
                    "required": ["password", "apiKey", "pin"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "apiKey": {"type": "string", "nullable": true},
                        "pin": {"$ref": "#/components/schemas/Pin"}
                    }
                },
                "Answer": {"type": "object", "properties": {
                    "token": {"type": "string"},
                    "token_type": {"type": "string"}
                }},
                "Pin": {"type": "string", "format": "password"}
            }}
        });
        let generated = crate::openapi::generate(spec, &crate::Config::default()).unwrap();
        assert_eq!(
            generated.secret_fields.len(),
            4,
            "{:?}",
            generated.secret_fields
        );
        let code = generated.code;
        for field in [
            "pub password: ::restpoint_session::SecretField,",
            "pub api_key: ::std::option::Option<::restpoint_session::SecretField>,",
            "pub pin: Pin,",
            "pub struct Pin(pub ::restpoint_session::SecretField);",
            "pub token: ::std::option::Option<::restpoint_session::SecretField>,",
            "pub token_type: ::std::option::Option<::std::string::String>,",
            "pub username: ::std::option::Option<::std::string::String>,",
        ] {
            assert!(code.contains(field), "{field} missing from\n{code}");
        }
    }
}
