//! Reading an answer's body with a limit enforced while reading (and no unrequested
//! compression): a declared `Content-Length`
//! above the limit is refused before any byte is read, and a body that grows past it (chunked,
//! or lying about its length) is refused at the first chunk that crosses it. Nothing larger than
//! the limit (plus one chunk) is ever held in memory.

use crate::{Context, Error, ProtocolViolation, Result};

/// The largest token answer (VBR's token endpoint, the Appliance's Keycloak) read: 256 KiB.
/// Real answers are a few kilobytes; a 1 MB token is a broken or hostile server.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 256 * 1024;

/// Reads the body of `response`, at most `limit` bytes; more is
/// [`ProtocolViolation::BodyTooLarge`], a compressed body (the client never asks for one) is
/// [`ProtocolViolation::UnrequestedContentEncoding`]. A failure while reading is a transport
/// error.
pub async fn read_limited(
    context: &Context,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>> {
    check_encoding(context, &response)?;
    let too_large = || Error::protocol(context.clone(), ProtocolViolation::BodyTooLarge { limit });
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(limit));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::from_reqwest(context.clone(), e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A `Content-Encoding` other than `identity` is refused: the clients send no
/// `Accept-Encoding` and never inflate, so such a body could only be misread (or, inflated, be a
/// bomb).
pub fn check_encoding(context: &Context, response: &reqwest::Response) -> Result<()> {
    let Some(value) = response.headers().get(reqwest::header::CONTENT_ENCODING) else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    if text.trim().is_empty() || text.trim().eq_ignore_ascii_case("identity") {
        return Ok(());
    }
    let encoding: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(32)
        .collect();
    Err(Error::protocol(
        context.clone(),
        ProtocolViolation::UnrequestedContentEncoding { encoding },
    ))
}
