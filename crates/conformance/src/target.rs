//! The servers a run checks: the embedded emulator, or real servers named on the command line.

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use restpoint_session::HttpOptions;
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::args::ConformArgs;
use crate::exit::{PreflightFailed, UsageError};
use crate::facts::Product;

/// Whether the run checks the embedded emulator or real servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The embedded emulator, on a virtual clock.
    Emulator,
    /// Real servers named on the command line.
    Real,
}

/// A user name and its password: the session crate's [`restpoint_session::Credentials`]
/// (redacted in `Debug` and `Display`).
pub type Credential = restpoint_session::Credentials;

/// The prefix of the made-up user names refusal checks log on with.
pub const UNKNOWN_USER_PREFIX: &str = "restpoint-nonexistent-";

/// A user name no directory holds (`restpoint-nonexistent-<random>`) with a random password:
/// what refusal checks send, so that a wrong password never counts against a real account.
pub fn unknown_user() -> Credential {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let password = uuid::Uuid::new_v4().simple().to_string();
    Credential::new(format!("{UNKNOWN_USER_PREFIX}{}", &id[..12]), password)
}

/// The password of `c`, for building a request.
pub(crate) fn password_of(c: &Credential) -> &str {
    c.password().expose_secret()
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
    /// The account of each product the run logs on to.
    pub credentials: BTreeMap<Product, Credential>,
    /// Whether checks that send a wrong password for the real account may run
    /// (`--allow-wrong-password-checks`; always against the embedded emulator).
    pub allow_wrong_password: bool,
    /// How many scenarios run at the same time.
    pub jobs: usize,
    /// The `x-api-version` values the target is known to serve (the embedded emulator's), for
    /// `@needs-vbr-<revision>` (VBR-13); `None` for a real server.
    pub vbr_served: Option<Vec<String>>,
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
            .field("credentials", &self.credentials)
            .field("zvm_kind", &self.zvm_kind)
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

    /// The URL of an EM `Href` the server sent, under the origin policy of the client library
    /// (`restpoint_session::origin`): a link under `/api/` is rebased onto the configured EM
    /// origin whatever host it names; another scheme or a path outside `/api/` is refused, so a
    /// token never goes to another origin.
    pub fn em_link(&self, href: &str) -> anyhow::Result<String> {
        let origin = self
            .origin(Product::Em)
            .ok_or_else(|| anyhow!("this run has no {} target", Product::Em.title()))?;
        let context = restpoint_session::Context::new("em", "follow a link");
        let allow_http = origin.scheme() == "http";
        restpoint_session::origin::rebase_href(&context, origin, href, "api/", allow_http)
            .map(String::from)
            .map_err(|e| anyhow!("the server's link was not followed: {e}"))
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

    /// The account to log on to `product` with.
    pub fn credential(&self, product: Product) -> anyhow::Result<Credential> {
        self.credentials
            .get(&product)
            .cloned()
            .ok_or_else(|| anyhow!("this run has no account for the {}", product.title()))
    }

    /// Sets up the targets named in `args` and checks each with one logon and logoff (the
    /// pre-flight), or starts the embedded emulator. A failed pre-flight is a
    /// [`PreflightFailed`] error: no scenario runs.
    pub async fn from_args(
        args: &ConformArgs,
        emulator_config: Option<restpoint_emulator::EmulatorConfig>,
    ) -> anyhow::Result<Context> {
        if !args.has_real_target() {
            return Self::embedded(args, emulator_config).await;
        }
        let mut context = Self::real(args, true)?;
        let mut outcome = crate::preflight::Outcome::default();
        if args.zvm_kind.is_none() {
            crate::preflight::detect_zvm_kind(&mut context, &mut outcome).await;
        }
        let skip = if outcome.failures.is_empty() {
            Vec::new()
        } else {
            vec![Product::Zvm]
        };
        let shared = Arc::new(context);
        crate::preflight::logons(&shared, &skip, &mut outcome).await;
        let context = Arc::try_unwrap(shared).map_err(|_| {
            anyhow!("internal error: the pre-flight kept a reference to the targets")
        })?;
        if !outcome.failures.is_empty() {
            return Err(PreflightFailed {
                reasons: outcome.failures,
            }
            .into());
        }
        for line in &outcome.passed {
            eprintln!("conformance: pre-flight: {line}");
        }
        Ok(context)
    }

    /// The real targets named in `args`, without sending a request: no pre-flight, and the ZVM's
    /// kind as given (`both` when not given). With `with_accounts` every named product needs a
    /// user and a password ([`UsageError`] otherwise).
    pub fn real(args: &ConformArgs, with_accounts: bool) -> anyhow::Result<Context> {
        let mut options = HttpOptions::new()
            .connect_timeout(Duration::from_secs(args.timeout.min(10)))
            .request_timeout(Duration::from_secs(args.timeout));
        if let Some(path) = &args.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                UsageError(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            options = options.ca_pem(pem).map_err(|_| {
                UsageError(format!(
                    "{} holds no PEM certificate (--ca-cert / RESTPOINT_CA)",
                    path.display()
                ))
            })?;
        } else if args.insecure {
            eprintln!(
                "conformance: WARNING: --insecure: server certificates are not checked; use only against a lab server"
            );
            options = options.danger_accept_invalid_certs(true);
        }
        if args.allow_insecure_http {
            eprintln!(
                "conformance: WARNING: --allow-insecure-http: plain http:// URLs send credentials and tokens unencrypted"
            );
            options = options.allow_insecure_http(true);
        }
        let client = options
            .build_client("conformance")
            .context("cannot build the HTTP client")?;
        let origin = |u: &Option<Url>| {
            u.as_ref()
                .map(|u| origin_of(u, args.allow_insecure_http))
                .transpose()
        };
        let (em, vbr, zvm) = (origin(&args.em)?, origin(&args.vbr)?, origin(&args.zvm)?);
        let mut credentials = BTreeMap::new();
        if with_accounts {
            let mut shared = SharedPassword::new(args);
            for (product, url) in [
                (Product::Em, &em),
                (Product::Vbr, &vbr),
                (Product::Zvm, &zvm),
            ] {
                if url.is_some() {
                    credentials.insert(product, account_for(args, product, &mut shared)?);
                }
            }
        }
        Ok(Context {
            mode: Mode::Real,
            client,
            em,
            vbr,
            zvm,
            credentials,
            allow_wrong_password: args.allow_wrong_password_checks,
            jobs: args.jobs.map_or(1, usize::from),
            vbr_served: None,
            vbr_api_version: args.vbr_api_version.clone(),
            zvm_client_id: args.zvm_client_id.clone(),
            zvm_kind: args.zvm_kind.unwrap_or(crate::args::ZvmKind::Both),
            emulator_accounts: None,
            emulator: None,
            profile: None,
            exclusive: Arc::default(),
        })
    }

    /// The embedded emulator as it would be set up, without starting it (for `--list`).
    pub fn embedded_plan(
        args: &ConformArgs,
        config: &restpoint_emulator::EmulatorConfig,
    ) -> anyhow::Result<Context> {
        let placeholder = |port: u16| Url::parse(&format!("https://127.0.0.1:{port}"));
        Ok(Context {
            mode: Mode::Emulator,
            client: HttpOptions::new()
                .build_client("conformance")
                .context("cannot build the HTTP client")?,
            em: Some(placeholder(9398)?),
            vbr: Some(placeholder(9419)?),
            zvm: Some(placeholder(9669)?),
            credentials: Product::ALL
                .into_iter()
                .map(|p| (p, crate::emulator::EmbeddedEmulator::admin_credential()))
                .collect(),
            allow_wrong_password: true,
            jobs: args.jobs.map_or(EMULATOR_JOBS, usize::from),
            vbr_served: Some(config.vbr_api_versions.clone()),
            vbr_api_version: args.vbr_api_version.clone(),
            zvm_client_id: args.zvm_client_id.clone(),
            zvm_kind: crate::args::ZvmKind::Both,
            emulator_accounts: Some(crate::emulator::EmbeddedEmulator::accounts()),
            emulator: None,
            profile: None,
            exclusive: Arc::default(),
        })
    }

    async fn embedded(
        args: &ConformArgs,
        config: Option<restpoint_emulator::EmulatorConfig>,
    ) -> anyhow::Result<Context> {
        let emulator = crate::emulator::EmbeddedEmulator::start(config).await?;
        let client = HttpOptions::new()
            .request_timeout(Duration::from_secs(60))
            .ca_pem_only(emulator.ca_pem())
            .context("the emulator's CA is not a PEM certificate")?
            .build_client("conformance")
            .context("cannot build the HTTP client")?;
        let admin = crate::emulator::EmbeddedEmulator::admin_credential();
        Ok(Context {
            mode: Mode::Emulator,
            client,
            em: Some(emulator.url(Product::Em)?),
            vbr: Some(emulator.url(Product::Vbr)?),
            zvm: Some(emulator.url(Product::Zvm)?),
            credentials: Product::ALL
                .into_iter()
                .map(|p| (p, admin.clone()))
                .collect(),
            allow_wrong_password: true,
            jobs: args.jobs.map_or(EMULATOR_JOBS, usize::from),
            vbr_served: Some(emulator.vbr_api_versions().to_vec()),
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

/// Scenarios at the same time against the embedded emulator (full parallelism).
pub const EMULATOR_JOBS: usize = 64;

/// The scheme, host and port of `url` (a product path such as `/api/` and any user info are
/// dropped).
fn origin_of(url: &Url, allow_http: bool) -> anyhow::Result<Url> {
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(UsageError(format!(
                "{}: plain http:// sends credentials unencrypted; use https:// or pass --allow-insecure-http",
                url.origin().ascii_serialization()
            ))
            .into());
        }
        _ => {
            return Err(UsageError(format!(
                "{}: only https:// URLs are supported",
                url.origin().ascii_serialization()
            ))
            .into());
        }
    }
    let origin = url.origin().ascii_serialization();
    Url::parse(&origin).map_err(|_| UsageError(format!("{origin}: not a server URL")).into())
}

/// The password every product without its own `RESTPOINT_<PRODUCT>_PASSWORD` shares, read at
/// most once (standard input can be read only once).
struct SharedPassword<'a> {
    args: &'a ConformArgs,
    read: Option<SecretString>,
}

impl<'a> SharedPassword<'a> {
    fn new(args: &'a ConformArgs) -> Self {
        SharedPassword { args, read: None }
    }

    fn get(&mut self, product: Product) -> anyhow::Result<SecretString> {
        if let Some(p) = &self.read {
            return Ok(p.clone());
        }
        let password = if self.args.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|_| UsageError("cannot read the password from standard input".into()))?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            line.clear();
            if password.is_empty() {
                return Err(UsageError("standard input held no password".into()).into());
            }
            SecretString::from(password)
        } else {
            match std::env::var(&self.args.password_env) {
                Ok(p) if !p.is_empty() => SecretString::from(p),
                _ => {
                    return Err(UsageError(format!(
                        "no password for the {}: set RESTPOINT_{}_PASSWORD or {}, or pass --password-stdin",
                        product.title(),
                        product.short().to_ascii_uppercase(),
                        self.args.password_env
                    ))
                    .into());
                }
            }
        };
        Ok(self.read.insert(password).clone())
    }
}

/// The account for `product`: its own user (`--em-user`, `RESTPOINT_EM_USER`) or `--user`, and
/// its own password (`RESTPOINT_EM_PASSWORD`) or the shared one.
fn account_for(
    args: &ConformArgs,
    product: Product,
    shared: &mut SharedPassword<'_>,
) -> anyhow::Result<Credential> {
    let upper = product.short().to_ascii_uppercase();
    let user = args.user_for(product).ok_or_else(|| {
        UsageError(format!(
            "no user for the {}: pass --{}-user or --user (or set RESTPOINT_{upper}_USER or RESTPOINT_USER)",
            product.title(),
            product.short()
        ))
    })?;
    let password = match std::env::var(format!("RESTPOINT_{upper}_PASSWORD")) {
        Ok(p) if !p.is_empty() => SecretString::from(p),
        _ => shared.get(product)?,
    };
    Ok(Credential::new(user, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_users_are_unique_and_marked() {
        let a = unknown_user();
        let b = unknown_user();
        assert!(a.username().starts_with(UNKNOWN_USER_PREFIX));
        assert_ne!(a.username(), b.username());
        assert_ne!(password_of(&a), password_of(&b));
    }

    #[test]
    fn em_links_stay_on_the_configured_origin() {
        let args = ConformArgs::parse_from(["conform", "--em", "https://em.example:9398"]).unwrap();
        let ctx = Context::real(&args, false).unwrap();
        assert_eq!(
            ctx.em_link("https://other.example:9398/api/logonSessions/x")
                .unwrap(),
            "https://em.example:9398/api/logonSessions/x"
        );
        assert_eq!(
            ctx.em_link("/api/jobs?format=Entity").unwrap(),
            "https://em.example:9398/api/jobs?format=Entity"
        );
        for refused in [
            "http://em.example:9398/api/jobs",
            "https://em.example:9398/elsewhere",
            "ftp://em.example/api/jobs",
        ] {
            assert!(ctx.em_link(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_url_keeps_only_its_origin() {
        let u = Url::parse("https://admin:secret@vbr.example:9419/api/v1/").unwrap();
        let o = origin_of(&u, false).unwrap();
        assert_eq!(o.as_str(), "https://vbr.example:9419/");
        assert!(origin_of(&Url::parse("ftp://x").unwrap(), true).is_err());
        let plain = Url::parse("http://vbr.example:9419/").unwrap();
        let refused = origin_of(&plain, false).unwrap_err().to_string();
        assert!(refused.contains("--allow-insecure-http"), "{refused}");
        assert_eq!(
            origin_of(&plain, true).unwrap().as_str(),
            "http://vbr.example:9419/"
        );
    }
}
