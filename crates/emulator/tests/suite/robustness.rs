//! R1: named bad inputs to every product; each answers a 4xx with a body, nothing panics, and the
//! session table is unchanged.

use reqwest::header::HeaderValue;
use reqwest::{Client, RequestBuilder, StatusCode};
use restpoint_emulator::{Emulator, Product, defaults};
use serde_json::Value;

use super::{basic, client, em_admin_logon, header_text, start};

const V: &str = "1.2-rev1";

struct Case {
    name: &'static str,
    request: RequestBuilder,
    expected: u16,
}

fn case(name: &'static str, request: RequestBuilder, expected: u16) -> Case {
    Case {
        name,
        request,
        expected,
    }
}

async fn tokens(c: &Client, emu: &Emulator) -> (String, String, String) {
    let em = em_admin_logon(c, emu).await;
    let em = header_text(&em, "X-RestSvcSessionId");
    let vbr: Value = c
        .post(format!("{}api/oauth2/token", emu.vbr_url()))
        .header("x-api-version", V)
        .form(&[
            ("grant_type", "password"),
            ("username", defaults::ADMIN_USER),
            ("password", defaults::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let zvm = c
        .post(format!("{}v1/session/add", emu.zvm_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    let zvm = zvm.headers()["x-zerto-session"]
        .to_str()
        .unwrap()
        .to_string();
    (em, vbr["access_token"].as_str().unwrap().to_string(), zvm)
}

#[tokio::test]
async fn r1_named_bad_inputs_get_a_4xx_with_a_body_and_leave_sessions_unchanged() {
    let emu = start().await;
    let c = client(&emu);
    let (em_token, vbr_token, zvm_session) = tokens(&c, &emu).await;
    let em = |p: &str| format!("{}api/{p}", emu.em_url());
    let vbr = |p: &str| format!("{}api/{p}", emu.vbr_url());
    let zvm = |p: &str| format!("{}{p}", emu.zvm_url());
    let non_utf8 = HeaderValue::from_bytes(b"\xff\xfe\xfd").unwrap();
    let big_header = "x".repeat(20 * 1024);
    let big_body = "a=".to_string() + &"b".repeat(100 * 1024);
    let logon = || c.post(em("sessionMngr/?v=latest"));
    let token = || c.post(vbr("oauth2/token")).header("x-api-version", V);
    let vget = |p: &str| {
        c.get(vbr(p))
            .header("x-api-version", V)
            .bearer_auth(&vbr_token)
    };

    let cases = vec![
        case(
            "em: truncated base64 in Basic",
            logon().header("Authorization", "Basic YWRtaW46UmVzdHBvaW50LUFk="),
            401,
        ),
        case(
            "em: Basic of non-UTF-8 bytes",
            logon().header("Authorization", "Basic //79"),
            401,
        ),
        case(
            "em: Basic without a colon",
            logon().header("Authorization", "Basic YWRtaW4="),
            401,
        ),
        case(
            "em: unknown auth scheme",
            logon().header("Authorization", "Negotiate abc"),
            401,
        ),
        case(
            "em: garbage token header",
            c.get(em("jobs")).header("X-RestSvcSessionId", "garbage"),
            401,
        ),
        case(
            "em: garbage token cookie",
            c.get(em("jobs")).header("Cookie", "X-RestSvcSessionId=%%%"),
            401,
        ),
        case(
            "em: cookie without a value",
            c.get(em("jobs")).header("Cookie", "X-RestSvcSessionId"),
            401,
        ),
        case(
            "em: doubled garbage token headers",
            c.get(em("jobs"))
                .header("X-RestSvcSessionId", "a")
                .header("X-RestSvcSessionId", "b"),
            401,
        ),
        case(
            "em: 10k-character token",
            c.get(em("jobs"))
                .header("X-RestSvcSessionId", "A".repeat(10_000)),
            401,
        ),
        case(
            "em: non-UTF-8 token header",
            c.get(em("jobs"))
                .header("X-RestSvcSessionId", non_utf8.clone()),
            401,
        ),
        case(
            "em: oversized headers",
            c.get(em("jobs")).header("X-Padding", big_header.clone()),
            431,
        ),
        case(
            "em: long garbage version",
            c.post(em("sessionMngr/")).query(&[("v", "x".repeat(1024))]),
            400,
        ),
        case(
            "em: garbage logon session id",
            c.get(em("logonSessions/not-a-uuid"))
                .header("X-RestSvcSessionId", &em_token),
            404,
        ),
        case(
            "em: unknown job action",
            c.post(em(
                "jobs/00000000-0000-0000-0000-000000000000?action=explode",
            ))
            .header("X-RestSvcSessionId", &em_token),
            400,
        ),
        case(
            "em: job action without action",
            c.post(em("jobs/abc"))
                .header("X-RestSvcSessionId", &em_token),
            400,
        ),
        case(
            "em: garbage task id",
            c.get(em("tasks/task-abc"))
                .header("X-RestSvcSessionId", &em_token),
            404,
        ),
        case("em: unknown path", c.get(em("no/such/path/at/all")), 404),
        case("em: wrong method on root", c.put(em("")), 405),
        case(
            "vbr: truncated form",
            token()
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=pass%"),
            400,
        ),
        case(
            "vbr: truncated JSON body",
            token()
                .header("Content-Type", "application/json")
                .body("{\"grant_type\": \"pass"),
            400,
        ),
        case(
            "vbr: JSON array body",
            token()
                .header("Content-Type", "application/json")
                .body("[]"),
            400,
        ),
        case(
            "vbr: non-UTF-8 body",
            token().body(vec![0xffu8, 0xfe, 0x00, 0x3d]),
            400,
        ),
        case("vbr: oversized body", token().body(big_body.clone()), 413),
        case(
            "vbr: conflicting x-api-version headers",
            c.get(vbr("v1/jobs"))
                .header("x-api-version", "1.2-rev1")
                .header("x-api-version", "1.3-rev0"),
            400,
        ),
        case(
            "vbr: non-UTF-8 x-api-version",
            c.get(vbr("v1/jobs"))
                .header("x-api-version", non_utf8.clone()),
            400,
        ),
        case(
            "vbr: garbage bearer",
            c.get(vbr("v1/jobs"))
                .header("x-api-version", V)
                .bearer_auth("garbage"),
            401,
        ),
        case(
            "vbr: empty bearer",
            c.get(vbr("v1/jobs"))
                .header("x-api-version", V)
                .header("Authorization", "Bearer "),
            401,
        ),
        case(
            "vbr: EM token as bearer (foreign product)",
            c.get(vbr("v1/jobs"))
                .header("x-api-version", V)
                .bearer_auth(&em_token),
            401,
        ),
        case(
            "vbr: garbage refresh token",
            token().form(&[("grant_type", "refresh_token"), ("refresh_token", "zzz")]),
            401,
        ),
        case(
            "vbr: the MFA grant of other Veeam products does not exist",
            token().form(&[
                ("grant_type", "mfa"),
                ("mfa_token", "zzz"),
                ("mfa_code", "1"),
            ]),
            400,
        ),
        case(
            "vbr: garbage authorization code",
            token().form(&[("grant_type", "authorization_code"), ("code", "!!")]),
            401,
        ),
        case(
            "vbr: skip overflow",
            vget("v1/jobs?skip=99999999999999999999999999"),
            400,
        ),
        case("vbr: bad orderAsc", vget("v1/jobs?orderAsc=maybe"), 400),
        case(
            "vbr: unknown orderColumn",
            vget("v1/jobs?orderColumn=Colour"),
            400,
        ),
        case("vbr: garbage job id", vget("v1/jobs/%00%01"), 404),
        case(
            "vbr: unknown job action",
            c.post(vbr("v1/jobs/abc/explode"))
                .header("x-api-version", V)
                .bearer_auth(&vbr_token),
            404,
        ),
        case("vbr: unknown path", vget("v2/everything"), 404),
        case(
            "zvm: truncated JSON logon body",
            c.post(zvm("v1/session/add"))
                .header("Authorization", basic("admin", defaults::ADMIN_PASSWORD))
                .header("Content-Type", "application/json")
                .body("{\"Authentication"),
            400,
        ),
        case(
            "zvm: malformed XML logon body",
            c.post(zvm("v1/session/add"))
                .header("Authorization", basic("admin", defaults::ADMIN_PASSWORD))
                .header("Content-Type", "application/xml")
                .body("<AuthenticationMethod>x"),
            400,
        ),
        case(
            "zvm: AuthenticationMethod not a number",
            c.post(zvm("v1/session/add"))
                .header("Authorization", basic("admin", defaults::ADMIN_PASSWORD))
                .header("Content-Type", "application/json")
                .body("{\"AuthenticationMethod\": \"abc\"}"),
            400,
        ),
        case(
            "zvm: oversized logon body",
            c.post(zvm("v1/session/add"))
                .header("Authorization", basic("admin", defaults::ADMIN_PASSWORD))
                .body(big_body.clone()),
            413,
        ),
        case(
            "zvm: garbage session header",
            c.get(zvm("v1/vpgs")).header("x-zerto-session", "garbage"),
            401,
        ),
        case(
            "zvm: non-UTF-8 session header",
            c.get(zvm("v1/vpgs"))
                .header("x-zerto-session", non_utf8.clone()),
            401,
        ),
        case(
            "zvm: EM token as session (foreign product)",
            c.get(zvm("v1/vpgs")).header("x-zerto-session", &em_token),
            401,
        ),
        case(
            "zvm: VBR token as bearer (foreign product)",
            c.get(zvm("v1/vpgs")).bearer_auth(&vbr_token),
            401,
        ),
        case(
            "zvm: OIDC non-UTF-8 body",
            c.post(zvm("auth/realms/zerto/protocol/openid-connect/token"))
                .body(vec![0xffu8, 0xfe]),
            400,
        ),
        case(
            "zvm: OIDC without grant_type",
            c.post(zvm("auth/realms/zerto/protocol/openid-connect/token"))
                .form(&[("client_id", "zerto-client")]),
            400,
        ),
        case(
            "zvm: OIDC garbage refresh token",
            c.post(zvm("auth/realms/zerto/protocol/openid-connect/token"))
                .form(&[("grant_type", "refresh_token"), ("refresh_token", "zzz")]),
            400,
        ),
        case(
            "zvm: non-UTF-8 task id",
            c.get(zvm("v1/tasks/%ff"))
                .header("x-zerto-session", &zvm_session),
            400,
        ),
        case(
            "zvm: unknown task id",
            c.get(zvm("v1/tasks/nope"))
                .header("x-zerto-session", &zvm_session),
            404,
        ),
        case(
            "zvm: unknown path",
            c.get(zvm("v2/vpgs"))
                .header("x-zerto-session", &zvm_session),
            404,
        ),
        case(
            "zvm: wrong method",
            c.put(zvm("v1/vpgs"))
                .header("x-zerto-session", &zvm_session),
            405,
        ),
    ];
    assert!(cases.len() >= 40, "R1 asks for at least 40 named cases");
    let live = |emu: &Emulator| {
        [Product::Em, Product::Vbr, Product::Zvm].map(|p| emu.admin().live_sessions(p))
    };
    let before = live(&emu);
    assert_eq!(before, [1, 1, 1]);
    let mut failures = Vec::new();
    for case in cases {
        let resp = case
            .request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        if status != case.expected || body.is_empty() {
            failures.push(format!(
                "{}: got {status} with {} body bytes, expected {}",
                case.name,
                body.len(),
                case.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(live(&emu), before, "the session table is unchanged");
    // Still serving.
    let resp = c
        .get(format!("{}api/jobs", emu.em_url()))
        .header("X-RestSvcSessionId", &em_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
