//! Hostile HTTPS servers for the origin-policy test and the R7 matrix: a configured origin on
//! `127.0.0.1` whose answers a test writes, and another origin on `127.0.0.2` that answers
//! `200` to anything. Both share one test CA and count every request that reaches them, and
//! every credential or token among them (`Authorization`, `X-RestSvcSessionId`,
//! `x-zerto-session`, `Cookie`, a password, refresh token, client secret or grant in a body, or
//! any of the test's own secrets anywhere in a request).
//!
//! An answer is a [`Reply`]: a status, headers and a [`ReplyBody`] that may also never come
//! ([`ReplyBody::Hang`]), never end ([`ReplyBody::Endless`]), trickle ([`ReplyBody::Drip`]) or
//! break off ([`ReplyBody::Truncated`]). [`bomb`] builds gzip and zlib bodies that inflate to
//! far more than they weigh.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request as HttpRequest, StatusCode};
use axum::response::Response;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use futures::StreamExt as _;
use futures::stream;

use crate::tls::{self, CertSpec, Material};

/// Header names that carry a credential or a token.
pub const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "x-restsvcsessionid",
    "x-zerto-session",
    "cookie",
];

/// Form or JSON field names that carry a credential or a token in a request body.
pub const CREDENTIAL_FIELDS: [&str; 6] = [
    "password",
    "refresh_token",
    "client_secret",
    "vbr_token",
    "access_token",
    "code=",
];

/// One request as a [`Answer`] sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query, e.g. `/api/query?type=Job`.
    pub target: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body (at most 1 MiB is read).
    pub body: Bytes,
    /// The other origin's base URL, e.g. `https://127.0.0.2:40123/`.
    pub other: String,
    /// The configured origin's base URL, e.g. `https://127.0.0.1:40122/`.
    pub base: String,
    /// How many requests reached this origin before this one.
    pub index: u64,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// The body of a [`Reply`].
#[derive(Debug, Clone)]
pub enum ReplyBody {
    /// These bytes (with a `Content-Length`).
    Bytes(Vec<u8>),
    /// Chunks of 64 KiB forever, no `Content-Length`.
    Endless,
    /// A `Content-Length` of this many bytes, then chunks of 64 KiB (the body is never built
    /// in memory; a client that refuses by the declared length reads none of it).
    Declared(u64),
    /// No answer at all: the headers never come.
    Hang,
    /// One byte every `interval`, forever.
    Drip(Duration),
    /// These bytes, then the connection breaks off before the declared end.
    Truncated(Vec<u8>),
}

/// An answer: status, headers, body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers, in order (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ReplyBody,
}

impl Reply {
    /// An empty answer with `status`.
    pub fn new(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::Bytes(Vec::new()),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = ReplyBody::Bytes(body.into());
        self
    }

    /// Replaces the body with another kind.
    pub fn with_body(mut self, body: ReplyBody) -> Self {
        self.body = body;
        self
    }

    /// Removes every header called `name` (any case).
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = Response::builder().status(status);
        for (name, value) in &self.headers {
            response = response.header(name.as_str(), value.as_str());
        }
        let body = match self.body {
            ReplyBody::Bytes(bytes) => Body::from(bytes),
            ReplyBody::Endless => {
                let chunk = Bytes::from(vec![b' '; 64 * 1024]);
                Body::from_stream(stream::repeat_with(move || {
                    Ok::<_, Infallible>(chunk.clone())
                }))
            }
            ReplyBody::Declared(length) => {
                response = response.header("content-length", length.to_string());
                let chunk = Bytes::from(vec![b' '; 64 * 1024]);
                let chunks = length.div_ceil(64 * 1024);
                Body::from_stream(
                    stream::iter(0..chunks).map(move |_| Ok::<_, Infallible>(chunk.clone())),
                )
            }
            ReplyBody::Hang => Body::empty(),
            ReplyBody::Drip(interval) => {
                Body::from_stream(stream::unfold((), move |()| async move {
                    tokio::time::sleep(interval).await;
                    Some((Ok::<_, Infallible>(Bytes::from_static(b" ")), ()))
                }))
            }
            ReplyBody::Truncated(bytes) => {
                response = response.header("content-length", (bytes.len() * 4 + 16).to_string());
                let first = Bytes::from(bytes);
                // The first part goes out with the headers; the break comes a moment later, so
                // that the client sees an answer cut off rather than no answer.
                Body::from_stream(stream::unfold(0u8, move |step| {
                    let first = first.clone();
                    async move {
                        match step {
                            0 => Some((Ok(first), 1)),
                            1 => {
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                Some((
                                    Err(std::io::Error::other(
                                        "connection broken off by the test server",
                                    )),
                                    2,
                                ))
                            }
                            _ => None,
                        }
                    }
                }))
            }
        };
        response.body(body).unwrap_or_else(|_| {
            let mut fallback = Response::new(Body::empty());
            *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}

/// What a configured origin answers to each request.
pub type Answer = dyn Fn(&Request) -> Reply + Send + Sync;

/// What reached one origin.
#[derive(Default)]
pub struct Seen {
    requests: AtomicU64,
    credentials: AtomicU64,
    cookies: AtomicU64,
    log: Mutex<Vec<String>>,
    secrets: Vec<String>,
}

impl Seen {
    fn new(secrets: Vec<String>) -> Self {
        Seen {
            secrets,
            ..Seen::default()
        }
    }

    fn record(&self, method: &Method, target: &str, headers: &HeaderMap, body: &[u8]) -> u64 {
        let index = self.requests.fetch_add(1, Ordering::SeqCst);
        if headers.contains_key("cookie") {
            self.cookies.fetch_add(1, Ordering::SeqCst);
        }
        let body_text = String::from_utf8_lossy(body);
        let header_text: String = headers
            .values()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        let credential = CREDENTIAL_HEADERS.iter().any(|h| headers.contains_key(*h))
            || CREDENTIAL_FIELDS.iter().any(|f| body_text.contains(f))
            || self.secrets.iter().any(|s| {
                body_text.contains(s.as_str())
                    || header_text.contains(s.as_str())
                    || target.contains(s.as_str())
            });
        if credential {
            self.credentials.fetch_add(1, Ordering::SeqCst);
        }
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!(
                "{method} {}",
                target.split('?').next().unwrap_or("")
            ));
        index
    }

    /// Number of requests so far.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Number of requests with a credential or token so far.
    pub fn credential_count(&self) -> u64 {
        self.credentials.load(Ordering::SeqCst)
    }

    /// Number of requests with a `Cookie` header so far.
    pub fn cookie_count(&self) -> u64 {
        self.cookies.load(Ordering::SeqCst)
    }

    /// Method and path of every request so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// One running origin; dropping it stops the server.
pub struct Origin {
    /// `https://IP:PORT/`.
    pub base: String,
    /// What reached it.
    pub seen: Arc<Seen>,
    handle: Handle<SocketAddr>,
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// The configured origin (`127.0.0.1`) and the other origin (`127.0.0.2`), with the CA both
/// certificates chain to.
pub struct Origins {
    /// The origin the clients are configured with; answers with the test's [`Answer`].
    pub configured: Origin,
    /// The other origin; answers `200` with an empty body to anything. Nothing may reach it.
    pub other: Origin,
    /// The CA a client must trust.
    pub ca_pem: String,
}

impl Origins {
    /// Starts both origins; `secrets` are the test's passwords and tokens, counted as a
    /// credential wherever they appear in a request.
    pub async fn start(answer: Arc<Answer>, secrets: &[&str]) -> anyhow::Result<Origins> {
        let material = tls::make(&CertSpec {
            names: vec!["localhost".into(), "127.0.0.1".into(), "127.0.0.2".into()],
            expired: false,
        })?;
        let secrets: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
        let other = serve(
            "127.0.0.2",
            &material,
            Arc::new(|_: &Request| Reply::new(200)),
            String::new(),
            secrets.clone(),
        )
        .await?;
        let configured = serve("127.0.0.1", &material, answer, other.base.clone(), secrets).await?;
        Ok(Origins {
            configured,
            other,
            ca_pem: material.ca_pem,
        })
    }
}

async fn serve(
    ip: &str,
    material: &Material,
    answer: Arc<Answer>,
    other: String,
    secrets: Vec<String>,
) -> anyhow::Result<Origin> {
    crate::install_crypto_provider();
    let config = RustlsConfig::from_pem(
        material.chain_pem.clone().into_bytes(),
        material.key_pem.clone().into_bytes(),
    )
    .await?;
    let listener = TcpListener::bind(format!("{ip}:0"))?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let base = format!("https://{ip}:{port}/");
    let seen = Arc::new(Seen::new(secrets));
    let state = seen.clone();
    let own_base = base.clone();
    let router = Router::new().fallback(move |request: HttpRequest<Body>| {
        let seen = state.clone();
        let answer = answer.clone();
        let other = other.clone();
        let base = own_base.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1024 * 1024)
                .await
                .unwrap_or_default();
            let target = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let index = seen.record(&parts.method, &target, &parts.headers, &body);
            let reply = answer(&Request {
                method: parts.method,
                target,
                headers: parts.headers,
                body,
                other,
                base,
                index,
            });
            if matches!(reply.body, ReplyBody::Hang) {
                // The headers never come; the client's own timeout must end the wait.
                futures::future::pending::<()>().await;
            }
            reply.into_response()
        }
    });
    let handle: Handle<SocketAddr> = Handle::new();
    let server = axum_server::from_tcp_rustls(listener, config)?.handle(handle.clone());
    tokio::spawn(async move {
        let _ = server.serve(router.into_make_service()).await;
    });
    Ok(Origin { base, seen, handle })
}

/// Compressed bodies that inflate to far more than they weigh (a fixed-Huffman deflate stream:
/// one literal zero, then back-references of 258 bytes at distance 1).
pub mod bomb {
    /// A raw deflate stream of about `inflated` zero bytes.
    pub fn deflate_raw(inflated: usize) -> Vec<u8> {
        let mut bits = BitWriter::default();
        bits.push(1, 1); // BFINAL
        bits.push(1, 2); // BTYPE = 01, fixed Huffman
        // Literal 0: code 0x30, 8 bits, sent most significant bit first.
        bits.push_reversed(0x30, 8);
        let copies = inflated.saturating_sub(1) / 258;
        for _ in 0..copies {
            // Length 258: symbol 285, code 0xC5 in 8 bits; no extra bits.
            bits.push_reversed(0xC5, 8);
            // Distance 1: code 0, 5 bits.
            bits.push_reversed(0, 5);
        }
        // End of block: symbol 256, 7 zero bits.
        bits.push_reversed(0, 7);
        bits.finish()
    }

    /// A gzip member (`Content-Encoding: gzip`) of about `inflated` zero bytes.
    pub fn gzip(inflated: usize) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        out.extend(deflate_raw(inflated));
        // CRC-32 and size are not checked by a client that never inflates; a plausible size.
        out.extend(0u32.to_le_bytes());
        out.extend((inflated as u32).to_le_bytes());
        out
    }

    /// A zlib stream (`Content-Encoding: deflate`) of about `inflated` zero bytes.
    pub fn zlib(inflated: usize) -> Vec<u8> {
        let mut out = vec![0x78, 0x9c];
        out.extend(deflate_raw(inflated));
        out.extend(1u32.to_be_bytes());
        out
    }

    #[derive(Default)]
    struct BitWriter {
        out: Vec<u8>,
        current: u8,
        used: u8,
    }

    impl BitWriter {
        /// `count` bits of `value`, least significant first (header fields).
        fn push(&mut self, value: u32, count: u8) {
            for i in 0..count {
                self.bit((value >> i) & 1 == 1);
            }
        }

        /// `count` bits of a Huffman code, most significant first.
        fn push_reversed(&mut self, code: u32, count: u8) {
            for i in (0..count).rev() {
                self.bit((code >> i) & 1 == 1);
            }
        }

        fn bit(&mut self, on: bool) {
            if on {
                self.current |= 1 << self.used;
            }
            self.used += 1;
            if self.used == 8 {
                self.out.push(self.current);
                self.current = 0;
                self.used = 0;
            }
        }

        fn finish(mut self) -> Vec<u8> {
            if self.used > 0 {
                self.out.push(self.current);
            }
            self.out
        }
    }
}
