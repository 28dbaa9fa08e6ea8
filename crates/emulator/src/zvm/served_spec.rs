//! The ZVM side of [`crate::spec_driven`]: a request no hand-modelled route took is answered
//! from the `--spec` document, after the session or Bearer check of [`super::session`], with
//! ZVM's error body; else the usual `404`/`405`.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State as AxState};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, StatusCode};

use super::{St, err, method_not_allowed, not_found, session};
use crate::spec_driven::{Glue, serve};

/// Answers from the spec, or gives the request back.
async fn from_spec(st: &crate::state::State, req: Request) -> Result<Response, Request> {
    let Some(served) = st.served_specs.zvm() else {
        return Err(req);
    };
    let authenticate = |h: &HeaderMap| session::authenticate(st, h).map(|_| ());
    let error = |status: StatusCode, message: &str, h: &HeaderMap| err(status, message, h);
    let glue = Glue {
        authenticate: &authenticate,
        error: &error,
        body_limit: st.limits.body_bytes,
    };
    serve(served, req, glue).await
}

/// The router's fallback: an operation of the spec, else `404`.
pub(super) async fn fallback(AxState(st): St, req: Request) -> Response {
    match from_spec(&st, req).await {
        Ok(resp) => resp,
        Err(req) => not_found(req.headers().clone()).await,
    }
}

/// A hand-modelled path without the method: an operation of the spec, else `405`.
pub(super) async fn method_fallback(AxState(st): St, req: Request) -> Response {
    match from_spec(&st, req).await {
        Ok(resp) => resp,
        Err(req) => method_not_allowed(req.headers().clone()).await,
    }
}

/// Around the hand-modelled routes: a path the spec describes with more literal segments than
/// the route that took it (`/jobs/states` taken by `/jobs/{id}`) and that the route answers
/// `404` is answered from the spec. What the route answers otherwise stands.
pub(super) async fn literal_first(AxState(st): St, req: Request, next: Next) -> Response {
    let candidate = req.extensions().get::<MatchedPath>().is_some_and(|m| {
        st.served_specs
            .zvm()
            .is_some_and(|s| s.more_literal_than(req.method(), req.uri().path(), m.as_str()))
    });
    if !candidate {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, st.limits.body_bytes).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let hand = next
        .run(Request::from_parts(parts.clone(), Body::from(body.clone())))
        .await;
    if hand.status() != StatusCode::NOT_FOUND {
        return hand;
    }
    from_spec(&st, Request::from_parts(parts, Body::from(body)))
        .await
        .unwrap_or(hand)
}
