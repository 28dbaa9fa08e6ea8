//! The servers a run checks: the embedded emulator, or real servers named on the command line.

use std::fmt;
use std::io::BufRead as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::args::ConformArgs;
use crate::facts::Product;

/// Whether the run checks the embedded emulator or real servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The embedded emulator, on a virtual clock.
    Emulator,
    /// Real servers named on the command line.
    Real,
}

/// A user name and its password.
#[derive(Clone)]
pub struct Credential {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: SecretString,
}

impl Credential {
    /// A credential from plain strings.
    pub fn new(user: &str, password: &str) -> Credential {
        Credential {
            user: user.to_owned(),
            password: SecretString::from(password.to_owned()),
        }
    }

    /// The password, for building a request.
    pub fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Accounts that only the emulator has (an account without an EM role, a VBR viewer, an MFA
/// account, a second EM user).
#[derive(Clone, Debug)]
pub struct EmulatorAccounts {
    /// An account without a portal role (EM-05).
    pub em_no_role: Credential,
    /// Another EM user (EM-10).
    pub em_other: Credential,
    /// A Cloud Connect tenant that logs on with a `LoginSpec` body (EM-02).
    pub em_tenant: Credential,
    /// A VBR account without the privileges to start a job (VBR-07).
    pub vbr_viewer: Credential,
    /// A VBR account with multi-factor authentication turned on, which VBR refuses (VBR-09).
    pub vbr_mfa: Credential,
    /// EM accounts by role name (`Portal Administrator`, `Portal User`, `Restore Operator`).
    pub em_by_role: Vec<(String, Credential)>,
    /// The `vbr_token` the emulator accepts (VBR-01).
    pub vbr_token: String,
    /// A client id and secret of the ZVM Appliance's client-credentials grant (ZVM-09).
    pub zvm_client_credentials: (String, String),
}

/// Everything a scenario needs to reach its server.
pub struct Context {
    /// Emulator or real servers.
    pub mode: Mode,
    /// One HTTP client for the whole run (no cookie store, no redirects).
    pub client: reqwest::Client,
    /// Origin of the Enterprise Manager, e.g. `https://em:9398`.
    pub em: Option<Url>,
    /// Origin of the Backup & Replication server.
    pub vbr: Option<Url>,
    /// Origin of the Zerto Virtual Manager.
    pub zvm: Option<Url>,
    /// The account used to log on to every product.
    pub credential: Credential,
    /// `x-api-version` sent to VBR.
    pub vbr_api_version: String,
    /// `client_id` of the ZVM Appliance's password grant.
    pub zvm_client_id: String,
    /// Which logon the ZVM target offers.
    pub zvm_kind: crate::args::ZvmKind,
    /// Accounts that only exist on the emulator.
    pub emulator_accounts: Option<EmulatorAccounts>,
    /// The embedded emulator, when the run uses it.
    pub emulator: Option<crate::emulator::EmbeddedEmulator>,
    /// The server profile the embedded emulator plays (`None`: its default readings).
    pub profile: Option<String>,
    /// Scenarios that move the virtual clock or change settings hold this for writing, all
    /// others for reading, so that the former run alone.
    pub exclusive: Arc<tokio::sync::RwLock<()>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("mode", &self.mode)
            .field("em", &self.em.as_ref().map(Url::as_str))
            .field("vbr", &self.vbr.as_ref().map(Url::as_str))
            .field("zvm", &self.zvm.as_ref().map(Url::as_str))
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// The origin of `product`, if the run has that target.
    pub fn origin(&self, product: Product) -> Option<&Url> {
        match product {
            Product::Em => self.em.as_ref(),
            Product::Vbr => self.vbr.as_ref(),
            Product::Zvm => self.zvm.as_ref(),
        }
    }

    /// An absolute URL on `product`'s server for `path_and_query` (which starts with `/`).
    pub fn url(&self, product: Product, path_and_query: &str) -> anyhow::Result<String> {
        let origin = self
            .origin(product)
            .ok_or_else(|| anyhow!("this run has no {} target", product.title()))?;
        let base = origin.as_str().trim_end_matches('/');
        Ok(format!("{base}{path_and_query}"))
    }

    /// Lets `duration` pass: advances the emulator's virtual clock, or sleeps in real time.
    pub async fn let_time_pass(&self, duration: Duration) -> anyhow::Result<()> {
        match &self.emulator {
            Some(emulator) => emulator.advance(duration),
            None => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
        }
    }

    /// Sets up the targets named in `args`, or starts the embedded emulator.
    pub async fn from_args(
        args: &ConformArgs,
        emulator_config: Option<restpoint_emulator::EmulatorConfig>,
    ) -> anyhow::Result<Context> {
        if !args.has_real_target() {
            return Self::embedded(args, emulator_config).await;
        }
        let user = args
            .user
            .clone()
            .ok_or_else(|| anyhow!("--user is required with --em, --vbr or --zvm"))?;
        let password = read_password(args)?;
        let mut builder = base_client();
        if let Some(path) = &args.ca_cert {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA file {}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
            builder = builder.tls_certs_only([cert]);
        } else if args.insecure {
            eprintln!(
                "conformance: WARNING: --insecure: server certificates are not checked; use only against a lab server"
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let client = builder.build().context("cannot build the HTTP client")?;
        let context = Context {
            mode: Mode::Real,
            client,
            em: args
                .em
                .as_ref()
                .map(|u| origin_of(u, &["api"]))
                .transpose()?,
            vbr: args
                .vbr
                .as_ref()
                .map(|u| origin_of(u, &["api"]))
                .transpose()?,
            zvm: args
                .zvm
                .as_ref()
                .map(|u| origin_of(u, &["v1"]))
                .transpose()?,
            credential: Credential { user, password },
            vbr_api_version: args.vbr_api_version.clone(),
            zvm_client_id: args.zvm_client_id.clone(),
            zvm_kind: args.zvm_kind,
            emulator_accounts: None,
            emulator: None,
            profile: None,
            exclusive: Arc::default(),
        };
        context.preflight().await?;
        Ok(context)
    }

    /// Checks that every real target answers over TLS at all, so that an unreachable server or
    /// an untrusted certificate is one clear error instead of a failure per scenario.
    async fn preflight(&self) -> anyhow::Result<()> {
        for product in Product::ALL {
            let Some(origin) = self.origin(product) else {
                continue;
            };
            let answer = self
                .client
                .get(origin.as_str())
                .timeout(Duration::from_secs(20))
                .send()
                .await;
            if let Err(e) = answer {
                bail!(
                    "cannot reach the {} at {origin}: {} (for a self-signed certificate pass --ca-cert FILE)",
                    product.title(),
                    crate::answer::error_chain(&e)
                );
            }
        }
        Ok(())
    }

    async fn embedded(
        args: &ConformArgs,
        config: Option<restpoint_emulator::EmulatorConfig>,
    ) -> anyhow::Result<Context> {
        let emulator = crate::emulator::EmbeddedEmulator::start(config).await?;
        let cert = reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes())
            .context("the emulator's CA is not a PEM certificate")?;
        let client = base_client()
            .tls_certs_only([cert])
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Context {
            mode: Mode::Emulator,
            client,
            em: Some(emulator.url(Product::Em)?),
            vbr: Some(emulator.url(Product::Vbr)?),
            zvm: Some(emulator.url(Product::Zvm)?),
            credential: crate::emulator::EmbeddedEmulator::admin_credential(),
            vbr_api_version: args.vbr_api_version.clone(),
            zvm_client_id: args.zvm_client_id.clone(),
            zvm_kind: crate::args::ZvmKind::Both,
            emulator_accounts: Some(crate::emulator::EmbeddedEmulator::accounts()),
            emulator: Some(emulator),
            profile: None,
            exclusive: Arc::default(),
        })
    }
}

fn base_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
}

/// The scheme, host and port of `url`, dropping a trailing product path such as `/api/`.
fn origin_of(url: &Url, _known_paths: &[&str]) -> anyhow::Result<Url> {
    if !matches!(url.scheme(), "https" | "http") {
        bail!("{url}: only https:// (or http://) URLs are supported");
    }
    let origin = url.origin().ascii_serialization();
    Url::parse(&origin).with_context(|| format!("{url}: not a server URL"))
}

fn read_password(args: &ConformArgs) -> anyhow::Result<SecretString> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("standard input held no password");
        }
        return Ok(SecretString::from(password));
    }
    match std::env::var(&args.password_env) {
        Ok(p) if !p.is_empty() => Ok(SecretString::from(p)),
        _ => bail!(
            "no password: set the environment variable {} or pass --password-stdin",
            args.password_env
        ),
    }
}
