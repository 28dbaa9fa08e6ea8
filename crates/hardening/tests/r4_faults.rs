//! R4: faults injected by the emulator, for all three products' clients: a 401 mid-stream, a
//! revoked session, a 500, a slow answer beyond the client's timeout, a dropped connection and
//! a malformed success body, and a `429` with `Retry-After` (honoured for idempotent calls on
//! the session's virtual clock, capped, counted in the retry budget; a typed
//! `Error::Throttled` naming the server's `Retry-After` when the session gives up). The client re-logs on at most once per 401 (the emulator counts
//! logons), never loops, never repeats a non-idempotent call the server may have acted on (the
//! emulator counts requests per endpoint), and surfaces a typed error with context. Idempotent
//! GETs are retried after a transport failure, a bounded number of times (the session's retry
//! policy); a POST that starts a job never is.
//!
//! VBR's own fault tests (`crates/vbr/tests/session.rs`) go deeper on VBR; this file is the
//! cross-product matrix.

use std::time::Duration;

use restpoint_em::LogonSessionList;
use restpoint_em::session::EmSession;
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_session::{
    AuthError, Credentials, Error, HttpOptions, ProtocolViolation, RetryAfter,
};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

const TIMEOUT: Duration = Duration::from_millis(600);

fn credentials() -> Credentials {
    Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
}

fn options(emulator: &Emulator) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(emulator.ca_pem())
        .unwrap()
        .request_timeout(TIMEOUT)
}

/// One logged-on client of one product and its idempotent and non-idempotent calls.
enum Client {
    Vbr(VbrSession),
    Em(EmSession, String, String),
    Zvm(ZvmSession),
}

impl Client {
    async fn new(emulator: &Emulator, product: Product) -> Client {
        // The clients' own virtual clock moves by itself: a retry backoff (idempotent calls
        // after a transport failure, `restpoint_session::retry`) ends at once. On the emulator's
        // clock, which only the test moves, a backoff would wait for ever.
        let clock = restpoint_session::ManualClock::with_auto_advance();
        Client::on_clock(emulator, product, &clock).await
    }

    /// A client whose session sleeps (backoff, `Retry-After`) on `clock`.
    async fn on_clock(
        emulator: &Emulator,
        product: Product,
        clock: &restpoint_session::ManualClock,
    ) -> Client {
        let clock = clock.shared();
        match product {
            Product::Vbr => Client::Vbr(
                VbrSession::builder(emulator.vbr_url())
                    .credentials(credentials())
                    .http_options(options(emulator))
                    .clock(clock)
                    .build()
                    .await
                    .unwrap(),
            ),
            Product::Em => {
                let em = EmSession::builder(emulator.em_url())
                    .credentials(credentials())
                    .http_options(options(emulator))
                    .keep_alive(None)
                    .clock(clock)
                    .build()
                    .await
                    .unwrap();
                let sessions = "api/logonSessions".to_owned();
                let job = emulator.em_url().join("api/jobs").unwrap();
                let list = em.get(job.as_str()).await.unwrap().text().await.unwrap();
                // The first job's id from the reference list: `.../api/jobs/<id>`.
                let start = list.find("/api/jobs/").expect("a job") + "/api/jobs/".len();
                let id: String = list[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
                    .collect();
                Client::Em(em, sessions, format!("api/jobs/{id}?action=start"))
            }
            Product::Zvm => Client::Zvm(
                ZvmSession::builder(emulator.zvm_url())
                    .credentials(credentials())
                    .flavor(ZvmFlavor::Windows(None))
                    .http_options(options(emulator))
                    .clock(clock)
                    .build()
                    .await
                    .unwrap(),
            ),
        }
    }

    /// An idempotent GET decoded into its type.
    async fn get(&self) -> Result<(), Error> {
        match self {
            Client::Vbr(vbr) => vbr.client().api().get_all_jobs().send().await.map(drop),
            Client::Em(em, sessions, _) => em
                .get_resource::<LogonSessionList>(sessions)
                .await
                .map(drop),
            Client::Zvm(zvm) => zvm.client().api().get_vpgs().send().await.map(drop),
        }
    }

    /// The counter key of the GET.
    fn get_route(&self) -> (&'static str, &'static str) {
        match self {
            Client::Vbr(_) => ("GET", "/api/v1/jobs"),
            Client::Em(..) => ("GET", "/api/logonsessions"),
            Client::Zvm(_) => ("GET", "/v1/vpgs"),
        }
    }
}

fn logons(emulator: &Emulator, product: Product) -> u64 {
    emulator.admin().counters().product(product).logons
}

fn requests(emulator: &Emulator, product: Product, (method, route): (&str, &str)) -> u64 {
    emulator.admin().counters().requests(product, method, route)
}

const PRODUCTS: [Product; 3] = [Product::Vbr, Product::Em, Product::Zvm];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_401_mid_stream_is_one_relogon_and_the_call_succeeds() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        client.get().await.unwrap();
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        emulator
            .admin()
            .inject_fault(product, Fault::Status(401), 1);
        client.get().await.unwrap();
        assert_eq!(logons(&emulator, product), n_logons + 1, "{product:?}");
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_get + 2,
            "{product:?}: the call is sent twice, not more"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_that_persists_is_one_relogon_then_a_typed_error_never_a_loop() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        // More 401s than any loop would need; the emulator applies them to any request.
        emulator
            .admin()
            .inject_fault(product, Fault::Status(401), 20);
        let error = client.get().await.unwrap_err();
        emulator.admin().clear_faults();
        assert!(
            matches!(
                error.auth_error(),
                Some(AuthError::TokenRefused | AuthError::WrongCredentials)
            ),
            "{product:?}: {error:?}"
        );
        assert!(error.context().is_some(), "{product:?}: no context");
        // At most one fresh logon (which the fault may have refused), and the call at most
        // twice.
        let new_logon_attempts = emulator.admin().counters().product(product).logons
            + emulator.admin().counters().product(product).failed_logons
            - n_logons;
        assert!(
            new_logon_attempts <= 1,
            "{product:?}: {new_logon_attempts} logons"
        );
        let calls = requests(&emulator, product, client.get_route()) - n_get;
        assert!((1..=2).contains(&calls), "{product:?}: {calls} calls");
        // And the client works again once the server does.
        client.get().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_session_is_one_relogon() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        let n_logons = logons(&emulator, product);
        emulator.admin().revoke_all(product);
        client.get().await.unwrap();
        assert_eq!(logons(&emulator, product), n_logons + 1, "{product:?}");
        client.get().await.unwrap();
        assert_eq!(logons(&emulator, product), n_logons + 1, "{product:?}");
    }
}

/// A fault on the GET that is not transient: a typed error of `check`, the call sent exactly
/// once, no logon.
async fn once_and_typed(fault: Fault, check: fn(&Error) -> bool) {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        emulator.admin().inject_fault(product, fault, 1);
        let error = client.get().await.unwrap_err();
        assert!(check(&error), "{product:?} {fault:?}: {error:?}");
        assert!(error.context().is_some(), "{product:?}: no context");
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_get + 1,
            "{product:?} {fault:?}: not retried"
        );
        assert_eq!(
            logons(&emulator, product),
            n_logons,
            "{product:?} {fault:?}"
        );
        client.get().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_a_typed_error_and_not_retried() {
    once_and_typed(Fault::Status(500), |e| {
        e.status().map(|s| s.as_u16()) == Some(500)
            && matches!(e, Error::Api { .. } | Error::Protocol { .. })
    })
    .await;
}

/// Transport failures of an idempotent GET are retried by the default policy (3 attempts):
/// one failure is retried and succeeds; failures that persist end after exactly 3 attempts in
/// a typed error, without a logon.
async fn bounded_retries_then_typed(fault: Fault, check: fn(&Error) -> bool) {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        emulator.admin().inject_fault(product, fault, 1);
        client.get().await.unwrap();
        let n_now = requests(&emulator, product, client.get_route());
        assert_eq!(n_now, n_get + 2, "{product:?} {fault:?}: one retry");
        emulator.admin().inject_fault(product, fault, 10);
        let error = client.get().await.unwrap_err();
        emulator.admin().clear_faults();
        assert!(check(&error), "{product:?} {fault:?}: {error:?}");
        assert!(error.context().is_some(), "{product:?}: no context");
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_now + 3,
            "{product:?} {fault:?}: three attempts, no loop"
        );
        assert_eq!(
            logons(&emulator, product),
            n_logons,
            "{product:?} {fault:?}"
        );
        client.get().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_beyond_the_timeout_is_a_transport_timeout_after_bounded_retries() {
    bounded_retries_then_typed(Fault::Delay(TIMEOUT * 2), |e| match e {
        Error::Transport { source, .. } => source.is_timeout(),
        _ => false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_a_transport_error_after_bounded_retries() {
    bounded_retries_then_typed(Fault::DropConnection, |e| {
        matches!(e, Error::Transport { .. })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_success_body_is_a_protocol_error_not_retried() {
    once_and_typed(Fault::MalformedBody, |e| {
        matches!(
            e,
            Error::Protocol {
                violation: ProtocolViolation::MalformedBody { .. },
                ..
            }
        )
    })
    .await;
}

/// Starts a job (a non-idempotent POST) with `fault` armed for it; how many start requests
/// reached the emulator.
async fn start_job_under(
    emulator: &Emulator,
    client: &Client,
    product: Product,
    fault: Fault,
) -> u64 {
    match client {
        Client::Vbr(vbr) => {
            let api = vbr.client();
            let jobs = api.api().get_all_jobs().send().await.unwrap();
            let id = jobs.data[0].id;
            let route = ("POST", "/api/v1/jobs/{id}/{action}");
            let before = requests(emulator, product, route);
            emulator.admin().inject_fault(product, fault, 1);
            let _ = api.api().start_job().id(id).send().await;
            requests(emulator, product, route) - before
        }
        Client::Em(em, _, start) => {
            let route = ("POST", "/api/jobs/{id}");
            let before = requests(emulator, product, route);
            emulator.admin().inject_fault(product, fault, 1);
            let _ = em.post(start).await;
            requests(emulator, product, route) - before
        }
        Client::Zvm(_) => 0,
    }
}

#[tokio::test]
async fn a_non_idempotent_start_job_is_never_repeated_after_the_server_may_have_acted() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in [Product::Vbr, Product::Em] {
        let client = Client::new(&emulator, product).await;
        for fault in [
            Fault::Throttle(1),
            Fault::Status(500),
            Fault::DropConnection,
            Fault::Delay(TIMEOUT * 3),
            Fault::MalformedBody,
        ] {
            let n = start_job_under(&emulator, &client, product, fault).await;
            assert_eq!(n, 1, "{product:?} {fault:?}: start sent {n} times");
        }
        // A 401 means the server did not act: one fresh logon and one repeat at most.
        let n_logons = logons(&emulator, product);
        let n = start_job_under(&emulator, &client, product, Fault::Status(401)).await;
        assert!(n <= 2, "{product:?} 401: start sent {n} times");
        assert!(logons(&emulator, product) <= n_logons + 1, "{product:?}");
    }
}

// ------------------------------------------------------------------ 429 with Retry-After

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_on_the_session_clock_then_the_get_succeeds() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let clock = restpoint_session::ManualClock::with_auto_advance();
        let client = Client::on_clock(&emulator, product, &clock).await;
        client.get().await.unwrap();
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        let before = clock.elapsed();
        emulator
            .admin()
            .inject_fault(product, Fault::Throttle(7), 1);
        let started = std::time::Instant::now();
        client.get().await.unwrap();
        // The server's 7 s were waited on the virtual clock, not in real time.
        let waited = clock.elapsed() - before;
        assert!(
            waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
            "{product:?}: waited {waited:?} on the clock"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{product:?}");
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_get + 2,
            "{product:?}: one repeat after the 429"
        );
        assert_eq!(logons(&emulator, product), n_logons, "{product:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_that_persists_spends_the_budget_then_a_typed_error_names_429_and_retry_after() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let client = Client::new(&emulator, product).await;
        let (n_logons, n_get) = (
            logons(&emulator, product),
            requests(&emulator, product, client.get_route()),
        );
        emulator
            .admin()
            .inject_fault(product, Fault::Throttle(2), 10);
        let error = client.get().await.unwrap_err();
        emulator.admin().clear_faults();
        assert!(
            matches!(error, Error::Throttled { .. }),
            "{product:?}: {error:?}"
        );
        assert_eq!(error.status().map(|s| s.as_u16()), Some(429), "{product:?}");
        assert_eq!(
            error.retry_after(),
            Some(RetryAfter::Seconds(2)),
            "{product:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("429") && text.contains("retry after 2 s"),
            "{product:?}: {text}"
        );
        assert!(
            restpoint_session::retry::is_transient(&error),
            "{product:?}"
        );
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_get + 3,
            "{product:?}: the waits count in the budget of 3 attempts"
        );
        assert_eq!(logons(&emulator, product), n_logons, "{product:?}");
        client.get().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_beyond_the_cap_is_not_waited_and_the_error_names_it() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    for product in PRODUCTS {
        let clock = restpoint_session::ManualClock::with_auto_advance();
        let client = Client::on_clock(&emulator, product, &clock).await;
        let n_get = requests(&emulator, product, client.get_route());
        let before = clock.elapsed();
        // One hour: beyond the 60 s the default policy waits.
        emulator
            .admin()
            .inject_fault(product, Fault::Throttle(3600), 1);
        let error = client.get().await.unwrap_err();
        assert!(
            matches!(error, Error::Throttled { .. }),
            "{product:?}: {error:?}"
        );
        assert_eq!(
            error.retry_after(),
            Some(RetryAfter::Seconds(3600)),
            "{product:?}"
        );
        assert!(error.to_string().contains("retry after 3600 s"), "{error}");
        assert_eq!(clock.elapsed(), before, "{product:?}: nothing waited");
        assert_eq!(
            requests(&emulator, product, client.get_route()),
            n_get + 1,
            "{product:?}: sent once"
        );
        // Within the cap (60 s, above the 10 s backoff maximum): waited.
        emulator
            .admin()
            .inject_fault(product, Fault::Throttle(60), 1);
        client.get().await.unwrap();
        assert!(
            clock.elapsed() - before >= Duration::from_secs(60),
            "{product:?}: {:?}",
            clock.elapsed() - before
        );
    }
}

#[tokio::test]
async fn a_throttled_vbr_job_start_is_sent_once_and_the_error_names_the_429() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let Client::Vbr(vbr) = Client::new(&emulator, Product::Vbr).await else {
        unreachable!()
    };
    let api = vbr.client();
    let id = api.api().get_all_jobs().send().await.unwrap().data[0].id;
    let route = ("POST", "/api/v1/jobs/{id}/{action}");
    let before = requests(&emulator, Product::Vbr, route);
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Throttle(1), 5);
    let error = api.api().start_job().id(id).send().await.unwrap_err();
    emulator.admin().clear_faults();
    assert_eq!(requests(&emulator, Product::Vbr, route) - before, 1);
    assert!(matches!(error, Error::Throttled { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(RetryAfter::Seconds(1)));
    assert!(error.to_string().contains("StartJob"), "{error}");
}

#[tokio::test]
async fn a_throttled_em_job_start_is_sent_once_and_the_error_names_the_429() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let Client::Em(em, ..) = Client::new(&emulator, Product::Em).await else {
        unreachable!()
    };
    let jobs: restpoint_em::EntityReferences = em.get_resource("api/jobs").await.unwrap();
    let job = jobs.ref_[0].href.clone().unwrap();
    let route = ("POST", "/api/jobs/{id}");
    let before = requests(&emulator, Product::Em, route);
    emulator
        .admin()
        .inject_fault(Product::Em, Fault::Throttle(4), 5);
    let error = em.start_job(&job).await.unwrap_err();
    emulator.admin().clear_faults();
    assert_eq!(requests(&emulator, Product::Em, route) - before, 1);
    assert!(matches!(error, Error::Throttled { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(RetryAfter::Seconds(4)));
    assert!(error.to_string().contains("POST job start"), "{error}");
}
