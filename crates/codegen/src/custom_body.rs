//! Request bodies progenitor cannot encode, sent by our own code path with their real media type.
//!
//! progenitor encodes JSON, form-urlencoded, octet-stream and plain-text bodies. An operation
//! whose body has none of those (`multipart/form-data`, XML only, …) is not skipped and its body
//! is not changed: [`crate::normalize`] moves the body, unchanged, into the operation's
//! [`EXTENSION`] (progenitor then generates the operation without a body: URL, parameters,
//! headers, responses), and this pass adds the body back to the operation's builder:
//!
//! - a field holding the body and a setter for it (named `body`, or the first free name among
//!   `request_body`, `body_2`, … when the operation has a parameter of that name);
//! - for `multipart/form-data`, the setter takes a `restpoint_bodies::MultipartForm` (text
//!   fields and files, encoded by the generated code itself with a boundary that no part
//!   contains); for any other media type, the raw bytes (`Vec<u8>`);
//! - the untyped send sets `Content-Type` to the real media type (with the boundary for
//!   multipart) and the encoded bytes as the request body, after progenitor built the request.
//!
//! The setter's documentation lists the body schema's properties (and which are required).

use anyhow::{Result, anyhow};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use serde_json::{Map, Value, json};
use syn::{Expr, Fields, ImplItem, Item, Pat, Stmt, parse_quote};

use crate::normalize::METHODS;

/// The operation extension that carries a body progenitor cannot encode.
pub const EXTENSION: &str = "x-restpoint-custom-body";

/// The top-level module of the generated file that holds the body types.
const MODULE: &str = "restpoint_bodies";

/// Moves `body` (a request body object) into `operation`'s [`EXTENSION`]; returns its media type.
pub fn move_into_extension(operation: &mut Map<String, Value>, body: Value) -> String {
    let media = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| {
            c.keys()
                .find(|m| m.starts_with("multipart/form-data"))
                .or_else(|| c.keys().next())
        })
        .cloned()
        .unwrap_or_else(|| "application/octet-stream".to_string());
    operation.insert(
        EXTENSION.into(),
        json!({ "media": media, "requestBody": body }),
    );
    media
}

/// One operation with a custom body.
struct Custom {
    method: String,
    path: String,
    media: String,
    required: bool,
    doc: String,
}

fn customs(spec: &Value) -> Vec<Custom> {
    let mut found = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(ext) = item.get(method).and_then(|op| op.get(EXTENSION)) else {
                continue;
            };
            let media = ext["media"].as_str().unwrap_or_default().to_string();
            let body = &ext["requestBody"];
            let schema = body
                .get("content")
                .and_then(|c| c.get(&media))
                .and_then(|m| m.get("schema"));
            found.push(Custom {
                method: method.to_uppercase(),
                path: path.clone(),
                required: body.get("required").and_then(Value::as_bool) == Some(true),
                doc: schema_doc(&media, schema),
                media,
            });
        }
    }
    found
}

/// A short description of the body schema for the setter's documentation.
fn schema_doc(media: &str, schema: Option<&Value>) -> String {
    let mut doc = format!("The `{media}` request body.");
    let Some(properties) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return doc;
    };
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    doc.push_str(" Its parts:");
    for (name, property) in properties {
        let ty = property
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("any");
        let format = property
            .get("format")
            .and_then(Value::as_str)
            .map(|f| format!(", {f}"))
            .unwrap_or_default();
        let req = if required.contains(&name.as_str()) {
            ", required"
        } else {
            ""
        };
        // Names come from the spec: keep them out of the doc markup.
        let name: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '`')
            .collect();
        doc.push_str(&format!("\n- `{name}` ({ty}{format}{req})"));
    }
    doc
}

/// Adds the custom bodies of `spec` to the builders of `file` (see the module docs); returns
/// `METHOD path (media type)` for each.
pub fn apply(file: &mut syn::File, spec: &Value) -> Result<Vec<String>> {
    let customs = customs(spec);
    if customs.is_empty() {
        return Ok(Vec::new());
    }
    let module = syn::Ident::new(MODULE, Span::call_site());
    let Some(builder) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    }) else {
        return Err(anyhow!("the generated code has no `builder` module"));
    };
    let items = &mut builder.1;
    let mut done = Vec::new();
    for custom in &customs {
        let multipart = custom.media.starts_with("multipart/form-data");
        let body_ty: syn::Type = if multipart {
            parse_quote!(super::#module::MultipartForm)
        } else {
            parse_quote!(::std::vec::Vec<u8>)
        };
        let Some(name) = builder_of(items, &custom.method, &custom.path) else {
            return Err(anyhow!(
                "{} {}: no builder for an operation with a custom body",
                custom.method,
                custom.path
            ));
        };
        let field = free_name(items, &name);
        add_field(items, &name, &field, &body_ty)?;
        rewrite_impl(items, &name, &field, custom, &body_ty, multipart)?;
        done.push(format!(
            "{} {} ({})",
            custom.method, custom.path, custom.media
        ));
    }
    if customs
        .iter()
        .any(|c| c.media.starts_with("multipart/form-data"))
    {
        let support: syn::File = syn::parse2(multipart_module(&module))?;
        file.items.extend(support.items);
    }
    Ok(done)
}

/// The builder struct whose `send` progenitor documented as `method path`.
fn builder_of(items: &[Item], method: &str, path: &str) -> Option<syn::Ident> {
    let wanted = format!("Sends a `{method}` request to `{path}`");
    items.iter().find_map(|item| {
        let Item::Impl(block) = item else { return None };
        if block.trait_.is_some() {
            return None;
        }
        let send = block.items.iter().find_map(|i| match i {
            ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        })?;
        let doc = crate::typed_send::doc_text(&send.attrs);
        if doc.trim() != wanted {
            return None;
        }
        match block.self_ty.as_ref() {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        }
    })
}

/// `body`, or the first name among `request_body`, `body_2`, … that is neither a field nor a
/// method of the builder.
fn free_name(items: &[Item], builder: &syn::Ident) -> syn::Ident {
    let mut taken = std::collections::BTreeSet::new();
    for item in items {
        match item {
            Item::Struct(s) if &s.ident == builder => {
                taken.extend(
                    s.fields
                        .iter()
                        .filter_map(|f| f.ident.as_ref())
                        .map(|i| i.to_string()),
                );
            }
            Item::Impl(block) => {
                if let syn::Type::Path(p) = block.self_ty.as_ref()
                    && p.path.segments.last().is_some_and(|s| &s.ident == builder)
                {
                    taken.extend(block.items.iter().filter_map(|i| match i {
                        ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                        _ => None,
                    }));
                }
            }
            _ => {}
        }
    }
    let candidates = ["body".to_string(), "request_body".to_string()]
        .into_iter()
        .chain((2..).map(|n| format!("body_{n}")));
    let name = candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| "body".into());
    syn::Ident::new(&name, Span::call_site())
}

fn add_field(
    items: &mut [Item],
    builder: &syn::Ident,
    field: &syn::Ident,
    ty: &syn::Type,
) -> Result<()> {
    for item in items.iter_mut() {
        if let Item::Struct(s) = item
            && &s.ident == builder
            && let Fields::Named(fields) = &mut s.fields
        {
            fields.named.push(
                syn::Field::parse_named
                    .parse2(quote!(#field: ::std::result::Result<#ty, ::std::string::String>))?,
            );
            return Ok(());
        }
    }
    Err(anyhow!(
        "builder {builder} is not a struct with named fields"
    ))
}

use syn::parse::Parser as _;

fn rewrite_impl(
    items: &mut [Item],
    builder: &syn::Ident,
    field: &syn::Ident,
    custom: &Custom,
    ty: &syn::Type,
    multipart: bool,
) -> Result<()> {
    let block = items
        .iter_mut()
        .find_map(|item| match item {
            Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(block.self_ty.as_ref(), syn::Type::Path(p)
                        if p.path.segments.last().is_some_and(|s| &s.ident == builder)) =>
            {
                Some(block)
            }
            _ => None,
        })
        .ok_or_else(|| anyhow!("builder {builder} has no impl block"))?;
    let missing = format!("the `{}` body was not given", custom.media);
    let initial: Expr = if custom.required || multipart {
        parse_quote!(Err(#missing.to_string()))
    } else {
        parse_quote!(Ok(::std::default::Default::default()))
    };
    let mut found_new = false;
    let mut found_send = false;
    for item in block.items.iter_mut() {
        let ImplItem::Fn(f) = item else { continue };
        if f.sig.ident == "new" {
            if let Some(Stmt::Expr(Expr::Struct(s), _)) = f.block.stmts.last_mut() {
                s.fields.push(parse_quote!(#field: #initial));
                found_new = true;
            }
        } else if f.sig.ident == "send" {
            rewrite_send(&mut f.block.stmts, field, &custom.media, multipart)?;
            found_send = true;
        }
    }
    if !(found_new && found_send) {
        return Err(anyhow!("builder {builder}: no `new` or `send` to extend"));
    }
    let doc = &custom.doc;
    let setter: ImplItem = parse_quote! {
        #[doc = #doc]
        pub fn #field(mut self, value: #ty) -> Self {
            self.#field = Ok(value);
            self
        }
    };
    block.items.push(setter);
    Ok(())
}

/// Takes the body out of `self` with the other fields, and sets it on the built request.
fn rewrite_send(
    stmts: &mut Vec<Stmt>,
    field: &syn::Ident,
    media: &str,
    multipart: bool,
) -> Result<()> {
    let destructure = stmts
        .iter_mut()
        .position(|stmt| {
            matches!(stmt, Stmt::Local(local) if matches!(&local.pat, Pat::Struct(p) if p.path.is_ident("Self")))
        })
        .ok_or_else(|| anyhow!("send does not take its builder apart"))?;
    if let Stmt::Local(local) = &mut stmts[destructure]
        && let Pat::Struct(pattern) = &mut local.pat
    {
        let one: Stmt = parse_quote!(let Self { #field } = x;);
        if let Stmt::Local(one) = one
            && let Pat::Struct(one) = one.pat
        {
            pattern.fields.extend(one.fields);
        }
    }
    let request = stmts
        .iter()
        .position(|stmt| {
            matches!(stmt, Stmt::Local(local) if matches!(&local.pat, Pat::Ident(p) if p.ident == "request"))
        })
        .ok_or_else(|| anyhow!("send builds no `request`"))?;
    let encode: TokenStream = if multipart {
        quote! {
            let (content_type, bytes) = #field.encode();
        }
    } else {
        quote! {
            let content_type = #media.to_string();
            let bytes = #field;
        }
    };
    let set: syn::Block = parse_quote!({
        #encode
        request.headers_mut().insert(
            ::reqwest::header::CONTENT_TYPE,
            ::reqwest::header::HeaderValue::from_str(&content_type)
                .map_err(|e| Error::InvalidRequest(e.to_string()))?,
        );
        *request.body_mut() = Some(::reqwest::Body::from(bytes));
    });
    for (offset, stmt) in set.stmts.into_iter().enumerate() {
        stmts.insert(request + 1 + offset, stmt);
    }
    let take: Stmt = parse_quote!(let #field = #field.map_err(Error::InvalidRequest)?;);
    stmts.insert(destructure + 1, take);
    Ok(())
}

/// The generated `multipart/form-data` encoder (RFC 7578).
fn multipart_module(module: &syn::Ident) -> TokenStream {
    quote! {
        /// Request bodies restpoint encodes itself (media types progenitor cannot encode).
        pub mod #module {
            /// One part of a [`MultipartForm`].
            #[derive(Clone)]
            struct Part {
                name: ::std::string::String,
                filename: ::std::option::Option<::std::string::String>,
                content_type: ::std::option::Option<::std::string::String>,
                data: ::std::vec::Vec<u8>,
            }

            /// A `multipart/form-data` body: text fields and files, in the order added.
            #[derive(Clone, Default)]
            pub struct MultipartForm {
                parts: ::std::vec::Vec<Part>,
            }

            impl ::std::fmt::Debug for MultipartForm {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    // Names and sizes only: a part's content may be anything, secrets included.
                    let mut list = f.debug_list();
                    for part in &self.parts {
                        list.entry(&format_args!("{}: {} bytes", part.name, part.data.len()));
                    }
                    list.finish()
                }
            }

            /// Quotes a name for a `Content-Disposition` parameter (RFC 7578 §4.2: `"`, CR and
            /// LF percent-encoded).
            fn quoted(value: &str) -> ::std::string::String {
                value
                    .replace('%', "%25")
                    .replace('"', "%22")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A")
            }

            fn contains(haystack: &[u8], needle: &[u8]) -> bool {
                haystack.windows(needle.len()).any(|w| w == needle)
            }

            impl MultipartForm {
                /// An empty form.
                pub fn new() -> Self {
                    Self::default()
                }

                /// Adds a text field.
                pub fn text(
                    mut self,
                    name: impl ::std::convert::Into<::std::string::String>,
                    value: impl ::std::convert::Into<::std::string::String>,
                ) -> Self {
                    self.parts.push(Part {
                        name: name.into(),
                        filename: None,
                        content_type: None,
                        data: value.into().into_bytes(),
                    });
                    self
                }

                /// Adds a file (`content_type` defaults to `application/octet-stream`).
                pub fn file(
                    mut self,
                    name: impl ::std::convert::Into<::std::string::String>,
                    filename: impl ::std::convert::Into<::std::string::String>,
                    content_type: ::std::option::Option<&str>,
                    data: impl ::std::convert::Into<::std::vec::Vec<u8>>,
                ) -> Self {
                    self.parts.push(Part {
                        name: name.into(),
                        filename: Some(filename.into()),
                        content_type: Some(content_type.unwrap_or("application/octet-stream").to_string()),
                        data: data.into(),
                    });
                    self
                }

                /// The `Content-Type` header value (with its boundary) and the encoded body.
                pub fn encode(&self) -> (::std::string::String, ::std::vec::Vec<u8>) {
                    let mut n = 0u32;
                    let boundary = loop {
                        let candidate = format!("restpoint-form-boundary-{n:08x}");
                        if !self.parts.iter().any(|p| contains(&p.data, candidate.as_bytes())) {
                            break candidate;
                        }
                        n += 1;
                    };
                    let mut body = ::std::vec::Vec::new();
                    for part in &self.parts {
                        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                        let mut disposition =
                            format!("Content-Disposition: form-data; name=\"{}\"", quoted(&part.name));
                        if let Some(filename) = &part.filename {
                            disposition.push_str(&format!("; filename=\"{}\"", quoted(filename)));
                        }
                        body.extend_from_slice(disposition.as_bytes());
                        body.extend_from_slice(b"\r\n");
                        if let Some(content_type) = &part.content_type {
                            let content_type: ::std::string::String =
                                content_type.chars().filter(|c| !c.is_control()).collect();
                            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
                        }
                        body.extend_from_slice(b"\r\n");
                        body.extend_from_slice(&part.data);
                        body.extend_from_slice(b"\r\n");
                    }
                    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
                    (format!("multipart/form-data; boundary={boundary}"), body)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/files": {"post": {
                    "operationId": "Upload",
                    "parameters": [{"name": "body", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"},
                                       "path": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok"}}}},
                "/xml": {"put": {
                    "operationId": "PutXml",
                    "requestBody": {"required": true, "content": {"application/xml": {
                        "schema": {"type": "string"}}}},
                    "responses": {"204": {"description": "ok"}}}}
            }
        })
    }

    #[test]
    fn multipart_and_xml_bodies_keep_their_media_type() {
        for inner in [None, Some("crate::client::ApiSession".to_string())] {
            let config = Config {
                inner_type: inner,
                ..Config::default()
            };
            let generated = crate::generate(spec(), &config).unwrap();
            assert!(generated.skipped.is_empty());
            assert_eq!(
                generated.custom_bodies,
                [
                    "POST /files (multipart/form-data)",
                    "PUT /xml (application/xml)"
                ]
            );
            let code = generated.code;
            let one_line = code.split_whitespace().collect::<Vec<_>>().join(" ");
            // The query parameter `body` keeps its name; the form takes the next free one.
            assert!(
                one_line.contains(
                    "pub fn request_body( mut self, value: super::restpoint_bodies::MultipartForm, )"
                ),
                "{code}"
            );
            assert!(
                code.contains("pub fn body(mut self, value: ::std::vec::Vec<u8>)"),
                "{code}"
            );
            assert!(code.contains("\"application/xml\".to_string()"), "{code}");
            assert!(code.contains("multipart/form-data; boundary="), "{code}");
            assert!(
                code.contains("- `file` (string, binary, required)"),
                "{code}"
            );
        }
    }
}
