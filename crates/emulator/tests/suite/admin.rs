//! Admin handle, admin HTTP listener, faults (R4), counters, revocation and the session cap.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use restpoint_emulator::{EmulatorConfig, Fault, Product, User, VbrRole, defaults};
use serde_json::{Value, json};

use super::{basic, client, header_text, start, start_with};

#[tokio::test]
async fn faults_status_delay_drop_and_malformed_body_for_the_next_n_requests() {
    let emu = start().await;
    let c = client(&emu);
    let admin = emu.admin();
    let em_root = format!("{}api/", emu.em_url());

    admin.inject_fault(Product::Em, Fault::Status(500), 2);
    for _ in 0..2 {
        let resp = c.get(&em_root).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("<Error StatusCode=\"500\"")
        );
    }
    assert_eq!(
        c.get(&em_root).send().await.unwrap().status(),
        StatusCode::OK
    );

    // A 401 mid-stream on VBR carries the JSON error model.
    admin.inject_fault(Product::Vbr, Fault::Status(401), 1);
    let resp = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "InvalidToken");

    // A slow answer (real time, short).
    admin.inject_fault(Product::Em, Fault::Delay(Duration::from_millis(300)), 1);
    let t0 = Instant::now();
    assert_eq!(
        c.get(&em_root).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // A dropped connection: the client sees a transport error, not a response.
    admin.inject_fault(Product::Zvm, Fault::DropConnection, 1);
    let result = async {
        let resp = c
            .get(format!("{}v1/localsite", emu.zvm_url()))
            .send()
            .await?;
        resp.bytes().await
    }
    .await;
    assert!(
        result.is_err(),
        "expected a broken response, got {result:?}"
    );

    // A malformed body.
    admin.inject_fault(Product::Vbr, Fault::MalformedBody, 1);
    let resp = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.json::<Value>().await.is_err());

    // Faults are per product and can be cleared.
    admin.inject_fault(Product::Zvm, Fault::Status(503), 5);
    assert_eq!(
        c.get(&em_root).send().await.unwrap().status(),
        StatusCode::OK
    );
    admin.clear_faults();
    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn counters_revocation_users_and_lifetimes_in_process() {
    let emu = start().await;
    let c = client(&emu);
    let admin = emu.admin();
    let logon = || {
        c.post(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
            .header(
                "Authorization",
                basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
            )
            .send()
    };
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let resp = logon().await.unwrap();
        tokens.push(header_text(&resp, "X-RestSvcSessionId"));
    }
    let counters = admin.counters();
    assert_eq!(counters.em.logons, 3);
    assert_eq!(
        counters.requests(Product::Em, "POST", "/api/sessionmngr"),
        3
    );
    assert_eq!(admin.live_sessions(Product::Em), 3);
    assert!(admin.revoke_token(Product::Em, &tokens[0]));
    assert_eq!(admin.live_sessions(Product::Em), 2);
    let resp = c
        .get(format!("{}api/jobs", emu.em_url()))
        .header("X-RestSvcSessionId", &tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(admin.revoke_user(Product::Em, defaults::PORTAL_USER), 0);
    assert_eq!(admin.revoke_all(Product::Em), 2);
    admin.reset_counters();
    assert_eq!(admin.counters().em.logons, 0);

    // A new user; a shorter idle timeout.
    admin.upsert_user(User::new("ops", "Ops-Password-1").with_vbr_role(VbrRole::Administrator));
    let resp = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", "1.3-rev1")
        .form(&[
            ("grant_type", "password"),
            ("username", "ops"),
            ("password", "Ops-Password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    assert!(admin.remove_user("ops"));
    let resp = c
        .get(format!("{}api/v1/jobs", emu.vbr_url()))
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "a removed user's token is refused"
    );

    let mut lifetimes = admin.lifetimes();
    lifetimes.em_idle = Duration::from_secs(60);
    admin.set_lifetimes(lifetimes);
    let resp = logon().await.unwrap();
    let token = header_text(&resp, "X-RestSvcSessionId");
    emu.advance(Duration::from_secs(61));
    let resp = c
        .get(format!("{}api/jobs", emu.em_url()))
        .header("X-RestSvcSessionId", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_http_listener_exposes_the_same_operations() {
    let emu = start_with(EmulatorConfig::for_tests().with_admin_port(Some(0))).await;
    let admin_url = emu.admin_url().expect("admin listener");
    assert_eq!(admin_url.host_str(), Some("localhost"));
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let c = client(&emu);
    let a = |p: &str| format!("{admin_url}admin/{p}");

    let before = emu.clock().unwrap().elapsed();
    let resp = plain
        .post(a("clock/advance"))
        .json(&json!({"seconds": 900}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        emu.clock().unwrap().elapsed() - before,
        Duration::from_secs(900)
    );
    let resp = plain
        .post(a("clock/advance"))
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let resp = plain
        .post(a("faults"))
        .json(&json!({"product": "em", "fault": {"status": 503}, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = c.get(format!("{}api/", emu.em_url())).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let resp = plain
        .post(a("faults"))
        .json(&json!({"product": "vbr", "fault": "drop_connection"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        plain.delete(a("faults")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );

    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let counters: Value = plain
        .get(a("counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["zvm"]["logons"], 1);
    assert_eq!(counters["endpoints"]["ZVM POST /v1/session/add"], 1);
    let sessions: Value = plain
        .get(a("sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["zvm"], 1);
    let revoked: Value = plain
        .post(a("revoke"))
        .json(&json!({"product": "zvm"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["revoked"], 1);

    let users: Value = plain
        .get(a("users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "admin")
    );
    let resp = plain
        .post(a("users"))
        .json(&json!({"name": "zed", "password": "Zed-Password-1", "zvm": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header("Authorization", basic("zed", "Zed-Password-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        plain.delete(a("users/zed")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );

    let resp = plain
        .put(a("versions"))
        .json(&json!({"vbr_401_body": "Empty", "em": ["v1_6", "v1_7"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(emu.admin().em_versions(), vec!["v1_6", "v1_7"]);
    let lifetimes: Value = plain
        .get(a("lifetimes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lifetimes["em_idle"], 900);
    assert_eq!(lifetimes["zvm_dormancy"], 1800);
}

#[tokio::test]
async fn admin_purge_drops_expired_sessions_and_answers_the_live_ones() {
    let emu = start_with(EmulatorConfig::for_tests().with_admin_port(Some(0))).await;
    let admin_url = emu.admin_url().expect("admin listener");
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let a = |p: &str| format!("{admin_url}admin/{p}");
    let resp = client(&emu)
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let purge = || async {
        let resp = plain.post(a("purge")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<Value>().await.unwrap()
    };
    let live = purge().await;
    assert_eq!(
        (live["em"].clone(), live["vbr"].clone(), live["zvm"].clone()),
        (json!(0), json!(0), json!(1))
    );
    // ZVM's dormancy is 30 minutes: 31 minutes later the session is gone.
    emu.advance(Duration::from_secs(31 * 60));
    assert_eq!(purge().await["zvm"], 0);
}

#[tokio::test]
async fn session_cap_answers_503_with_a_body() {
    let emu = start_with(EmulatorConfig::for_tests().with_session_cap(2)).await;
    let c = client(&emu);
    let logon = || {
        c.post(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
            .header(
                "Authorization",
                basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
            )
            .send()
    };
    assert_eq!(logon().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(logon().await.unwrap().status(), StatusCode::CREATED);
    let resp = logon().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.text().await.unwrap().contains("session table is full"));
    // Once sessions expire, there is room again.
    emu.advance(Duration::from_secs(16 * 60));
    assert_eq!(logon().await.unwrap().status(), StatusCode::CREATED);

    for _ in 0..2 {
        let resp = c
            .post(format!("{}api/oauth2/token", emu.vbr_url()))
            .header("x-api-version", "1.2-rev1")
            .form(&[
                ("grant_type", "password"),
                ("username", defaults::ADMIN_USER),
                ("password", defaults::ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", "1.2-rev1")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "ServiceUnavailable");
}
