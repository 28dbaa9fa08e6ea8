//! EM logon sessions: logon (EM-02..EM-05, EM-11, EM-13), authentication by token (EM-06..EM-08),
//! the caller's sessions (EM-10) and logout (EM-09).

use axum::extract::{Path, Request, State as AxState};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::behaviour::EmTokenForm;
use crate::breaks::Break;
use crate::common::{basic_credentials, body_response, query_param, wants_json};
use crate::config::EmRole;
use crate::state::{
    Count, EmSession, EmStore, EmToken, EmTokenShape, Product, State, decode_em_token, dur_ms,
    encode_em_token, random_bytes, random_uuid,
};
use crate::xml::Node;

use super::{St, error, link, links, parse_id, render, served_versions, tenant};

/// Name of the EM token header and cookie (EM-03, EM-06).
pub(crate) const TOKEN_HEADER: &str = "X-RestSvcSessionId";

fn logon_session_node(st: &State, session: &EmSession, user_name: &str) -> Node {
    let base = &st.bases.em;
    let id = uuid::Uuid::from_u128(session.id).to_string();
    let href = format!("{base}/api/logonSessions/{id}");
    let own = format!("logonSessions/{id}");
    let links = links::LOGON_SESSION
        .iter()
        .map(|entry| {
            let mut data = entry.data(&own);
            if *entry == links::Entry::Delete && st.breaks.has(Break::EmDeleteLinkTyped) {
                data.ty = Some("LogonSession".to_owned());
            }
            if *entry == links::Entry::Entities("jobs") && st.breaks.has(Break::EmJobsLinkType) {
                data.ty = Some("Jobs".to_owned());
            }
            link(
                format!("{base}/api/{}", data.path),
                data.ty.map_or(Value::Null, Value::String),
                data.rel,
                data.name,
            )
        })
        .collect();
    Node::el("LogonSession")
        .attr("Href", href)
        .attr("Type", "LogonSession")
        .child(Node::List {
            name: "Links",
            items: links,
        })
        .child(Node::leaf("UserName", user_name.to_string()))
        .child(Node::leaf("SessionId", id))
}

/// The EM tokens a request carries: cookie values first (EM-06: the cookie wins), then headers.
fn tokens_of(headers: &HeaderMap) -> (Vec<&str>, Vec<&str>) {
    let mut cookies = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.split_once('=')
                && k.trim().eq_ignore_ascii_case(TOKEN_HEADER)
            {
                cookies.push(v.trim().trim_matches('"'));
            }
        }
    }
    let headers_tokens = headers
        .get_all(TOKEN_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    (cookies, headers_tokens)
}

/// Authenticates a request by its token; restarts the idle clock (EM-08).
pub(super) fn authenticate(
    st: &State,
    headers: &HeaderMap,
) -> Result<(EmToken, EmSession), Response> {
    let json = wants_json(headers);
    let (cookies, header_tokens) = tokens_of(headers);
    let candidates = if cookies.is_empty()
        || st.breaks.has(Break::EmHeaderBeatsCookie) && !header_tokens.is_empty()
    {
        header_tokens
    } else {
        cookies
    };
    if candidates.is_empty() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "no X-RestSvcSessionId header or cookie: log on first",
            json,
        ));
    }
    let now = st.now_ms();
    let idle = dur_ms(st.lifetimes().em_idle);
    let mut store = st.em.lock();
    let mut expired = false;
    for candidate in candidates {
        let Some((key, shape)) = decode_em_token(candidate) else {
            continue;
        };
        let Some(session) = store.by_token.get_mut(&key).filter(|s| s.form == shape) else {
            continue;
        };
        if now >= session.last_ms.saturating_add(idle) {
            let id = session.id;
            store.by_token.remove(&key);
            store.by_id.remove(&id);
            expired = true;
            continue;
        }
        if !st.breaks.has(Break::EmIdleNotReset) {
            session.last_ms = now;
        }
        let session = *session;
        drop(store);
        if st.user(session.user).is_none() {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "the account no longer exists",
                json,
            ));
        }
        return Ok((key, session));
    }
    Err(error(
        StatusCode::UNAUTHORIZED,
        if expired {
            "the logon session has expired: log on again"
        } else {
            "the logon session is not valid: log on again"
        },
        json,
    ))
}

/// The account a (non-tenant) logon is for: Basic credentials of an account with a portal role
/// (EM-02, EM-05), or a live session token (EM-11).
fn logon_user(st: &State, headers: &HeaderMap, json: bool) -> Result<u32, Response> {
    match basic_credentials(headers) {
        Some(Ok((name, password))) => match st.authenticate(&name, &password) {
            Some((index, user)) if user.em_role.is_some_and(EmRole::may_use_basic) => Ok(index),
            Some(_) => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM logon refused: account has no Enterprise Manager role");
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "the account has no Portal Administrator, Portal User or Restore Operator role",
                    json,
                ))
            }
            None => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM logon refused: wrong credentials");
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "wrong user name or password",
                    json,
                ))
            }
        },
        Some(Err(())) => {
            st.count(Product::Em, Count::FailedLogon);
            Err(error(
                StatusCode::UNAUTHORIZED,
                "malformed Basic authorization header",
                json,
            ))
        }
        // EM-11: a live token also authorises a logon (a new session for the same user).
        None => {
            let (c, h) = tokens_of(headers);
            let no_token = c.is_empty() && h.is_empty();
            if no_token || st.breaks.has(Break::EmTokenLogonRefused) {
                st.count(Product::Em, Count::FailedLogon);
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "credentials are required: Authorization: Basic",
                    json,
                ));
            }
            match authenticate(st, headers) {
                Ok((_, session)) => Ok(session.user),
                Err(resp) => {
                    st.count(Product::Em, Count::FailedLogon);
                    Err(resp)
                }
            }
        }
    }
}

/// EM-02, EM-03, EM-04, EM-05, EM-11, EM-13: `POST /api/sessionMngr/?v=`.
pub(super) async fn logon(AxState(st): St, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let json = wants_json(&headers);
    let versions = served_versions(&st);
    match query_param(&parts.uri, "v") {
        None => {}
        Some(v) if v.eq_ignore_ascii_case("latest") && !versions.is_empty() => {}
        Some(v) if versions.iter().any(|s| s.eq_ignore_ascii_case(v.trim())) => {}
        Some(v) => {
            let shown: String = v.chars().take(32).collect();
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "API version '{}' is not supported; supported versions: {}, latest",
                    shown.escape_default(),
                    versions.join(", ")
                ),
                json,
            );
        }
    }
    let body = match axum::body::to_bytes(body, st.limits.body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                json,
            );
        }
    };
    let tenant = if st.breaks.has(Break::EmTenantLogonRefused) {
        None
    } else {
        tenant::credentials(&body)
    };
    let user_index = if let Some(spec) = tenant {
        // EM-02: a tenant logs on with a LoginSpec body, not with Basic credentials.
        match st.authenticate(&spec.username, spec.password()) {
            Some((index, user)) if user.em_role == Some(EmRole::Tenant) => index,
            _ => {
                st.count(Product::Em, Count::FailedLogon);
                tracing::info!("EM tenant logon refused");
                return error(
                    StatusCode::UNAUTHORIZED,
                    "wrong tenant name or password",
                    json,
                );
            }
        }
    } else {
        match logon_user(&st, &headers, json) {
            Ok(index) => index,
            Err(resp) => return resp,
        }
    };
    let Some(user) = st.user(user_index) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "the account no longer exists",
            json,
        );
    };
    let now = st.now_ms();
    // EM-14: the token's form is a setting; the default token is base64 of the SessionId text.
    let shape = if st.breaks.has(Break::EmTokenOtherForm) {
        EmTokenShape::Bytes24
    } else {
        match st.behaviour().em_token_form {
            EmTokenForm::Base64SessionId => EmTokenShape::GuidText,
            EmTokenForm::RandomBytes => EmTokenShape::Bytes16,
        }
    };
    let id = random_uuid().as_u128();
    let key: EmToken = match shape {
        EmTokenShape::GuidText => id,
        _ => u128::from_be_bytes(random_bytes()),
    };
    let session = EmSession {
        id,
        user: user_index,
        created_ms: now,
        last_ms: now,
        form: shape,
    };
    {
        let mut store = st.em.lock();
        if store.by_token.len() >= st.limits.session_cap {
            drop(store);
            st.purge_expired();
            store = st.em.lock();
            if store.by_token.len() >= st.limits.session_cap {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many logon sessions: the session table is full",
                    json,
                );
            }
        }
        store.by_token.insert(key, session);
        store.by_id.insert(session.id, key);
    }
    st.count(Product::Em, Count::Logon);
    tracing::info!(user = %user.name, "EM logon");
    let token = encode_em_token(key, shape);
    let node = logon_session_node(&st, &session, &user.name);
    let mut resp = render(StatusCode::CREATED, &node, json);
    if let Ok(v) = HeaderValue::from_str(&token) {
        resp.headers_mut().insert(TOKEN_HEADER, v);
    }
    if !st.breaks.has(Break::EmNoCookie)
        && let Ok(v) = HeaderValue::from_str(&format!("{TOKEN_HEADER}={token}; Path=/api"))
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// EM-10: the caller's own sessions, the calling one first.
pub(super) async fn list_sessions(AxState(st): St, headers: HeaderMap) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(user) = st.user(me.user) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "the account no longer exists",
            wants_json(&headers),
        );
    };
    let now = st.now_ms();
    let idle = dur_ms(st.lifetimes().em_idle);
    let mut mine: Vec<EmSession> = st
        .em
        .lock()
        .by_token
        .values()
        .filter(|s| {
            (s.user == me.user || st.breaks.has(Break::EmListsOtherUsers))
                && s.id != me.id
                && now < s.last_ms.saturating_add(idle)
        })
        .copied()
        .collect();
    mine.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
    mine.insert(0, me);
    // The vendor's reference shows the root `LogonSessions` with no attributes. Rendered one
    // session at a time: a user may have thousands (R6).
    let json = wants_json(&headers);
    let body = crate::xml::inline_document(
        "LogonSessions",
        "LogonSessions",
        mine.iter().map(|s| logon_session_node(&st, s, &user.name)),
        json,
    );
    let content_type = if json {
        "application/json; charset=utf-8"
    } else {
        "application/xml; charset=utf-8"
    };
    body_response(StatusCode::OK, content_type, body)
}

fn own_session(st: &State, me: &EmSession, id: &str) -> Option<EmSession> {
    let id = parse_id(id)?;
    let store = st.em.lock();
    let key = store.by_id.get(&id)?;
    let s = store.by_token.get(key)?;
    let idle = dur_ms(st.lifetimes().em_idle);
    (s.user == me.user && st.now_ms() < s.last_ms.saturating_add(idle)).then_some(*s)
}

pub(super) async fn get_session(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let json = wants_json(&headers);
    match (own_session(&st, &me, &id), st.user(me.user)) {
        (Some(s), Some(user)) => render(
            StatusCode::OK,
            &logon_session_node(&st, &s, &user.name),
            json,
        ),
        _ => error(StatusCode::NOT_FOUND, "no such logon session", json),
    }
}

/// EM-09: `DELETE /api/logonSessions/<id>`; the token is refused afterwards.
pub(super) async fn logout(
    AxState(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, me) = match authenticate(&st, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let json = wants_json(&headers);
    let Some(target) = own_session(&st, &me, &id) else {
        return error(StatusCode::NOT_FOUND, "no such logon session", json);
    };
    if !st.breaks.has(Break::EmLogoutKeepsSession) {
        let mut store = st.em.lock();
        let EmStore {
            by_token,
            by_id,
            tasks,
            ..
        } = &mut *store;
        if let Some(key) = by_id.remove(&target.id) {
            by_token.remove(&key);
        }
        tasks.retain(|_, t| t.owner != target.id);
    }
    st.count(Product::Em, Count::Logout);
    tracing::info!("EM logout");
    if st.breaks.has(Break::EmLogout200) {
        let user = st.user(me.user).map(|u| u.name).unwrap_or_default();
        return render(
            StatusCode::OK,
            &logon_session_node(&st, &target, &user),
            json,
        );
    }
    // EM-09: the reference page of this DELETE answers 204 No Content.
    StatusCode::NO_CONTENT.into_response()
}
