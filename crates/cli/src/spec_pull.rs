//! `restpoint spec pull`: fetches the OpenAPI document a VBR server publishes
//! (`GET /swagger/v<revision>/swagger.json`) and writes it to a file.
//!
//! TLS is checked as by every other command: the system roots plus `--ca-cert` /
//! `RESTPOINT_CA`, `--insecure` (logged) to accept any certificate, plain `http://` refused unless
//! `--allow-insecure-http` (logged). No credential is sent. Without `--revision` the revision is
//! the one a restpoint VBR session negotiates with that server (VBR-08). The fetching is
//! [`restpoint_vbr::published_spec`]; this module is the command around it.
//!
//! Only VBR: the Zerto Appliance's OpenAPI file exists (the vendor publishes one), but neither
//! the protocol facts nor the vendor's pages name a path a ZVM serves it at.
//!
//! Exit codes: 0 written; 2 usage (a bad option, revision or URL, an unreadable CA file); 3 the
//! server or its answer (unreachable, TLS refused, 404, not JSON, too large); 1 the file could
//! not be written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use restpoint_session::HttpOptions;
use restpoint_vbr::published_spec::{
    MAX_SPEC_BYTES, PublishedSpec, SpecFetchError, fetch_published_spec,
};

/// `restpoint spec ...`.
#[derive(Subcommand)]
pub enum SpecCommand {
    /// Fetch the OpenAPI document a VBR server publishes for one API revision
    /// (`/swagger/v<revision>/swagger.json`) and write it to a file. No credential is sent.
    /// Exit codes: 0 written, 1 the file could not be written, 2 usage, 3 the server or its
    /// answer failed.
    Pull(PullArgs),
}

/// Options of `restpoint spec pull`.
#[derive(Args, Debug)]
pub struct PullArgs {
    /// Base URL of the Backup & Replication REST API (`https://vbr.example.com:9419`).
    #[arg(long, value_name = "URL", env = "RESTPOINT_VBR_URL")]
    pub vbr: String,

    /// File to write the document to (JSON).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub fetch: FetchOptions,
}

/// How a published spec is fetched: the revision and the TLS options, as `conform` has them
/// (shared by `spec pull` and `drift --vbr-url`).
#[derive(Args, Debug)]
pub struct FetchOptions {
    /// API revision to fetch (`1.3-rev1`). Default: the revision a restpoint VBR session
    /// negotiates with this server (VBR-08).
    #[arg(long, value_name = "REVISION")]
    pub revision: Option<String>,

    /// PEM file of the CA certificates that signed the server's certificate; every certificate
    /// of a bundle is trusted (besides the system roots).
    #[arg(
        long,
        value_name = "FILE",
        env = "RESTPOINT_CA",
        conflicts_with = "insecure"
    )]
    pub ca_cert: Option<PathBuf>,

    /// Accept any server certificate (logged as a warning; for lab servers only).
    #[arg(long)]
    pub insecure: bool,

    /// Allow a plain `http://` URL (logged as a warning). Refused without it.
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// Largest answer read, in bytes; a larger one is refused while it streams.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_SPEC_BYTES)]
    pub max_bytes: usize,
}

/// Runs `restpoint spec <command>`.
pub async fn run(command: SpecCommand) -> ExitCode {
    match command {
        SpecCommand::Pull(args) => pull(args).await,
    }
}

/// Why `spec pull` (or the fetch of `drift --vbr-url`) stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Usage(String),
    #[error("{error}{hint}")]
    Fetch {
        #[source]
        error: Box<SpecFetchError>,
        hint: String,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl PullError {
    /// The exit code of `spec pull` for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            PullError::Usage(_) => 2,
            PullError::Fetch { error, .. } => match error.as_ref() {
                SpecFetchError::InvalidRevision(_) => 2,
                SpecFetchError::Http(e) if e.context().is_none() => 2,
                _ => 3,
            },
            PullError::Write { .. } => 1,
        }
    }
}

async fn pull(args: PullArgs) -> ExitCode {
    match pull_inner(&args).await {
        Ok(spec) => {
            println!(
                "revision {}{}: {} operations, written to {}",
                spec.revision,
                if spec.negotiated { " (negotiated)" } else { "" },
                spec.operation_count(),
                args.output.display()
            );
            if let Some(v) = spec.info_version().filter(|v| *v != spec.revision) {
                eprintln!("restpoint: spec pull: note: the document names itself revision {v:?}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("restpoint: spec pull: {}", with_causes(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

async fn pull_inner(args: &PullArgs) -> Result<PublishedSpec, PullError> {
    let spec = fetch(&args.vbr, &args.fetch).await?;
    write_document(&args.output, &spec).map_err(|source| PullError::Write {
        path: args.output.display().to_string(),
        source,
    })?;
    Ok(spec)
}

/// Fetches the spec `url` publishes, with `options`' revision and TLS options.
pub async fn fetch(url: &str, options: &FetchOptions) -> Result<PublishedSpec, PullError> {
    let http = http_options(options)?;
    fetch_published_spec(url, &http, options.revision.as_deref(), options.max_bytes)
        .await
        .map_err(|error| {
            let hint = hint(&error, options);
            PullError::Fetch {
                error: Box::new(error),
                hint,
            }
        })
}

/// The TLS options, as `conform` builds them for real servers.
fn http_options(args: &FetchOptions) -> Result<HttpOptions, PullError> {
    let mut options = HttpOptions::new()
        .connect_timeout(Duration::from_secs(10))
        .request_timeout(Duration::from_secs(120));
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            PullError::Usage(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        options = options.ca_pem(pem).map_err(|_| {
            PullError::Usage(format!(
                "{} holds no PEM certificate (--ca-cert / RESTPOINT_CA)",
                path.display()
            ))
        })?;
    } else if args.insecure {
        eprintln!(
            "restpoint: WARNING: --insecure: the server certificate is not checked; use only against a lab server"
        );
        options = options.danger_accept_invalid_certs(true);
    }
    if args.allow_insecure_http {
        eprintln!(
            "restpoint: WARNING: --allow-insecure-http: a plain http:// URL is fetched unencrypted"
        );
        options = options.allow_insecure_http(true);
    }
    Ok(options)
}

/// The error and its causes, each once (a transport error says why it failed).
pub fn with_causes(error: &PullError) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        let line = c.to_string();
        if !text.contains(&line) {
            text = format!("{text}: {line}");
        }
        cause = c.source();
    }
    text
}

/// What to try next, for the errors a user can fix with an option.
fn hint(error: &SpecFetchError, args: &FetchOptions) -> String {
    match error {
        // The TLS error itself names --ca-cert.
        SpecFetchError::NotPublished { .. } if args.revision.is_none() => {
            "; name another revision with --revision".into()
        }
        SpecFetchError::Http(restpoint_session::Error::Config(
            restpoint_session::ConfigError::InsecureHttp,
        )) => "; use https:// or pass --allow-insecure-http".into(),
        SpecFetchError::TooLarge { .. } => "; raise the limit with --max-bytes".into(),
        _ => String::new(),
    }
}

/// Writes the document: as received when it is already laid out on several lines, pretty
/// printed otherwise. The file is replaced only after the whole answer was read and checked.
fn write_document(path: &Path, spec: &PublishedSpec) -> std::io::Result<()> {
    let body = spec
        .body
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&spec.body);
    let text = if body.contains(&b'\n') {
        body.to_vec()
    } else {
        let mut pretty =
            serde_json::to_vec_pretty(&spec.document).map_err(std::io::Error::other)?;
        pretty.push(b'\n');
        pretty
    };
    std::fs::write(path, text)
}
