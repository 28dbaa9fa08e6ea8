//! The emulator's traffic counters: logons, refusals, refreshes, logouts and requests per
//! product, and requests per endpoint; bumped without locks, read as a [`Counters`] snapshot.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::{Product, State};

/// Counts of one product's traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCounters {
    /// Successful logons (EM sessions, VBR password/code/vbr_token grants, ZVM sessions and
    /// OIDC password/client-credentials grants).
    pub logons: u64,
    /// Refused logons.
    pub failed_logons: u64,
    /// Successful refresh-token grants.
    pub refreshes: u64,
    /// Logouts.
    pub logouts: u64,
    /// Every request that reached the product's listener.
    pub requests: u64,
}

/// A snapshot of the emulator's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// EM counts.
    pub em: ProductCounters,
    /// VBR counts.
    pub vbr: ProductCounters,
    /// ZVM counts.
    pub zvm: ProductCounters,
    /// Requests per endpoint, keyed `"<PRODUCT> <METHOD> <route>"`, e.g.
    /// `"VBR GET /api/v1/jobs/{id}"`, `"EM POST /api/sessionMngr/"`; unmatched paths count under
    /// route `*`.
    pub endpoints: BTreeMap<String, u64>,
    /// Wrong passwords sent for an existing account, by account name (lower case), over all
    /// products: what a directory's lockout policy counts.
    #[serde(default)]
    pub wrong_passwords: BTreeMap<String, u64>,
}

impl Counters {
    /// The counts of one product.
    pub fn product(&self, product: Product) -> &ProductCounters {
        match product {
            Product::Em => &self.em,
            Product::Vbr => &self.vbr,
            Product::Zvm => &self.zvm,
        }
    }

    /// Requests to one endpoint, e.g. `requests(Product::Vbr, "GET", "/api/v1/jobs")`.
    pub fn requests(&self, product: Product, method: &str, route: &str) -> u64 {
        self.endpoints
            .get(&format!("{} {} {}", product.label(), method, route))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Default)]
pub(crate) struct AtomicCounters {
    logons: AtomicU64,
    failed_logons: AtomicU64,
    refreshes: AtomicU64,
    logouts: AtomicU64,
    requests: AtomicU64,
}

/// Which counter to bump.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    Logon,
    FailedLogon,
    Refresh,
    Logout,
}

impl State {
    pub(crate) fn count(&self, product: Product, what: Count) {
        let c = &self.counters[product.index()];
        let field = match what {
            Count::Logon => &c.logons,
            Count::FailedLogon => &c.failed_logons,
            Count::Refresh => &c.refreshes,
            Count::Logout => &c.logouts,
        };
        field.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_request(&self, product: Product, method: &http::Method, route: &str) {
        self.counters[product.index()]
            .requests
            .fetch_add(1, Ordering::Relaxed);
        let mut map = self.endpoints.lock();
        let routes = map.entry((product, method.clone())).or_default();
        if let Some(n) = routes.get_mut(route) {
            *n += 1;
        } else if routes.len() < 1_000 {
            routes.insert(route.to_string(), 1);
        }
    }

    pub(crate) fn counters(&self) -> Counters {
        let snap = |c: &AtomicCounters| ProductCounters {
            logons: c.logons.load(Ordering::Relaxed),
            failed_logons: c.failed_logons.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            logouts: c.logouts.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
        };
        Counters {
            em: snap(&self.counters[0]),
            vbr: snap(&self.counters[1]),
            zvm: snap(&self.counters[2]),
            endpoints: self
                .endpoints
                .lock()
                .iter()
                .flat_map(|((product, method), routes)| {
                    routes.iter().map(move |(route, n)| {
                        (format!("{} {} {}", product.label(), method, route), *n)
                    })
                })
                .collect(),
            wrong_passwords: self.wrong_passwords.lock().clone(),
        }
    }

    pub(crate) fn reset_counters(&self) {
        for c in &self.counters {
            c.logons.store(0, Ordering::Relaxed);
            c.failed_logons.store(0, Ordering::Relaxed);
            c.refreshes.store(0, Ordering::Relaxed);
            c.logouts.store(0, Ordering::Relaxed);
            c.requests.store(0, Ordering::Relaxed);
        }
        self.endpoints.lock().clear();
        self.wrong_passwords.lock().clear();
    }
}
