//! The legacy ZVM session (ZVM-01..ZVM-05, ZVM-07, ZVM-10, ZVM-11): `POST /v1/session/add` with
//! Basic credentials gives an `x-zerto-session` id; a request authenticates with that id (its
//! dormancy restarts) or with a Bearer token of the realm; `DELETE /v1/session` ends it.

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::behaviour::ZvmKind;
use crate::breaks::Break;
use crate::common::{basic_credentials, bearer, content_is_xml};
use crate::state::{
    Count, Product, State, Token32, ZvmSession, decode_b64url, dur_ms, random_uuid,
};

use super::{St, err, not_found};

/// The ZVM session header (ZVM-02, ZVM-03).
pub(crate) const SESSION_HEADER: &str = "x-zerto-session";

/// ZVM-01, ZVM-02, ZVM-07: `POST /v1/session/add`; an Appliance answers `404` (ZVM-10).
pub(super) async fn logon(AxState(st): St, headers: HeaderMap, body: Bytes) -> Response {
    if st.behaviour().zvm_kind == ZvmKind::Appliance {
        if st.breaks.has(Break::ZvmApplianceSessionAdd401) {
            return err(
                StatusCode::UNAUTHORIZED,
                "Authorization has been denied for this request.",
                &headers,
            );
        }
        return not_found(headers).await;
    }
    // Body: empty, or {"AuthenticationMethod": 0|1} (JSON or XML).
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    if !text.is_empty() {
        let method = if content_is_xml(&headers) || text.starts_with('<') {
            let inner = text
                .split("<AuthenticationMethod>")
                .nth(1)
                .and_then(|s| s.split("</AuthenticationMethod>").next());
            match inner {
                Some(v) => v.trim().parse::<i64>().ok().map(Some),
                None if text.contains("AuthenticationMethod") => None,
                None => Some(None),
            }
        } else {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => {
                    match map
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("AuthenticationMethod"))
                    {
                        None => Some(None),
                        Some((_, Value::Number(n))) => n.as_i64().map(Some),
                        Some((_, Value::String(_)))
                            if st.breaks.has(Break::ZvmAuthMethodStringRefused) =>
                        {
                            None
                        }
                        Some((_, Value::String(s))) => s.trim().parse::<i64>().ok().map(Some),
                        Some((_, Value::Null)) => Some(None),
                        Some(_) => None,
                    }
                }
                _ => {
                    return err(
                        StatusCode::BAD_REQUEST,
                        "the body must be empty or {\"AuthenticationMethod\": 0|1}",
                        &headers,
                    );
                }
            }
        };
        match method {
            Some(None) | Some(Some(0)) | Some(Some(1)) => {}
            _ => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "AuthenticationMethod must be 0 (Windows) or 1 (vCenter/SCVMM)",
                    &headers,
                );
            }
        }
    }
    let sent = basic_credentials(&headers);
    let user = match &sent {
        Some(Ok((name, password))) => st.authenticate(name, password).filter(|(_, u)| u.zvm),
        _ => None,
    };
    let Some((index, user)) = user else {
        st.count(Product::Zvm, Count::FailedLogon);
        tracing::info!("ZVM logon refused");
        if matches!(sent, Some(Ok(_))) && st.breaks.has(Break::ZvmWrongPasswordForbidden) {
            return err(StatusCode::FORBIDDEN, "Access denied.", &headers);
        }
        let mut resp = err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            &headers,
        );
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        return resp;
    };
    let id = random_uuid();
    {
        let mut store = st.zvm.lock();
        if store.sessions.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.zvm.lock();
            if store.sessions.len() >= st.limits.session_cap {
                return err(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many sessions: the session table is full",
                    &headers,
                );
            }
        }
        store.sessions.insert(
            id.as_u128(),
            ZvmSession {
                user: index,
                last_ms: st.now_ms(),
            },
        );
    }
    st.count(Product::Zvm, Count::Logon);
    tracing::info!(user = %user.name, "ZVM logon");
    let status = if st.breaks.has(Break::ZvmLogonCreated) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert(SESSION_HEADER, v);
    }
    resp
}

/// What authenticated a request.
pub(super) enum Caller {
    Session(u128),
    Bearer(Token32),
}

/// ZVM-03, ZVM-05, ZVM-09, ZVM-11: `x-zerto-session` (dormancy reset by each request) or Bearer
/// (refused on a Windows ZVM; without `scope=openid` refused when the setting asks).
pub(super) fn authenticate(st: &State, headers: &HeaderMap) -> Result<Caller, Response> {
    let now = st.now_ms();
    if let Some(value) = headers.get(SESSION_HEADER) {
        let id = value
            .to_str()
            .ok()
            .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
            .map(|u| u.as_u128());
        let dormancy = dur_ms(st.lifetimes().zvm_dormancy);
        if let Some(id) = id {
            let mut store = st.zvm.lock();
            if let Some(s) = store.sessions.get_mut(&id) {
                if now < s.last_ms.saturating_add(dormancy) {
                    if !st.breaks.has(Break::ZvmDormancyNotReset) {
                        s.last_ms = now;
                    }
                    return Ok(Caller::Session(id));
                }
                store.sessions.remove(&id);
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "the session has expired: log on again",
                    headers,
                ));
            }
        }
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            headers,
        ));
    }
    if let Some(token) = bearer(headers) {
        let behaviour = st.behaviour();
        let key = decode_b64url::<32>(token);
        if key.is_none() && st.breaks.has(Break::ZvmForgedBearerAccepted) {
            return Ok(Caller::Bearer([0; 32]));
        }
        if let Some(key) = key.filter(|_| behaviour.zvm_kind != ZvmKind::Windows) {
            let mut store = st.zvm.lock();
            if let Some(t) = store.access.get(&key).copied() {
                if now < t.expires_ms {
                    if !t.openid
                        && behaviour.zvm_require_openid_scope
                        && !st.breaks.has(Break::ZvmOpenidScopeIgnored)
                    {
                        return Err(err(
                            StatusCode::UNAUTHORIZED,
                            "the token was issued without scope openid",
                            headers,
                        ));
                    }
                    return Ok(Caller::Bearer(key));
                }
                store.access.remove(&key);
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "the access token has expired",
                    headers,
                ));
            }
        }
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            headers,
        ));
    }
    if st.breaks.has(Break::ZvmSessionNotRequired) {
        return Ok(Caller::Session(0));
    }
    Err(err(
        StatusCode::UNAUTHORIZED,
        "Authorization has been denied for this request: send x-zerto-session",
        headers,
    ))
}

/// ZVM-04: `DELETE /v1/session` → `200` empty; the id is refused afterwards.
pub(super) async fn logout(AxState(st): St, headers: HeaderMap) -> Response {
    match authenticate(&st, &headers) {
        Ok(Caller::Session(_)) if st.breaks.has(Break::ZvmLogoutKeepsSession) => {}
        Ok(Caller::Session(id)) => {
            st.zvm.lock().sessions.remove(&id);
        }
        Ok(Caller::Bearer(key)) => {
            st.zvm.lock().access.remove(&key);
        }
        Err(r) => return r,
    }
    st.count(Product::Zvm, Count::Logout);
    tracing::info!("ZVM logout");
    StatusCode::OK.into_response()
}
