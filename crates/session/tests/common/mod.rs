//! Shared by the session core's tests: a tiny OAuth-like server over real TLS (axum + rcgen) on
//! a virtual clock, and a minimal [`Authenticator`] for it. Product protocols are tested in
//! their crates against the emulator.
#![allow(dead_code, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use parking_lot::Mutex;
use restpoint_session::{
    AuthContext, AuthError, Authenticator, Clock, Credentials, Error, ExposeSecret, HttpOptions,
    ManualClock, Result, Session, SessionOptions, Token, decode_json,
};

pub const PASSWORD: &str = "pw-correct-horse-battery";

// ---------------------------------------------------------------- the test server

#[derive(Default)]
pub struct ServerState {
    pub n_logons: AtomicU64,
    pub n_refreshes: AtomicU64,
    pub n_data: AtomicU64,
    pub n_logouts: AtomicU64,
    pub refuse_refresh: AtomicBool,
    pub always_401: AtomicBool,
    /// Refuse every password logon (a rotated password, a locked account).
    pub refuse_logon: AtomicBool,
    /// access token → expiry; refresh token → unused
    pub access: Mutex<HashMap<String, SystemTime>>,
    pub refresh: Mutex<HashMap<String, ()>>,
    pub next: AtomicU64,
    pub issued: Mutex<Vec<String>>,
}

#[derive(Clone)]
pub struct App {
    pub state: Arc<ServerState>,
    pub clock: ManualClock,
}

impl App {
    fn issue(&self) -> serde_json::Value {
        let n = self.state.next.fetch_add(1, Ordering::SeqCst);
        let access = format!("at-{n}-SECRETACCESS");
        let refresh = format!("rt-{n}-SECRETREFRESH");
        self.state
            .access
            .lock()
            .insert(access.clone(), self.clock.now() + Duration::from_secs(900));
        self.state.refresh.lock().insert(refresh.clone(), ());
        self.state
            .issued
            .lock()
            .extend([access.clone(), refresh.clone()]);
        serde_json::json!({"access_token": access, "refresh_token": refresh, "expires_in": 900})
    }
}

async fn token_endpoint(
    State(app): State<App>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    // Let concurrent callers pile up behind the one logon.
    tokio::time::sleep(Duration::from_millis(20)).await;
    match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            app.state.n_logons.fetch_add(1, Ordering::SeqCst);
            if form.get("password").map(String::as_str) != Some(PASSWORD)
                || app.state.refuse_logon.load(Ordering::SeqCst)
            {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(serde_json::json!({"errorCode": "AccessDenied"})),
                )
                    .into_response();
            }
            Json(app.issue()).into_response()
        }
        Some("refresh_token") => {
            app.state.n_refreshes.fetch_add(1, Ordering::SeqCst);
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            let known = app.state.refresh.lock().remove(&rt).is_some();
            if !known || app.state.refuse_refresh.load(Ordering::SeqCst) {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            Json(app.issue()).into_response()
        }
        _ => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

fn valid(app: &App, headers: &HeaderMap) -> bool {
    let Some(token) = bearer(headers) else {
        return false;
    };
    matches!(app.state.access.lock().get(&token), Some(exp) if *exp > app.clock.now())
}

async fn data(State(app): State<App>, headers: HeaderMap) -> axum::response::Response {
    app.state.n_data.fetch_add(1, Ordering::SeqCst);
    if app.state.always_401.load(Ordering::SeqCst) || !valid(&app, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    "ok".into_response()
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> axum::response::Response {
    if !valid(&app, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    app.state.n_logouts.fetch_add(1, Ordering::SeqCst);
    app.state.access.lock().clear();
    app.state.refresh.lock().clear();
    Json(serde_json::json!({})).into_response()
}

pub struct Server {
    pub url: String,
    pub ca_pem: String,
    pub app: App,
}

impl Server {
    pub async fn start() -> Self {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let ca_pem = cert.cert.pem();
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            ca_pem.clone().into_bytes(),
            cert.signing_key.serialize_pem().into_bytes(),
        )
        .await
        .unwrap();
        let app = App {
            state: Arc::default(),
            clock: ManualClock::new(),
        };
        let router = Router::new()
            .route("/token", post(token_endpoint))
            .route("/data", get(data).post(data))
            .route("/logout", post(logout))
            .with_state(app.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = axum_server::from_tcp_rustls(listener, config).unwrap();
        tokio::spawn(async move { server.serve(router.into_make_service()).await });
        Server {
            url: format!("https://localhost:{port}"),
            ca_pem,
            app,
        }
    }

    pub fn http(&self) -> reqwest::Client {
        HttpOptions::new()
            .ca_pem_only(&self.ca_pem)
            .unwrap()
            .build_client("test")
            .unwrap()
    }

    pub fn session(&self, password: &str) -> Session<TestAuth> {
        let auth = TestAuth {
            url: self.url.clone(),
            credentials: Credentials::new("alice", password.to_owned()),
        };
        Session::with_options(
            auth,
            self.http(),
            SessionOptions::new().clock(self.app.clock.shared()),
        )
    }

    pub fn data_request(&self, session: &Session<TestAuth>) -> reqwest::Request {
        session
            .http()
            .get(format!("{}/data", self.url))
            .build()
            .unwrap()
    }

    pub fn n(&self, counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------- a minimal authenticator

pub struct TestAuth {
    pub url: String,
    pub credentials: Credentials,
}

#[derive(serde::Deserialize)]
struct TokenBody {
    access_token: restpoint_session::SecretString,
    refresh_token: restpoint_session::SecretString,
    expires_in: u64,
}

impl TestAuth {
    async fn grant(
        &self,
        cx: &AuthContext<'_>,
        op: &'static str,
        form: &[(&str, &str)],
    ) -> Result<Token> {
        let request = cx
            .http()
            .post(format!("{}/token", self.url))
            .form(form)
            .build()
            .unwrap();
        let response = cx.execute(op, request).await?;
        let status = response.status();
        let context = cx.context(op).with_status(status);
        if status == StatusCode::UNAUTHORIZED {
            let kind = if op == "refresh" {
                AuthError::RefreshRefused
            } else {
                AuthError::WrongCredentials
            };
            return Err(Error::auth(context, kind));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(context.clone(), e))?;
        let body: TokenBody = decode_json(&context, &body)?;
        Ok(Token::new(body.access_token)
            .with_refresh_token(body.refresh_token)
            .with_lifetime(Duration::from_secs(body.expires_in)))
    }
}

impl Authenticator for TestAuth {
    fn product(&self) -> &'static str {
        "test"
    }

    async fn logon(&self, cx: &AuthContext<'_>) -> Result<Token> {
        let password = self.credentials.password().expose_secret();
        self.grant(
            cx,
            "logon",
            &[
                ("grant_type", "password"),
                ("username", self.credentials.username()),
                ("password", password),
            ],
        )
        .await
    }

    async fn refresh(&self, cx: &AuthContext<'_>, token: &Token) -> Result<Option<Token>> {
        let rt = token.refresh_token().unwrap().expose_secret();
        self.grant(
            cx,
            "refresh",
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await
        .map(Some)
    }

    async fn logout(&self, cx: &AuthContext<'_>, token: &Token) -> Result<()> {
        let mut request = cx
            .http()
            .post(format!("{}/logout", self.url))
            .build()
            .unwrap();
        self.authorize(&mut request, token)?;
        let response = cx.execute("logout", request).await?;
        if !response.status().is_success() {
            return Err(Error::auth(
                cx.context("logout").with_status(response.status()),
                AuthError::TokenRefused,
            ));
        }
        Ok(())
    }

    fn authorize(&self, request: &mut reqwest::Request, token: &Token) -> Result<()> {
        request.headers_mut().insert(
            reqwest::header::AUTHORIZATION,
            token.bearer_header_value().unwrap(),
        );
        Ok(())
    }
}
