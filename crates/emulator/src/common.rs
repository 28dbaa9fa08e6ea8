//! HTTP helpers shared by the three products: credentials, content negotiation, path
//! normalisation, and the per-product guard (counters, header limit, injected faults).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State as AxState};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};

use crate::state::{Fault, Product, State};

/// `(user, password)` from `Authorization: Basic ...`; `None` if absent or not Basic.
/// `Some(Err(()))` when Basic is present but garbage.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let value = value.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = match base64::engine::general_purpose::STANDARD.decode(rest.trim()) {
        Ok(d) => d,
        Err(_) => return Some(Err(())),
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return Some(Err(()));
    };
    match text.split_once(':') {
        Some((u, p)) => Some(Ok((u.to_string(), p.to_string()))),
        None => Some(Err(())),
    }
}

/// The token of `Authorization: Bearer <token>`, if present.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get_all(header::AUTHORIZATION).iter().find_map(|v| {
        let v = v.to_str().ok()?.trim();
        let (scheme, rest) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| rest.trim())
            .filter(|t| !t.is_empty())
    })
}

/// Whether the client asked for JSON: `application/json` in `Accept`, ranked no lower than XML.
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    let mut json_q: Option<f32> = None;
    let mut xml_q: Option<f32> = None;
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if media == "application/json" || media.ends_with("+json") || media == "text/json" {
                json_q = Some(json_q.map_or(q, |old| old.max(q)));
            } else if media.contains("xml") {
                xml_q = Some(xml_q.map_or(q, |old| old.max(q)));
            }
        }
    }
    match (json_q, xml_q) {
        (Some(j), Some(x)) => j > 0.0 && j >= x,
        (Some(j), None) => j > 0.0,
        _ => false,
    }
}

/// Whether the request body is declared as XML.
pub(crate) fn content_is_xml(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("xml"))
}

/// Query parameters as decoded pairs.
pub(crate) fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// The first query parameter named `name` (case-insensitive).
pub(crate) fn query_param(uri: &Uri, name: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Lower-cases the path and removes a final `/`, so routing is case-insensitive (ZVM-08) and
/// tolerant of trailing slashes. The query is kept as sent. A path that is already lower-case
/// and without a final `/` is left as it is, without allocating.
pub(crate) fn normalize_path<B>(mut req: http::Request<B>) -> http::Request<B> {
    let path = req.uri().path();
    let bytes = path.as_bytes();
    let trailing = bytes.len() > 1 && bytes.ends_with(b"/");
    if !trailing && !bytes.iter().any(u8::is_ascii_uppercase) {
        return req;
    }
    let mut end = path.len();
    while end > 1 && path.as_bytes()[end - 1] == b'/' {
        end -= 1;
    }
    let query = req.uri().query();
    let mut pq = String::with_capacity(end + query.map_or(0, |q| q.len() + 1));
    pq.push_str(&path[..end]);
    pq.make_ascii_lowercase();
    if let Some(q) = query {
        pq.push('?');
        pq.push_str(q);
    }
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = http::uri::PathAndQuery::from_maybe_shared(bytes::Bytes::from(pq)) {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// A response with a body and a content type.
pub(crate) fn body_response(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// The product's own error answer for `status`.
pub(crate) fn product_error(
    st: &State,
    product: Product,
    status: StatusCode,
    message: &str,
    headers: &HeaderMap,
) -> Response {
    match product {
        Product::Em => crate::em::error(status, message, wants_json(headers)),
        Product::Vbr => crate::vbr::error(st, status, message),
        Product::Zvm => crate::zvm::error(status, message, wants_json(headers)),
    }
}

/// Counts the request, applies the header limit, and injects a pending fault.
pub(crate) async fn guard(
    AxState((st, product)): AxState<(Arc<State>, Product)>,
    req: Request,
    next: Next,
) -> Response {
    match admit(&st, product, &req) {
        Err(resp) => return resp,
        Ok(Some(delay)) => tokio::time::sleep(delay).await,
        Ok(None) => {}
    }
    next.run(req).await
}

/// The work of [`guard`], for a middleware that does more in the same layer: `Err` is the
/// answer that ends the request, `Ok(Some(delay))` an injected delay to wait before going on.
pub(crate) fn admit(
    st: &State,
    product: Product,
    req: &Request,
) -> Result<Option<std::time::Duration>, Response> {
    st.count_request(
        product,
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map_or("*", MatchedPath::as_str),
    );
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > st.limits.header_bytes {
        return Err(product_error(
            st,
            product,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request headers too large",
            req.headers(),
        ));
    }
    if let Some(fault) = st.take_fault(product) {
        tracing::debug!(product = product.label(), ?fault, "injecting fault");
        match fault {
            Fault::Status(code) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err(product_error(
                    st,
                    product,
                    status,
                    "injected fault",
                    req.headers(),
                ));
            }
            Fault::Delay(d) => return Ok(Some(d)),
            Fault::DropConnection => return Err(dropped_connection()),
            Fault::MalformedBody => return Err(malformed_body(product, req.headers())),
            Fault::Throttle(seconds) => return Err(throttled(st, product, seconds, req.headers())),
        }
    }
    Ok(None)
}

/// A response whose body fails at once: hyper aborts the connection before a complete answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected dropped connection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// `429` with the product's error body and `Retry-After` in its seconds form.
fn throttled(st: &State, product: Product, seconds: u64, headers: &HeaderMap) -> Response {
    let mut response = product_error(
        st,
        product,
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests",
        headers,
    );
    response
        .headers_mut()
        .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
    response
}

fn malformed_body(product: Product, headers: &HeaderMap) -> Response {
    let json = match product {
        Product::Vbr => true,
        Product::Em | Product::Zvm => wants_json(headers),
    };
    if json {
        body_response(
            StatusCode::OK,
            "application/json; charset=utf-8",
            "{\"data\": [{\"id\": \"3f2a".to_string(),
        )
    } else {
        body_response(
            StatusCode::OK,
            "application/xml; charset=utf-8",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><LogonSession xmlns=\"http://www.veeam.com/ent/v1.0\" Href=\"".to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn accept_negotiation_em_07() {
        assert!(!wants_json(&headers(&[])));
        assert!(wants_json(&headers(&[("accept", "application/json")])));
        assert!(wants_json(&headers(&[(
            "accept",
            "application/xml;q=0.5, application/json"
        )])));
        assert!(!wants_json(&headers(&[(
            "accept",
            "application/xml, application/json;q=0.9"
        )])));
        assert!(!wants_json(&headers(&[("accept", "*/*")])));
        assert!(!wants_json(&headers(&[("accept", "application/json;q=0")])));
    }

    #[test]
    fn basic_credentials_parse_and_refuse_garbage() {
        let h = headers(&[("authorization", "basic YWRtaW46cDpx")]);
        assert_eq!(
            basic_credentials(&h),
            Some(Ok(("admin".to_string(), "p:q".to_string())))
        );
        assert_eq!(
            basic_credentials(&headers(&[("authorization", "Basic ###")])),
            Some(Err(()))
        );
        assert_eq!(
            basic_credentials(&headers(&[("authorization", "Bearer x")])),
            None
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "BEARER  tok ")])),
            Some("tok")
        );
    }

    #[test]
    fn paths_are_lower_cased_and_trailing_slashes_dropped_zvm_08() {
        let req = Request::builder()
            .uri("/V1/Session/Add/?x=AbC")
            .body(Body::empty())
            .unwrap();
        let req = normalize_path(req);
        assert_eq!(req.uri().path(), "/v1/session/add");
        assert_eq!(req.uri().query(), Some("x=AbC"));
        let req = normalize_path(Request::builder().uri("/").body(Body::empty()).unwrap());
        assert_eq!(req.uri().path(), "/");
        let req = normalize_path(
            Request::builder()
                .uri("/api/v1/jobs?Skip=1")
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(req.uri().path(), "/api/v1/jobs");
        assert_eq!(req.uri().query(), Some("Skip=1"));
        let req = normalize_path(
            Request::builder()
                .uri("https://h:1/api//V1///")
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(req.uri().path(), "/api//v1");
        assert_eq!(req.uri().authority().map(|a| a.as_str()), Some("h:1"));
        let req = normalize_path(Request::builder().uri("///").body(Body::empty()).unwrap());
        assert_eq!(req.uri().path(), "/");
    }
}
