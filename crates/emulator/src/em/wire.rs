//! What every EM answer goes through on its way out: the UTF-8 byte-order mark of some
//! releases' JSON (EM-15, a setting), and the breaks that change an answer's form rather than
//! its content (EM-05, EM-07, EM-16).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::breaks::Break;
use crate::state::State;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The EM router's outer layer: see the module documentation.
pub(crate) async fn shape(
    AxState(st): AxState<Arc<State>>,
    mut req: Request,
    next: Next,
) -> Response {
    if st.breaks.has(Break::EmJsonIgnoresAccept) {
        req.headers_mut().remove(header::ACCEPT);
    }
    let resp = next.run(req).await;
    let unauthorized = resp.status() == StatusCode::UNAUTHORIZED;
    let no_challenge = unauthorized && st.breaks.has(Break::EmNoWwwAuthenticate);
    let no_error = unauthorized && st.breaks.has(Break::Em401WithoutError);
    let bom = st.behaviour().em_json_bom && is_json(&resp);
    if !(no_challenge || no_error || bom) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    if no_challenge {
        parts.headers.remove(header::WWW_AUTHENTICATE);
    }
    if no_error {
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    // EM-15: the JSON text after a byte-order mark.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut with_bom = Vec::with_capacity(bytes.len() + BOM.len());
    with_bom.extend_from_slice(BOM);
    with_bom.extend_from_slice(&bytes);
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(len) = HeaderValue::from_str(&with_bom.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, len);
    }
    Response::from_parts(parts, Body::from(with_bom))
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
