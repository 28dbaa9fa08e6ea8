//! Zerto Virtual Manager: ZVM-01 .. ZVM-13.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use restpoint_emulator::{
    Behaviour, Emulator, EmulatorConfig, Lifetimes, Product, ZvmKind, defaults,
};
use serde_json::Value;

use super::{basic, client, start, start_with};

fn url(emu: &Emulator, path: &str) -> String {
    format!("{}{}", emu.zvm_url(), path.trim_start_matches('/'))
}

async fn logon(c: &Client, emu: &Emulator) -> String {
    let resp = c
        .post(url(emu, "v1/session/add"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.headers()["x-zerto-session"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn get(c: &Client, emu: &Emulator, path: &str, session: &str) -> reqwest::Response {
    c.get(url(emu, path))
        .header("x-zerto-session", session)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn zvm_01_session_add_with_basic_and_optional_authentication_method() {
    let emu = start().await;
    let c = client(&emu);
    let auth = basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    for (ct, body) in [
        (None, ""),
        (Some("application/json"), "{\"AuthenticationMethod\": 0}"),
        (
            Some("application/json"),
            "  {\n \"AuthenticationMethod\" : 1 }  ",
        ),
        (
            Some("application/json"),
            "{\"AuthenticationMethod\": \"1\"}",
        ),
        (
            Some("application/json"),
            "{\"AuthenticationMethod\": \" 0 \"}",
        ),
        (Some("application/json; charset=utf-8"), "{}"),
        (
            Some("application/xml"),
            "<SessionAddRequest><AuthenticationMethod>1</AuthenticationMethod></SessionAddRequest>",
        ),
    ] {
        let mut req = c
            .post(url(&emu, "v1/session/add"))
            .header("Authorization", &auth)
            .body(body);
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{body}");
    }
    for body in [
        "{\"AuthenticationMethod\": 2}",
        "{\"AuthenticationMethod\": \"2\"}",
        "{\"AuthenticationMethod\": \"one\"}",
        "{not json",
        "[1]",
    ] {
        let resp = c
            .post(url(&emu, "v1/session/add"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let e: Value = resp.json().await.unwrap();
        assert!(e["Message"].is_string());
    }
    assert_eq!(emu.admin().counters().zvm.logons, 7);
}

#[tokio::test]
async fn zvm_02_session_id_in_header_body_empty() {
    let emu = start().await;
    let c = client(&emu);
    let resp = c
        .post(url(&emu, "v1/session/add"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.headers()["x-zerto-session"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(resp.text().await.unwrap(), "");
}

#[tokio::test]
async fn zvm_03_session_header_on_later_requests() {
    let emu = start().await;
    let c = client(&emu);
    let id = logon(&c, &emu).await;
    let resp = get(&c, &emu, "v1/localsite", &id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let site: Value = resp.json().await.unwrap();
    assert_eq!(site["SiteName"], "Prod-Site");
    let resp = c.get(url(&emu, "v1/vpgs")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = get(&c, &emu, "v1/vpgs", "00000000-0000-0000-0000-000000000000").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = get(&c, &emu, "v1/vpgs", "garbage").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .header("X-Zerto-Session", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn zvm_04_delete_session_ends_it() {
    let emu = start().await;
    let c = client(&emu);
    let id = logon(&c, &emu).await;
    let resp = c
        .delete(url(&emu, "v1/session"))
        .header("x-zerto-session", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "");
    assert_eq!(
        get(&c, &emu, "v1/vpgs", &id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = c
        .delete(url(&emu, "v1/session"))
        .header("x-zerto-session", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(emu.admin().counters().zvm.logouts, 1);
}

#[tokio::test]
async fn zvm_05_dormant_session_ends_after_30_minutes() {
    let emu = start().await;
    let c = client(&emu);
    let id = logon(&c, &emu).await;
    emu.advance(Duration::from_secs(29 * 60));
    assert_eq!(get(&c, &emu, "v1/vpgs", &id).await.status(), StatusCode::OK);
    emu.advance(Duration::from_secs(29 * 60));
    assert_eq!(get(&c, &emu, "v1/vpgs", &id).await.status(), StatusCode::OK);
    emu.advance(Duration::from_secs(30 * 60));
    assert_eq!(
        get(&c, &emu, "v1/vpgs", &id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(emu.admin().live_sessions(Product::Zvm), 0);
}

#[tokio::test]
async fn zvm_06_json_or_xml_by_accept() {
    let emu = start().await;
    let c = client(&emu);
    let id = logon(&c, &emu).await;
    let resp = get(&c, &emu, "v1/vpgs", &id).await;
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let vpgs: Value = resp.json().await.unwrap();
    assert_eq!(vpgs.as_array().unwrap().len(), 3);
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .header("x-zerto-session", &id)
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    let xml = resp.text().await.unwrap();
    assert!(xml.contains("<ArrayOfVpg xmlns="), "{xml}");
    assert!(xml.contains("<Vpg><ActualRPO>"), "{xml}");
    assert!(xml.contains("<VpgName>VPG-Web</VpgName>"));
    // Errors follow the same choice.
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("<Message>"));
}

#[tokio::test]
async fn zvm_07_wrong_credentials_401() {
    let emu = start().await;
    let c = client(&emu);
    for auth in [
        Some(basic(defaults::ADMIN_USER, "nope")),
        Some(basic(defaults::PORTAL_USER, defaults::PORTAL_PASSWORD)),
        Some("Basic %%%".to_string()),
        None,
    ] {
        let mut req = c.post(url(&emu, "v1/session/add"));
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(resp.headers().get("x-zerto-session").is_none());
    }
}

#[tokio::test]
async fn zvm_08_paths_without_regard_to_case() {
    let emu = start().await;
    let c = client(&emu);
    for path in ["v1/session/Add", "V1/SESSION/ADD", "v1/session/add/"] {
        let resp = c
            .post(url(&emu, path))
            .header(
                "Authorization",
                basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    let id = logon(&c, &emu).await;
    for path in ["v1/VPGs", "v1/LocalSite", "V1/Vms", "v1/Tasks", "v1/ALERTS"] {
        assert_eq!(
            get(&c, &emu, path, &id).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let vpgs: Value = get(&c, &emu, "v1/vpgs", &id).await.json().await.unwrap();
    let vpg_id = vpgs[0]["VpgIdentifier"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    let resp = get(&c, &emu, &format!("v1/vpgs/{vpg_id}"), &id).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn zvm_09_appliance_oidc_password_client_credentials_and_refresh() {
    let emu = start().await;
    let c = client(&emu);
    let token_url = url(&emu, "auth/realms/zerto/protocol/openid-connect/token");
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", defaults::ZVM_OIDC_PASSWORD_CLIENT),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["refresh_expires_in"], 1800);
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Wrong client id, wrong password.
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", "other"),
            ("username", "admin"),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_client");
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", defaults::ZVM_OIDC_PASSWORD_CLIENT),
            ("username", "admin"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    // Access token expires after 300 s; the refresh grant renews it.
    emu.advance(Duration::from_secs(301));
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", defaults::ZVM_OIDC_PASSWORD_CLIENT),
            ("refresh_token", &refresh),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t2: Value = resp.json().await.unwrap();
    let resp = c
        .get(url(&emu, "v1/vpgs"))
        .bearer_auth(t2["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(emu.admin().counters().zvm.refreshes, 1);
    // Client credentials (form or Basic).
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::ZVM_OIDC_CLIENT_ID),
            ("client_secret", defaults::ZVM_OIDC_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = c
        .post(&token_url)
        .header(
            "Authorization",
            basic(
                defaults::ZVM_OIDC_CLIENT_ID,
                defaults::ZVM_OIDC_CLIENT_SECRET,
            ),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cc: Value = resp.json().await.unwrap();
    let resp = c
        .get(url(&emu, "v1/localsite"))
        .bearer_auth(cc["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = c
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::ZVM_OIDC_CLIENT_ID),
            ("client_secret", "bad"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = c
        .post(&token_url)
        .form(&[("grant_type", "implicit")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn zvm_resources_vpgs_vms_tasks_alerts() {
    let emu = start().await;
    let c = client(&emu);
    let id = logon(&c, &emu).await;
    let vpgs: Value = get(&c, &emu, "v1/vpgs?name=VPG-Db", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(vpgs.as_array().unwrap().len(), 1);
    let vpg = &vpgs[0];
    for k in ["VpgIdentifier", "VpgName", "SourceSite", "TargetSite"] {
        assert!(vpg[k].is_string(), "{k}");
    }
    assert_eq!(vpg["Status"], 1);
    assert_eq!(vpg["VmsCount"], 2);
    let one = get(
        &c,
        &emu,
        &format!("v1/vpgs/{}", vpg["VpgIdentifier"].as_str().unwrap()),
        &id,
    )
    .await;
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(
        get(&c, &emu, "v1/vpgs/nope", &id).await.status(),
        StatusCode::NOT_FOUND
    );
    let vms: Value = get(&c, &emu, "v1/vms", &id).await.json().await.unwrap();
    assert_eq!(vms.as_array().unwrap().len(), 6);
    let vms: Value = get(&c, &emu, "v1/vms?vpgName=VPG-Web", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(vms.as_array().unwrap().len(), 2);
    let tasks: Value = get(&c, &emu, "v1/tasks", &id).await.json().await.unwrap();
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    let running = tasks.iter().find(|t| t["Status"]["State"] == 1).unwrap();
    let tid = running["TaskIdentifier"].as_str().unwrap().to_string();
    emu.advance(Duration::from_secs(601));
    let t: Value = get(&c, &emu, &format!("v1/tasks/{tid}"), &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["Status"]["State"], 6);
    assert_eq!(t["Status"]["Progress"], 100);
    let alerts: Value = get(&c, &emu, "v1/alerts?level=Warning", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["HelpIdentifier"], "VPG0009");
}

const TOKEN_PATH: &str = "auth/realms/zerto/protocol/openid-connect/token";
const LOGOUT_PATH: &str = "auth/realms/zerto/protocol/openid-connect/logout";

/// A password grant; `scope` added when given. Answers the token set.
async fn oidc_logon(c: &Client, emu: &Emulator, scope: Option<&str>) -> Value {
    let mut form = vec![
        ("grant_type", "password"),
        ("client_id", defaults::ZVM_OIDC_PASSWORD_CLIENT),
        ("username", defaults::ADMIN_USER),
        ("password", defaults::ADMIN_PASSWORD),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let resp = c
        .post(url(emu, TOKEN_PATH))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn oidc_refresh(c: &Client, emu: &Emulator, refresh: &str) -> reqwest::Response {
    c.post(url(emu, TOKEN_PATH))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", defaults::ZVM_OIDC_PASSWORD_CLIENT),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .unwrap()
}

async fn bearer_get(c: &Client, emu: &Emulator, token: &Value) -> StatusCode {
    c.get(url(emu, "v1/localsite"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .status()
}

fn set_kind(emu: &Emulator, kind: ZvmKind) {
    emu.admin().set_behaviour(Behaviour {
        zvm_kind: kind,
        ..emu.admin().behaviour()
    });
}

#[tokio::test]
async fn zvm_10_each_kind_serves_its_own_logon() {
    let emu = start().await;
    let c = client(&emu);
    let add = |auth: Option<String>| {
        let mut req = c.post(url(&emu, "v1/session/add"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send()
    };
    let admin = || Some(basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD));
    // Both (default): the credential-free probe answers 401, the OIDC realm answers too.
    assert_eq!(emu.admin().behaviour().zvm_kind, ZvmKind::Both);
    assert_eq!(add(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(add(admin()).await.unwrap().status(), StatusCode::OK);
    let t = oidc_logon(&c, &emu, None).await;
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::OK);
    // Appliance: /v1/session/add is 404 with or without credentials; no logon is counted.
    set_kind(&emu, ZvmKind::Appliance);
    emu.admin().reset_counters();
    for auth in [None, admin()] {
        let resp = add(auth).await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert!(resp.headers().get("x-zerto-session").is_none());
    }
    let counts = emu.admin().counters().zvm;
    assert_eq!((counts.logons, counts.failed_logons), (0, 0));
    let t = oidc_logon(&c, &emu, Some("openid")).await;
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::OK);
    // Windows: the realm's endpoints are 404, bearer tokens are refused, session/add works.
    set_kind(&emu, ZvmKind::Windows);
    for path in [TOKEN_PATH, LOGOUT_PATH] {
        let resp = c
            .post(url(&emu, path))
            .form(&[("grant_type", "password"), ("client_id", "zerto-client")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::UNAUTHORIZED);
    assert_eq!(add(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let id = logon(&c, &emu).await;
    assert_eq!(
        get(&c, &emu, "v1/localsite", &id).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn zvm_11_openid_scope_refused_only_when_the_setting_asks() {
    let emu = start().await;
    let c = client(&emu);
    let without = oidc_logon(&c, &emu, None).await;
    let with = oidc_logon(&c, &emu, Some("openid profile")).await;
    assert_eq!(with["scope"], "openid profile email");
    assert_eq!(without["scope"], "profile email");
    // Default: both accepted.
    assert_eq!(bearer_get(&c, &emu, &without).await, StatusCode::OK);
    assert_eq!(bearer_get(&c, &emu, &with).await, StatusCode::OK);
    emu.admin().set_behaviour(Behaviour {
        zvm_require_openid_scope: true,
        ..emu.admin().behaviour()
    });
    let resp = c
        .get(url(&emu, "v1/localsite"))
        .bearer_auth(without["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert!(e["Message"].as_str().unwrap().contains("openid"));
    assert_eq!(bearer_get(&c, &emu, &with).await, StatusCode::OK);
    // A refreshed token keeps the scope of its session's grant.
    let refreshed: Value = oidc_refresh(&c, &emu, with["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bearer_get(&c, &emu, &refreshed).await, StatusCode::OK);
    let refreshed: Value = oidc_refresh(&c, &emu, without["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bearer_get(&c, &emu, &refreshed).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn zvm_12_lifetimes_are_settings_and_a_refresh_token_is_reusable() {
    let emu = start_with(EmulatorConfig::for_tests().with_lifetimes(Lifetimes {
        oidc_access: Duration::from_secs(60),
        oidc_refresh: Duration::from_secs(1800),
        ..Lifetimes::default()
    }))
    .await;
    let c = client(&emu);
    let t = oidc_logon(&c, &emu, Some("openid")).await;
    assert_eq!(t["expires_in"], 60);
    assert_eq!(t["refresh_expires_in"], 1800);
    emu.advance(Duration::from_secs(59));
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::OK);
    emu.advance(Duration::from_secs(2));
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::UNAUTHORIZED);
    // The same refresh token, three times: each answers a working token set.
    let refresh = t["refresh_token"].as_str().unwrap();
    for _ in 0..3 {
        let resp = oidc_refresh(&c, &emu, refresh).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let n: Value = resp.json().await.unwrap();
        assert_eq!(n["expires_in"], 60);
        assert_eq!(bearer_get(&c, &emu, &n).await, StatusCode::OK);
    }
    assert_eq!(emu.admin().counters().zvm.refreshes, 3);
    // After refresh_expires_in the refresh token is refused.
    emu.advance(Duration::from_secs(1800));
    let resp = oidc_refresh(&c, &emu, refresh).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
}

#[tokio::test]
async fn zvm_12_default_lifetimes_300_and_1800() {
    let emu = start().await;
    let c = client(&emu);
    let t = oidc_logon(&c, &emu, None).await;
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["refresh_expires_in"], 1800);
}

#[tokio::test]
async fn zvm_13_keycloak_logout_ends_both_tokens_of_the_session_only() {
    let emu = start().await;
    let c = client(&emu);
    let t = oidc_logon(&c, &emu, Some("openid")).await;
    let other = oidc_logon(&c, &emu, Some("openid")).await;
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let refreshed: Value = oidc_refresh(&c, &emu, &refresh).await.json().await.unwrap();
    let logout =
        |fields: Vec<(&'static str, String)>| c.post(url(&emu, LOGOUT_PATH)).form(&fields).send();
    // Without refresh_token: 400 and nothing ended.
    let resp = logout(vec![("client_id", "zerto-client".into())])
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_request");
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::OK);
    // Without client_id or with a garbage refresh token: refused, nothing ended.
    let resp = logout(vec![("refresh_token", refresh.clone())])
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = logout(vec![
        ("client_id", "zerto-client".into()),
        ("refresh_token", "garbage".into()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::OK);
    assert_eq!(emu.admin().counters().zvm.logouts, 0);
    // The logout: 204 with an empty body.
    let resp = logout(vec![
        ("client_id", "zerto-client".into()),
        ("refresh_token", refresh.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.text().await.unwrap(), "");
    assert_eq!(emu.admin().counters().zvm.logouts, 1);
    // Every token of the session is refused: both access tokens and both refresh tokens.
    assert_eq!(bearer_get(&c, &emu, &t).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bearer_get(&c, &emu, &refreshed).await,
        StatusCode::UNAUTHORIZED
    );
    for r in [
        refresh.as_str(),
        refreshed["refresh_token"].as_str().unwrap(),
    ] {
        assert_eq!(
            oidc_refresh(&c, &emu, r).await.status(),
            StatusCode::BAD_REQUEST
        );
    }
    // Another session is untouched.
    assert_eq!(bearer_get(&c, &emu, &other).await, StatusCode::OK);
    // A second logout with the same refresh token: 400.
    let resp = logout(vec![
        ("client_id", "zerto-client".into()),
        ("refresh_token", refresh),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
