//! `cargo xtask regen --spec PRODUCT=PATH --out DIR`: a client crate from a user's own spec,
//! written by [`restpoint_codegen::standalone`] with the product's settings ([`products`]).

use std::path::Path;

use anyhow::{Result, bail};
pub use restpoint_codegen::standalone::RestpointSource;

use crate::products;

/// Generates the crate for `product=path` into `out`, on restpoint's crates from `restpoint`.
pub fn run(
    repo_root: &Path,
    spec_arg: &str,
    out: &Path,
    restpoint: &RestpointSource,
) -> Result<()> {
    let Some((product, spec_path)) = spec_arg.split_once('=') else {
        bail!("--spec takes PRODUCT=PATH, e.g. --spec vbr=./vbr-openapi.json");
    };
    let Some(product) = products::standalone_product(product)? else {
        bail!(
            "--spec {product}=...: only the OpenAPI products (vbr, zvm) take a downloaded spec; EM is XML"
        );
    };
    let out = std::path::absolute(out)?;
    if out.starts_with(repo_root) {
        bail!(
            "--out {} is inside the repository; generated vendor clients stay outside it",
            out.display()
        );
    }
    let spec_path = Path::new(spec_path);
    let started = std::time::Instant::now();
    let spec = restpoint_codegen::load_spec(spec_path)?;
    let label = spec_path.display().to_string();
    let name = format!("{}-api", product.name);
    let written = restpoint_codegen::standalone::write_crate(
        spec, &label, &product, &name, &out, restpoint, true,
    )?;
    let generated = &written.generated;
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "wrote crate {} in {}: {} operations ({} left to the session, {} skipped), {} schemas, \
         {} secret fields, {} custom bodies, {} warnings, {:.1} s",
        written.name,
        out.display(),
        generated.operations.len(),
        generated.session_owned.len(),
        generated.skipped.len(),
        generated.n_schemas,
        generated.secret_fields.len(),
        generated.custom_bodies.len(),
        generated.warnings.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_output_folder_inside_the_repository() {
        let root = crate::regen::repo_root();
        let err = run(
            &root,
            "vbr=specs/vbr/openapi.yaml",
            &root.join("target/x"),
            &RestpointSource::Registry,
        )
        .unwrap_err();
        assert!(err.to_string().contains("inside the repository"), "{err}");
    }

    #[test]
    fn refuses_em_and_malformed_arguments() {
        let root = crate::regen::repo_root();
        let out = std::env::temp_dir().join("restpoint-xtask-never-written");
        assert!(run(&root, "em=x.xsd", &out, &RestpointSource::Registry).is_err());
        assert!(run(&root, "no-equals-sign", &out, &RestpointSource::Registry).is_err());
    }

    /// `--spec` with `--path-to-restpoint` writes a crate whose manifest cargo reads, with
    /// restpoint's crates resolved to this checkout.
    #[test]
    fn a_spec_becomes_a_crate_on_this_checkout() {
        let root = crate::regen::repo_root();
        let out = tempfile::tempdir().unwrap();
        let checkout = RestpointSource::from_arg(Some(&root)).unwrap();
        let arg = format!("vbr={}", root.join("specs/vbr/openapi.yaml").display());
        run(&root, &arg, out.path(), &checkout).unwrap();
        let lib = std::fs::read_to_string(out.path().join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub fn client(session: &::restpoint_vbr::VbrSession)"));
        assert!(
            !lib.contains("fn create_token"),
            "the session owns the token operation"
        );
        let metadata = std::process::Command::new(env!("CARGO"))
            .args([
                "metadata",
                "--offline",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(out.path().join("Cargo.toml"))
            .output()
            .unwrap();
        assert!(
            metadata.status.success(),
            "cargo metadata: {}",
            String::from_utf8_lossy(&metadata.stderr)
        );
        let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
        let packages = metadata["packages"].as_array().unwrap();
        for krate in ["restpoint-session", "restpoint-vbr"] {
            let package = packages
                .iter()
                .find(|p| p["name"] == krate)
                .unwrap_or_else(|| panic!("{krate} is not among the generated crate's packages"));
            let manifest = std::path::absolute(package["manifest_path"].as_str().unwrap()).unwrap();
            let expected = root.join("crates").join(&krate["restpoint-".len()..]);
            assert_eq!(
                std::fs::canonicalize(manifest.parent().unwrap()).unwrap(),
                std::fs::canonicalize(expected).unwrap(),
                "{krate} comes from this checkout"
            );
        }
    }
}
