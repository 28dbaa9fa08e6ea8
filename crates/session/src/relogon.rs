//! The side channel from [`Session::execute_with_relogon`](crate::Session::execute_with_relogon)
//! (which must answer reqwest's result type, as progenitor's `exec` hook does) to
//! [`crate::progenitor::send`]: the real session error of a failed logon or re-logon, or of a
//! token that cannot be put on a request, so that the caller sees the cause (wrong password,
//! account locked, TLS failure, invalid token) rather than "token refused" or a transport error.

use std::cell::RefCell;
use std::future::Future;

use crate::Error;

tokio::task_local! {
    static FAILURE: RefCell<Option<Error>>;
}

/// Runs `call`, collecting the session error reported by the session during it (the first one).
pub(crate) async fn collect<T>(call: impl Future<Output = T>) -> (T, Option<Error>) {
    FAILURE
        .scope(RefCell::new(None), async move {
            let output = call.await;
            let failure = FAILURE.with(|f| f.borrow_mut().take());
            (output, failure)
        })
        .await
}

/// Records `error` for the enclosing [`collect`], if any (the first error wins).
pub(crate) fn report(error: Error) {
    let _ = FAILURE.try_with(|f| {
        let mut slot = f.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
    });
}
