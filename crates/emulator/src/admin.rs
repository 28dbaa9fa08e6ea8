//! Control of a running emulator: in-process through [`Admin`], or over HTTP on the loopback admin
//! listener (never on a product port).
//!
//! HTTP endpoints (JSON in and out):
//! - `GET /admin/counters`, `DELETE /admin/counters` (reset)
//! - `GET /admin/clock`, `POST /admin/clock/advance` `{"seconds": 900}` or `{"millis": 1500}`
//! - `POST /admin/faults` `{"product": "vbr", "fault": {"status": 500}, "times": 2}`; the fault is
//!   `{"status": N}`, `{"delay": MILLIS}`, `"drop_connection"`, `"malformed_body"` or
//!   `{"throttle": SECONDS}` (a `429` with `Retry-After: SECONDS`);
//!   `DELETE /admin/faults` clears them
//! - `POST /admin/revoke` `{"product": "em"}`, `{"product": "em", "user": "admin"}` or
//!   `{"product": "em", "token": "..."}`
//! - `GET /admin/sessions` (live sessions per product); `POST /admin/purge` drops every expired
//!   session and token now (as the emulator does every 30 s) and answers the live sessions
//! - `GET /admin/users`, `POST /admin/users` (a [`User`] object; replaces by name),
//!   `DELETE /admin/users/{name}`
//! - `GET /admin/lifetimes`, `PUT /admin/lifetimes` (a [`Lifetimes`] object, seconds)
//! - `GET /admin/behaviour`, `PUT /admin/behaviour`: the readings of disputed rules ([`crate::Behaviour`])
//! - `GET /admin/versions`, `PUT /admin/versions` `{"em": [...], "vbr": [...], "vbr_401_body": "Empty"}`

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::{Lifetimes, User, Vbr401Body};
use crate::state::{Counters, Fault, Product, State, to_ms};

/// In-process control of an emulator. Cheap to clone; every clone controls the same emulator.
#[derive(Clone)]
pub struct Admin {
    pub(crate) st: Arc<State>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// Error of [`Admin::advance`] on an emulator that runs on real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the emulator runs on real time; start it with a virtual clock to advance time")]
pub struct NotVirtual;

impl Admin {
    /// Current time on the emulator's clock.
    pub fn now(&self) -> SystemTime {
        self.st.clock.now()
    }

    /// Advances the virtual clock; an error on real time.
    pub fn advance(&self, d: Duration) -> Result<(), NotVirtual> {
        match &self.st.manual {
            Some(clock) => {
                clock.advance(d);
                Ok(())
            }
            None => Err(NotVirtual),
        }
    }

    /// The accounts, in order.
    pub fn users(&self) -> Vec<User> {
        self.st.users.read().iter().flatten().cloned().collect()
    }

    /// Adds an account, or replaces the one with the same name (existing sessions of a replaced
    /// account stay valid and see its new rights).
    pub fn upsert_user(&self, user: User) {
        let mut users = self.st.users.write();
        if let Some(slot) = users.iter_mut().find(|u| {
            u.as_ref()
                .is_some_and(|u| u.name.eq_ignore_ascii_case(&user.name))
        }) {
            *slot = Some(user);
        } else {
            users.push(Some(user));
        }
    }

    /// Removes an account; its sessions are refused from then on. Returns whether it existed.
    pub fn remove_user(&self, name: &str) -> bool {
        let mut users = self.st.users.write();
        let mut found = false;
        for slot in users.iter_mut() {
            if slot
                .as_ref()
                .is_some_and(|u| u.name.eq_ignore_ascii_case(name))
            {
                *slot = None;
                found = true;
            }
        }
        found
    }

    /// Changes one account in place; returns whether it exists.
    pub fn update_user(&self, name: &str, change: impl FnOnce(&mut User)) -> bool {
        let mut users = self.st.users.write();
        match users
            .iter_mut()
            .flatten()
            .find(|u| u.name.eq_ignore_ascii_case(name))
        {
            Some(u) => {
                change(u);
                true
            }
            None => false,
        }
    }

    /// Turns VBR multi-factor authentication on or off for an account (VBR-09).
    pub fn set_mfa(&self, name: &str, on: bool) -> bool {
        self.update_user(name, |u| u.mfa = on)
    }

    /// Current lifetimes.
    pub fn lifetimes(&self) -> Lifetimes {
        self.st.lifetimes()
    }

    /// Replaces the lifetimes; existing tokens keep their expiry, idle timeouts apply at once.
    pub fn set_lifetimes(&self, lifetimes: Lifetimes) {
        *self.st.lifetimes.write() = lifetimes;
    }

    /// Supported EM versions (the last is `latest`).
    pub fn em_versions(&self) -> Vec<String> {
        self.st.em_versions.read().clone()
    }

    /// Replaces the supported EM versions.
    pub fn set_em_versions(&self, versions: Vec<String>) {
        *self.st.em_versions.write() = versions;
    }

    /// Supported VBR `x-api-version` values.
    pub fn vbr_api_versions(&self) -> Vec<String> {
        self.st.vbr_versions.read().clone()
    }

    /// Replaces the supported VBR `x-api-version` values.
    pub fn set_vbr_api_versions(&self, versions: Vec<String>) {
        *self.st.vbr_versions.write() = versions;
    }

    /// Sets the VBR-12 reading.
    pub fn set_vbr_401_body(&self, body: Vbr401Body) {
        *self.st.vbr_401.write() = body;
    }

    /// The readings of the disputed and release-dependent rules in force.
    pub fn behaviour(&self) -> crate::Behaviour {
        self.st.behaviour()
    }

    /// Replaces the readings of the disputed and release-dependent rules; they apply to the next
    /// request.
    pub fn set_behaviour(&self, behaviour: crate::Behaviour) {
        *self.st.behaviour.write() = behaviour;
    }

    /// Injects `fault` into the next `times` requests to `product` (after any faults queued
    /// before for the same product).
    pub fn inject_fault(&self, product: Product, fault: Fault, times: u32) {
        if times == 0 {
            return;
        }
        self.st.push_fault(product, fault, times);
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.st.clear_faults();
    }

    /// Revokes every session of `product`; returns how many.
    pub fn revoke_all(&self, product: Product) -> usize {
        self.st.revoke(product, None)
    }

    /// Revokes the sessions of one user on `product`; returns how many.
    pub fn revoke_user(&self, product: Product, user: &str) -> usize {
        self.st.revoke(product, Some(user))
    }

    /// Revokes one session by the string the client holds: EM token or session id, VBR access or
    /// refresh token (an access token takes its refresh token with it), ZVM session id or OIDC
    /// access token. Returns whether it existed.
    pub fn revoke_token(&self, product: Product, token: &str) -> bool {
        self.st.revoke_token(product, token)
    }

    /// The session-hygiene report of every client seen so far, on the emulator's clock.
    pub fn hygiene(&self) -> crate::hygiene::HygieneReport {
        let rec = &self.st.hygiene;
        let now = self.st.now_ms();
        rec.with_ledger(|ledger| {
            crate::hygiene::analysis::analyse(ledger, &rec.settings(), rec.start_ms, now)
        })
    }

    /// Forgets every session and exchange the hygiene report has seen.
    pub fn clear_hygiene(&self) {
        self.st.hygiene.clear();
    }

    /// The thresholds of the hygiene report.
    pub fn hygiene_settings(&self) -> crate::hygiene::HygieneSettings {
        self.st.hygiene.settings()
    }

    /// Changes the thresholds of the hygiene report (they apply to the next report; facts
    /// recorded on arrival keep the windows they were recorded with).
    pub fn set_hygiene_settings(&self, settings: crate::hygiene::HygieneSettings) {
        self.st.hygiene.set_settings(settings);
    }
    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.st.counters()
    }

    /// The vendor documents answered operation by operation (`emulate --spec`), each as its
    /// product and the document served (a VBR document with its revision).
    pub fn served_specs(&self) -> Vec<std::sync::Arc<crate::spec_driven::ServedSpec>> {
        self.st.served_specs.all()
    }

    /// Sets every counter to zero.
    pub fn reset_counters(&self) {
        self.st.reset_counters();
    }

    /// Live sessions of a product (EM logon sessions, VBR access tokens, ZVM sessions plus OIDC
    /// access tokens).
    pub fn live_sessions(&self, product: Product) -> usize {
        self.st.live_sessions(product)
    }

    /// Removes expired sessions now (it also runs every 30 s of real time), then gives freed
    /// memory back through the hook of [`crate::set_memory_release`], if one is registered.
    pub fn purge_expired(&self) {
        self.st.purge_expired();
        crate::memory::release_memory();
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    #[serde(default)]
    seconds: Option<u64>,
    #[serde(default)]
    millis: Option<u64>,
}

#[derive(Deserialize)]
struct FaultBody {
    product: Product,
    fault: Fault,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
struct RevokeBody {
    product: Product,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct VersionsBody {
    #[serde(default)]
    em: Option<Vec<String>>,
    #[serde(default)]
    vbr: Option<Vec<String>>,
    #[serde(default)]
    vbr_401_body: Option<Vbr401Body>,
}

type A = AxState<Admin>;

/// The longest lifetime or clock advance the admin API takes: longer ones would overflow the
/// clock's arithmetic (R1).
const MAX_SETTING: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

fn lifetimes_are_sane(l: &Lifetimes) -> bool {
    [
        l.em_idle,
        l.vbr_access,
        l.vbr_refresh,
        l.vbr_short_refresh_extra,
        l.vbr_code,
        l.zvm_dormancy,
        l.oidc_access,
        l.oidc_refresh,
    ]
    .iter()
    .all(|d| *d <= MAX_SETTING)
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

pub(crate) fn router(admin: Admin) -> Router {
    Router::new()
        .route(
            "/admin/counters",
            get(|AxState(a): A| async move { Json(a.counters()) }).delete(
                |AxState(a): A| async move {
                    a.reset_counters();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/admin/hygiene",
            get(|AxState(a): A| async move { Json(a.hygiene()) }).delete(
                |AxState(a): A| async move {
                    a.clear_hygiene();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/admin/hygiene/settings",
            get(|AxState(a): A| async move { Json(a.hygiene_settings()) }).put(
                |AxState(a): A, body: Result<Json<crate::hygiene::HygieneSettings>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(settings)) = body else {
                        return bad("expected a hygiene settings object (GET /admin/hygiene/settings shows one)");
                    };
                    a.set_hygiene_settings(settings);
                    StatusCode::NO_CONTENT.into_response()
                },
            ),
        )
        .route(
            "/admin/clock",
            get(|AxState(a): A| async move {
                Json(json!({"now_ms": to_ms(a.now()), "virtual": a.st.manual.is_some()}))
            }),
        )
        .route(
            "/admin/clock/advance",
            post(
                |AxState(a): A, body: Result<Json<AdvanceBody>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(body)) = body else {
                        return bad("expected {\"seconds\": N} or {\"millis\": N}");
                    };
                    let Some(d) = Duration::from_secs(body.seconds.unwrap_or(0))
                        .checked_add(Duration::from_millis(body.millis.unwrap_or(0)))
                        .filter(|d| *d <= MAX_SETTING)
                    else {
                        return bad("clock advance too large (at most 100 years)");
                    };
                    match a.advance(d) {
                        Ok(()) => Json(json!({"now_ms": to_ms(a.now())})).into_response(),
                        Err(e) => (StatusCode::CONFLICT, Json(json!({"error": e.to_string()})))
                            .into_response(),
                    }
                },
            ),
        )
        .route(
            "/admin/faults",
            post(
                |AxState(a): A, body: Result<Json<FaultBody>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(body)) = body else {
                        return bad("expected {\"product\": \"em|vbr|zvm\", \"fault\": {\"status\": 500} | {\"delay\": MILLIS} | \"drop_connection\" | \"malformed_body\" | {\"throttle\": SECONDS}, \"times\": N}");
                    };
                    a.inject_fault(body.product, body.fault, body.times);
                    StatusCode::NO_CONTENT.into_response()
                },
            )
            .delete(|AxState(a): A| async move {
                a.clear_faults();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/admin/revoke",
            post(
                |AxState(a): A, body: Result<Json<RevokeBody>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(body)) = body else {
                        return bad("expected {\"product\": \"em|vbr|zvm\", \"user\"?: NAME, \"token\"?: TOKEN}");
                    };
                    let revoked = match (&body.token, &body.user) {
                        (Some(t), _) => usize::from(a.revoke_token(body.product, t)),
                        (None, Some(u)) => a.revoke_user(body.product, u),
                        (None, None) => a.revoke_all(body.product),
                    };
                    Json(json!({"revoked": revoked})).into_response()
                },
            ),
        )
        .route(
            "/admin/sessions",
            get(|AxState(a): A| async move {
                Json(json!({
                    "em": a.live_sessions(Product::Em),
                    "vbr": a.live_sessions(Product::Vbr),
                    "zvm": a.live_sessions(Product::Zvm),
                }))
            }),
        )
        .route(
            "/admin/purge",
            post(|AxState(a): A| async move {
                a.purge_expired();
                Json(json!({
                    "em": a.live_sessions(Product::Em),
                    "vbr": a.live_sessions(Product::Vbr),
                    "zvm": a.live_sessions(Product::Zvm),
                }))
            }),
        )
        .route(
            "/admin/users",
            get(|AxState(a): A| async move { Json(a.users()) }).post(
                |AxState(a): A, body: Result<Json<User>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(user)) = body else {
                        return bad("expected a user object: {\"name\", \"password\", \"em_role\"?, \"vbr_role\"?, \"zvm\"?, \"mfa\"?}");
                    };
                    a.upsert_user(user);
                    StatusCode::NO_CONTENT.into_response()
                },
            ),
        )
        .route(
            "/admin/users/{name}",
            delete(|AxState(a): A, Path(name): Path<String>| async move {
                if a.remove_user(&name) {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                }
            }),
        )
        .route(
            "/admin/lifetimes",
            get(|AxState(a): A| async move { Json(a.lifetimes()) }).put(
                |AxState(a): A, body: Result<Json<Lifetimes>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(l)) = body else {
                        return bad("expected a full lifetimes object (seconds)");
                    };
                    if !lifetimes_are_sane(&l) {
                        return bad("a lifetime is too long (at most 100 years)");
                    }
                    a.set_lifetimes(l);
                    StatusCode::NO_CONTENT.into_response()
                },
            ),
        )
        .route(
            "/admin/versions",
            get(|AxState(a): A| async move {
                Json(VersionsBody {
                    em: Some(a.em_versions()),
                    vbr: Some(a.vbr_api_versions()),
                    vbr_401_body: Some(*a.st.vbr_401.read()),
                })
            })
            .put(
                |AxState(a): A, body: Result<Json<VersionsBody>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(v)) = body else {
                        return bad("expected {\"em\"?: [..], \"vbr\"?: [..], \"vbr_401_body\"?: \"Json\"|\"Empty\"}");
                    };
                    if let Some(em) = v.em {
                        a.set_em_versions(em);
                    }
                    if let Some(vbr) = v.vbr {
                        a.set_vbr_api_versions(vbr);
                    }
                    if let Some(b) = v.vbr_401_body {
                        a.set_vbr_401_body(b);
                    }
                    StatusCode::NO_CONTENT.into_response()
                },
            ),
        )
        .route(
            "/admin/behaviour",
            get(|AxState(a): A| async move { Json(a.behaviour()) }).put(
                |AxState(a): A, body: Result<Json<crate::Behaviour>, axum::extract::rejection::JsonRejection>| async move {
                    let Ok(Json(b)) = body else {
                        return bad("expected a full behaviour object (GET /admin/behaviour shows one)");
                    };
                    a.set_behaviour(b);
                    StatusCode::NO_CONTENT.into_response()
                },
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(admin)
}
