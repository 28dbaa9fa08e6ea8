//! The VBR side of [`crate::spec_driven`]: a request no hand-modelled route took is answered
//! from the `--spec` document of its revision, after the bearer check of [`super::auth`], with
//! the VBR error model; else the usual `404`/`405`.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State as AxState};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, StatusCode};

use super::revision::ApiRevision;
use super::{St, auth, error, method_not_allowed, not_found};
use crate::spec_driven::{Glue, serve};

/// Answers from the spec, or gives the request back.
async fn from_spec(st: &crate::state::State, req: Request) -> Result<Response, Request> {
    let revision = req.extensions().get::<ApiRevision>().copied();
    let Some(served) = st.served_specs.vbr_for(revision) else {
        return Err(req);
    };
    let authenticate = |h: &HeaderMap| auth::authenticate(st, h).map(|_| ());
    let error = |status: StatusCode, message: &str, _: &HeaderMap| error(st, status, message);
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
        Err(_) => not_found().await,
    }
}

/// A hand-modelled path without the method: an operation of the spec, else `405`.
pub(super) async fn method_fallback(AxState(st): St, req: Request) -> Response {
    match from_spec(&st, req).await {
        Ok(resp) => resp,
        Err(_) => method_not_allowed().await,
    }
}

/// Around the hand-modelled routes: a path the spec describes with more literal segments than
/// the route that took it (`/jobs/states` taken by `/jobs/{id}`) and that the route answers
/// `404` is answered from the spec. What the route answers otherwise stands.
pub(super) async fn literal_first(AxState(st): St, req: Request, next: Next) -> Response {
    let candidate = req.extensions().get::<MatchedPath>().is_some_and(|m| {
        st.served_specs
            .vbr_for(req.extensions().get::<ApiRevision>().copied())
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
