//! R1: a table of named bad server answers fed to every client parser, and a table of named
//! bad requests sent to every emulator endpoint (`r1/emulator.rs`). Each client row states the
//! typed error it must give (or `Ok` where a rule says the input is tolerated: a BOM before EM
//! JSON, EM-15); each emulator case a 4xx with a clear body and an unchanged session table; no
//! row may panic. `-- --nocapture` prints the count of each part and the total.
//!
//! Rows are of four kinds: a document handed to a parser directly (EM XML and JSON models, the
//! VBR token answer, the ZVM `x-zerto-session` header); an answer served over real TLS by a
//! small local server ([`BadServer`]) to a real client (VBR and ZVM logons, the ZVM Appliance's
//! OpenID Connect token body, EM logon, bodies of generated operations); and the emulator's own
//! `Fault::MalformedBody` on a typed call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::response::Response;
use restpoint_em::session::EmSession;
use restpoint_em::{LogonSession, parse_json, parse_xml};
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_hardening::tls::{self, CertSpec, Server};
use restpoint_session::{Context, Credentials, HttpOptions};
use restpoint_vbr::VbrSession;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

#[path = "r1/emulator.rs"]
mod emulator;

// ---------------------------------------------------------------- the bad server

/// One canned answer: the first rule whose method and path prefix match answers.
#[derive(Clone)]
struct Rule {
    method: Method,
    path: &'static str,
    status: u16,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

fn rule(method: Method, path: &'static str, status: u16, body: impl Into<Vec<u8>>) -> Rule {
    Rule {
        method,
        path,
        status,
        headers: vec![("content-type", b"application/json".to_vec())],
        body: body.into(),
    }
}

impl Rule {
    fn header(mut self, name: &'static str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn xml(mut self) -> Self {
        self.headers[0].1 = b"application/xml".to_vec();
        self
    }
}

#[derive(Default)]
struct BadState {
    rules: Mutex<Vec<Rule>>,
    requests: AtomicU64,
}

async fn answer(state: Arc<BadState>, request: Request<Body>) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let path = request.uri().path().to_ascii_lowercase();
    let found = state
        .rules
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.method == request.method() && path.starts_with(r.path))
        .cloned();
    let Some(rule) = found else {
        return Response::builder()
            .status(404)
            .body(Body::from("no rule"))
            .unwrap();
    };
    let mut response = Response::builder().status(StatusCode::from_u16(rule.status).unwrap());
    for (name, value) in &rule.headers {
        response = response.header(
            HeaderName::from_static(name),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    response.body(Body::from(Bytes::from(rule.body))).unwrap()
}

struct BadServer {
    server: Server,
    state: Arc<BadState>,
}

impl BadServer {
    async fn start() -> BadServer {
        let state = Arc::new(BadState::default());
        let shared = state.clone();
        let router = Router::new().fallback(move |request: Request<Body>| {
            let state = shared.clone();
            async move { answer(state, request).await }
        });
        let material = tls::make(&CertSpec::localhost()).unwrap();
        let server = Server::start(router, &material).await.unwrap();
        BadServer { server, state }
    }

    fn set(&self, rules: Vec<Rule>) {
        *self.state.rules.lock().unwrap() = rules;
        self.state.requests.store(0, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- rows

/// A client call against the bad server or the emulator.
#[derive(Clone, Copy, Debug)]
enum Call {
    /// `VbrSession` password logon.
    VbrLogon,
    /// VBR logon, then the generated `GetAllJobs`.
    VbrJobs,
    /// VBR logon, then `GET /api/v1/jobs` through `Session::send`.
    VbrSend,
    /// ZVM Windows logon (`x-zerto-session`).
    ZvmLogon,
    /// ZVM Appliance logon (OpenID Connect token body).
    ZvmOidcLogon,
    /// ZVM logon, then the generated `GetVpgs`.
    ZvmVpgs,
    /// EM logon (discovery, `X-RestSvcSessionId`, `LogonSession` body).
    EmLogon,
    /// EM logon, then `get_resource::<LogonSession>` of the session's own href.
    EmGetResource,
}

enum Input {
    EmXml(Vec<u8>),
    EmJson(Vec<u8>),
    VbrToken(u16, Vec<u8>),
    ZvmHeaders(Vec<(&'static str, Vec<u8>)>),
    Http(Vec<Rule>, Call),
    EmulatorFault(Product, Fault, Call),
}

struct Row {
    name: &'static str,
    input: Input,
    /// `Variant|text`: the error's variant (from `Debug`) and a piece of its `Display`.
    expect: &'static str,
}

fn row(name: &'static str, input: Input, expect: &'static str) -> Row {
    Row {
        name,
        input,
        expect,
    }
}

/// What a row gave: the error's variant name and its `Display`, or `Ok`.
type Got = Result<(), (String, String)>;

fn got<E: std::fmt::Debug + std::fmt::Display>(result: Result<impl Sized, E>) -> Got {
    result.map(|_| ()).map_err(|e| {
        let debug = format!("{e:?}");
        let variant = debug
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or_default()
            .to_owned();
        (variant, e.to_string())
    })
}

const TOKEN_OK: &str =
    r#"{"access_token":"at-ok","token_type":"bearer","refresh_token":"rt-ok","expires_in":900}"#;

fn em_logon_session_xml(base: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><LogonSession Href="{base}api/logonSessions/1" Type="LogonSession" xmlns="http://www.veeam.com/ent/v1.0"><Links><Link Href="{base}api/logonSessions/1" Type="LogonSession" Rel="Delete"/></Links><UserName>admin</UserName><SessionId>1</SessionId></LogonSession>"#
    )
}

fn session_xml(inner: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><LogonSession Href="https://em/api/logonSessions/1" Type="LogonSession" xmlns="http://www.veeam.com/ent/v1.0">{inner}</LogonSession>"#
    )
    .into_bytes()
}

/// `body` behind a UTF-8 byte-order mark.
fn bom(body: &[u8]) -> Vec<u8> {
    let mut v = vec![0xEF, 0xBB, 0xBF];
    v.extend_from_slice(body);
    v
}

fn rows(base: &str) -> Vec<Row> {
    use Input::*;
    let good_xml = session_xml("<UserName>admin</UserName><SessionId>1</SessionId>");
    let em_logon_ok = |token: Vec<u8>, body: Vec<u8>| {
        vec![
            rule(Method::GET, "/api", 200, "not xml").xml(),
            rule(Method::POST, "/api/sessionmngr", 201, body)
                .xml()
                .header("x-restsvcsessionid", token),
        ]
    };
    let vbr_ok = |then: Rule| vec![rule(Method::POST, "/api/oauth2/token", 200, TOKEN_OK), then];
    let zvm_ok = |then: Rule| {
        vec![
            rule(Method::POST, "/v1/session/add", 200, "").header("x-zerto-session", "zs-ok"),
            then,
        ]
    };
    let oidc = |status: u16, body: &str| {
        vec![rule(
            Method::POST,
            "/auth/realms/zerto/protocol/openid-connect/token",
            status,
            body.to_owned(),
        )]
    };
    let oidc_bytes = |status: u16, body: Vec<u8>| {
        vec![rule(
            Method::POST,
            "/auth/realms/zerto/protocol/openid-connect/token",
            status,
            body,
        )]
    };
    let ten_mb = |open: &str, fill: u8, close: &str| {
        let mut v = open.as_bytes().to_vec();
        v.resize(10 * 1024 * 1024, fill);
        v.extend_from_slice(close.as_bytes());
        v
    };
    vec![
        // -------- EM XML model (parse_xml::<LogonSession>)
        row("em_xml_truncated", EmXml(good_xml[..good_xml.len() / 2].to_vec()), "Malformed|malformed document"),
        row("em_xml_empty", EmXml(vec![]), "NoRoot|no root element"),
        // Found by fuzz/em_xml: a document cut off inside an unknown element hung the reader.
        row("em_xml_cut_inside_unknown_element", EmXml(br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0"><Links><L>"#.to_vec()), "Malformed|unexpected end of document"),
        row("em_xml_cut_inside_links", EmXml(br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0"><Links><Link Href="a"/>"#.to_vec()), "Malformed|unexpected end of document"),
        row("em_xml_whitespace_only", EmXml(b"  \n\t ".to_vec()), "NoRoot|no root element"),
        row("em_xml_wrong_namespace", EmXml(br#"<LogonSession xmlns="http://evil.example/ns"><UserName>a</UserName><SessionId>1</SessionId></LogonSession>"#.to_vec()), "WrongNamespace|namespace"),
        row("em_xml_no_namespace", EmXml(b"<LogonSession><UserName>a</UserName><SessionId>1</SessionId></LogonSession>".to_vec()), "WrongNamespace|namespace"),
        row("em_xml_wrong_root", EmXml(br#"<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0"/>"#.to_vec()), "WrongRoot|found root element EnterpriseManager"),
        row("em_xml_entity_expansion_billion_laughs", EmXml(br#"<?xml version="1.0"?><!DOCTYPE LogonSession [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><LogonSession xmlns="http://www.veeam.com/ent/v1.0"><UserName>&c;</UserName><SessionId>1</SessionId></LogonSession>"#.to_vec()), "DocType|document type declarations are not accepted"),
        row("em_xml_external_entity", EmXml(br#"<?xml version="1.0"?><!DOCTYPE LogonSession [<!ENTITY x SYSTEM "file:///etc/passwd">]><LogonSession xmlns="http://www.veeam.com/ent/v1.0"><UserName>&x;</UserName></LogonSession>"#.to_vec()), "DocType|document type declarations"),
        row("em_xml_undefined_entity", EmXml(session_xml("<UserName>&nope;</UserName><SessionId>1</SessionId>")), "Malformed|entity"),
        row("em_xml_deeply_nested_100k", EmXml(session_xml(&format!("<UserName>a</UserName><SessionId>1</SessionId><X>{}{}</X>", "<a>".repeat(100_000), "</a>".repeat(100_000)))), "TooDeep|"),
        row("em_xml_10mb", EmXml(ten_mb(r#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0"><UserName>"#, b'a', "</UserName></LogonSession>")), "TooLarge|exceeds the limit"),
        row("em_xml_non_utf8", EmXml(session_xml("<UserName>\u{fffd}</UserName><SessionId>1</SessionId>").into_iter().map(|b| if b == 0xEF { 0xFF } else { b }).collect()), "NotUtf8|not valid utf-8"),
        row("em_xml_utf16_bom", EmXml(vec![0xFF, 0xFE, b'<', 0, b'a', 0, b'/', 0, b'>', 0]), "NotUtf8|not valid utf-8"),
        row("em_xml_mismatched_tags", EmXml(session_xml("<UserName>a</SessionId>")), "Malformed|malformed document"),
        row("em_xml_duplicate_session_id", EmXml(session_xml("<UserName>a</UserName><SessionId>1</SessionId><SessionId>2</SessionId>")), "DuplicateField|SessionId"),
        row("em_xml_text_before_root", EmXml(br#"garbage<LogonSession xmlns="http://www.veeam.com/ent/v1.0"/>"#.to_vec()), "Malformed|content before the root element"),
        row("em_xml_html_error_page", EmXml(b"<html><body>502 Bad Gateway</body></html>".to_vec()), "WrongRoot|found root element html"),
        // -------- EM JSON model (parse_json::<LogonSession>)
        row("em_json_truncated", EmJson(br#"{"Href":"https://em/api/logonSessions/1","UserName":"a","#.to_vec()), "Malformed|unexpected end of document"),
        row("em_json_empty", EmJson(vec![]), "Malformed|unexpected end of document"),
        row("em_json_array_root", EmJson(b"[1,2,3]".to_vec()), "InvalidValue|"),
        row("em_json_deeply_nested_100k", EmJson(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()), "Malformed|"),
        row("em_json_10mb", EmJson(ten_mb(r#"{"UserName":""#, b'a', r#""}"#)), "TooLarge|exceeds the limit"),
        row("em_json_non_utf8", EmJson(b"{\"UserName\":\"\xff\xfe\",\"SessionId\":\"1\"}".to_vec()), "Malformed|"),
        row("em_json_link_not_an_object", EmJson(br#"{"Href":"h","Type":"LogonSession","Links":[5],"UserName":"a","SessionId":"1"}"#.to_vec()), "InvalidValue|Links"),
        row("em_json_links_not_array", EmJson(br#"{"Href":"h","Type":"LogonSession","Links":"x","UserName":"a","SessionId":"1"}"#.to_vec()), "InvalidValue|Links"),
        // -------- VBR token answer (read_token_answer)
        row("vbr_token_truncated_json", VbrToken(200, TOKEN_OK.as_bytes()[..30].to_vec()), "Protocol|malformed json body"),
        row("vbr_token_html_body", VbrToken(200, b"<html>login</html>".to_vec()), "Protocol|malformed json body at .: syntax error"),
        row("vbr_token_empty_object", VbrToken(200, b"{}".to_vec()), "Protocol|missing access_token"),
        row("vbr_token_access_token_null", VbrToken(200, br#"{"access_token":null}"#.to_vec()), "Protocol|missing access_token"),
        row("vbr_token_expires_in_string", VbrToken(200, br#"{"access_token":"a","expires_in":"900"}"#.to_vec()), "Protocol|malformed json body at expires_in"),
        row("vbr_token_expires_in_negative", VbrToken(200, br#"{"access_token":"a","expires_in":-1}"#.to_vec()), "Protocol|malformed json body at expires_in"),
        row("vbr_token_access_token_number", VbrToken(200, br#"{"access_token":42}"#.to_vec()), "Protocol|malformed json body at access_token"),
        row("vbr_token_mfa_token_only", VbrToken(200, br#"{"mfa_token":"m"}"#.to_vec()), "Protocol|missing access_token"),
        row("vbr_error_401_mfa_enabled", VbrToken(401, br#"{"errorCode":"AccessDenied","message":"MFA is enabled for this account"}"#.to_vec()), "Auth|multi-factor authentication is on"),
        row("vbr_token_non_utf8", VbrToken(200, b"{\"access_token\":\"\xff\"}".to_vec()), "Protocol|malformed json body"),
        row("vbr_token_10mb_garbage", VbrToken(200, ten_mb("{", b'[', "}")), "Protocol|malformed json body"),
        row("vbr_token_status_out_of_range", VbrToken(999, TOKEN_OK.as_bytes().to_vec()), "Protocol|vbr logon (status 999): protocol violation: unexpected status"),
        row("vbr_error_401_garbage_body", VbrToken(401, b"\x00\x01garbage".to_vec()), "Auth|wrong credentials"),
        row("vbr_error_500_truncated_error_body", VbrToken(500, br#"{"errorCode":"UnknownEr"#.to_vec()), "Protocol|unexpected status"),
        row("vbr_error_400_error_code_wrong_type", VbrToken(400, br#"{"errorCode":17,"message":["x"]}"#.to_vec()), "Protocol|unexpected status"),
        row("vbr_error_403_empty", VbrToken(403, vec![]), "Auth|forbidden"),
        // -------- ZVM x-zerto-session header (session_token_from_headers)
        row("zvm_header_missing", ZvmHeaders(vec![]), "Protocol|missing header x-zerto-session"),
        row("zvm_header_doubled", ZvmHeaders(vec![("x-zerto-session", b"a".to_vec()), ("x-zerto-session", b"b".to_vec())]), "Protocol|invalid header x-zerto-session"),
        row("zvm_header_non_utf8", ZvmHeaders(vec![("x-zerto-session", b"\xff\xfe".to_vec())]), "Protocol|invalid header x-zerto-session"),
        row("zvm_header_empty", ZvmHeaders(vec![("x-zerto-session", b"".to_vec())]), "Protocol|invalid header x-zerto-session"),
        // -------- over real TLS: VBR
        row("http_vbr_token_truncated", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, &TOKEN_OK[..20])], Call::VbrLogon), "Protocol|vbr logon (status 200): protocol violation: malformed json body"),
        row("http_vbr_token_wrong_content_type_html", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, "<html/>").header("content-type", "text/html")], Call::VbrLogon), "Protocol|malformed json body"),
        row("http_vbr_token_with_newline_is_not_a_header", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, "{}")).into_iter().map(|mut r| { if r.path == "/api/oauth2/token" { r.body = br#"{"access_token":"a\nb","expires_in":900}"#.to_vec(); } r }).collect(), Call::VbrSend), "Protocol|invalid header access_token"),
        row("http_vbr_generated_malformed_json", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, r#"{"data":[{"#)), Call::VbrJobs), "Protocol|vbr GetAllJobs: protocol violation: malformed json body at line 1 column 10: unexpected end"),
        row("http_vbr_generated_wrong_shape", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, r#"{"data":5}"#)), Call::VbrJobs), "Protocol|malformed json body"),
        row("http_vbr_generated_500_garbage_error_body", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 500, "\u{0}garbage")), Call::VbrJobs), "Protocol|vbr GetAllJobs"),
        // -------- over real TLS: ZVM
        row("http_zvm_logon_no_header", Http(vec![rule(Method::POST, "/v1/session/add", 200, "")], Call::ZvmLogon), "Protocol|missing header x-zerto-session"),
        row("http_zvm_logon_doubled_header", Http(vec![rule(Method::POST, "/v1/session/add", 200, "").header("x-zerto-session", "a").header("x-zerto-session", "b")], Call::ZvmLogon), "Protocol|invalid header x-zerto-session"),
        row("http_zvm_logon_non_utf8_header", Http(vec![rule(Method::POST, "/v1/session/add", 200, "").header("x-zerto-session", b"\xff\xfeid".to_vec())], Call::ZvmLogon), "Protocol|invalid header x-zerto-session"),
        row("http_zvm_generated_malformed_json", Http(zvm_ok(rule(Method::GET, "/v1/vpgs", 200, "[{\"VpgName\":")), Call::ZvmVpgs), "Protocol|zvm GetVpgs: protocol violation: malformed json body"),
        row("http_zvm_oidc_truncated", Http(oidc(200, r#"{"access_token":"a","#), Call::ZvmOidcLogon), "Protocol|malformed json body"),
        row("http_zvm_oidc_missing_access_token", Http(oidc(200, r#"{"token_type":"Bearer"}"#), Call::ZvmOidcLogon), "Protocol|malformed json body"),
        row("http_zvm_oidc_expires_in_string", Http(oidc(200, r#"{"access_token":"a","expires_in":"300"}"#), Call::ZvmOidcLogon), "Protocol|malformed json body at expires_in"),
        row("http_zvm_oidc_500", Http(oidc(500, "oops"), Call::ZvmOidcLogon), "Protocol|unexpected status"),
        row("http_zvm_oidc_400_garbage", Http(oidc(400, "\u{0}\u{1}"), Call::ZvmOidcLogon), "Auth|wrong credentials"),
        // -------- over real TLS: EM
        row("http_em_logon_missing_session_header", Http(vec![rule(Method::GET, "/api", 200, "x").xml(), rule(Method::POST, "/api/sessionmngr", 201, em_logon_session_xml(base)).xml()], Call::EmLogon), "Protocol|missing header X-RestSvcSessionId"),
        row("http_em_logon_non_utf8_session_header", Http(em_logon_ok(b"\xff\xfe".to_vec(), em_logon_session_xml(base).into_bytes()), Call::EmLogon), "Protocol|invalid header X-RestSvcSessionId"),
        row("http_em_logon_truncated_body", Http(em_logon_ok(b"tok".to_vec(), em_logon_session_xml(base).as_bytes()[..80].to_vec()), Call::EmLogon), "Protocol|em logon (status 201): protocol violation: malformed em body at LogonSession: malformed document"),
        row("http_em_logon_doctype_body", Http(em_logon_ok(b"tok".to_vec(), br#"<!DOCTYPE x [<!ENTITY a "b">]><LogonSession xmlns="http://www.veeam.com/ent/v1.0"/>"#.to_vec()), Call::EmLogon), "Protocol|malformed em body at LogonSession: document type declarations are not accepted"),
        row("http_em_logon_no_delete_link", Http(em_logon_ok(b"tok".to_vec(), br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0"><UserName>a</UserName><SessionId>1</SessionId></LogonSession>"#.to_vec()), Call::EmLogon), "Protocol|missing Rel=\"Delete\" link"),
        // -------- BOM-prefixed JSON: tolerated by EM (EM-15), a typed error elsewhere
        row("em_json_bom_prefixed_is_tolerated", EmJson(bom(br#"{"Href":"https://em/api/logonSessions/1","Type":"LogonSession","UserName":"a","SessionId":"1"}"#)), "Ok|"),
        row("em_json_bom_then_truncated", EmJson(bom(br#"{"UserName":"a","#)), "Malformed|unexpected end of document"),
        row("em_json_two_boms", EmJson(bom(&bom(br#"{"UserName":"a","SessionId":"1"}"#))), "Malformed|"),
        row("em_json_utf16le_bom", EmJson(vec![0xFF, 0xFE, b'{', 0, b'}', 0]), "Malformed|"),
        row("vbr_token_bom_prefixed", VbrToken(200, bom(TOKEN_OK.as_bytes())), "Protocol|malformed json body"),
        row("http_vbr_token_bom_prefixed", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, bom(TOKEN_OK.as_bytes()))], Call::VbrLogon), "Protocol|vbr logon (status 200): protocol violation: malformed json body"),
        row("http_vbr_generated_bom_prefixed", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, bom(br#"{"data":[],"pagination":{"total":0,"count":0,"skip":0,"limit":200}}"#))), Call::VbrJobs), "Protocol|vbr GetAllJobs: protocol violation: malformed json body"),
        row("http_zvm_oidc_bom_prefixed", Http(oidc_bytes(200, bom(br#"{"access_token":"a","expires_in":300}"#)), Call::ZvmOidcLogon), "Protocol|malformed json body"),
        row("http_zvm_generated_bom_prefixed", Http(zvm_ok(rule(Method::GET, "/v1/vpgs", 200, bom(b"[]"))), Call::ZvmVpgs), "Protocol|zvm GetVpgs: protocol violation: malformed json body"),
        // -------- more malformed and truncated documents
        row("em_json_trailing_garbage", EmJson(br#"{"UserName":"a","SessionId":"1"} trailing"#.to_vec()), "Malformed|"),
        row("em_xml_unquoted_attribute", EmXml(br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href=x><UserName>a</UserName></LogonSession>"#.to_vec()), "Malformed|"),
        row("em_xml_unterminated_cdata", EmXml(session_xml("<UserName><![CDATA[a</UserName>")), "Malformed|"),
        row("vbr_token_doubled_access_token", VbrToken(200, br#"{"access_token":"a","access_token":"b","expires_in":900}"#.to_vec()), "Protocol|malformed json body"),
        row("vbr_token_array_root", VbrToken(200, b"[]".to_vec()), "Protocol|malformed json body"),
        row("vbr_token_expires_in_float", VbrToken(200, br#"{"access_token":"a","expires_in":1e30}"#.to_vec()), "Protocol|malformed json body at expires_in"),
        row("vbr_token_expires_in_beyond_u64", VbrToken(200, br#"{"access_token":"a","expires_in":18446744073709551616}"#.to_vec()), "Protocol|malformed json body at expires_in"),
        // -------- overflowing, zero and negative lifetimes over real TLS
        row("http_vbr_token_expires_in_u64_max", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, "{}")).into_iter().map(|mut r| { if r.path == "/api/oauth2/token" { r.body = br#"{"access_token":"a","expires_in":18446744073709551615}"#.to_vec(); } r }).collect(), Call::VbrSend), "Protocol|unusable token lifetime in expires_in"),
        row("http_vbr_token_expires_in_zero", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, r#"{"access_token":"a","expires_in":0}"#)], Call::VbrLogon), "Protocol|unusable token lifetime in expires_in"),
        row("http_vbr_token_expires_in_negative", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, r#"{"access_token":"a","expires_in":-900}"#)], Call::VbrLogon), "Protocol|malformed json body at expires_in"),
        row("http_zvm_oidc_expires_in_u64_max", Http(oidc(200, r#"{"access_token":"a","expires_in":18446744073709551615}"#), Call::ZvmOidcLogon), "Protocol|unusable token lifetime in expires_in"),
        row("http_zvm_oidc_expires_in_negative", Http(oidc(200, r#"{"access_token":"a","expires_in":-1}"#), Call::ZvmOidcLogon), "Protocol|malformed json body at expires_in"),
        // -------- oversized bodies, wrong content types, missing and doubled headers
        row("http_vbr_token_oversized_6mb", Http(vec![rule(Method::POST, "/api/oauth2/token", 200, ten_mb("{\"access_token\":\"", b'a', "\"}")[..6 * 1024 * 1024].to_vec())], Call::VbrLogon), "Protocol|body larger than"),
        row("http_em_logon_oversized_6mb", Http(em_logon_ok(b"tok".to_vec(), ten_mb(r#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0"><UserName>"#, b'a', "</UserName></LogonSession>")[..6 * 1024 * 1024].to_vec()), Call::EmLogon), "Protocol|body larger than"),
        row("http_vbr_generated_xml_body_for_json", Http(vbr_ok(rule(Method::GET, "/api/v1/jobs", 200, "<jobs/>").xml()), Call::VbrJobs), "Protocol|vbr GetAllJobs: protocol violation: malformed json body"),
        row("http_zvm_oidc_html_login_page", Http(vec![rule(Method::POST, "/auth/realms/zerto/protocol/openid-connect/token", 200, "<html>login</html>").header("content-type", "text/html")], Call::ZvmOidcLogon), "Protocol|malformed json body"),
        row("http_em_logon_json_body_for_xml", Http(em_logon_ok(b"tok".to_vec(), br#"{"UserName":"a"}"#.to_vec()), Call::EmLogon), "Protocol|malformed em body"),
        row("http_em_logon_doubled_session_header", Http(vec![rule(Method::GET, "/api", 200, "x").xml(), rule(Method::POST, "/api/sessionmngr", 201, em_logon_session_xml(base)).xml().header("x-restsvcsessionid", "a").header("x-restsvcsessionid", "b")], Call::EmLogon), "Protocol|invalid header X-RestSvcSessionId"),
        row("http_em_logon_empty_session_header", Http(em_logon_ok(b"".to_vec(), em_logon_session_xml(base).into_bytes()), Call::EmLogon), "Protocol|invalid header X-RestSvcSessionId"),
        row("http_em_logon_401_garbage", Http(vec![rule(Method::GET, "/api", 200, "x").xml(), rule(Method::POST, "/api/sessionmngr", 401, "\u{0}garbage").xml()], Call::EmLogon), "Auth|wrong credentials"),
        // -------- the emulator throttling past the retry policy's cap (429 + Retry-After)
        row("emulator_vbr_429_retry_after_beyond_cap", EmulatorFault(Product::Vbr, Fault::Throttle(3600), Call::VbrJobs), "Throttled|vbr GetAllJobs (status 429): throttled by the server (429 too many requests); it asked to retry after 3600 s"),
        row("emulator_zvm_429_retry_after_beyond_cap", EmulatorFault(Product::Zvm, Fault::Throttle(3600), Call::ZvmVpgs), "Throttled|zvm GetVpgs (status 429): throttled by the server"),
        row("emulator_em_429_retry_after_beyond_cap", EmulatorFault(Product::Em, Fault::Throttle(3600), Call::EmGetResource), "Throttled|em GET LogonSession (status 429): throttled by the server (429 too many requests); it asked to retry after 3600 s"),
        // -------- the emulator's own malformed success bodies
        row("emulator_vbr_malformed_body_on_typed_call", EmulatorFault(Product::Vbr, Fault::MalformedBody, Call::VbrJobs), "Protocol|vbr GetAllJobs: protocol violation: malformed json body"),
        row("emulator_zvm_malformed_body_on_typed_call", EmulatorFault(Product::Zvm, Fault::MalformedBody, Call::ZvmVpgs), "Protocol|zvm GetVpgs: protocol violation: malformed json body"),
        row("emulator_em_malformed_body_on_resource", EmulatorFault(Product::Em, Fault::MalformedBody, Call::EmGetResource), "Protocol|em GET LogonSession (status 200): protocol violation: malformed em body"),
    ]
}

// ---------------------------------------------------------------- running a row

struct Ctx {
    bad: BadServer,
    emulator: Emulator,
}

fn options(ca_pem: &str) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(ca_pem)
        .unwrap()
        .request_timeout(Duration::from_secs(10))
}

fn credentials() -> Credentials {
    Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD)
}

/// Runs `call`; with `fault`, arms it on the emulator after the logon, for the next request.
async fn call(
    call: Call,
    base: reqwest::Url,
    ca_pem: &str,
    fault: Option<(&Emulator, Product, Fault)>,
) -> Got {
    let clock = fault.and_then(|(e, _, _)| e.clock()).map(|c| c.shared());
    let arm = || {
        if let Some((emulator, product, fault)) = fault {
            emulator.admin().inject_fault(product, fault, 1);
        }
    };
    match call {
        Call::VbrLogon | Call::VbrJobs | Call::VbrSend => {
            let mut builder = VbrSession::builder(base)
                .credentials(credentials())
                .http_options(options(ca_pem));
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let vbr = match builder.build().await {
                Ok(vbr) => vbr,
                Err(e) => return got::<_>(Err::<(), _>(e)),
            };
            if let Call::VbrJobs = call {
                arm();
                let client = vbr.client();
                return got(client.api().get_all_jobs().send().await);
            }
            if let Call::VbrSend = call {
                let url = vbr.base_url().join("api/v1/jobs").unwrap();
                let request = vbr.http().get(url).build().unwrap();
                return got(vbr.send(request).await);
            }
            Ok(())
        }
        Call::ZvmLogon | Call::ZvmOidcLogon | Call::ZvmVpgs => {
            let flavor = match call {
                Call::ZvmOidcLogon => ZvmFlavor::Appliance,
                _ => ZvmFlavor::Windows(None),
            };
            let mut builder = ZvmSession::builder(base)
                .credentials(credentials())
                .flavor(flavor)
                .http_options(options(ca_pem));
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let zvm = match builder.build().await {
                Ok(zvm) => zvm,
                Err(e) => return got::<_>(Err::<(), _>(e)),
            };
            if let Call::ZvmVpgs = call {
                arm();
                let client = zvm.client();
                return got(client.api().get_vpgs().send().await);
            }
            Ok(())
        }
        Call::EmLogon | Call::EmGetResource => {
            let mut builder = EmSession::builder(base)
                .credentials(credentials())
                .keep_alive(None)
                .http_options(options(ca_pem));
            if let Some(clock) = clock {
                builder = builder.clock(clock);
            }
            let em = match builder.build().await {
                Ok(em) => em,
                Err(e) => return got::<_>(Err::<(), _>(e)),
            };
            if let Call::EmGetResource = call {
                let href = em
                    .logon_session()
                    .and_then(|s| s.href().map(str::to_owned))
                    .unwrap();
                arm();
                return got(em.get_resource::<LogonSession>(&href).await);
            }
            Ok(())
        }
    }
}

async fn run(input: Input, ctx: Arc<Ctx>) -> Got {
    match input {
        Input::EmXml(bytes) => got(parse_xml::<LogonSession>(&bytes)),
        Input::EmJson(bytes) => got(parse_json::<LogonSession>(&bytes)),
        Input::VbrToken(status, body) => {
            got(restpoint_vbr::session::read_token_answer(status, &body))
        }
        Input::ZvmHeaders(headers) => {
            let mut map = reqwest::header::HeaderMap::new();
            for (name, value) in headers {
                map.append(
                    HeaderName::from_static(name),
                    HeaderValue::from_bytes(&value).unwrap(),
                );
            }
            got(restpoint_zvm::session::session_token_from_headers(
                Context::new("zvm", "logon"),
                &map,
            ))
        }
        Input::Http(rules, c) => {
            ctx.bad.set(rules);
            let result = call(c, ctx.bad.server.url.clone(), &ctx.bad.server.ca_pem, None).await;
            // A refused answer is never retried in a loop: a logon and at most one call, plus
            // EM's discovery.
            let requests = ctx.bad.state.requests.load(Ordering::SeqCst);
            assert!(
                requests <= 3,
                "{c:?}: {requests} requests reached the server"
            );
            result
        }
        Input::EmulatorFault(product, fault, c) => {
            let url = match product {
                Product::Em => ctx.emulator.em_url(),
                Product::Vbr => ctx.emulator.vbr_url(),
                Product::Zvm => ctx.emulator.zvm_url(),
            };
            call(
                c,
                url,
                ctx.emulator.ca_pem(),
                Some((&ctx.emulator, product, fault)),
            )
            .await
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r1_bad_server_answers_give_typed_errors_and_never_panic() {
    restpoint_hardening::install_crypto_provider();
    let bad = BadServer::start().await;
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let base = bad.server.url.to_string();
    let ctx = Arc::new(Ctx { bad, emulator });
    let table = rows(&base);
    let n_rows = table.len();
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for Row {
        name,
        input,
        expect,
    } in table
    {
        assert!(names.insert(name), "row name {name} is used twice");
        let (variant, text) = expect.split_once('|').unwrap();
        let task = tokio::spawn(run(input, ctx.clone()));
        let Ok(outcome) = tokio::time::timeout(Duration::from_secs(30), task).await else {
            failures.push(format!("{name}: HANG (no answer in 30 s)"));
            continue;
        };
        match outcome {
            Err(join) if join.is_panic() => failures.push(format!("{name}: PANIC")),
            Err(join) => failures.push(format!("{name}: task failed: {join}")),
            Ok(Ok(())) if variant == "Ok" => {}
            Ok(Ok(())) => failures.push(format!("{name}: accepted, expected {expect}")),
            Ok(Err((got_variant, display))) => {
                if got_variant != variant || !display.contains(text) {
                    failures.push(format!(
                        "{name}: got {got_variant}: {display:?}, expected {expect}"
                    ));
                }
            }
        }
    }
    let (n_emulator, emulator_failures) = emulator::matrix().await;
    let total = n_rows + n_emulator;
    println!(
        "R1 client parsers: {n_rows} bad server answers, {} failed",
        failures.len()
    );
    println!(
        "R1 emulator endpoints: {n_emulator} bad requests, {} failed",
        emulator_failures.len()
    );
    println!(
        "R1: {total} cases ({n_rows} client + {n_emulator} emulator), {} failed, 0 panics",
        failures.len() + emulator_failures.len()
    );
    failures.extend(emulator_failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total >= 160, "R1 asks for at least 160 cases; {total}");
    // The emulator still serves a normal logon after the faults.
    let ctx = Arc::try_unwrap(ctx).ok().unwrap();
    let vbr = VbrSession::builder(ctx.emulator.vbr_url())
        .credentials(credentials())
        .http_options(options(ctx.emulator.ca_pem()))
        .build()
        .await;
    assert!(vbr.is_ok());
}
