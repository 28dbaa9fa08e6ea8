//! Command-line options of `restpoint conform`.

use std::path::PathBuf;

use clap::Parser;
use url::Url;

/// Options of a conformance run. Without `--em`, `--vbr` or `--zvm` the suite runs against the
/// embedded emulator; with any of them it runs against those servers only.
#[derive(clap::Args, Debug, Clone)]
pub struct ConformArgs {
    /// Enterprise Manager to check, e.g. `https://em.example.com:9398`.
    #[arg(long, value_name = "URL")]
    pub em: Option<Url>,

    /// Backup & Replication server to check, e.g. `https://vbr.example.com:9419`.
    #[arg(long, value_name = "URL")]
    pub vbr: Option<Url>,

    /// Zerto Virtual Manager to check, e.g. `https://zvm.example.com:9669`.
    #[arg(long, value_name = "URL")]
    pub zvm: Option<Url>,

    /// User name to log on with (real targets).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Environment variable that holds the password (real targets). The password is never
    /// taken from the command line.
    #[arg(long, value_name = "VAR", default_value = "RESTPOINT_PASSWORD")]
    pub password_env: String,

    /// Read the password from the first line of standard input instead.
    #[arg(long)]
    pub password_stdin: bool,

    /// PEM file of the CA that signed the servers' certificates.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_cert: Option<PathBuf>,

    /// Accept any server certificate (logged as a warning; for lab servers only).
    #[arg(long)]
    pub insecure: bool,

    /// Run the scenarios that wait in real time (15- and 30-minute timeouts) against real
    /// servers too.
    #[arg(long)]
    pub include_slow: bool,

    /// `x-api-version` sent to Backup & Replication.
    #[arg(long, value_name = "VERSION", default_value = "1.2-rev1")]
    pub vbr_api_version: String,

    /// `client_id` of the ZVM Appliance's password grant.
    #[arg(long, value_name = "ID", default_value = "zerto-client")]
    pub zvm_client_id: String,

    /// Which kind of ZVM `--zvm` is: `windows` (sessions through `/v1/session/add`),
    /// `appliance` (OpenID Connect, ZVM-09) or `both` (the emulator serves both).
    #[arg(long, value_enum, value_name = "KIND", default_value = "both")]
    pub zvm_kind: ZvmKind,

    /// Run only scenarios carrying one of these tags (e.g. `EM-06`, `slow`); repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a Cucumber JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a per-rule summary as JSON to this file: outcome, recorded readings and the
    /// deciding exchange of each rule (no secret, no body).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,

    /// Write a self-contained HTML report to this file: a rule × server matrix whose cells open
    /// the exchanges that decided them.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Write the text report (as printed) to this file too.
    #[arg(long, value_name = "FILE")]
    pub text: Option<PathBuf>,

    /// Folder of feature files to run instead of the ones built into the binary.
    #[arg(long, value_name = "DIR")]
    pub features: Option<PathBuf>,

    /// Also compare the built-in rule catalogue with this copy of the protocol facts
    /// (`protocol-facts.md`): a rule id or mark that differs counts as a coverage problem.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,

    /// Against the embedded emulator, run only this server profile (its product's scenarios)
    /// instead of the default emulator and every profile. `default` runs the default emulator
    /// only. See `restpoint emulate --list-profiles`.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Print only failures and the final report, not every step.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Which logon a Zerto Virtual Manager offers.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZvmKind {
    /// Both: `/v1/session/add` and OpenID Connect (the emulator).
    Both,
    /// A ZVM on Windows: `/v1/session/add` and `x-zerto-session`.
    Windows,
    /// The ZVM Appliance: OpenID Connect tokens (ZVM-09).
    Appliance,
}

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: ConformArgs,
}

impl ConformArgs {
    /// The options of a plain run against the embedded emulator.
    pub fn for_emulator() -> ConformArgs {
        Wrapper::parse_from(["conform"]).args
    }

    /// Parses options as a command line would give them (the first item is the program name).
    pub fn parse_from<I, T>(args: I) -> Result<ConformArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Wrapper::try_parse_from(args).map(|w| w.args)
    }

    /// Whether any real server was named.
    pub fn has_real_target(&self) -> bool {
        self.em.is_some() || self.vbr.is_some() || self.zvm.is_some()
    }
}
