//! Backup & Replication: VBR-01 .. VBR-14.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};
use restpoint_emulator::{
    Behaviour, Emulator, EmulatorConfig, Product, Vbr401Body, VbrMissingVersion, defaults,
};
use serde_json::Value;

use super::{client, start, start_with};

const V: &str = "1.2-rev1";

fn url(emu: &Emulator, path: &str) -> String {
    format!("{}{}", emu.vbr_url(), path.trim_start_matches('/'))
}

fn token_req(c: &Client, emu: &Emulator, form: &[(&str, &str)]) -> RequestBuilder {
    c.post(url(emu, "api/oauth2/token"))
        .header("x-api-version", V)
        .form(form)
}

async fn password_login(c: &Client, emu: &Emulator) -> Value {
    let resp = token_req(
        c,
        emu,
        &[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn get(c: &Client, emu: &Emulator, path: &str, token: &str) -> reqwest::Response {
    c.get(url(emu, path))
        .header("x-api-version", V)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {v}"))
        .to_string()
}

#[tokio::test]
async fn vbr_01_password_grant_with_a_form_body() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    assert!(t["access_token"].is_string());
    // A form written by hand, with a charset and odd spacing.
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .header("x-api-version", V)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(format!(
            "grant_type=password&username={}&password={}&use_short_term_refresh=false",
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(emu.admin().counters().vbr.logons, 2);
}

#[tokio::test]
async fn vbr_02_token_response_shape_and_15_minute_access_token() {
    let emu = start().await;
    let c = client(&emu);
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 900);
    let issued = chrono::DateTime::parse_from_rfc3339(&s(&t, ".issued")).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&s(&t, ".expires")).unwrap();
    assert_eq!((expires - issued).num_seconds(), 900);
    assert_ne!(s(&t, "access_token"), s(&t, "refresh_token"));
    // The seed's sample: exactly these fields, in this order, times to the second with an offset.
    let raw = serde_json::to_string(&t).unwrap();
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{raw}");
    for k in [
        "access_token",
        "token_type",
        "refresh_token",
        "expires_in",
        ".issued",
        ".expires",
    ] {
        assert!(t.get(k).is_some(), "{k} in {raw}");
    }
    for k in [".issued", ".expires"] {
        let v = s(&t, k);
        assert_eq!(v.len(), "2022-04-24T14:24:18+01:00".len(), "{v}");
        assert!(v.ends_with("+00:00"), "{v}");
    }
    // JWT-shaped: three base64url parts, the payload a JSON object.
    for k in ["access_token", "refresh_token"] {
        let token = s(&t, k);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "{k}");
        assert!(parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }));
        let payload =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
                .unwrap();
        let payload: Value = serde_json::from_slice(&payload).unwrap();
        assert!(payload["exp"].as_i64().unwrap() > payload["iat"].as_i64().unwrap());
    }
    insta::assert_json_snapshot!("vbr_02_token", t, {
        ".access_token" => "[access]",
        ".refresh_token" => "[refresh]",
        r#"[".issued"]"# => "[date]",
        r#"[".expires"]"# => "[date]",
    });
}

#[tokio::test]
async fn vbr_03_bearer_token_on_later_requests() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let resp = get(&c, &emu, "api/v1/serverInfo", &s(&t, "access_token")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let info: Value = resp.json().await.unwrap();
    assert_eq!(info["buildVersion"], "12.3.1.1139");
    // Scheme in any case.
    let resp = c
        .get(url(&emu, "api/v1/jobs"))
        .header("x-api-version", V)
        .header("authorization", format!("bearer {}", s(&t, "access_token")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // No token: 401.
    let resp = c
        .get(url(&emu, "api/v1/jobs"))
        .header("x-api-version", V)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vbr_04_refresh_grant_and_short_term_refresh_lifetime() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&t, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t2: Value = resp.json().await.unwrap();
    assert_ne!(s(&t2, "access_token"), s(&t, "access_token"));
    assert_ne!(s(&t2, "refresh_token"), s(&t, "refresh_token"));
    assert_eq!(
        get(&c, &emu, "api/v1/jobs", &s(&t2, "access_token"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(emu.admin().counters().vbr.refreshes, 1);

    // Short-term: the refresh token lives 15 + 15 minutes.
    let login = |short: &'static str| {
        token_req(
            &c,
            &emu,
            &[
                ("grant_type", "password"),
                ("username", defaults::ADMIN_USER),
                ("password", defaults::ADMIN_PASSWORD),
                ("use_short_term_refresh", short),
            ],
        )
        .send()
    };
    let a: Value = login("true").await.unwrap().json().await.unwrap();
    let b: Value = login("true").await.unwrap().json().await.unwrap();
    let long: Value = login("false").await.unwrap().json().await.unwrap();
    emu.advance(Duration::from_secs(29 * 60));
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&a, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "within 30 minutes");
    emu.advance(Duration::from_secs(60 + 1));
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&b, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "after 30 minutes");
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "ExpiredToken");
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&long, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "a normal refresh token still lives"
    );
}

#[tokio::test]
async fn vbr_05_authorization_code_exchanged_for_tokens_once() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let resp = c
        .post(url(&emu, "api/oauth2/authorization_code"))
        .header("x-api-version", V)
        .bearer_auth(s(&t, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let code: Value = resp.json().await.unwrap();
    let code = s(&code, "code");
    let resp = token_req(
        &c,
        &emu,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t2: Value = resp.json().await.unwrap();
    assert_eq!(
        get(&c, &emu, "api/v1/jobs", &s(&t2, "access_token"))
            .await
            .status(),
        StatusCode::OK
    );
    let resp = token_req(
        &c,
        &emu,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Without a bearer token: 401.
    let resp = c
        .post(url(&emu, "api/oauth2/authorization_code"))
        .header("x-api-version", V)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vbr_06_logout_answers_empty_object_and_revokes_both_tokens() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let resp = c
        .post(url(&emu, "api/oauth2/logout"))
        .header("x-api-version", V)
        .bearer_auth(s(&t, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "{ }");
    let resp = get(&c, &emu, "api/v1/jobs", &s(&t, "access_token")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&t, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(emu.admin().counters().vbr.logouts, 1);
}

#[tokio::test]
async fn vbr_07_error_model_for_400_401_403_404() {
    let emu = start().await;
    let c = client(&emu);
    // 400: no grant_type.
    let resp = token_req(&c, &emu, &[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "UnexpectedContent");
    assert!(e["message"].as_str().unwrap().contains("grant_type"));
    assert!(e.get("resourceId").is_some());
    // 400: unknown grant type, missing password.
    for form in [
        vec![("grant_type", "magic")],
        vec![("grant_type", "password"), ("username", "admin")],
    ] {
        let resp = token_req(&c, &emu, &form).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    }
    // 401: wrong password.
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "nope"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    insta::assert_json_snapshot!("vbr_07_wrong_password", e);
    // 403: a viewer may read but not start a job.
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "password"),
            ("username", defaults::VIEWER_USER),
            ("password", defaults::VIEWER_PASSWORD),
        ],
    )
    .send()
    .await
    .unwrap();
    let viewer: Value = resp.json().await.unwrap();
    let jobs: Value = get(&c, &emu, "api/v1/jobs", &s(&viewer, "access_token"))
        .await
        .json()
        .await
        .unwrap();
    let id = jobs["data"][0]["id"].as_str().unwrap().to_string();
    let resp = c
        .post(url(&emu, &format!("api/v1/jobs/{id}/start")))
        .header("x-api-version", V)
        .bearer_auth(s(&viewer, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "AccessDenied");
    // 404.
    let resp = get(
        &c,
        &emu,
        "api/v1/jobs/00000000-0000-0000-0000-000000000000",
        &s(&viewer, "access_token"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "NotFound");
    // 405.
    let resp = c
        .delete(url(&emu, "api/v1/jobs"))
        .header("x-api-version", V)
        .bearer_auth(s(&viewer, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "MethodNotAllowed");
}

#[tokio::test]
async fn vbr_08_missing_or_unsupported_api_version_is_400_naming_the_served_revisions() {
    let emu = start().await;
    let c = client(&emu);
    let form = [
        ("grant_type", "password"),
        ("username", defaults::ADMIN_USER),
        ("password", defaults::ADMIN_PASSWORD),
    ];
    let all = "Unsupported RESTAPI version. The following versions are supported: v1.0-rev1, \
               v1.0-rev2, v1.1-rev0, v1.1-rev1, v1.1-rev2, v1.2-rev0, v1.2-rev1, v1.3-rev0, \
               v1.3-rev1, v1.3-rev2.";
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "UnexpectedContent");
    assert_eq!(e["message"], all);
    for bad in ["1.0-rev0", "9.9-rev9", "latest", "", "1.4-rev0"] {
        let resp = c
            .post(url(&emu, "api/oauth2/token"))
            .header("x-api-version", bad)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let e: Value = resp.json().await.unwrap();
        assert_eq!(e["message"], all, "{bad}");
    }
    // The version is checked before the credentials.
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .header("x-api-version", "0.1-rev0")
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Resources check it too; the set is configurable.
    let t = password_login(&c, &emu).await;
    let resp = c
        .get(url(&emu, "api/v1/jobs"))
        .bearer_auth(s(&t, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    emu.admin().set_vbr_api_versions(vec!["1.3-rev1".into()]);
    let resp = get(&c, &emu, "api/v1/jobs", &s(&t, "access_token")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(
        e["message"],
        "Unsupported RESTAPI version. The following versions are supported: v1.3-rev1."
    );
}

#[tokio::test]
async fn vbr_08_a_missing_header_can_be_answered_in_the_newest_revision() {
    let emu = start_with(EmulatorConfig::for_tests().with_behaviour(Behaviour {
        vbr_missing_version: VbrMissingVersion::Newest,
        ..Behaviour::default()
    }))
    .await;
    let c = client(&emu);
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    let token = s(&t, "access_token");
    let resp = c
        .get(url(&emu, "api/v1/serverInfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Answered as 1.3-rev2: the authorization code path is gone there (VBR-05).
    let resp = c
        .post(url(&emu, "api/oauth2/authorization_code"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // An unsupported one is still refused.
    let resp = c
        .get(url(&emu, "api/v1/serverInfo"))
        .header("x-api-version", "0.1-rev0")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn vbr_13_every_revision_from_1_0_rev1_to_1_3_rev2_is_served() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let served = [
        "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1",
        "1.3-rev0", "1.3-rev1", "1.3-rev2",
    ];
    assert_eq!(defaults::VBR_API_VERSIONS, served);
    for v in served {
        let resp = c
            .get(url(&emu, "api/v1/serverInfo"))
            .header("x-api-version", v)
            .bearer_auth(s(&t, "access_token"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{v}");
        let resp = c
            .post(url(&emu, "api/oauth2/token"))
            .header("X-API-Version", v.to_uppercase())
            .form(&[
                ("grant_type", "password"),
                ("username", defaults::ADMIN_USER),
                ("password", defaults::ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn vbr_05_authorization_code_path_is_absent_from_1_3_but_its_grant_and_vbr_token_remain() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let code_at = |v: &'static str| {
        c.post(url(&emu, "api/oauth2/authorization_code"))
            .header("x-api-version", v)
            .bearer_auth(s(&t, "access_token"))
            .send()
    };
    for v in ["1.0-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1"] {
        assert_eq!(code_at(v).await.unwrap().status(), StatusCode::OK, "{v}");
    }
    for v in ["1.3-rev0", "1.3-rev1", "1.3-rev2"] {
        let resp = code_at(v).await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{v}");
        let e: Value = resp.json().await.unwrap();
        assert_eq!(e["errorCode"], "NotFound");
    }
    // Without a token a 1.3 request still finds no such path.
    let resp = c
        .post(url(&emu, "api/oauth2/authorization_code"))
        .header("x-api-version", "1.3-rev1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // A code made at 1.2-rev1 is exchanged at 1.3-rev1; vbr_token is only deprecated there.
    let code: Value = code_at("1.2-rev1").await.unwrap().json().await.unwrap();
    for form in [
        vec![
            ("grant_type", "Authorization_code"),
            ("code", code["code"].as_str().unwrap()),
        ],
        vec![
            ("grant_type", "Vbr_token"),
            ("vbr_token", defaults::VBR_TOKEN),
        ],
    ] {
        let resp = c
            .post(url(&emu, "api/oauth2/token"))
            .header("x-api-version", "1.3-rev1")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{form:?}");
    }
}

#[tokio::test]
async fn vbr_14_empty_optional_fields_and_an_authorization_header_are_ignored() {
    let emu = start().await;
    let c = client(&emu);
    let body = format!(
        "grant_type=password&username={}&password={}&refresh_token=&code=&use_short_term_refresh=&vbr_token=",
        defaults::ADMIN_USER,
        defaults::ADMIN_PASSWORD
    );
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .header("x-api-version", V)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Bearer not-a-token")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t = password_login(&c, &emu).await;
    let resp = c
        .post(url(&emu, "api/oauth2/token"))
        .header("x-api-version", V)
        .header("Authorization", "Basic YWRtaW46eA==")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&t, "refresh_token")),
            ("username", ""),
            ("password", ""),
            ("code", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // A required field sent empty is still missing.
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", ""),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn vbr_09_an_mfa_account_is_refused_and_there_is_no_mfa_grant() {
    let emu = start().await;
    let c = client(&emu);
    let mfa_logon = || {
        token_req(
            &c,
            &emu,
            &[
                ("grant_type", "password"),
                ("username", defaults::MFA_USER),
                ("password", defaults::MFA_PASSWORD),
            ],
        )
        .send()
    };
    let resp = mfa_logon().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "AccessDenied");
    assert!(e["message"].as_str().unwrap().contains("MFA"), "{e}");
    assert!(e.get("mfa_token").is_none());
    assert_eq!(emu.admin().counters().vbr.logons, 0);
    // The MFA grant type does not exist.
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "Mfa"),
            ("mfa_token", "x"),
            ("mfa_code", "123456"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Switched off, the account logs on; switched on for another, that one is refused.
    assert!(emu.admin().set_mfa(defaults::MFA_USER, false));
    assert_eq!(mfa_logon().await.unwrap().status(), StatusCode::OK);
    assert!(emu.admin().set_mfa(defaults::ADMIN_USER, true));
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vbr_10_access_token_reusable_for_15_minutes_refresh_token_single_use_14_days() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let access = s(&t, "access_token");
    for _ in 0..5 {
        assert_eq!(
            get(&c, &emu, "api/v1/jobs", &access).await.status(),
            StatusCode::OK
        );
    }
    emu.advance(Duration::from_secs(14 * 60 + 59));
    assert_eq!(
        get(&c, &emu, "api/v1/jobs", &access).await.status(),
        StatusCode::OK
    );
    emu.advance(Duration::from_secs(1));
    let resp = get(&c, &emu, "api/v1/jobs", &access).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "ExpiredToken");
    // Refresh once: fine; twice: 401.
    let refresh = s(&t, "refresh_token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(
        token_req(&c, &emu, &form).send().await.unwrap().status(),
        StatusCode::OK
    );
    let resp = token_req(&c, &emu, &form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "InvalidToken");
    // The default refresh lifetime is 14 days.
    let t = password_login(&c, &emu).await;
    let t2 = password_login(&c, &emu).await;
    emu.advance(Duration::from_secs(14 * 24 * 3600 - 10));
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&t, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    emu.advance(Duration::from_secs(11));
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&t2, "refresh_token")),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vbr_11_grant_types_without_regard_to_case() {
    let emu = start().await;
    let c = client(&emu);
    for grant in ["password", "Password", "PASSWORD"] {
        let resp = token_req(
            &c,
            &emu,
            &[
                ("grant_type", grant),
                ("username", defaults::ADMIN_USER),
                ("password", defaults::ADMIN_PASSWORD),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{grant}");
        let t: Value = resp.json().await.unwrap();
        let resp = token_req(
            &c,
            &emu,
            &[
                ("grant_type", "Refresh_token"),
                ("refresh_token", &s(&t, "refresh_token")),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = token_req(
        &c,
        &emu,
        &[
            ("grant_type", "VBR_Token"),
            ("vbr_token", defaults::VBR_TOKEN),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = token_req(
        &c,
        &emu,
        &[("grant_type", "vbr_token"), ("vbr_token", "wrong")],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vbr_12_refused_token_json_by_default_empty_body_when_switched() {
    let emu = start().await;
    let c = client(&emu);
    let resp = get(&c, &emu, "api/v1/jobs", "not-a-token").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["errorCode"], "InvalidToken");
    emu.admin().set_vbr_401_body(Vbr401Body::Empty);
    let resp = get(&c, &emu, "api/v1/jobs", "not-a-token").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), "");
    let t = password_login(&c, &emu).await;
    emu.advance(Duration::from_secs(901));
    let resp = get(&c, &emu, "api/v1/jobs", &s(&t, "access_token")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), "");
}

#[tokio::test]
async fn vbr_jobs_paging_filters_and_a_started_job_session_on_the_clock() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let token = s(&t, "access_token");
    let all: Value = get(&c, &emu, "api/v1/jobs", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["pagination"]["total"], 25);
    assert_eq!(all["data"].as_array().unwrap().len(), 25);
    let page: Value = get(&c, &emu, "api/v1/jobs?skip=20&limit=10", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["pagination"],
        serde_json::json!({"total": 25, "count": 5, "skip": 20, "limit": 10})
    );
    let named: Value = get(&c, &emu, "api/v1/jobs?nameFilter=backup%20job%201*", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(named["pagination"]["total"], 10);
    let typed: Value = get(&c, &emu, "api/v1/jobs?typeFilter=VSphereReplica", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(typed["pagination"]["total"], 1);
    let ordered: Value = get(
        &c,
        &emu,
        "api/v1/jobs?orderColumn=Name&orderAsc=false&limit=1",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ordered["data"][0]["name"], "Replication Job 01");
    assert_eq!(
        get(&c, &emu, "api/v1/jobs?skip=-1", &token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&c, &emu, "api/v1/jobs?limit=abc", &token)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let id = all["data"][0]["id"].as_str().unwrap().to_string();
    let job: Value = get(&c, &emu, &format!("api/v1/jobs/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["name"], "Backup Job 01");
    assert_eq!(job["type"], "Backup");
    assert_eq!(job["isDisabled"], false);
    let resp = c
        .post(url(&emu, &format!("api/v1/jobs/{id}/start")))
        .header("x-api-version", V)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let session: Value = resp.json().await.unwrap();
    assert_eq!(session["state"], "Starting");
    assert_eq!(session["result"]["result"], "None");
    assert_eq!(session["jobId"], id.as_str());
    assert_eq!(session["sessionType"], "BackupJob");
    let sid = s(&session, "id");
    emu.advance(Duration::from_secs(60));
    let now: Value = get(&c, &emu, &format!("api/v1/sessions/{sid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["state"], "Working");
    assert_eq!(now["progressPercent"], 50);
    emu.advance(Duration::from_secs(60));
    let done: Value = get(&c, &emu, &format!("api/v1/sessions/{sid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "Stopped");
    assert_eq!(done["result"]["result"], "Success");
    assert!(done["endTime"].is_string());
    // Stop and retry.
    let start_stop = |action: &'static str| {
        c.post(url(&emu, &format!("api/v1/jobs/{id}/{action}")))
            .header("x-api-version", V)
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        start_stop("stop").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    // `retry` arrived with revision 1.3-rev0: before it, no such action.
    assert_eq!(
        start_stop("retry").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let retried = c
        .post(url(&emu, &format!("api/v1/jobs/{id}/retry")))
        .header("x-api-version", "1.3-rev1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::CREATED);
    let stopped: Value = start_stop("stop").await.unwrap().json().await.unwrap();
    assert_eq!(stopped["state"], "Stopped");
    assert_eq!(stopped["result"]["result"], "Failed");
    let list: Value = get(
        &c,
        &emu,
        &format!("api/v1/sessions?jobIdFilter={id}&stateFilter=Stopped"),
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(list["pagination"]["total"], 2);
    // The result filter reads the nested `result.result`, without regard to case.
    let of_job: Value = get(
        &c,
        &emu,
        &format!("api/v1/sessions?jobIdFilter={id}"),
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    let failed = of_job["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["result"]["result"] == "Failed")
        .count();
    assert!(failed >= 1);
    for (filter, total) in [("failed", failed), ("FAILED", failed), ("NoSuchResult", 0)] {
        let list: Value = get(
            &c,
            &emu,
            &format!("api/v1/sessions?jobIdFilter={id}&resultFilter={filter}"),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(list["pagination"]["total"], total, "resultFilter={filter}");
    }
    // A job whose runs end with a warning.
    let warn_id = all["data"][2]["id"].as_str().unwrap().to_string();
    let resp: Value = c
        .post(url(&emu, &format!("api/v1/jobs/{warn_id}/start")))
        .header("x-api-version", V)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    emu.advance(Duration::from_secs(121));
    let done: Value = get(
        &c,
        &emu,
        &format!("api/v1/sessions/{}", s(&resp, "id")),
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(done["result"]["result"], "Warning");
}

#[tokio::test]
async fn vbr_backups_repositories_and_server_info() {
    let emu = start().await;
    let c = client(&emu);
    let t = password_login(&c, &emu).await;
    let token = s(&t, "access_token");
    let backups: Value = get(&c, &emu, "api/v1/backups", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(backups["pagination"]["total"], 21);
    let b = &backups["data"][0];
    for k in [
        "id",
        "name",
        "jobId",
        "creationTime",
        "repositoryId",
        "platformName",
    ] {
        assert!(b[k].is_string(), "{k}");
    }
    let one = get(&c, &emu, &format!("api/v1/backups/{}", s(b, "id")), &token).await;
    assert_eq!(one.status(), StatusCode::OK);
    let repos: Value = get(&c, &emu, "api/v1/backupInfrastructure/repositories", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(repos["pagination"]["total"], 3);
    let r = &repos["data"][0];
    assert_eq!(r["type"], "WinLocal");
    let one = get(
        &c,
        &emu,
        &format!("api/v1/backupInfrastructure/repositories/{}", s(r, "id")),
        &token,
    )
    .await;
    assert_eq!(one.status(), StatusCode::OK);
    let typed: Value = get(
        &c,
        &emu,
        "api/v1/backupInfrastructure/repositories?typeFilter=Nfs",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(typed["pagination"]["total"], 1);
    let info: Value = get(&c, &emu, "api/v1/serverInfo", &token)
        .await
        .json()
        .await
        .unwrap();
    for k in ["vbrId", "name", "buildVersion"] {
        assert!(info[k].is_string(), "{k}");
    }
    assert_eq!(
        emu.admin()
            .counters()
            .requests(Product::Vbr, "GET", "/api/v1/serverinfo"),
        1
    );
}
