//! The evidence of a scenario: each HTTP exchange it made, described without a secret (the
//! request line our steps wrote, status, content type, size and header names: never a header
//! value, never a body), and the redaction of every secret the run has seen.
//!
//! Every request a step sends goes through [`Exchange::capture`]: it describes the exchange and
//! remembers the secrets in it (passwords and codes of a logon body, the value of
//! `Authorization`, `X-RestSvcSessionId`, `x-zerto-session` and cookies, the tokens and session
//! ids of an answer). [`redact`] replaces each of them in any text before it is written to a
//! report; the report's own fields never carry a value in the first place.

use std::collections::BTreeSet;
use std::sync::Mutex;

use base64::Engine as _;
use serde::Serialize;

use crate::answer::Answer;

/// The most header names kept per message (a hostile server could send thousands).
const MAX_HEADER_NAMES: usize = 32;
/// The longest request line kept.
const MAX_LINE: usize = 300;
/// Shorter values are not treated as secrets (they would redact ordinary words and numbers).
const MIN_SECRET_LEN: usize = 6;
/// What stands in for a secret.
pub const REDACTED: &str = "[redacted]";

/// One request and what it was answered, without a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// What was asked, as the step wrote it, e.g. `POST /api/oauth2/token (grant_type=password)`.
    pub request: String,
    /// The names of the request's headers (lower case), e.g. `authorization`, `x-api-version`.
    pub request_headers: Vec<String>,
    /// The status code; `None` when no answer came.
    pub status: Option<u16>,
    /// The status with its reason phrase, or why no answer came.
    pub status_line: String,
    /// The media type of the answer's body, without parameters (empty when none).
    pub content_type: String,
    /// The size of the answer's body in bytes.
    pub size: usize,
    /// The names of the answer's headers (lower case).
    pub response_headers: Vec<String>,
}

/// The secrets every run in this process has seen (tokens, passwords, session ids), for
/// [`redact`]. Values are only ever compared, never written.
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn remember(values: impl IntoIterator<Item = String>) {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    for v in values {
        let v = v.trim().to_owned();
        if v.len() >= MIN_SECRET_LEN {
            seen.insert(v);
        }
    }
}

/// Remembers `value` as a secret to redact from every report (for a password the run was given).
pub fn remember_secret(value: &str) {
    remember([value.to_owned()]);
}

/// A copy of every secret the runs of this process have seen, for the secrets audit (R3):
/// a test writes every report format and searches the files for each of them.
pub fn observed_secrets() -> Vec<String> {
    SEEN.lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// `text` with every secret seen so far replaced by [`REDACTED`] (longest first, so that a
/// token that contains another is replaced whole).
pub fn redact(text: &str) -> String {
    let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let mut secrets: Vec<&String> = seen.iter().filter(|s| text.contains(s.as_str())).collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for s in secrets {
        out = out.replace(s.as_str(), REDACTED);
    }
    out
}

impl Exchange {
    /// Describes `request` before it is sent and remembers the secrets it carries.
    pub fn capture(label: &str, request: &reqwest::Request) -> Exchange {
        remember(request_secrets(request));
        Exchange {
            request: clip(label, MAX_LINE),
            request_headers: header_names(request.headers()),
            status: None,
            status_line: String::new(),
            content_type: String::new(),
            size: 0,
            response_headers: Vec::new(),
        }
    }

    /// Adds what the server answered and remembers the secrets of the answer.
    pub fn answered(mut self, answer: &Answer) -> Exchange {
        remember(answer_secrets(answer));
        self.status = Some(answer.status);
        self.status_line = answer.status_line();
        self.content_type = clip(&answer.content_type(), 100);
        self.size = answer.body.len();
        self.response_headers = header_names(&answer.headers);
        self
    }

    /// Notes that no answer came, with the reason (secrets redacted).
    pub fn unanswered(mut self, error: &anyhow::Error) -> Exchange {
        self.status_line = clip(&redact(&format!("no answer: {error:#}")), MAX_LINE);
        self
    }

    /// The exchange with every secret seen so far redacted from its text.
    pub fn redacted(&self) -> Exchange {
        let r = |s: &String| redact(s);
        Exchange {
            request: r(&self.request),
            request_headers: self.request_headers.iter().map(r).collect(),
            status: self.status,
            status_line: r(&self.status_line),
            content_type: r(&self.content_type),
            size: self.size,
            response_headers: self.response_headers.iter().map(r).collect(),
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn header_names(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    names.dedup();
    names.truncate(MAX_HEADER_NAMES);
    names
}

/// Header whose values are credentials or session ids.
fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || name.contains("session")
        || name.contains("token")
        || name.contains("secret")
}

/// Keys (of a form, a JSON object or an XML element) whose values are secrets.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // `token_type`, `token_endpoint`, `refresh_expires_in`: descriptions, not secrets.
    if ["type", "endpoint", "url", "uri", "expire", "lifetime"]
        .iter()
        .any(|w| k.contains(w))
    {
        return false;
    }
    k.contains("password")
        || k.contains("token")
        || k.contains("secret")
        || k.contains("sessionid")
        || k == "code"
        || k == "session_state"
        || k == "id_token"
}

fn header_secrets(headers: &reqwest::header::HeaderMap, out: &mut Vec<String>) {
    for (name, value) in headers {
        if !is_secret_header(name.as_str()) {
            continue;
        }
        let Ok(value) = value.to_str() else { continue };
        out.push(value.to_owned());
        // `Bearer xyz`, `Basic base64(user:password)`
        if let Some((scheme, rest)) = value.split_once(' ') {
            out.push(rest.trim().to_owned());
            if scheme.eq_ignore_ascii_case("basic")
                && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest.trim())
                && let Ok(decoded) = String::from_utf8(decoded)
            {
                out.push(decoded.clone());
                if let Some((_, password)) = decoded.split_once(':') {
                    out.push(password.to_owned());
                }
            }
        }
        // Cookies: `a=1; b=2` (request) or `name=value; Path=/` (answer).
        for part in value.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.trim();
                if !matches!(
                    k.to_ascii_lowercase().as_str(),
                    "path" | "domain" | "expires" | "max-age" | "samesite"
                ) {
                    out.push(v.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
}

fn body_secrets(body: &[u8], out: &mut Vec<String>) {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.is_empty() {
        return;
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        json_secrets(&json, false, out);
        return;
    }
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('<') {
        if let Ok(root) = crate::answer::Element::parse(body) {
            xml_secrets(&root, out);
        }
        return;
    }
    // application/x-www-form-urlencoded
    for (k, v) in url::form_urlencoded::parse(body) {
        if is_secret_key(&k) {
            out.push(v.into_owned());
        }
    }
}

fn json_secrets(v: &serde_json::Value, secret: bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if secret => out.push(s.clone()),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                json_secrets(v, secret || is_secret_key(k), out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                json_secrets(v, secret, out);
            }
        }
        _ => {}
    }
}

fn xml_secrets(el: &crate::answer::Element, out: &mut Vec<String>) {
    if is_secret_key(&el.name) && !el.text.is_empty() {
        out.push(el.text.clone());
    }
    for (k, v) in &el.attributes {
        if is_secret_key(k) {
            out.push(v.clone());
        }
    }
    for c in &el.children {
        xml_secrets(c, out);
    }
}

fn request_secrets(request: &reqwest::Request) -> Vec<String> {
    let mut out = Vec::new();
    header_secrets(request.headers(), &mut out);
    if let Some(body) = request.body().and_then(reqwest::Body::as_bytes) {
        body_secrets(body, &mut out);
    }
    for (k, v) in request.url().query_pairs() {
        if is_secret_key(&k) {
            out.push(v.into_owned());
        }
    }
    out
}

fn answer_secrets(answer: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    header_secrets(&answer.headers, &mut out);
    body_secrets(&answer.body, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Answer {
            request: "x".into(),
            status: 201,
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_logon_exchange_keeps_names_and_redacts_every_value() {
        let client = reqwest::Client::new();
        let request = client
            .post("https://em.example:9398/api/sessionMngr/?v=latest")
            .basic_auth("alice-evidence", Some("Pa55-evidence-word"))
            .header("x-zerto-session", "zvm-evidence-session-1")
            .form(&[("grant_type", "password"), ("password", "Form-evidence-pw")])
            .build()
            .unwrap();
        let ex = Exchange::capture("POST /api/sessionMngr/?v=latest", &request);
        assert!(ex.request_headers.contains(&"authorization".to_owned()));
        let ex = ex.answered(&answer(
            &[
                ("content-type", "application/xml; charset=utf-8"),
                ("x-restsvcsessionid", "EM-evidence-token=="),
                ("set-cookie", "JSESSION=cookie-evidence-1; Path=/api"),
            ],
            r#"<LogonSession><SessionId>em-evidence-session-id</SessionId></LogonSession>"#,
        ));
        assert_eq!(ex.status, Some(201));
        assert_eq!(ex.content_type, "application/xml");
        assert!(
            ex.response_headers
                .contains(&"x-restsvcsessionid".to_owned())
        );
        let text = format!(
            "Pa55-evidence-word Form-evidence-pw zvm-evidence-session-1 EM-evidence-token== \
             cookie-evidence-1 em-evidence-session-id alice-evidence:Pa55-evidence-word {ex:?}"
        );
        let red = redact(&text);
        for s in [
            "Pa55-evidence-word",
            "Form-evidence-pw",
            "zvm-evidence-session-1",
            "EM-evidence-token==",
            "cookie-evidence-1",
            "em-evidence-session-id",
        ] {
            assert!(!red.contains(s), "{s} in {red}");
            assert!(observed_secrets().iter().any(|x| x == s), "{s} not seen");
        }
        assert!(red.contains(REDACTED), "{red}");
        assert!(red.contains("x-restsvcsessionid"), "{red}");
    }

    #[test]
    fn json_tokens_are_remembered_and_short_values_are_not() {
        let a = answer(
            &[("content-type", "application/json")],
            r#"{"access_token":"json-evidence-access","refresh_token":"json-evidence-refresh","expires_in":900,"token_type":"bearer","nested":{"code":"json-evidence-code"}}"#,
        );
        let _ = Exchange::default().answered(&a);
        let seen = observed_secrets();
        for s in [
            "json-evidence-access",
            "json-evidence-refresh",
            "json-evidence-code",
        ] {
            assert!(seen.iter().any(|x| x == s), "{s}");
        }
        // `token_type` describes the token: its value is no secret.
        assert!(!seen.iter().any(|x| x == "bearer"));
        assert_eq!(redact("token_type bearer"), "token_type bearer");
    }
}
