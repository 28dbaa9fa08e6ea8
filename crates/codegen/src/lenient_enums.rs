//! Makes the string enums of generated code tolerant of what newer servers send.
//!
//! typify turns a string `enum` of the spec into a Rust enum whose `Deserialize` rejects any value
//! it does not list, and compares case-sensitively. Vendors re-case enumeration values between
//! revisions (`password` / `Password`, VBR-11) and add values every release, so a strict enum
//! breaks a whole response over one field. This pass rewrites every all-unit-variant string enum
//! in the `types` module:
//!
//! - an exact match wins, then a match without regard to ASCII case;
//! - any other value decodes into a new `Other(String)` variant that keeps it verbatim (named
//!   `OtherValue`, or `OtherValue2`..., when the spec lists a value whose variant is `Other`);
//! - serialisation is unchanged for the listed values (the spec's spelling) and verbatim for
//!   `Other`.
//!
//! `Copy` is dropped from these enums (a `String` cannot be copied); `Display`, `FromStr` and the
//! `From<&str>`/`From<String>` conversions are regenerated to match.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, ItemEnum, Token};

/// Rewrites the string enums of the `types` module; returns how many were rewritten.
pub fn make_enums_lenient(file: &mut syn::File) -> usize {
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    }) else {
        return 0;
    };
    let items = &mut types.1;
    let names: Vec<syn::Ident> = items
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if is_string_enum(e, items) => Some(e.ident.clone()),
            _ => None,
        })
        .collect();
    for name in &names {
        items.retain(|item| !is_replaced_impl(item, name));
        let mut extra = None;
        for item in items.iter_mut() {
            if let Item::Enum(e) = item
                && &e.ident == name
            {
                extra = Some(rewrite_enum(e));
            }
        }
        if let Some(tokens) = extra {
            let generated: syn::File =
                syn::parse2(tokens).expect("lenient enum impls are valid items");
            items.extend(generated.items);
        }
    }
    names.len()
}

/// An enum of unit variants that typify gave a `FromStr` impl: a string enum.
fn is_string_enum(e: &ItemEnum, items: &[Item]) -> bool {
    !e.variants.is_empty()
        && e.variants.iter().all(|v| matches!(v.fields, Fields::Unit))
        && items
            .iter()
            .any(|item| impl_of(item, &e.ident).as_deref() == Some("FromStr"))
}

/// The trait name of `item` when it is a trait impl for the type `name`.
fn impl_of(item: &Item, name: &syn::Ident) -> Option<String> {
    let Item::Impl(imp) = item else {
        return None;
    };
    let (path, _) = imp.trait_.as_ref()?;
    let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
        return None;
    };
    if !self_ty.path.is_ident(name) {
        return None;
    }
    path.segments.last().map(|s| s.ident.to_string())
}

fn is_replaced_impl(item: &Item, name: &syn::Ident) -> bool {
    let Some(trait_name) = impl_of(item, name) else {
        return false;
    };
    match trait_name.as_str() {
        "Display" | "FromStr" => true,
        "TryFrom" => {
            // Only the string conversions; keep any other TryFrom.
            let Item::Impl(imp) = item else { return false };
            let path = &imp.trait_.as_ref().map(|t| &t.0);
            let text = quote!(#path).to_string();
            text.contains("str") || text.contains("String")
        }
        _ => false,
    }
}

/// The wire spelling of a variant: its `#[serde(rename = "..")]`, else its identifier.
fn raw_name(attrs: &[Attribute], ident: &syn::Ident) -> String {
    let mut raw = ident.to_string();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                raw = value.value();
            } else if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    raw
}

/// Drops `Copy` and `Deserialize` from the derives, adds `Other(String)`, and returns the
/// replacement impls.
fn rewrite_enum(e: &mut ItemEnum) -> TokenStream {
    for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| {
                p.segments
                    .last()
                    .is_none_or(|s| s.ident != "Copy" && s.ident != "Deserialize")
            })
            .collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    let variants: Vec<(syn::Ident, String)> = e
        .variants
        .iter()
        .map(|v| (v.ident.clone(), raw_name(&v.attrs, &v.ident)))
        .collect();
    let other = catch_all_name(&variants);
    e.variants.push(syn::parse_quote! {
        /// A value this client's spec does not list (a newer server revision), kept verbatim.
        #[serde(untagged)]
        #other(::std::string::String)
    });

    let name = &e.ident;
    let idents: Vec<&syn::Ident> = variants.iter().map(|(i, _)| i).collect();
    let raws: Vec<&String> = variants.iter().map(|(_, r)| r).collect();
    let mut seen = std::collections::BTreeSet::new();
    let (folded_idents, folded_raws): (Vec<&syn::Ident>, Vec<String>) = variants
        .iter()
        .filter_map(|(i, r)| {
            let folded = r.to_ascii_lowercase();
            seen.insert(folded.clone()).then_some((i, folded))
        })
        .unzip();
    quote! {
        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #raws,)*
                    Self::#other(value) => value.as_str(),
                }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#raws => return Self::#idents,)*
                    _ => {}
                }
                match value.to_ascii_lowercase().as_str() {
                    #(#folded_raws => Self::#folded_idents,)*
                    _ => Self::#other(value.to_string()),
                }
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }
        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        }
    }
}

/// `Other`, unless the spec itself lists a value whose variant is named so.
fn catch_all_name(variants: &[(syn::Ident, String)]) -> syn::Ident {
    let taken = |name: &syn::Ident| variants.iter().any(|(v, _)| v == name);
    let mut name = format_ident!("Other");
    let mut n = 1;
    while taken(&name) {
        name = if n == 1 {
            format_ident!("OtherValue")
        } else {
            format_ident!("OtherValue{n}")
        };
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_string_enums_and_leaves_others() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, PartialEq)]
                pub enum GrantType {
                    #[serde(rename = "password")]
                    Password,
                    #[serde(rename = "refresh_token")]
                    RefreshToken,
                }
                impl ::std::fmt::Display for GrantType {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { Ok(()) }
                }
                impl ::std::str::FromStr for GrantType {
                    type Err = ();
                    fn from_str(value: &str) -> Result<Self, ()> { Err(()) }
                }
                impl ::std::convert::TryFrom<&str> for GrantType {
                    type Error = ();
                    fn try_from(value: &str) -> Result<Self, ()> { Err(()) }
                }
                #[derive(Clone, Copy)]
                pub enum NotString { A, B }
            }
        };
        assert_eq!(make_enums_lenient(&mut file), 1);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("Other(::std::string::String)"), "{text}");
        assert!(text.contains("eq_ignore_ascii_case") || text.contains("to_ascii_lowercase"));
        assert!(!text.contains("TryFrom<&str>"), "{text}");
        assert!(
            text.contains("Clone, Copy)]\n    pub enum NotString"),
            "{text}"
        );
        assert!(!text.contains("Clone, Copy, Debug"), "{text}");
    }

    /// A spec that lists `Other` itself (VBR 1.3's guest OS families) keeps it as a unit variant;
    /// the catch-all takes the next free name.
    #[test]
    fn a_listed_other_value_keeps_its_variant() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Family {
                    Windows,
                    Other,
                    OtherValue,
                }
                impl ::std::str::FromStr for Family {
                    type Err = ();
                    fn from_str(value: &str) -> Result<Self, ()> { Err(()) }
                }
            }
        };
        assert_eq!(make_enums_lenient(&mut file), 1);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("        Other,\n"), "{text}");
        assert!(
            text.contains("OtherValue2(::std::string::String)"),
            "{text}"
        );
        assert!(
            text.contains("_ => Self::OtherValue2(value.to_string())"),
            "{text}"
        );
    }
}
