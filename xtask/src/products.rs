//! The products' generation settings: every vendor name the generator sees comes from here.

use restpoint_codegen::Config;
use restpoint_codegen::standalone::Product;

/// VBR: the session sends `x-api-version` on every call (VBR-08) and owns the OAuth 2.0
/// operations (logon, refresh, authorization codes, logout).
pub fn vbr_config(inner_type: Option<String>) -> Config {
    Config {
        inner_type,
        strip_header_parameters: vec!["x-api-version".into()],
        session_owned_operations: ["CreateToken", "CreateAuthorizationCode", "Logout"]
            .map(String::from)
            .to_vec(),
        extra_secret_names: Vec::new(),
    }
}

/// ZVM: the session owns `x-zerto-session` logon and logoff and the Appliance's Keycloak token
/// endpoint.
pub fn zvm_config(inner_type: Option<String>) -> Config {
    Config {
        inner_type,
        strip_header_parameters: Vec::new(),
        session_owned_operations: ["GetAuthToken", "SessionAdd", "SessionDelete"]
            .map(String::from)
            .to_vec(),
        extra_secret_names: Vec::new(),
    }
}

/// The product crate a standalone client of `name` (`vbr`, `zvm`) sits on.
pub fn standalone_product(name: &str) -> Option<Product> {
    let (krate, session, auth, config) = match name {
        "vbr" => ("restpoint_vbr", "VbrSession", "VbrAuth", vbr_config(None)),
        "zvm" => ("restpoint_zvm", "ZvmSession", "ZvmAuth", zvm_config(None)),
        _ => return None,
    };
    Some(Product {
        name: name.into(),
        krate: krate.into(),
        session: session.into(),
        auth: auth.into(),
        config,
    })
}
