//! EM rules of the facts' revision 2: tenant logon (EM-02), token form (EM-14), byte-order mark
//! (EM-15), the Error element of every error answer (EM-16), logout 204 (EM-09).

use base64::Engine as _;
use reqwest::StatusCode;
use restpoint_emulator::{Behaviour, EmTokenForm, EmulatorConfig, defaults};
use serde_json::Value;

use super::{basic, client, em_admin_logon, header_text, start, start_with, xml_text};

const NS: &str = "http://www.veeam.com/ent/v1.0";

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

#[tokio::test]
async fn em_14_token_is_base64_of_the_session_id_by_default_and_16_bytes_by_setting() {
    for (form, check) in [
        (EmTokenForm::Base64SessionId, true),
        (EmTokenForm::RandomBytes, false),
    ] {
        let emu = start_with(EmulatorConfig::for_tests().with_behaviour(Behaviour {
            em_token_form: form,
            ..Behaviour::default()
        }))
        .await;
        let c = client(&emu);
        let resp = em_admin_logon(&c, &emu).await;
        let token = header_text(&resp, "X-RestSvcSessionId");
        let body = resp.text().await.unwrap();
        let id = xml_text(&body, "SessionId").unwrap().to_owned();
        let raw = b64(&token);
        if check {
            assert_eq!(raw, id.as_bytes(), "{form:?}");
        } else {
            assert_eq!(raw.len(), 16, "{form:?}");
            // The SessionId is not a token in this form.
            let derived = base64::engine::general_purpose::STANDARD.encode(&id);
            let resp = c
                .get(format!("{}api/logonSessions", emu.em_url()))
                .header("X-RestSvcSessionId", derived)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = c
            .get(format!("{}api/logonSessions", emu.em_url()))
            .header("X-RestSvcSessionId", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{form:?}");
    }
}

#[tokio::test]
async fn em_15_json_begins_with_a_bom_only_when_set() {
    for bom in [false, true] {
        let emu = start_with(EmulatorConfig::for_tests().with_behaviour(Behaviour {
            em_json_bom: bom,
            ..Behaviour::default()
        }))
        .await;
        let c = client(&emu);
        let json = c
            .get(format!("{}api/", emu.em_url()))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let len: usize = json.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let bytes = json.bytes().await.unwrap();
        assert_eq!(len, bytes.len());
        assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), bom);
        let text = std::str::from_utf8(&bytes)
            .unwrap()
            .trim_start_matches('\u{feff}');
        let v: Value = serde_json::from_str(text).unwrap();
        assert!(v["Links"].is_array());
        // XML answers never get one.
        let xml = c
            .get(format!("{}api/", emu.em_url()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(xml.starts_with(b"<?xml"));
    }
}

#[tokio::test]
async fn em_02_tenant_logs_on_with_a_login_spec_body_only() {
    let emu = start().await;
    let c = client(&emu);
    let url = format!("{}api/sessionMngr/?v=latest", emu.em_url());
    let spec = |user: &str, password: &str| {
        format!(
            "<LoginSpec xmlns=\"{NS}\"><TenantCredentials><Username>{user}</Username><Password>{password}</Password></TenantCredentials></LoginSpec>"
        )
    };
    let resp = c
        .post(&url)
        .header("Content-Type", "application/xml")
        .body(spec(defaults::TENANT_USER, defaults::TENANT_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(resp.headers().contains_key("X-RestSvcSessionId"));
    let body = resp.text().await.unwrap();
    assert_eq!(xml_text(&body, "UserName"), Some(defaults::TENANT_USER));
    // JSON body with the same names.
    let resp = c
        .post(&url)
        .header("Content-Type", "application/json")
        .body(format!(
            "{{\"TenantCredentials\":{{\"Username\":\"{}\",\"Password\":\"{}\"}}}}",
            defaults::TENANT_USER,
            defaults::TENANT_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    // Wrong tenant password, and a portal account in the tenant body: 401.
    for body in [
        spec(defaults::TENANT_USER, "wrong"),
        spec(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
    ] {
        let resp = c.post(&url).body(body).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    // A tenant account with Basic credentials has no portal role (EM-05).
    let resp = c
        .post(&url)
        .header(
            "Authorization",
            basic(defaults::TENANT_USER, defaults::TENANT_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn em_16_error_answers_carry_the_error_element_in_xml_and_json() {
    let emu = start().await;
    let c = client(&emu);
    let api = |p: &str| format!("{}api/{p}", emu.em_url());
    let resp = c
        .post(api("sessionMngr/?v=latest"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    let token = header_text(&resp, "X-RestSvcSessionId");
    let cases = [
        (
            reqwest::Method::GET,
            api("query?type=Nothing"),
            400,
            "BadRequest",
        ),
        (reqwest::Method::GET, api("jobs"), 401, "Unauthorized"),
        (reqwest::Method::GET, api("noSuchThing"), 404, "NotFound"),
        (
            reqwest::Method::PUT,
            api("logonSessions"),
            405,
            "MethodNotAllowed",
        ),
    ];
    for (method, url, status, name) in cases {
        for json in [false, true] {
            let mut rb = c.request(method.clone(), &url);
            if status != 401 {
                rb = rb.header("X-RestSvcSessionId", &token);
            }
            if json {
                rb = rb.header("Accept", "application/json");
            }
            let resp = rb.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), status, "{url}");
            let text = resp.text().await.unwrap();
            if json {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["StatusCode"], status, "{text}");
                assert_eq!(v["Status"], name, "{text}");
                assert!(v["Message"].is_string(), "{text}");
            } else {
                assert!(
                    text.contains(&format!("<Error StatusCode=\"{status}\"")),
                    "{text}"
                );
                assert!(text.contains(&format!("Status=\"{name}\"")), "{text}");
                assert!(text.contains(&format!("xmlns=\"{NS}\"")), "{text}");
            }
        }
    }
    // 500 (an injected fault) too.
    emu.admin().inject_fault(
        restpoint_emulator::Product::Em,
        restpoint_emulator::Fault::Status(500),
        1,
    );
    let text = c.get(api("")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("Status=\"InternalServerError\""), "{text}");
}
