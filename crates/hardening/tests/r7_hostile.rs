//! R7: a hostile or broken server cannot hurt a client. Named server behaviours (issue 15) are
//! played over real TLS by `restpoint_hardening::hostile` (a configured origin on 127.0.0.1, an
//! "other origin" on 127.0.0.2) against every client: VBR, ZVM on Windows, the ZVM Appliance
//! (Keycloak), EM, and the conformance runner (which resolves EM `Href`s itself).
//!
//! For each behaviour × client: the outcome is the typed error that says what the server did (or
//! "tolerated" where a rule says so); no panic (each case runs in its own task); nothing reaches
//! the other origin; no cookie is ever sent; no secret of the test (password, tokens, session
//! ids, cookie) in the TRACE logs, an error's `Display` or `Debug`, or the conformance reports.
//! Every wait ends by the client's own timeouts (3 s per request, the conformance runner's
//! `--timeout 2`), never by a sleep of the test.
//!
//! `cargo test -p restpoint-hardening --test r7_hostile -- --nocapture` prints the table.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use restpoint_em::session::EmSession;
use restpoint_hardening::Capture;
use restpoint_hardening::hostile::{Origins, Reply, ReplyBody, Request, bomb};
use restpoint_session::{Credentials, Error, HttpOptions};
use restpoint_vbr::{VbrPaging as _, VbrSession};
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

const USER: &str = "admin";
const PASSWORD: &str = "pw-r7-secret-a1";
const VBR_TOKEN: &str = "at-r7-vbr-secret";
const VBR_REFRESH: &str = "rt-r7-vbr-secret";
const APP_TOKEN: &str = "at-r7-app-secret";
const APP_REFRESH: &str = "rt-r7-app-secret";
const ZVM_SID: &str = "zvm-r7-sid-secret";
const EM_SID: &str = "em-r7-sid-secret";
const COOKIE: &str = "ck-r7-secret";
const SECRETS: [&str; 8] = [
    PASSWORD,
    VBR_TOKEN,
    VBR_REFRESH,
    APP_TOKEN,
    APP_REFRESH,
    ZVM_SID,
    EM_SID,
    COOKIE,
];
/// The environment variable the conformance runner reads the password from.
const PASSWORD_ENV: &str = "RESTPOINT_R7_HOSTILE_PASSWORD";

const OIDC_TOKEN: &str = "/auth/realms/zerto/protocol/openid-connect/token";
const OIDC_LOGOUT: &str = "/auth/realms/zerto/protocol/openid-connect/logout";
const XMLNS: &str = "http://www.veeam.com/ent/v1.0";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The clients of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Client {
    Vbr,
    ZvmWindows,
    ZvmAppliance,
    Em,
    Conform,
}

impl Client {
    const ALL: [Client; 5] = [
        Client::Vbr,
        Client::ZvmWindows,
        Client::ZvmAppliance,
        Client::Em,
        Client::Conform,
    ];

    fn name(self) -> &'static str {
        match self {
            Client::Vbr => "vbr",
            Client::ZvmWindows => "zvm-windows",
            Client::ZvmAppliance => "zvm-appliance",
            Client::Em => "em",
            Client::Conform => "conformance",
        }
    }
}

use Client::{Conform, Em, Vbr, ZvmAppliance, ZvmWindows};

// ---------------------------------------------------------------------------------------------
// The well-behaved server every behaviour starts from: all three products on one origin.

fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::new(status)
        .header("content-type", "application/json")
        .body(body)
}

fn xml(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::new(status)
        .header("content-type", "application/xml")
        .body(body)
}

fn vbr_token_body(token: &str, lifetime: &str) -> String {
    format!(
        r#"{{"access_token":"{token}","token_type":"bearer","refresh_token":"{VBR_REFRESH}",{lifetime}}}"#
    )
}

fn oidc_token_body(token: &str, lifetime: &str) -> String {
    format!(
        r#"{{"access_token":"{token}","token_type":"Bearer","refresh_token":"{APP_REFRESH}","scope":"openid",{lifetime}}}"#
    )
}

fn vbr_jobs(ids: std::ops::Range<u64>, total: u64, skip: u64) -> String {
    let data: Vec<String> = ids
        .clone()
        .map(|i| {
            format!(
                r#"{{"id":"00000000-0000-0000-0000-{i:012}","isDisabled":false,"name":"job {i}","type":"Backup"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"data":[{}],"pagination":{{"total":{total},"count":{},"skip":{skip},"limit":2}}}}"#,
        data.join(","),
        ids.end - ids.start
    )
}

fn em_refs(base: &str, ids: std::ops::Range<u64>, page: u64, pages: u64) -> String {
    let refs: String = ids
        .map(|i| {
            format!(
                r#"<Ref UID="urn:veeam:Job:{i}" Name="job {i}" Href="{base}api/jobs/{i}" Type="JobReference"/>"#
            )
        })
        .collect();
    format!(
        r#"<QueryResult xmlns="{XMLNS}"><Refs>{refs}</Refs><PagingInfo PageNum="{page}" PageSize="2" PagesCount="{pages}"/></QueryResult>"#
    )
}

fn em_root(link_base: &str) -> String {
    format!(
        r#"<EnterpriseManager xmlns="{XMLNS}"><SupportedVersions><SupportedVersion Name="v1_7"/></SupportedVersions><Links><Link Href="{link_base}api/sessionMngr/?v=latest" Type="LogonSession" Rel="Create"/><Link Href="{link_base}api/logonSessions" Type="LogonSessionList" Rel="Down"/></Links></EnterpriseManager>"#
    )
}

fn em_logon_session(link_base: &str) -> String {
    format!(
        r#"<LogonSession Href="{link_base}api/logonSessions/1" Type="LogonSession" xmlns="{XMLNS}"><Links><Link Href="{link_base}api/logonSessions/1" Type="LogonSession" Rel="Delete"/><Link Href="{link_base}api/query" Type="QueryService" Rel="Down"/></Links><UserName>admin</UserName><SessionId>1</SessionId></LogonSession>"#
    )
}

/// The query parameter `name` of a request, as a number.
fn param(r: &Request, name: &str) -> Option<u64> {
    let query = r.target.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

fn good(r: &Request) -> Reply {
    good_with_links(r, &r.base)
}

fn good_with_links(r: &Request, link_base: &str) -> Reply {
    let authorised = r.headers.contains_key("authorization");
    match (r.method.as_str(), r.path()) {
        ("POST", "/api/oauth2/token") => {
            json(200, vbr_token_body(VBR_TOKEN, r#""expires_in":900"#))
        }
        ("POST", "/api/oauth2/logout") => Reply::new(200),
        ("GET", p) if p.starts_with("/api/v1/") => json(200, vbr_jobs(0..0, 0, 0)),
        ("POST", "/v1/session/add") if authorised => {
            Reply::new(200).header("x-zerto-session", ZVM_SID)
        }
        ("POST", "/v1/session/add") => Reply::new(401),
        ("DELETE", "/v1/session") => Reply::new(200),
        ("POST", OIDC_TOKEN) => json(
            200,
            oidc_token_body(APP_TOKEN, r#""expires_in":300,"refresh_expires_in":1800"#),
        ),
        ("POST", OIDC_LOGOUT) => Reply::new(204),
        ("GET", "/v1/localsite") => json(200, "{}"),
        ("GET", p) if p.starts_with("/v1/") => json(200, "[]"),
        ("GET", "/api/" | "/api") => xml(200, em_root(link_base)),
        ("POST", "/api/sessionMngr/") => {
            xml(201, em_logon_session(link_base)).header("x-restsvcsessionid", EM_SID)
        }
        ("GET", "/api/query") => xml(200, em_refs(link_base, 0..0, 1, 1)),
        ("GET", p) if p.starts_with("/api/logonSessions") => xml(200, em_logon_session(link_base)),
        ("DELETE", p) if p.starts_with("/api/logonSessions/") => Reply::new(204),
        _ => Reply::new(404),
    }
}

/// A logon, logoff or discovery request (the behaviours "after logon" leave these alone).
fn is_session_request(r: &Request) -> bool {
    matches!(
        r.path(),
        "/api/oauth2/token"
            | "/api/oauth2/logout"
            | "/v1/session/add"
            | "/v1/session"
            | OIDC_TOKEN
            | OIDC_LOGOUT
            | "/api/"
            | "/api"
            | "/api/sessionMngr/"
    ) || r.path().starts_with("/api/logonSessions")
}

/// A token answer (VBR's token endpoint, the Appliance's Keycloak).
fn is_token_request(r: &Request) -> bool {
    r.method == "POST" && matches!(r.path(), "/api/oauth2/token" | OIDC_TOKEN)
}

fn with_lifetime(r: &Request, lifetime: &str) -> Reply {
    match r.path() {
        "/api/oauth2/token" => json(200, vbr_token_body(VBR_TOKEN, lifetime)),
        OIDC_TOKEN => json(200, oidc_token_body(APP_TOKEN, lifetime)),
        _ => good(r),
    }
}

fn after_logon(r: &Request, hostile: impl Fn(&Request) -> Reply) -> Reply {
    if is_session_request(r) {
        good(r)
    } else {
        hostile(r)
    }
}

fn redirect(status: u16, r: &Request, to: &str) -> Reply {
    let location = format!("{}{}", to.trim_end_matches('/'), r.target);
    Reply::new(status).header("location", location)
}

fn other_port_same_host(r: &Request) -> String {
    let port = r
        .other
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap_or("1");
    format!("https://127.0.0.1:{port}/")
}

fn prefix_bom(mut reply: Reply) -> Reply {
    if let ReplyBody::Bytes(body) = &mut reply.body
        && !body.is_empty()
    {
        let mut with = BOM.to_vec();
        with.extend_from_slice(body);
        *body = with;
    }
    reply
}

// ---------------------------------------------------------------------------------------------
// The behaviours.

/// One named server behaviour.
struct Behaviour {
    name: &'static str,
    /// The clients it applies to (a behaviour of EM links means nothing to VBR).
    clients: &'static [Client],
    answer: fn(&Request) -> Reply,
    /// The expected outcome per client: `(clients, outcomes)` pairs, the first naming the
    /// client wins; an outcome matches a result's class as a prefix.
    expect: &'static [(&'static [Client], &'static [&'static str])],
}

const ALL: &[Client] = &Client::ALL;
const TOKEN_CLIENTS: &[Client] = &[Vbr, ZvmAppliance, Conform];
const EM_CLIENTS: &[Client] = &[Em, Conform];
const PAGED: &[Client] = &[Vbr, Em];
const CLIENT_LIBS: &[Client] = &[Vbr, ZvmWindows, ZvmAppliance, Em];

const PREFLIGHT: &str = "preflight failed";
const RULES_FAILED: &str = "rules failed";
const TOLERATED: &str = "tolerated";

fn behaviours() -> Vec<Behaviour> {
    vec![
        // --- Redirects: never followed; nothing reaches the other origin.
        Behaviour {
            name: "301 to another host, every answer",
            clients: ALL,
            answer: |r| redirect(301, r, &r.other),
            expect: &[
                (
                    &[Vbr, ZvmWindows, ZvmAppliance, Em],
                    &["protocol: UnexpectedStatus"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "302 to another host, every answer",
            clients: ALL,
            answer: |r| redirect(302, r, &r.other),
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "307 to another host, every answer",
            clients: ALL,
            answer: |r| redirect(307, r, &r.other),
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "308 to another host, every answer",
            clients: ALL,
            answer: |r| redirect(308, r, &r.other),
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "307 to http:// on another port",
            clients: ALL,
            answer: |r| redirect(307, r, &r.other.replace("https://", "http://")),
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "307 to another host after the logon",
            clients: ALL,
            answer: |r| after_logon(r, |r| redirect(307, r, &r.other)),
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[RULES_FAILED, "passed"]),
            ],
        },
        // --- EM links naming another origin.
        Behaviour {
            name: "Hrefs naming another host",
            clients: EM_CLIENTS,
            answer: |r| good_with_links(r, &r.other),
            expect: &[(EM_CLIENTS, &[TOLERATED, "passed", RULES_FAILED])],
        },
        Behaviour {
            name: "Hrefs naming another port",
            clients: EM_CLIENTS,
            answer: |r| good_with_links(r, &other_port_same_host(r)),
            expect: &[(EM_CLIENTS, &[TOLERATED, "passed", RULES_FAILED])],
        },
        Behaviour {
            name: "Hrefs with http://",
            clients: EM_CLIENTS,
            answer: |r| good_with_links(r, &r.other.replace("https://", "http://")),
            expect: &[
                (&[Em], &["protocol: UntrustedLink"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED]),
            ],
        },
        Behaviour {
            name: "Hrefs with another scheme (ftp://)",
            clients: EM_CLIENTS,
            answer: |r| good_with_links(r, &r.other.replace("https://", "ftp://")),
            expect: &[
                (&[Em], &["protocol: UntrustedLink"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED]),
            ],
        },
        Behaviour {
            name: "Hrefs outside /api/ on another host",
            clients: EM_CLIENTS,
            answer: |r| good_with_links(r, &format!("{}steal/", r.other)),
            expect: &[
                (&[Em], &["protocol: UntrustedLink"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED]),
            ],
        },
        // --- Token lifetimes.
        Behaviour {
            name: "expires_in 2^64-1",
            clients: TOKEN_CLIENTS,
            answer: |r| with_lifetime(r, r#""expires_in":18446744073709551615"#),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: InvalidLifetime"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "expires_in 10^13 s (absurd)",
            clients: TOKEN_CLIENTS,
            answer: |r| with_lifetime(r, r#""expires_in":10000000000000"#),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: InvalidLifetime"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "expires_in 0",
            clients: TOKEN_CLIENTS,
            answer: |r| with_lifetime(r, r#""expires_in":0"#),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: InvalidLifetime"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "expires_in -300",
            clients: TOKEN_CLIENTS,
            answer: |r| with_lifetime(r, r#""expires_in":-300"#),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: MalformedBody"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "expires_in \"soon\" (not a number)",
            clients: TOKEN_CLIENTS,
            answer: |r| with_lifetime(r, r#""expires_in":"soon""#),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: MalformedBody"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: ".expires in the past",
            clients: &[Vbr, Conform],
            answer: |r| with_lifetime(r, r#"".expires":"2001-01-01T00:00:00Z""#),
            expect: &[
                (&[Vbr], &["protocol: InvalidLifetime"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        // --- Paging.
        Behaviour {
            name: "endless pages (new items, total grows)",
            clients: PAGED,
            answer: |r| {
                after_logon(r, |r| {
                    let skip = param(r, "skip")
                        .or_else(|| param(r, "page").map(|p| (p - 1) * 2))
                        .unwrap_or(0);
                    if r.path() == "/api/query" {
                        let page = skip / 2 + 1;
                        xml(200, em_refs(&r.base, skip..skip + 2, page, page + 1))
                    } else {
                        json(200, vbr_jobs(skip..skip + 2, skip + 4, skip))
                    }
                })
            },
            expect: &[(PAGED, &["protocol: InconsistentPaging"])],
        },
        Behaviour {
            name: "total lies (1000, then an empty page)",
            clients: PAGED,
            answer: |r| {
                after_logon(r, |r| {
                    let first =
                        param(r, "skip").unwrap_or(0) == 0 && param(r, "page").unwrap_or(1) == 1;
                    let ids = if first { 0..2 } else { 0..0 };
                    if r.path() == "/api/query" {
                        let page = param(r, "page").unwrap_or(1);
                        xml(200, em_refs(&r.base, ids, page, 500))
                    } else {
                        json(200, vbr_jobs(ids, 1000, param(r, "skip").unwrap_or(0)))
                    }
                })
            },
            expect: &[(PAGED, &["protocol: InconsistentPaging"])],
        },
        Behaviour {
            name: "every page repeats the first",
            clients: PAGED,
            answer: |r| {
                after_logon(r, |r| {
                    if r.path() == "/api/query" {
                        let page = param(r, "page").unwrap_or(1);
                        xml(200, em_refs(&r.base, 0..2, page, 500))
                    } else {
                        json(200, vbr_jobs(0..2, 1000, 0))
                    }
                })
            },
            expect: &[(PAGED, &["protocol: InconsistentPaging"])],
        },
        // --- Size.
        Behaviour {
            name: "a 1 MiB header on every answer",
            clients: ALL,
            answer: |r| good(r).header("x-padding", "a".repeat(1024 * 1024)),
            expect: &[
                (
                    CLIENT_LIBS,
                    &["transport: the answer's headers were too large"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "20,000 headers on every answer",
            clients: ALL,
            answer: |r| (0..20_000).fold(good(r), |reply, i| reply.header(format!("x-h{i}"), "v")),
            expect: &[
                (
                    CLIENT_LIBS,
                    &["transport: the answer's headers were too large"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "a 40 MiB body (declared)",
            clients: ALL,
            answer: |r| {
                good(r)
                    .without_header("content-length")
                    .with_body(ReplyBody::Declared(40 * 1024 * 1024))
            },
            expect: &[
                (CLIENT_LIBS, &["protocol: BodyTooLarge"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "a body that never ends",
            clients: ALL,
            answer: |r| good(r).with_body(ReplyBody::Endless),
            expect: &[
                // Token answers are read up to 256 KiB, EM documents up to 4 MiB, a generated
                // call's answer up to 32 MiB: on a loaded machine (a debug build, many cases at
                // once) the client's request timeout may come first. Either way the client ends
                // it, and never holds more than the limit.
                (
                    CLIENT_LIBS,
                    &["protocol: BodyTooLarge", "transport: timed out"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "a body that trickles forever (1 byte / 50 ms)",
            clients: ALL,
            answer: |r| good(r).with_body(ReplyBody::Drip(Duration::from_millis(50))),
            expect: &[
                (CLIENT_LIBS, &["transport: timed out"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "headers that never come (slowloris)",
            clients: ALL,
            answer: |_| Reply::new(200).with_body(ReplyBody::Hang),
            expect: &[
                (CLIENT_LIBS, &["transport: timed out"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "a body broken off before its Content-Length",
            clients: ALL,
            answer: |r| {
                let reply = good(r);
                let body = match &reply.body {
                    ReplyBody::Bytes(b) if !b.is_empty() => b[..b.len() / 2].to_vec(),
                    _ => b"{".to_vec(),
                };
                reply.with_body(ReplyBody::Truncated(body))
            },
            expect: &[
                (CLIENT_LIBS, &["transport: reading the body failed"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "gzip bomb (Content-Encoding: gzip, 10 MB inflated)",
            clients: ALL,
            answer: |r| {
                good(r)
                    .header("content-encoding", "gzip")
                    .body(bomb::gzip(10_000_000))
            },
            expect: &[
                (CLIENT_LIBS, &["protocol: UnrequestedContentEncoding"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "deflate bomb (Content-Encoding: deflate, 10 MB inflated)",
            clients: ALL,
            answer: |r| {
                good(r)
                    .header("content-encoding", "deflate")
                    .body(bomb::zlib(10_000_000))
            },
            expect: &[
                (CLIENT_LIBS, &["protocol: UnrequestedContentEncoding"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "a token of 1 MB",
            clients: ALL,
            answer: |r| {
                let big = "t".repeat(1024 * 1024);
                match r.path() {
                    "/api/oauth2/token" => json(200, vbr_token_body(&big, r#""expires_in":900"#)),
                    OIDC_TOKEN => json(200, oidc_token_body(&big, r#""expires_in":300"#)),
                    "/v1/session/add" => good(r)
                        .without_header("x-zerto-session")
                        .header("x-zerto-session", big),
                    "/api/sessionMngr/" => good(r)
                        .without_header("x-restsvcsessionid")
                        .header("x-restsvcsessionid", big),
                    _ => good(r),
                }
            },
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: BodyTooLarge"]),
                (
                    &[ZvmWindows, Em],
                    &["transport: the answer's headers were too large"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        // --- Authentication.
        Behaviour {
            name: "401 for everything",
            clients: ALL,
            answer: |_| Reply::new(401),
            expect: &[
                (
                    &[Vbr, ZvmWindows, ZvmAppliance],
                    &["auth: WrongCredentials"],
                ),
                // EM's anonymous entry point (`GET /api/`) refused: no credential was sent yet.
                (&[Em], &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "401 with WWW-Authenticate: Negotiate (another scheme)",
            clients: ALL,
            answer: |_| Reply::new(401).header("www-authenticate", "Negotiate"),
            expect: &[
                (
                    &[Vbr, ZvmWindows, ZvmAppliance],
                    &["auth: WrongCredentials"],
                ),
                // EM's anonymous entry point (`GET /api/`) refused: no credential was sent yet.
                (&[Em], &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "401 that sets a new cookie, after the logon",
            clients: ALL,
            answer: |r| {
                after_logon(r, |_| {
                    Reply::new(401).header(
                        "set-cookie",
                        format!("X-RestSvcSessionId={COOKIE}; Path=/; Secure"),
                    )
                })
            },
            expect: &[
                (CLIENT_LIBS, &["auth: TokenRefused"]),
                (&[Conform], &[RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "Set-Cookie for another domain",
            clients: ALL,
            answer: |r| {
                good(r).header(
                    "set-cookie",
                    format!("sid={COOKIE}; Domain=127.0.0.2; Path=/; Secure"),
                )
            },
            expect: &[
                (CLIENT_LIBS, &[TOLERATED]),
                (&[Conform], &[RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "Set-Cookie for another path",
            clients: ALL,
            answer: |r| {
                good(r).header(
                    "set-cookie",
                    format!("sid={COOKIE}; Path=/elsewhere; Secure"),
                )
            },
            expect: &[
                (CLIENT_LIBS, &[TOLERATED]),
                (&[Conform], &[RULES_FAILED, "passed"]),
            ],
        },
        // --- Content.
        Behaviour {
            name: "a UTF-8 BOM before every body",
            clients: ALL,
            answer: |r| prefix_bom(good(r)),
            expect: &[
                // EM-15: tolerated by EM; JSON of VBR and ZVM has no such rule.
                (&[Em], &[TOLERATED]),
                (
                    &[Vbr, ZvmWindows, ZvmAppliance],
                    &["protocol: MalformedBody"],
                ),
                (&[Conform], &[PREFLIGHT, RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "an HTML page with 200 after the logon",
            clients: ALL,
            answer: |r| {
                after_logon(r, |_| {
                    Reply::new(200)
                        .header("content-type", "text/html")
                        .body("<html><body>Please sign in</body></html>")
                })
            },
            expect: &[
                (CLIENT_LIBS, &["protocol: MalformedBody"]),
                (&[Conform], &[RULES_FAILED, "passed"]),
            ],
        },
        Behaviour {
            name: "an HTML error page with 500 for everything",
            clients: ALL,
            answer: |_| {
                Reply::new(500)
                    .header("content-type", "text/html")
                    .body("<html><body>Internal error</body></html>")
            },
            expect: &[
                (CLIENT_LIBS, &["protocol: UnexpectedStatus"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "200 with an empty body for everything",
            clients: ALL,
            answer: |_| Reply::new(200),
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: MalformedBody"]),
                (&[ZvmWindows, Em], &["protocol: MissingHeader"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "JSON nested 100,000 deep",
            clients: &[Vbr, ZvmWindows, ZvmAppliance, Conform],
            answer: |r| {
                let reply = good(r);
                if reply
                    .headers
                    .iter()
                    .any(|(n, v)| n == "content-type" && v == "application/json")
                {
                    reply.body("[".repeat(100_000))
                } else {
                    reply
                }
            },
            expect: &[
                (
                    &[Vbr, ZvmWindows, ZvmAppliance],
                    &["protocol: MalformedBody"],
                ),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
        Behaviour {
            name: "session header repeated / not ASCII",
            clients: &[ZvmWindows, Em, Conform],
            answer: |r| match r.path() {
                "/v1/session/add" => good(r).header("x-zerto-session", "second"),
                "/api/sessionMngr/" => good(r)
                    .without_header("x-restsvcsessionid")
                    .header("x-restsvcsessionid", "caf\u{e9}"),
                _ => good(r),
            },
            expect: &[
                (&[ZvmWindows, Em], &["protocol: InvalidHeader"]),
                (&[Conform], &[PREFLIGHT, RULES_FAILED]),
            ],
        },
        Behaviour {
            name: "a token answer without access_token",
            clients: TOKEN_CLIENTS,
            answer: |r| {
                if is_token_request(r) {
                    json(200, r#"{"token_type":"bearer","expires_in":300}"#)
                } else {
                    good(r)
                }
            },
            expect: &[
                (&[Vbr, ZvmAppliance], &["protocol: M"]),
                (&[Conform], &[PREFLIGHT]),
            ],
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Running one case.

fn options(ca_pem: &str) -> HttpOptions {
    HttpOptions::new()
        .ca_pem_only(ca_pem)
        .expect("test CA")
        .connect_timeout(Duration::from_secs(3))
        .request_timeout(Duration::from_secs(3))
}

fn credentials() -> Credentials {
    Credentials::new(USER, PASSWORD)
}

/// The class of a client error: its variant and what the server did.
fn class(error: &Error) -> String {
    let debug_name = |text: String| {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_owned()
    };
    match error {
        Error::Transport { source, .. } => format!("transport: {source}"),
        Error::Tls { .. } => "tls".into(),
        Error::Auth { kind, .. } => format!("auth: {}", debug_name(format!("{kind:?}"))),
        Error::Protocol { violation, .. } => {
            format!("protocol: {}", debug_name(format!("{violation:?}")))
        }
        Error::Api { .. } => "api".into(),
        Error::Config(c) => format!("config: {}", debug_name(format!("{c:?}"))),
        Error::LoggedOut { .. } => "logged out".into(),
        _ => "other".into(),
    }
}

/// What a case ended with: its class, and every text it produced (searched for secrets).
struct Ended {
    class: String,
    detail: String,
    texts: Vec<String>,
}

fn from_result(result: Result<(), Error>) -> Ended {
    match result {
        Ok(()) => Ended {
            class: TOLERATED.into(),
            detail: String::new(),
            texts: vec![],
        },
        Err(error) => Ended {
            class: class(&error),
            detail: error.to_string(),
            texts: vec![
                error.to_string(),
                format!("{error:?}"),
                format!("{error:#?}"),
            ],
        },
    }
}

async fn run_vbr(base: &str, ca_pem: &str) -> Result<(), Error> {
    let vbr = VbrSession::builder(base)
        .credentials(credentials())
        .http_options(options(ca_pem))
        .build()
        .await?;
    vbr.client()
        .jobs()
        .page_size(2)
        .max_items(100)
        .collect_all()
        .await?;
    vbr.logout().await
}

async fn run_zvm(base: &str, ca_pem: &str, flavor: ZvmFlavor) -> Result<(), Error> {
    let zvm = ZvmSession::builder(base)
        .credentials(credentials())
        .flavor(flavor)
        .http_options(options(ca_pem))
        .build()
        .await?;
    zvm.client().api().get_vpgs().send().await?;
    zvm.logout().await
}

async fn run_em(base: &str, ca_pem: &str) -> Result<(), Error> {
    let em = EmSession::builder(base)
        .credentials(credentials())
        .keep_alive(None)
        .http_options(options(ca_pem))
        .build()
        .await?;
    use futures::TryStreamExt as _;
    em.query_references("Job")
        .page_size(2)
        .max_items(100)
        .into_stream()
        .try_collect::<Vec<_>>()
        .await?;
    em.logout().await
}

async fn run_conform(base: &str, ca_pem: &str) -> Ended {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("write CA");
    let text = dir.path().join("report.txt");
    let summary = dir.path().join("summary.json");
    let args = restpoint_conformance::ConformArgs::parse_from([
        "conform",
        "--em",
        base,
        "--vbr",
        base,
        "--zvm",
        base,
        "--zvm-kind",
        "windows",
        "--user",
        USER,
        "--password-env",
        PASSWORD_ENV,
        "--ca-cert",
        ca.to_str().expect("utf-8 path"),
        "--timeout",
        "2",
        "--tag",
        "EM-02",
        "--tag",
        "VBR-02",
        "--tag",
        "ZVM-02",
        "--quiet",
        "--text",
        text.to_str().expect("utf-8 path"),
        "--summary-json",
        summary.to_str().expect("utf-8 path"),
    ])
    .expect("conformance options");
    let result = restpoint_conformance::run(args).await;
    let mut texts: Vec<String> = [&text, &summary]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    match result {
        Ok(summary) => {
            texts.push(format!("{:?}", summary.failures));
            let class = if summary.success() {
                "passed".to_owned()
            } else {
                format!(
                    "{RULES_FAILED} ({} of {})",
                    summary.failed,
                    summary.failed + summary.passed
                )
            };
            Ended {
                class,
                detail: String::new(),
                texts,
            }
        }
        Err(error) => {
            texts.push(format!("{error:#}"));
            texts.push(format!("{error:?}"));
            let class = if error
                .downcast_ref::<restpoint_conformance::PreflightFailed>()
                .is_some()
            {
                PREFLIGHT.to_owned()
            } else {
                "error".to_owned()
            };
            Ended {
                class,
                detail: format!("{error:#}").replace('\n', " "),
                texts,
            }
        }
    }
}

/// What one case found.
struct CaseResult {
    behaviour: &'static str,
    client: Client,
    ended: Result<Ended, String>,
    expected: &'static [&'static str],
    other_requests: u64,
    other_credentials: u64,
    cookies_sent: u64,
    elapsed: Duration,
}

async fn run_case(behaviour: &Behaviour, client: Client) -> CaseResult {
    let answer = behaviour.answer;
    let origins = Origins::start(Arc::new(move |r: &Request| answer(r)), &SECRETS)
        .await
        .expect("test servers");
    let Origins {
        configured,
        other,
        ca_pem,
    } = &origins;
    let base = configured.base.clone();
    let ca = ca_pem.clone();
    let started = Instant::now();
    // The conformance runner's future is not `Send`: it runs on a thread of its own with a
    // runtime of its own. Either way a panic comes back as the task's `JoinError`.
    let task = if client == Conform {
        tokio::task::spawn_blocking(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(run_conform(&base, &ca))
        })
    } else {
        tokio::spawn(async move {
            match client {
                Vbr => from_result(run_vbr(&base, &ca).await),
                ZvmWindows => from_result(run_zvm(&base, &ca, ZvmFlavor::Windows(None)).await),
                ZvmAppliance => from_result(run_zvm(&base, &ca, ZvmFlavor::Appliance).await),
                _ => from_result(run_em(&base, &ca).await),
            }
        })
    };
    let ended = task.await.map_err(|e| {
        if e.is_panic() {
            "PANIC".to_owned()
        } else {
            format!("task failed: {e}")
        }
    });
    let expected = behaviour
        .expect
        .iter()
        .find(|(clients, _)| clients.contains(&client))
        .map(|(_, outcomes)| *outcomes)
        .unwrap_or(&[]);
    CaseResult {
        behaviour: behaviour.name,
        client,
        ended,
        expected,
        other_requests: other.seen.request_count(),
        other_credentials: other.seen.credential_count(),
        cookies_sent: configured.seen.cookie_count() + other.seen.cookie_count(),
        elapsed: started.elapsed(),
    }
}

#[test]
fn r7_hostile_server_matrix() {
    // The conformance runner reads its password from the environment; set before any other
    // thread of this test binary exists (this file holds one test).
    #[allow(unsafe_code)]
    // SAFETY: no other thread runs yet: the runtime is built below, and this binary's only test
    // is this one.
    unsafe {
        std::env::set_var(PASSWORD_ENV, PASSWORD);
    }
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let behaviours = behaviours();
    let started = Instant::now();
    let results: Vec<CaseResult> = runtime.block_on(async {
        let cases: Vec<(&Behaviour, Client)> = behaviours
            .iter()
            .flat_map(|b| b.clients.iter().map(move |c| (b, *c)))
            .collect();
        futures::stream::iter(cases)
            .map(|(b, c)| run_case(b, c))
            .buffer_unordered(12)
            .collect()
            .await
    });
    let elapsed = started.elapsed();
    drop(runtime);

    let mut sorted: Vec<&CaseResult> = results.iter().collect();
    let order: BTreeMap<&str, usize> = behaviours
        .iter()
        .enumerate()
        .map(|(i, b)| (b.name, i))
        .collect();
    sorted.sort_by_key(|r| (order[r.behaviour], r.client));

    let logs = capture.text();
    let mut failures = Vec::new();
    let (mut panics, mut elsewhere, mut secrets_found) = (0, 0, 0);
    println!("\n{:<52} {:<14} outcome", "behaviour", "client");
    for r in &sorted {
        let (outcome, texts) = match &r.ended {
            Ok(ended) => (
                if ended.detail.is_empty() || r.client != Conform {
                    ended.class.clone()
                } else {
                    format!("{}: {}", ended.class, shorten(&ended.detail, 110))
                },
                ended.texts.clone(),
            ),
            Err(e) => (e.clone(), vec![]),
        };
        println!(
            "{:<52} {:<14} {} ({} ms)",
            r.behaviour,
            r.client.name(),
            outcome,
            r.elapsed.as_millis()
        );
        let label = format!("{} × {}", r.behaviour, r.client.name());
        match &r.ended {
            Err(e) => {
                if e == "PANIC" {
                    panics += 1;
                }
                failures.push(format!("{label}: {e}"));
            }
            Ok(ended) => {
                if !r.expected.iter().any(|e| ended.class.starts_with(e)) {
                    failures.push(format!(
                        "{label}: ended with `{}` ({}), expected one of {:?}",
                        ended.class, ended.detail, r.expected
                    ));
                }
            }
        }
        if r.other_requests > 0 || r.other_credentials > 0 {
            elsewhere += r.other_credentials;
            failures.push(format!(
                "{label}: {} requests ({} with credentials) reached the other origin",
                r.other_requests, r.other_credentials
            ));
        }
        // Every wait is ended by the clients' own timeouts (3 s a request, at most 3 attempts;
        // the conformance runner's 2 s a request over a handful of requests).
        if r.elapsed > Duration::from_secs(30) {
            failures.push(format!(
                "{label}: took {} s: not bounded by the client's timeouts",
                r.elapsed.as_secs()
            ));
        }
        if r.cookies_sent > 0 {
            failures.push(format!(
                "{label}: {} requests carried a cookie",
                r.cookies_sent
            ));
        }
        for text in &texts {
            for secret in SECRETS {
                if text.contains(secret) {
                    secrets_found += 1;
                    failures.push(format!("{label}: a secret in an output"));
                }
            }
        }
    }
    for secret in SECRETS {
        let hits = logs.matches(secret).count();
        if hits > 0 {
            secrets_found += hits;
            failures.push(format!(
                "a secret ({} chars) in the TRACE logs, {hits} times",
                secret.len()
            ));
        }
    }
    let clients: std::collections::BTreeSet<Client> = results.iter().map(|r| r.client).collect();
    println!(
        "\nR7: {} behaviours x {} clients ({} cases, {} log lines, {:.1} s), {panics} panics, {elsewhere} credentials elsewhere, {secrets_found} secrets",
        behaviours.len(),
        clients.len(),
        results.len(),
        logs.lines().count(),
        elapsed.as_secs_f64()
    );
    assert!(behaviours.len() >= 30, "R7 needs at least 30 behaviours");
    for failure in &failures {
        println!("R7 FAILURE: {failure}");
    }
    assert!(failures.is_empty(), "R7 failures:\n{}", failures.join("\n"));
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}
