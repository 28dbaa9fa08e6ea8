//! `restpoint drift OLD NEW`: what would break a program written against OLD on a server of NEW
//! (the library `restpoint-drift`). Exit codes: 0 nothing breaking, 1 something breaking, 2 usage
//! (a bad option, an unreadable file, a document that is not OpenAPI 3.x).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::spec_pull::{FetchOptions, fetch, with_causes};

/// The report's format.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// A summary, tables and every change.
    Text,
    /// JSON (`schema_version` 1; see the README).
    Json,
    /// JUnit XML: a test case per operation of OLD, failed on a breaking change.
    Junit,
}

/// Arguments of `restpoint drift`.
#[derive(clap::Args)]
pub struct DriftArgs {
    /// The OpenAPI 3.x document (JSON or YAML) a program was written against.
    pub old: PathBuf,
    /// The OpenAPI 3.x document (JSON or YAML) of the server it will talk to (or --vbr-url).
    #[arg(required_unless_present = "vbr_url")]
    pub new: Option<PathBuf>,
    /// Compare against the spec a live VBR server publishes instead of a file NEW (fetched
    /// without a credential, as `restpoint spec pull` does).
    #[arg(long, value_name = "URL", conflicts_with = "new")]
    pub vbr_url: Option<String>,
    #[command(flatten)]
    pub fetch: FetchOptions,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs the comparison and writes the report; the exit code says whether anything breaks
/// (3 when the live server's spec could not be fetched).
pub async fn run(args: &DriftArgs) -> ExitCode {
    let load = |path: &PathBuf| {
        restpoint_drift::Spec::load(path).map_err(|e| {
            eprintln!("restpoint drift: {e}");
        })
    };
    let Ok(old) = load(&args.old) else {
        return ExitCode::from(2);
    };
    let new = match (&args.new, &args.vbr_url) {
        (Some(path), _) => load(path),
        (None, Some(url)) => match fetch(url, &args.fetch).await {
            Ok(spec) => {
                let name = format!("{url} (revision {})", spec.revision);
                restpoint_drift::Spec::from_value(&name, spec.document)
                    .map_err(|e| eprintln!("restpoint drift: {e}"))
            }
            Err(e) => {
                eprintln!("restpoint drift: {}", with_causes(&e));
                return ExitCode::from(e.exit_code());
            }
        },
        (None, None) => Err(()),
    };
    let Ok(new) = new else {
        return ExitCode::from(2);
    };
    let report = restpoint_drift::compare(&old, &new);
    let format = match args.format {
        FormatArg::Text => restpoint_drift::Format::Text,
        FormatArg::Json => restpoint_drift::Format::Json,
        FormatArg::Junit => restpoint_drift::Format::Junit,
    };
    let text = report.render(format);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("restpoint drift: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
            let s = &report.summary;
            eprintln!(
                "restpoint drift: {} breaking, {} tolerated, {} added; report written to {}",
                s.breaking,
                s.tolerated,
                s.added,
                path.display()
            );
        }
        None => print!("{text}"),
    }
    ExitCode::from(u8::from(report.is_breaking()))
}
