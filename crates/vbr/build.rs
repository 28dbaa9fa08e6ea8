//! Feature `full-api`: generates the whole API of the spec file named by `RESTPOINT_VBR_SPEC`
//! into `OUT_DIR/full_api.rs` (included as `restpoint_vbr::full_api`) with
//! [`restpoint_codegen::build`] and the same settings as `cargo xtask regen`
//! (`codegen-settings.json`, read by both). Without the feature this script does nothing and the
//! generator is not compiled.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "full-api")]
    if let Err(message) = restpoint_codegen::build::full_api(&restpoint_codegen::build::FullApi {
        crate_name: "restpoint-vbr",
        spec_var: "RESTPOINT_VBR_SPEC",
        how_to_get: "get your server's spec with `restpoint spec pull --vbr https://vbr.example.com:9419 -o vbr.json` (add --ca-cert FILE for a private CA)",
        file_name: "vbr.json",
        inner_type: "crate::client::ApiSession",
    }) {
        eprintln!("\nerror: restpoint-vbr feature `full-api`: {message}\n");
        std::process::exit(1);
    }
}
