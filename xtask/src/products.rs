//! The products' generation settings: every vendor name the generator sees comes from here.
//!
//! The settings themselves live in one data file per product crate,
//! `crates/<product>/codegen-settings.json` (read by [`restpoint_codegen::settings`]), because the
//! product crate's build script (feature `full-api`) reads the same file: `cargo xtask regen` and
//! the build-time full API can never be generated with different settings. VBR: the session sends
//! `x-api-version` on every call (VBR-08) and owns the OAuth 2.0 operations (logon, refresh,
//! authorization codes, logout). ZVM: the session owns `x-zerto-session` logon and logoff and the
//! Appliance's Keycloak token endpoint.

use anyhow::Result;
use restpoint_codegen::Config;
use restpoint_codegen::standalone::Product;

use crate::regen::repo_root;

/// The settings file of product `name` (`vbr`, `zvm`), relative to the repository root.
pub fn settings_file(name: &str) -> String {
    format!("crates/{name}/codegen-settings.json")
}

/// The generation settings of product `name`, with the given `inner_type`.
pub fn config(name: &str, inner_type: Option<String>) -> Result<Config> {
    restpoint_codegen::settings::load(&repo_root().join(settings_file(name)), inner_type)
}

/// VBR's settings (`crates/vbr/codegen-settings.json`).
pub fn vbr_config(inner_type: Option<String>) -> Result<Config> {
    config("vbr", inner_type)
}

/// ZVM's settings (`crates/zvm/codegen-settings.json`).
pub fn zvm_config(inner_type: Option<String>) -> Result<Config> {
    config("zvm", inner_type)
}

/// The product crate a standalone client of `name` (`vbr`, `zvm`) sits on.
pub fn standalone_product(name: &str) -> Result<Option<Product>> {
    let (krate, session, auth) = match name {
        "vbr" => ("restpoint_vbr", "VbrSession", "VbrAuth"),
        "zvm" => ("restpoint_zvm", "ZvmSession", "ZvmAuth"),
        _ => return Ok(None),
    };
    Ok(Some(Product {
        name: name.into(),
        krate: krate.into(),
        session: session.into(),
        auth: auth.into(),
        config: config(name, None)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_files_name_the_session_owned_operations() {
        let vbr = vbr_config(None).unwrap();
        assert_eq!(vbr.strip_header_parameters, ["x-api-version"]);
        assert!(
            vbr.session_owned_operations
                .iter()
                .any(|o| o == "CreateToken")
        );
        let zvm = zvm_config(None).unwrap();
        assert!(
            zvm.session_owned_operations
                .iter()
                .any(|o| o == "SessionAdd")
        );
    }
}
