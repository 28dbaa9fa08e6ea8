//! Makes the property names of generated models tolerant of a re-cased first letter.
//!
//! The same resource is written `VpgIdentifier` by one server generation and `vpgIdentifier` by
//! another (the Windows ZVM's PascalCase against the ZVM Appliance's camelCase; VBR's camelCase
//! against .NET serialisers' PascalCase). For every renamed field of a deserialisable struct in
//! the `types` module, this pass adds a `#[serde(alias = ..)]` with the first letter's case
//! flipped, unless that name is already taken by another field of the same struct.

use std::collections::BTreeSet;

use syn::{Fields, Item, ItemStruct, Token};

/// Adds first-letter-case aliases to the models of the `types` module; returns how many.
pub fn add_case_aliases(file: &mut syn::File) -> usize {
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    }) else {
        return 0;
    };
    types
        .1
        .iter_mut()
        .map(|item| match item {
            Item::Struct(s) if derives_deserialize(s) => alias_fields(s),
            _ => 0,
        })
        .sum()
}

fn derives_deserialize(s: &ItemStruct) -> bool {
    s.attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Deserialize"))
                })
    })
}

/// The wire names of a field: its `rename` and any `alias`es.
fn wire_names(attrs: &[syn::Attribute]) -> (Option<String>, Vec<String>) {
    let mut rename = None;
    let mut aliases = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") || meta.path.is_ident("alias") {
                let is_rename = meta.path.is_ident("rename");
                let value: syn::LitStr = meta.value()?.parse()?;
                if is_rename {
                    rename = Some(value.value());
                } else {
                    aliases.push(value.value());
                }
            } else if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    (rename, aliases)
}

fn flip_first(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    let flipped = if first.is_ascii_uppercase() {
        first.to_ascii_lowercase()
    } else if first.is_ascii_lowercase() {
        first.to_ascii_uppercase()
    } else {
        return None;
    };
    Some(std::iter::once(flipped).chain(chars).collect())
}

fn alias_fields(s: &mut ItemStruct) -> usize {
    let Fields::Named(fields) = &mut s.fields else {
        return 0;
    };
    let wire_name = |field: &syn::Field| {
        let (rename, aliases) = wire_names(&field.attrs);
        let name = rename.unwrap_or_else(|| {
            let ident = field
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            ident.trim_start_matches("r#").to_string()
        });
        (name, aliases)
    };
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for field in &fields.named {
        let (name, aliases) = wire_name(field);
        taken.insert(name);
        taken.extend(aliases);
    }
    let mut added = 0;
    for field in fields.named.iter_mut() {
        let (name, _) = wire_name(field);
        let Some(alias) = flip_first(&name) else {
            continue;
        };
        if taken.insert(alias.clone()) {
            field
                .attrs
                .push(syn::parse_quote!(#[serde(alias = #alias)]));
            added += 1;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_flipped_aliases_without_clashes() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Vpg {
                    #[serde(rename = "VpgIdentifier")]
                    pub vpg_identifier: String,
                    #[serde(rename = "Id")]
                    pub id_upper: String,
                    #[serde(rename = "id")]
                    pub id_lower: String,
                    pub plain: String,
                }
                #[derive(Clone, Debug)]
                pub struct NotAModel {
                    #[serde(rename = "X")]
                    pub x: String,
                }
            }
        };
        assert_eq!(add_case_aliases(&mut file), 2);
        assert!(prettyplease::unparse(&file).contains(r#"alias = "Plain""#));
        let text = prettyplease::unparse(&file);
        assert!(text.contains(r#"alias = "vpgIdentifier""#), "{text}");
        assert!(!text.contains(r#"alias = "id""#), "{text}");
        assert!(!text.contains(r#"alias = "Id""#), "{text}");
        assert!(!text.contains(r#"alias = "x""#), "{text}");
    }
}
