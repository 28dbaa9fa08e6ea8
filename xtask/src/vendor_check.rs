//! P8, compiled and not just generated: a client for every vendor file in
//! `../shared/vendor-specs` is generated and `cargo check`ed.
//!
//! All clients are members of one temporary workspace that takes this workspace's `Cargo.lock`
//! and `[profile.*]` sections and builds into this workspace's target dir, offline: nothing is
//! resolved anew and the dependencies this workspace already compiled are not compiled again.
//! The dependencies the clients add are checked first (timed apart), then each client on its own
//! (its check time). `cargo xtask vendor-check` prints the table; the test below runs it in
//! `cargo test` (and so in CI, where a missing vendor file fails it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use restpoint_codegen::standalone::{RestpointSource, write_crate};

use crate::products;

/// The vendor files, and the product each belongs to.
pub const VENDOR_FILES: [(&str, &str); 4] = [
    ("vbr-1.2-rev1.json", "vbr"),
    ("vbr-1.3-rev0.json", "vbr"),
    ("vbr-1.3-rev1.json", "vbr"),
    ("zvm-appliance-10.0u6.json", "zvm"),
];

/// restpoint's own spec of hostile names (keywords, `Other`, `send_untyped`, `body`, names
/// differing only in case, a multipart and an XML body), checked with the vendor files.
pub const COLLISIONS: &str = "collisions.json";

/// The figures of one vendor file.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The vendor file's name.
    pub file: String,
    /// Operations in the generated client.
    pub operations: usize,
    /// Operations left to the session (not in the client).
    pub session_owned: usize,
    /// Operations progenitor could not generate (the target is 0).
    pub skipped: usize,
    /// Operations whose body our own code path sends.
    pub custom_bodies: usize,
    /// Secret fields.
    pub secret_fields: usize,
    /// Warning lines of generation (one per rewrite).
    pub warnings: usize,
    /// Generation time, seconds.
    pub regen_secs: f64,
    /// `cargo check` time of the client alone (dependencies already checked), seconds.
    pub check_secs: f64,
    /// Whether `cargo check` passed.
    pub check_ok: bool,
    /// Warnings rustc gave on the client.
    pub check_warnings: usize,
}

/// Generates and checks every vendor file's client in `out` (replaced); see the module docs.
/// `check_secs` never includes the dependencies (printed apart). `per_client`: one `cargo check`
/// per client, for its own check time; otherwise one `cargo check` of all of them, in parallel
/// (the fastest, for CI), and each `check_secs` is that run's time.
pub fn run(root: &Path, out: &Path, per_client: bool) -> Result<Vec<Figures>> {
    let out = std::path::absolute(out)?;
    if out.starts_with(root) {
        bail!("{} is inside the repository", out.display());
    }
    let mut specs = Vec::new();
    for (file, product) in VENDOR_FILES {
        let Some(path) = restpoint_testkit_like::shared_path(root, file) else {
            bail!(
                "{file} is missing from ../shared/vendor-specs: get the vendor files before \
                 running this"
            );
        };
        specs.push((file, product, path));
    }
    // Our own spec of names that collide with Rust or with what the generator adds.
    specs.push((
        COLLISIONS,
        "vbr",
        root.join("crates/codegen/tests/fixtures").join(COLLISIONS),
    ));
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    let checkout = RestpointSource::from_arg(Some(root))?;
    let mut figures = Vec::new();
    let mut members = Vec::new();
    for (file, product_name, path) in &specs {
        let product = products::standalone_product(product_name)?
            .with_context(|| format!("no product {product_name}"))?;
        let member = file.trim_end_matches(".json").replace('.', "_");
        let started = Instant::now();
        let spec = restpoint_codegen::load_spec(path)?;
        let written = write_crate(
            spec,
            &path.display().to_string(),
            &product,
            &member,
            &out.join(&member),
            &checkout,
            false,
        )
        .with_context(|| format!("generating {file}"))?;
        let regen_secs = started.elapsed().as_secs_f64();
        let g = &written.generated;
        figures.push(Figures {
            file: file.to_string(),
            operations: g.operations.len(),
            session_owned: g.session_owned.len(),
            skipped: g.skipped.len(),
            custom_bodies: g.custom_bodies.len(),
            secret_fields: g.secret_fields.len(),
            warnings: g.warnings.len(),
            regen_secs,
            check_secs: 0.0,
            check_ok: false,
            check_warnings: 0,
        });
        members.push(member);
    }
    write_workspace(root, &out, &members)?;
    let started = Instant::now();
    let deps = cargo_check(root, &out, &["-p", "restpoint-vbr", "-p", "restpoint-zvm"])?;
    if !deps.0 {
        bail!("cargo check of the dependencies failed:\n{}", deps.2);
    }
    eprintln!(
        "vendor-check: dependencies checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !per_client {
        let started = Instant::now();
        let mut args = Vec::new();
        for member in &members {
            args.extend(["-p", member.as_str()]);
        }
        let (ok, warnings, log) = cargo_check(root, &out, &args)?;
        let secs = started.elapsed().as_secs_f64();
        if !ok {
            eprintln!("cargo check failed:\n{log}");
        }
        for figure in &mut figures {
            figure.check_secs = secs;
            figure.check_ok = ok;
            figure.check_warnings = warnings;
        }
        return Ok(figures);
    }
    for (figure, member) in figures.iter_mut().zip(&members) {
        let started = Instant::now();
        let (ok, warnings, log) = cargo_check(root, &out, &["-p", member])?;
        figure.check_secs = started.elapsed().as_secs_f64();
        figure.check_ok = ok;
        figure.check_warnings = warnings;
        if !ok {
            eprintln!("{}: cargo check failed:\n{log}", figure.file);
        }
    }
    Ok(figures)
}

/// The figures as a Markdown table.
pub fn table(figures: &[Figures]) -> String {
    let mut text = String::from(
        "| vendor file | operations | left to the session | skipped | custom bodies | secret fields | generation warnings | regen s | check s | check | rustc warnings |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for f in figures {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {} |\n",
            f.file,
            f.operations,
            f.session_owned,
            f.skipped,
            f.custom_bodies,
            f.secret_fields,
            f.warnings,
            f.regen_secs,
            f.check_secs,
            if f.check_ok { "ok" } else { "FAILED" },
            f.check_warnings
        ));
    }
    text
}

/// The temporary workspace: the members, this workspace's profiles, its `Cargo.lock`.
fn write_workspace(root: &Path, out: &Path, members: &[String]) -> Result<()> {
    let ours = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let profiles = ours
        .find("\n[profile.")
        .map(|at| &ours[at..])
        .unwrap_or_default();
    let list = members
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        out.join("Cargo.toml"),
        format!(
            "# Written by `cargo xtask vendor-check`.\n[workspace]\nresolver = \"3\"\nmembers = [{list}]\n{profiles}"
        ),
    )?;
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"))
        .context("copying the workspace's Cargo.lock")?;
    Ok(())
}

/// `cargo check --offline` in `out` into this workspace's target dir; (passed, warnings, log).
fn cargo_check(root: &Path, out: &Path, args: &[&str]) -> Result<(bool, usize, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(out)
        .env("CARGO_TARGET_DIR", target_dir(root))
        .args(["check", "--offline", "--message-format=short"])
        .args(args)
        .output()
        .context("starting cargo check")?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    let warnings = log
        .lines()
        .filter(|l| {
            l.contains(": warning:") || l.starts_with("warning:") && l.contains("generated")
        })
        .count();
    Ok((output.status.success(), warnings, log))
}

/// This workspace's target dir (`CARGO_TARGET_DIR` when set, else `<root>/target`).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// `../shared/vendor-specs/<file>` without the test kit (the xtask binary does not depend on it).
mod restpoint_testkit_like {
    use std::path::{Path, PathBuf};

    pub fn shared_path(root: &Path, file: &str) -> Option<PathBuf> {
        let path = root.join("../shared/vendor-specs").join(file);
        path.is_file().then_some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every vendor file becomes a client that compiles, with 0 operations skipped and none of
    /// the session's operations exposed. Under `CI` a missing vendor file fails the test.
    #[test]
    fn every_vendor_file_compiles_with_no_operation_skipped() {
        for (file, _) in VENDOR_FILES {
            if restpoint_testkit::shared_path(Path::new("vendor-specs").join(file)).is_none() {
                return;
            }
        }
        let root = crate::regen::repo_root();
        let out = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let figures = run(&root, out.path(), false).unwrap();
        eprintln!(
            "vendor clients generated and checked in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        eprintln!("{}", table(&figures));
        for f in &figures {
            assert_eq!(f.skipped, 0, "{}: operations skipped", f.file);
            assert!(f.check_ok, "{}: the client does not compile", f.file);
            if f.file != COLLISIONS {
                assert!(
                    f.operations >= 200,
                    "{}: {} operations",
                    f.file,
                    f.operations
                );
                assert!(
                    f.session_owned >= 1,
                    "{}: the session's token operation",
                    f.file
                );
            }
        }
        for file in VENDOR_FILES.map(|(file, _)| file) {
            let member = file.trim_end_matches(".json").replace('.', "_");
            let code =
                std::fs::read_to_string(out.path().join(&member).join("src/lib.rs")).unwrap();
            let figure = figures.iter().find(|f| f.file == file).unwrap();
            // Every operation sends through the session, naming its operation id.
            assert_eq!(
                code.matches("async fn send_untyped(").count(),
                figure.operations,
                "{file}"
            );
            // No property named like a secret is left a plain string.
            let plain: Vec<&str> = code
                .lines()
                .map(str::trim)
                .filter(|line| {
                    line.strip_prefix("pub ")
                        .and_then(|rest| rest.split_once(": "))
                        .is_some_and(|(name, ty)| {
                            restpoint_codegen::secrets::is_secret_name(name)
                                && ty.contains("::std::string::String")
                        })
                })
                .collect();
            assert!(plain.is_empty(), "{file}: {plain:#?}");
            assert!(
                figure.secret_fields >= 10,
                "{file}: {} secret fields",
                figure.secret_fields
            );
        }
        let collisions = figures.iter().find(|f| f.file == COLLISIONS).unwrap();
        assert_eq!(collisions.custom_bodies, 2, "the multipart and XML bodies");
        // The clients of the session-owned operations are absent; their models stay.
        let vbr = std::fs::read_to_string(out.path().join("vbr-1_3-rev1/src/lib.rs")).unwrap();
        assert!(
            !vbr.contains("pub fn create_token("),
            "VBR's CreateToken is the session's"
        );
        assert!(vbr.contains("pub struct TokenLoginSpec"));
        let zvm =
            std::fs::read_to_string(out.path().join("zvm-appliance-10_0u6/src/lib.rs")).unwrap();
        assert!(
            !zvm.contains("pub fn get_auth_token("),
            "ZVM's getAuthToken is the session's"
        );
        // The multipart upload is there, with its real media type.
        assert!(zvm.contains("pub fn upload_file_to_scripts_directory("));
        assert!(zvm.contains("multipart/form-data; boundary="));
    }
}
