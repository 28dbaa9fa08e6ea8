//! Feature `full-api`: generates the whole API of the spec file named by `RESTPOINT_ZVM_SPEC`
//! into `OUT_DIR/full_api.rs` (included as `restpoint_zvm::full_api`) with
//! [`restpoint_codegen::build`] and the same settings as `cargo xtask regen`
//! (`codegen-settings.json`, read by both). Without the feature this script does nothing and the
//! generator is not compiled.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "full-api")]
    if let Err(message) = restpoint_codegen::build::full_api(&restpoint_codegen::build::FullApi {
        crate_name: "restpoint-zvm",
        spec_var: "RESTPOINT_ZVM_SPEC",
        how_to_get: "use the ZVM Appliance's OpenAPI file that Zerto publishes for your release (no documented path of the server serves it, so `restpoint spec pull` is VBR only)",
        file_name: "zvm.json",
        inner_type: "crate::client::ApiSession",
    }) {
        eprintln!("\nerror: restpoint-zvm feature `full-api`: {message}\n");
        std::process::exit(1);
    }
}
