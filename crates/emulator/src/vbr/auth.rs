//! Bearer authentication of VBR requests (VBR-03, VBR-10, VBR-12): the access token's key is
//! looked up in the store; an expired token is removed and refused.

use axum::response::Response;
use http::HeaderMap;

use crate::breaks::Break;
use crate::common::bearer;
use crate::config::VbrRole;
use crate::state::{State, Token32, VbrAccess};

use super::{token, unauthorized};

/// Authenticates `Authorization: Bearer` (VBR-03, VBR-10, VBR-12).
pub(super) fn authenticate(
    st: &State,
    headers: &HeaderMap,
) -> Result<(Token32, VbrAccess, VbrRole), Response> {
    let Some(token) = bearer(headers) else {
        return Err(unauthorized(
            st,
            "AccessDenied",
            "authorization is required: Authorization: Bearer <access_token>",
        ));
    };
    let Some(key) = token::key_of(token) else {
        return Err(unauthorized(
            st,
            "InvalidToken",
            "the access token is not valid",
        ));
    };
    let now = st.now_ms();
    let accept_expired = st.breaks.has(Break::VbrBearerAcceptedAfterExpiry);
    let access = {
        let mut store = st.vbr.lock();
        match store.access.get(&key).copied() {
            None => None,
            Some(a) if now >= a.expires_ms && !accept_expired => {
                store.access.remove(&key);
                return Err(unauthorized(
                    st,
                    "ExpiredToken",
                    "the access token has expired",
                ));
            }
            Some(a) => Some(a),
        }
    };
    let Some(access) = access else {
        return Err(unauthorized(
            st,
            "InvalidToken",
            "the access token is not valid",
        ));
    };
    // The role is read under the lock: no copy of the account per request.
    let role = st
        .users
        .read()
        .get(access.user as usize)
        .and_then(Option::as_ref)
        .and_then(|u| u.vbr_role);
    match role {
        Some(role) => Ok((key, access, role)),
        None => Err(unauthorized(
            st,
            "InvalidToken",
            "the account no longer exists",
        )),
    }
}
