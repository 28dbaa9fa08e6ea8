//! `cargo xtask`: project automation.
//!
//! - `cargo xtask regen` writes every product's generated code from `specs/`;
//! - `cargo xtask regen --check` fails, naming the stale files, when the checked-in code differs;
//! - `cargo xtask regen --product vbr` regenerates one product;
//! - `cargo xtask regen --spec vbr=PATH --out DIR` generates a client crate from a spec a user
//!   downloaded from their own server, into a folder outside the repository; it depends on
//!   restpoint's crates by version, or with `--path-to-restpoint .` on this checkout by path;
//! - `cargo xtask vendor-check` generates and `cargo check`s a client for every vendor file in
//!   `../shared/vendor-specs` (P8).
//!
//! The generator itself is the library `restpoint-codegen` (`crates/codegen`); the xtask holds
//! the products' configuration ([`products`]) and the EM XSD generation.

mod bench;
mod em;
mod em_redact;
mod manifests;
mod products;
mod regen;
mod standalone;
mod vendor_check;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "restpoint project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the typed code of the product crates from specs/.
    Regen {
        /// Compare instead of writing; exit non-zero naming the stale files.
        #[arg(long)]
        check: bool,
        /// Only these products (vbr, zvm, em); all when absent.
        #[arg(long = "product", value_parser = ["vbr", "zvm", "em"])]
        products: Vec<String>,
        /// Generate a standalone client crate from a downloaded spec: PRODUCT=PATH.
        #[arg(long, requires = "out")]
        spec: Option<String>,
        /// Output folder of `--spec` (created; must be outside this repository).
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// With `--spec`: depend on the restpoint crates of this checkout (its root folder) by
        /// path, for development; without it the crate depends on them by version (crates.io).
        #[arg(long, requires = "spec", value_name = "PATH")]
        path_to_restpoint: Option<PathBuf>,
    },
    /// P8: generate and `cargo check` a client for every vendor file in ../shared/vendor-specs,
    /// in one workspace against this workspace's Cargo.lock and target dir.
    VendorCheck {
        /// Folder for the generated crates (outside the repository; replaced).
        #[arg(long, default_value = "/tmp/restpoint-vendor-check")]
        out: PathBuf,
        /// One `cargo check` of all clients (as the test does) instead of one per client.
        #[arg(long)]
        together: bool,
    },
    /// Run the benchmarks (release build) and print every performance figure in one table.
    Bench {
        /// Also P7: a cold workspace build in target/bench-build-times (many minutes).
        #[arg(long)]
        build_times: bool,
        /// Small sizes: a quick look, not the targets' figures.
        #[arg(long)]
        quick: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen {
            check,
            products,
            spec: Some(spec),
            out: Some(out),
            path_to_restpoint,
        } => {
            if check || !products.is_empty() {
                Err(anyhow::anyhow!(
                    "--spec/--out generates one standalone crate; it takes neither --check nor --product"
                ))
            } else {
                standalone::RestpointSource::from_arg(path_to_restpoint.as_deref())
                    .and_then(|restpoint| {
                        standalone::run(&regen::repo_root(), &spec, &out, &restpoint)
                    })
                    .map(|()| true)
            }
        }
        Command::Regen {
            check, products, ..
        } => regen::run(&regen::repo_root(), &products, check),
        Command::VendorCheck { out, together } => {
            vendor_check::run(&regen::repo_root(), &out, !together).map(|figures| {
                print!("{}", vendor_check::table(&figures));
                figures.iter().all(|f| f.skipped == 0 && f.check_ok)
            })
        }
        Command::Bench { build_times, quick } => {
            bench::run(&regen::repo_root(), build_times, quick)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
