//! The hygiene report: per client, its sessions and its findings, each naming the rule it
//! breaks and showing the exchanges (method, path, status, time on the emulator's clock, the
//! session's ordinal; never a credential).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::HygieneSettings;
use crate::state::Product;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wasteful or fragile, works against the emulator's defaults.
    Warning,
    /// Breaks against a real server (a refused call, a duplicated action, a lost task).
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// `--fail-on`: from which severity on a report fails a CI run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Any finding fails.
    Warning,
    /// Only an error fails.
    Error,
}

/// What a client did wrong with its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Sessions opened and never logged off (EM-09, VBR-06, ZVM-04, ZVM-13).
    LeakedSession,
    /// More logons per minute than `max_logons_per_minute`: a re-logon per call (EM-08,
    /// VBR-10, ZVM-05, ZVM-12).
    RelogonPerCall,
    /// Refreshes presenting the same refresh token within `refresh_storm_window` (VBR-10).
    RefreshStorm,
    /// A refresh token presented again after it was spent (VBR-10).
    SpentRefreshReuse,
    /// A password grant while the client held a refresh token still valid (VBR-04).
    PasswordGrantWithLiveRefresh,
    /// A credential sent again after the server refused it with 401 (EM-08, VBR-12, ZVM-05,
    /// ZVM-12).
    RetryAfter401,
    /// A request with a session past its idle timeout or an access token past its lifetime
    /// (EM-08, VBR-02, ZVM-05, ZVM-12).
    RequestAfterExpiry,
    /// An EM logon while a task started by another of the client's sessions still runs (EM-12).
    RelogonDuringTask,
    /// A VBR call without `x-api-version` (VBR-08).
    MissingApiVersion,
    /// An EM request whose `X-RestSvcSessionId` cookie and header name different tokens (EM-06).
    CookieHeaderMismatch,
    /// A non-idempotent request answered with success and sent again within `repeat_window`
    /// (EM-12 for EM actions; RFC 9110 §9.2.2 elsewhere: no catalogue rule).
    NonIdempotentRepeat,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 11] = [
        FindingKind::LeakedSession,
        FindingKind::RelogonPerCall,
        FindingKind::RefreshStorm,
        FindingKind::SpentRefreshReuse,
        FindingKind::PasswordGrantWithLiveRefresh,
        FindingKind::RetryAfter401,
        FindingKind::RequestAfterExpiry,
        FindingKind::RelogonDuringTask,
        FindingKind::MissingApiVersion,
        FindingKind::CookieHeaderMismatch,
        FindingKind::NonIdempotentRepeat,
    ];

    /// The snake_case name used in JSON and in the table.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::LeakedSession => "leaked_session",
            FindingKind::RelogonPerCall => "relogon_per_call",
            FindingKind::RefreshStorm => "refresh_storm",
            FindingKind::SpentRefreshReuse => "spent_refresh_reuse",
            FindingKind::PasswordGrantWithLiveRefresh => "password_grant_with_live_refresh",
            FindingKind::RetryAfter401 => "retry_after_401",
            FindingKind::RequestAfterExpiry => "request_after_expiry",
            FindingKind::RelogonDuringTask => "relogon_during_task",
            FindingKind::MissingApiVersion => "missing_api_version",
            FindingKind::CookieHeaderMismatch => "cookie_header_mismatch",
            FindingKind::NonIdempotentRepeat => "non_idempotent_repeat",
        }
    }

    /// The severity of this kind.
    pub fn severity(self) -> Severity {
        match self {
            FindingKind::LeakedSession
            | FindingKind::RelogonPerCall
            | FindingKind::PasswordGrantWithLiveRefresh
            | FindingKind::RequestAfterExpiry
            | FindingKind::MissingApiVersion
            | FindingKind::CookieHeaderMismatch => Severity::Warning,
            FindingKind::RefreshStorm
            | FindingKind::SpentRefreshReuse
            | FindingKind::RetryAfter401
            | FindingKind::RelogonDuringTask
            | FindingKind::NonIdempotentRepeat => Severity::Error,
        }
    }

    /// The rule a finding of this kind breaks, for `product` (`oidc`: a ZVM Appliance session).
    pub fn rule(self, product: Product, oidc: bool) -> &'static str {
        use FindingKind as K;
        match (self, product) {
            (K::LeakedSession, Product::Em) => "EM-09",
            (K::LeakedSession, Product::Vbr) => "VBR-06",
            (K::LeakedSession, Product::Zvm) if oidc => "ZVM-13",
            (K::LeakedSession, Product::Zvm) => "ZVM-04",
            (K::RelogonPerCall | K::RetryAfter401 | K::RequestAfterExpiry, Product::Em) => "EM-08",
            (K::RelogonPerCall, Product::Vbr) => "VBR-10",
            (K::RetryAfter401, Product::Vbr) => "VBR-12",
            (K::RequestAfterExpiry, Product::Vbr) => "VBR-02",
            (K::RelogonPerCall | K::RetryAfter401 | K::RequestAfterExpiry, Product::Zvm)
                if oidc =>
            {
                "ZVM-12"
            }
            (K::RelogonPerCall | K::RetryAfter401 | K::RequestAfterExpiry, Product::Zvm) => {
                "ZVM-05"
            }
            (K::RefreshStorm | K::SpentRefreshReuse, _) => "VBR-10",
            (K::PasswordGrantWithLiveRefresh, _) => "VBR-04",
            (K::RelogonDuringTask, _) => "EM-12",
            (K::MissingApiVersion, _) => "VBR-08",
            (K::CookieHeaderMismatch, _) => "EM-06",
            (K::NonIdempotentRepeat, Product::Em) => "EM-12",
            (K::NonIdempotentRepeat, _) => "RFC9110-9.2.2",
        }
    }
}

/// One exchange a finding points at: what was sent and answered, and when on the emulator's
/// clock. No credential, no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Order of arrival among every exchange the emulator saw (from 1).
    pub seq: u64,
    /// Emulator clock, RFC 3339.
    pub at: String,
    /// Emulator clock, milliseconds since the emulator started.
    pub at_ms: u64,
    /// Request method.
    pub method: String,
    /// Path as routed (lower case); an EM session id in it is shown as `{id}`; the query keeps
    /// only `v` and `action`.
    pub path: String,
    /// Answer status.
    pub status: u16,
    /// The session's ordinal (`VBR#2`), when the request belonged to a known session.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub session: Option<String>,
    /// The connection's ordinal (from 1, per emulator).
    pub connection: u32,
}

/// One thing a client did wrong, with the rule and the exchanges that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of mistake.
    pub kind: FindingKind,
    /// The rule id it breaks (`VBR-10`, `EM-12`, …).
    pub rule: String,
    /// Warning or error.
    pub severity: Severity,
    /// What happened, in words (no credential).
    pub message: String,
    /// How many times it happened (sessions for a leak, requests otherwise).
    pub count: u64,
    /// The first exchanges that show it (at most `exchanges_per_finding`).
    pub exchanges: Vec<Exchange>,
}

/// One client: a product and the user name it logged on as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientReport {
    /// The product it talked to.
    pub product: Product,
    /// The account (or OIDC client id); `(unknown)` for requests with no known credential.
    pub user: String,
    /// Distinct TCP connections it used.
    pub connections: u32,
    /// Requests it sent (logons, refreshes and logoffs included).
    pub requests: u64,
    /// Sessions opened (a VBR session is a chain of refreshes from one logon).
    pub sessions_opened: u64,
    /// Sessions logged off.
    pub sessions_logged_off: u64,
    /// Successful logons (not refreshes) in the busiest 60 s of the emulator's clock.
    pub peak_logons_per_minute: u64,
    /// What it did wrong (empty: clean).
    pub findings: Vec<Finding>,
}

/// The session-hygiene report of every client the emulator saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HygieneReport {
    /// The thresholds it was made with.
    pub settings: HygieneSettings,
    /// Emulator clock when the report was made, RFC 3339.
    pub generated_at: String,
    /// Events dropped because the log was full (`max_events`): findings may be missing.
    pub events_dropped: u64,
    /// Logons not tracked because `max_sessions` sessions were: findings may be missing.
    #[serde(default)]
    pub sessions_dropped: u64,
    /// Per client, ordered by product and user.
    pub clients: Vec<ClientReport>,
}

impl HygieneReport {
    /// Every finding with its client.
    pub fn findings(&self) -> impl Iterator<Item = (&ClientReport, &Finding)> {
        self.clients
            .iter()
            .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
    }

    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings().next().is_none()
    }

    /// The worst severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings().map(|(_, f)| f.severity).max()
    }

    /// Whether the report fails a run with `--fail-on level`.
    pub fn fails(&self, level: FailOn) -> bool {
        match (self.worst(), level) {
            (None, _) => false,
            (Some(_), FailOn::Warning) => true,
            (Some(s), FailOn::Error) => s == Severity::Error,
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The text table printed on exit: one line per client, then each finding and its
    /// exchanges.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "session hygiene ({})", self.generated_at);
        if self.clients.is_empty() {
            let _ = writeln!(out, "  no client seen");
            return out;
        }
        let _ = writeln!(
            out,
            "  {:<4} {:<20} {:>8} {:>7} {:>6} {:>10} {:>5} {:>8} {:>6}",
            "", "user", "requests", "opened", "closed", "logons/min", "conns", "warnings", "errors"
        );
        for c in &self.clients {
            let count = |s: Severity| c.findings.iter().filter(|f| f.severity == s).count();
            let _ = writeln!(
                out,
                "  {:<4} {:<20} {:>8} {:>7} {:>6} {:>10} {:>5} {:>8} {:>6}",
                c.product.label(),
                c.user,
                c.requests,
                c.sessions_opened,
                c.sessions_logged_off,
                c.peak_logons_per_minute,
                c.connections,
                count(Severity::Warning),
                count(Severity::Error)
            );
        }
        for (c, f) in self.findings() {
            let _ = writeln!(
                out,
                "\n{} {} {} ({} {}): {} [x{}]",
                f.severity.label(),
                f.rule,
                f.kind.name(),
                c.product.label(),
                c.user,
                f.message,
                f.count
            );
            for e in &f.exchanges {
                let _ = writeln!(
                    out,
                    "    #{:<5} {} {:<6} {} -> {} {} conn {}",
                    e.seq,
                    e.at,
                    e.method,
                    e.path,
                    e.status,
                    e.session.as_deref().unwrap_or("-"),
                    e.connection
                );
            }
        }
        if self.events_dropped > 0 {
            let _ = writeln!(
                out,
                "\n{} events dropped (max_events): findings may be missing",
                self.events_dropped
            );
        }
        if self.sessions_dropped > 0 {
            let _ = writeln!(
                out,
                "\n{} logons not tracked (max_sessions): findings may be missing",
                self.sessions_dropped
            );
        }
        if self.is_clean() {
            let _ = writeln!(out, "\nno finding");
        }
        out
    }
}
