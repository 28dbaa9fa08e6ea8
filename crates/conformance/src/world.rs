//! The state of one scenario: the target, what was answered, and the sessions it opened.

use std::fmt;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail};

use crate::answer::Answer;
use crate::facts::Product;
use crate::target::{Context, Mode};

static CONTEXT: Mutex<Option<Arc<Context>>> = Mutex::new(None);

/// Makes `context` the one every new scenario sees (one run at a time).
pub(crate) fn install_context(context: Option<Arc<Context>>) {
    *CONTEXT.lock().unwrap_or_else(|e| e.into_inner()) = context;
}

fn current_context() -> anyhow::Result<Arc<Context>> {
    CONTEXT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| anyhow!("no conformance target is set up"))
}

/// An Enterprise Manager logon session opened by a scenario.
#[derive(Clone, Default)]
pub struct EmSession {
    /// The `X-RestSvcSessionId` token.
    pub token: String,
    /// The `Rel="Delete"` link of the `LogonSession`.
    pub delete_href: Option<String>,
    /// The `SessionId` of the `LogonSession`.
    pub session_id: Option<String>,
    /// The `UserName` of the `LogonSession`.
    pub user_name: Option<String>,
}

/// A Backup & Replication token set.
#[derive(Clone, Default)]
pub struct TokenSet {
    /// The access token.
    pub access: String,
    /// The refresh token.
    pub refresh: String,
}

/// The state of one scenario. The steps are registered for it with cucumber's `#[given]`,
/// `#[when]` and `#[then]` attributes (see the `steps` module).
#[derive(cucumber::World)]
#[world(init = Self::for_scenario)]
pub struct ConformWorld {
    pub(crate) ctx: Arc<Context>,
    /// The product of the scenario's feature file.
    pub(crate) product: Option<Product>,
    /// The scenario's tags (and its feature's).
    pub(crate) tags: Vec<String>,
    /// `@undocumented` against a real server: checks record instead of failing.
    pub(crate) lenient: bool,
    /// Observations for the report (readings, what an undocumented case answered).
    pub(crate) notes: Vec<String>,
    /// The last answer.
    pub(crate) last: Option<Answer>,
    /// Every answer of a repeated request.
    pub(crate) answers: Vec<Answer>,
    /// Every exchange of the scenario, without secrets, for the reports.
    pub(crate) evidence: Vec<crate::report::Exchange>,
    /// EM sessions opened by this scenario; the last is "my session".
    pub(crate) em: Vec<EmSession>,
    /// A session of another EM user.
    pub(crate) em_other: Option<EmSession>,
    /// The href of the EM task started by this scenario.
    pub(crate) em_task: Option<String>,
    /// The VBR account to log on with (changed by MFA and privilege scenarios).
    pub(crate) vbr_account: Option<crate::target::Credential>,
    /// The VBR tokens of the logon.
    pub(crate) vbr: Option<TokenSet>,
    /// The VBR tokens of a refresh or code exchange.
    pub(crate) vbr_new: Option<TokenSet>,
    /// The access token lifetime the logon announced (`expires_in`, VBR-02).
    pub(crate) vbr_lifetime: Option<std::time::Duration>,
    /// An authorization code.
    pub(crate) vbr_code: Option<String>,
    /// The ZVM session id.
    pub(crate) zvm: Option<String>,
    /// ZVM Appliance tokens of the logon.
    pub(crate) oidc: Option<TokenSet>,
    /// ZVM Appliance tokens of a refresh.
    pub(crate) oidc_new: Option<TokenSet>,
    /// Every VBR access token a token answer gave this scenario, kept or not (for clean-up).
    pub(crate) vbr_opened: Vec<String>,
    /// Tokens of sessions this scenario opened and closed again, by product: the only tokens
    /// sent to another product (a live token never leaves its product).
    pub(crate) spent: std::collections::BTreeMap<Product, String>,
    /// Whether the scenario changed an emulator setting (reset after it).
    pub(crate) settings_changed: bool,
    /// Held while the scenario runs: for writing by scenarios that must run alone.
    pub(crate) guard: Option<ScenarioGuard>,
}

/// A scenario's hold on [`Context::exclusive`].
#[allow(dead_code)] // the guards are held for their Drop
pub(crate) enum ScenarioGuard {
    /// Runs alongside others.
    Shared(tokio::sync::OwnedRwLockReadGuard<()>),
    /// Runs alone (moves the virtual clock or changes settings).
    Exclusive(tokio::sync::OwnedRwLockWriteGuard<()>),
}

impl fmt::Debug for ConformWorld {
    // Tokens and passwords are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConformWorld")
            .field("product", &self.product)
            .field("mode", &self.ctx.mode)
            .field("last", &self.last)
            .field("n_em_sessions", &self.em.len())
            .field("has_vbr_tokens", &self.vbr.is_some())
            .field("has_zvm_session", &self.zvm.is_some())
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

impl ConformWorld {
    /// A fresh world on the context of the current run (what cucumber calls per scenario).
    async fn for_scenario() -> anyhow::Result<ConformWorld> {
        Ok(ConformWorld::with_context(current_context()?))
    }

    /// A fresh world on `ctx`.
    pub(crate) fn with_context(ctx: Arc<Context>) -> ConformWorld {
        ConformWorld {
            ctx,
            product: None,
            tags: Vec::new(),
            lenient: false,
            notes: Vec::new(),
            last: None,
            answers: Vec::new(),
            evidence: Vec::new(),
            em: Vec::new(),
            em_other: None,
            em_task: None,
            vbr_account: None,
            vbr: None,
            vbr_new: None,
            vbr_lifetime: None,
            vbr_code: None,
            zvm: None,
            oidc: None,
            oidc_new: None,
            vbr_opened: Vec::new(),
            spent: Default::default(),
            settings_changed: false,
            guard: None,
        }
    }
}

impl ConformWorld {
    /// Whether the run is against the embedded emulator with its default readings, so that the
    /// reading a scenario marks as the emulator's is required. Under a server profile the
    /// emulator plays a real release: like a real server's, its readings are recorded.
    pub(crate) fn is_emulator(&self) -> bool {
        self.ctx.mode == Mode::Emulator && self.ctx.profile.is_none()
    }

    /// Sends a request, keeps the answer as the last one and returns it.
    pub(crate) async fn send(
        &mut self,
        label: String,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<&Answer> {
        let (client, request) = request.build_split();
        let request = request.map_err(|e| anyhow!("{label}: cannot build the request: {e}"))?;
        let exchange = crate::report::Exchange::capture(&label, &request);
        let request = reqwest::RequestBuilder::from_parts(client, request);
        let answer = match Answer::fetch(label, request).await {
            Ok(a) => a,
            Err(e) => {
                self.evidence.push(exchange.unanswered(&e));
                return Err(e);
            }
        };
        self.evidence.push(exchange.answered(&answer));
        Ok(self.last.insert(answer))
    }

    /// The last answer.
    pub(crate) fn last(&self) -> anyhow::Result<&Answer> {
        self.last
            .as_ref()
            .ok_or_else(|| anyhow!("no request was sent yet"))
    }

    /// Checks a condition on the last answer. In an `@undocumented` scenario against a real
    /// server a mismatch is recorded as an observation instead of failing.
    pub(crate) fn check(
        &mut self,
        ok: bool,
        expected: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if ok {
            return Ok(());
        }
        let answered = self
            .last
            .as_ref()
            .map(Answer::summary)
            .unwrap_or_else(|| "nothing".to_owned());
        let request = self
            .last
            .as_ref()
            .map(|a| a.request.clone())
            .unwrap_or_default();
        let expected = expected();
        if self.lenient {
            self.notes.push(format!(
                "undocumented: the emulator's choice is {expected}; this server answered {answered} to {request}"
            ));
            return Ok(());
        }
        bail!("expected {expected}; the server answered {answered} to {request}")
    }

    /// Fails unless the run is against the emulator.
    pub(crate) fn require_emulator(&self) -> anyhow::Result<&crate::emulator::EmbeddedEmulator> {
        self.ctx
            .emulator
            .as_ref()
            .ok_or_else(|| anyhow!("this step needs the embedded emulator"))
    }
}

/// The sessions a scenario left open, to be closed after it: against a real server the suite
/// deletes the sessions it created.
pub(crate) struct Cleanup {
    ctx: Arc<Context>,
    em: Vec<EmSession>,
    vbr: Vec<String>,
    zvm: Option<String>,
    oidc: Vec<String>,
}

impl ConformWorld {
    /// Takes the sessions this scenario opened.
    pub(crate) fn take_cleanup(&mut self) -> Cleanup {
        let mut em = std::mem::take(&mut self.em);
        em.extend(self.em_other.take());
        let mut vbr: Vec<String> = [self.vbr.take(), self.vbr_new.take()]
            .into_iter()
            .flatten()
            .map(|t| t.access)
            .chain(self.vbr_opened.drain(..))
            .collect();
        vbr.sort();
        vbr.dedup();
        let oidc = [self.oidc.take(), self.oidc_new.take()]
            .into_iter()
            .flatten()
            .map(|t| t.refresh)
            .filter(|r| !r.is_empty())
            .collect();
        Cleanup {
            ctx: self.ctx.clone(),
            em,
            vbr,
            zvm: self.zvm.take(),
            oidc,
        }
    }
}

impl Cleanup {
    /// Logs off every session; errors are ignored (a session may already be closed or expired).
    pub(crate) async fn run(self) {
        let ctx = &self.ctx;
        for s in &self.em {
            let Some(href) = &s.delete_href else { continue };
            // The origin policy: never a token to another origin, even to log off.
            let Ok(url) = ctx.em_link(href) else { continue };
            let _ = ctx
                .client
                .delete(url)
                .header("X-RestSvcSessionId", &s.token)
                .send()
                .await;
        }
        for token in &self.vbr {
            if let Ok(url) = ctx.url(Product::Vbr, "/api/oauth2/logout") {
                let _ = ctx
                    .client
                    .post(url)
                    .bearer_auth(token)
                    .header("x-api-version", &ctx.vbr_api_version)
                    .body(Vec::<u8>::new())
                    .send()
                    .await;
            }
        }
        if let Some(id) = &self.zvm
            && let Ok(url) = ctx.url(Product::Zvm, "/v1/session")
        {
            let _ = ctx
                .client
                .delete(url)
                .header("x-zerto-session", id)
                .send()
                .await;
        }
        for refresh in &self.oidc {
            if let Ok(url) = ctx.url(Product::Zvm, crate::steps::OIDC_LOGOUT_PATH) {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("client_id", ctx.zvm_client_id.as_str()),
                        ("refresh_token", refresh.as_str()),
                    ])
                    .finish();
                let _ = ctx
                    .client
                    .post(url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await;
            }
        }
    }
}
