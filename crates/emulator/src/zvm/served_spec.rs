//! The ZVM side of [`crate::spec_driven`]: a request no hand-modelled route took is answered
//! from the `--spec` document, after the session or Bearer check of [`super::session`], with
//! ZVM's error body; else the usual `404`/`405`.

use axum::extract::{Request, State as AxState};
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
