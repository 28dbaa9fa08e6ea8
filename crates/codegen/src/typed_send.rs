//! Makes every generated operation send through the session and answer the session's error.
//!
//! progenitor's builders end in `send()`, whose `Result<ResponseValue<T>, progenitor::Error<E>>`
//! prints response headers and bodies (tokens among them). For a client generated with an inner
//! type (a `restpoint_session::Session<_>`), this pass rewrites each builder of the top-level
//! `builder` module:
//!
//! - progenitor's `send` becomes the private `send_untyped`;
//! - a new `pub async fn send(self) -> Result<T, ::restpoint_session::Error>` hands it to
//!   `restpoint_session::progenitor::send`, naming the spec's operation id (known here, at
//!   generation time) and so never a caller's guess;
//! - `Error` and `ResponseValue` are no longer re-exported from the generated module.
//!
//! The pass is driven by the spec's operations alone: a builder is matched to its operation by
//! the method and path progenitor writes on its `send`.

use anyhow::{Result, anyhow, bail};
use syn::{
    Fields, GenericArgument, ImplItem, Item, ItemImpl, ItemMod, PathArguments, ReturnType, Type,
    UseTree, parse_quote,
};

use crate::openapi::Operation;

/// The private name progenitor's own `send` gets.
const UNTYPED: &str = "send_untyped";

/// The items of progenitor's re-export that leave the public surface.
const HIDDEN: [&str; 2] = ["Error", "ResponseValue"];

/// Rewrites the builders of `file` (see the module docs); returns how many were wrapped.
pub fn wrap_sends(file: &mut syn::File, operations: &[Operation]) -> Result<usize> {
    hide_progenitor_error(file);
    let Some(builder) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => Some(module),
        _ => None,
    }) else {
        return Ok(0);
    };
    wrap_module(builder, operations)
}

/// `pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};` keeps its other
/// names public; `Error` and `ResponseValue` move to a private `use` for the generated code.
fn hide_progenitor_error(file: &mut syn::File) {
    let mut hidden = Vec::new();
    for item in &mut file.items {
        let Item::Use(item_use) = item else { continue };
        if !matches!(item_use.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let UseTree::Path(path) = &mut item_use.tree else {
            continue;
        };
        if path.ident != "progenitor_client" {
            continue;
        }
        if let UseTree::Group(group) = path.tree.as_mut() {
            let items = std::mem::take(&mut group.items);
            for tree in items {
                match &tree {
                    UseTree::Name(name) if HIDDEN.iter().any(|h| name.ident == h) => {
                        hidden.push(name.ident.clone());
                    }
                    _ => group.items.push(tree),
                }
            }
        }
    }
    if hidden.is_empty() {
        return;
    }
    if let Some(position) = file
        .items
        .iter()
        .position(|item| matches!(item, Item::Use(_)))
    {
        file.items.insert(
            position + 1,
            parse_quote!(#[allow(unused_imports)] use progenitor_client::{#(#hidden),*};),
        );
    }
}

fn wrap_module(module: &mut ItemMod, operations: &[Operation]) -> Result<usize> {
    let Some((_, items)) = module.content.as_mut() else {
        return Ok(0);
    };
    let client_fields: Vec<(syn::Ident, syn::Ident)> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => client_field(&s.fields).map(|f| (s.ident.clone(), f)),
            _ => None,
        })
        .collect();
    let mut wrapped = 0;
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let Some(name) = self_ident(block) else {
            continue;
        };
        let Some(position) = block
            .items
            .iter()
            .position(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == "send"))
        else {
            continue;
        };
        let taken_names: Vec<String> = block
            .items
            .iter()
            .filter_map(|i| match i {
                ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        let Some((_, client)) = client_fields.iter().find(|(s, _)| *s == name) else {
            bail!("builder {name} has no `&'a super::Client` field");
        };
        let ImplItem::Fn(untyped) = &mut block.items[position] else {
            unreachable!("position found a fn");
        };
        let doc = doc_text(&untyped.attrs);
        let (method, path) = parse_send_doc(&doc)
            .ok_or_else(|| anyhow!("builder {name}: its send has no method and path: {doc:?}"))?;
        let operation = operations
            .iter()
            .find(|op| op.method == method && op.path == path)
            .ok_or_else(|| anyhow!("builder {name}: no operation {method} {path} in the spec"))?;
        let success = success_type(&untyped.sig.output).ok_or_else(|| {
            anyhow!("builder {name}: send does not return Result<ResponseValue<T>, _>")
        })?;
        let untyped_ident = free_untyped_name(&taken_names);
        untyped.sig.ident = untyped_ident.clone();
        untyped.vis = syn::Visibility::Inherited;
        untyped.attrs.retain(|a| !a.path().is_ident("doc"));
        let id = &operation.id;
        let doc = format!(
            "Sends `{method} {path}` (operation `{id}`) through the session; errors are \
             [`::restpoint_session::Error`]s naming `{id}`, without headers, bodies or tokens."
        );
        let typed: ImplItem = parse_quote! {
            #[doc = #doc]
            pub async fn send(self) -> ::std::result::Result<#success, ::restpoint_session::Error> {
                let session = &self.#client.inner;
                ::restpoint_session::progenitor::send(session, #id, self.#untyped_ident()).await
            }
        };
        block.items.insert(position, typed);
        wrapped += 1;
    }
    Ok(wrapped)
}

/// [`UNTYPED`], or `send_untyped_2`, … when the builder has a setter of that name (an operation
/// parameter named so).
fn free_untyped_name(taken: &[String]) -> syn::Ident {
    let name = std::iter::once(UNTYPED.to_string())
        .chain((2..).map(|n| format!("{UNTYPED}_{n}")))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| UNTYPED.to_string());
    syn::Ident::new(&name, proc_macro2::Span::call_site())
}

/// The field of type `&'a super::Client`.
fn client_field(fields: &Fields) -> Option<syn::Ident> {
    fields.iter().find_map(|field| match &field.ty {
        Type::Reference(r) => match r.elem.as_ref() {
            Type::Path(p) if p.path.segments.last()?.ident == "Client" => field.ident.clone(),
            _ => None,
        },
        _ => None,
    })
}

fn self_ident(block: &ItemImpl) -> Option<syn::Ident> {
    if block.trait_.is_some() {
        return None;
    }
    match block.self_ty.as_ref() {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    }
}

pub(crate) fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// progenitor's "Sends a `GET` request to `/api/v1/jobs`" → ("GET", "/api/v1/jobs").
fn parse_send_doc(doc: &str) -> Option<(String, String)> {
    let rest = doc.trim().strip_prefix("Sends a `")?;
    let (method, rest) = rest.split_once('`')?;
    let rest = rest.strip_prefix(" request to `")?;
    let path = rest.strip_suffix('`')?;
    Some((method.to_string(), path.to_string()))
}

/// `T` of `Result<ResponseValue<T>, Error<E>>`.
fn success_type(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let response_value = first_type_argument(ty, "Result")?;
    first_type_argument(&response_value, "ResponseValue")
}

fn first_type_argument(ty: &Type, outer: &str) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi;

    fn small_spec() -> serde_json::Value {
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/items": {"get": {
                    "operationId": "ListItems",
                    "parameters": [{"name": "limit", "in": "query",
                                    "schema": {"type": "integer", "format": "int32"}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}},
                        "404": {"description": "no", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
                "/items/{id}": {"delete": {
                    "operationId": "DeleteItem",
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "gone"}}}}
            },
            "components": {"schemas": {
                "Item": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Problem": {"type": "object", "properties": {"errorCode": {"type": "string"}}}
            }}
        })
    }

    fn generate(spec: serde_json::Value) -> String {
        let settings = crate::Config {
            inner_type: Some("crate::client::ApiSession".into()),
            ..crate::Config::default()
        };
        openapi::generate(spec, &settings).unwrap().code
    }

    /// The typed `send` of each builder, as generated for a small spec.
    #[test]
    fn wrappers_name_the_specs_operation_and_return_the_session_error() {
        let code = generate(small_spec());
        let file: syn::File = syn::parse_str(&code).unwrap();
        let builder = file
            .items
            .iter()
            .find_map(|item| match item {
                Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
                _ => None,
            })
            .unwrap();
        let sends: Vec<String> = builder
            .1
            .iter()
            .filter_map(|item| match item {
                Item::Impl(block) => block.items.iter().find_map(|i| match i {
                    ImplItem::Fn(f) if f.sig.ident == "send" => {
                        Some(prettyplease::unparse(&parse_quote!(impl X { #f })))
                    }
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        assert_eq!(sends.len(), 2, "{code}");
        insta::assert_snapshot!("typed_sends", sends.join("\n"));
    }

    #[test]
    fn progenitors_error_is_not_reexported() {
        let code = generate(small_spec());
        assert!(
            code.contains("pub use progenitor_client::{ByteStream, ClientInfo};"),
            "{code}"
        );
        assert!(code.contains("use progenitor_client::{Error, ResponseValue};"));
        assert!(!code.contains("pub async fn send_untyped"));
        assert!(code.contains("async fn send_untyped"));
    }

    /// Without an inner type (a plain client) nothing is rewritten.
    #[test]
    fn a_plain_client_keeps_progenitors_send() {
        let code = openapi::generate(small_spec(), &crate::Config::default())
            .unwrap()
            .code;
        assert!(!code.contains("send_untyped"));
        assert!(code.contains(
            "pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};"
        ));
    }

    #[test]
    fn parses_progenitors_send_doc() {
        assert_eq!(
            parse_send_doc("Sends a `GET` request to `/api/v1/jobs/{id}`"),
            Some(("GET".into(), "/api/v1/jobs/{id}".into()))
        );
        assert_eq!(parse_send_doc("something else"), None);
    }
}
