//! What a server answered: status, headers and body, with the small readers the steps need
//! (JSON, a minimal XML tree, cookies).

use std::fmt;

use anyhow::{Context as _, anyhow};
use quick_xml::events::Event;
use reqwest::header::HeaderMap;

/// One HTTP answer, read completely.
#[derive(Clone)]
pub struct Answer {
    /// What was asked, e.g. `POST /api/sessionMngr/?v=latest`, for messages.
    pub request: String,
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Answer {
    // Headers and bodies carry tokens: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("request", &self.request)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The largest answer a step reads: 8 MiB. A body that never ends, or one far larger than any
/// answer of the three APIs, is an error rather than memory and time the server decides.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// Reads the body of `response`, at most [`MAX_ANSWER_BYTES`], checked while reading.
async fn read_limited(label: &str, mut response: reqwest::Response) -> anyhow::Result<Vec<u8>> {
    let too_large = || {
        anyhow!("{label}: the body is larger than {MAX_ANSWER_BYTES} bytes; the rest was not read")
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| anyhow!("{label}: body could not be read: {}", error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Answer {
    /// Sends `request` and reads the whole answer.
    pub async fn fetch(label: String, request: reqwest::RequestBuilder) -> anyhow::Result<Answer> {
        let response = request
            .send()
            .await
            .map_err(|e| anyhow!("{label}: no answer: {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_limited(&label, response).await?;
        Ok(Answer {
            request: label,
            status,
            headers,
            body,
        })
    }

    /// The status with its reason phrase, e.g. `401 Unauthorized`.
    pub fn status_line(&self) -> String {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        format!("{} {reason}", self.status).trim_end().to_owned()
    }

    /// A short description for reports: status, content type and body size, never the body.
    pub fn summary(&self) -> String {
        let ct = self.content_type();
        let body = if self.body.is_empty() {
            "empty body".to_owned()
        } else if ct.is_empty() {
            format!("{} bytes", self.body.len())
        } else {
            format!("{ct}, {} bytes", self.body.len())
        };
        let code = self
            .json()
            .ok()
            .and_then(|j| {
                j.get("errorCode")
                    .and_then(|c| c.as_str())
                    .map(str::to_owned)
            })
            .map(|c| format!(", errorCode {c}"))
            .unwrap_or_default();
        format!("{} ({body}{code})", self.status_line())
    }

    /// The value of header `name`, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, without parameters, lower case.
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// Whether the body is empty (or only white space).
    pub fn body_is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The body parsed as JSON.
    /// A leading UTF-8 byte-order mark is skipped (EM-15: some releases send one).
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        serde_json::from_slice(body).map_err(|e| {
            anyhow!(
                "{}: the body is not JSON ({e}); answer was {}",
                self.request,
                self.status_line()
            )
        })
    }

    /// The body parsed as XML.
    pub fn xml(&self) -> anyhow::Result<Element> {
        Element::parse(&self.body).with_context(|| {
            format!(
                "{}: the body is not XML; answer was {}",
                self.request,
                self.status_line()
            )
        })
    }

    /// The value of the cookie `name` set by this answer, with its `Path` attribute.
    pub fn cookie(&self, name: &str) -> Option<(String, Option<String>)> {
        for value in self.headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';').map(str::trim);
            let Some((n, v)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            if n.trim() != name {
                continue;
            }
            let path = parts.find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("path")
                    .then(|| v.trim().to_owned())
            });
            return Some((v.trim().trim_matches('"').to_owned(), path));
        }
        None
    }
}

/// The error and its sources in one line.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// A minimal XML element tree: enough to check Enterprise Manager documents.
#[derive(Clone, Debug, Default)]
pub struct Element {
    /// The local name (no prefix).
    pub name: String,
    /// The namespace URI of the element, if any.
    pub namespace: Option<String>,
    /// The attributes, local names and unescaped values.
    pub attributes: Vec<(String, String)>,
    /// The child elements.
    pub children: Vec<Element>,
    /// The text directly inside the element, trimmed.
    pub text: String,
}

impl Element {
    fn open(
        start: &quick_xml::events::BytesStart<'_>,
        namespace: Option<String>,
        decoder: quick_xml::encoding::Decoder,
    ) -> anyhow::Result<Element> {
        let mut el = Element {
            name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
            namespace,
            ..Element::default()
        };
        for attr in start.attributes() {
            let attr = attr?;
            if attr.key.as_ref().starts_with(b"xmlns") {
                continue;
            }
            let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
            let value = attr.decode_and_unescape_value(decoder)?.into_owned();
            el.attributes.push((key, value));
        }
        Ok(el)
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant element (depth first, not including `self`).
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        for c in &self.children {
            out.push(c);
            out.extend(c.descendants());
        }
        out
    }

    /// The descendants named `name`.
    pub fn find_all(&self, name: &str) -> Vec<&Element> {
        self.descendants()
            .into_iter()
            .filter(|e| e.name == name)
            .collect()
    }

    /// The text of the first descendant named `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.find_all(name).first().map(|e| e.text.as_str())
    }

    /// Parses a whole document and returns its root element.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Element> {
        let mut reader = quick_xml::NsReader::from_reader(bytes);
        reader.config_mut().trim_text(true);
        let mut stack: Vec<Element> = Vec::new();
        let mut buf = Vec::new();
        loop {
            let (ns, event) = reader.read_resolved_event_into(&mut buf)?;
            let ns = match ns {
                quick_xml::name::ResolveResult::Bound(n) => {
                    Some(String::from_utf8_lossy(n.as_ref()).into_owned())
                }
                _ => None,
            };
            match event {
                Event::Start(start) => stack.push(Element::open(&start, ns, reader.decoder())?),
                Event::Empty(start) => {
                    let el = Element::open(&start, ns, reader.decoder())?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or_else(|| anyhow!("unbalanced XML"))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::Text(t) => {
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(t.decode()?.trim());
                    }
                }
                Event::Eof => return Err(anyhow!("the XML document ended early")),
                _ => {}
            }
            buf.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Answer {
            request: "GET /x".into(),
            status: 401,
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn reads_a_cookie_and_its_path() {
        let a = answer(
            &[
                ("set-cookie", "other=1; Path=/"),
                (
                    "set-cookie",
                    "X-RestSvcSessionId=abc==; path=/api; HttpOnly",
                ),
            ],
            "",
        );
        assert_eq!(
            a.cookie("X-RestSvcSessionId"),
            Some(("abc==".to_owned(), Some("/api".to_owned())))
        );
        assert_eq!(a.cookie("missing"), None);
    }

    #[test]
    fn parses_namespaced_xml_with_empty_elements() {
        let xml = r#"<?xml version="1.0"?>
            <LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href="h" Type="LogonSession">
              <Links><Link Rel="Up" Type="EnterpriseManager" Href="u"/><Link Rel="Delete" Href="d"/></Links>
              <UserName>admin</UserName><SessionId>s-1</SessionId>
            </LogonSession>"#;
        let root = Element::parse(xml.as_bytes()).unwrap();
        assert_eq!(root.name, "LogonSession");
        assert_eq!(
            root.namespace.as_deref(),
            Some("http://www.veeam.com/ent/v1.0")
        );
        assert_eq!(root.attr("Type"), Some("LogonSession"));
        assert_eq!(root.find_all("Link").len(), 2);
        assert_eq!(root.text_of("SessionId"), Some("s-1"));
        assert!(Element::parse(b"<a><b></a>").is_err());
    }

    #[test]
    fn summary_never_shows_the_body() {
        let a = answer(
            &[("content-type", "application/json; charset=utf-8")],
            r#"{"errorCode":"InvalidToken","message":"secret-token-xyz"}"#,
        );
        let s = a.summary();
        assert!(
            s.contains("401 Unauthorized") && s.contains("errorCode InvalidToken"),
            "{s}"
        );
        assert!(!s.contains("secret-token-xyz"), "{s}");
        assert!(!format!("{a:?}").contains("secret-token-xyz"));
    }
}
