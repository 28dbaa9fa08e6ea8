//! The VBR side of [`crate::spec_driven`]: a request no hand-modelled route took is answered
//! from the `--spec` document of its revision, after the bearer check of [`super::auth`], with
//! the VBR error model; else the usual `404`/`405`.

use axum::extract::{Request, State as AxState};
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
