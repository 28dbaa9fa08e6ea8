//! `restpoint emulate`: the three servers on their default ports with zero configuration.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::{EmulatorConfig, TlsSource, Vbr401Body};
use crate::inventory::Inventory;
use crate::profile::Profile;
use crate::{Emulator, defaults};

/// Command-line options of `restpoint emulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulateArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Enterprise Manager port (0 = any free port).
    #[arg(long, default_value_t = defaults::EM_PORT)]
    pub em_port: u16,
    /// Backup & Replication port (0 = any free port).
    #[arg(long, default_value_t = defaults::VBR_PORT)]
    pub vbr_port: u16,
    /// Zerto Virtual Manager port (0 = any free port).
    #[arg(long, default_value_t = defaults::ZVM_PORT)]
    pub zvm_port: u16,
    /// Certificate chain PEM file (with --key); default: a CA and certificate made at start.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key PEM file (with --cert).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Where to write the CA PEM that clients must trust
    /// (default: restpoint-emulator-ca.pem in the temporary directory).
    #[arg(long)]
    pub ca_out: Option<PathBuf>,
    /// Run on a virtual clock that moves only through the admin listener.
    #[arg(long)]
    pub virtual_clock: bool,
    /// Admin HTTP listener port on 127.0.0.1 (0 = any free port); with --virtual-clock and no
    /// port, a free port is chosen.
    #[arg(long)]
    pub admin_port: Option<u16>,
    /// Inventory TOML file (default: the embedded inventory).
    #[arg(long)]
    pub inventory: Option<PathBuf>,
    /// Answer a refused VBR access token with an empty 401 body (VBR-12) instead of JSON.
    #[arg(long)]
    pub vbr_empty_401: bool,
    /// Play a real release: a server profile by name (see --list-profiles).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Print the server profiles and their differences, then exit.
    #[arg(long)]
    pub list_profiles: bool,
    /// Write the session-hygiene report of the clients seen (JSON) to FILE on exit (Ctrl-C),
    /// and print it as a table.
    #[arg(long, value_name = "FILE")]
    pub hygiene_report: Option<PathBuf>,
    /// Exit with status 1 when the hygiene report has a finding of this severity or worse.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<crate::hygiene::FailOn>,
    /// Watch the clients for the hygiene report (`GET /admin/hygiene`) without writing it on
    /// exit. On with --hygiene-report or --fail-on; off otherwise, so that a long-running
    /// emulator keeps no record of its clients (its memory returns to the baseline once
    /// sessions expire, R6).
    #[arg(long)]
    pub hygiene: bool,
    /// Answer every operation of a vendor's OpenAPI 3 file behind the session layer:
    /// `vbr=FILE` or `zvm=FILE` (repeatable; hand-modelled routes keep their behaviour).
    #[arg(long = "spec", value_name = "PRODUCT=FILE")]
    pub specs: Vec<crate::spec_driven::SpecArg>,
}

/// `--fail-on`: the hygiene report had a finding at or above the level (exit status 1).
#[derive(Debug, thiserror::Error)]
#[error("the session-hygiene report has {findings} finding(s), the worst a {worst}")]
pub struct HygieneFailed {
    /// Number of findings.
    pub findings: usize,
    /// The worst severity found (`warning` or `error`).
    pub worst: &'static str,
}

impl Default for EmulateArgs {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            em_port: defaults::EM_PORT,
            vbr_port: defaults::VBR_PORT,
            zvm_port: defaults::ZVM_PORT,
            cert: None,
            key: None,
            ca_out: None,
            virtual_clock: false,
            admin_port: None,
            inventory: None,
            vbr_empty_401: false,
            profile: None,
            list_profiles: false,
            hygiene_report: None,
            fail_on: None,
            hygiene: false,
            specs: Vec::new(),
        }
    }
}

impl EmulateArgs {
    /// The emulator configuration these options describe.
    pub fn to_config(&self) -> anyhow::Result<EmulatorConfig> {
        let mut config = match &self.profile {
            Some(name) => EmulatorConfig::profile(name)?,
            None => EmulatorConfig::default(),
        };
        config = config
            .with_bind(self.bind)
            .with_ports(self.em_port, self.vbr_port, self.zvm_port)
            .with_admin_port(self.admin_port);
        if self.virtual_clock {
            config = config.with_manual_clock(restpoint_clock::ManualClock::new());
            if config.admin_port.is_none() {
                config.admin_port = Some(0);
            }
        }
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            config = config.with_tls(TlsSource::PemFiles {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        if let Some(path) = &self.inventory {
            let inventory = Inventory::from_file(path)
                .with_context(|| format!("reading inventory {}", path.display()))?;
            config = config.with_inventory(inventory);
        }
        if self.vbr_empty_401 {
            config = config.with_vbr_401_body(Vbr401Body::Empty);
        }
        let watch = self.hygiene || self.hygiene_report.is_some() || self.fail_on.is_some();
        let hygiene = crate::hygiene::HygieneSettings {
            enabled: watch,
            ..config.hygiene
        };
        config = config.with_hygiene(hygiene);
        for arg in &self.specs {
            let document = crate::spec_driven::load_document(&arg.path)?;
            config = config
                .with_spec(arg.product, document)
                .with_context(|| format!("serving --spec {}", arg.path.display()))?;
        }
        Ok(config)
    }
}

/// The banner printed at start: URLs, CA path, admin URL and the default users.
pub fn banner(emulator: &Emulator, ca_path: &std::path::Path) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "restpoint emulator running");
    let _ = writeln!(out, "  EM   {}api/", emulator.em_url());
    let _ = writeln!(out, "  VBR  {}", emulator.vbr_url());
    let _ = writeln!(out, "  ZVM  {}v1/", emulator.zvm_url());
    for served in emulator.admin().served_specs() {
        let revision = served
            .revision()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}{revision} spec: every one of its {} operations answered (hand-modelled routes first)",
            served.product().label(),
            served.operation_count()
        );
    }
    if let Some(admin) = emulator.admin_url() {
        let _ = writeln!(out, "  admin {}admin/", admin);
    }
    let _ = writeln!(out, "  CA   {}", ca_path.display());
    let _ = writeln!(out, "test users (public test credentials):");
    for user in emulator.admin().users() {
        let mut roles = Vec::new();
        if let Some(r) = user.em_role {
            roles.push(format!("EM {r:?}"));
        }
        if let Some(r) = user.vbr_role {
            roles.push(format!(
                "VBR {r:?}{}",
                if user.mfa {
                    " (MFA on: refused, VBR-09)"
                } else {
                    ""
                }
            ));
        }
        if user.zvm {
            roles.push("ZVM".to_string());
        }
        let _ = writeln!(
            out,
            "  {:<11} {:<20} {}",
            user.name,
            user.password,
            roles.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  ZVM OIDC: client_id={} (password grant); client_credentials {} / {}",
        defaults::ZVM_OIDC_PASSWORD_CLIENT,
        defaults::ZVM_OIDC_CLIENT_ID,
        defaults::ZVM_OIDC_CLIENT_SECRET
    );
    let _ = writeln!(
        out,
        "try: curl --cacert {} -u {}:{} -X POST '{}api/sessionMngr/?v=latest' -i",
        ca_path.display(),
        defaults::ADMIN_USER,
        defaults::ADMIN_PASSWORD,
        emulator.em_url()
    );
    out
}

/// Every server profile with its differences (`restpoint emulate --list-profiles`).
pub fn profile_list() -> String {
    let mut out = String::from(
        "server profiles (restpoint emulate --profile NAME); without one, the facts' defaults:\n",
    );
    for p in Profile::all() {
        out.push('\n');
        out.push_str(&p.describe());
    }
    out
}

/// Starts the emulator, writes the CA PEM, prints the banner, and serves until Ctrl-C. With
/// `--list-profiles` it prints the profiles and returns. An unknown `--profile` is an
/// [`crate::profile::UnknownProfile`] error (its text lists the known names).
pub async fn run(args: EmulateArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    if args.list_profiles {
        print!("{}", profile_list());
        return Ok(());
    }
    let config = args.to_config()?;
    if let Some(name) = &args.profile {
        print!("{}", Profile::find(name)?.describe());
    }
    let emulator = Emulator::start(config)
        .await
        .context("starting the emulator")?;
    let ca_path = args
        .ca_out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("restpoint-emulator-ca.pem"));
    std::fs::write(&ca_path, emulator.ca_pem())
        .with_context(|| format!("writing the CA to {}", ca_path.display()))?;
    // Ctrl-C is caught from before the banner: a caller that reads the banner and interrupts
    // at once gets the orderly stop (and the hygiene report), not the default kill.
    let mut interrupted = Box::pin(tokio::signal::ctrl_c());
    let first_poll = futures::poll!(interrupted.as_mut());
    // Written without `print!`, which panics when stdout is a pipe its reader has closed.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}press Ctrl-C to stop", banner(&emulator, &ca_path));
    let _ = out.flush();
    match first_poll {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => interrupted.await,
    }
    .context("waiting for Ctrl-C")?;
    let _ = writeln!(out, "stopping");
    let report = emulator.hygiene();
    tokio::time::timeout(Duration::from_secs(5), emulator.shutdown())
        .await
        .ok();
    hygiene_on_exit(&args, &report)
}

/// Writes the hygiene report (`--hygiene-report`), prints its table, and fails on `--fail-on`.
fn hygiene_on_exit(args: &EmulateArgs, report: &crate::HygieneReport) -> anyhow::Result<()> {
    if args.hygiene_report.is_none() && args.fail_on.is_none() {
        return Ok(());
    }
    if let Some(path) = &args.hygiene_report {
        std::fs::write(path, report.to_json())
            .with_context(|| format!("writing the hygiene report to {}", path.display()))?;
        let _ = writeln!(
            std::io::stdout(),
            "hygiene report written to {}",
            path.display()
        );
    }
    let _ = write!(std::io::stdout(), "{}", report.to_text());
    match (args.fail_on, report.worst()) {
        (Some(level), Some(worst)) if report.fails(level) => Err(HygieneFailed {
            findings: report.findings().count(),
            worst: worst.label(),
        }
        .into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::ZvmKind;

    #[test]
    fn the_clients_are_watched_only_when_a_hygiene_option_asks_for_it() {
        let watched = |args: EmulateArgs| args.to_config().unwrap().hygiene.enabled;
        assert!(!watched(EmulateArgs::default()));
        assert!(watched(EmulateArgs {
            hygiene: true,
            ..EmulateArgs::default()
        }));
        assert!(watched(EmulateArgs {
            hygiene_report: Some("hygiene.json".into()),
            ..EmulateArgs::default()
        }));
        assert!(watched(EmulateArgs {
            fail_on: Some(crate::hygiene::FailOn::Error),
            ..EmulateArgs::default()
        }));
    }

    #[test]
    fn a_profile_sets_the_configuration_and_the_flags_still_apply() {
        let args = EmulateArgs {
            profile: Some("zvm-10".into()),
            em_port: 0,
            ..EmulateArgs::default()
        };
        let config = args.to_config().unwrap();
        assert_eq!(config.behaviour.zvm_kind, ZvmKind::Appliance);
        assert_eq!(config.em_port, 0);
        let plain = EmulateArgs::default().to_config().unwrap();
        assert_eq!(plain.behaviour.zvm_kind, ZvmKind::Both);
    }

    #[test]
    fn an_unknown_profile_is_a_typed_error() {
        let args = EmulateArgs {
            profile: Some("vbr-99".into()),
            ..EmulateArgs::default()
        };
        let e = args.to_config().unwrap_err();
        let unknown = e.downcast_ref::<crate::profile::UnknownProfile>().unwrap();
        assert_eq!(unknown.name, "vbr-99");
        assert!(e.to_string().contains("vbr-13.1.0"), "{e}");
    }

    #[test]
    fn a_spec_that_is_not_openapi_3_or_names_an_unknown_product_is_refused() {
        use crate::spec_driven::SpecError;
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: EmulateArgs,
        }
        let e = Cli::try_parse_from(["x", "--spec", "em=/tmp/a.json"])
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown product"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let swagger2 = dir.path().join("swagger2.json");
        std::fs::write(&swagger2, r#"{"swagger": "2.0", "paths": {}}"#).unwrap();
        let cli =
            Cli::try_parse_from(["x", "--spec", &format!("zvm={}", swagger2.display())]).unwrap();
        let e = cli.args.to_config().unwrap_err();
        assert!(
            matches!(
                e.downcast_ref::<SpecError>(),
                Some(SpecError::NotOpenApi3 { .. })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("not an OpenAPI 3 document"), "{e}");
        let good = dir.path().join("zvm.json");
        std::fs::write(
            &good,
            r#"{"openapi": "3.0.1", "info": {"version": "1.0"}, "paths": {"/v1/things": {"get": {}}}}"#,
        )
        .unwrap();
        let cli = Cli::try_parse_from(["x", "--spec", &format!("zvm={}", good.display())]).unwrap();
        let config = cli.args.to_config().unwrap();
        assert!(config.served_specs.zvm().is_some());
    }

    #[test]
    fn the_list_names_every_profile() {
        let list = profile_list();
        for name in Profile::names() {
            assert!(list.contains(&format!("profile {name}:")), "{list}");
        }
    }
}
