//! R1, emulator side: named bad requests to every endpoint of the three products (and the admin
//! API's settings that take a lifetime or a duration). Each answers a 4xx with a clear body
//! (non-empty, UTF-8 text), nothing panics, and the session table (the live sessions of each
//! product, through `Admin::live_sessions`) is the same after every single case.
//!
//! Included by `r1_client_bad_input.rs`, which runs it after the client table and prints the
//! counts of both parts and the total.

use base64::Engine as _;
use reqwest::header::HeaderValue;
use reqwest::{Certificate, Client, RequestBuilder, StatusCode};
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use serde_json::Value;

async fn start() -> Emulator {
    restpoint_hardening::install_crypto_provider();
    Emulator::start(EmulatorConfig::for_tests().with_admin_port(Some(0)))
        .await
        .expect("emulator starts")
}

/// A client that trusts only the emulator's CA, follows no redirects, keeps no cookies.
fn client(emu: &Emulator) -> Client {
    let ca = Certificate::from_pem(emu.ca_pem().as_bytes()).expect("CA PEM");
    Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

async fn em_admin_logon(c: &Client, emu: &Emulator) -> reqwest::Response {
    c.post(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap()
}

fn header_text(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()[name].to_str().unwrap().to_owned()
}

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

/// EM session id, VBR access and refresh tokens, ZVM session of fresh logons.
async fn tokens_and_refresh(c: &Client, emu: &Emulator) -> (String, String, String, String) {
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
    (
        em,
        vbr["access_token"].as_str().unwrap().to_string(),
        vbr["refresh_token"].as_str().unwrap().to_string(),
        zvm,
    )
}

/// Runs every case; answers the number of cases and the failures.
pub async fn matrix() -> (usize, Vec<String>) {
    let emu = start().await;
    let c = client(&emu);
    // Expired tokens: logons whose idle time / lifetime then runs out on the virtual clock
    // (EM 15 min idle, VBR 900 s access token, ZVM 30 min dormancy).
    let (em_expired, vbr_expired, _, zvm_expired) = tokens_and_refresh(&c, &emu).await;
    emu.admin()
        .advance(std::time::Duration::from_secs(31 * 60))
        .unwrap();
    // Logged-out (revoked) tokens.
    let (em_revoked, vbr_revoked, vbr_refresh_revoked, zvm_revoked) =
        tokens_and_refresh(&c, &emu).await;
    assert!(emu.admin().revoke_token(Product::Em, &em_revoked));
    assert!(emu.admin().revoke_token(Product::Vbr, &vbr_revoked));
    assert!(emu.admin().revoke_token(Product::Zvm, &zvm_revoked));
    let (em_token, vbr_token, vbr_refresh, zvm_session) = tokens_and_refresh(&c, &emu).await;
    let admin = |p: &str| format!("{}admin/{p}", emu.admin_url().expect("admin listener"));
    let bom_json = |json: &str| {
        let mut v = vec![0xEF, 0xBB, 0xBF];
        v.extend_from_slice(json.as_bytes());
        v
    };
    let huge = u64::MAX.to_string();
    let em = |p: &str| format!("{}api/{p}", emu.em_url());
    let vbr = |p: &str| format!("{}api/{p}", emu.vbr_url());
    let zvm = |p: &str| format!("{}{p}", emu.zvm_url());
    let non_utf8 = HeaderValue::from_bytes(b"\xff\xfe\xfd").unwrap();
    let big_header = "x".repeat(20 * 1024);
    let big_body = "a=".to_string() + &"b".repeat(100 * 1024);
    let logon = || c.post(em("sessionMngr/?v=latest"));
    let token = || c.post(vbr("oauth2/token")).header("x-api-version", V);
    let vget_with =
        |p: &str, bearer: &str| c.get(vbr(p)).header("x-api-version", V).bearer_auth(bearer);
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
        // ---------------- expired, revoked, foreign and garbage tokens
        case("em: expired session (idle past 15 min)", c.get(em("jobs")).header("X-RestSvcSessionId", &em_expired), 401),
        case("em: logged-out session", c.get(em("jobs")).header("X-RestSvcSessionId", &em_revoked), 401),
        case("em: VBR bearer token as session id (foreign product)", c.get(em("jobs")).header("X-RestSvcSessionId", &vbr_token), 401),
        case("em: ZVM session as session id (foreign product)", c.get(em("jobs")).header("X-RestSvcSessionId", &zvm_session), 401),
        case("em: expired session as cookie", c.get(em("jobs")).header("Cookie", format!("X-RestSvcSessionId={em_expired}")), 401),
        case("vbr: expired access token", vget_with("v1/jobs", &vbr_expired), 401),
        case("vbr: logged-out access token", vget_with("v1/jobs", &vbr_revoked), 401),
        case("vbr: refresh token as bearer", vget_with("v1/jobs", &vbr_refresh), 401),
        case("vbr: ZVM session as bearer (foreign product)", vget_with("v1/jobs", &zvm_session), 401),
        case("vbr: non-UTF-8 bearer", c.get(vbr("v1/jobs")).header("x-api-version", V).header("Authorization", HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap()), 401),
        case("vbr: access token as refresh token", token().form(&[("grant_type", "refresh_token"), ("refresh_token", vbr_token.as_str())]), 401),
        case("vbr: logged-out session's refresh token", token().form(&[("grant_type", "refresh_token"), ("refresh_token", vbr_refresh_revoked.as_str())]), 401),
        case("zvm: expired session (dormant past 30 min)", c.get(zvm("v1/vpgs")).header("x-zerto-session", &zvm_expired), 401),
        case("zvm: logged-out session", c.get(zvm("v1/vpgs")).header("x-zerto-session", &zvm_revoked), 401),
        case("zvm: VBR refresh token to the OIDC endpoint (foreign product)", c.post(zvm("auth/realms/zerto/protocol/openid-connect/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", vbr_refresh.as_str()), ("client_id", "zerto-client")]), 400),
        // ---------------- BOM-prefixed and malformed bodies, wrong content types
        case("vbr: BOM-prefixed form", token().header("content-type", "application/x-www-form-urlencoded").body(bom_json("grant_type=password&username=x&password=y")), 400),
        case("vbr: JSON token request with a numeric grant_type", token().json(&serde_json::json!({"grant_type": 5, "username": defaults::ADMIN_USER, "password": defaults::ADMIN_PASSWORD})), 400),
        case("vbr: wrong content type (text/plain) with a garbage body", token().header("content-type", "text/plain").body("\u{1}\u{2} not a form at all"), 400),
        case("vbr: doubled grant_type, an unknown one first", token().header("content-type", "application/x-www-form-urlencoded").body(format!("grant_type=bogus&grant_type=password&username={}&password={}", defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)), 400),
        case("vbr: oversized token request", token().header("content-type", "application/x-www-form-urlencoded").body(big_body.clone()), 413),
        case("zvm: BOM-prefixed JSON logon body", c.post(zvm("v1/session/add")).header("content-type", "application/json").body(bom_json(r#"{"AuthenticationMethod":1}"#)), 400),
        case("zvm: OIDC BOM-prefixed form", c.post(zvm("auth/realms/zerto/protocol/openid-connect/token")).header("content-type", "application/x-www-form-urlencoded").body(bom_json("grant_type=password&username=x&password=y&client_id=zerto-client")), 400),
        case("zvm: OIDC JSON body (wrong content type)", c.post(zvm("auth/realms/zerto/protocol/openid-connect/token")).json(&serde_json::json!({"grant_type": "password"})), 400),
        case("zvm: OIDC truncated form", c.post(zvm("auth/realms/zerto/protocol/openid-connect/token")).header("content-type", "application/x-www-form-urlencoded").body("grant_type=pass%"), 400),
        case("zvm: OIDC oversized body", c.post(zvm("auth/realms/zerto/protocol/openid-connect/token")).header("content-type", "application/x-www-form-urlencoded").body(big_body.clone()), 413),
        case("em: oversized logon body", logon().header("content-type", "application/xml").body(big_body.clone()), 400),
        case("em: truncated XML logon body without credentials", logon().header("content-type", "application/xml").body("<LogonSession xmlns=\"http://www.veeam.com/ent/v1.0\"><User"), 401),
        case("em: BOM-prefixed JSON logon body without credentials", logon().header("content-type", "application/json").body(bom_json("{}")), 401),
        // ---------------- headers: missing, doubled, non-UTF-8
        case("em: non-UTF-8 session cookie", c.get(em("jobs")).header("Cookie", HeaderValue::from_bytes(b"X-RestSvcSessionId=\xff\xfe").unwrap()), 401),
        case("vbr: missing x-api-version on a resource", c.get(vbr("v1/jobs")).bearer_auth(&vbr_token), 400),
        case("vbr: missing x-api-version on the token endpoint", c.post(vbr("oauth2/token")).form(&[("grant_type", "password"), ("username", "x"), ("password", "y")]), 400),
        case("zvm: missing session header", c.get(zvm("v1/vpgs")), 401),
        case("zvm: oversized session header", c.get(zvm("v1/vpgs")).header("x-zerto-session", &big_header), 431),
        // ---------------- lifetimes and durations (admin API): negative, overflowing
        case("admin: negative clock advance", c.post(admin("clock/advance")).json(&serde_json::json!({"seconds": -5})), 400),
        case("admin: overflowing clock advance", c.post(admin("clock/advance")).header("content-type", "application/json").body(format!(r#"{{"seconds": {huge}, "millis": {huge}}}"#)), 400),
        case("admin: negative lifetime", c.put(admin("lifetimes")).header("content-type", "application/json").body(lifetimes_with("vbr_access", "-1")), 400),
        case("admin: overflowing lifetime", c.put(admin("lifetimes")).header("content-type", "application/json").body(lifetimes_with("em_idle", &huge)), 400),
        case("admin: lifetime beyond 64 bits", c.put(admin("lifetimes")).header("content-type", "application/json").body(lifetimes_with("zvm_dormancy", "18446744073709551616")), 400),
        case("admin: negative throttle", c.post(admin("faults")).json(&serde_json::json!({"product": "vbr", "fault": {"throttle": -1}})), 400),
    ];
    let n = cases.len();
    let live = |emu: &Emulator| {
        [Product::Em, Product::Vbr, Product::Zvm].map(|p| emu.admin().live_sessions(p))
    };
    let before = live(&emu);
    assert_eq!(
        before,
        [1, 1, 1],
        "expired and revoked sessions are not live"
    );
    let lifetimes_before = emu.admin().lifetimes();
    let mut failures = Vec::new();
    for case in cases {
        let resp = match case.request.send().await {
            Ok(resp) => resp,
            Err(e) => {
                failures.push(format!("{}: no answer: {e}", case.name));
                continue;
            }
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        let clear = std::str::from_utf8(&body)
            .is_ok_and(|text| text.chars().filter(|c| c.is_alphabetic()).count() >= 3);
        if status != case.expected || !clear {
            failures.push(format!(
                "{}: got {status} with {} body bytes (clear text: {clear}), expected {}",
                case.name,
                body.len(),
                case.expected
            ));
        }
        let now = live(&emu);
        if now != before {
            failures.push(format!(
                "{}: live sessions {before:?} -> {now:?}",
                case.name
            ));
        }
    }
    if emu.admin().lifetimes() != lifetimes_before {
        failures.push("the refused lifetimes changed the emulator's lifetimes".to_owned());
    }
    // Still serving.
    let resp = c
        .get(format!("{}api/jobs", emu.em_url()))
        .header("X-RestSvcSessionId", &em_token)
        .send()
        .await
        .unwrap();
    if resp.status() != StatusCode::OK {
        failures.push(format!("after the cases: EM answers {}", resp.status()));
    }
    (n, failures)
}

/// The emulator's default lifetimes as JSON (seconds), with `field` set to the raw `value`.
fn lifetimes_with(field: &str, value: &str) -> String {
    let defaults = serde_json::to_value(restpoint_emulator::Lifetimes::default()).unwrap();
    let mut text = String::from("{");
    for (i, (name, v)) in defaults.as_object().unwrap().iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let v = if name == field {
            value.to_owned()
        } else {
            v.to_string()
        };
        text.push_str(&format!("\"{name}\": {v}"));
    }
    text.push('}');
    text
}
