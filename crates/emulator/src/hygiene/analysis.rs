//! From the ledger to the report: events and sessions grouped per client (product and user),
//! each kind of mistake turned into one finding with its count and first exchanges.

use std::collections::BTreeMap;

use super::HygieneSettings;
use super::ledger::{Event, EventKind, Ledger, SessionRec};
use super::report::{ClientReport, Exchange, Finding, FindingKind, HygieneReport};
use crate::state::{Product, rfc3339};

const MINUTE_MS: u64 = 60_000;

/// The report of everything in `ledger` at `now_ms`.
pub(crate) fn analyse(
    ledger: &Ledger,
    settings: &HygieneSettings,
    start_ms: u64,
    now_ms: u64,
) -> HygieneReport {
    let mut clients: BTreeMap<(Product, String), Vec<&Event>> = BTreeMap::new();
    for e in &ledger.events {
        clients
            .entry((e.product, e.user.clone()))
            .or_default()
            .push(e);
    }
    for s in &ledger.sessions {
        clients.entry((s.product, s.user.clone())).or_default();
    }
    let reports = clients
        .into_iter()
        .map(|((product, user), events)| {
            client_report(ledger, settings, start_ms, product, user, &events)
        })
        .collect();
    HygieneReport {
        settings: *settings,
        generated_at: rfc3339(now_ms),
        events_dropped: ledger.dropped,
        sessions_dropped: ledger.sessions_dropped,
        clients: reports,
    }
}

fn exchange(ledger: &Ledger, start_ms: u64, e: &Event) -> Exchange {
    Exchange {
        seq: e.seq,
        at: rfc3339(e.at_ms),
        at_ms: e.at_ms.saturating_sub(start_ms),
        method: e.method.clone(),
        path: e.path.clone(),
        status: e.status,
        session: e
            .session
            .and_then(|i| ledger.sessions.get(i))
            .map(SessionRec::label),
        connection: e.conn,
    }
}

fn client_report(
    ledger: &Ledger,
    settings: &HygieneSettings,
    start_ms: u64,
    product: Product,
    user: String,
    events: &[&Event],
) -> ClientReport {
    let sessions: Vec<(usize, &SessionRec)> = ledger
        .sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.product == product && s.user == user)
        .collect();
    let oidc = sessions.iter().any(|(_, s)| s.oidc);
    let mut conns: Vec<u32> = events.iter().map(|e| e.conn).collect();
    conns.sort_unstable();
    conns.dedup();
    let mut logon_times: Vec<u64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Logon { ok: true })
        .map(|e| e.at_ms)
        .collect();
    logon_times.sort_unstable();
    let peak = peak_per_window(&logon_times, MINUTE_MS);

    let mut findings = Vec::new();
    let mut add = |kind: FindingKind, message: String, shown: Vec<&Event>, count: u64| {
        if count == 0 {
            return;
        }
        findings.push(Finding {
            kind,
            rule: kind.rule(product, oidc).to_owned(),
            severity: kind.severity(),
            message,
            count,
            exchanges: shown
                .into_iter()
                .take(settings.exchanges_per_finding)
                .map(|e| exchange(ledger, start_ms, e))
                .collect(),
        });
    };

    // Leaked sessions: opened, never logged off, with a way to log off.
    let leaked: Vec<usize> = sessions
        .iter()
        .filter(|(_, s)| !s.logged_off && s.can_logoff)
        .map(|(i, _)| *i)
        .collect();
    let leaked_logons: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| matches!(e.kind, EventKind::Logon { ok: true }))
        .filter(|e| e.session.is_some_and(|i| leaked.contains(&i)))
        .collect();
    add(
        FindingKind::LeakedSession,
        format!(
            "{} of {} sessions never logged off (the logons shown)",
            leaked.len(),
            sessions.len()
        ),
        leaked_logons,
        leaked.len() as u64,
    );

    if peak > u64::from(settings.max_logons_per_minute) {
        let logons: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| e.kind == EventKind::Logon { ok: true })
            .collect();
        let calls = events.iter().filter(|e| e.kind == EventKind::Call).count();
        add(
            FindingKind::RelogonPerCall,
            format!(
                "{peak} logons within a minute (more than {}), {} logons for {calls} calls: \
                 keep one session and reuse it",
                settings.max_logons_per_minute,
                logons.len()
            ),
            logons.clone(),
            logons.len() as u64,
        );
    }

    let flagged = |kind: FindingKind, message: &str, pred: &dyn Fn(&Event) -> bool| {
        let hits: Vec<&Event> = events.iter().copied().filter(|e| pred(e)).collect();
        let n = hits.len() as u64;
        (kind, message.to_owned(), hits, n)
    };
    let checks = [
        flagged(
            FindingKind::RefreshStorm,
            "the same refresh token presented by concurrent refreshes: refresh once for all callers",
            &|e| e.flags.refresh_storm,
        ),
        flagged(
            FindingKind::SpentRefreshReuse,
            "a refresh token presented again after it was spent: a refresh token works once",
            &|e| e.flags.spent_reuse,
        ),
        flagged(
            FindingKind::PasswordGrantWithLiveRefresh,
            "a password grant while a refresh token was still valid: refresh instead",
            &|e| e.flags.live_refresh.is_some(),
        ),
        flagged(
            FindingKind::RetryAfter401,
            "a credential sent again after a 401 refused it: log on again (once) instead",
            &|e| e.flags.after_401,
        ),
        flagged(
            FindingKind::RequestAfterExpiry,
            "a request with a session past its idle timeout or a token past its lifetime: \
             keep the session alive or refresh before expiry",
            &|e| e.flags.after_expiry,
        ),
        flagged(
            FindingKind::RelogonDuringTask,
            "a logon while a task of another session was running: only the session that \
             started a task can read it",
            &|e| e.flags.running_task.is_some(),
        ),
        flagged(
            FindingKind::MissingApiVersion,
            "a request without x-api-version",
            &|e| e.flags.missing_version,
        ),
        flagged(
            FindingKind::CookieHeaderMismatch,
            "the X-RestSvcSessionId cookie and header name different sessions: the cookie \
             decides",
            &|e| e.flags.cookie_mismatch,
        ),
        flagged(
            FindingKind::NonIdempotentRepeat,
            "a non-idempotent request that had succeeded was sent again",
            &|e| e.flags.repeat,
        ),
    ];
    for (kind, message, hits, n) in checks {
        add(kind, message, hits, n);
    }
    findings.sort_by_key(|f| f.kind);

    ClientReport {
        product,
        user,
        connections: u32::try_from(conns.len()).unwrap_or(u32::MAX),
        requests: events.len() as u64,
        sessions_opened: sessions.len() as u64,
        sessions_logged_off: sessions.iter().filter(|(_, s)| s.logged_off).count() as u64,
        peak_logons_per_minute: peak,
        findings,
    }
}

/// The most timestamps (sorted) within any window of `window_ms`.
fn peak_per_window(times: &[u64], window_ms: u64) -> u64 {
    let mut peak = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].saturating_sub(times[start]) >= window_ms {
            start += 1;
        }
        peak = peak.max(end + 1 - start);
    }
    peak as u64
}

#[cfg(test)]
mod tests {
    use super::peak_per_window;

    #[test]
    fn peak_counts_the_busiest_minute() {
        assert_eq!(peak_per_window(&[], 60_000), 0);
        assert_eq!(peak_per_window(&[0, 1, 2], 60_000), 3);
        assert_eq!(peak_per_window(&[0, 59_999, 60_000, 120_000], 60_000), 2);
        assert_eq!(peak_per_window(&[0, 70_000, 140_000], 60_000), 1);
    }
}
