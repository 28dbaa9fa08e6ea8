//! Test modules and shared helpers.

mod admin;
mod curl;
mod em;
mod em_rules;
mod em_samples;
mod hygiene;
mod published_spec;
mod secrets;
mod setup;
mod vbr;
mod xsd;
mod zvm;

use base64::Engine as _;
use reqwest::{Certificate, Client};
use restpoint_emulator::{Emulator, EmulatorConfig};

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::for_tests()).await
}

pub async fn start_with(config: EmulatorConfig) -> Emulator {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Emulator::start(config).await.expect("emulator starts")
}

/// A client that trusts only the emulator's CA, follows no redirects, keeps no cookies.
pub fn client(emu: &Emulator) -> Client {
    let ca = Certificate::from_pem(emu.ca_pem().as_bytes()).expect("CA PEM");
    Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `POST /api/sessionMngr/?v=latest` as the default administrator (Basic credentials, EM-02).
pub async fn em_admin_logon(c: &Client, emu: &Emulator) -> reqwest::Response {
    c.post(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
        .header(
            "Authorization",
            basic(
                restpoint_emulator::defaults::ADMIN_USER,
                restpoint_emulator::defaults::ADMIN_PASSWORD,
            ),
        )
        .send()
        .await
        .unwrap()
}

/// The value of header `name` as text (the test fails when it is missing or not text).
pub fn header_text(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()[name].to_str().unwrap().to_owned()
}

pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Replaces the given volatile strings (ports, ids, tokens, dates) with stable names.
pub fn redact(text: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in pairs {
        if !from.is_empty() {
            out = out.replace(from, to);
        }
    }
    out
}

/// The text between `<tag>` and `</tag>`.
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}
