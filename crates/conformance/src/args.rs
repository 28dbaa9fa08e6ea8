//! Command-line options of `restpoint conform`.

use std::path::PathBuf;

use clap::Parser;
use url::Url;

/// Options of a conformance run. Without `--em`, `--vbr` or `--zvm` the suite runs against the
/// embedded emulator; with any of them it runs against those servers only.
#[derive(clap::Args, Debug, Clone)]
pub struct ConformArgs {
    /// Enterprise Manager to check, e.g. `https://em.example.com:9398`.
    #[arg(long, value_name = "URL", env = "RESTPOINT_EM_URL")]
    pub em: Option<Url>,

    /// Backup & Replication server to check, e.g. `https://vbr.example.com:9419`.
    #[arg(long, value_name = "URL", env = "RESTPOINT_VBR_URL")]
    pub vbr: Option<Url>,

    /// Zerto Virtual Manager to check, e.g. `https://zvm.example.com:9669`.
    #[arg(long, value_name = "URL", env = "RESTPOINT_ZVM_URL")]
    pub zvm: Option<Url>,

    /// User name for every product that has no user of its own (real targets).
    #[arg(long, value_name = "NAME", env = "RESTPOINT_USER")]
    pub user: Option<String>,

    /// User name for Enterprise Manager (default: `--user`).
    #[arg(long, value_name = "NAME", env = "RESTPOINT_EM_USER")]
    pub em_user: Option<String>,

    /// User name for Backup & Replication (default: `--user`).
    #[arg(long, value_name = "NAME", env = "RESTPOINT_VBR_USER")]
    pub vbr_user: Option<String>,

    /// User name for Zerto Virtual Manager (default: `--user`).
    #[arg(long, value_name = "NAME", env = "RESTPOINT_ZVM_USER")]
    pub zvm_user: Option<String>,

    /// Environment variable that holds the password of every product without a
    /// `RESTPOINT_<PRODUCT>_PASSWORD` of its own (real targets). A password is never taken
    /// from the command line.
    #[arg(long, value_name = "VAR", default_value = "RESTPOINT_PASSWORD")]
    pub password_env: String,

    /// Read the password from the first line of standard input instead (for every product
    /// without a `RESTPOINT_<PRODUCT>_PASSWORD`).
    #[arg(long)]
    pub password_stdin: bool,

    /// PEM file of the CA certificates that signed the servers' certificates; every certificate
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

    /// Allow plain `http://` server URLs (logged as a warning): credentials and tokens then cross
    /// the network unencrypted. Refused without it.
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// Also run the checks that send a wrong password for the real account (one per product).
    /// Off by default: wrong passwords count towards a directory's lockout policy. Against the
    /// embedded emulator they always run.
    #[arg(long)]
    pub allow_wrong_password_checks: bool,

    /// Scenarios run at the same time (default: 1 against real servers, 64 against the
    /// embedded emulator).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Print what would run against the given targets, and why anything is skipped, without
    /// sending a single request.
    #[arg(long)]
    pub list: bool,

    /// Seconds a request to a real server may take, answer included (connecting: at most 10).
    /// A server that never answers, or trickles its answer, fails the step after this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
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
    /// `appliance` (OpenID Connect, ZVM-09) or `both` (the emulator serves both). Default:
    /// detected without credentials (ZVM-10: `POST /v1/session/add` without `Authorization`
    /// answers 404 on an Appliance, 401 on Windows).
    #[arg(long, value_enum, value_name = "KIND")]
    pub zvm_kind: Option<ZvmKind>,

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
    /// The options of a plain run against the embedded emulator. Unlike a command line, the
    /// `RESTPOINT_*` environment variables are not read, so that a test never reaches a real
    /// server named there.
    pub fn for_emulator() -> ConformArgs {
        let mut args = Wrapper::parse_from(["conform"]).args;
        args.em = None;
        args.vbr = None;
        args.zvm = None;
        args.user = None;
        args.em_user = None;
        args.vbr_user = None;
        args.zvm_user = None;
        args.ca_cert = None;
        args
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

    /// The user name for `product`: its own (`--em-user`, `RESTPOINT_EM_USER`, ...) or the
    /// shared `--user`.
    pub fn user_for(&self, product: crate::facts::Product) -> Option<&str> {
        use crate::facts::Product;
        let own = match product {
            Product::Em => &self.em_user,
            Product::Vbr => &self.vbr_user,
            Product::Zvm => &self.zvm_user,
        };
        own.as_deref()
            .or(self.user.as_deref())
            .filter(|u| !u.is_empty())
    }
}
