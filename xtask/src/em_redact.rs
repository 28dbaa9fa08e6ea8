//! Secret-safe `Debug` for the generated EM types (EM-14).
//!
//! On some Enterprise Manager releases the `SessionId` of a `LogonSession` *is* the
//! `X-RestSvcSessionId` token (base64 of its text), and the session's own `Href`
//! (`/api/logonSessions/<id>`) carries it too. xsd-parser derives `Debug`, which would print both;
//! this pass replaces that derive, on every struct with a `session_id` or `href` field, by a
//! written-out impl that prints `session_id` as `<redacted>` and every `href` through
//! `restpoint_em::redact::{href, optional_href}`, which mask the id after `logonSessions/`. Generic: it looks at
//! field names only.

use quote::{format_ident, quote};
use syn::{Fields, Item, ItemStruct, Type};

/// Field names whose values are secrets, printed as `<redacted>`.
const SECRET_FIELDS: &[&str] = &["session_id"];
/// Field names holding an `Href`, printed with any logon-session id masked.
const HREF_FIELDS: &[&str] = &["href"];

/// Rewrites the `Debug` of every struct of `file` (modules included) that has a secret or href
/// field. Returns how many structs were rewritten.
pub fn redact_debug(file: &mut syn::File) -> usize {
    rewrite_items(&mut file.items)
}

fn rewrite_items(items: &mut Vec<Item>) -> usize {
    let mut count = 0;
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        if let Item::Mod(m) = item {
            if let Some((_, inner)) = m.content.as_mut() {
                count += rewrite_items(inner);
            }
            continue;
        }
        let Item::Struct(s) = item else { continue };
        if needs_redaction(s) && remove_debug_derive(s) {
            impls.push(debug_impl(s));
            count += 1;
        }
    }
    items.extend(impls);
    count
}

fn field_names(s: &ItemStruct) -> Vec<String> {
    match &s.fields {
        Fields::Named(named) => named
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn needs_redaction(s: &ItemStruct) -> bool {
    field_names(s)
        .iter()
        .any(|n| SECRET_FIELDS.contains(&n.as_str()) || HREF_FIELDS.contains(&n.as_str()))
}

/// Removes `Debug` from the struct's `#[derive(..)]`; false when it derived no `Debug`.
fn remove_debug_derive(s: &mut ItemStruct) -> bool {
    let mut removed = false;
    for attr in s.attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Debug")).collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    s.attrs.retain(|a| {
        !(a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|p| p.is_empty()))
    });
    removed
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn debug_impl(s: &ItemStruct) -> Item {
    let name = &s.ident;
    let (impl_generics, ty_generics, where_clause) = s.generics.split_for_impl();
    let name_text = name.to_string();
    let fields = match &s.fields {
        Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let calls = fields.iter().filter_map(|f| {
        let ident = f.ident.as_ref()?;
        let text = ident.to_string();
        let label = text.clone();
        let value = if SECRET_FIELDS.contains(&text.as_str()) {
            quote!(&"<redacted>")
        } else if HREF_FIELDS.contains(&text.as_str()) {
            if is_option(&f.ty) {
                quote!(&crate::redact::optional_href(self.#ident.as_deref()))
            } else {
                quote!(&crate::redact::href(&self.#ident))
            }
        } else {
            quote!(&self.#ident)
        };
        Some(quote!(.field(#label, #value)))
    });
    let f = format_ident!("f");
    syn::parse_quote! {
        impl #impl_generics ::core::fmt::Debug for #name #ty_generics #where_clause {
            fn fmt(&self, #f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #f.debug_struct(#name_text) #(#calls)* .finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_struct_with_a_session_id_loses_its_derived_debug() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Clone, Debug, PartialEq)]
            pub struct LogonSessionType {
                pub href: Option<String>,
                pub user_name: String,
                pub session_id: String,
            }
            #[derive(Clone, Debug)]
            pub struct Plain { pub name: String }
            pub mod inner {
                #[derive(Debug)]
                pub struct LinkType { pub href: String }
            }
        };
        assert_eq!(redact_debug(&mut file), 2);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[derive(Clone, PartialEq)]"), "{text}");
        assert!(
            text.contains("#[derive(Clone, Debug)]\npub struct Plain"),
            "{text}"
        );
        assert!(
            text.contains(".field(\"session_id\", &\"<redacted>\")"),
            "{text}"
        );
        assert!(
            text.contains("crate::redact::optional_href(self.href.as_deref())"),
            "{text}"
        );
        assert!(text.contains("crate::redact::href(&self.href)"), "{text}");
        assert!(!text.contains("derive()"), "{text}");
    }
}
